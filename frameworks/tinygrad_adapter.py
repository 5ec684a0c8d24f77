"""tinygrad adapter. The contract lives in crossgrad/adapter.py; this module only
says where tinygrad needs a choice. tinygrad is imported by `load()`, never here.

tinygrad is lazy: an op builds a UOp graph, and nothing is computed until a
realize (block) or a read back to NumPy. Its CPU device compiles every kernel
from C with clang (the CC environment variable names another compiler); without
one tinygrad finds "no usable devices", so this adapter reports tinygrad as
unavailable, with the fix, where no compiler is on PATH.

Gradients come from `Tensor.gradient`, a pure transform over the graph (the
output's gradient with respect to given tensors, seeded explicitly), which is
differentiable again: second order composes two of them. tinygrad has no
forward mode (no jvp, no dual numbers): `forward_mode = False`.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
from crossgrad.adapter import KnownDifference, Snippets, ops_from_table
from crossgrad.cases._points import NEAR_KINK  # decimals whose x*w + b rounds to (or across) 0
from crossgrad.adapter_kit import (LazyFramework, Notes, bfloat16_from_bits, cache_state, differences, dist_version,
                                   distinct, eager_once_refused, env_vars, leaves, per_signature, sqlite_rows,
                                   through_backward, with_args)

# The one op table (format: crossgrad/adapter.py): each op's call over its
# positional arguments, as tinygrad code writes it (Tensor methods); None where
# tinygrad has no such function (checked in tinygrad 0.14.0's Tensor).
OPS = {
    "relu": "{0}.relu()",
    "maximum": "{0}.maximum({1})",
    "minimum": "{0}.minimum({1})",
    "clip": "{0}.clip({1})",  # lower bound only (max_=None)
    "where": "{0}.where({1}, {2})",  # cond.where(a, b)
    "zeros_like": "{0}.zeros_like()",
    "abs": "{0}.abs()",
    "leaky_relu": "{0}.leaky_relu({1})",
    "relu6": "{0}.relu6()",
    "hardtanh": "{0}.hardtanh()",
    "elu": "{0}.elu()",
    "gelu": "{0}.gelu()",  # tinygrad's default is approximate="tanh", as jax's
    "gelu_exact": "{0}.gelu(approximate='none')",
    "softplus": "{0}.softplus()",
    "sqrt": "{0}.sqrt()",
    "exp": "{0}.exp()",
    "log": "{0}.log()",
    "divide": "{0}.div({1})",
    "norm": None,  # no vector norm (Tensor.normalize divides by one; it returns no norm)
    "max": "{0}.max()",
    "min": "{0}.min()",
    "sum": "{0}.sum()",
    "logsumexp": "{0}.logsumexp()",
    "max_axis": "{0}.max(axis=0)",
    "min_axis": "{0}.min(axis=0)",
    # max_pool2d pools over the trailing len(kernel_size) dims: one here, of (1, 1, n).
    "max_pool": "{0}[None, None].max_pool2d(kernel_size=(2,), stride=2)[0, 0]",
    "topk": "{0}.topk({1})[0]",  # (values, indices), largest first
    "argmax_gather": "{0}[{0}.argmax()]",
    "softmax": "{0}.softmax()",
    "concat": "{0}.cat({1})",
    # Tensor.arange takes no device: it is made on the default device, the CPU here.
    "arange_like": "Tensor.arange(1, {0}.shape[0] + 1, dtype={0}.dtype)",
    "sign": "{0}.sign()",
    "floor": "{0}.floor()",
    "ceil": "{0}.ceil()",
    "neg": "{0}.neg()",
    "frac": None,  # no frac or modf (z - z.trunc() is a spelling, not an op)
    "atan2": None,  # atan only
    "argmax": "{0}.argmax()",
    "argmin": "{0}.argmin()",
    "clip_range": "{0}.clip({1}, {2})",
    # The notebook's `z[:] = 0.` as an expression: tinygrad's __setitem__ on a
    # computed tensor replaces its graph node, which Tensor.gradient sees.
    "zero_fill": "{0}.__setitem__(slice(None), 0.) or {0}",
    **dict.fromkeys(("xlogy", "div_no_nan", "mul_no_nan", "nan_to_num", "euclidean_norm", "threshold"), None),
}

# Other spellings people write for the same function (the spelling comparison).
ALIASES = {
    "relu": ("{0}.maximum(0.)", "{0}.clip(0.)", "Tensor.where({0} > 0, {0}, 0.)"),
    "maximum": ("Tensor.where({0} > {1}, {0}, {1})",),
    "minimum": ("Tensor.where({0} < {1}, {0}, {1})",),
    "clip": ("{0}.maximum({1})",),
    "max_pool": ("{0}.reshape(-1, 2).max(axis=1)",),
    "gelu_exact": ("{0} * 0.5 * (1.0 + ({0} / 2 ** 0.5).erf())",),
}

# TinyJit's first call runs the function eagerly (nothing captured); the second
# captures its kernels and runs the captured plan; later calls replay the plan.
# A fresh JIT is therefore called twice, so every value "compiled" reports comes
# from the captured plan, never from the eager first call; after that, one call
# (one replay) per call, which is what the timing harness times.
_JIT_WRAP = "(lambda jit: lambda *args: jit(*args) if jit.cnt else (jit(*args), jit(*args))[1])(TinyJit({0}))"

SNIPPETS = Snippets(
    imports="from tinygrad import Tensor, TinyJit, dtypes",
    array="Tensor([{value}], dtype=dtypes.{dtype})",
    full_like="{like}.full_like({value})",
    pullback=("out = {fn}(x, w, b)", "return out.gradient({wrt}, gradient={cotangent})[0]"),
    pushforward=("raise NotImplementedError('tinygrad has no forward mode')",),
    flatten="result.reshape(-1)[{index}].item()",
    wrap={"compiled": _JIT_WRAP},
)

# How to get the compiler tinygrad's CPU device runs (shown where it is missing).
COMPILER_FIX = "install clang: apt-get install clang (Debian/Ubuntu), or set CC to a clang binary"


def compiler() -> str | None:
    """The C compiler tinygrad's CPU device would run (CC, else clang), found on
    PATH; None where there is none. Reads the environment only: no import."""
    return shutil.which(os.environ.get("CC") or "clang")


class TinygradAdapter(LazyFramework):
    name = "tinygrad"
    synonyms = ("tg",)  # what people also type on the command line
    package = "tinygrad"
    modes = ("eager", "compiled")
    dtypes = ("float32", "float64", "bfloat16", "float16")
    op_table = OPS
    aliases = ALIASES
    snippets = SNIPPETS
    forward_mode = False  # tinygrad has Tensor.gradient (reverse mode) only
    second_order = True  # Tensor.gradient's result is differentiable again
    flushes_subnormals = False
    # Each measured (crossgrad check, tinygrad 0.14.0) and read in tinygrad's source
    # (tinygrad/mixin/elementwise.py); docs/findings.md has the rows.
    known_differences = (
        KnownDifference("gelu", "Tensor.gelu defaults to approximate='tanh', the tanh form, not z*Phi(z) "
                        "(atlas: gelu, every point; its float16 second derivative at z = -5 is NaN)"),
        KnownDifference("relu_python", "a Python `if` on a Tensor raises TypeError: tinygrad defines no "
                        "Tensor.__bool__ (atlas: relu_python, outcome error, every mode)"),
        KnownDifference("elu", "Tensor.elu is relu(z) - alpha*relu(1 - exp(z)): at z = 0 both relus sit at "
                        "their kinks and take slope 0, so elu'(0) = 0 where elu has slope 1 (atlas: elu kink)",
                        points=("kink", "kink_xpos")),
        KnownDifference("gelu_exact", "Tensor.erf is sign(z) * (1 - t*P(t)*exp(-z*z)), t = 1/(1 + p*|z|) "
                        "(Abramowitz-Stegun 7.1.26): its slope at 0 goes through sign'(0) = 0, so erf'(0) = 0 "
                        "and gelu_exact's second derivative at 0 is 0, not 2*phi(0) (atlas: gelu_exact kink, second)",
                        points=("kink", "kink_xpos")),
        KnownDifference("gelu_exact", "Tensor.erf is Abramowitz-Stegun 7.1.26 (error 1.5e-7) in every dtype: "
                        "float64 gelu_exact is right to float32's accuracy only", dtype="float64", accuracy=True),
        KnownDifference("relu6", "Tensor.relu6 is relu(z) - relu(z - 6): relu6(inf) = inf - inf = NaN, not 6 "
                        "(atlas: relu6 inf)", points=("inf",)),
        *(KnownDifference(f"{op}_nan", f"Tensor.{op} does not return the first NaN's index (NumPy's rule)",
                          points=("nan", "two_nans")) for op in ("argmax", "argmin")),
        KnownDifference("max_nan", "Tensor.max drops a NaN (tinygrad's test_max_nan is skipped as broken, #862)",
                        points=("nan",)),
        KnownDifference("logsumexp_masked", "Tensor.logsumexp shifts by the max unguarded: over all -inf, "
                        "(-inf) - (-inf) = NaN, where the others give -inf", points=("all_masked",)),
        KnownDifference("min_nan", "Tensor.min (-max(-z)) drops a NaN, as Tensor.max does", points=("nan",)),
        *differences(("sqrt", "where_sqrt", "sign"), "tinygrad fuses z = x*w + b into one C kernel, "
                     "`(val0*val1)+val2`, which clang compiles to a fused multiply-add (one rounding, where the "
                     "catalogue's program rounds twice): at the near-kink decimals z is not the twice-rounded z "
                     "(atlas: {case} near_kink)", points=tuple(p[0] for p in NEAR_KINK)),
    )
    # Not a first-call cost: tinygrad schedules each call's graph in Python (0.1 s a gradient call, seconds
    # under load): too slow for the property tests' 25 examples a case; the atlas and test_consistency cover it.
    costly_modes = ("eager", "compiled")

    @property
    def install_hint(self) -> str:
        """How to make tinygrad usable here: install it, or the compiler it needs."""
        return (dist_version(self.package) and self.unavailable_reason()) or \
            "pip install tinygrad (its CPU device also needs clang)"

    def unavailable_reason(self) -> str | None:
        """Why tinygrad cannot run here (None where it can): not installed, or no compiler."""
        if dist_version(self.package) is None:
            return "tinygrad is not installed (pip install tinygrad)"
        return None if compiler() else \
            f"tinygrad's CPU device needs a C compiler (CC, else clang) and none is on PATH: {COMPILER_FIX}"

    def version(self) -> str | None:
        """None also where tinygrad cannot compute (no C compiler): reported unavailable, with install_hint."""
        return None if self.unavailable_reason() else dist_version(self.package)

    def load(self, *, threads: int | None = None) -> None:
        """tinygrad needs no float64 switch; the CPU device is chosen explicitly."""
        if reason := self.unavailable_reason():
            raise RuntimeError(reason)
        # The CPU device for everything, also ops that take no device (Tensor.arange):
        # tinygrad would otherwise pick the first device it can open (a GPU's).
        os.environ.setdefault("DEV", "CPU")
        import tinygrad

        self._threads, self._notes, self._module = threads, Notes(), tinygrad
        self._ops = ops_from_table(self.name, OPS, self.namespace())
        self._dtype_gaps = {"bfloat16": why} if (why := self._bfloat16_gap()) else {}
        self.dtypes = tuple(d for d in type(self).dtypes if d not in self._dtype_gaps)

    def _bfloat16_gap(self) -> str:
        """Why the CPU device cannot compute in bfloat16 ("" where it can): its kernels
        need a compiler with __bf16 for the target (clang 14 has none on x86: "__bf16
        is not supported on this target"); one tiny kernel tells. The other dtypes
        need nothing beyond the compiler."""
        # The path asarray and to_numpy take (bits in, arithmetic, bits out), compiled
        # afresh: tinygrad's disk cache keys kernels without the compiler, so a kernel
        # another clang built would pass the probe here and the next one fail.
        try:
            with self._module.Context(CACHELEVEL=0):
                self.to_numpy(self.asarray(bfloat16_from_bits(np.array([0x3FC0])), "cpu") * 2)  # 1.5
        except subprocess.CalledProcessError as exc:
            return f"{compiler()} cannot compile tinygrad's bfloat16 kernels here (exit {exc.returncode}: no __bf16)"
        return ""

    def namespace(self) -> dict:
        """The names the templates and the snippets use (SNIPPETS.imports binds them)."""
        tinygrad = self._require()
        return {"Tensor": tinygrad.Tensor, "TinyJit": tinygrad.TinyJit, "dtypes": tinygrad.dtypes}

    def devices(self):
        """The CPU. tinygrad's GPU devices (CUDA, NV, AMD, METAL) each need their own
        driver stack, and none is probed here: "gpu" rows say unavailable."""
        self._require()
        return ("cpu",)

    def asarray(self, value, device):
        tinygrad = self._require()
        array = np.array(value, copy=True)
        # Tensor(0-d ndarray) becomes a constant of the graph (no buffer: TinyJit
        # would bake it in), so every array goes in as a 1-D buffer, then reshaped.
        # NumPy has no bfloat16 buffer format: bfloat16 goes in as its bits.
        bf16 = array.dtype.name == "bfloat16"
        t = tinygrad.Tensor(array.reshape(-1).view(np.uint16) if bf16 else array.reshape(-1), device="CPU")
        return (t.bitcast(tinygrad.dtypes.bfloat16) if bf16 else t).reshape(array.shape).realize()

    def to_numpy(self, x):
        tinygrad = self._require()
        if x.dtype == tinygrad.dtypes.bfloat16:
            return bfloat16_from_bits(x.bitcast(tinygrad.dtypes.uint16).numpy())
        return np.array(x.numpy(), copy=True)

    def block(self, tree):
        # Lazy graphs: realize every tensor in the tree (None leaves skipped).
        tensors = [t for t in leaves(tree) if isinstance(t, self._require().Tensor)]
        if tensors:
            self._module.Tensor.realize(*tensors)
        return tree

    def vjp(self, f, args, wrt, cotangent):
        """Tensor.gradient of the output, seeded with the cotangent broadcast to its
        shape (expand: no arithmetic on the seed's bits). An argument the output
        does not depend on gets tinygrad's own zeros."""
        primals = [args[i] for i in wrt]
        out = with_args(f, args, wrt)(*primals)
        return tuple(out.gradient(*primals, gradient=cotangent.expand(out.shape)))

    def gradient_apis(self) -> dict:
        """Tensor.gradient (a pure transform) and Tensor.backward, as most tinygrad
        code asks for gradients: it fills .grad of every tensor in the graph; the
        arguments' .grad are read, then restored."""
        return {"Tensor.gradient": self.vjp, "Tensor.backward": lambda f, args, wrt, cotangent: through_backward(
            f, args, wrt, lambda out: cotangent.expand(out.shape))}

    def compile(self, f, mode):
        """compiled: one TinyJit per input signature (it refuses other shapes than it
        captured), wrapped by the snippets' template, so snippet and run wrap alike.
        TinyJit refuses one buffer passed twice ("duplicate inputs to JIT": seed and
        one may be one array): a repeat is cloned, bits kept. A function with no kernel
        (a constant: a second derivative 0 everywhere) makes it raise "didn't JIT
        anything!": it runs eagerly from then on, and notes() says so in the rows."""
        if mode == "eager" or mode not in self.modes:
            return super().compile(f, mode)
        Tensor, jit = self._require().Tensor, super().compile  # the template's TinyJit
        note = "TinyJit: no kernel to capture (the result is a constant of the graph), run eagerly"
        refused = lambda exc: "didn't JIT anything" in str(exc)  # noqa: E731
        jitted = per_signature(lambda: eager_once_refused(jit(f, mode), f, refused, lambda: self._notes.add(note)))
        return lambda *args: jitted(*distinct(args, lambda a: id(a.uop.base) if isinstance(a, Tensor) else None,
                                              lambda a: a.clone().realize()))

    def notes(self) -> str:
        """What TinyJit did since the last call that a reader must know."""
        return self._notes.take()

    def compile_cache(self) -> str:
        """Timing's cache state, without importing tinygrad: tinygrad keeps compiled
        kernels in one SQLite file (CACHEDB, else <XDG_CACHE_HOME or ~/.cache>/tinygrad/cache.db)."""
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        path = os.environ.get("CACHEDB") or os.path.join(base, "tinygrad", "cache.db")
        return cache_state("tinygrad kernel cache", path, sqlite_rows(path), "entries", "empty or absent")

    def info(self):
        tinygrad = self._require()
        return {
            "version": self.version(),
            "devices": {"cpu": "CPU"},
            "compiler": compiler(),
            "dtypes_left_out": dict(self._dtype_gaps),
            "threads": {"requested": self._threads, "applied": False,
                        "why": "tinygrad's CPU device exposes no thread-count setting"},
            "default_device": str(tinygrad.Device.DEFAULT),
            "env": env_vars(("CC", "DEV", "CPU_LLVM", "CACHEDB", "CACHELEVEL", "JIT")),
        }


ADAPTER = TinygradAdapter()
