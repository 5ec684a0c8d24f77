"""`crossgrad report RUN --snippets`: the repro snippet of every value of a selection, in one file.

The report shows snippets for a capped number of divergent cells; this writes
one for each recorded value that matches the filters (the same --frameworks,
--cases, --points, --modes, --devices, --dtypes as `crossgrad run`), uncapped,
to `snippets-<selection>.md` in the run folder. Each snippet is
crossgrad.reporting.repro.snippet's standalone program printing that value with repr.
"""
from __future__ import annotations

import re
from pathlib import Path

from crossgrad.arguments import choose
from crossgrad.core.records import atomic_write_text
from crossgrad.core import run_folder
from crossgrad.judging.judge import judge
from crossgrad.reporting.repro import SnippetError, case_snippet
from crossgrad.reporting.report_text import code, escaped, fenced

COLUMN_OF = {"frameworks": "framework", "cases": "case", "points": "point", "modes": "mode",
             "devices": "device", "dtypes": "dtype"}


def selected_rows(rows: list[dict], filters: dict[str, str]) -> list[dict]:
    """Rows matching every filter; a name not in the run exits 2 listing the run's names."""
    for option, text in filters.items():
        column = COLUMN_OF[option]
        present = list(dict.fromkeys(str(r.get(column, "")) for r in rows))
        wanted = set(choose(text, present, option, present))
        rows = [r for r in rows if str(r.get(column, "")) in wanted]
    return rows


def file_name(filters: dict[str, str]) -> str:
    """snippets-cases-relu_frameworks-tensorflow.md; snippets-all.md without filters."""
    parts = [f"{option}-{text}" for option, text in sorted(filters.items())]
    name = re.sub(r"[^A-Za-z0-9_.+-]", "+", "_".join(parts))[:150] or "all"
    return f"snippets-{name}.md"


def title(row: dict) -> str:
    seed = row.get("cotangent") or row.get("tangent") or ""
    wrt = f" {row['wrt']}[{row.get('index', 0)}]" if row.get("wrt") else ""
    return (f"### {row['case']} · {row['framework']} {row['mode']} · `{row['point']}` {row['ad']}{wrt}"
            + (f", seed {seed}" if seed else "") + f", {row['dtype']}, {row['device']} → "
            f"`{row.get('value')}` ({row.get('verdict') or row.get('outcome')})")


def one_snippet(row: dict, env: dict, catalogue: dict) -> str:
    head = title(row)
    if row.get("outcome") not in ("ok", None, ""):
        return f"{head}\n\nNo snippet: outcome {row.get('outcome')}: {escaped(row.get('detail', ''))}\n"
    spelling = (env.get("frameworks", {}).get(row["framework"]) or {}).get("spelling") or {}
    seed = row.get("cotangent") or row.get("tangent") or ""
    try:
        code = case_snippet(catalogue[row["case"]], row["framework"], spelling, row["point"], row["dtype"],
                            row["ad"], row.get("wrt", ""), seed, row["mode"], recorded=str(row.get("value")),
                            index=int(row.get("index") or 0))
    except (SnippetError, OSError, TypeError, KeyError, SyntaxError, ValueError) as exc:
        return f"{head}\n\nNo snippet: {type(exc).__name__}: {escaped(exc)}\n"
    note = "\nRecorded on gpu; the snippet runs on the CPU.\n" if row["device"] != "cpu" else ""
    return f"{head}\n{note}\n{fenced(code, 'python')}\n"


def write_snippets(run_dir: Path, filters: dict[str, str], cases: dict) -> Path:
    """Write the snippets of the selected rows into the run folder (`cases`: name -> Case,
    the command's catalogue); returns the file's path."""
    columns, _, env, _ = run_folder.read_record_columns(run_dir)
    rows = selected_rows(judge(columns, cases).rows(), filters)
    chosen = escaped(", ".join(f"--{k} {v}" for k, v in sorted(filters.items())) or "every value")
    parts = [f"# Repro snippets: {chosen}\n", f"Run {code(Path(run_dir).name)}; {len(rows)} value(s), "
             "one standalone program each, printing the recorded value with repr.\n"]
    parts += [one_snippet(r, env, cases) for r in rows]
    path = Path(run_dir) / file_name(filters)
    atomic_write_text(path, "\n".join(parts))
    return path
