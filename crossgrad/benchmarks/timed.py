"""What every crossgrad benchmark shares: the adapter loaded in-process, and the timed call.

`time_call(benchmark, call, labels)` is how crossgrad times through
pytest-benchmark: the callable ends with the adapter's block() (so asynchronous
work is finished inside the timed region); its first call (trace / compile) is
timed alone beforehand and kept as extra_info["first_call_s"]; the cores it kept
busy (process CPU time / wall time over pytest-benchmark's rounds) go into
extra_info["cores_busy"]; `crossgrad report --from-benchmark-json` reads both.
"""
from __future__ import annotations

import time

import pytest

from crossgrad.core.registry import frameworks, load_adapter
from crossgrad.timing.harness import steady_malloc, time_block
from crossgrad.timing.run import default_options

_LOADED: dict = {}


def loaded_adapter(name: str):
    """The adapter, loaded once per process; skip (with the reason) if not installed.

    Loaded after the modules its adapter must follow (import_first: torch before
    TensorFlow; the other order can crash one process)."""
    if name not in frameworks():
        pytest.skip(f"no crossgrad adapter named {name!r}; known: {', '.join(frameworks())}")
    adapter = frameworks()[name]
    if adapter.version() is None:
        pytest.skip(f"{name} is not installed ({adapter.install_hint})")
    if not _LOADED and default_options()["steady_malloc"]:
        steady_malloc()  # as crossgrad run's timing workers, before any framework allocates
    if name not in _LOADED:
        _LOADED[name] = load_adapter(name)  # after its import_first: one process holds several
    return adapter


def time_call(benchmark, call, labels: dict):
    """benchmark(call) with crossgrad's labels, first call and cores busy in extra_info."""
    benchmark.extra_info.update(labels)
    if benchmark.disabled:  # a plain pytest run: one untimed call checks the result
        return benchmark(call)
    first = time_block(call, 1)  # trace / compile: out of the steady-state statistics
    wall0, cpu0 = time.perf_counter(), time.process_time()
    result = benchmark(call)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    benchmark.extra_info.update(first_call_s=first, cores_busy=cpu / wall if wall > 0 else None)
    return result
