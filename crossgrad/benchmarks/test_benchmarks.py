"""pytest-benchmark benchmarks: the timing workloads, framework x mode x device x workload x N x phase.

`pytest --pyargs crossgrad.benchmarks --benchmark-only --benchmark-json FILE`
times them, and `crossgrad report --from-benchmark-json FILE` turns that into
timings.csv and the report's timing section. With timing off
(--benchmark-disable, or crossgrad's own test suite, whose tests/conftest.py
turns it off in a plain `pytest`) each runs once and checks what the callable
computed. The timed callable is the harness's own
(crossgrad.timing.workloads.build_callable: one compiled call, then the adapter's
block), so both measure the same thing through the same sync; its first call
and the cores it kept busy go into extra_info (crossgrad.benchmarks.timed).

Sizes and devices: --crossgrad-sizes 1,100,10000000 and --crossgrad-devices
cpu,gpu (crossgrad.benchmarks.options).
"""
from __future__ import annotations

import numpy as np
import pytest

from crossgrad.benchmarks import options
from crossgrad.benchmarks.timed import loaded_adapter, time_call
from crossgrad.core.registry import frameworks
from crossgrad.timing.run import threads_label
from crossgrad.timing.workloads import (DENSE_N, PHASES, build_callable, device_inputs, gradient_apis, numpy_inputs,
                                        shape_label)


def pytest_generate_tests(metafunc):
    """The workload grid, from the size and device options (known only at collection)."""
    if metafunc.definition.name != "test_workload":
        return
    sizes, devices = options.sizes(metafunc.config), options.devices(metafunc.config)
    metafunc.parametrize("framework,mode,device,workload,n,phase", [
        pytest.param(name, mode, device, workload, n, phase, id=f"{name}-{mode}-{device}-{workload}-{n}-{phase}")
        for name, adapter in frameworks().items() for mode in adapter.modes for device in devices
        for workload, n in [("relu", n) for n in sizes] + [("dense", DENSE_N)] for phase in PHASES])


@pytest.mark.integration
@pytest.mark.benchmark(min_time=0.01, disable_gc=True)  # as the harness: >= 10 ms blocks, no GC
def test_workload(benchmark, framework, mode, device, workload, n, phase):
    adapter = loaded_adapter(framework)
    if device not in adapter.devices():
        pytest.skip(f"no {device} device for {framework}")
    call = build_callable(adapter, workload, phase, mode, device_inputs(adapter, workload, n, device))
    benchmark.group = f"{workload} {shape_label(workload, n)}"
    result = time_call(benchmark, call, dict(
        framework=framework, framework_version=adapter.version(), mode=mode, device=device,
        dtype="float32", workload=workload, n=n, shape=shape_label(workload, n), phase=phase,
        threads=threads_label(adapter, None)))
    check_result(adapter, workload, n, phase, result)


def check_result(adapter, workload, n, phase, result):
    """What was timed computed the right thing (so a benchmark cannot time a no-op)."""
    x, w, b = numpy_inputs(workload, n)
    if phase == "primal":
        expected = np.maximum(x @ w + b if workload == "dense" else x * w + b, 0)
        np.testing.assert_allclose(adapter.to_numpy(result), expected, rtol=1e-4, atol=1e-4)
        return
    dw, db = (adapter.to_numpy(g) for g in result)
    assert dw.shape == w.shape and db.shape == b.shape
    if workload == "relu":
        # cotangent 1: da/db is relu's mask (0 or 1) and da/dw is x where the mask is 1.
        assert set(np.unique(db)) <= {0.0, 1.0}
        np.testing.assert_array_equal(dw, np.where(db == 1.0, x, 0))  # == ignores the sign of zero
        z = x * w + b
        clear = np.abs(z) > 1e-5  # away from 0 no rounding difference can flip the mask
        np.testing.assert_array_equal(db[clear], (z[clear] > 0).astype(np.float32))
    else:
        # da/db sums the mask over the batch: a whole count of active rows per column.
        assert np.all((db >= 0) & (db <= x.shape[0])) and np.array_equal(db, np.round(db))
        assert np.all(np.isfinite(dw))


API_SLOTS = 2  # gradient APIs per framework benchmarked (the adapters name two; labels need a loaded framework)


@pytest.mark.integration
@pytest.mark.benchmark(min_time=0.01, disable_gc=True)
@pytest.mark.parametrize("framework,slot", [pytest.param(name, slot, id=f"{name}-gradient-api-{slot + 1}")
                                            for name in frameworks() for slot in range(API_SLOTS)])
def test_gradient_api(benchmark, framework, slot):
    """What each reverse-mode API a framework's users write costs per call (the
    adapter's gradient_apis(): torch.func.vjp beside torch.autograd.grad, jax.vjp
    beside jax.grad, ...): relu's gradient at N=1, eager, the API's label in
    extra_info and the benchmark's group. Not a crossgrad timing row (no workload
    labels), so --from-benchmark-json leaves it out; crossgrad run's timings carry
    the same comparison in their `api` column."""
    adapter = loaded_adapter(framework)
    apis = list(gradient_apis(adapter))
    if slot >= len(apis):
        pytest.skip(f"{framework} names {len(apis)} gradient API(s)")
    benchmark.group = f"{framework} gradient API, relu N=1 eager"
    benchmark.extra_info["api"] = apis[slot]
    call = build_callable(adapter, "relu", "gradient", "eager", device_inputs(adapter, "relu", 1, "cpu"), api=apis[slot])
    check_result(adapter, "relu", 1, "gradient", benchmark(call))
