"""PaddlePaddle adapter. The contract lives in crossgrad/adapter.py; this module only
says where Paddle needs a choice. paddle is imported by `load()`, never here.

Modes. `eager` is Paddle's dynamic graph (its default). `graph` is
`paddle.jit.to_static(f)`, its default static conversion (SOT, bytecode
translation): it builds a static graph (a PIR program) that Paddle's executor
runs, with no compiler behind it (this wheel is not built with CINN, Paddle's
compiler), so it is TensorFlow's `graph` (tf.function), not `compiled`. Where SOT
meets Python it cannot translate it runs that part eagerly, silently, as
torch.compile does at a graph break.

Transforms. Reverse mode is paddle.grad with an explicit cotangent and
create_graph=True, so a second paddle.grad composes (Paddle's double grad).
Paddle has no forward mode: paddle.incubate.autograd.jvp in the dynamic graph is
a vjp of a vjp, which needs third-order kernels and fails at relu ("The Op
relu_double_grad doesn't have any grad op", measured, 3.3.1): `forward_mode = False`.
"""
from __future__ import annotations

import logging
import os
import warnings

import numpy as np
from crossgrad.adapter import KnownDifference, Snippets, UnsupportedOp, ops_from_table
from crossgrad.adapter_kit import (LazyFramework, bfloat16_from_bits, differences, env_vars, environ_kept, guard_ops,
                                   leaves, reason_in, unsupported_unless)

# The one op table (format: crossgrad/adapter.py), with Paddle's usual aliases
# (paddle, F = paddle.nn.functional); None where Paddle has no such function.
OPS = {
    "relu": "F.relu({0})",
    "maximum": "paddle.maximum({0}, {1})",
    "minimum": "paddle.minimum({0}, {1})",
    "clip": "paddle.clip({0}, min={1})",
    "where": "paddle.where({0}, {1}, {2})",
    "zeros_like": "paddle.zeros_like({0})",
    "abs": "paddle.abs({0})",
    "leaky_relu": "F.leaky_relu({0}, negative_slope={1})",
    "relu6": "F.relu6({0})",
    "hardtanh": "F.hardtanh({0})",  # min=-1, max=1 by default
    "elu": "F.elu({0})",
    "gelu": "F.gelu({0})",  # default approximate=False: the exact erf form
    "gelu_exact": "F.gelu({0}, approximate=False)",
    "softplus": "F.softplus({0})",
    "sqrt": "paddle.sqrt({0})",
    "exp": "paddle.exp({0})",
    "log": "paddle.log({0})",
    "divide": "paddle.divide({0}, {1})",
    "nan_to_num": "paddle.nan_to_num({0})",
    "norm": "paddle.linalg.vector_norm({0})",
    "max": "paddle.max({0})",
    "min": "paddle.min({0})",
    "sum": "paddle.sum({0})",
    "logsumexp": "paddle.logsumexp({0})",
    "max_axis": "paddle.max({0}, axis=0)",
    "min_axis": "paddle.min({0}, axis=0)",
    "max_pool": "F.max_pool1d({0}[None, None], kernel_size=2, stride=2)[0, 0]",  # (N, C, L)
    "topk": "paddle.topk({0}, {1})[0]",
    "argmax_gather": "{0}[paddle.argmax({0})]",
    "softmax": "F.softmax({0}, axis=0)",
    "concat": "paddle.concat([{0}, {1}])",
    "arange_like": "paddle.arange(1, {0}.shape[0] + 1, dtype={0}.dtype)",
    "sign": "paddle.sign({0})",
    "floor": "paddle.floor({0})",
    "ceil": "paddle.ceil({0})",
    "neg": "paddle.neg({0})",
    "frac": "paddle.frac({0})",
    "atan2": "paddle.atan2({0}, {1})",
    "argmax": "paddle.argmax({0})",
    "argmin": "paddle.argmin({0})",
    "clip_range": "F.hardtanh({0}, {1}, {2})",
    "threshold": "F.thresholded_relu({0}, {1}, {2})",  # z if z > th else value
    # The notebook's `z[:] = 0.` as an expression: Paddle's in-place set_value, then z.
    "zero_fill": "{0}.__setitem__(slice(None), 0.) or {0}",
    **dict.fromkeys(("xlogy", "div_no_nan", "mul_no_nan", "euclidean_norm"), None),  # not in Paddle 3.3
}

