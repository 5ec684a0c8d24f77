"""The example plug-in (examples/crossgrad-autograd) is a separate distribution whose entry
point is in crossgrad's group, and `make test` checks it with `crossgrad test-adapter`
(which runs the conformance tests on it: here only what needs no install)."""
from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

from crossgrad.adapter import OP_NAMES, complete
from crossgrad.core.registry import ENTRY_POINT_GROUP

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "examples" / "crossgrad-autograd"


def test_the_plugin_is_its_own_distribution_with_an_entry_point_in_crossgrads_group():
    meta = tomllib.loads((PLUGIN / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "crossgrad-autograd"
    assert meta["project"]["entry-points"][ENTRY_POINT_GROUP] == {"autograd": "crossgrad_autograd:ADAPTER"}


def test_make_test_installs_the_plugin_and_runs_the_conformance_tests_on_it():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "PLUGIN := examples/crossgrad-autograd" in makefile
    assert "--no-deps" in recipe and "-e $(PLUGIN)" in recipe
    assert "crossgrad test-adapter autograd" in recipe and "exit $$status" in recipe


def test_the_plugin_meets_the_contract_without_loading_autograd():
    spec = importlib.util.spec_from_file_location("crossgrad_autograd", PLUGIN / "crossgrad_autograd.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # imports no autograd: load() does
    adapter = complete(module.AutogradAdapter())
    assert set(adapter.op_table) == set(OP_NAMES)
    assert (adapter.forward_mode, adapter.second_order, adapter.device_names) == (True, True, ("cpu",))
    if adapter.version() is None:
        pytest.skip("autograd is not installed (make install pins it: requirements.lock)")
    pinned = re.search(r"^autograd==(\S+)$", (ROOT / "requirements.lock").read_text(), flags=re.M)
    assert pinned and adapter.version() == pinned.group(1)  # the version the lock pins
