"""Turns a run folder's appended records into gradients.csv, timings.csv and report.md.

Used at the end of `crossgrad run`, and by `crossgrad report RUN_DIR` on a run
that was interrupted: whatever finished is reported, marked partial.
The cases are the catalogue's, the installed packages' and the --cases-from
files the user named on this command line: a case file a run folder's
manifest names is never imported from it (a folder someone hands you is data).
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from crossgrad.core import run_folder
from crossgrad.core.records import RecordFormatError
from crossgrad.judging.judge import judge
from crossgrad.reporting.painter import painter_for
from crossgrad.reporting.report import write_report
from crossgrad.core.collector import collector_paused
from crossgrad.timing.derived import write_timings_csv
from crossgrad.timing.rows import typed

REQUIRED = run_folder.REQUIRED
read_json = run_folder.read_json


def refuse_slimmed(run_dir: Path) -> None:
    """A folder with gradients.csv but no records.jsonl (a slimmed, committed run:
    results/h200, results/history) holds only derived rows: rebuilding them from
    records that are not there would empty gradients.csv, so it is refused."""
    if not (run_dir / run_folder.RECORDS).exists() and (run_dir / run_folder.GRADIENTS).exists():
        raise RecordFormatError(f"{run_dir} has {run_folder.GRADIENTS} but no {run_folder.RECORDS} (a slimmed run "
                                "folder): nothing to rebuild a report from; crossgrad compare, history and "
                                "load_run read it as it is")


class FinishedRun(NamedTuple):
    """What finish_run wrote (`path`) and what it read: the judged gradient rows
    (crossgrad.judging.judge, as dicts: JudgedTable.rows), the timing rows, env.json and manifest.json,
    so a command that goes on (check, pytest) reads and judges the folder only once."""

    path: Path
    rows: list
    timings: list
    env: dict
    manifest: dict


def finish(run_dir: Path, cases: dict, report: bool = True) -> Path:
    """Writes the derived files of `run_dir`, judged against `cases` (name -> Case: the
    command's catalogue); returns the report's path (with
    report=False: gradients.csv's, the report left for `crossgrad report` to build)."""
    return finish_run(run_dir, cases, report).path


def finish_run(run_dir: Path, cases: dict, report: bool = True) -> FinishedRun:
    """finish(), returning what it read and judged along with the path it wrote."""
    run_dir = Path(run_dir)
    refuse_slimmed(run_dir)
    # The collector paused throughout (as report_input pauses it): loading, judging and the
    # sections build millions of containers, none in a cycle, and its collections walked
    # them again and again (the full check: ~0.45 s of CPU, 4 full collections). A figure,
    # which does refer to itself, is collected where it is drawn (plots.freed_after).
    # The painter: a large run's heatmap is drawn in a second process, started now.
    with painter_for(run_dir, report) as painter, collector_paused():
        return _finish(run_dir, cases, report, painter)


def _finish(run_dir: Path, cases: dict, report: bool, painter) -> FinishedRun:
    columns, timings, env, manifest = run_folder.read_record_columns(run_dir)
    timings = typed(timings)  # their numbers typed once (crossgrad.timing.rows)
    if manifest.get("status") == "running":
        manifest["status"] = "interrupted"  # its writer died before saying it finished
    table = judge(columns, cases)
    table.write_csv(run_dir / run_folder.GRADIENTS)
    rows = table.rows()  # the consumers below still take dict rows (crossgrad.judging.judge)
    del table, columns  # the dict rows hold every value: the columns need not stay beside them
    if timings:
        write_timings_csv(run_dir, timings)
    if not report:
        return FinishedRun(run_dir / run_folder.GRADIENTS, rows, timings, env, manifest)
    path = write_report(run_dir, rows, env, manifest, cases, timings, painter)
    return FinishedRun(path, rows, timings, env, manifest)
