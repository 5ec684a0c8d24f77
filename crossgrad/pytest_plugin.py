"""pytest plugin (entry point pytest11): a plain `pytest` runs each benchmark once, untimed.

pytest-benchmark times every `benchmark` fixture call unless told otherwise,
which would make an ordinary test run (and CI) take minutes. This plugin turns
timing off (pytest-benchmark's own --benchmark-disable: the benchmarked function
then runs exactly once) unless the command line asks for timings with one of
TIMING_FLAGS (--benchmark-only, --benchmark-enable, --benchmark-json FILE,
--benchmark-save NAME, --benchmark-autosave, --benchmark-compare,
--benchmark-histogram). Setting benchmark_disable is never combined with
--benchmark-only, which pytest-benchmark refuses.

pytest-benchmark reads the option in its own pytest_configure, declared
trylast, so ours (tryfirst) always runs before it.
"""
from __future__ import annotations

import pytest

# Option destinations that mean "I want numbers": any one keeps timing on.
TIMING_FLAGS = ("benchmark_only", "benchmark_enable", "benchmark_json", "benchmark_save",
                "benchmark_autosave", "benchmark_compare", "benchmark_histogram")


def wants_timing(option) -> bool:
    """True when the command line asked pytest-benchmark for measurements."""
    return any(getattr(option, flag, None) for flag in TIMING_FLAGS)


def untimed_by_default(option) -> bool:
    """Set benchmark_disable unless timings were asked for; True if it did.

    Returns False (and changes nothing) where pytest-benchmark is not installed."""
    if not hasattr(option, "benchmark_disable"):
        return False
    if wants_timing(option) or option.benchmark_disable:
        return False
    option.benchmark_disable = True
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    untimed_by_default(config.option)
