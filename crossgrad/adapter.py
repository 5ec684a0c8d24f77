"""The adapter contract: the one place that documents what a framework adapter provides.

An adapter is any object with the attributes and methods of `Adapter` below
(a structural `typing.Protocol`: no base class needed). Adapters live in
`frameworks/<name>_adapter.py` and expose a module attribute `ADAPTER`, or come
from an installed package through the entry point group "crossgrad.frameworks".

Adapter format (a framework is one file):
- `OPS = {op name: template}`: ONE table per framework, a Python expression over
  positional placeholders, e.g. "torch.clamp({0}, min={1})", written with the
  framework's usual aliases (its `namespace()`: torch/F, jax/jnp/lax, tf).
  `ops_from_table(framework, OPS, namespace)` compiles each template once, at
  load(), into the callable `ops.NAME`, and keeps the text as `ops.spelling[NAME]`:
  the value crossgrad records and the repro snippet come from the same string.
  Every name of OP_NAMES has an entry; `None` means the framework has no such
  function: calling `ops.NAME` raises `UnsupportedOp`, and the engine records
  outcome `unsupported` with its message in `detail` (never an error).
- `OLDER = {op name: template}` (optional, one line per op): the spelling for
  older releases that lack the table's (jax 0.4.13's `jnp.clip` has no `min=`).
  At load() each op takes the first of its table and older spellings that this
  release has (`spelled_here`: the callable exists and takes the template's
  keywords); where neither is there, calling `ops.NAME` raises
  `UnavailableSpelling`, recorded as outcome `unavailable` in that release, so a
  history compares conventions, not API renames.
- The adapter exposes that table as `op_table` (readable without load()), its
  alias namespace as `namespace()`, other spellings people write for the same
  function as `aliases = {op: (template, ...)}`, the dtypes it supports as
  `dtypes`, and optionally `gradient_apis()` and `snippets` (repro text).
- Adding an op: its case module, plus its line in OP_SIGNATURES below, plus one
  line in each adapter's OPS.

Rules every adapter follows:
- Importing the adapter module must not import the framework: `load()` does.
- Gradients come only from pure function transforms (torch.func /
  torch.autograd.grad, jax.vjp/jvp, tf.GradientTape / ForwardAccumulator wrapped
  as functions), never `.backward()`, which accumulates hidden state.
- Normalise as little as possible and say what was done: a transform that yields
  no gradient (TensorFlow's None) returns None there, never a silent zero.
- Adapters never time themselves: the harness in crossgrad.timing.harness owns the loop
  and calls `block` inside the timed region.
"""
from __future__ import annotations

import inspect
import re
import string
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np

from crossgrad.core.spelling import call_name

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
DEVICES = ("cpu", "gpu")


class UnsupportedOp(Exception):
    """The framework has no such op ("mlx has no xlogy"): a fact, not a failure.
    The engine records it as outcome `unsupported`, the message in `detail`."""


class UnavailableSpelling(UnsupportedOp):
    """This release of the framework lacks the op's spelling (its table's and any
    older one): outcome `unavailable` in that release, not an error of the op."""

    MARK = "not in this release"


def failed_op_outcome(reason: str) -> str:
    """The outcome of an UnsupportedOp's message (unsupported_reason's): `unavailable`
    for a spelling this release lacks (its mark survives a compiler's wrapping)."""
    return "unavailable" if UnavailableSpelling.MARK in reason else "unsupported"


def unsupported_reason(exc: BaseException) -> str | None:
    """The UnsupportedOp message behind `exc`, also when a compiler re-raised it
    wrapped (as a cause, or, like tf.function, as a new UnsupportedOp whose
    message is a trace ending in the original one); None for another failure."""
    link, seen = exc, set()
    while link is not None and id(link) not in seen:
        if isinstance(link, UnsupportedOp):
            lines = [line.strip() for line in str(link).splitlines() if line.strip()]
            return lines[-1].removeprefix(f"{UnsupportedOp.__name__}: ") if lines else ""
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return None


def placeholder_count(template: str) -> int:
    """How many positional arguments a template takes: "f({0}, {1}.dtype)" -> 2."""
    fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    indices = [int(f.split(".")[0].split("[")[0]) for f in fields]
    return max(indices, default=-1) + 1


def op_from_template(template: str, namespace: dict) -> Callable:
    """The callable a template spells: `lambda a0, a1: <template over a0, a1>`,
    compiled once in `namespace` (the framework's aliases)."""
    params = [f"a{i}" for i in range(placeholder_count(template))]
    return eval(f"lambda {', '.join(params)}: {template.format(*params)}", dict(namespace))


def _absent(framework: str, name: str) -> Callable:
    def absent(*args, **kwargs):
        raise UnsupportedOp(f"{framework} has no {name}")
    absent.__name__ = name
    return absent


def _unavailable(framework: str, name: str, templates: list) -> Callable:
    def unavailable(*args, **kwargs):
        raise UnavailableSpelling(f"{framework} {name}: {' / '.join(templates)} {UnavailableSpelling.MARK}")
    unavailable.__name__ = name
    return unavailable


