"""NaN from masking, and the safe ops made against it (issue 11, item 4).

z = x*w + b is a vector (crossgrad/core/vector.py states the truths per element). Each
case has a point where a masked or zero entry makes naive reverse mode multiply
0 by inf or NaN, and a smooth control point.

Truth is the real derivative of the function as written. Where it exists and
the framework returns NaN, the verdict is `invalid`: a finding, not a convention.
- Masks come from the data (x > 0, a padding mask), not from z: then a masked
  entry's function is constant in w and b, its derivative exactly 0. (With a
  mask z > 0 the function jumps at z = 0, from 0 to log(0+) = -inf, and its
  derivative does not exist: NaN there would be no error.)
- The safe ops by their own definition: xlogy(0, y) = 0 and div_no_nan(a, 0) = 0
  for every y and a, mul_no_nan(a, 0) = 0 for every a (TensorFlow's
  multiply_no_nan zeroes where its second argument is 0); so the derivative
  along the argument that stays put is 0, and along the other, where the
  function jumps, undefined.
- The zero vector's norm has the unit ball as its Clarke set: each element of
  the gradient lies in [-1, 1] (its projection; the per-element verdicts check
  that, not the joint norm <= 1).
- b = -inf (a mask added to scores) is no real number: derivatives along it are
  undefined; along w of a masked entry f is constant: 0. With every entry -inf
  logsumexp is -inf and softmax 0/0 on a whole neighbourhood: undefined.
"""
from __future__ import annotations

import math
from fractions import Fraction

from crossgrad.case import UNSIGNED_ZERO, element_point
from crossgrad.case import UNDEFINED, Case, exact, subgradients

ORDER = 120  # after the ties
INF = math.inf


# --- the functions, framework-neutral ---------------------------------------------


def norm_zero(ops, x, w, b):
    return ops.norm(x * w + b)


def euclidean_norm_zero(ops, x, w, b):
    return ops.euclidean_norm(x * w + b)


def logsumexp_masked(ops, x, w, b):
    return ops.logsumexp(x * w + b)


def softmax_masked(ops, x, w, b):
    z = x * w + b
    return ops.sum(ops.softmax(z) * ops.arange_like(z))


def where_log(ops, x, w, b):
    z = x * w + b
    return ops.sum(ops.where(x > 0, ops.log(z), ops.zeros_like(z)))


def where_log_safe(ops, x, w, b):
    """The "double where" fix: the masked entries never reach log."""
    z = x * w + b
    return ops.sum(ops.where(x > 0, ops.log(ops.where(x > 0, z, ops.zeros_like(z) + 1.0)), ops.zeros_like(z)))


def where_div(ops, x, w, b):
    z = x * w + b
    return ops.sum(ops.where(x > 0, ops.divide(x, z), ops.zeros_like(z)))


def where_div_safe(ops, x, w, b):
    z = x * w + b
    return ops.sum(ops.where(x > 0, ops.divide(x, ops.where(x > 0, z, ops.zeros_like(z) + 1.0)), ops.zeros_like(z)))


def xlogy_zero(ops, x, w, b):
    return ops.sum(ops.xlogy(x * w, b))


def div_no_nan_zero(ops, x, w, b):
    return ops.sum(ops.div_no_nan(x * w, b))


def mul_no_nan_zero(ops, x, w, b):
    return ops.sum(ops.mul_no_nan(b, x * w))


def nan_to_num_div(ops, x, w, b):
    return ops.sum(ops.nan_to_num(ops.divide(x, x * w + b)))


# --- points and their truths ---------------------------------------------------------


def _dot(u, v) -> float:
    return math.fsum(a * c for a, c in zip(u, v))


def _masked(values) -> tuple:
    """Exact truths, a masked entry's (softmax weight 0: f ignores it) unsigned."""
    return tuple(exact(v) if p else UNSIGNED_ZERO for v, p in values)


