"""Runs timing specs for one loaded adapter and yields timing rows.

API (used by the worker subprocess, tests/test_benchmarks.py and scripts):

    specs = timing_specs({"torch": ("eager", "compiled")}, devices=("cpu",),
                         workloads=("relu", "dense"), sizes=None)
    for row in run_timing_specs(adapter, specs, HarnessOptions(), threads=None):
        ...  # one dict per spec, columns core.rows.TimingRow + "raw_samples"
    row = measure_copy_bandwidth()   # the machine's copy bandwidth, as a row

A spec is a JSON-able dict: framework, device, dtype, workload, n, mode, phase.
timing_specs starts each framework's list with one `copy` spec (when cpu is
among the devices): run_timing_specs answers it with measure_copy_bandwidth(),
a row of framework "numpy", so every run carries its machine's copy bandwidth,
measured in the same worker, minutes apart at most from the rows it explains.
Specs are ordered so that all specs sharing (framework, device, workload, n)
are adjacent: their inputs are built once, kept while that group lasts (also
across calls, as the worker passes one spec per call) and released before the
next group allocates (10^8 elements on a GPU is 400 MB per array).
`threads` is only recorded (the `threads` column): the worker sets the count
when it loads the adapter; None records what adapter.info() reports.

Every spec yields at least one row, whatever happens: a gradient spec one row
per gradient API the adapter names (workloads.gradient_apis; column `api`,
the first being crossgrad's default, adapter.vjp), any other spec one row. An
exception (out of memory, a compiler refusing the function) gives outcome
"error" with the exception's type and message; a device the adapter lacks
gives "unavailable". Every row carries `compile_cache`: the state of the
framework's on-disk compile cache when this worker began timing (the adapter's
optional `compile_cache()`: "cold: ...", "warm: ...", "off: ...").
`failed_row(spec, outcome, detail)` builds the row the runner records for a
spec whose worker crashed or timed out. Numbers in rows are `records.fmt`
strings (repr); raw samples are a list of floats under "raw_samples".
"""
from __future__ import annotations

import dataclasses
import gc
import itertools
import os
from typing import Iterable, Iterator, Mapping

from crossgrad.core.shareable import without_user
from crossgrad.timing.device_copy import copy_spec, measure_device_copy
from crossgrad.timing.harness import HarnessOptions, measure
from crossgrad.timing.rows import describe, failed_row, measured_row
from crossgrad.timing.workloads import (CPU_SIZES, DENSE_N, GPU_SIZES, PHASES, WORKLOADS, build_callable,
                                        device_inputs, gradient_apis)

COPY_BYTES = 10**8  # well beyond the last-level cache, so copies hit main memory


def default_options() -> dict:
    """The harness defaults as a JSON-able dict (the worker's job["timing"], and the
    manifest's record of it). CROSSGRAD_MALLOC=default leaves glibc's malloc as it is."""
    steady = os.environ.get("CROSSGRAD_MALLOC", "steady") != "default"
    return dataclasses.asdict(HarnessOptions(steady_malloc=steady))


