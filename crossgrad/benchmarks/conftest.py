"""Options of the benchmark suite when it is run by path (see crossgrad.benchmarks)."""
from crossgrad.benchmarks.options import add_options


def pytest_addoption(parser):
    add_options(parser)
