"""`crossgrad compare RUN_A RUN_B [RUN_C ...]` and `crossgrad compare RUN --by device|mode`.

Each later run is compared with the first (A); with `--by device` the devices of
one run are the sides (cpu first), with `--by mode` its modes (eager first: each
compiled or graph mode against the same framework's eager values). findings.csv
beside compare.md holds the findings (crossgrad.judging.findings_data) of the
compared run, or of the last run compared. Quantities line up by crossgrad.drift.join,
timings by crossgrad.drift.timing, and crossgrad.drift.report writes
compare.md and compare.csv. Exit 0: nothing changed; 1: something did (a value,
a verdict, an outcome, a quantity on one side only); 2: bad input (a missing
folder, a folder that is not a run, an unknown filter value, no quantity in
common), one line each.
"""
from __future__ import annotations

import string
import sys
from dataclasses import dataclass, field
from pathlib import Path

from crossgrad.arguments import UsageError, choose
from crossgrad.core.records import RecordFormatError
from crossgrad.core.run_folder import NotARunFolder, load_run
from crossgrad.running.runner import new_run_id

FILTERS = {"frameworks": "framework", "cases": "case", "points": "point", "modes": "mode",
           "devices": "device", "dtypes": "dtype"}


@dataclass
class Side:
    label: str
    name: str
    run: object  # crossgrad.core.run_folder.LoadedRun
    gradients: object  # pandas.DataFrame
    timings: object


@dataclass
class Pair:
    a: Side
    b: Side
    key: tuple
    lines: object = None
    timings: object = None
    duplicates: int = 0
    title: str = field(default="")


def compare(args, cases: dict) -> int:
    """The command (args: runs, by, out and the FILTERS; `cases`: the catalogue in use,
    which gives rows their truths and snippets); returns the exit status."""
    runs = [_load(path) for path in args.runs]
    if args.by in AXES:
        if len(runs) != 1:
            raise UsageError(f"--by {args.by} compares the {args.by}s of one run; got {len(runs)} runs")
        sides = axis_sides(runs[0], args.by, getattr(args, f"{args.by}s", None))
    else:
        if len(runs) < 2:
            raise UsageError("compare needs two run folders or more (or one with --by device or --by mode)")
        sides = [Side(string.ascii_uppercase[i % 26], str(r.path), r, r.gradients, r.timings)
                 for i, r in enumerate(runs)]
    sides = [_filtered(s, args, sides) for s in sides]
    pairs = [make_pair(sides[0], side, by=args.by if args.by in AXES else "", cases=cases) for side in sides[1:]]
    for pair in pairs:
        if pair.lines["category"].isin(["only in A", "only in B"]).all():
            raise UsageError(f"no quantity in common between {pair.a.name} and {pair.b.name} "
                             f"(A: {_summary(pair.a)}; B: {_summary(pair.b)})")
    out = _out_dir(args.out)
    # here, not at the top: these modules import pandas, which `crossgrad list` never needs
    from crossgrad.drift import report as drift_report
    from crossgrad.drift.snippets import snippets_for

    snippets = {}
    for pair in pairs:
        snippets.update(snippets_for(pair, cases))
    drift_report.write(out, header(sides, args), pairs, snippets)
    _write_findings(out, runs[-1], sides, cases)
    print(out / "compare.md")
    one_side = sum(int(p.lines["category"].isin(["only in A", "only in B"]).sum()) for p in pairs)
    changed = sum(int((p.lines["category"] != "same").sum()) for p in pairs) - one_side
    print(f"crossgrad: {changed} quantities changed, {one_side} on one side only"
          + (" (exit 1)" if changed or one_side else ": nothing changed"), file=sys.stderr)
    return 1 if changed or one_side else 0


def _load(path: str):
    try:
        return load_run(path)
    except NotARunFolder as exc:
        raise UsageError(f"{exc}; give a results/<run-id> folder written by crossgrad run") from None
    except (RecordFormatError, OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path!r}: {exc}") from None


AXES = {"device": "cpu", "mode": "eager"}  # --by axis -> the side every other is compared with


def axis_sides(run, axis: str, text) -> list[Side]:
    """One side per device (or mode) of the run, cpu (eager) first; --devices (--modes) picks which."""
    first = AXES[axis]
    order = lambda v: (v != first, v)  # noqa: E731
    present = sorted(run.gradients[axis].unique(), key=order) if axis in run.gradients else []
    chosen = choose(text, present, f"{axis}s", present)
    if len(chosen) < 2:
        raise UsageError(f"--by {axis} needs two {axis}s in {str(run.path)!r}; "
                         f"it has: {', '.join(present) or 'none'}")
    timings = run.timings
    return [Side(string.ascii_uppercase[i % 26], f"{run.path} · {value}", run,
                 run.gradients[run.gradients[axis] == value],
                 timings[timings[axis] == value] if axis in timings else timings)
            for i, value in enumerate(sorted(chosen, key=order))]