def timing_specs(frameworks_modes: Mapping[str, Iterable[str]] | Iterable[tuple[str, str]],
                 devices: Iterable[str] = ("cpu",), workloads: Iterable[str] = WORKLOADS,
                 sizes: Iterable[int] | None = None, phases: Iterable[str] = PHASES,
                 dtype: str = "float32", modes: Iterable[str] | None = None,
                 copy_reference: bool = True) -> list[dict]:
    """Every (framework, device, workload, n, mode, phase) spec, grouped for input reuse.

    frameworks_modes: {framework: modes} or (framework, mode) pairs; `modes`, if
    given, keeps only those modes. sizes: N for relu; None means CPU_SIZES on
    cpu and GPU_SIZES (up to 10^8) on gpu. dense has a fixed shape and gets one
    n (its width), whatever `sizes` says. copy_reference: start each framework's
    specs with the copy-bandwidth spec (numpy, cpu), end them with each other
    device's own copy (crossgrad.timing.device_copy).
    """
    pairs = [(f, m) for f, m in _pairs(frameworks_modes) if modes is None or m in modes]
    devices = tuple(devices)
    specs = []
    for framework in dict.fromkeys(f for f, _ in pairs):
        modes = [m for f, m in pairs if f == framework]
        if copy_reference and "cpu" in devices:
            specs.append(dict(framework=framework, device="cpu", dtype="float32", workload="copy",
                              n=COPY_BYTES // 4, mode="eager", phase="primal"))
        for device, workload in itertools.product(devices, workloads):
            for n in _sizes_for(workload, device, sizes):
                specs += [dict(framework=framework, device=device, dtype=dtype, workload=workload,
                               n=n, mode=mode, phase=phase)
                          for mode in modes for phase in phases]
        if copy_reference:  # a GPU's reference is its own device copy (crossgrad.timing.device_copy)
            specs += [copy_spec(framework, d, COPY_BYTES) for d in devices if d != "cpu"]
    return specs


def _pairs(frameworks_modes) -> list[tuple[str, str]]:
    if isinstance(frameworks_modes, Mapping):
        return [(f, m) for f, modes in frameworks_modes.items() for m in modes]
    return [tuple(p) for p in frameworks_modes]


def _sizes_for(workload: str, device: str, sizes) -> tuple[int, ...]:
    if workload == "dense":
        return (DENSE_N,)
    if sizes is not None:
        return tuple(int(n) for n in sizes)
    return GPU_SIZES if device == "gpu" else CPU_SIZES


def run_timing_specs(adapter, specs: list[dict], options: HarnessOptions | dict | None = None,
                     threads: int | None = None, state: "TimingState | None" = None) -> Iterator[dict]:
    """One row per spec, in order; the adapter must be loaded already. `state`: what
    the calling worker keeps between its calls (a fresh one when not given)."""
    if not isinstance(options, HarnessOptions):
        options = HarnessOptions.from_dict(options)
    state = TimingState() if state is None else state
    context = {"framework_version": adapter.version() or "", "threads": threads_label(adapter, threads),
               "compile_cache": state.compile_cache(adapter)}
    for _, group in itertools.groupby(specs, key=_input_key):
        yield from _run_group(adapter, list(group), options, context, state.inputs)


class _LastInputs:
    """The inputs of the most recent (adapter, device, workload, n, dtype), kept
    between calls: the worker calls run_timing_specs one spec at a time (to report
    progress), and a group's specs should still share one set of inputs. Only one
    set is kept, so a 10^8-element group is freed before the next allocates."""

    def __init__(self):
        self.adapter, self.key, self.inputs = None, None, None

    def get(self, adapter, key: tuple) -> dict:
        if adapter is not self.adapter or key != self.key:
            self.adapter, self.key, self.inputs = None, None, None
            gc.collect()  # release the previous group's arrays before allocating
            self.inputs = device_inputs(adapter, key[1], key[2], key[0], key[3])
            self.adapter, self.key = adapter, key
        return self.inputs


class TimingState:
    """What one worker keeps between its timing calls (the worker owns it; no module
    global does): the last group's inputs, and each adapter's compile-cache state
    at its first timing, before this worker compiled anything."""

    def __init__(self):
        self.inputs = _LastInputs()
        self._cache: dict = {}

    def compile_cache(self, adapter) -> str:
        """The adapter's compile_cache(), read once (optional: "not reported" by
        default, crossgrad.core.contract)."""
        if adapter not in self._cache:
            try:
                self._cache[adapter] = without_user(str(adapter.compile_cache()))  # rows travel
            except Exception as exc:  # a probe of a folder must not cost the timings
                self._cache[adapter] = f"not reported ({describe(exc)})"
        return self._cache[adapter]


def _input_key(spec: dict) -> tuple:
    return (spec["device"], spec["workload"], spec["n"], spec["dtype"])


def _run_group(adapter, group: list[dict], options: HarnessOptions, context: dict,
               last: _LastInputs) -> Iterator[dict]:
    spec0 = group[0]
    if spec0["workload"] == "copy" and spec0["device"] != "cpu":  # the device's own copy
        yield from (measure_device_copy(adapter, s, options, **context) for s in group)
        return
    if spec0["workload"] == "copy":  # the machine's reference, no framework involved
        yield from (measure_copy_bandwidth(options, nbytes=int(s["n"]) * 4) for s in group)
        return
    if spec0["device"] not in adapter.devices():
        detail = f"no {spec0['device']} device for {adapter.name}"
        yield from (failed_row(s, "unavailable", detail, **context) for s in group)
        return
    try:
        inputs = last.get(adapter, _input_key(spec0))
    except Exception as exc:  # e.g. out of memory at 10^8: this group's rows say so
        yield from (failed_row(s, "error", f"creating inputs: {describe(exc)}", **context) for s in group)
        return
    for spec in group:
        apis = list(gradient_apis(adapter)) if spec["phase"] == "gradient" else [""]
        for api in apis:
            yield run_one(adapter, dict(spec, api=api), inputs, options, context)


def run_one(adapter, spec: dict, inputs: dict, options: HarnessOptions, context: dict) -> dict:
    """Compile and time one spec (spec["api"]: the gradient API); any exception becomes an `error` row."""
    try:
        call = build_callable(adapter, spec["workload"], spec["phase"], spec["mode"], inputs,
                              api=spec.get("api") or None)
        result = measure(call, options)
    except Exception as exc:
        return failed_row(spec, "error", describe(exc), **context)
    return measured_row(spec, result, **context)


def threads_label(adapter, threads: int | None) -> str:
    """The thread count asked for, or what the adapter reports it uses by default."""
    if threads:
        return str(threads)
    try:
        reported = adapter.info().get("threads", "")
    except Exception:  # info() is for env.json; a failure there must not cost the timings
        return "default"
    if isinstance(reported, dict):
        return ",".join(f"{k}={v}" for k, v in reported.items()) or "default"
    return str(reported) if reported not in ("", None) else "default"


def measure_copy_bandwidth(options: HarnessOptions | dict | None = None,
                           nbytes: int = COPY_BYTES) -> dict:
    """The machine's memory copy bandwidth, as a timing row (framework "numpy").

    np.copyto between two preallocated float32 arrays of `nbytes` each, timed by
    the same harness; a copy moves 2 * nbytes (read + write): the report divides
    that by the median, the reference for relu's achieved bandwidth.
    """
    import numpy as np

    if not isinstance(options, HarnessOptions):
        options = HarnessOptions.from_dict(options)
    n = nbytes // 4
    src = np.random.default_rng(0).standard_normal(n, dtype=np.float32)
    dst = np.empty_like(src)
    spec = dict(framework="numpy", device="cpu", dtype="float32", workload="copy", n=n,
                mode="eager", phase="primal")
    context = {"framework_version": np.__version__, "threads": "1"}
    try:
        result = measure(lambda: np.copyto(dst, src), options)
    except Exception as exc:  # MemoryError on a small machine: the row says so
        return failed_row(spec, "error", describe(exc), **context)
    return measured_row(spec, result, **context)
