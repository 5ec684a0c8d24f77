"""The one value every report section is a function of (crossgrad.reporting.sections).

Built once per report from the judged gradient rows as dicts (a run folder's: JudgedTable.rows of
crossgrad.judging.judge, the one place that still makes a dict per row; others: judge_rows),
the timing rows, env.json, manifest.json and the catalogue: the matrices, the
columns, the findings (with their snippets) and the error ids are computed here,
once, and every section reads them from it.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import compress, repeat

from crossgrad.core.collector import collector_paused
from crossgrad.judging import compare
from crossgrad.judging.divergence import all_divergences
from crossgrad.reporting.findings_file import run_findings
from crossgrad.reporting.painter import HERE
from crossgrad.reporting.report_text import distinct

FAILED = ("error", "no_gradient", "crashed", "timeout", "unsupported", "unavailable")


@dataclass(frozen=True)
class ReportInput:
    """What the sections need; nothing in it is changed after it is built."""

    rows: list        # judged gradient rows (dicts)
    env: dict         # env.json
    manifest: dict    # manifest.json
    cases: dict       # the catalogue in use: name -> Case
    timings: list     # timing rows ([]: none were run)
    matrices: dict    # (case, dtype) -> matrix rows (compare.build_matrices)
    cols: list        # (framework, mode, device) columns, in the run's order (compare.columns)
    found: list       # the findings with their snippets (findings_file.run_findings)
    errors: dict      # (outcome, detail) -> its id, "E1", ... (error_ids)
    painter: object = HERE  # where the heatmap is drawn (crossgrad.reporting.painter)


def report_input(rows: list[dict], env: dict | None, manifest: dict | None, cases: dict,
                 timings: list[dict] | None = None, painter=HERE) -> ReportInput:
    """The ReportInput of a run: matrices once (a 10,000-element point has 40,000 rows),
    the findings once (report.md, the case pages and findings.csv show the same)."""
    env, manifest = env or {}, manifest or {}
    with collector_paused():
        cols = compare.columns(rows)  # read once, used twice
        matrices = compare.build_matrices(rows, cases, cols)
        found = run_findings(rows, env, cases, matrices, all_divergences(rows))
        return ReportInput(rows=rows, env=env, manifest=manifest, cases=cases, timings=list(timings or ()),
                           matrices=matrices, cols=cols, found=found, errors=error_ids(rows), painter=painter)


def error_ids(rows: list[dict]) -> dict:
    """(outcome, detail) -> "E<n>" of each distinct failure, in the run's order."""
    failed = list(compress(rows, map(FAILED.__contains__, map(dict.get, rows, repeat("outcome")))))  # in C
    details = (detail or "" for detail in map(dict.get, failed, repeat("detail")))
    keys = distinct(zip(map(dict.get, failed, repeat("outcome")), details))
    return {key: f"E{i}" for i, key in enumerate(keys, start=1)}
