"""The run folder: its file names, and reading and writing them (one module owns them).

    results/<run-id>/
        manifest.json   configuration and status (running, complete, partial, interrupted)
        env.json        where and with what the run was made (crossgrad.running.env + each worker)
        records.jsonl   gradient rows, appended and flushed one by one while the run goes on
                        (a vector quantity's elements in one line: core.packed_rows)
        timings.jsonl   timing rows, likewise
        gradients.csv   records.jsonl with truth and verdict, written by crossgrad.reporting.finish
        timings.csv     timings.jsonl summarised (crossgrad.timing.report)
        report.md       the report
        logs/           one log per framework worker
        points.jsonl    the inputs of each vector point, once (its rows leave x, w, b empty)
        tasks.jsonl     each task as it finished (ran, failed or unavailable): what --resume skips;
                        with its worker's cpu_s and wall_s where it ran (where a run spends its time)
        .crossgrad.lock held by the process writing the folder (its PID inside); gone when it ends

`load_run(path)` is the public way to read a finished (or interrupted) run as
pandas DataFrames, whatever schema version wrote it: each version's reader maps
its names to today's (SCHEMA_RENAMES), so a later change of a column or verdict
name is one entry there, and a version this crossgrad does not know is refused
with a message, never misread.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from crossgrad.core.gradient_columns import read_columns
from crossgrad.core.names import NAME_RULE, check_name, is_valid_name
from crossgrad.core.records import (READABLE_VERSIONS, RecordFormatError, atomic_write_text, read_csv_frame,
                                    read_jsonl, read_text)
from crossgrad.core.packed_rows import unpacked
from crossgrad.core.row_check import (ENV_SHAPE, GRADIENT_RULES, MANIFEST_SHAPE, POINT_RULES, TIMING_RULES,
                                      row_fault, shape_fault)

MANIFEST = "manifest.json"
ENV = "env.json"
RECORDS = "records.jsonl"
TIMINGS_JSONL = "timings.jsonl"
GRADIENTS = "gradients.csv"
TIMINGS = "timings.csv"
TIMINGS_RAW = "timings_raw.csv"  # every timed block of every row
REPORT = "report.md"
FINDINGS = "findings.csv"  # one row per finding (crossgrad.judging.findings_data)
CASE_PAGES = "cases"  # one page per case (crossgrad.reporting.report_pages)
LOGS = "logs"
TASKS_DONE = "tasks.jsonl"
POINTS = "points.jsonl"  # schema 2: each vector point's x, w, b, once
LOCK = ".crossgrad.lock"


def case_page(case: str) -> str:
    """A case page's path inside the run folder (also the report's link to it);
    a name that is not one (crossgrad.core.names) is refused before it names a file."""
    return f"{CASE_PAGES}/{check_name('case', case)}.md"


def inside(run_dir: Path, relative: str) -> Path:
    """run_dir/relative, refused (ValueError) when it would resolve outside run_dir:
    nothing read from a run folder may make crossgrad write elsewhere."""
    root = Path(run_dir).resolve()
    path = (root / relative).resolve()
    if root != path and root not in path.parents:
        raise ValueError(f"{relative!r} would be written outside the run folder {str(run_dir)!r}")
    return path

# Fields every gradient record carries (schema 1 onwards).
REQUIRED = ("framework", "case", "point", "ad", "wrt", "value", "outcome", "dtype", "mode", "device")

# Fields every timing record carries (crossgrad.timing.rows.base_row, and its outcome).
TIMING_REQUIRED = ("framework", "device", "dtype", "mode", "workload", "n", "phase", "outcome")

# Columns gradients.csv must have to be compared (what compare and drift key and show).
GRADIENT_REQUIRED = REQUIRED + ("index", "cotangent", "tangent")

# Fields that are names (crossgrad.core.names): file names and selection keys.
NAMED = ("case", "point")

# schema version -> {"columns": {old: new}, "verdicts": {old: new}, "outcomes": {old: new}}:
# how to read that version's names as today's (SCHEMA_VERSION is today's).
# Version 2 renamed nothing (it moved a vector point's inputs to points.jsonl: read_points);
# nor did 3 (a vector quantity is one line of records.jsonl: crossgrad.core.packed_rows).
SCHEMA_RENAMES: dict[int, dict[str, dict[str, str]]] = {
    1: {"columns": {}, "verdicts": {}, "outcomes": {}},
    2: {"columns": {}, "verdicts": {}, "outcomes": {}},
    3: {"columns": {}, "verdicts": {}, "outcomes": {}},
}


class NotARunFolder(ValueError):
    """The path is missing or holds no manifest.json."""


def is_run_folder(path: Path) -> bool:
    return (Path(path) / MANIFEST).is_file()


SHAPES = {MANIFEST: MANIFEST_SHAPE, ENV: ENV_SHAPE}  # what each JSON file's readers rely on


def read_json(path: Path) -> dict:
    """A JSON object; manifest.json and env.json checked against their shapes (crossgrad.core.row_check)."""
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise RecordFormatError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise RecordFormatError(f"{path}:1: expected a JSON object")
    fault = shape_fault(data, SHAPES.get(Path(path).name, dict))
    if fault:
        raise RecordFormatError(f"{path}:1: {fault}")
    return data


def write_json(path: Path, data: dict) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n")


def rewrite_in_place(path: Path, data: dict) -> None:
    """The last resort of a run whose disk is full: rewrite the file's own blocks
    (a manifest is far smaller than one), so it can still say how the run ended."""
    text = (json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n").encode()
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text)
        os.ftruncate(fd, len(text))
        os.fsync(fd)
    finally:
        os.close(fd)


def write_state(run_dir: Path, manifest: dict, env: dict) -> None:
    """manifest.json and env.json of a run being written (each replaced atomically)."""
    write_json(Path(run_dir) / MANIFEST, manifest)
    write_json(Path(run_dir) / ENV, env)


def read_record_columns(run_dir: Path) -> tuple[dict, list[dict], dict, dict]:
    """(gradient columns, timing rows, env, manifest) as the writing crossgrad left them, every
    field checked against its rule: the gradient rows as columns (crossgrad.core.gradient_columns:
    column -> list, one entry per element row; {} for no records); a folder of a schema version
    this crossgrad does not write is refused."""
    run_dir = Path(run_dir)
    env, manifest = _checked_state(run_dir)
    columns = read_columns(run_dir / RECORDS, REQUIRED, NAMED) if (run_dir / RECORDS).exists() else {}
    return columns, _timing_records(run_dir), env, manifest


def _checked_state(run_dir: Path) -> tuple[dict, dict]:
    """(env, manifest) of a run folder, refused unless today's crossgrad reads their schema version."""
    manifest, env = read_json(run_dir / MANIFEST), read_json(run_dir / ENV)
    for name, data in ((MANIFEST, manifest), (ENV, env)):
        if data.get("schema_version") not in READABLE_VERSIONS:
            raise RecordFormatError(f"{run_dir / name}:1: schema_version {data.get('schema_version')!r}, "
                                    f"this crossgrad reads {', '.join(map(str, READABLE_VERSIONS))}")
    return env, manifest


