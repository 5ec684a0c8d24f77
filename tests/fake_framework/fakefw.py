"""A tiny adapter for tests, found through the "crossgrad.frameworks" entry point.

Arrays are NumPy arrays; derivatives are central finite differences in float64,
good enough for smooth points of smooth ops. It exists to test the plug-in path
and the runner's fault handling without starting a real framework.
"""
from __future__ import annotations

import os

import numpy as np

from crossgrad.adapter import OP_NAMES, ops_from_table

# The ops it spells (None for the rest of the catalogue's: recorded `unsupported`).
SPELLED = {"relu": "np.maximum({0}, 0)", "zero_fill": "np.zeros_like({0})", "maximum": "np.maximum({0}, {1})",
           "zeros_like": "np.zeros_like({0})", "where": "np.where({0}, {1}, {2})", "abs": "np.abs({0})"}
OPS = {name: SPELLED.get(name) for name in OP_NAMES}


class FakeAdapter:
    """Only the required members of crossgrad.adapter.Adapter, plus install_hint: every
    other optional fact takes its default when the registry registers it."""

    modes = ("eager",)
    op_table = OPS
    install_hint = "it ships with the tests"

    def __init__(self, name: str):
        self.name = name
        self.ops = ops_from_table(name, OPS, self.namespace())

    def namespace(self):
        return {"np": np}

    def version(self):
        return os.environ.get("FAKEFW_VERSION", "1.0")  # a --python worker's other release (test_faults)

    def load(self, threads=None):
        pass

    def devices(self):
        return ("cpu",)

    def asarray(self, value, device):
        return np.array(value)

    def to_numpy(self, x):
        return np.asarray(x)

    def block(self, tree):
        return tree

    def compile(self, f, mode):
        return f

    def info(self):
        return {"note": "finite differences"}

    def vjp(self, f, args, wrt, cotangent):
        return tuple(cotangent * np.sum(central_difference(f, args, i, np.ones(()))) for i in wrt)

    def jvp(self, f, args, wrt, tangent):
        return central_difference(f, args, wrt, tangent)


def central_difference(f, args, wrt, tangent):
    h = 1e-6
    up, down = list(args), list(args)
    up[wrt] = args[wrt] + h * tangent
    down[wrt] = args[wrt] - h * tangent
    return (np.asarray(f(*up), np.float64) - np.asarray(f(*down), np.float64)) / (2 * h)


ADAPTER_A = FakeAdapter("fake_a")
ADAPTER_B = FakeAdapter("fake_b")
