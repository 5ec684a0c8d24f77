"""crossgrad's own test suite runs each benchmark once, untimed, in a plain `pytest`.

pytest-benchmark times every `benchmark` fixture call unless told otherwise,
which would make crossgrad's ordinary test run (and CI) take minutes. This
rule turns timing off (pytest-benchmark's own --benchmark-disable: the
benchmarked function then runs exactly once) unless the command line asks for
timings with one of TIMING_FLAGS (--benchmark-only, --benchmark-enable,
--benchmark-json FILE, --benchmark-save NAME, --benchmark-autosave,
--benchmark-compare, --benchmark-histogram). Setting benchmark_disable is
never combined with --benchmark-only, which pytest-benchmark refuses.

It is NOT a pytest11 entry point: installed beside another project, crossgrad
must not change how that project's benchmarks run. crossgrad's tests/conftest.py
applies it (`apply_untimed_default` from its pytest_configure, tryfirst, which
runs before pytest-benchmark's own trylast pytest_configure reads the option).
"""
from __future__ import annotations

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


def apply_untimed_default(config) -> bool:
    """For a conftest's pytest_configure: crossgrad's suite, untimed unless asked."""
    return untimed_by_default(config.option)