def _timing_records(run_dir: Path) -> list[dict]:
    return (read_jsonl(run_dir / TIMINGS_JSONL, TIMING_REQUIRED, rules=TIMING_RULES)
            if (run_dir / TIMINGS_JSONL).exists() else [])


def read_points(run_dir: Path) -> dict[tuple[str, str], dict]:
    """(case, point) -> {"x": text, "w": text, "b": text} of each vector point (schema 2;
    a schema 1 run repeats them in every row and has no such file: {})."""
    path = Path(run_dir) / POINTS
    if not path.is_file():
        return {}
    return {(p["case"], p["point"]): {n: str(p.get(n, "")) for n in ("x", "w", "b")}
            for p in read_jsonl(path, ("case", "point"), NAMED, POINT_RULES)}


@dataclass
class LoadedRun:
    """A run folder read back: gradients and timings as DataFrames of text
    (values exactly as written: "-0.0", "nan"), plus env.json and manifest.json."""

    path: Path
    gradients: "object"  # pandas.DataFrame
    timings: "object"  # pandas.DataFrame
    env: dict
    manifest: dict
    schema_version: int = 1
    notes: list = field(default_factory=list)

    @property
    def status(self) -> str:
        """complete, partial, interrupted; a run whose writer died says "running": interrupted."""
        status = self.manifest.get("status", "unknown")
        return "interrupted" if status == "running" else status


