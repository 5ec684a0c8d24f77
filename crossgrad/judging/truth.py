"""The truth of each recorded quantity (the verdicts against it: crossgrad.judging.verdicts).

A case states the truth of its op at z = x*w + b (value, d1 = d op/dz,
d2 = d²op/dz²; see crossgrad.core.case). Every recorded quantity is that truth
pushed through the chain rule of z = x*w + b:

    ad none                          op(z)
    reverse (cotangent seed), w / b  seed * x * d1   /   seed * d1
    forward (tangent seed on w / b)  seed * x * d1   /   seed * d1
    second (d/dw of seed * da/dw)    seed * x * x * d2

computed in float64 as ((d * seed) * x) * x: the sign of an IEEE product does
not depend on the order, and the roundings of an inexact product are what
`close` allows for.

A quantity's exact truth is the IEEE-754 product of those factors (each factor
an exact float64), so the sign of a zero follows IEEE multiplication: seed * x *
d1 with d1 = +0.0 and x < 0 is -0.0. That sign is one convention among others
(a framework may keep the op's +0 whatever the cotangent): the verdicts accept
either sign of a zero truth, and the report measures each framework's rule.
An infinite derivative (sqrt at 0, from its domain's side) is a value like any
other: inf times the chain factors.

A set truth [lo, hi] (the Clarke subdifferential) scales as an interval: a
negative factor swaps its ends. Because z is affine in w and b, the chain rule
holds with equality for these sets (for x != 0). Undefined stays undefined.

Nothing here imports a framework; values are plain Python floats.
"""
from __future__ import annotations

import math

from crossgrad.core.case import Point, Truth
from crossgrad.core.dtypes import TOLERANCES, round_to  # noqa: F401 (crossgrad.judging.verdicts reads them from here)
from crossgrad.core.same_value import parse_value

# Tolerances of `close`, per dtype, (rtol, atol), with their reasons: crossgrad.core.dtypes.
# crossgrad.judging.verdicts applies rtol where the truth is nonzero and atol only where it is exactly 0.


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
            # d2 = 0 where the op is linear: the zero comes out of each framework's
            # own graph for the first derivative, not out of this product, and its
            # sign differs (results/sample: torch and TensorFlow give -0.0 at relu's
            # `negative` point, JAX +0.0), so the truth is unsigned; the report's
            # conventions table and the matrices' bitwise marks still show the sign.
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
    x = point.largest_abs_x * (len(point.x) if isinstance(point.x, tuple) else 1)
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




def truth_text(truth: Truth | None) -> str:
    """A truth as CSV text: "-3.0", "[-1.0, 0.0]", "undefined"; "" when unknown."""
    if truth is None:
        return ""
    if truth.kind == "exact":
        return "±0.0" if not truth.signed and truth.value == 0.0 else repr(truth.value)
    if truth.kind == "set":
        return f"[{truth.lo!r}, {truth.hi!r}]"
    return "undefined"


def truth_fields(truth: Truth | None) -> tuple[str, float, bool | None]:
    """(truth_kind, truth_value, truth_signed) of a truth, as a judged row holds them
    (crossgrad.judging.judge) and as crossgrad.core.run_table types gradients.csv's text:
    kind "" where no truth is stated; value the exact truth (NaN otherwise; 0.0 for a zero
    whose sign is not part of it); signed False only there, where truth_text writes "±0.0",
    None but for an exact truth. Readers take these, never the text back."""
    if truth is None:
        return "", math.nan, None
    if truth.kind != "exact":
        return truth.kind, math.nan, None
    if not truth.signed and truth.value == 0.0:
        return "exact", 0.0, False
    return "exact", truth.value, True


def row_seed(row: dict) -> float | None:
    """The seed of a gradient row: cotangent (reverse, second) or tangent (forward)."""
    text = row.get("tangent") if row.get("ad") == "forward" else row.get("cotangent")
    return parse_value(text)


# The one reading of a value's text under the name judging.judge imports (kept importable):
# an alias, not another parse.
as_float = parse_value


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


def row_point(row: dict, cases: dict) -> Point | None:
    """The case point a gradient row was computed at (None: not in the catalogue)."""
    return _row_point(row, cases)


__all__ = ["quantity_truth", "quantity_scale", "truth_text", "row_truth", "row_point", "round_to",
           "as_float", "truth_fields", "row_seed", "TOLERANCES"]
