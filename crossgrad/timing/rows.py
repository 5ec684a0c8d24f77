"""Timing rows: building one (a measurement's, or a failure's), typing them once, and
reading them: numbers, labels of a series, times for people.

Rows are built by crossgrad.timing.run (numbers as repr strings, as timings.jsonl
holds them) and by the runner's failure rows (labels only). Where rows are read
(a run folder's timings.jsonl, a timings.csv, a benchmark JSON) they are typed once
(`typed`: floats, counts, None for empty), and everything after reads those numbers
(`num`), never their text (issue 19). Shared by the timing report and its summary,
which both import it (and nothing back).
"""
from __future__ import annotations

import math

from crossgrad.core.records import SCHEMA_VERSION, fmt
from crossgrad.core.rows import TIMING_FLOATS, TIMING_INTS  # written as text where recorded, typed here
from crossgrad.core.same_value import parse_value
from crossgrad.timing.harness import Measurement
from crossgrad.timing.workloads import DEFAULT_API, shape_label


def typed(rows: list[dict]) -> list[dict]:
    """Copies of timing rows as read (text, or JSON numbers) with their numbers typed once:
    TIMING_FLOATS float, TIMING_INTS int, break_even_calls an int or "never" (None where
    any of them is empty or absent); every other field as it is."""
    return [_typed(row) for row in rows]


def _typed(row: dict) -> dict:
    out = dict(row)
    for key in TIMING_FLOATS:
        if key in out:
            out[key] = parse_value(out[key])  # the one reading of a value's text
    for key in TIMING_INTS:
        if key in out:
            out[key] = None if out[key] in (None, "") else int(out[key])
    if "break_even_calls" in out:
        calls = out["break_even_calls"]
        out["break_even_calls"] = None if calls in (None, "") else calls if calls == "never" else int(calls)
    return out


def num(row: dict, key: str) -> float | None:
    """A float field of a typed timing row (typed): the number, None when empty or absent."""
    return row.get(key)


def ok(row: dict) -> bool:
    return row.get("outcome") == "ok" and num(row, "median_s") is not None


def human_time(seconds: float | None) -> str:
    """3 significant digits with a unit (display only; timings.csv keeps every digit)."""
    if seconds is None:
        return ""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def series(row: dict) -> str:
    """The label of a framework x mode x device (x gradient API) line in tables and plots."""
    return f"{row['framework']} {row['mode']} ({row['device']})" + api_suffix(row)


def api_suffix(row: dict) -> str:
    """` · torch.autograd.grad` for a gradient row of a named API; "" for primal rows and
    for adapters that name none (their only API is adapter.vjp)."""
    api = str(row.get("api") or "")
    return f" · {api}" if api and api != DEFAULT_API else ""


def n_label(n: str, workload: str) -> str:
    if workload == "dense":
        return ""
    value = int(n)
    return f"N=1e{round(math.log10(value))}" if value > 1 and 10 ** round(math.log10(value)) == value else f"N={value}"


def describe(exc: BaseException) -> str:
    """Exception type and first line of its message (full messages can be pages long)."""
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0] if message else ''}".rstrip(": ")


def base_row(spec: dict, framework_version: str = "", threads: str = "", compile_cache: str = "") -> dict:
    """The label columns of a spec's row."""
    return {
        "schema_version": SCHEMA_VERSION, "framework": spec["framework"],
        "framework_version": framework_version, "device": spec["device"], "dtype": spec["dtype"],
        "mode": spec["mode"], "workload": spec["workload"], "n": spec["n"],
        "shape": shape_label(spec["workload"], spec["n"]), "phase": spec["phase"],
        "api": spec.get("api", ""), "threads": threads, "compile_cache": compile_cache,
    }


def measured_row(spec: dict, m: Measurement, framework_version: str = "", threads: str = "",
                 compile_cache: str = "") -> dict:
    """A row with the statistics of a Measurement (numbers as repr strings)."""
    detail = "max_time reached before min_samples" if m.stopped_early else ""
    return dict(
        base_row(spec, framework_version, threads, compile_cache),
        first_call_s=fmt(m.first_call_s), median_s=fmt(m.median), iqr_s=fmt(m.iqr),
        min_s=fmt(m.min), samples=len(m.samples), inner_loops=m.inner_loops,
        cores_busy=fmt(m.cores_busy), noisy=m.noisy, outcome="ok", detail=detail,
        raw_samples=[float(s) for s in m.samples],
    )


def failed_row(spec: dict, outcome: str, detail: str, framework_version: str = "",
               threads: str = "", compile_cache: str = "") -> dict:
    """The row of a spec that produced no measurement (error, unavailable, crashed, timeout)."""
    return dict(base_row(spec, framework_version, threads, compile_cache), first_call_s="", median_s="",
                iqr_s="", min_s="", samples=0, inner_loops=0, cores_busy="", noisy="",
                outcome=outcome,
                detail=detail, raw_samples=[])
