"""Bounds a 16-bit dtype cannot hold (issue 20), and relu written as another function.

hardtanh(z, -0.7, 0.7) (ops.clip_range) and torch's threshold(z, 0.7, 0.0):
0.7 is no bfloat16 (0.69921875) nor float16 (0.7001953125). A framework
rounds a Python-float bound to the input's dtype before it compares and
returns it, so the truth is stated with the bound as the dtype holds it
(per_dtype_points: one point per dtype, the truth of that dtype's z and
bound). A result that is the bound rounded another way (kept in float32, or
rounded to bfloat16 where the dtype is float16) is then a wrong value.
- hardtanh: slope 1 inside, 0 outside; at z = +-bound a kink ([0, 1]).
- threshold: z where z > th, else 0: a jump at th (no derivative there).
threshold is torch's op only (Case.frameworks): the others have none.

relu(-z) + z and (relu(z) + relu(-z) + z) / 2 are relu, written otherwise
(Bolte & Pauwels, NeurIPS 2020): the same function, so the same truth, but
AD's chain rule gives another derivative at 0: 1 for relu(-z) + z
(relu'(0) = 0 on the mirrored piece), 1/2 for the average. Both lie in relu's
Clarke set [0, 1]: `subgradient`, not `invalid`. They are spellings of relu
(Case.variant_of) in every framework: the spelling section compares them with
relu bit for bit, quantity by quantity.

Written with the public API only (crossgrad.case).
"""
from __future__ import annotations

import math

from crossgrad.case import (DTYPES, NAN_RESULT, Case, Point, exact, per_dtype_points, round_to, subgradients,
                            undefined)

ORDER = 140
BOUND = 0.7
KINK = undefined("d1 jumps here, so no second derivative exists")
JUMP = undefined("the function jumps here: no slope, finite or set, exists")


def hardtanh_07(ops, x, w, b):
    return ops.clip_range(x * w + b, -BOUND, BOUND)


def threshold_07(ops, x, w, b):
    return ops.threshold(x * w + b, BOUND, 0.0)


def hardtanh_truth(z: float, dtype: str):
    """clip(z, -bound, bound), the bound as `dtype` holds it."""
    bound = round_to(BOUND, dtype)
    if abs(z) == bound:
        return exact(z), subgradients(0.0, 1.0), KINK
    if abs(z) < bound:
        return exact(z), exact(1.0), exact(0.0)
    return exact(math.copysign(bound, z)), exact(0.0), exact(0.0)


def threshold_truth(z: float, dtype: str):
    """z where z > bound (as `dtype` holds it), else 0; a jump at the bound."""
    bound = round_to(BOUND, dtype)
    if z == bound:
        return exact(0.0), JUMP, JUMP
    return (exact(z), exact(1.0), exact(0.0)) if z > bound else (exact(0.0), exact(0.0), exact(0.0))


# (name, x, w, b): z at the bound (w = 0.7, rounded to each dtype), past it,
# inside, the lower bound, and 0.6995, which float16 and bfloat16 round onto
# or past their bound while float32 and float64 keep it inside.
BOUND_POINTS = (("at_bound", 1.0, BOUND, 0.0), ("past", 1.0, 0.9, 0.0), ("inside", -1.0, 0.5, 0.0),
                ("at_lower", -1.0, BOUND, 0.0), ("near", 1.0, 0.6995, 0.0))


def bound_points(truth_in, names=None) -> tuple:
    return tuple(p for name, x, w, b in BOUND_POINTS if names is None or name in names
                 for p in per_dtype_points(name, x, w, b, truth_in, DTYPES))


# --- relu, written as another function --------------------------------------------------


def relu_mirrored(ops, x, w, b):
    z = x * w + b
    return ops.relu(-z) + z


def relu_average(ops, x, w, b):
    z = x * w + b
    return (ops.relu(z) + (ops.relu(-z) + z)) * 0.5


def relu_truth(z: float):
    """relu's: max(z, 0), slope 1 above 0, 0 below, [0, 1] at 0."""
    if z > 0:
        return exact(z), exact(1.0), exact(0.0)
    if z < 0:
        return exact(0.0), exact(0.0), exact(0.0)
    return exact(0.0), subgradients(0.0, 1.0), KINK


# relu's own points (cases/seed.py, same names and inputs), and z = NaN.
RELU_POINTS = (("smooth", 3.0, 2.0, 1.0), ("kink", -1.0, 1.0, 1.0), ("kink_xpos", 1.0, 1.0, -1.0),
               ("negative", -3.0, 2.0, 1.0), ("zero_neg", 1.0, -0.0, -0.0), ("zero_neg_xneg", -1.0, 0.0, -0.0),
               ("zero_pos", 1.0, 0.0, 0.0))
NAN_INPUT = undefined("the input is NaN: no derivative exists, whatever comes back is a convention")


def relu_points() -> tuple:
    out = [Point(name, x, w, b, *relu_truth(x * w + b)) for name, x, w, b in RELU_POINTS]
    return tuple(out) + (Point("nan", 1.0, 1.0, math.nan, value=NAN_RESULT, d1=NAN_INPUT, d2=NAN_INPUT),)


CASES = [
    Case("hardtanh_07", hardtanh_07, bound_points(hardtanh_truth),
         "hardtanh(z, -0.7, 0.7): bounds no 16-bit dtype holds; the truth uses the bound as each dtype holds it"),
    Case("threshold_07", threshold_07, bound_points(threshold_truth, ("at_bound", "past", "inside", "near")),
         "threshold(z, 0.7, 0): z above 0.7 as the dtype holds it, else 0 (torch's F.threshold)",
         frameworks=("torch",)),
    Case("relu_mirrored", relu_mirrored, relu_points(),
         "relu(-z) + z: relu written as another function; same function, different derivative at 0 (AD gives 1)",
         truth_at=relu_truth, variant_of="relu"),
    Case("relu_average", relu_average, relu_points(),
         "(relu(z) + relu(-z) + z) / 2: the average of both spellings; same function, AD's derivative at 0 is 1/2",
         truth_at=relu_truth, variant_of="relu"),
]