def load_run(path) -> LoadedRun:
    """Read a run folder of any schema version this crossgrad knows (public API).

    gradients: one row per recorded scalar, the columns of gradients.csv (all
    text; `value` is the round-trip repr). timings: the rows of timings.csv
    (empty when the run took none). Raises NotARunFolder for a path that is not
    a run folder and crossgrad.core.records.RecordFormatError for an unknown schema.
    """
    run_dir = Path(path)
    if not run_dir.is_dir():
        raise NotARunFolder(f"{str(run_dir)!r} does not exist")
    if not is_run_folder(run_dir):
        raise NotARunFolder(f"{str(run_dir)!r} is not a run folder (no {MANIFEST})")
    manifest = read_json(run_dir / MANIFEST)
    env = read_json(run_dir / ENV) if (run_dir / ENV).is_file() else {}
    version = _schema_version(run_dir, manifest)
    renames = SCHEMA_RENAMES[version]
    notes = [] if (run_dir / ENV).is_file() else [f"no {ENV}: versions and machine unknown"]
    gradients = _gradients_frame(run_dir, notes, renames)
    _check_frame_names(run_dir, gradients)
    timings = read_csv_frame(run_dir / TIMINGS, TIMING_REQUIRED, TIMING_RULES, lambda f: _renamed(f, renames))
    return LoadedRun(run_dir, gradients, timings, env, manifest, version, notes)


def _check_frame_names(run_dir: Path, frame) -> None:
    """The first row whose case or point is not a name (crossgrad.core.names) is refused."""
    for column in NAMED:
        if column in frame:
            bad = frame.index[~frame[column].map(is_valid_name)]
            if len(bad):
                raise RecordFormatError(f"{run_dir}: row {int(bad[0]) + 1}: {column} name "
                                        f"{frame[column][bad[0]]!r} is not allowed ({NAME_RULE})")


def _schema_version(run_dir: Path, manifest: dict) -> int:
    version = manifest.get("schema_version")
    if version not in SCHEMA_RENAMES:
        raise RecordFormatError(f"{run_dir / MANIFEST}:1: schema_version {version!r}; this crossgrad reads "
                                f"{', '.join(map(str, sorted(SCHEMA_RENAMES)))}")
    return version


def _gradients_frame(run_dir: Path, notes: list, renames: dict):
    """gradients.csv (with the verdicts recorded then) or, when the run was never
    finished, the raw records.jsonl (no verdicts recorded)."""
    import pandas as pd

    if (run_dir / GRADIENTS).is_file():
        return read_csv_frame(run_dir / GRADIENTS, GRADIENT_REQUIRED, GRADIENT_RULES, lambda f: _renamed(f, renames))
    if not (run_dir / RECORDS).is_file() or (run_dir / RECORDS).stat().st_size == 0:
        return pd.DataFrame(columns=list(REQUIRED))
    notes.append(f"no {GRADIENTS} (run never finished): read {RECORDS}, no recorded verdicts")
    rows = [{k: "" if v is None else str(v) for k, v in r.items()} for r in _jsonl_any_version(run_dir / RECORDS)]
    return _renamed(pd.DataFrame(rows), renames)


def _jsonl_any_version(path: Path) -> list[dict]:
    """JSON lines without the schema check (the manifest's version was checked), each
    field checked against its rule; a torn last line (a killed writer) is skipped."""
    lines = read_text(path).split("\n")
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(lines) and not line.endswith("}"):
                break
            raise RecordFormatError(f"{path}:{number}: not a JSON object ({exc.msg})") from None
        if not isinstance(row, dict):
            raise RecordFormatError(f"{path}:{number}: not a JSON object")
        try:
            elements = unpacked(row)  # a vector quantity's line (schema 3): one row per element
        except (ValueError, TypeError) as exc:
            raise RecordFormatError(f"{path}:{number}: {exc}") from None
        for element in elements:
            fault = row_fault(element, GRADIENT_RULES)
            missing = [c for c in REQUIRED if c not in element]
            if fault or missing:
                raise RecordFormatError(f"{path}:{number}: {fault or 'missing field(s) ' + ', '.join(missing)}")
        rows.extend(elements)
    return rows


def _renamed(frame, renames: dict):
    """Today's names for an older version's columns and labels."""
    if frame.empty:
        return frame
    frame = frame.rename(columns=renames["columns"])
    for column, kind in (("verdict", "verdicts"), ("outcome", "outcomes")):
        if renames[kind] and column in frame:
            frame[column] = frame[column].replace(renames[kind])
    return frame
