"""Options of the benchmark suite when it is run by path (see crossgrad.benchmarks)."""
from crossgrad.benchmarks.options import add_options


def pytest_addoption(parser):
    add_options(parser)


def pytest_configure(config):
    # Declared here too: run from an installed package, crossgrad's pyproject (which declares it) is not read.
    config.addinivalue_line("markers", "integration: runs a real framework (skipped with a reason where it is missing)")
