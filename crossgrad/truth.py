"""The truth of each recorded quantity, and the verdict of a value against it.

A case states the truth of its op at z = x*w + b (value, d1 = d op/dz,
d2 = d²op/dz²; see crossgrad.case). Every recorded quantity is that truth
pushed through the chain rule of z = x*w + b:

    ad none                          op(z)
    reverse (cotangent seed), w / b  seed * x * d1   /   seed * d1
    forward (tangent seed on w / b)  seed * x * d1   /   seed * d1
    second (d/dw of seed * da/dw)    seed * x * x * d2

computed in float64 as ((d * seed) * x) * x: the sign of an IEEE product does
not depend on the order, and the roundings of an inexact product are what
`close` allows for.

Convention for "exact": a quantity's exact truth is the IEEE-754 product of
those factors (each factor an exact float64), so the sign of a zero follows
IEEE multiplication: seed * x * d1 with d1 = +0.0 and x < 0 is -0.0. A value is
`exact` when it is bit-equal to that product rounded to the computed dtype,
sign of zero included; equal but for the zero's sign is `sign-of-zero`.

A set truth [lo, hi] (the Clarke subdifferential) scales as an interval: a
negative factor swaps its ends. Because z is affine in w and b, the chain rule
holds with equality for these sets (for x != 0). Undefined stays undefined.

Nothing here imports a framework; values are plain Python floats.
"""
from __future__ import annotations

import math

import numpy as np

from crossgrad.case import Point, Truth
from crossgrad.records import parse_float, same_bits

VERDICTS = ("exact", "close", "subgradient", "sign-of-zero", "invalid", "undefined",
            "error", "unsupported")

# Outcomes that carry no value, and the verdict each one gets.
ERROR_OUTCOMES = ("error", "crashed", "timeout")
UNSUPPORTED_OUTCOMES = ("unsupported", "unavailable", "no_gradient")

# Tolerances of `close`, per dtype: (rtol, atol). A value is close when
#     |value - truth| <= rtol * |truth| + atol * scale,
# scale = max(1, |product of the chain-rule factors|) (|seed * x| for d/dw,
# |seed * x * x| for second order; see quantity_scale). rtol allows 32 ulps at
# float32 (2**-18, about 3.8e-6) and 64 ulps at float64 (2**-46, about 1.4e-14): a
# transcendental op (gelu's erf, softplus's log1p(exp)) is accurate to a few
# ulps, and the chain rule multiplies two or three such roundings. atol is 4
# machine epsilons of the op's own O(1) terms, carried through the factors: it
# decides where the truth is small, and there a framework's formula legitimately
# cancels O(1) terms (gelu as z*(1 + erf(z/sqrt 2)) at z = -5, softplus'' as
# sig*(1 - sig) at z = 7), leaving an error of a few eps, not a few ulps of
# the tiny result. Beyond that the value is a different function (JAX's tanh
# gelu, a float32 constant in a float64 op): `invalid`.
TOLERANCES = {
    "float32": (2.0 ** -18, 4 * 2.0 ** -23),
    "float64": (2.0 ** -46, 4 * 2.0 ** -52),
}


def quantity_truth(point: Point, ad: str, wrt: str, seed: float | None, index: int = 0) -> Truth | None:
    """The truth of one recorded quantity at `point`, by the chain rule (module doc);
    of its element `index` at a vector point (element_truth).

    None where the case states no truth for what this quantity needs.
    """
    if point.elements is not None:
        return element_truth(point, ad, wrt, seed, index)
    if ad == "none":
        return point.value
    if seed is None:
        seed = 1.0
    if ad == "second":
        if wrt != "w":
            return None
        truth = _scale(point.d2, (seed, point.x, point.x))
        if truth is not None and truth.kind == "exact" and truth.value == 0.0:
            # d2 = 0 where the op is linear: frameworks return a structural zero
            # (+0.0 everywhere, whatever the seed), not a product, so its sign
            # is no convention worth a verdict; across frameworks it still shows.
            return Truth("exact", value=0.0, signed=False)
        return truth
    if ad not in ("reverse", "forward") or wrt not in ("w", "b"):
        return None
    factors = (seed, point.x) if wrt == "w" else (seed,)
    return _scale(point.d1, factors)


def quantity_scale(point: Point, ad: str, wrt: str, seed: float | None) -> float:
    """max(1, |product of the chain-rule factors|) of a quantity: what multiplies
    the op's own rounding errors (see TOLERANCES). At a vector point the largest
    |x| stands for x, times the length n (a forward or second value sums n terms)."""
    seed = 1.0 if seed is None else seed
    xs = {"second": 2, "none": 0}.get(ad, 1 if wrt == "w" else 0)
    x = max(map(abs, point.x)) * len(point.x) if isinstance(point.x, tuple) else abs(point.x)
    return max(1.0, abs(0.0 if ad == "none" else seed) * x ** xs)


def element_truth(point: Point, ad: str, wrt: str, seed: float | None, index: int) -> Truth | None:
    """A vector point's truth of one element: the case states each quantity per
    element at seed 1 (Point.elements); the seed multiplies it like any chain-rule
    factor. An unsigned exact zero (a sum, a structural zero) stays unsigned."""
    truths = point.elements.get((ad, "" if ad == "none" else wrt)) or ()
    truth = truths[index] if 0 <= index < len(truths) else None
    if ad == "none" or truth is None:
        return truth
    scaled = _scale(truth, (1.0 if seed is None else seed,))
    return Truth("exact", value=scaled.value, signed=False) if truth.kind == "exact" and not truth.signed else scaled


