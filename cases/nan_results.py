"""Reductions over a vector that holds a NaN (issue 20): the result a standard defines.

max, min and logsumexp of a vector with a NaN entry are NaN: IEEE 754-2019
maximum/minimum and arithmetic propagate NaN, and NumPy's max, min and
scipy's logsumexp return NaN (np.fmax is the NaN-ignoring one). A result that
drops the NaN is `invalid` (crossgrad.judging.verdicts.nan_verdict): TensorFlow's
XLA reduce_max of [7, nan, -2.5, 11, 0.25] returning 11 was an upstream bug.
No standard defines a derivative there: every gradient element is undefined.

argmax and argmin return an integer index: NumPy's (and the array API's)
rule makes NaN the extreme, so the result is the index of the first NaN
(np.argmax([4, 5.5, nan]) is 2). They are value-only cases (wrt=()): an index
has no derivative. The integer is recorded as a float of the case's dtype.

Every case has a `finite` control without NaN, where every framework must agree
with the plain truth.

Written with the public API only (crossgrad.case), as a user's cases file would be.
"""
from __future__ import annotations

import math

from crossgrad.case import NAN_RESULT, UNDEFINED, Case, Point, element_point, exact, hull_point, picks, z_of

ORDER = 120  # after the ties (110)
NAN = math.nan

# z = x*w + b with x = 1: z is w + b, the NaN in b.
REDUCE_NAN = ((1.0,) * 5, (7.0, 1.0, -2.5, 11.0, 0.25), (0.0, NAN, 0.0, 0.0, 0.0))  # [7, nan, -2.5, 11, 0.25]
REDUCE_NAN_FIRST = ((1.0,) * 3, (0.0, 2.0, -3.0), (NAN, 0.0, 0.0))  # [nan, 2, -3]
REDUCE_FINITE = ((1.0, -1.0, 1.0), (7.0, 2.0, 3.0), (0.0, 1.0, 0.5))  # [7, -1, 3.5]
# logsumexp's control, z = [1, -0.5, 0.5]: no weight near 0 or 1, so its curvature
# (the second order) is no cancellation of O(1) terms, even in bfloat16.
LSE_FINITE = ((1.0, -1.0, 1.0), (1.0, 2.0, 0.5), (0.0, 1.5, 0.0))
# argmax / argmin: [4, 5.5, nan] (the TensorFlow example), two NaNs, a control.
ARG_NAN = ((1.0,) * 3, (4.0, 5.5, 0.0), (0.0, 0.0, NAN))
ARG_TWO_NANS = ((1.0,) * 4, (-1.0, 0.0, 9.0, 0.0), (0.0, NAN, 0.0, NAN))  # [-1, nan, 9, nan]: 1
ARG_FINITE = ((1.0,) * 4, (4.0, -5.5, 9.0, -6.0), (0.0, 0.0, 0.0, 0.0))


def max_nan(ops, x, w, b):
    return ops.max(x * w + b)


def min_nan(ops, x, w, b):
    return ops.min(x * w + b)


def logsumexp_nan(ops, x, w, b):
    return ops.logsumexp(x * w + b)


def argmax_nan(ops, x, w, b):
    return ops.argmax(x * w + b)


def argmin_nan(ops, x, w, b):
    return ops.argmin(x * w + b)


def nan_point(name: str, x: tuple, w: tuple, b: tuple) -> Point:
    """Value NaN (the standard's), every derivative undefined."""
    n = len(x)
    return element_point(name, x, w, b, NAN_RESULT, (UNDEFINED,) * n, UNDEFINED, UNDEFINED, (UNDEFINED,) * n)


def extreme_points(pick) -> tuple:
    """The NaN points, and the finite control: its unique extreme takes the whole gradient."""
    z = z_of(*REDUCE_FINITE)
    best = pick(z)
    control = hull_point("finite", *REDUCE_FINITE, best, [picks(len(z), {z.index(best): 1.0})])
    return nan_point("nan", *REDUCE_NAN), nan_point("nan_first", *REDUCE_NAN_FIRST), control


def logsumexp_points() -> tuple:
    """log(sum(exp(z))) at the finite control: df/dz_i = softmax(z)_i; H = diag(s) - s s^T."""
    x, w, b = LSE_FINITE
    z = z_of(x, w, b)
    top = max(z)
    weights = [math.exp(v - top) for v in z]
    total = math.fsum(weights)
    s = [v / total for v in weights]
    value = top + math.log(total)
    hx = [s[i] * x[i] - s[i] * math.fsum(s[j] * x[j] for j in range(len(z))) for i in range(len(z))]
    control = element_point("finite", x, w, b, exact(value), tuple(exact(v) for v in s),
                            exact(math.fsum(si * xi for si, xi in zip(s, x))), exact(1.0),
                            tuple(exact(x[i] * hx[i]) for i in range(len(z))))
    return nan_point("nan", *REDUCE_NAN), nan_point("nan_first", *REDUCE_NAN_FIRST), control


def index_points(pick) -> tuple:
    """argmax / argmin: the first NaN's index, or the finite extreme's."""
    z = z_of(*ARG_FINITE)
    return (Point("nan", *ARG_NAN, value=exact(2.0)), Point("two_nans", *ARG_TWO_NANS, value=exact(1.0)),
            Point("finite", *ARG_FINITE, value=exact(float(z.index(pick(z))))))


CASES = [
    Case("max_nan", max_nan, extreme_points(max),
         "max(z) over a vector with a NaN: NaN (IEEE 754-2019 maximum, NumPy's max)"),
    Case("min_nan", min_nan, extreme_points(min),
         "min(z) over a vector with a NaN: NaN (IEEE 754-2019 minimum, NumPy's min)"),
    Case("logsumexp_nan", logsumexp_nan, logsumexp_points(),
         "logsumexp(z) over a vector with a NaN: NaN (NaN arithmetic propagates; scipy's logsumexp)"),
    Case("argmax_nan", argmax_nan, index_points(max), wrt=(),
         description="argmax(z), an integer index: the first NaN's index where z has one (NumPy's rule)"),
    Case("argmin_nan", argmin_nan, index_points(min), wrt=(),
         description="argmin(z), an integer index: the first NaN's index where z has one (NumPy's rule)"),
]
