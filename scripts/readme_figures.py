"""Regenerate the figures README.md quotes from the runs committed in this repository.

A generated span in README.md is marked

    <!-- figure: NAME -->
    ...text written by this script...
    <!-- /figure -->

and FIGURES[NAME] writes its text from committed data only (results/sample, results/h200,
the catalogue): `python scripts/readme_figures.py` rewrites every span, `--check` exits 1
naming each span whose text differs from the data (tests/test_readme_figures.py runs it),
so README and the data cannot drift apart unnoticed. `make docs` runs the rewrite.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SPAN = re.compile(r"(<!-- figure: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /figure -->)", re.S)


def h200_by_device() -> str:
    """The counts table of `crossgrad compare results/h200/values-eager --by device`."""
    import pandas as pd

    from crossgrad.cli import main
    from crossgrad.judging.difference import CATEGORIES
    from crossgrad.reporting.report_text import table

    with tempfile.TemporaryDirectory() as out, contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        main(["compare", str(ROOT / "results/h200/values-eager"), "--by", "device", "--out", out])
        lines = pd.read_csv(Path(out) / "compare.csv", dtype=str, keep_default_na=False)
    counts = lines.pivot_table(index=["framework", "mode", "device_b"], columns="category", aggfunc="size",
                               fill_value=0)
    columns = [c for c in CATEGORIES if c in counts.columns]
    body = [[fw, mode, device, *(int(counts.loc[(fw, mode, device), c]) for c in columns)]
            for fw, mode, device in counts.index]
    return table(["framework", "mode", "device", *columns], body) + "\n"


def nothing_judged() -> str:
    """What `crossgrad check --frameworks torch --cases relu --devices gpu` prints without a GPU:
    one unavailable row per quantity of the plan (crossgrad.running.derivatives.failed_rows)."""
    from crossgrad.catalogue import cases
    from crossgrad.running.plan import RunConfig, quantities
    from crossgrad.running.dealing import value_tasks
    from crossgrad.core.dtypes import NAMES
    from crossgrad.adapter import MODES

    config = RunConfig(frameworks=("torch",), cases=("relu",), modes=MODES, devices=("gpu",), dtypes=NAMES)
    count = sum(len(quantities(cases()[t["case"]], None, config.seeds, t["dtype"], config.scope))
                for t in value_tasks(config, cases())["torch"])
    return ("```text\n$ crossgrad check --frameworks torch --cases relu --devices gpu      # on a machine without a GPU\n"
            f"crossgrad: nothing judged: every selected value is unavailable: no gpu device for torch ({count}) "
            "(exit 4)\n```\n")


def sample_timing() -> str:
    """The timing summary of the committed sample run's report, as README question 3 quotes it."""
    text = (ROOT / "results/sample/report.md").read_text(encoding="utf-8")
    start = text.index("Per workload and N, the fastest")
    end = text.index("#### What the choice of gradient API costs")
    lines = [line for line in text[start:end].strip().splitlines() if not line.startswith("![")]
    return "\n".join(lines).strip() + "\n"  # README links the plot itself (its path differs)


FIGURES = {"h200-by-device": h200_by_device, "nothing-judged": nothing_judged, "sample-timing": sample_timing}


def regenerate(text: str) -> tuple[str, list[str]]:
    """(README with every span rewritten, names of the spans whose text changed)."""
    changed = []

    def one(match) -> str:
        name = match.group("name")
        if name not in FIGURES:
            raise SystemExit(f"readme_figures: unknown figure {name!r}; known: {', '.join(FIGURES)}")
        body = FIGURES[name]()
        if body != match.group("body"):
            changed.append(name)
        return match.group(1) + body + match.group(4)

    return SPAN.sub(one, text), changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 where README's text differs from the data")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    new, changed = regenerate(text)
    if args.check:
        for name in changed:
            print(f"README.md: figure {name!r} differs from its data (run: make docs)", file=sys.stderr)
        return 1 if changed else 0
    README.write_text(new, encoding="utf-8")
    print(f"README.md: {len(changed)} figure(s) rewritten" + (f": {', '.join(changed)}" if changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
