"""What the conformance tests share: the adapter loaded (or a skip saying why not),
one task run through crossgrad's own pipeline, bitwise comparison, op arguments.
crossgrad's own tests of the built-in adapters use them too."""
from __future__ import annotations

import numpy as np
import pytest

from crossgrad.adapter import OP_SIGNATURES
from crossgrad.catalogue import cases
from crossgrad.core.same_value import parse_value, same_value
from crossgrad.core.registry import frameworks, load_adapter
from crossgrad.running.derivatives import compute_task
from crossgrad.running.plan import Task

SEEDS = {"seeds": [1.0, -1.0]}

# At smooth (x=3, w=2, b=1): a = relu(7) = 7, da/dw = x = 3, da/db = 1, d²a/dw² = 0.
SMOOTH = {
    ("none", "", ""): 7.0,
    ("reverse", "w", "1.0"): 3.0, ("reverse", "b", "1.0"): 1.0,
    ("reverse", "w", "-1.0"): -3.0, ("reverse", "b", "-1.0"): -1.0,
    ("forward", "w", "1.0"): 3.0, ("forward", "b", "1.0"): 1.0,
    ("forward", "w", "-1.0"): -3.0, ("forward", "b", "-1.0"): -1.0,
    # No path carries a value into the second derivative: the framework's zero fill.
    ("second", "w", "1.0"): 0.0, ("second", "w", "-1.0"): 0.0,
}


def loaded(name: str):
    """The registered adapter, loaded once per process after its import_first;
    skipped with the reason where its framework is not installed."""
    adapter = frameworks()[name]
    if adapter.version() is None:
        pytest.skip(f"{name} is not installed ({adapter.install_hint})")
    return load_adapter(name)


def run_case(adapter, case: str, dtype: str, mode: str, points) -> dict:
    """(point, ad, wrt, seed) -> row of one compute_task call (crossgrad's own pipeline)."""
    task = Task(adapter.name, case, dtype, "cpu", mode)
    rows = list(compute_task(adapter, task, dict(SEEDS, points=list(points)), cases()))
    return {(r["point"], r["ad"], r["wrt"], r["cotangent"] or r["tangent"]): r for r in rows}


def value(rows: dict, point: str, ad: str, wrt: str = "", seed: str = "") -> float:
    row = rows[(point, ad, wrt, seed)]
    assert row["outcome"] == "ok", f"{point} {ad} {wrt} {seed}: {row['outcome']} {row['detail']}"
    return parse_value(row["value"])


def assert_bits(actual, expected, what: str) -> None:
    """The one rule (crossgrad.core.same_value): -0.0 differs from 0.0 (== would call
    them equal), a NaN matches any NaN."""
    assert same_value(actual, expected), f"{what}: got {actual!r}, expected {expected!r}"


def op_arguments(adapter, op: str, dtype: str, values=(-2.0, -0.0, 0.0, 0.5, 3.0, 7.0)) -> tuple:
    """Fresh arguments for `op` (zero_fill writes into its input), built from its
    parameter names in OP_SIGNATURES: arrays of `values`, constants by name."""
    def array(scale=1.0):
        return adapter.asarray(np.array([v * scale for v in values], dtype), "cpu")

    made = {"z": array, "v": array, "a": array, "b": lambda: array(0.5),
            "cond": lambda: array() > 0, "lo": lambda: 0.0, "slope": lambda: 0.1, "k": lambda: 2,
            "hi": lambda: 0.7, "th": lambda: 0.5, "value": lambda: -1.0}
    return tuple(made[param]() for param in OP_SIGNATURES[op].split())
