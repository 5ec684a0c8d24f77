"""The op table format (crossgrad.adapter), checked without loading any framework:
every adapter spells every op of the catalogue, templates compile into callables,
and an op a framework lacks is recorded `unsupported`, never an error."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from crossgrad.adapter import UnsupportedOp, complete, ops_from_table, placeholder_count
from crossgrad.catalogue import cases
from crossgrad.conformance.test_declarations import test_the_op_table_spells_every_op_of_the_catalogue as spells_every_op
from crossgrad.core.registry import frameworks
from crossgrad.running.derivatives import compute_task
from crossgrad.running.plan import Task


def test_every_adapter_spells_every_op_of_the_catalogue():
    """One table entry per op and framework: a missing one fails here; None is
    allowed and means "absent" (recorded as unsupported). No framework is loaded.
    The check is the conformance test's (crossgrad/conformance/test_declarations.py)."""
    for name in frameworks():
        spells_every_op(name)


def _numpy_adapter(table):
    """The test plug-in adapter (finite differences over NumPy) with ops from `table`."""
    # Loaded from its file: putting its folder on sys.path would also expose its
    # entry point to every later registry lookup in this process.
    spec = importlib.util.spec_from_file_location("fakefw", Path(__file__).parent / "fake_framework" / "fakefw.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    adapter = complete(module.FakeAdapter("numpyfw"))  # its optional facts, as the registry sets them
    adapter.ops = ops_from_table("numpyfw", table, {"np": np})
    return adapter


def test_a_template_becomes_its_callable_and_stays_its_spelling():
    ops = ops_from_table("numpyfw", {"clip": "np.maximum({0}, {1})", "xlogy": None}, {"np": np})
    assert ops.spelling == {"clip": "np.maximum({0}, {1})"}  # absent ops have no spelling
    assert ops.clip(np.array([-2.0, 3.0]), 0.5).tolist() == [0.5, 3.0]
    assert [placeholder_count(t) for t in ("f()", "f({0})", "{0}.at[{1}].set({2}, {0}.dtype)")] == [0, 1, 3]


def test_an_absent_op_raises_unsupported_with_the_reason():
    ops = ops_from_table("numpyfw", {"xlogy": None}, {})
    with pytest.raises(UnsupportedOp, match="^numpyfw has no xlogy$"):
        ops.xlogy(np.zeros(1), np.zeros(1))


def test_the_engine_records_an_absent_op_as_unsupported_not_as_an_error():
    adapter = _numpy_adapter({"relu": None})
    rows = list(compute_task(adapter, Task("numpyfw", "relu", "float64", "cpu", "eager"),
                             {"seeds": [1.0, -1.0], "points": ["smooth"]}, cases()))
    assert rows and {(r["outcome"], r["detail"]) for r in rows} == {("unsupported", "numpyfw has no relu")}
    assert {r["ad"] for r in rows} == {"none", "reverse", "forward", "second"}
