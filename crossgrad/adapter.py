"""The adapter contract: the one place that defines what a framework adapter provides.

An adapter is any object with the attributes and methods of `Adapter` below
(a structural `typing.Protocol`: no base class needed). Adapters live in
`frameworks/<name>_adapter.py` and expose a module attribute `ADAPTER`, or come
from an installed package through the entry point group "crossgrad.frameworks".
docs/adapters.md is the guide for a framework author (each fact, its default,
the snippet placeholders, the conformance tests: `crossgrad test-adapter NAME`).

Required and optional (crossgrad.core.contract, re-exported here): REQUIRED names
what every adapter has; OPTIONAL maps each optional fact to its default, set once
when the registry registers an adapter (`complete`), so no other module reads a
fact with a default of its own. forward_mode = False / second_order = False
declare a transform the framework lacks: those rows are `unsupported` with the
reason, and the conformance tests skip them.

Adapter format (a framework is one file):
- `OPS = {op name: template}`: ONE table per framework, a Python expression over
  positional placeholders, e.g. "torch.clamp({0}, min={1})", written with the
  framework's usual aliases (its `namespace()`: torch/F, jax/jnp/lax, tf).
  `ops_from_table(framework, OPS, namespace)` (crossgrad.core.op_table) compiles
  each template once, at load(), into the callable `ops.NAME`, and keeps the text
  as `ops.spelling[NAME]`: the value crossgrad records and the repro snippet come
  from the same string. Every name of OP_NAMES has an entry; `None` means the
  framework has no such function: calling `ops.NAME` raises `UnsupportedOp`, and
  the engine records outcome `unsupported` with its message in `detail`.
- `OLDER = {op name: template}` (optional, one line per op): the spelling for
  older releases that lack the table's (jax 0.4.13's `jnp.clip` has no `min=`).
  At load() each op takes the first of its table and older spellings that this
  release has (`spelled_here`); where neither is there, calling `ops.NAME` raises
  `UnavailableSpelling`, recorded as outcome `unavailable` in that release, so a
  history compares conventions, not API renames.
- Adding an op: its case module, plus its line in OP_SIGNATURES below, plus one
  line in each adapter's OPS.

Rules every adapter follows:
- Importing the adapter module must not import the framework: `load()` does
  (crossgrad.adapter_kit.LazyFramework is the skeleton the built-ins share).
- Gradients come only from pure function transforms (torch.func /
  torch.autograd.grad, jax.vjp/jvp, tf.GradientTape / ForwardAccumulator wrapped
  as functions), never `.backward()`, which accumulates hidden state.
- Normalise as little as possible and say what was done: a transform that yields
  no gradient (TensorFlow's None) returns None there, never a silent zero.
- Adapters never time themselves: the harness in crossgrad.timing.harness owns the loop
  and calls `block` inside the timed region.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np

# Re-exported: adapters and plug-ins import these names from crossgrad.adapter.
from crossgrad.core.contract import (OPTIONAL, REQUIRED, ContractError, Fact, complete,  # noqa: F401
                                     declared_absent)
from crossgrad.core.op_table import (UnavailableSpelling, UnsupportedOp, failed_op_outcome,  # noqa: F401
                                     first_spelled, op_from_template, ops_from_table, placeholder_count,
                                     spelled_here, unsupported_reason)

# The catalogue's ops: name -> its parameters. Every adapter's table spells each
# (None where the framework lacks it). Parameters: z, v, a, b are 1-D arrays (v a
# vector reduced or selected over; a, b of one shape); cond a boolean array;
# lo, hi, th, value, slope Python floats; k a Python int. Tests build arguments from these names.
# The spelling of each op is part of the result (relu, maximum(z, 0) and
# where(z > 0, z, 0) differ at 0), so `ops.spelling[name]` gives the framework
# call actually made. Templates are plain Python that, with the adapter's
# `namespace()` (torch/F, jax/jnp/lax, tf), computes exactly what the op
# computes: the callable is compiled from it, and repro snippets are built from it.
OP_SIGNATURES = {
    "relu": "z", "maximum": "a b", "minimum": "a b",
    "clip": "z lo",  # lower bound only
    "where": "cond a b", "zeros_like": "z", "abs": "z", "leaky_relu": "z slope", "relu6": "z",
    "hardtanh": "z",  # bounds -1, 1
    "elu": "z",
    "gelu": "z",  # the framework's default form (JAX: the tanh approximation)
    "gelu_exact": "z",  # the erf form z * Phi(z)
    "softplus": "z", "sqrt": "z", "exp": "z", "log": "z", "divide": "a b",
    "xlogy": "a b", "div_no_nan": "a b", "mul_no_nan": "a b", "nan_to_num": "z",
    "norm": "v",  # Euclidean, -> 0-d
    "euclidean_norm": "v",  # TensorFlow's reduce_euclidean_norm
    "max": "v", "min": "v", "sum": "v", "logsumexp": "v",  # reduce over all, -> 0-d
    "max_axis": "v", "min_axis": "v",  # the framework's reduction along axis/dim 0, -> 0-d
    "max_pool": "v",  # 1-D max pooling, window 2, stride 2
    "topk": "v k",  # values of the k largest
    "argmax_gather": "v",  # v[argmax(v)]
    "softmax": "v", "concat": "a b",
    "arange_like": "v",  # [1., 2., ..., n] in v's dtype and device: distinct downstream weights
    "sign": "z", "floor": "z", "ceil": "z", "neg": "z",
    "frac": "z",  # z - trunc(z), the sign of z's (torch.frac, C's modf)
    "atan2": "a b",  # atan2(a, b), C99/IEEE 754 at signed zeros: atan2(+-0, -0) = +-pi
    "argmax": "v", "argmin": "v",  # an integer index; NumPy's rule: the first NaN's index where v has one
    "clip_range": "z lo hi",  # clip to [lo, hi], Python-float bounds (hardtanh(z, lo, hi))
    "threshold": "z th value",  # z where z > th, else value (torch's F.threshold)
    "zero_fill": "z",  # the notebook's `z[:] = 0.`, in place where the framework allows; returns z
}
OP_NAMES = tuple(OP_SIGNATURES)
INTEGER_OPS = ("argmax", "argmin")  # their result is an integer index, not an array of the input's dtype
DTYPE_NAMES = ("float32", "float64", "bfloat16", "float16")  # what an adapter's `dtypes` may list

MODES = ("eager", "graph", "compiled")
DEVICES = OPTIONAL["device_names"].default  # an adapter's device_names unless it declares its own


@dataclass(frozen=True)
class Snippets:
    """The text crossgrad.reporting.repro needs to write a standalone snippet for one framework.

    Templates use str.format fields: {value}, {dtype} (array), {like}, {value}
    (full_like), {fn}, {wrt}, {cotangent}, {tangent} (pullback, pushforward lines;
    cotangent and tangent are full_like expressions), {index} (flatten), {0} (wrap).
    `wrap` is also what the adapter's compile() runs (LazyFramework.compile compiles
    the same template), so the snippet can never wrap differently from the run.
    """

    imports: str  # "import torch\nimport torch.nn.functional as F"
    array: str  # a 1-element input: "torch.tensor([{value}], dtype=torch.{dtype})"
    full_like: str  # an array like {like} filled with {value}: the seed
    pullback: tuple[str, ...]  # body lines returning d fn(x, w, b)/d wrt pulled back from {cotangent}
    pushforward: tuple[str, ...]  # body lines returning the derivative along {tangent} on {wrt}
    flatten: str  # element {index} of `result` as a Python float
    wrap: dict = field(default_factory=dict)  # mode -> "torch.compile({0}, dynamic=False)"
    preamble: dict = field(default_factory=dict)  # dtype -> lines it needs (JAX's x64 switch)


@dataclass(frozen=True)
class KnownDifference:
    """A measured way a framework's op differs from the case's truth by its own
    rule, kept as atlas points (and pinned bit for bit by cases/expectations.csv).
    The tests excuse exactly this and nothing wider: `dtype`, `mode` and
    `points` narrow it (None / empty: any). `accuracy`: the value is right to a
    lower precision only (a float32 constant inside a float64 op), which the
    consistency test still bounds; the property tests, which sample everywhere,
    leave such a combination out."""

    case: str
    why: str
    dtype: str | None = None
    mode: str | None = None
    points: tuple[str, ...] = ()
    accuracy: bool = False

    def covers(self, case: str, dtype: str, mode: str, point: str | None = None) -> bool:
        """Whether it holds for this combination (at `point`; None: at every point)."""
        return (case == self.case and self.dtype in (None, dtype) and self.mode in (None, mode)
                and (not self.points or (point is not None and point in self.points)))


def known_difference(adapter, case: str, dtype: str, mode: str, point: str | None = None,
                     accuracy: bool | None = None) -> str:
    """Why the adapter's framework differs there by its own rule ("" when it does not);
    `accuracy` False/True keeps only the entries of that kind."""
    for known in adapter.known_differences:
        if known.covers(case, dtype, mode, point) and accuracy in (None, known.accuracy):
            return known.why
    return ""


@runtime_checkable
class Adapter(Protocol):
    """What a framework adapter provides. Arrays are the framework's own type.

    name: short name used on the command line ("torch", "jax", ...).
    modes: subset of MODES this framework supports.
    op_table: {op name: template or None} for every name of OP_NAMES.

    These members are required (REQUIRED; `jvp` unless forward_mode is False).
    The optional facts (OPTIONAL: dtypes, install_hint, aliases, synonyms,
    device_names, forward_mode, second_order, flushes_subnormals,
    known_differences, costly_modes, import_first, snippets, gradient_apis(),
    notes(), compile_cache(), relu_with_derivative_at_zero(),
    network_ops) each have one
    default there, set when the registry registers the adapter; docs/adapters.md
    says what each means. dtypes: the DTYPE_NAMES that asarray/to_numpy carry bit
    for bit (float16 as np.float16, bfloat16 as ml_dtypes.bfloat16).
    A plug-in declares its own facts, so it is tested like a built-in, with no
    framework name in the tests.
    """

    name: str
    modes: tuple[str, ...]
    op_table: dict

    def version(self) -> str | None:
        """Installed version, without importing the framework; None if absent."""

    def load(self, *, threads: int | None = None) -> None:
        """Import and configure the framework (float64 on, TF32 off, thread count)."""

    def namespace(self) -> dict:
        """The names templates use, bound to the framework's modules; after load()."""

    def devices(self) -> tuple[str, ...]:
        """The devices present on this machine, a subset of `device_names` ("cpu" first:
        crossgrad's default, and where the conformance tests run); after load()."""

    @property
    def ops(self) -> Any:
        """Namespace of canonical primitives (OP_NAMES) plus `spelling` dict."""

    def asarray(self, value: np.ndarray, device: str) -> Any:
        """Exact copy of a NumPy array on `device`; dtype and sign of zero kept."""

    def to_numpy(self, x: Any) -> np.ndarray:
        """Exact copy back to NumPy (no rounding, -0.0/nan/inf kept)."""

    def block(self, tree: Any) -> Any:
        """Return `tree` only once every value in it exists (device sync)."""

    def vjp(self, f: Callable, args: tuple, wrt: tuple[int, ...], cotangent: Any) -> tuple:
        """Reverse mode: the gradients of f(*args) w.r.t. args[i] for i in wrt, pulled
        back from `cotangent`, a 0-d array broadcast to f's output shape. An entry is
        None where the framework yields no gradient (never replaced by zeros).
        Must be differentiable again (second order composes two vjp calls)."""

    def jvp(self, f: Callable, args: tuple, wrt: int, tangent: Any) -> Any:
        """Forward mode: derivative of f(*args) along `tangent` (a 0-d array broadcast
        to args[wrt]'s shape) on args[wrt], the other arguments held fixed."""

    def compile(self, f: Callable, mode: str) -> Callable:
        """Wrap the whole (derivative) function for `mode`: eager returns f itself."""

    def info(self) -> dict:
        """Environment facts for env.json (threads, x64/TF32 flags, device names)."""
