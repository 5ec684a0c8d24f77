"""Turns a run folder's appended records into gradients.csv, timings.csv and report.md.

Used at the end of `crossgrad run`, and by `crossgrad report RUN_DIR` on a run
that was interrupted: whatever finished is reported, marked partial.
The cases are the catalogue's, the installed packages' and the --cases-from
files the user named on this command line: a case file a run folder's
manifest names is never imported from it (a folder someone hands you is data).
"""
from __future__ import annotations

from pathlib import Path

from crossgrad.core import run_folder
from crossgrad.core.records import write_csv
from crossgrad.core.rows import GRADIENT_COLUMNS
from crossgrad.catalogue import cases
from crossgrad.judging.verdicts import annotate
from crossgrad.reporting.report import write_report
from crossgrad.timing.report import write_timings_csv

REQUIRED = run_folder.REQUIRED
read_json = run_folder.read_json


def load_run(run_dir: Path) -> tuple[list[dict], list[dict], dict, dict]:
    """(gradient rows, timing rows, env, manifest) of a run folder, as dicts
    (crossgrad.load_run gives the DataFrames of a finished run)."""
    return run_folder.read_records(run_dir)


def finish(run_dir: Path, report: bool = True) -> Path:
    """Writes the derived files of `run_dir`; returns the report's path (with
    report=False: gradients.csv's, the report left for `crossgrad report` to build)."""
    run_dir = Path(run_dir)
    rows, timings, env, manifest = load_run(run_dir)
    if manifest.get("status") == "running":
        manifest["status"] = "interrupted"  # its writer died before saying it finished
    annotate(rows, cases())
    write_csv(run_dir / run_folder.GRADIENTS, rows, GRADIENT_COLUMNS)
    if timings:
        write_timings_csv(run_dir, timings)
    if not report:
        return run_dir / run_folder.GRADIENTS
    return write_report(run_dir, rows, env, manifest, cases(), timings)
