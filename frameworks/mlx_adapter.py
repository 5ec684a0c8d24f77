"""MLX adapter. The contract lives in crossgrad/adapter.py; this module only says
where MLX needs a choice. mlx is imported by `load()`, never here.

MLX is lazy: an op builds a graph node and nothing is computed until mx.eval
(block) or a conversion to NumPy. Arrays have no device: an op runs on the
default device's stream, so choosing a device is choosing the default device.
"""
from __future__ import annotations

import os

import numpy as np
from crossgrad.adapter import KnownDifference, Snippets, ops_from_table
from crossgrad.adapter_kit import (LazyFramework, bfloat16_bits, bfloat16_from_bits, cache_state, dist_version,
                                   env_vars, files_in, guard_ops, leaves, with_args)

# The one op table (format: crossgrad/adapter.py): each op's call over its
# positional arguments, with MLX's usual aliases (mx = mlx.core, nn = mlx.nn);
# None where MLX has no such function.
OPS = {
    "relu": "nn.relu({0})",  # mx.maximum(z, 0) inside
    "maximum": "mx.maximum({0}, {1})",
    "minimum": "mx.minimum({0}, {1})",
    "clip": "mx.clip({0}, {1}, None)",  # lower bound only: None for the upper one
    "where": "mx.where({0}, {1}, {2})",
    "zeros_like": "mx.zeros_like({0})",
    "abs": "mx.abs({0})",
    "leaky_relu": "nn.leaky_relu({0}, negative_slope={1})",  # mx.maximum(slope * z, z) inside
    "relu6": "nn.relu6({0})",
    "hardtanh": "nn.hard_tanh({0})",
    "elu": "nn.elu({0})",
    "gelu": "nn.gelu({0})",  # MLX's default gelu is the exact erf form (nn.gelu_approx: tanh)
    "gelu_exact": "nn.gelu({0})",
    "softplus": "nn.softplus({0})",  # mx.logaddexp(z, 0) inside
    "sqrt": "mx.sqrt({0})",
    "exp": "mx.exp({0})",
    "log": "mx.log({0})",
    "divide": "mx.divide({0}, {1})",
    "xlogy": None,
    "div_no_nan": None,
    "mul_no_nan": None,
    "nan_to_num": "mx.nan_to_num({0})",
    "norm": "mx.linalg.norm({0})",
    "euclidean_norm": None,
    "max": "mx.max({0})",
    "min": "mx.min({0})",
    "sum": "mx.sum({0})",
    "logsumexp": "mx.logsumexp({0})",
    "max_axis": "mx.max({0}, axis=0)",
    "min_axis": "mx.min({0}, axis=0)",
    # MLX pooling layers take (batch, length, channels).
    "max_pool": "nn.MaxPool1d(2, stride=2)({0}[None, :, None])[0, :, 0]",
    # mx.topk returns the k largest in no particular order (ascending, measured);
    # the other frameworks return them largest first, which the sort restores.
    "topk": "mx.sort(mx.topk({0}, {1}))[::-1]",
    # Without stop_gradient MLX refuses: "[gather] Cannot calculate VJP with
    # respect to indices" (a ValueError, also in eager mode).
    "argmax_gather": "{0}[mx.stop_gradient(mx.argmax({0}))]",
    "softmax": "mx.softmax({0})",
    "concat": "mx.concatenate([{0}, {1}])",
    "arange_like": "mx.arange(1, {0}.shape[0] + 1, dtype={0}.dtype)",
    "sign": "mx.sign({0})",
    "floor": "mx.floor({0})",
    # The notebook's `z[:] = 0.` as an expression. MLX arrays accept item
    # assignment; it replaces z's graph node by a scatter, so vjp/jvp see it.
    "zero_fill": "{0}.__setitem__(slice(None), 0.) or {0}",
    "ceil": "mx.ceil({0})",
    "neg": "mx.negative({0})",
    "frac": None,  # MLX has no frac or modf
    "atan2": "mx.arctan2({0}, {1})",
    "argmax": "mx.argmax({0})",
    "argmin": "mx.argmin({0})",
    "clip_range": "mx.clip({0}, {1}, {2})",
    "threshold": None,  # MLX has no threshold op (mx.where(z > th, z, value) is a spelling, not one)
}

# Other spellings people write for the same function (the spelling comparison).
# Not here: nn.gelu_approx (another function) and bare mx.topk (no order, see OPS).
ALIASES = {
    "relu": ("mx.maximum({0}, 0.)", "mx.clip({0}, 0., None)", "mx.where({0} > 0, {0}, 0.)"),
    "maximum": ("mx.where({0} > {1}, {0}, {1})",),
    "minimum": ("mx.where({0} < {1}, {0}, {1})",),
    "clip": ("mx.maximum({0}, {1})",),
    "max": ("{0}.max()",),
    "min": ("{0}.min()",),
    "max_pool": ("mx.max({0}.reshape(-1, 2), axis=1)",),
    "norm": ("mx.sqrt(mx.sum({0} * {0}))",),
}