def norm_points() -> tuple:
    x, w, b = (2.0, -1.0), (1.0, 1.0), (-2.0, 1.0)  # z = (0, 0)
    ball = subgradients(-1.0, 1.0)
    zero = element_point("zero", x, w, b, exact(0.0), (ball, ball),
                         subgradients(-math.hypot(*x), math.hypot(*x)), subgradients(-math.sqrt(2), math.sqrt(2)),
                         (UNDEFINED, UNDEFINED))
    # z = (3, 4), norm 5: in exact rationals, each truth rounded once.
    x, w, b = (1.0, -1.0), (3.0, -4.0), (0.0, 0.0)
    z, r = (Fraction(3), Fraction(4)), Fraction(5)
    zx = sum(zi * Fraction(xi) for zi, xi in zip(z, x))
    hx = [(Fraction(x[i]) - z[i] * zx / (r * r)) / r for i in range(2)]  # H x, H = (I - z z^T / r^2) / r
    smooth = element_point("smooth", x, w, b, exact(5.0), tuple(exact(float(zi / r)) for zi in z),
                           exact(float(zx / r)), exact(float(sum(z) / r)),
                           tuple(exact(float(Fraction(x[i]) * hx[i])) for i in range(2)))
    return zero, smooth


def _softmax(z):
    m = max(z)
    e = [math.exp(v - m) for v in z]
    return [v / math.fsum(e) for v in e]


def lse_points() -> tuple:
    x, w, b = (3.0, 1.0, 2.0), (1.0, 1.0, 0.5), (-INF, 0.0, 0.0)  # z = (-inf, 1, 1)
    p = _softmax((-INF, 1.0, 1.0))  # (0, 1/2, 1/2)
    hx = [p[i] * x[i] - p[i] * _dot(p, x) for i in range(3)]  # H = diag(p) - p p^T
    partial = element_point("partial", x, w, b, exact(1.0 + math.log(2.0)), _masked(zip(p, p)),
                            exact(_dot(p, x)), UNDEFINED, _masked((x[i] * hx[i], p[i]) for i in range(3)),
                            db=(UNDEFINED, exact(p[1]), exact(p[2])))
    masked = _all_masked(exact(-INF))
    return partial, masked


def _all_masked(value):
    x, w, b = (3.0, 1.0, 2.0), (1.0, 1.0, 0.5), (-INF, -INF, -INF)
    return element_point("all_masked", x, w, b, value, (UNDEFINED,) * 3, UNDEFINED, UNDEFINED, (UNDEFINED,) * 3)


def softmax_points() -> tuple:
    """f = sum_i c_i p_i, c = (1, 2, 3): df/dz_i = p_i (c_i - f), and
    d2f/dz_i dz_j = (p_i d_ij - p_i p_j)(c_i - f) - p_i df/dz_j."""
    x, w, b = (3.0, 1.0, 2.0), (1.0, 1.0, 0.5), (-INF, 0.0, 1.0)  # z = (-inf, 1, 2)
    p, c = _softmax((-INF, 1.0, 2.0)), (1.0, 2.0, 3.0)
    f = _dot(p, c)
    g = [p[i] * (c[i] - f) for i in range(3)]
    h = [[(p[i] * (i == j) - p[i] * p[j]) * (c[i] - f) - p[i] * g[j] for j in range(3)] for i in range(3)]
    partial = element_point("partial", x, w, b, exact(f), _masked(zip(g, p)), exact(_dot(g, x)),
                            UNDEFINED, _masked((x[i] * _dot(h[i], x), p[i]) for i in range(3)),
                            db=(UNDEFINED, exact(g[1]), exact(g[2])))
    return partial, _all_masked(UNDEFINED)


# Padding: x = (2, -1) masks entry 1, where z = 0 (log and 1/z blow up there).
PADDED = ((2.0, -1.0), (1.5, 1.0), (-1.0, 1.0))  # z = (2, 0)
UNPADDED = ((2.0, 1.0), (1.5, 1.0), (-1.0, 1.0))  # z = (2, 2), nothing masked


def masked_points(value, d1, d2) -> tuple:
    """f = sum over unmasked i of g(z_i): value(z), d1(z, x), d2(z, x) per entry."""
    out = []
    for name, (x, w, b) in (("padded", PADDED), ("unpadded", UNPADDED)):
        z = tuple(xi * wi + bi for xi, wi, bi in zip(x, w, b))
        keep = [xi > 0 for xi in x]
        dz = tuple(exact(d1(zi, xi)) if k else UNSIGNED_ZERO for zi, xi, k in zip(z, x, keep))
        second = tuple(exact(xi * d2(zi, xi) * xi) if k else UNSIGNED_ZERO for zi, xi, k in zip(z, x, keep))
        total = math.fsum(value(zi, xi) for zi, xi, k in zip(z, x, keep) if k)
        out.append(element_point(name, x, w, b, exact(total), dz, exact(_dot([t.value for t in dz], x)),
                                 exact(math.fsum(t.value for t in dz)), second))
    return tuple(out)


