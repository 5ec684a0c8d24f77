"""Timing rows -> their derived figures, timings.csv (+ raw samples), and back.

Rows are typed timing rows (crossgrad.timing.rows.typed: a run folder's timings.jsonl, a
timings.csv or a benchmark JSON as read, their numbers typed once); the derived figures
are numbers too, written as text only into timings.csv. The report's timing section
(crossgrad.reporting.timing_report) renders them.

Derived figures (columns of timings.csv, recomputed from the rows):
- gradient_primal_ratio (gradient rows): median(gradient) / median(primal), same
  framework, device, dtype, mode, workload and n: the headline measure of AD
  benchmarks (the gradient phase includes its forward pass).
- bytes_moved, bandwidth_bytes_per_s (relu and the numpy copy row): the bytes the
  computation must move (byte model: crossgrad.timing.workloads.bytes_moved) / median.
  The copy row (framework numpy, workload copy) is the machine's reference.
- flop, flop_per_s (dense): counted matmul FLOPs (crossgrad.timing.workloads.flops) / median.
- break_even_calls (rows of a mode other than eager): the smallest number n of
  calls after the first for which first_call + n x median in that mode is at most
  eager's; "never" when its steady state is not faster than eager's.
"""
from __future__ import annotations

import math
from pathlib import Path

from crossgrad.core import run_folder
from crossgrad.core.records import SCHEMA_VERSION, fmt, read_csv, write_csv
from crossgrad.core.row_check import TIMING_RULES
from crossgrad.core.rows import DERIVED_COLUMNS, TIMING_COLUMNS, TimingKey
from crossgrad.timing.rows import num, ok, typed
from crossgrad.timing.workloads import bytes_moved, flops

LATER_COLUMNS = ("cores_busy", "api", "compile_cache")  # added within schema 1: older timings.csv still read
RAW_COLUMNS = ("schema_version", "framework", "device", "dtype", "mode", "workload", "n", "phase",
               "block", "seconds_per_call")


def with_derived(rows: list[dict]) -> list[dict]:
    """Copies of typed rows (crossgrad.timing.rows.typed) with DERIVED_COLUMNS filled, typed
    as `typed` types them (None where not applicable).
    A gradient row's primal is its mode's (which has no api); its eager, the same api's."""
    measured = {TimingKey.of(r): r for r in rows if ok(r)}
    return [dict(r, **_derived(r, measured)) for r in rows]


def _derived(row: dict, index: dict) -> dict:
    out = dict.fromkeys(DERIVED_COLUMNS)
    if not ok(row):
        return out
    median, n, phase = num(row, "median_s"), row["n"], row["phase"]
    key = TimingKey.of(row)
    primal = index.get(key._replace(phase="primal", api=""))
    if phase == "gradient" and primal is not None:
        out["gradient_primal_ratio"] = median / num(primal, "median_s")
    nbytes, nflop = bytes_moved(row["workload"], n, phase), flops(row["workload"], phase)
    if nbytes is not None:
        out.update(bytes_moved=nbytes, bandwidth_bytes_per_s=nbytes / median)
    if nflop is not None:
        out.update(flop=nflop, flop_per_s=nflop / median)
    eager = index.get(key._replace(mode="eager"))
    if row["mode"] != "eager" and eager is not None:
        out["break_even_calls"] = break_even(row, eager)
    return out


def break_even(compiled: dict, eager: dict) -> int | str | None:
    """Calls after the first until compiled's total time is at most eager's, or "never"
    (None: a row without a first call, as pytest-benchmark's)."""
    fc, mc = num(compiled, "first_call_s"), num(compiled, "median_s")
    fe, me = num(eager, "first_call_s"), num(eager, "median_s")
    if fc is None or fe is None:  # pytest-benchmark rows have no first call
        return None
    if mc >= me:
        return "never"
    return max(0, math.ceil((fc - fe) / (me - mc)))


def copy_bandwidth(rows: list[dict], device: str = "cpu") -> tuple[float | None, int]:
    """The copy bandwidth of `device` (median over the run's copy rows there: numpy's
    on cpu, the framework's device-to-device copy on a GPU) and how many there were.
    Rows with their derived columns (with_derived)."""
    values = sorted(num(r, "bandwidth_bytes_per_s") for r in rows
                    if r["workload"] == "copy" and ok(r) and r.get("device", "cpu") == device)
    return (values[len(values) // 2] if values else None), len(values)


def write_timings_csv(run_dir: Path, rows: list[dict]) -> Path:
    """timings.csv (TIMING_COLUMNS) and, where rows carry raw samples, timings_raw.csv."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    rows = [dict(r, schema_version=r.get("schema_version", SCHEMA_VERSION)) for r in rows]
    write_csv(run_dir / run_folder.TIMINGS, with_derived(rows), TIMING_COLUMNS)
    raw = [dict(r, block=i, seconds_per_call=fmt(s))
           for r in rows for i, s in enumerate(r.get("raw_samples") or ())]
    if raw:
        write_csv(run_dir / run_folder.TIMINGS_RAW, raw, RAW_COLUMNS)
    return run_dir / run_folder.TIMINGS


def read_timings_csv(path: Path) -> list[dict]:
    """Rows of a timings.csv, checked against the columns and schema, typed (rows.typed)."""
    rows = read_csv(Path(path), tuple(c for c in TIMING_COLUMNS if c not in LATER_COLUMNS), TIMING_RULES)
    return typed([{**dict.fromkeys(LATER_COLUMNS, ""), **row} for row in rows])
