"""Special inputs: signed zeros, NaN, ±inf, per-dtype subnormals, and decimal
inputs that land on (or across) the kink only in a narrow dtype.

They are extra points of existing cases, not cases of their own: a point costs
a few calls of an already compiled function, a case costs compilations in every
framework, mode and dtype. `special_points(case name, truth_at)` gives the
points each case gets; cases/seed.py and cases/atlas.py append them.

Truth at each special input (z = x*w + b as the dtype computes it):
- z = -0.0 (zero_neg: 1*(-0.0) + (-0.0); zero_neg_xneg: (-1)*0.0 + (-0.0)) and
  z = +0.0 (zero_pos: 1*0.0 + 0.0): the op's truth at 0. Its value follows IEEE
  754-2019 `maximum`, which orders -0 below +0: relu(-0.0) = max(-0.0, +0.0) is
  +0.0, while an identity piece keeps the sign (hardtanh(-0.0) = -0.0). A
  framework that returns -0.0 for relu(-0.0) gets the verdict sign-of-zero.
  The derivative is the kink's set, whichever zero it is ([0, 1] for relu).
  abs gets these points too: IEEE 754 abs clears the sign bit, abs(-0.0) = +0.0,
  and a framework computing abs as z*sign(z) returns -0.0 (sign-of-zero).
- z = NaN (nan: b = NaN): value NaN, as IEEE arithmetic and IEEE 754-2019
  `maximum` propagate it; except in a program that selects on a comparison
  (where(z > 0, z, 0), the notebook's `if z > 0.`): NaN > 0 is false, so the
  program's value is its else branch, 0, and a framework returning NaN there
  would be wrong (NAN_SELECTS). Every derivative is undefined: there is no
  number to differentiate at, so any value a framework returns is a convention,
  and the report shows which (NaN, 0, or the slope of one branch).
- z = +inf (inf: x = 1, w = inf) and -inf (neg_inf: w = -inf): the op's limit
  and its slope on the outer piece: relu(inf) = inf with slope 1, relu(-inf) = 0
  with slope 0, relu6(inf) = 6 with slope 0, hardtanh(±inf) = ±1 with slope 0.
  inf sits in w, never in x: x is a factor of d/dw (seed * x * d1), and
  inf * 0 would make a NaN truth where the op's slope is 0 (the second order
  x*x*d2 likewise), a truth about the chain rule's arithmetic, not about the op.
"""
from __future__ import annotations

import math

from crossgrad.cases._points import NEAR_KINK, SUBNORMAL, points
from crossgrad.case import Point, exact, undefined

INF = math.inf
ZEROS = (("zero_neg", 1.0, -0.0, -0.0), ("zero_neg_xneg", -1.0, 0.0, -0.0), ("zero_pos", 1.0, 0.0, 0.0))
INFINITIES = (("inf", 1.0, INF, 0.0), ("neg_inf", 1.0, -INF, 0.0))
NAN_POINT = ("nan", 1.0, 1.0, math.nan)
# Cases whose program takes a comparison's else branch at NaN: their value there.
NAN_SELECTS = {"where": 0.0, "relu_python": 0.0}

# relu and the clamp family: every special input.
CLAMP_FAMILY = ("relu", "relu_python", "maximum", "maximum_rev", "clamp", "where", "relu6", "hardtanh")
# Ops with a kink, jump or singularity at z = 0: the near-kink decimal points.
KINKED_AT_ZERO = CLAMP_FAMILY + ("abs", "leaky_relu", "sign", "sqrt", "where_sqrt")
# Signed zeros (ZEROS): the clamp family, and abs, whose value's sign IEEE 754
# fixes (abs(-0) = +0) and which frameworks compute as z*sign(z) (tinygrad: -0.0).
SIGNED_ZERO_CASES = CLAMP_FAMILY + ("abs",)
# Subnormals per dtype (cases/_points.SUBNORMAL): the relu family.
SUBNORMAL_CASES = CLAMP_FAMILY


def special_points(case: str, truth_at) -> tuple[Point, ...]:
    """The special points `case` gets (none for a case not listed above)."""
    extra = ()
    if case in SIGNED_ZERO_CASES:
        extra += ZEROS
    if case in CLAMP_FAMILY:
        extra += INFINITIES
    if case in SUBNORMAL_CASES:
        extra += SUBNORMAL
    if case in KINKED_AT_ZERO:
        extra += NEAR_KINK
    out = points(truth_at, extra=extra, standard=False) if extra else ()
    if case in CLAMP_FAMILY:
        out += (nan_point(case),)
    return out


def nan_point(case: str) -> Point:
    """z = NaN: value NaN (0 where the program selects on z > 0), no derivative
    (module doc). Exists in every dtype."""
    name, x, w, b = NAN_POINT
    value = exact(NAN_SELECTS.get(case, math.nan))
    none = undefined("the input is NaN: no derivative exists, whatever comes back is a convention")
    return Point(name, x, w, b, value=value, d1=none, d2=none)


# Cost (issue 11 item 7): `crossgrad run` and `crossgrad check` compute every case
# in every dtype at every point. `make test`'s consistency tests
# (tests/test_consistency.py) run the additions of issue 11 for a subset only:
# - the special points above: for TEST_SUBSET_CASES, the seed, the hand-written
#   relu, maximum and where (spellings whose signed zeros and NaN handling
#   differ) and gelu (a transcendental op); other cases at their own points;
# - bfloat16 and float16: TEST_SUBSET_CASES in eager (and TensorFlow's graph)
#   mode, and the seed alone in compiled modes (a compilation per task is what
#   costs: 1-2 s per function with a cold inductor cache).
# All of it is still pinned by `crossgrad check`, which CI runs on the whole
# catalogue; CROSSGRAD_FULL=1 runs everything in the tests too.
TEST_SUBSET_CASES = ("relu", "relu_python", "maximum", "where", "gelu")
_ADDED_POINTS = {p[0] for p in ZEROS + INFINITIES + NEAR_KINK + SUBNORMAL[2:]} | {NAN_POINT[0]}


def in_test_subset(case: str, dtype: str, point: str = "", mode: str = "eager") -> bool:
    """Whether `make test`'s consistency tests run this case / dtype / point / mode (see above)."""
    if dtype in ("bfloat16", "float16"):
        return case == "relu" if mode == "compiled" else case in TEST_SUBSET_CASES
    return case in TEST_SUBSET_CASES or point not in _ADDED_POINTS
