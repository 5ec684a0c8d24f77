"""The GPU's bandwidth reference: crossgrad.timing.device_copy, wired into the timing specs
and the report (no GPU needed: a NumPy-backed adapter stands in for one)."""
from __future__ import annotations

import numpy as np

from crossgrad.timing.device_copy import copy_function, copy_spec, measure_device_copy
from crossgrad.timing.harness import HarnessOptions
from crossgrad.timing.derived import copy_bandwidth
from crossgrad.timing.run import timing_specs
from crossgrad.timing.rows import typed

FAST = HarnessOptions(min_time=0.01, min_samples=2, max_time=0.2)


class FakeGpu:
    """Arrays are NumPy arrays "on" a gpu; compile is the identity."""
    name = "fakegpu"

    def __init__(self, devices=("cpu", "gpu")):
        self._devices = devices
        self.copies = 0

    def devices(self):
        return self._devices

    def asarray(self, array, device):
        return np.array(array)

    def block(self, x):
        return x

    def compile(self, f, mode):
        def counted(x):
            self.copies += 1
            return f(x)
        return counted


def test_a_gpu_copy_is_measured_as_a_copy_row_of_that_device():
    adapter = FakeGpu()
    row = measure_device_copy(adapter, copy_spec("fakegpu", "gpu", 4000), FAST)
    assert row["outcome"] == "ok" and row["workload"] == "copy" and row["device"] == "gpu"
    assert row["framework"] == "fakegpu" and float(row["median_s"]) > 0
    assert adapter.copies >= 2  # the copy itself was called, through the compiled mode


def test_no_gpu_and_no_copy_method_give_rows_that_say_why():
    row = measure_device_copy(FakeGpu(devices=("cpu",)), copy_spec("fakegpu", "gpu", 4000), FAST)
    assert row["outcome"] == "unavailable" and "no gpu device" in row["detail"]

    class NoCopy(FakeGpu):
        def asarray(self, array, device):
            return memoryview(np.array(array))  # neither copy_() nor copy()
    row = measure_device_copy(NoCopy(), copy_spec("fakegpu", "gpu", 4000), FAST)
    assert row["outcome"] == "error" and "no copy_() or copy()" in row["detail"]


def test_torch_style_copy_writes_into_a_preallocated_buffer():
    class Tensor:
        def __init__(self):
            self.writes = 0

        def clone(self):
            return Tensor()

        def copy_(self, other):
            self.writes += 1
            return self
    src = Tensor()
    call = copy_function(FakeGpu(), src)
    call()
    call()
    assert src.writes == 0  # the destination is written, never the source


def test_timing_specs_carry_a_copy_per_device_and_the_report_keeps_them_apart():
    specs = timing_specs({"torch": ("eager",)}, devices=("cpu", "gpu"), workloads=("relu",), sizes=(10,))
    copies = [(s["device"], s["framework"]) for s in specs if s["workload"] == "copy"]
    assert copies == [("cpu", "torch"), ("gpu", "torch")]
    rows = typed([{"workload": "copy", "device": d, "outcome": "ok", "median_s": "0.01", "bandwidth_bytes_per_s": b}
                   for d, b in (("cpu", "1e10"), ("gpu", "4e12"))])
    assert copy_bandwidth(rows) == (1e10, 1) and copy_bandwidth(rows, "gpu") == (4e12, 1)
