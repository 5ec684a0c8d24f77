"""crossgrad's own tests of its built-in adapters, beyond the conformance tests every
adapter passes (crossgrad/conformance, run here for every registered adapter and by
`crossgrad test-adapter NAME` for one): the seed notebook's numbers in torch, and
adapter modules that import no framework.

A framework that is not installed is skipped with a reason. torch is always
imported before tensorflow in this process (a known crash otherwise).
"""
from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest

from crossgrad.conformance.checks import assert_bits, loaded, run_case, value

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

integration = pytest.mark.integration

DTYPES = ("float32", "float64")


@pytest.fixture(scope="module")
def torch_adapter():
    return loaded("torch")


@integration
@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_eager_kink_gives_the_notebooks_negative_zero(torch_adapter, dtype):
    rows = run_case(torch_adapter, "relu", dtype, "eager", ["kink"])
    assert_bits(value(rows, "kink", "none"), 0.0, "a")
    dw = value(rows, "kink", "reverse", "w", "1.0")
    # relu'(0) is taken as 0, and x = -1: da/dw = (-1) * 0 = -0.0, sign bit set.
    assert dw == 0.0 and math.copysign(1.0, dw) == -1.0
    assert_bits(value(rows, "kink", "reverse", "b", "1.0"), 0.0, "da/db")
    assert rows[("kink", "reverse", "w", "1.0")]["primitive"] == "torch.relu"


@integration
def test_relu_python_torch_eager_gives_the_notebooks_numbers(torch_adapter):
    rows = run_case(torch_adapter, "relu_python", "float32", "eager", ["smooth", "kink"])
    assert_bits(value(rows, "smooth", "none"), 7.0, "a")
    assert_bits(value(rows, "smooth", "reverse", "w", "1.0"), 3.0, "da/dw")
    assert_bits(value(rows, "smooth", "reverse", "b", "1.0"), 1.0, "da/db")
    # At kink the in-place `z[:] = 0.` runs: its backward passes +0 to z, times x = -1.
    assert_bits(value(rows, "kink", "none"), 0.0, "a at kink")
    assert_bits(value(rows, "kink", "reverse", "w", "1.0"), -0.0, "da/dw at kink")


@integration
def test_torch_zero_fill_writes_in_place_under_torch_func_vjp(torch_adapter):
    a = torch_adapter
    x, w, b = (a.asarray(np.array([v], "float32"), "cpu") for v in (-1.0, 1.0, 1.0))

    def f(x, w, b):
        z = x * w + b
        filled = a.ops.zero_fill(z)
        assert filled is z  # the same tensor: written in place, not replaced
        return filled

    one = a.asarray(np.array(1.0, "float32"), "cpu")
    dw, db = a.vjp(f, (x, w, b), (1, 2), one)
    assert_bits(float(a.to_numpy(dw)[0]), -0.0, "dw")
    assert_bits(float(a.to_numpy(db)[0]), 0.0, "db")


def test_adapter_modules_do_not_import_their_framework():
    """crossgrad list and the unit tests must work with no framework installed."""
    code = ("import sys; from crossgrad.core.registry import frameworks; fw = frameworks(); "
            "[a.version() for a in fw.values()]; "
            "print(sorted(m for m in ('torch', 'jax', 'tensorflow', 'tinygrad', 'paddle') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@integration
@pytest.mark.parametrize("name", ["torch", "jax", "tensorflow", "mlx", "paddle"])
def test_an_unconnected_gradient_is_none_in_tensorflow_and_a_zero_elsewhere(name):
    """TensorFlow and Paddle (paddle.grad's allow_unused) return None for an argument
    that does not reach the output, the others +0.0; the adapters pass that on (the
    conformance test allows either)."""
    adapter = loaded(name)
    x, w, b = (adapter.asarray(np.array([v], "float64"), "cpu") for v in (3.0, 2.0, 1.0))
    one = adapter.asarray(np.array(1.0, "float64"), "cpu")
    _, db = adapter.block(adapter.vjp(lambda x, w, b: x * w, (x, w, b), (1, 2), one))
    if name in ("tensorflow", "paddle"):
        assert db is None
    else:
        assert_bits(float(adapter.to_numpy(db)[0]), 0.0, f"{name} db")
