"""The bandwidth reference on a GPU: the device's own device-to-device copy.

On cpu the reference for relu's useful GB/s is NumPy's copy
(crossgrad.timing.run.measure_copy_bandwidth). On a GPU that says nothing about
the GPU's memory, so the reference there is a copy between two arrays on the
device, made by the framework being timed and timed by the same harness
(crossgrad.timing.harness.measure, each call ending with adapter.block). A copy moves
2 * nbytes (read + write), like the cpu row, so the report divides the same way.

The row looks like the cpu copy row (workload "copy", phase "primal", mode
"eager"), with device "gpu" and the framework that made the copy.

crossgrad.timing.run.timing_specs adds one copy_spec per framework and non-cpu
device, _run_group answers it with measure_device_copy, and
crossgrad.timing.derived.copy_bandwidth(rows, device) takes each device's own.
"""
from __future__ import annotations

import numpy as np

from crossgrad.timing.harness import HarnessOptions, measure
from crossgrad.timing.rows import describe, failed_row, measured_row


def copy_function(adapter, device_array):
    """A zero-argument call that copies `device_array` into another device buffer
    and waits for it. torch: `dst.copy_(src)` into a preallocated tensor (a
    device-to-device memcpy; allocating each time would time the allocator).
    Others: the array's own copy(), inside the adapter's compiled mode (jax.jit:
    without donation XLA must write a fresh buffer; eager jax may alias). A
    TensorFlow tensor has neither (tf.identity may alias the buffer): its row is
    an error that says so, and the other frameworks' rows give the reference."""
    if callable(getattr(device_array, "copy_", None)):
        dst = device_array.clone()
        return lambda: adapter.block(dst.copy_(device_array))
    if callable(getattr(device_array, "copy", None)):
        compiled = adapter.compile(lambda x: x.copy(), "compiled")
        return lambda: adapter.block(compiled(device_array))
    raise NotImplementedError(f"{adapter.name} arrays have no copy_() or copy(): no device copy to time")


def measure_device_copy(adapter, spec: dict, options=None, **context) -> dict:
    """One timing row: the device copy of spec["n"] float32 elements on spec["device"]."""
    if not isinstance(options, HarnessOptions):
        options = HarnessOptions.from_dict(options)
    if spec["device"] not in adapter.devices():
        return failed_row(spec, "unavailable", f"no {spec['device']} device for {adapter.name}", **context)
    try:
        src = adapter.block(adapter.asarray(np.ones(int(spec["n"]), dtype=np.float32), spec["device"]))
        result = measure(copy_function(adapter, src), options)
    except Exception as exc:  # out of memory, no copy method: the row says so
        return failed_row(spec, "error", describe(exc), **context)
    return measured_row(spec, result, **context)


def copy_spec(framework: str, device: str, nbytes: int) -> dict:
    return dict(framework=framework, device=device, dtype="float32", workload="copy",
                n=nbytes // 4, mode="eager", phase="primal")
