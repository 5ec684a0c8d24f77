"""crossgrad adapter for HIPS autograd: an example plug-in, written from docs/adapters.md.

autograd differentiates NumPy code: its arrays are NumPy arrays (ArrayBox while
traced), reverse mode is `make_vjp`, forward mode `make_jvp`, and a vjp is
differentiable again (second order). It has no compiler: the one mode is eager,
and the one device the CPU. autograd is imported by load(), never here.
"""
from __future__ import annotations

import numpy as np

from crossgrad.adapter import OP_NAMES, ops_from_table
from crossgrad.adapter_kit import LazyFramework, with_args

# The op table: each op of the catalogue as autograd code spells it, None where
# autograd.numpy has no such function (recorded `unsupported`, never an error).
SPELLED = {
    # autograd has no relu: its examples and users write maximum(z, 0).
    "relu": "anp.maximum({0}, 0.0)",
    "maximum": "anp.maximum({0}, {1})",
    "minimum": "anp.minimum({0}, {1})",
    "clip": "anp.clip({0}, {1}, None)",
    "where": "anp.where({0}, {1}, {2})",
    "zeros_like": "anp.zeros_like({0})",
    "abs": "anp.abs({0})",
    "sqrt": "anp.sqrt({0})",
    "exp": "anp.exp({0})",
    "log": "anp.log({0})",
    "divide": "anp.divide({0}, {1})",
    "nan_to_num": "anp.nan_to_num({0})",
    "norm": "anp.linalg.norm({0})",
    "max": "anp.max({0})",
    "min": "anp.min({0})",
    "sum": "anp.sum({0})",
    "logsumexp": "logsumexp({0})",
    "max_axis": "anp.max({0}, axis=0)",
    "min_axis": "anp.min({0}, axis=0)",
    "concat": "anp.concatenate([{0}, {1}])",
    "arange_like": "anp.arange(1, {0}.shape[0] + 1, dtype={0}.dtype)",
    "sign": "anp.sign({0})",
    "floor": "anp.floor({0})",
    "ceil": "anp.ceil({0})",
    "neg": "anp.negative({0})",
    "atan2": "anp.arctan2({0}, {1})",
    "argmax": "anp.argmax({0})",
    "argmin": "anp.argmin({0})",
    "argmax_gather": "{0}[anp.argmax({0})]",
    "clip_range": "anp.clip({0}, {1}, {2})",
}
OPS = {name: SPELLED.get(name) for name in OP_NAMES}  # every op: spelled, or None

ALIASES = {"relu": ("anp.where({0} > 0, {0}, 0.0)", "anp.clip({0}, 0.0, None)")}


class AutogradAdapter(LazyFramework):
    name = "autograd"
    package = "autograd"  # the distribution whose version is reported
    install_hint = "pip install autograd"
    modes = ("eager",)  # no compiler
    dtypes = ("float32", "float64")
    device_names = ("cpu",)
    op_table = OPS
    aliases = ALIASES
    snippets = None  # no repro snippets: reports say so where they would show one
    # Every other optional fact keeps its default (docs/adapters.md): forward mode and
    # second order exist, no flush-to-zero, no known differences declared yet.

    def load(self, *, threads: int | None = None) -> None:
        """autograd has no settings: float64 is NumPy's own, threads are NumPy's BLAS's."""
        import autograd

        self._module = autograd
        self._ops = ops_from_table(self.name, OPS, self.namespace())

    def namespace(self) -> dict:
        self._require()
        import autograd.numpy as anp
        from autograd.scipy.special import logsumexp

        return {"anp": anp, "logsumexp": logsumexp}

    def devices(self):
        self._require()
        return ("cpu",)

    def asarray(self, value, device):
        return np.array(value, copy=True)  # NumPy arrays are autograd's: every bit kept

    def to_numpy(self, x):
        return np.array(x, copy=True)

    def block(self, tree):
        return tree  # NumPy computes synchronously

    def vjp(self, f, args, wrt, cotangent):
        """make_vjp over the differentiated arguments as one tuple; the pullback is
        traced like any autograd code, so it can be differentiated again."""
        autograd = self._require()
        import autograd.numpy as anp

        partial = with_args(f, args, wrt)
        pullback, out = autograd.make_vjp(lambda diff: partial(*diff))(tuple(args[i] for i in wrt))
        return tuple(pullback(anp.broadcast_to(cotangent, anp.shape(out))))

    def jvp(self, f, args, wrt, tangent):
        autograd = self._require()
        primal = args[wrt]
        _, tangent_out = autograd.make_jvp(with_args(f, args, (wrt,)))(primal)(np.broadcast_to(tangent, primal.shape))
        return tangent_out

    def info(self):
        self._require()
        return {"version": self.version(), "devices": {"cpu": "cpu"}, "numpy": np.__version__}


ADAPTER = AutogradAdapter()
