"""Signed zeros where the bugs of 2025-2026 were (issue 20): two-argument ops at every
pair of signed zeros, and the one-argument ops whose value's sign IEEE 754 fixes.

Two-argument ops are written f(x*w, b) with x = 1: a = x*w carries one zero
(w = +-0), b the other. Truths:
- maximum(a, b), minimum(a, b): IEEE 754-2019 maximum/minimum order -0 below
  +0, so maximum(-0, +0) = +0 and minimum(-0, +0) = -0 (torch's minimum(-0.0,
  +0.0) gives -0.0 eager and +0.0 under torch.compile on CPU: an open upstream
  bug; the value's zero sign is a convention to the verdicts, the report's
  bitwise comparison of modes shows it). a == b at every point: both pieces
  are active, the gradient is their hull (x*[0, 1] on w, [0, 1] on b).
- atan2(a, b) (C99 Annex F, IEEE 754 atan2): atan2(+-0, +0) = +-0 and
  atan2(+-0, -0) = +-pi, so the sign of a zero decides a value of 3.14: judged
  like any other value. The origin is atan2's singularity: no derivative.
  A `smooth` control at (1, 1): pi/4, d/da = 1/2, d/db = -1/2.
- neg(z) = -z: the sign flips (-(+0) = -0), slope -1 everywhere.
- frac(z) = z - trunc(z): z itself on (-1, 1) (slope 1 at 0), a jump at every
  other integer.
- floor, ceil: IEEE 754 roundToIntegral keeps the sign of a zero (floor(-0) =
  -0) and ceil(-0.5) is -0; both jump at every integer (0 included: floor(-eps)
  is -1), so no derivative there; slope 0 between integers.

Written with the public API only (crossgrad.case).
"""
from __future__ import annotations

import math

from crossgrad.case import Case, Point, element_point, exact, hull_point, undefined

ORDER = 130
ZERO_PAIRS = ((-0.0, -0.0), (-0.0, 0.0), (0.0, -0.0), (0.0, 0.0))
JUMP = undefined("the function jumps here: no slope, finite or set, exists")
ORIGIN = undefined("atan2's singularity at the origin: no derivative exists")


def _pair_name(a: float, b: float) -> str:
    return f"{'neg' if math.copysign(1, a) < 0 else 'pos'}_{'neg' if math.copysign(1, b) < 0 else 'pos'}"


def maximum_zeros(ops, x, w, b):
    return ops.maximum(x * w, b)


def minimum_zeros(ops, x, w, b):
    return ops.minimum(x * w, b)


def atan2_zeros(ops, x, w, b):
    return ops.atan2(x * w, b)


def pair_points(value_of) -> tuple:
    """One point per pair of signed zeros (a = 1*w, b): a tie, both pieces active."""
    return tuple(hull_point(_pair_name(a, b), (1.0,), (a,), (b,), value_of(a, b), [(1.0,), (0.0,)],
                            [(0.0,), (1.0,)]) for a, b in ZERO_PAIRS)


def ieee_maximum(a: float, b: float) -> float:
    """IEEE 754-2019 maximum of two zeros: +0 unless both are -0."""
    return -0.0 if math.copysign(1, a) < 0 and math.copysign(1, b) < 0 else 0.0


def ieee_minimum(a: float, b: float) -> float:
    """IEEE 754-2019 minimum of two zeros: -0 unless both are +0."""
    return 0.0 if math.copysign(1, a) > 0 and math.copysign(1, b) > 0 else -0.0


def atan2_points() -> tuple:
    """math.atan2 is C's: the signed-zero values of the module doc."""
    zeros = tuple(element_point(_pair_name(a, b), (1.0,), (a,), (b,), exact(math.atan2(a, b)), (ORIGIN,),
                                ORIGIN, ORIGIN, (ORIGIN,), db=(ORIGIN,)) for a, b in ZERO_PAIRS)
    # (a, b) = (1, 1): d/da = b/(a^2+b^2), d/db = -a/(a^2+b^2), d2/da2 = -2ab/(a^2+b^2)^2.
    smooth = element_point("smooth", (1.0,), (1.0,), (1.0,), exact(math.pi / 4), (exact(0.5),),
                           exact(0.5), exact(-0.5), (exact(-0.5),), db=(exact(-0.5),))
    return zeros + (smooth,)


