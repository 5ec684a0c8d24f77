"""pytest-benchmark's --benchmark-json output -> timing rows (the columns of timings.csv).

crossgrad's benchmarks (crossgrad/benchmarks/, and a user's case benchmarks
through crossgrad.testing) label each benchmark in `extra_info` (framework,
framework_version, mode, device, dtype, workload, n, shape, phase, threads);
those labels and the `stats` block (median, iqr, min, rounds, iterations and,
per round, `data`: seconds per call) become one row per benchmark, so
crossgrad.reporting.timing_report renders them like a `crossgrad run`'s timings.

pytest-benchmark itself measures neither the first call nor CPU time; the
benchmark measures both around it (crossgrad.benchmarks.timed) and stores them
as extra_info `first_call_s` (the trace / compile call, timed alone before the
rounds) and `cores_busy` (process CPU time / wall time over the rounds). A
file written before they were recorded leaves both empty, and with them the
compile break-even. Benchmarks without crossgrad's labels (someone else's
benchmarks in the same file) are left out.
"""
from __future__ import annotations

import json
from pathlib import Path

from crossgrad.core.records import SCHEMA_VERSION
from crossgrad.core.records import fmt
from crossgrad.timing.harness import is_noisy
from crossgrad.timing.workloads import shape_label

LABELS = ("framework", "mode", "device", "workload", "n", "phase")


def rows_from_benchmark_json(path: Path) -> list[dict]:
    """One timing row per crossgrad benchmark in the file; ValueError if it is not such a file."""
    data = _load(Path(path))
    version = f"pytest-benchmark {data.get('version', '?')}"
    rows = [row_from_benchmark(b, version if "first_call_s" in b["extra_info"] else
                               f"{version}: first call not measured (a file from before it was recorded)")
            for b in data["benchmarks"] if _is_ours(b)]
    if not rows:
        raise ValueError("no crossgrad benchmarks in it (none has framework/workload labels in "
                         "extra_info; make one with pytest --pyargs crossgrad.benchmarks --benchmark-only "
                         "--benchmark-json FILE)")
    return rows


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise ValueError("not a pytest-benchmark JSON file (no 'benchmarks' list)")
    return data


def _is_ours(bench: dict) -> bool:
    info = bench.get("extra_info") or {}
    return all(k in info for k in LABELS) and isinstance(bench.get("stats"), dict)


def row_from_benchmark(bench: dict, detail: str) -> dict:
    """The timing row of one benchmark entry (numbers as repr strings, like timing_run's)."""
    info, stats = bench["extra_info"], bench["stats"]
    n = int(info["n"])
    median, iqr = float(stats["median"]), float(stats["iqr"])
    return {
        "schema_version": SCHEMA_VERSION, "framework": info["framework"],
        "framework_version": info.get("framework_version") or "", "device": info["device"],
        "dtype": info.get("dtype", "float32"), "mode": info["mode"], "workload": info["workload"],
        "n": n, "shape": info.get("shape") or shape_label(info["workload"], n), "phase": info["phase"],
        "threads": info.get("threads", ""), "first_call_s": _measured(info.get("first_call_s")),
        "median_s": fmt(median), "iqr_s": fmt(iqr), "min_s": fmt(stats["min"]), "samples": int(stats["rounds"]),
        "inner_loops": int(stats.get("iterations", 1)), "cores_busy": _measured(info.get("cores_busy")),
        "noisy": is_noisy(iqr, median),
        "outcome": "ok", "detail": detail,
        "raw_samples": [float(s) for s in stats.get("data") or ()],
    }


def _measured(value) -> str:
    """An extra_info number as the row's repr text; "" where it was not measured."""
    if value is None or value == "":
        return ""
    return fmt(float(value))