def _scale(truth: Truth | None, factors: tuple[float, ...]) -> Truth | None:
    """truth multiplied by each factor in turn (IEEE for exact, interval for sets)."""
    if truth is None or truth.kind == "undefined":
        return truth
    if truth.kind == "exact":
        value = truth.value
        for f in factors:
            value = value * f  # float64 IEEE product: this fixes the sign of a zero
        return Truth("exact", value=value)
    lo, hi = truth.lo, truth.hi
    for f in factors:
        lo, hi = (lo * f, hi * f) if f >= 0 else (hi * f, lo * f)
    # A set is of real numbers, where -0 is 0: `+ 0.0` writes an end as +0.0
    # ([-1.0, 0.0], not [-1.0, -0.0]), so the text never hints at a signed zero.
    return Truth("set", lo=lo + 0.0, hi=hi + 0.0)


def round_to(value: float, dtype: str) -> float:
    """value rounded to `dtype` (to nearest), back as a Python float."""
    if dtype == "float32":
        with np.errstate(over="ignore"):  # beyond float32's range is inf, as in the dtype
            return float(np.float32(value))
    return float(value)


def verdict(value: float | None, outcome: str, truth: Truth | None, dtype: str,
            scale: float = 1.0) -> str:
    """The verdict of one recorded value (see VERDICTS and issue 3).

    The outcome decides first (error / unsupported need no truth); an ok value
    with no stated truth gets "" (nothing to judge against). `scale` widens the
    absolute tolerance of `close` (quantity_scale; 1 for the op itself).
    """
    if outcome in ERROR_OUTCOMES:
        return "error"
    if outcome in UNSUPPORTED_OUTCOMES:
        return "unsupported"
    if value is None:
        return "error"  # "ok" without a value: the record itself is broken
    if truth is None:
        return ""
    if truth.kind == "undefined" or (truth.kind == "exact" and math.isnan(truth.value)):
        return "undefined"  # no valid value: whatever came back is a convention
    if truth.kind == "set":
        return _verdict_in_set(value, truth, dtype)
    if not truth.signed and value == 0.0 and truth.value == 0.0:
        return "exact"
    return _verdict_exact(value, round_to(truth.value, dtype), dtype, scale)


def _verdict_exact(value: float, want: float, dtype: str, scale: float) -> str:
    if same_bits(value, want):
        return "exact"  # inf == inf also lands here: an infinite truth met exactly
    if value == 0.0 and want == 0.0:
        return "sign-of-zero"  # == is true, the bits are not: only the sign differs
    if not math.isfinite(value) or not math.isfinite(want):
        return "invalid"
    rtol, atol = TOLERANCES.get(dtype, TOLERANCES["float64"])
    return "close" if abs(value - want) <= atol * scale + rtol * abs(want) else "invalid"


def _verdict_in_set(value: float, truth: Truth, dtype: str) -> str:
    if not math.isfinite(value):
        return "invalid"
    lo, hi = round_to(truth.lo, dtype), round_to(truth.hi, dtype)
    # -0.0 and +0.0 are the same real number, so both are members of [lo, hi];
    # a sign difference shows up across frameworks (crossgrad.compare) instead.
    return "subgradient" if lo <= value <= hi else "invalid"


def truth_text(truth: Truth | None) -> str:
    """A truth as CSV text: "-3.0", "[-1.0, 0.0]", "undefined"; "" when unknown."""
    if truth is None:
        return ""
    if truth.kind == "exact":
        return "±0.0" if not truth.signed and truth.value == 0.0 else repr(truth.value)
    if truth.kind == "set":
        return f"[{truth.lo!r}, {truth.hi!r}]"
    return "undefined"


def row_seed(row: dict) -> float | None:
    """The seed of a gradient row: cotangent (reverse, second) or tangent (forward)."""
    text = row.get("tangent") if row.get("ad") == "forward" else row.get("cotangent")
    return as_float(text)


def as_float(value) -> float | None:
    """A row's value as a float: rows hold repr strings, parsed floats or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return parse_float(value)
    return float(value)


def _row_point(row: dict, cases: dict) -> Point | None:
    case = cases.get(row.get("case"))
    if case is None:
        return None
    try:
        return case.point(row.get("point"))
    except KeyError:
        return None


def row_truth(row: dict, cases: dict) -> Truth | None:
    """The truth of one gradient row, or None where its case or point states none."""
    point = _row_point(row, cases)
    if point is None:
        return None
    return quantity_truth(point, row.get("ad", ""), row.get("wrt", ""), row_seed(row), int(row.get("index") or 0))


def annotate(rows: list[dict], cases: dict) -> list[dict]:
    """Fill `truth` and `verdict` of every gradient row in place; returns rows."""
    for row in rows:
        point = _row_point(row, cases)
        truth = row_truth(row, cases)
        scale = 1.0 if point is None else quantity_scale(point, row.get("ad", ""),
                                                         row.get("wrt", ""), row_seed(row))
        row["truth"] = truth_text(truth)
        row["verdict"] = verdict(as_float(row.get("value")), row.get("outcome", ""),
                                 truth, row.get("dtype", "float64"), scale)
    return rows


__all__ = ["quantity_truth", "quantity_scale", "verdict", "truth_text", "annotate", "row_truth", "round_to",
           "as_float", "row_seed", "TOLERANCES", "VERDICTS"]