def spelled_here(template: str, namespace: dict) -> bool:
    """Whether this release has the template's callable and takes its keywords:
    "jnp.clip({0}, min={1})" needs jnp.clip, with a parameter `min` (or **kwargs).
    A callable whose signature Python cannot read (a C function) counts as taking them."""
    head = call_name(template)
    if "{" in head:
        return True  # a method of the argument ("{0}.at[:].set(0.)"): nothing to look up
    target = namespace.get(head.split(".")[0])
    for part in head.split(".")[1:]:
        target = getattr(target, part, None)
    if target is None:
        return False
    try:
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return True
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return True
    names = {p.name for p in params}
    return all(k in names for k in re.findall(r"[(,]\s*([A-Za-z_]\w*)=(?!=)", template.split("(", 1)[-1]))


def first_spelled(framework: str, name: str, templates: list, namespace: dict) -> tuple[Callable, str | None]:
    """(the op, its template) for the first template this release spells; else
    (a callable raising UnavailableSpelling, None)."""
    here = next((t for t in templates if spelled_here(t, namespace)), None)
    if here is None:
        return _unavailable(framework, name, templates), None
    return op_from_template(here, namespace), here


def ops_from_table(framework: str, table: dict, namespace: dict, older: dict | None = None) -> types.SimpleNamespace:
    """An adapter's `ops` from its one table {name: template or None}: each
    template compiled into its callable, `spelling` the templates used, a None
    entry a callable raising UnsupportedOp; `older` (module doc) where this
    release lacks the table's spelling, else a callable raising UnavailableSpelling."""
    ops, spelling = types.SimpleNamespace(), {}
    for name, template in table.items():
        if template is None:
            setattr(ops, name, _absent(framework, name))
            continue
        candidates = [template] + ([older[name]] if older and name in older else [])
        op, here = first_spelled(framework, name, candidates, namespace)
        setattr(ops, name, op)
        if here is not None:
            spelling[name] = here
    ops.spelling = spelling
    return ops


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
    for known in getattr(adapter, "known_differences", ()):
        if known.covers(case, dtype, mode, point) and accuracy in (None, known.accuracy):
            return known.why
    return ""


@runtime_checkable
class Adapter(Protocol):
    """What a framework adapter provides. Arrays are the framework's own type.

    name: short name used on the command line ("torch", "jax", ...).
    modes: subset of MODES this framework supports.
    dtypes: subset of DTYPE_NAMES it supports; asarray/to_numpy carry them bit
    for bit (float16 as np.float16, bfloat16 as ml_dtypes.bfloat16).
    op_table: {op name: template or None} for every name of OP_NAMES.
    aliases: {op name: (template, ...)}: other spellings of the same function.

    Optional: `gradient_apis() -> {label: fn(f, args, wrt, cotangent) -> tuple}`,
    the reverse-mode APIs people write (torch.autograd.grad beside torch.func.vjp);
    without it, callers use {"vjp": adapter.vjp}.
    Optional: `snippets`, the text of repro snippets (see crossgrad.reporting.repro).

    Optional: `notes() -> str`, called after each compiled group of calls, says
    what the compiler did that a reader must know (torch's graph breaks); the
    text lands in the rows' `detail`.

    Optional: `relu_with_derivative_at_zero(value) -> fn`, the framework's relu
    with backprop's relu'(0) set to `value` by its own custom-derivative
    mechanism (torch.autograd.Function, jax.custom_jvp, tf.custom_gradient,
    mx.custom_function), bit-identical to `ops.relu` in value everywhere and in
    gradient away from 0; used by `crossgrad consequence`
    (crossgrad.consequence), which reports a framework without it as failed rows.
    Optional: `network_ops` ({name: template over namespace()}): the calls
    beyond operators that `crossgrad consequence`'s network needs, each of one
    array: log_softmax, sum_rows (over axis 1), mean (of all), count_zeros
    (entries == 0, either sign), argmax_rows (over axis 1).

    Optional facts the tests read (a plug-in declares its own, so it is tested
    like a built-in, with no framework name in the tests):
    `flushes_subnormals` (bool): the framework flushes subnormal inputs and
    results to zero on CPU, so a subnormal z reads as relu's kink;
    `known_differences` (tuple of KnownDifference): where its ops differ from
    the catalogue's truths by the framework's own rule;
    `costly_modes` (tuple of modes): a first call per function costs seconds
    there, too slow for tests that compile one function per random example;
    `import_first` (tuple of module names): modules to import before this
    framework when one process holds both (crossgrad.core.registry.load_adapter).
    """

    name: str
    modes: tuple[str, ...]
    dtypes: tuple[str, ...]
    op_table: dict
    aliases: dict
    install_hint: str  # shown where the framework is missing ("pip install torch")

    def version(self) -> str | None:
        """Installed version, without importing the framework; None if absent."""

    def load(self, *, threads: int | None = None) -> None:
        """Import and configure the framework (float64 on, TF32 off, thread count)."""

    def namespace(self) -> dict:
        """The names templates use, bound to the framework's modules; after load()."""

    def devices(self) -> tuple[str, ...]:
        """("cpu",) or ("cpu", "gpu"); call after load()."""

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
