"""The shipped benchmark suite's plumbing (the suite itself: crossgrad/benchmarks/).

No framework needed: the size options, what time_call puts into extra_info,
and what `crossgrad report --from-benchmark-json` makes of it.
"""
from __future__ import annotations

import json
import types

import pytest

from crossgrad.benchmarks import options
from crossgrad.benchmarks.timed import time_call
from crossgrad.timing.bench_json import rows_from_benchmark_json


class FakeBenchmark:
    """The parts of pytest-benchmark's fixture that time_call uses."""

    def __init__(self, disabled: bool, rounds: int = 3):
        self.disabled, self.rounds, self.extra_info = disabled, rounds, {}

    def __call__(self, fn):
        for _ in range(1 if self.disabled else self.rounds):
            result = fn()
        return result


def test_time_call_keeps_first_call_and_cores_busy_apart():
    calls = []
    bench = FakeBenchmark(disabled=False)
    assert time_call(bench, lambda: calls.append(1) or len(calls), {"framework": "fw"}) == 4
    assert len(calls) == 1 + 3  # the first call alone, then the benchmark's rounds
    assert bench.extra_info["framework"] == "fw"
    assert bench.extra_info["first_call_s"] > 0 and bench.extra_info["cores_busy"] >= 0


def test_time_call_untimed_runs_once_and_measures_nothing():
    calls = []
    bench = FakeBenchmark(disabled=True)
    time_call(bench, lambda: calls.append(1), {"framework": "fw"})
    assert len(calls) == 1 and "first_call_s" not in bench.extra_info


def _entry(**extra):
    labels = dict(dict(framework="torch", mode="eager", device="cpu", workload="relu", n=1, phase="primal"), **extra)
    stats = {"min": 1e-6, "median": 2e-6, "iqr": 1e-7, "rounds": 5, "iterations": 10, "data": [2e-6] * 5}
    return {"name": "t", "extra_info": labels, "stats": stats}


def test_benchmark_json_keeps_first_call_and_cores_busy(tmp_path):
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"version": "5.3.1", "benchmarks": [
        _entry(first_call_s=0.25, cores_busy=0.9), _entry(phase="gradient")]}))
    measured, old = rows_from_benchmark_json(path)
    assert float(measured["first_call_s"]) == 0.25 and float(measured["cores_busy"]) == 0.9
    assert measured["detail"] == "pytest-benchmark 5.3.1"
    assert old["first_call_s"] == "" and old["cores_busy"] == ""  # a file from before: not invented
    assert "first call not measured" in old["detail"]


def config(**values):
    return types.SimpleNamespace(getoption=lambda name: values.get(name))


def test_size_options_then_environment_then_default(monkeypatch):
    monkeypatch.delenv("CROSSGRAD_BENCH_SIZES", raising=False)
    assert options.sizes(config()) == (1, 100, 10000, 1000000)
    monkeypatch.setenv("CROSSGRAD_BENCH_SIZES", "7,8")
    assert options.sizes(config()) == (7, 8)
    assert options.sizes(config(**{"--crossgrad-sizes": "5"})) == (5,)
    assert options.devices(config(**{"--crossgrad-devices": "cpu,gpu"})) == ("cpu", "gpu")


@pytest.mark.parametrize("text", ["0", "1,x", ""])
def test_bad_sizes_are_a_usage_error(text):
    with pytest.raises(pytest.UsageError, match="--crossgrad-sizes"):
        options.sizes(config(**{"--crossgrad-sizes": text or ","}))


def test_unknown_device_is_a_usage_error():
    with pytest.raises(pytest.UsageError, match="valid: "):
        options.devices(config(**{"--crossgrad-devices": "tpu"}))
