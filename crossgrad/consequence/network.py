"""The study's network, written once over a framework's ops: a fully connected ReLU MLP.

Weights start in NumPy (float64, then rounded to the run's dtype), so every
framework starts from the same bits; `uniform` is PyTorch's nn.Linear default,
U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases, as in the paper.
`positive` (|weights|, biases in [0.5, 1]) keeps every relu input > 0 on
non-negative data; `zero-bias` sets the first layer's biases to 0, so an input
row of zeros puts relu's input exactly at its kink.

The loss is the mean softmax cross-entropy, in the run's dtype throughout (as
the paper's net.half()). The few calls beyond Python operators that the network
needs (log_softmax, sums, argmax) are the adapter's `network_ops` templates over
its own namespace(): the study's network, not catalogue ops, so they are an
adapter fact of their own rather than op-table entries.
"""
from __future__ import annotations

import numpy as np

from crossgrad.adapter import op_from_template
from crossgrad.core.dtypes import as_dtype


class StudyOps:
    """The network's calls in one framework, compiled from its adapter's
    `network_ops` templates with its namespace."""

    def __init__(self, adapter):
        table = adapter.network_ops  # {} where the adapter declares none (crossgrad.core.contract)
        if not table:
            raise NotImplementedError(f"the {adapter.name} adapter declares no network_ops "
                                      "(crossgrad.adapter.Adapter), which crossgrad consequence needs")
        namespace = adapter.namespace()
        for name, template in table.items():
            setattr(self, name, op_from_template(template, namespace))


def layer_sizes(features: int, depth: int, width: int, classes: int) -> list[tuple[int, int]]:
    sizes = [features] + [width] * depth + [classes]
    return list(zip(sizes[:-1], sizes[1:]))


def init_params(sizes, dtype: str, seed: int, init: str = "uniform") -> list[np.ndarray]:
    """W1, b1, W2, b2, ... as NumPy arrays of `dtype` (W of shape (fan_in, fan_out))."""
    rng = np.random.default_rng(seed)
    params = []
    for layer, (fan_in, fan_out) in enumerate(sizes):
        bound = 1.0 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_in, fan_out))
        b = rng.uniform(-bound, bound, (fan_out,))
        if init == "positive":
            w, b = np.abs(w), rng.uniform(0.5, 1.0, (fan_out,))
        elif init == "zero-bias" and layer == 0:
            b = np.zeros(fan_out)
        params += [as_dtype(w, dtype), as_dtype(b, dtype)]
    return params


def forward(params, x, relu):
    """Logits and the relu inputs of each hidden layer."""
    h, pre = x, []
    last = len(params) // 2 - 1
    for layer in range(last + 1):
        z = h @ params[2 * layer] + params[2 * layer + 1]
        if layer == last:
            return z, pre
        pre.append(z)
        h = relu(z)


def loss_of(ops: StudyOps, logits, onehot):
    """Mean softmax cross-entropy."""
    return -ops.mean(ops.sum_rows(onehot * ops.log_softmax(logits)))


def loss_function(ops: StudyOps, relu, n_params: int):
    """f(*params, x, onehot) -> loss: the form adapter.vjp differentiates."""
    def f(*args):
        params, (x, onehot) = args[:n_params], args[n_params:]
        return loss_of(ops, forward(params, x, relu)[0], onehot)
    return f


def onehot(labels: np.ndarray, classes: int, dtype: str) -> np.ndarray:
    return as_dtype(np.eye(classes)[labels], dtype)


def relu_of(adapter, variant: str):
    """The relu a variant names (crossgrad.consequence.config.VARIANTS)."""
    ops = adapter.ops
    if variant == "own":
        return ops.relu
    if variant == "maximum":
        return lambda z: ops.maximum(z, 0.0)
    if variant == "relu(-t)+t":
        return lambda z: ops.relu(-z) + z
    return adapter.relu_with_derivative_at_zero(float(variant))