def device_sides(run, devices_text) -> list[Side]:
    """One side per device of the run, cpu first; --devices picks which."""
    return axis_sides(run, "device", devices_text)


def _write_findings(out: Path, run, sides: list[Side], cases: dict) -> None:
    """findings.csv of `run`'s rows as filtered (every side of a --by comparison), judged as
    its report judges them (crossgrad.judging.judge: the findings read the typed value and truth)."""
    import pandas as pd

    from crossgrad.judging.judge import judge_rows
    from crossgrad.reporting.findings_file import write_findings

    mine = [s.gradients for s in sides if s.run is run]
    rows = judge_rows(pd.concat(mine).to_dict("records"), cases) if mine else []
    write_findings(out, rows, run.env, cases)


def _filtered(side: Side, args, sides: list[Side]) -> Side:
    """The side with run's filters applied; a value no side has is bad input (exit 2)."""
    grads, timings = side.gradients, side.timings
    for option, column in FILTERS.items():
        text = getattr(args, option, None)
        if text is None or option == f"{args.by}s":  # a --by axis picks its sides itself
            continue
        valid = sorted({v for s in sides if column in s.gradients for v in s.gradients[column].unique()})
        chosen = choose(text, valid, option, valid)
        grads = grads[grads[column].isin(chosen)] if column in grads else grads
        if column in timings:
            timings = timings[timings[column].isin(chosen)]
    return Side(side.label, side.name, side.run, grads, timings)


def make_pair(a: Side, b: Side, by_device: bool = False, by: str = "", cases: dict | None = None) -> Pair:
    """The two sides joined (`cases`: the catalogue that judges them; None: the installed one)."""
    # here, not at the top: these modules import pandas, which `crossgrad list` never needs
    from crossgrad.core.pairs import shared_key
    from crossgrad.drift.join import join, prepare
    from crossgrad.drift.timing import TIMING_KEY, join_timings
    from crossgrad.reporting.report_text import code

    by = by or ("device" if by_device else "")  # the column the sides differ in: not part of the key
    key = shared_key([by] if by else [])
    timing_key = tuple(k for k in TIMING_KEY if k != by)
    if by == "mode":  # graph is TensorFlow's alone: eager of the frameworks that have the other mode
        a = _frameworks_of(a, b)
    lines, duplicates = join(prepare(a.gradients, cases), prepare(b.gradients, cases), key)
    title = f"{a.label} {code(a.name)} → {b.label} {code(b.name)}"
    timings = join_timings(a.timings, b.timings, timing_key)
    if by == "mode":  # each line is B's mode against eager: its snippet reruns B's value
        mode = b.gradients["mode"].iloc[0] if len(b.gradients) else ""
        lines["mode"] = mode
        if len(timings):
            timings["mode"] = mode
    return Pair(a, b, key, lines, timings, duplicates, title)


def _frameworks_of(a: Side, b: Side) -> Side:
    """Side a with only the frameworks side b has."""
    fws = set(b.gradients["framework"]) if "framework" in b.gradients else set()
    keep = lambda frame: frame[frame["framework"].isin(fws)] if "framework" in frame else frame  # noqa: E731
    return Side(a.label, a.name, a.run, keep(a.gradients), keep(a.timings))


def header(sides: list[Side], args) -> list[str]:
    # here, not at the top: these modules import pandas, which `crossgrad list` never needs
    from crossgrad.drift.report import side_lines

    filters = ", ".join(f"--{o} {getattr(args, o)}" for o in FILTERS if getattr(args, o, None))
    out = ["# crossgrad compare", "", f"Sides{f' (by {args.by})' if args.by in AXES else ''}; "
           f"each later side is compared with A. Filters: {filters or 'none'}.", ""]
    for side in sides:
        out += side_lines(side.label, side)
    return out + [""]


def _summary(side: Side) -> str:
    g = side.gradients
    if g.empty:
        return "no gradient rows"
    return "; ".join(f"{c}s {', '.join(sorted(g[c].unique()))}" for c in ("framework", "device", "mode", "dtype")
                     if c in g)


def _out_dir(text: str | None) -> Path:
    path = Path(text) if text else Path("results") / f"compare-{new_run_id()}"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write the output folder {str(path)!r}: {exc.strerror or exc}") from None
    return path