# --- one-argument ops at signed zeros: truth at any z ------------------------------------

# z = x*w + b: -0 from 1*(-0) + (-0) and from (-1)*(+0) + (-0) (the chain factor x < 0), +0 from 1*0 + 0.
ZEROS = (("zero_neg", 1.0, -0.0, -0.0), ("zero_neg_xneg", -1.0, 0.0, -0.0), ("zero_pos", 1.0, 0.0, 0.0))
HALVES = (("neg_half", 1.0, -1.0, 0.5), ("half", 1.0, 1.0, -0.5), ("neg_two_half", -1.0, 2.0, -0.5))  # z = -0.5, 0.5, -2.5
# The catalogue's standard points (cases/_points.py): z = 7, 0 (x < 0), 0 (x > 0), -5.
STANDARD = (("smooth", 3.0, 2.0, 1.0), ("kink", -1.0, 1.0, 1.0), ("kink_xpos", 1.0, 1.0, -1.0),
            ("negative", -3.0, 2.0, 1.0))


def neg(ops, x, w, b):
    return ops.neg(x * w + b)


def frac(ops, x, w, b):
    return ops.frac(x * w + b)


def floor_zeros(ops, x, w, b):
    return ops.floor(x * w + b)


def ceil_zeros(ops, x, w, b):
    return ops.ceil(x * w + b)


def neg_truth(z: float):
    return exact(-z), exact(-1.0), exact(0.0)


def frac_truth(z: float):
    """z - trunc(z), of z's sign (C's modf); jumps at every integer but 0."""
    if z == math.trunc(z) and z != 0:
        return exact(math.copysign(0.0, z)), JUMP, JUMP  # modf(-5) is (-0.0, -5.0)
    return exact(math.fmod(z, 1.0)), exact(1.0), exact(0.0)  # fmod(-0.0, 1) is -0.0, as modf's


def floor_truth(z: float):
    if z == math.floor(z):
        return exact(z), JUMP, JUMP  # floor(-0.0) is -0.0: the integer z itself
    return exact(float(math.floor(z))), exact(0.0), exact(0.0)


def ceil_truth(z: float):
    if z == math.ceil(z):
        return exact(z), JUMP, JUMP
    up = float(math.ceil(z))
    # ceil(-0.5) is -0.0: IEEE 754 roundToIntegral keeps z's sign
    return exact(math.copysign(up, z) if up == 0 else up), exact(0.0), exact(0.0)


def scalar_points(truth_at) -> tuple:
    out = []
    for name, x, w, b in STANDARD + ZEROS + HALVES:
        value, d1, d2 = truth_at(x * w + b)
        out.append(Point(name, x, w, b, value=value, d1=d1, d2=d2))
    return tuple(out)


def scalar_case(name: str, fn, truth_at, description: str) -> Case:
    return Case(name, fn, scalar_points(truth_at), description, truth_at=truth_at)


CASES = [
    Case("maximum_zeros", maximum_zeros, pair_points(ieee_maximum),
         "maximum(x*w, b) at every pair of signed zeros (IEEE 754-2019: maximum(-0, +0) = +0)"),
    Case("minimum_zeros", minimum_zeros, pair_points(ieee_minimum),
         "minimum(x*w, b) at every pair of signed zeros (IEEE 754-2019: minimum(-0, +0) = -0)"),
    Case("atan2_zeros", atan2_zeros, atan2_points(),
         "atan2(x*w, b) at every pair of signed zeros: +-0 or +-pi by the zeros' signs"),
    scalar_case("neg", neg, neg_truth, "neg(z) = -z at signed zeros: -(+0) = -0, slope -1"),
    scalar_case("frac", frac, frac_truth, "frac(z) = z - trunc(z): slope 1 at 0, jumps at the other integers"),
    scalar_case("floor_zeros", floor_zeros, floor_truth, "floor(z) at signed zeros (floor(-0) = -0): a jump at 0"),
    scalar_case("ceil_zeros", ceil_zeros, ceil_truth, "ceil(z) at signed zeros (ceil(-0.5) = -0): a jump at 0"),
]
