"""Reading timing rows, whatever their flavour: numbers, labels of a series, times for people.

Rows come from crossgrad.timing_run (numbers as repr strings), from
timings.jsonl, from timings.csv (everything a string), or from the runner's
failure rows (labels only); every function here accepts all of them. Shared by
the timing report and its summary, which both import it (and nothing back).
"""
from __future__ import annotations

import math

from crossgrad.records import parse_float
from crossgrad.workloads import DEFAULT_API


def num(row: dict, key: str) -> float | None:
    """A float column of any row flavour; None when empty or absent."""
    value = row.get(key)
    if value in (None, ""):
        return None
    return value if isinstance(value, float) else parse_float(str(value))


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
