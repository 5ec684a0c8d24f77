"""Every fact about the floating-point dtypes crossgrad computes in, in one place.

A dtype is named by its NumPy/framework name: "float32", "float64", "bfloat16",
"float16". Anything else is not representable here (no bit width, no rounding,
no tolerance) and the command line refuses it with exit 2, so a value is never
recorded in a dtype the project cannot read back bit for bit.

The NumPy side of bfloat16 is ml_dtypes.bfloat16 (installed with JAX); it is
imported on first use, not at import time. Where ml_dtypes is absent (a history
cell's worker: the framework and NumPy only), crossgrad.core.bfloat16 stands in,
with the same values and bits; a Python float's bfloat16 bits and rounding (round_to,
bits) always go through that stand-in, so the catalogue and a report never import
ml_dtypes' C extension.

Bits are written at the dtype's own width: bfloat16 1.0 is 0x3f80, float16 1.0
is 0x3c00 (not the float64 pattern of the same number).
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from crossgrad.core.bfloat16 import from_bits as from_bfloat16_bits
from crossgrad.core.bfloat16 import has_ml_dtypes, to_bfloat16, to_bits


@dataclass(frozen=True)
class DtypeFacts:
    name: str
    short: str  # suffix of a point that exists only in this dtype ("near_kink_bf16")
    width: int  # bits of storage
    eps: float  # 2**-(significand bits - 1): the gap above 1.0
    smallest_normal: float  # below it (and above 0) a value is subnormal
    rtol: float  # tolerances of the verdict `close`; see TOLERANCES below
    atol: float


# Tolerances of `close` (crossgrad.judging.verdicts.verdict): a value is close when
#     |value - truth| <= rtol * |truth| + atol * scale,
# scale = max(1, |product of the chain-rule factors|) (|seed * x| for d/dw,
# |seed * x * x| for second order; crossgrad.judging.truth.quantity_scale).
# float32 / float64: rtol allows 32 ulps at float32 (2**-18, about 3.8e-6) and
# 64 ulps at float64 (2**-46, about 1.4e-14): a transcendental op (gelu's erf,
# softplus's log1p(exp)) is accurate to a few ulps, and the chain rule multiplies
# two or three such roundings. atol is 4 machine epsilons of the op's own O(1)
# terms, carried through the factors: it decides where the truth is small, and
# there a framework's formula legitimately cancels O(1) terms (gelu as
# z*(1 + erf(z/sqrt 2)) at z = -5, softplus'' as sig*(1 - sig) at z = 7),
# leaving an error of a few eps, not a few ulps of the tiny result. Beyond that
# the value is a different function (JAX's tanh gelu, a float32 constant in a
# float64 op): `invalid`.
# bfloat16 / float16: rtol 2 epsilons (2**-6 = 1.6%, 2**-9 = 0.2%: 2 to 4 ulps,
# as an ulp spans eps/2 to eps relative), atol 4 epsilons as above. With 8 and 11
# significant bits an ulp is already coarse: frameworks compute a 16-bit
# transcendental op in float32 and round once (half an ulp), then the chain rule
# rounds one or two products in the dtype, so an honest value lies within about
# 1.5 ulps; 32 ulps (float32's rtol) would be a 25% error in bfloat16. tanh-gelu
# and erf-gelu differ by less than an ulp of bfloat16 near 1: there they are
# rightly "close", as no bfloat16 program can tell them apart.
_FACTS = (
    DtypeFacts("float32", "f32", 32, 2.0 ** -23, 2.0 ** -126, 2.0 ** -18, 4 * 2.0 ** -23),
    DtypeFacts("float64", "f64", 64, 2.0 ** -52, 2.0 ** -1022, 2.0 ** -46, 4 * 2.0 ** -52),
    DtypeFacts("bfloat16", "bf16", 16, 2.0 ** -7, 2.0 ** -126, 2 * 2.0 ** -7, 4 * 2.0 ** -7),
    DtypeFacts("float16", "f16", 16, 2.0 ** -10, 2.0 ** -14, 2 * 2.0 ** -10, 4 * 2.0 ** -10),
)
FACTS = {f.name: f for f in _FACTS}
NAMES = tuple(FACTS)  # every dtype the project can represent, in report order
TOLERANCES = {f.name: (f.rtol, f.atol) for f in _FACTS}

_UINT = {16: np.uint16, 32: np.uint32, 64: np.uint64}


class UnknownDtype(ValueError):
    """A dtype crossgrad cannot represent; the message lists the ones it can."""


def facts(dtype: str) -> DtypeFacts:
    try:
        return FACTS[dtype]
    except KeyError:
        raise UnknownDtype(f"unknown dtype {dtype!r}; valid: {', '.join(NAMES)}") from None


def numpy_dtype(dtype: str) -> np.dtype:
    """The NumPy dtype of a name; bfloat16 is ml_dtypes.bfloat16."""
    facts(dtype)
    if dtype == "bfloat16":
        import ml_dtypes  # light, but only 16-bit runs need it

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(dtype)


def as_dtype(value, dtype: str) -> np.ndarray:
    """A 0-d array of `dtype`; a value already of that dtype keeps every bit
    (a NaN's sign and payload), a Python float is rounded to nearest (ties to even)."""
    if dtype == "bfloat16" and not has_ml_dtypes():  # a cell's worker: NumPy alone
        return to_bfloat16(value)
    target = numpy_dtype(dtype)
    if dtype == "bfloat16" and np.asarray(value).dtype == np.float64:
        value = _float32_round_to_odd_array(np.asarray(value))
    with np.errstate(over="ignore", invalid="ignore"):  # out of range is inf, as in the dtype
        return np.asarray(value, dtype=target)


def _float32_round_to_odd_array(values: np.ndarray) -> np.ndarray:
    """float64 values in float32, rounded to odd: ml_dtypes converts float64 to
    bfloat16 through float32, two roundings to nearest (1 + 2**-8 + 2**-30 would
    become 1.0, not 1 + 2**-7). Rounding the first step to odd keeps the inexact
    bit, which makes the second rounding to nearest correct (bfloat16 has 16
    fewer significand bits than float32, far more than the 2 this needs)."""
    with np.errstate(over="ignore", invalid="ignore"):
        near = values.astype(np.float32)
        inexact = np.isfinite(values) & (near.astype(np.float64) != values)
        away = np.abs(near.astype(np.float64)) > np.abs(values)
    toward_zero = np.where(away, np.nextafter(near, np.float32(0)), near)
    odd = (toward_zero.view(np.uint32) | np.uint32(1)).view(np.float32)
    return np.where(inexact, odd, near)


def bits(value, dtype: str) -> str:
    """Hex bit pattern of `value` in `dtype`, at the dtype's own width:
    "0x3f80" for bfloat16 1.0, "0x3f800000" for float32 1.0."""
    width = facts(dtype).width
    if dtype == "bfloat16" and (isinstance(value, float) or not has_ml_dtypes()):
        # A Python float (a snippet's NaN input) through NumPy alone: the same bits as
        # ml_dtypes' (crossgrad.core.bfloat16), without importing its C extension (0.66 s)
        # into a report. A framework's own bfloat16 value keeps ml_dtypes' reading.
        return "0x%04x" % int(to_bits(value).reshape(-1)[0])
    pattern = int(as_dtype(value, dtype).view(_UINT[width]))
    return "0x%0*x" % (width // 4, pattern)


def from_bits(text: str, dtype: str) -> float:
    """Inverse of bits: the float a hex pattern of `dtype` stands for."""
    width = facts(dtype).width
    if dtype == "bfloat16" and not has_ml_dtypes():
        return float(from_bfloat16_bits(np.asarray([int(text, 16)], dtype=np.uint16))[0])
    return float(np.asarray(int(text, 16), dtype=_UINT[width]).view(numpy_dtype(dtype)))


_FLOAT32_FINITE_BELOW = 3.4e38  # any float64 below rounds to a finite float32 (max 3.4028235e38)


def round_to(value: float, dtype: str) -> float:
    """value rounded to `dtype` (to nearest, ties to even), back as a Python float."""
    if dtype == "float64":  # the verdicts round ~10^5 truths: the common dtypes skip as_dtype's checks
        return float(value)
    if dtype == "float32" and not abs(float(value)) >= _FLOAT32_FINITE_BELOW:  # NaN too: no overflow
        return float(np.float32(float(value)))
    return _round_other(struct.unpack("<Q", struct.pack("<d", float(value)))[0], dtype)


@lru_cache(maxsize=1 << 16)
def _round_other(pattern: int, dtype: str) -> float:
    """round_to of the float64 whose bit pattern is `pattern` (a cache key that keeps
    -0.0 apart from 0.0 and every NaN payload): a run's truths repeat across its rows."""
    value = struct.unpack("<d", struct.pack("<Q", pattern))[0]
    if dtype == "bfloat16":
        return _bfloat16_round(value)
    return float(as_dtype(value, dtype))


def _bfloat16_round(value: float) -> float:
    """round_to(value, "bfloat16") in NumPy alone (crossgrad.core.bfloat16: float64 to
    float32 rounded to odd, then to nearest, ties to even; a NaN the quiet NaN of its
    sign: ml_dtypes' values, bit for bit). Used even where ml_dtypes is installed: the
    catalogue rounds its bfloat16 points at import, and importing ml_dtypes' C extension
    (0.66 s) for that was most of the time a report spent building the catalogue."""
    return float(from_bfloat16_bits(to_bits(np.asarray([value], dtype=np.float64)))[0])


def representable(value: float, dtype: str) -> bool:
    """Whether `value` survives the trip into `dtype` bit for bit (NaN counts)."""
    back = round_to(value, dtype)
    return (math.isnan(value) and math.isnan(back)) or (
        back == value and math.copysign(1.0, back) == math.copysign(1.0, value))


def is_subnormal(value: float, dtype: str) -> bool:
    return value != 0 and abs(value) < facts(dtype).smallest_normal


def program_z(x: float, w: float, b: float, dtype: str) -> float:
    """z = x*w + b as a program computes it in `dtype`: inputs rounded to the
    dtype, the product rounded, then the sum rounded (no fused multiply-add, no
    wider intermediate). In float64 the product of two values of at most 53
    significant bits is rounded once; the sum is rounded in float64 first, a
    double rounding that can only matter at an exact tie of the narrower dtype."""
    rx, rw, rb = (round_to(v, dtype) for v in (x, w, b))
    with np.errstate(over="ignore", invalid="ignore"):
        product = round_to(rx * rw, dtype)
        return round_to(product + rb, dtype)


# A kernel that does not exist for a dtype: each framework words it its own way.
# These phrases, found in the exception text, make the outcome `unsupported`
# (a fact about the framework) rather than `error` (crossgrad or the run broke).
_UNSUPPORTED_PHRASES = (
    "not implemented for",  # torch: "\"sqrt_vml_cpu\" not implemented for 'BFloat16'"
    "no registered kernel", "could not find device for node",  # TensorFlow: no kernel of that type
    "not supported", "unsupported dtype", "unsupported type", "does not support",  # jax, mlx, others
    "is not registered",  # paddle: "The kernel with key (CPU, ..., float16) of kernel `multiply` is not registered"
)


def unsupported_kernel(message: str, dtype: str) -> bool:
    """Whether an exception text says the op has no kernel for `dtype`.

    Rule: only the 16-bit dtypes get this reading (float32/float64 kernels exist
    in every framework, so there a failure is an `error`), and only when the text
    carries one of the phrases above."""
    if dtype not in ("bfloat16", "float16"):
        return False
    text = message.lower()
    return any(phrase in text for phrase in _UNSUPPORTED_PHRASES)


# A derivative rule the framework lacks for a primitive is a missing capability in
# every dtype (the same message in float32 as in float16), not a kernel failing:
# each marker below, with "not implemented" in the same text, reads `unsupported`.
_MISSING_RULE_MARKERS = (
    "[primitive::jvp]", "[primitive::vjp]",  # mlx: "[Primitive::jvp] Not implemented for Max."
    "differentiation rule for",  # jax: "Differentiation rule for 'name' not implemented"
    "derivative for",  # torch: "the derivative for 'name' is not implemented."
)


def missing_derivative_rule(message: str) -> bool:
    """Whether an exception text says the framework has no derivative rule (jvp or
    vjp) for a primitive: `unsupported` in every dtype, with the message as reason
    (mlx before 0.31.2 had no forward-mode rule for its reductions)."""
    text = message.lower()
    return "not implemented" in text and any(marker in text for marker in _MISSING_RULE_MARKERS)


def missing_dtype_reason(framework: str, dtype: str) -> str:
    """`detail` of the rows of a dtype an adapter does not list in its `dtypes`."""
    return f"{framework} adapter does not support {dtype}"