def log_points() -> tuple:
    return masked_points(lambda z, x: math.log(z), lambda z, x: 1.0 / z, lambda z, x: -1.0 / (z * z))


def div_points() -> tuple:
    return masked_points(lambda z, x: x / z, lambda z, x: -x / (z * z), lambda z, x: 2.0 * x / (z * z * z))


def xlogy_points() -> tuple:
    """xlogy(a, b), a = x*w: entry 0 at (0, 0), entry 1 at (4, 4)."""
    x, w, b = (1.0, 2.0), (0.0, 2.0), (0.0, 4.0)
    return (element_point("zero", x, w, b, exact(4.0 * math.log(4.0)), (UNDEFINED, exact(math.log(4.0))),
                          UNDEFINED, exact(1.0), (UNDEFINED, exact(0.0)), db=(UNSIGNED_ZERO, exact(1.0))),)


def div_no_nan_points() -> tuple:
    """div_no_nan(a, b), a = x*w: entry 0 at (3, 0), entry 1 at (3, 2)."""
    x, w, b = (1.0, 3.0), (3.0, 1.0), (0.0, 2.0)
    return (element_point("zero", x, w, b, exact(1.5), (UNSIGNED_ZERO, exact(0.5)), exact(1.5), UNDEFINED,
                          (UNSIGNED_ZERO, UNSIGNED_ZERO), db=(UNDEFINED, exact(-0.75))),)


def mul_no_nan_points() -> tuple:
    """mul_no_nan(b, a), a = x*w: entry 0 at (inf, 0), entry 1 at (2, 3)."""
    x, w, b = (1.0, 3.0), (0.0, 1.0), (INF, 2.0)
    return (element_point("zero", x, w, b, exact(6.0), (UNDEFINED, exact(2.0)), UNDEFINED, exact(3.0),
                          (UNDEFINED, UNSIGNED_ZERO), db=(UNSIGNED_ZERO, exact(3.0))),)


def nan_to_num_points() -> tuple:
    """nan_to_num(x / z): entry 0 is 0/0 (x = 0: the function is 0 for every z),
    entry 1 is 2/4."""
    x, w, b = (0.0, 2.0), (1.0, 1.0), (0.0, 2.0)
    return (element_point("zero", x, w, b, exact(0.5), (UNSIGNED_ZERO, exact(-0.125)), exact(-0.25),
                          exact(-0.125), (UNSIGNED_ZERO, exact(0.25))),)


CASES = [
    Case("norm_zero", norm_zero, norm_points(), "norm(z) of a zero vector of length 2 (and a smooth control)"),
    Case("euclidean_norm_zero", euclidean_norm_zero, norm_points(),
         "euclidean_norm(z): TensorFlow's reduce_euclidean_norm beside norm, same points"),
    Case("logsumexp_masked", logsumexp_masked, lse_points(),
         "logsumexp(z) with entries masked to -inf, and with every entry -inf"),
    Case("softmax_masked", softmax_masked, softmax_points(),
         "sum(softmax(z) * [1, 2, 3]) with entries masked to -inf, and with every entry -inf"),
    Case("where_log", where_log, log_points(),
         "sum(where(x > 0, log(z), 0)) at a padded entry with z = 0: the NaN-through-where trap"),
    Case("where_log_safe", where_log_safe, log_points(),
         "sum(where(x > 0, log(where(x > 0, z, 1)), 0)): the double-where fix of where_log"),
    Case("where_div", where_div, div_points(),
         "sum(where(x > 0, x / z, 0)) at a padded entry with z = 0"),
    Case("where_div_safe", where_div_safe, div_points(),
         "sum(where(x > 0, x / where(x > 0, z, 1), 0)): the double-where fix of where_div"),
    Case("xlogy_zero", xlogy_zero, xlogy_points(), "sum(xlogy(x*w, b)) with an entry at xlogy(0, 0)"),
    Case("div_no_nan_zero", div_no_nan_zero, div_no_nan_points(),
         "sum(div_no_nan(x*w, b)) with an entry at div_no_nan(3, 0)"),
    Case("mul_no_nan_zero", mul_no_nan_zero, mul_no_nan_points(),
         "sum(mul_no_nan(b, x*w)) with an entry at mul_no_nan(inf, 0)"),
    Case("nan_to_num_div", nan_to_num_div, nan_to_num_points(),
         "sum(nan_to_num(x / z)) with an entry at 0/0"),
]