SNIPPETS = Snippets(
    imports="import mlx.core as mx\nimport mlx.nn as nn",
    array="mx.array([{value}], dtype=mx.{dtype})",
    full_like="mx.full({like}.shape, {value}, dtype={like}.dtype)",
    # mx.vjp takes the cotangent up front, shaped like the output: `out` is built
    # for its shape only (MLX is lazy: nothing is computed for it).
    pullback=("out = {fn}(x, w, b)",
              "return mx.vjp(lambda {wrt}: {fn}(x, w, b), [{wrt}], [{cotangent}])[1][0]"),
    pushforward=("return mx.jvp(lambda {wrt}: {fn}(x, w, b), [{wrt}], [{tangent}])[1][0]",),
    flatten="result.reshape(-1)[{index}].item()",
    # MLX's nn activations are themselves mx.compile'd (shapeless): "eager" is
    # what a user gets from calling them, as in every framework.
    wrap={"compiled": "mx.compile({0})"},
)

# numpy dtype name -> mlx.core attribute. mx.array(np.float64 array) without a
# dtype silently gives float32, so asarray always names the dtype.
_MX_DTYPES = {"float32": "float32", "float64": "float64", "float16": "float16",
              "bfloat16": "bfloat16", "bool": "bool_"}


# How MLX says an op has no kernel for a dtype, e.g. "[nan_to_num] Does not yet
# support given type: float64." (raised when the op is called, also while tracing).
_NO_KERNEL = "does not yet support given type"


def _kernel_gap(name: str):
    """Why op `name` failed where MLX lacks its kernel for the argument's dtype: the
    framework lacks that op in that dtype, a fact (`unsupported`), not a failure of
    the run (guard_ops). Values are untouched: the call is the template's callable."""
    def reason(exc, args):
        if isinstance(exc, ValueError) and _NO_KERNEL in str(exc).lower():
            return f"mlx has no {name} for this dtype: {exc}"
        return None
    return reason


