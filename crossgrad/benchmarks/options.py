"""The benchmark suite's size knobs as pytest options, and their environment fallbacks.

Registered by crossgrad/benchmarks/conftest.py (a run by path) and by the
opt-in plugin crossgrad.testing (a run with --pyargs, where no conftest is read
before the command line is parsed); registering twice is harmless.
"""
from __future__ import annotations

import os

from crossgrad.core.registry import device_names

DEFAULT_SIZES = "1,100,10000,1000000"  # smaller than the CLI's sweep: --benchmark-only stays minutes
DEFAULT_DEVICES = "cpu"


def add_options(parser) -> None:
    group = parser.getgroup("crossgrad benchmarks")
    try:
        group.addoption("--crossgrad-sizes", default=None, metavar="N,N,...",
                        help="relu workload sizes of crossgrad's benchmarks (default $CROSSGRAD_BENCH_SIZES "
                             f"or {DEFAULT_SIZES})")
        group.addoption("--crossgrad-devices", default=None, metavar="cpu,gpu",
                        help=f"devices of crossgrad's benchmarks (default $CROSSGRAD_BENCH_DEVICES or {DEFAULT_DEVICES})")
        group.addoption("--crossgrad-report-folder", default=None, metavar="RUN_DIR",
                        help="run folder whose report crossgrad's report benchmark rebuilds (copied first; "
                             "default $CROSSGRAD_BENCH_REPORT_FOLDER or the repository's results/sample)")
    except ValueError:  # already added by the other registrant (conftest and plugin both loaded)
        pass


def _option(config, name: str):
    try:
        return config.getoption(name)
    except ValueError:  # not registered: a --pyargs run without -p crossgrad.testing
        return None


def sizes(config) -> tuple[int, ...]:
    text = _option(config, "--crossgrad-sizes") or os.environ.get("CROSSGRAD_BENCH_SIZES") or DEFAULT_SIZES
    try:
        values = tuple(int(s) for s in text.split(","))
    except ValueError:
        values = ()
    if not values or any(v <= 0 for v in values):
        import pytest

        raise pytest.UsageError(f"--crossgrad-sizes must be positive whole numbers separated by commas, got {text!r}")
    return values


def devices(config) -> tuple[str, ...]:
    text = _option(config, "--crossgrad-devices") or os.environ.get("CROSSGRAD_BENCH_DEVICES") or DEFAULT_DEVICES
    chosen = tuple(d.strip() for d in text.split(",") if d.strip())
    valid = device_names()  # every name a registered adapter declares
    bad = [d for d in chosen if d not in valid]
    if not chosen or bad:
        import pytest

        raise pytest.UsageError(f"--crossgrad-devices: unknown {', '.join(bad) or 'empty'}; valid: {', '.join(valid)}")
    return chosen


def report_folder(config):
    """The run folder of the report benchmark (None: not given)."""
    return _option(config, "--crossgrad-report-folder") or os.environ.get("CROSSGRAD_BENCH_REPORT_FOLDER")
