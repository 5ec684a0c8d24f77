"""The conformance tests' fixtures: `framework` takes each adapter under test
(crossgrad.conformance.adapter_names), `adapter` is it loaded once per module."""
from __future__ import annotations

import os

import pytest

from crossgrad.conformance import adapter_names
from crossgrad.conformance.checks import loaded

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_configure(config):
    config.addinivalue_line("markers", "integration: runs a real framework (skipped with a reason where it is missing)")


def pytest_generate_tests(metafunc):
    if "framework" in metafunc.fixturenames:
        metafunc.parametrize("framework", adapter_names(), scope="module")


@pytest.fixture(scope="module")
def adapter(framework):
    return loaded(framework)