# Other spellings people write for the same function (the spelling comparison).
ALIASES = {
    "relu": ("paddle.nn.functional.relu({0})", "paddle.clip({0}, min=0.)",
             "paddle.maximum({0}, paddle.zeros_like({0}))", "paddle.where({0} > 0, {0}, paddle.zeros_like({0}))"),
    "max": ("paddle.amax({0})", "{0}.max()"),
    "min": ("paddle.amin({0})", "{0}.min()"),
    "max_axis": ("paddle.amax({0}, axis=0)",),
    "norm": ("paddle.linalg.norm({0})", "paddle.sqrt(paddle.sum({0} ** 2))"),
    "softmax": ("paddle.nn.functional.softmax({0})",),
}

SNIPPETS = Snippets(
    imports="import paddle\nimport paddle.nn.functional as F",
    array="paddle.to_tensor([{value}], dtype='{dtype}')",
    full_like="paddle.full_like({like}, {value})",
    # Every input differentiable, as the adapter makes them (see _differentiable);
    # create_graph=False only where Paddle refuses True (see vjp).
    pullback=("for t in (x, w, b):", "    t.stop_gradient = False",
              "try:",
              "    out = {fn}(x, w, b)",
              "    return paddle.grad([out], [{wrt}], [{cotangent}], create_graph=True, allow_unused=True)[0]",
              "except RuntimeError:  # an op without double grad: Paddle asks for create_graph=False",
              "    out = {fn}(x, w, b)",
              "    return paddle.grad([out], [{wrt}], [{cotangent}], allow_unused=True)[0]"),
    pushforward=("raise NotImplementedError('paddle has no forward mode')",),
    flatten="float(result.reshape([-1])[{index}])",
    wrap={"graph": "paddle.jit.to_static({0})"},
)

# How Paddle says it lacks something: a kernel for a dtype ("... of kernel `sqrt` is
# not registered"), a static double grad ("op 'pd_op.exp_grad' has no grad op"), max
# pooling's double grad ("Pool op grad grad only supports avgpool"), read also in an
# exception's cause (SOT re-raises wrapped): reason_in(exc, _MISSING). And, in eager
# mode with create_graph=True, an op without double grad ("doesn't have any grad op").
_MISSING = ("is not registered", "has no grad op", "only supports avgpool")
_NO_DOUBLE = "doesn't have any grad op"
_QUIET = ("No ccache found", "paddle.grad has unsupported parameter in jit", "Tensor do not have 'place' interface")


def _kernel_gap(name: str):
    """Why op `name` failed where Paddle lacks its kernel for the argument's dtype
    (float16 sqrt on the CPU): a fact, `unsupported`, not a failure. Paddle's
    nan_to_num asserts its dtype in Python (an AssertionError) instead."""
    def reason(exc, args):
        if not isinstance(exc, (RuntimeError, ValueError, AssertionError)):
            return None
        why = reason_in(exc, _MISSING) or (isinstance(exc, AssertionError) and f"dtype {args[0].dtype} refused")
        return why and f"paddle has no {name} for this dtype: {why}"
    return reason


def _graph_gap(f, args, exc: BaseException) -> str | None:
    """Why the static graph failed where Paddle lacks something (None: another
    failure, re-raised): a kernel or double grad its error names; else f's own
    UnsupportedOp or missing kernel, from one eager run of f. SOT loses an exception
    raised in the code it translates: an UnsupportedOp there (an absent op) comes out
    as an unrelated error ("UnboundLocalError: ... '___graph_fn_saved_orig_0'",
    measured, 3.3.1). Values never come from the eager run: it only names why."""
    reason = reason_in(exc, _MISSING)
    if reason is None:
        try:
            f(*args)
        except UnsupportedOp as eager:
            return str(eager)
        except Exception as eager:  # another failure: the graph's error stands
            reason = reason_in(eager, _MISSING)
    return reason and f"paddle cannot run this: {reason}"


