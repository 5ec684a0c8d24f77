"""Turns a run folder's appended records into gradients.csv, timings.csv and report.md.

Used at the end of `crossgrad run`, and by `crossgrad report RUN_DIR` on a run
that was interrupted: whatever finished is reported, marked partial.
"""
from __future__ import annotations

import json
from pathlib import Path

from crossgrad.records import GRADIENT_COLUMNS, RecordFormatError, read_jsonl, write_csv
from crossgrad.registry import cases

REQUIRED = ("framework", "case", "point", "ad", "wrt", "value", "outcome", "dtype", "mode", "device")


def read_json(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RecordFormatError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise RecordFormatError(f"{path}:1: expected a JSON object")
    return data


def load_run(run_dir: Path) -> tuple[list[dict], list[dict], dict, dict]:
    """(gradient rows, timing rows, env, manifest) of a run folder."""
    run_dir = Path(run_dir)
    manifest = read_json(run_dir / "manifest.json")
    env = read_json(run_dir / "env.json")
    from crossgrad import SCHEMA_VERSION

    for name, data in (("manifest.json", manifest), ("env.json", env)):
        if data.get("schema_version") != SCHEMA_VERSION:
            raise RecordFormatError(f"{run_dir / name}:1: schema_version {data.get('schema_version')!r}, "
                                    f"this crossgrad reads {SCHEMA_VERSION}")
    rows = read_jsonl(run_dir / "records.jsonl", REQUIRED) if (run_dir / "records.jsonl").exists() else []
    timings = read_jsonl(run_dir / "timings.jsonl") if (run_dir / "timings.jsonl").exists() else []
    return rows, timings, env, manifest


def finish(run_dir: Path) -> Path:
    """Writes the derived files of `run_dir`; returns the report's path."""
    from crossgrad.report import write_report
    from crossgrad.timing_report import write_timings_csv
    from crossgrad.truth import annotate

    run_dir = Path(run_dir)
    rows, timings, env, manifest = load_run(run_dir)
    _use_case_files_of(manifest)
    if manifest.get("status") == "running":
        manifest["status"] = "interrupted"  # its writer died before saying it finished
    annotate(rows, cases())
    write_csv(run_dir / "gradients.csv", rows, GRADIENT_COLUMNS)
    if timings:
        write_timings_csv(run_dir, timings)
    return write_report(run_dir, rows, env, manifest, cases(), timings)


def _use_case_files_of(manifest: dict) -> None:
    """A run made with --cases-from is reported with those cases (their truth,
    their snippets); a file since moved or broken leaves them out of the report."""
    from crossgrad.registry import case_files, use_case_files
    from crossgrad.user_cases import CaseSourceError

    wanted = manifest.get("case_files") or []
    if wanted and wanted != case_files():
        try:
            use_case_files(wanted)
        except CaseSourceError:
            use_case_files([])
