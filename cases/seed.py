"""The seed case from the autograd teaching notebook: a = relu(x*w + b).

At `kink` (x=-1, w=1, b=1) relu's input is exactly 0; PyTorch eager gives
da/dw = -0.0 there, the chain rule's x * relu'(0) = (-1) * 0.
"""
from __future__ import annotations

from crossgrad.cases._points import points
from crossgrad.cases.special import special_points
from crossgrad.case import Case, exact, subgradients, undefined

ORDER = 0  # the seed case opens the catalogue and every report


def relu_truth(z: float):
    """relu: value max(z, 0); slope 1 above 0, 0 below, any of [0, 1] at 0."""
    if z > 0:
        return exact(z), exact(1.0), exact(0.0)
    if z < 0:
        return exact(0.0), exact(0.0), exact(0.0)
    return exact(0.0), subgradients(0.0, 1.0), undefined("d1 jumps here, so no second derivative exists")


def relu(ops, x, w, b):
    return ops.relu(x * w + b)


def relu_python(ops, x, w, b):
    """The notebook's hand-written relu: Python `if` on a tensor's value, then an
    in-place write (ops.zero_fill is `z[:] = 0.` where the framework allows it)."""
    z = x * w + b
    if z > 0.:
        return z
    return ops.zero_fill(z)


CASES = [
    Case("relu", relu, points(relu_truth) + special_points("relu", relu_truth),
         "relu(x*w + b), the framework's canonical relu", truth_at=relu_truth),
    Case("relu_python", relu_python, points(relu_truth) + special_points("relu_python", relu_truth),
         "the notebook's hand-written relu: `if z > 0.: return z` else `z[:] = 0.`", truth_at=relu_truth),
]