class MlxAdapter(LazyFramework):
    name = "mlx"
    synonyms = ("mlx.core", "apple")  # what people also type on the command line
    package = "mlx"
    install_hint = "pip install 'mlx[cpu]' (Linux) or pip install mlx (macOS)"
    modes = ("eager", "compiled")
    op_table = OPS
    aliases = ALIASES
    snippets = SNIPPETS
    # All four on the CPU. float64 is CPU-only in MLX, and its exp and erf (so
    # exp, elu, gelu, softplus) have float32 accuracy (measured; sqrt, log exact).
    dtypes = ("float32", "float64", "bfloat16", "float16")
    # Facts the tests read (crossgrad.adapter.Adapter), each an atlas point.
    flushes_subnormals = False
    known_differences = (
        KnownDifference("relu_python", "mx.compile refuses to evaluate a traced value in a Python `if` "
                        "(atlas: relu_python, outcome error)", mode="compiled"),
        *(KnownDifference(case, f"MLX computes float64 exp and erf in float32 (atlas: {case} negative, "
                          "docs/mlx.md)", dtype="float64", accuracy=True)
          for case in ("gelu", "gelu_exact", "softplus", "elu")),
    )
    costly_modes = ()
    # The calls beyond operators a small classifier needs (crossgrad consequence's
    # network), spelled over namespace(); see the Adapter protocol.
    network_ops = {
        "log_softmax": "nn.log_softmax({0}, axis=1)",
        "sum_rows": "mx.sum({0}, axis=1)",
        "mean": "mx.mean({0})",
        "count_zeros": "mx.sum({0} == 0)",
        "argmax_rows": "mx.argmax({0}, axis=1)",
    }

    def __init__(self):
        super().__init__()
        self._threads = None

    def load(self, *, threads: int | None = None) -> None:
        """No switch needed for float64; MLX has no thread-count setting (recorded)."""
        import mlx.core as mx
        import mlx.nn as nn

        self._threads = threads
        self._module, self._nn = mx, nn
        # The dtypes this release has (mlx 0.21.1 has no float64): the others are
        # recorded unsupported in it, not crashes of the worker.
        self.dtypes = tuple(d for d in type(self).dtypes if hasattr(mx, d))
        self._ops = guard_ops(ops_from_table(self.name, OPS, self.namespace()), OPS, _kernel_gap)

    def relu_with_derivative_at_zero(self, value: float):
        """nn.relu with derivative `value` at exactly 0 (either sign), by
        mx.custom_function's vjp. Elsewhere MLX's own rule: the cotangent times
        (z > 0), so -0.0 where z < 0 under a negative cotangent."""
        mx, nn = self._require(), self._nn

        @mx.custom_function
        def relu(z):
            return nn.relu(z)

        @relu.vjp
        def relu_vjp(primals, cotangent, output):
            z = primals[0] if isinstance(primals, (tuple, list)) else primals
            slope = mx.where(z > 0, mx.array(1, z.dtype), mx.where(z == 0, mx.array(value, z.dtype),
                                                                   mx.array(0, z.dtype)))
            return (cotangent * slope,)

        return relu

    def namespace(self) -> dict:
        """The names the OPS templates and the snippets use (SNIPPETS.imports binds them)."""
        self._require()
        return {"mx": self._module, "nn": self._nn}

    def _gpu_available(self) -> bool:
        mx = self._require()
        cuda = getattr(mx, "cuda", None)
        return bool(mx.metal.is_available() or (cuda is not None and cuda.is_available()))

    def devices(self):
        return ("cpu", "gpu") if self._gpu_available() else ("cpu",)

    def asarray(self, value, device):
        mx = self._require()
        # MLX arrays live in unified memory; ops run on the default device.
        mx.set_default_device(mx.gpu if device == "gpu" else mx.cpu)
        bf16 = bfloat16_bits(value)
        if bf16 is not None:  # bits through uint16: no reliance on ml_dtypes' buffer
            return mx.array(bf16).view(mx.bfloat16)
        value = np.asarray(value)
        dtype = _MX_DTYPES.get(value.dtype.name)
        # mx.array copies; naming the dtype keeps float64 float64.
        return mx.array(value, dtype=getattr(mx, dtype)) if dtype else mx.array(value)

    def to_numpy(self, x):
        mx = self._require()
        if x.dtype == mx.bfloat16:  # NumPy has no bfloat16 buffer format: go through the bits
            return bfloat16_from_bits(np.array(x.view(mx.uint16), copy=True))
        return np.array(x, copy=True)

    def block(self, tree):
        # Lazy evaluation: nothing exists until mx.eval (None leaves skipped).
        self._require().eval(*leaves(tree))
        return tree

    def vjp(self, f, args, wrt, cotangent):
        mx = self._require()
        g = with_args(f, args, wrt)
        primals = [args[i] for i in wrt]
        # mx.vjp wants the cotangents up front, shaped like the output. Calling g
        # only builds the (lazy) graph for its shape: nothing is computed.
        shape = g(*primals).shape
        # broadcast_to keeps the seed's bits exactly (no multiplication involved).
        _, grads = mx.vjp(g, primals, [mx.broadcast_to(cotangent, shape)])
        return tuple(grads)

    def jvp(self, f, args, wrt, tangent):
        mx = self._require()
        primal = args[wrt]
        _, tangents = mx.jvp(with_args(f, args, (wrt,)), [primal],
                             [mx.broadcast_to(tangent, primal.shape)])
        return tangents[0]

    def gradient_apis(self):
        """The reverse-mode APIs people write: mx.vjp (explicit cotangent) and
        mx.grad (of the cotangent-weighted sum: grad needs a scalar output)."""
        mx = self._require()

        def grad(f, args, wrt, cotangent):
            g = with_args(f, args, wrt)
            loss = lambda *diff: mx.sum(g(*diff) * cotangent)  # noqa: E731
            out = mx.grad(loss, argnums=list(range(len(wrt))))(*(args[i] for i in wrt))
            return tuple(out) if isinstance(out, (tuple, list)) else (out,)

        return {"mx.vjp": self.vjp, "mx.grad": grad}

    def compile_cache(self) -> str:
        """Timing's cache state, without importing mlx: on the CPU, mx.compile
        writes each fused kernel as C++ and a shared library under
        <tempdir>/mlx/<version>/cpu (measured, 0.32.4) and reuses them."""
        import tempfile

        folder = os.path.join(tempfile.gettempdir(), "mlx", self.version() or "", "cpu")
        return cache_state("mlx kernel cache", folder, files_in(folder))

    def _device_names(self) -> dict:
        """Each device's name from mx.device_info; releases before it (0.29.4 has none)
        record that it is missing, so the adapter starts there too."""
        mx = self._require()
        device_info = getattr(mx, "device_info", None)
        if device_info is None:
            return {"cpu": "unknown: mx.device_info is missing in this release"}
        return {"cpu": str(device_info(mx.cpu).get("device_name", "cpu")),
                **({"gpu": str(device_info(mx.gpu).get("device_name", "gpu"))} if self._gpu_available() else {})}

    def info(self):
        mx = self._require()
        cuda = getattr(mx, "cuda", None)
        return {
            "version": self.version(),
            "mlx_cpu": dist_version("mlx-cpu"),
            "mlx_metal": dist_version("mlx-metal"),
            "default_device": str(mx.default_device()),
            "devices": self._device_names(),
            "metal_available": bool(mx.metal.is_available()),
            "cuda_available": bool(cuda is not None and cuda.is_available()),
            "threads": {"requested": self._threads, "applied": False,
                        "why": "mlx.core exposes no thread-count setting"},
            "env": env_vars(("MLX_DISABLE_COMPILE", "CUDA_VISIBLE_DEVICES")),
        }


ADAPTER = MlxAdapter()
