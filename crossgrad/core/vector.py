"""Truths of vector points (ties, masks): each recorded quantity per element.

A vector case is f(z), z = x*w + b element-wise (x, w, b of one length n), with
a scalar output. crossgrad records, per point (crossgrad.running.derivatives):

    reverse w / b   the gradient, one element per w_i / b_i: x_i * df/dz_i / df/dz_i
    forward w / b   the tangent seed * ones on w / b: sum_i x_i df/dz_i / sum_i df/dz_i
    second w        d/dw of the w-gradient pulled back from ones (the engine's
                    vjp of vjp): element i is x_i * sum_j H_ij x_j, H = d2f/dz2

all at seed 1 here (crossgrad.judging.truth multiplies by the seed). The sign of a zero
gradient element follows the chain-rule product, as in the atlas: 0 * x_i with
x_i < 0 is -0.0. A forward value is a sum and a second-order zero a structural
zero: their zeros are unsigned.

Two builders:
- `hull_point`: f piecewise linear (max, min, top-k, pooling). At a tie its
  Clarke generalized gradient is the convex hull of the gradients of the pieces
  active there (`vertices`, each a tuple of df/dz_i). The truth of a linear
  functional of the gradient (one element, a forward sum) is the interval of
  its values over the vertices: exact where they all agree. H = 0 on every
  piece; where the vertices' w-gradient sums differ the gradient jumps, so the
  second order of an element in the tie is undefined.
- `element_point`: the case states df/dz_i per element (exact, set or
  undefined) and the forward and second truths, from its own formulas.
"""
from __future__ import annotations

import math

from crossgrad.core.case import UNDEFINED, Point, Truth, exact, subgradients

UNSIGNED_ZERO = Truth("exact", value=0.0, signed=False)


def _interval(values: list[float]) -> Truth:
    """exact when every vertex gives the same bits (sign of zero included), else
    the set [min, max] (a set of reals: both zeros are one)."""
    first = values[0]
    if all(math.copysign(1.0, v) == math.copysign(1.0, first) and v == first for v in values):
        return exact(first)
    return subgradients(min(values) + 0.0, max(values) + 0.0)


def _unsigned(truth: Truth) -> Truth:
    return UNSIGNED_ZERO if truth.kind == "exact" and truth.value == 0.0 else truth


def hull_point(name: str, x: tuple, w: tuple, b: tuple, value: float, vertices: list[tuple],
               b_vertices: list[tuple] | None = None) -> Point:
    """A point of a piecewise-linear f whose active pieces have gradients `vertices`
    (df/dz_i). Where f takes x*w and b apart (maximum(x*w, b)), `vertices` are
    df/d(x*w)_i and `b_vertices` df/db_i, piece by piece."""
    n = len(x)
    b_vertices = vertices if b_vertices is None else b_vertices
    assert all(len(v) == n for v in vertices + b_vertices) and len(w) == len(b) == n, name
    rev_w = tuple(_interval([v[i] * x[i] for v in vertices]) for i in range(n))
    rev_b = tuple(_interval([v[i] for v in b_vertices]) for i in range(n))
    fwd_w = _unsigned(_interval([math.fsum(v[i] * x[i] for i in range(n)) for v in vertices]))
    fwd_b = _unsigned(_interval([math.fsum(v) for v in b_vertices]))
    jumps = fwd_w.kind != "exact"  # the w-gradient's sum differs between pieces
    tied = [len({v[i] for v in vertices}) > 1 for i in range(n)]
    second = tuple(UNDEFINED if jumps and tied[i] else UNSIGNED_ZERO for i in range(n))
    return Point(name, x, w, b, elements={
        ("none", ""): (exact(value),), ("reverse", "w"): rev_w, ("reverse", "b"): rev_b,
        ("forward", "w"): (fwd_w,), ("forward", "b"): (fwd_b,), ("second", "w"): second})


def picks(n: int, weights: dict) -> tuple:
    """A gradient vector of length n: weights[i] at i, +0.0 elsewhere."""
    return tuple(float(weights.get(i, 0.0)) for i in range(n))


def times(truth: Truth, factor: float) -> Truth:
    """truth * factor: an exact value as the IEEE product (the sign of a zero
    follows), a set as an interval, undefined stays undefined."""
    if truth.kind == "exact":
        return Truth("exact", value=truth.value * factor, signed=truth.signed)
    if truth.kind == "set":
        lo, hi = truth.lo * factor, truth.hi * factor
        return subgradients(min(lo, hi) + 0.0, max(lo, hi) + 0.0)
    return truth


def element_point(name: str, x: tuple, w: tuple, b: tuple, value: Truth, dz: tuple,
                  forward_w: Truth, forward_b: Truth, second: tuple, db: tuple | None = None) -> Point:
    """A point whose df/dz_i (`dz`), forward sums and second order the case states.
    Where f takes x*w and b apart (xlogy(x*w, b)), `dz` is df/d(x*w)_i and `db`
    df/db_i; `db` also says where b itself is no real number (-inf: undefined)."""
    db = dz if db is None else db
    assert len(x) == len(w) == len(b) == len(dz) == len(db) == len(second), name
    if any(t.kind == "undefined" for t in dz):
        # The engine's second order differentiates the w-gradient's sum; with an
        # element of it undefined, so is the sum, along every w_i.
        second = (UNDEFINED,) * len(dz)
    return Point(name, x, w, b, elements={
        ("none", ""): (value,), ("reverse", "w"): tuple(times(t, xi) for t, xi in zip(dz, x)),
        ("reverse", "b"): tuple(db), ("forward", "w"): (_unsigned(forward_w),),
        ("forward", "b"): (_unsigned(forward_b),), ("second", "w"): tuple(_unsigned(t) for t in second)})


def z_of(x: tuple, w: tuple, b: tuple) -> tuple:
    return tuple(xi * wi + bi for xi, wi, bi in zip(x, w, b))