class PaddleAdapter(LazyFramework):
    name = "paddle"
    synonyms = ("paddlepaddle", "pd")  # what people also type on the command line
    package = "paddlepaddle"
    install_hint = "pip install paddlepaddle (the CPU build)"
    modes = ("eager", "graph")
    # The CPU build lacks float16 multiply and bfloat16 add (and more): in 16 bits
    # every case is `unsupported`, with Paddle's reason (measured, 3.3.1).
    dtypes = ("float32", "float64", "bfloat16", "float16")
    op_table = OPS
    aliases = ALIASES
    snippets = SNIPPETS
    _threads = None
    _first_order_only = None  # why the last vjp ran without create_graph (see vjp)
    forward_mode = False  # see the module docstring; jvp is never called
    flushes_subnormals = False
    # Each measured (paddle 3.3.1 CPU, eager and graph alike), each an atlas point
    # pinned by cases/expectations.csv; the source that says so is cited in docs/findings.md.
    known_differences = (
        *differences(("relu", "relu~paddle:paddle.nn.functional.relu"), "Paddle's CPU relu is `v > 0 ? v : 0` "
                     "(ReluCPUFunctor): relu(NaN) = 0, the NaN dropped (atlas: relu nan)", points=("nan",)),
        *(KnownDifference(f"{op}_nan", f"paddle.{op} does not return the first NaN's index (NumPy's rule)",
                          points=("nan", "two_nans")) for op in ("argmax", "argmin")),
        *differences(("clamp", "relu~paddle:paddle.clip"), "paddle.clip without max clips at the dtype's largest "
                     "finite value: clip(inf) is that, slope 0 (atlas: {case} inf)", points=("inf", "neg_inf")),
        KnownDifference("hardtanh_07", "F.hardtanh keeps its bounds as float32 attributes: in float64 "
                        "the bound 0.7 is float32's 0.699999988079071", dtype="float64", accuracy=True),
        # p_norm's gradient is |z|^(p-1) / (norm^(p-1) + 1e-12) (vector_norm passes epsilon
        # 1e-12): 0 at a zero vector, and in float64 3 * 7 / (7 + 1e-12) at `smooth`.
        *differences(("norm", "norm_zero", "norm_zero~paddle:paddle.linalg.norm"), "paddle's norm gradient "
                     "divides by norm + 1e-12 (p_norm_grad): float64 d/dw at smooth is 2.9999999999995715, not 3.0",
                     dtype="float64"),
        *differences(("gelu", "gelu_exact"), "Paddle's {case} is 0.5*z*(1 + erf(z/sqrt(2))): at z = -5, 1 + erf "
                     "cancels, and float64 is off in the 11th digit (atlas: {case} negative, value "
                     "-1.4332578593401202e-06 against -1.4332578593959731e-06)", dtype="float64", accuracy=True),
    )
    costly_modes = ("graph",)  # to_static translates and builds a program per function

    def load(self, *, threads: int | None = None) -> None:
        """Quiet Paddle's C++ logs, import it, keep the caller's OMP_NUM_THREADS."""
        if self._module is not None:
            return
        os.environ.setdefault("GLOG_v", "0")
        os.environ.setdefault("GLOG_minloglevel", "2")  # errors only: no INFO/WARNING from C++
        # Paddle's import sets OMP_NUM_THREADS=1 in os.environ when unset, which
        # every later import and subprocess would inherit: put back as it was.
        with warnings.catch_warnings(), environ_kept("OMP_NUM_THREADS"):
            warnings.filterwarnings("ignore", message=_QUIET[0])
            import paddle
        for text in _QUIET[1:]:  # to_static's notes on create_graph etc.: said once, here
            warnings.filterwarnings("ignore", message=text)
        logging.getLogger("paddle").setLevel(logging.ERROR)
        self._module = paddle
        self._threads = threads
        if threads:
            paddle.base.core.set_num_threads(threads)
        paddle.disable_static()
        self._ops = guard_ops(ops_from_table(self.name, OPS, self.namespace()), OPS, _kernel_gap)

    def namespace(self) -> dict:
        paddle = self._require()
        return {"paddle": paddle, "F": paddle.nn.functional}

    def devices(self):
        return ("cpu", "gpu") if self._require().device.is_compiled_with_cuda() else ("cpu",)

    def asarray(self, value, device):
        paddle = self._require()
        array = np.array(value, copy=True)
        place = paddle.CUDAPlace(0) if device == "gpu" else paddle.CPUPlace()
        if array.dtype.name == "bfloat16":  # Paddle keeps bfloat16 as uint16 bits
            return paddle.view(paddle.to_tensor(array.view(np.uint16), place=place), "bfloat16")
        # to_tensor copies, keeping dtype and every bit (the sign of zero too).
        return paddle.to_tensor(array, place=place)

    def to_numpy(self, x):
        array = np.array(x.detach().cpu().numpy(), copy=True)  # bfloat16: its bits, as uint16
        return bfloat16_from_bits(array) if str(x.dtype).endswith("bfloat16") else array

    def block(self, tree):
        if any(not t.place.is_cpu_place() for t in leaves(tree)):
            self._require().device.synchronize()  # GPU kernels run asynchronously
        return tree

    def _differentiable(self, args):
        """Every argument needing a gradient. Eager: a copy (paddle.assign) of each
        that has stop_gradient, so the caller's tensor is untouched and one already
        in a graph (second order) stays in it. Every argument, not just wrt: in the
        static graph, PIR's double grad of multiply fails ("meta_tensor.initialized()")
        when one operand has stop_gradient=True (measured, 3.3.1). Only wrt's
        gradients are returned, so the values do not change."""
        paddle = self._require()
        out = [paddle.assign(a) if a.stop_gradient else a for a in args]
        for a in out:
            a.stop_gradient = False
        return out

    def vjp(self, f, args, wrt, cotangent):
        paddle = self._require()
        full = self._differentiable(args)
        self._first_order_only = None
        out = f(*full)
        if out is None:  # f is itself a gradient Paddle left as None (second order)
            return (None,) * len(wrt)
        if out.stop_gradient and self._first_order_only:  # f is a gradient made without a graph
            raise UnsupportedOp(f"paddle has no double grad here: {self._first_order_only}")
        try:
            return self._grad(out, [full[i] for i in wrt], cotangent, create_graph=True)
        except RuntimeError as exc:
            if _NO_DOUBLE not in str(exc) or not paddle.in_dynamic_mode():
                raise
            # create_graph=True fails at an op that has no double grad (set_value,
            # the notebook's z[:] = 0.) even for the first derivative: Paddle's own
            # advice is create_graph=False, so the first order is still computed.
            self._first_order_only = str(exc).strip().splitlines()[0]
            return self._grad(f(*full), [full[i] for i in wrt], cotangent, create_graph=False)

    def _grad(self, out, inputs, cotangent, create_graph):
        """paddle.grad; broadcast_to keeps the seed's bits. allow_unused: None where
        nothing reaches the output (Paddle's answer). The static graph ignores both
        keywords (to_static warns: silenced in load)."""
        paddle = self._require()
        keywords = dict(create_graph=create_graph, allow_unused=True) if paddle.in_dynamic_mode() else {}
        try:
            return tuple(paddle.grad([out], inputs, [paddle.broadcast_to(cotangent, out.shape)], **keywords))
        except (RuntimeError, ValueError) as exc:
            if (reason := reason_in(exc, _MISSING)) is None:
                raise
            raise UnsupportedOp(f"paddle has no gradient here: {reason}") from exc

    def compile(self, f, mode):
        """The snippet's wrapper (paddle.jit.to_static); a kernel or double grad the
        static graph lacks, raised while it traces, becomes UnsupportedOp (_graph_gap)."""
        compiled = super().compile(f, mode)
        return compiled if compiled is f else unsupported_unless(
            "to_static", compiled, lambda exc, args: _graph_gap(f, args, exc))

    def gradient_apis(self) -> dict:
        return {"paddle.grad": self.vjp}

    def info(self):
        paddle = self._require()
        return {
            "version": self.version(),
            "devices": {"cpu": "cpu"},
            "compiled_with_cuda": bool(paddle.device.is_compiled_with_cuda()),
            "threads": {"requested": self._threads, "applied": bool(self._threads)},
            "env": env_vars(("OMP_NUM_THREADS", "GLOG_v", "GLOG_minloglevel", "CUDA_VISIBLE_DEVICES")),
        }


ADAPTER = PaddleAdapter()
