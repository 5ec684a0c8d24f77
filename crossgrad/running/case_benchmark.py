"""A user's case timed through pytest-benchmark (crossgrad.testing's case_benchmarks).

The timed callable is what crossgrad's engine runs for that case: the
derivative function of crossgrad.running.derivatives.build_functions (the case's native
implementation where it has one), compiled once with the adapter's compile for
the mode, called on arrays of one point, ending in the adapter's block() so the
values exist before the clock stops. The framework is loaded in the pytest
process (crossgrad.benchmarks.timed.loaded_adapter, after its adapter's import_first),
because a benchmark times a call, not a process start.

extra_info carries crossgrad's timing labels (workload = the case's name, n =
1, phase = primal for ad none, gradient for reverse, else the ad), plus the
first call and cores busy, so `crossgrad report --from-benchmark-json` reads it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from crossgrad.benchmarks.timed import loaded_adapter, time_call
from crossgrad.catalogue import load_catalogue
from crossgrad.running.derivatives import build_functions
from crossgrad.timing.run import threads_label

PHASE_OF_AD = {"none": "primal", "reverse": "gradient"}


@dataclass(frozen=True)
class TimedCase:
    case: str
    framework: str
    mode: str
    ad: str
    point: str
    dtype: str
    case_files: tuple[str, ...] = ()  # the user's case files that define `case` (absolute paths)


def timed_callable(adapter, tc: TimedCase):
    """Zero-argument callable: one compiled call of the case's `ad` function, then block."""
    case = load_catalogue(tc.case_files).cases[tc.case]
    fn = build_functions(adapter, case.function_for(tc.framework), adapter.ops, case.wrt)[tc.ad]
    compiled = adapter.compile(fn, tc.mode)
    point, dtype = case.point(tc.point), np.dtype(tc.dtype)
    args = [adapter.asarray(np.array([v], dtype), "cpu") for v in (point.x, point.w, point.b)]
    seed = adapter.asarray(np.array(1.0, dtype), "cpu")
    one = adapter.asarray(np.array(1.0, dtype), "cpu")
    block = adapter.block

    def call():
        return block(compiled(*args, seed, one))

    return call


def run_benchmark(tc: TimedCase, benchmark) -> None:
    """Time the case (or, with timing off, call it once) and check it computed values."""
    adapter = loaded_adapter(tc.framework)
    call = timed_callable(adapter, tc)
    benchmark.group = f"{tc.case} {tc.ad}"
    outs = time_call(benchmark, call, dict(
        framework=tc.framework, framework_version=adapter.version(), mode=tc.mode, device="cpu",
        dtype=tc.dtype, workload=tc.case, n=1, shape=f"point {tc.point}",
        phase=PHASE_OF_AD.get(tc.ad, tc.ad), threads=threads_label(adapter, None)))
    # What was timed computed something (a benchmark must not time a no-op or an error path).
    values = [float(v) for out in outs if out is not None for v in np.asarray(adapter.to_numpy(out)).reshape(-1)]
    assert values and all(not math.isnan(v) for v in values), f"{tc}: the timed call returned {outs!r}"
