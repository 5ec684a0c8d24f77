"""crossgrad's own suite: benchmarks run once, untimed, in a plain `pytest`.

Here and not in a pytest11 entry point, so that installing crossgrad never
changes another project's pytest (tests/test_plugin_entry_point.py proves it).
`pytest --benchmark-only` (or --benchmark-json, --benchmark-save, ...) times them.
"""
import pytest

from crossgrad.benchmarks.untimed import apply_untimed_default


@pytest.hookimpl(tryfirst=True)  # before pytest-benchmark's trylast pytest_configure reads the option
def pytest_configure(config):
    apply_untimed_default(config)
