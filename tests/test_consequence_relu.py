"""Integration: each framework's relu with a chosen relu'(0) (its adapter's
relu_with_derivative_at_zero), and the bifurcation volume at its two extremes.

A framework that is not installed is skipped with a reason. torch is imported
before tensorflow in this process (load_adapter keeps that order).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from crossgrad.consequence.config import StudyConfig
from crossgrad.consequence.data import Dataset, load
from crossgrad.consequence.measure import Bench
from crossgrad.consequence.volume import volume_row
from crossgrad.core.dtypes import as_dtype
from crossgrad.core.registry import frameworks, load_adapter

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
pytestmark = pytest.mark.integration
# Every registered adapter that declares the custom relu (a plug-in's too): no names here.
# (Every adapter has the attribute once loaded: an undeclared one is the contract's default,
# which raises UnsupportedOp; so ask the adapter's class.)
STUDIED = tuple(name for name, a in frameworks().items()
                if any("relu_with_derivative_at_zero" in vars(k) for k in type(a).__mro__ if k is not object))
DTYPES = ("float16", "bfloat16", "float32", "float64")


@pytest.fixture(scope="module", params=STUDIED)
def adapter(request):
    adapter = frameworks()[request.param]
    if adapter.version() is None:
        pytest.skip(f"{request.param} not installed ({adapter.install_hint})")
    return load_adapter(request.param)


def pullback(adapter, relu, z, cotangent):
    (grad,) = adapter.vjp(lambda t: relu(t), (adapter.asarray(z, "cpu"),), (0,), adapter.asarray(cotangent, "cpu"))
    return adapter.to_numpy(grad)


def bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("value", [0.0, 1.0, 0.5])
def test_derivative_at_zero_is_the_value_set(adapter, dtype, value):
    relu = adapter.relu_with_derivative_at_zero(value)
    z = as_dtype(np.array([0.0, -0.0]), dtype)
    got = pullback(adapter, relu, z, as_dtype(1.0, dtype)).astype(np.float64)
    assert got.tolist() == [value, value]  # 0, 1 and 0.5 are exact in every dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_bit_identical_to_the_framework_relu_away_from_zero(adapter, dtype):
    """Values everywhere and gradients at z != 0, under cotangents of both signs (the
    sign of a zero gradient included): the custom relus change relu'(0) and nothing else."""
    rng = np.random.default_rng(7)
    z = rng.normal(size=256) * np.exp2(rng.integers(-12, 12, 256))
    z = as_dtype(np.concatenate([z, [np.inf, -np.inf, 1e-30, -1e-30]]), dtype)
    z = z[z.astype(np.float64) != 0]  # a value that rounds to 0 in this dtype is the kink, not "elsewhere"
    own = adapter.ops.relu
    for cotangent in (1.0, -1.0, 0.75):
        cot = as_dtype(cotangent, dtype)
        expected = pullback(adapter, own, z, cot)
        for value in (0.0, 1.0):
            relu = adapter.relu_with_derivative_at_zero(value)
            assert bits(adapter.to_numpy(relu(adapter.asarray(z, "cpu")))) == \
                bits(adapter.to_numpy(own(adapter.asarray(z, "cpu"))))
            assert bits(pullback(adapter, relu, z, cot)) == bits(expected)


def _volume(adapter, data, init, dtype="float32"):
    config = StudyConfig(init=init, draws=3, min_draws=3)
    point = dict(sweep="width", depth=2, width=8, batch=16)
    return volume_row(Bench(adapter, dtype, data), point, config, exhaustive=True)


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_volume_is_zero_where_no_relu_input_can_be_zero(adapter, dtype):
    """Non-negative digits, |weights| and biases in [0.5, 1]: every relu input > 0, so the
    gradients with relu'(0)=0 and 1 must agree bit for bit on every minibatch (computed)."""
    row = _volume(adapter, load(None), "positive", dtype)
    assert row["zeros"] == 0 and row["relu_inputs"] > 0
    assert row["differ"] == 0 and row["differ_w1"] == 0


def test_volume_is_one_where_every_draw_hits_zero(adapter):
    """All-zero inputs and zero first-layer biases: every first-layer relu input is exactly 0."""
    x = np.zeros((40, 6))
    y = np.arange(40) % 3
    data = Dataset("zeros", x[:32], y[:32], x[32:], y[32:], 3)
    row = _volume(adapter, data, "zero-bias")
    assert row["differ"] == row["draws"] == 3
    assert row["zeros"] >= 32 * 8 * 3
