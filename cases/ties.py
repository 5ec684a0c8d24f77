"""Ties in the selection ops people use (issue 11, item 3).

z = x*w + b is a vector with equal entries; each entry has its own w_i and b_i,
so the gradient shows, element by element, which tied entry got what. Where
the op returns several values (pooling, top-k, element-wise maximum) distinct
downstream weights 1, 2, ... (ops.arange_like) tell its outputs apart too.

Truth (crossgrad/core/vector.py): each op is piecewise linear; at a tie its Clarke
generalized gradient is the convex hull of the gradients of the pieces active
there: `*_vertices` below compute them from z (which entries a tie-break could
select). Any split of the cotangent among the tied entries (even, first, last)
is a valid subgradient; the atlas shows which one each framework picks, and
that full reductions (max), reductions along a dimension (max_axis), windows
(max_pool), top-k and argmax-gathering need not pick alike. Every point has a
`distinct` twin without ties: there every framework must give the one gradient.
"""
from __future__ import annotations

import itertools

from crossgrad.case import hull_point, picks, z_of
from crossgrad.case import Case

ORDER = 110  # after the atlas (100) and its special inputs


# --- the functions, framework-neutral ---------------------------------------------


def max_ties(ops, x, w, b):
    return ops.max(x * w + b)


def max_axis_ties(ops, x, w, b):
    return ops.max_axis(x * w + b)


def min_ties(ops, x, w, b):
    return ops.min(x * w + b)


def min_axis_ties(ops, x, w, b):
    return ops.min_axis(x * w + b)


def argmax_gather_ties(ops, x, w, b):
    return ops.argmax_gather(x * w + b)


def max_pool_ties(ops, x, w, b):
    pooled = ops.max_pool(x * w + b)
    return ops.sum(pooled * ops.arange_like(pooled))


def topk_ties(ops, x, w, b):
    top = ops.topk(x * w + b, 2)
    return ops.sum(top * ops.arange_like(top))


def maximum_ties(ops, x, w, b):
    a = x * w
    return ops.sum(ops.arange_like(a) * ops.maximum(a, b))


def minimum_ties(ops, x, w, b):
    a = x * w
    return ops.sum(ops.arange_like(a) * ops.minimum(a, b))


# --- truth: the gradients of the pieces active at z ---------------------------------


def extreme_vertices(z: tuple, pick=max) -> tuple[float, list]:
    """max (or min) of z and one unit vector per entry attaining it."""
    best = pick(z)
    return best, [picks(len(z), {i: 1.0}) for i, v in enumerate(z) if v == best]


def pool_vertices(z: tuple, window: int = 2) -> tuple[float, list]:
    """sum_k (k+1) * max(window k): any maximiser of each window, weight k+1."""
    windows = [range(k, k + window) for k in range(0, len(z), window)]
    choices = [[i for i in win if z[i] == max(z[j] for j in win)] for win in windows]
    value = sum((k + 1) * max(z[j] for j in win) for k, win in enumerate(windows))
    return float(value), [picks(len(z), {i: k + 1.0 for k, i in enumerate(combo)})
                          for combo in itertools.product(*choices)]


def topk_vertices(z: tuple, k: int = 2) -> tuple[float, list]:
    """sum_j (j+1) * (j-th largest): every ordering of z from largest to smallest
    (ties in any order) selects k entries, position j weighted j+1."""
    orders = [p for p in itertools.permutations(range(len(z)))
              if all(z[p[j]] >= z[p[j + 1]] for j in range(len(z) - 1))]
    vertices = list(dict.fromkeys(picks(len(z), {p[j]: j + 1.0 for j in range(k)}) for p in orders))
    value = sum((j + 1) * sorted(z, reverse=True)[j] for j in range(k))
    return float(value), vertices


def elementwise_vertices(a: tuple, b: tuple, pick=max) -> tuple[float, list, list]:
    """sum_i (i+1) * maximum(a_i, b_i) (or minimum): at a_i == b_i either argument
    may take the weight. Returns the value, the a-part and the b-part of each piece."""
    options = []
    for i, (ai, bi) in enumerate(zip(a, b)):
        chosen = pick(ai, bi)
        options.append([side for side, v in (("a", ai), ("b", bi)) if v == chosen])
    value = sum((i + 1) * pick(ai, bi) for i, (ai, bi) in enumerate(zip(a, b)))
    pieces = list(itertools.product(*options))
    n = len(a)
    a_part = [picks(n, {i: i + 1.0 for i, s in enumerate(p) if s == "a"}) for p in pieces]
    b_part = [picks(n, {i: i + 1.0 for i, s in enumerate(p) if s == "b"}) for p in pieces]
    return float(value), a_part, b_part


# --- points -------------------------------------------------------------------------

# z = (2, 5, 5, 1): entries 1 and 2 tie at the maximum, reached with x = 1 and
# x = -1 (a share's sign shows); entry 3 has x < 0 (its zero gradient is -0.0).
MAX_TIE = ((2.0, 1.0, -1.0, -4.0), (1.0, 3.0, -2.0, -0.25), (0.0, 2.0, 3.0, 0.0))
MAX_DISTINCT = (MAX_TIE[0], MAX_TIE[1], (0.0, 2.0, 2.0, 0.0))  # z = (2, 5, 4, 1)
# z = (2, -1, -1, 4): entries 1 and 2 tie at the minimum.
MIN_TIE = ((2.0, 1.0, -1.0, -4.0), (1.0, -3.0, 2.0, -1.0), (0.0, 2.0, 1.0, 0.0))
MIN_DISTINCT = (MIN_TIE[0], MIN_TIE[1], (0.0, 2.0, 2.0, 0.0))  # z = (2, -1, 0, 4)
# Windows (3, 3), (1, 5), (-2, -2): two tied windows, weights 1 and 3.
POOL_TIE = ((1.0, -2.0, 1.0, 1.0, 2.0, -1.0), (1.0, -1.0, 1.0, 3.0, -1.0, 1.0),
            (2.0, 1.0, 0.0, 2.0, 0.0, -1.0))
POOL_DISTINCT = (POOL_TIE[0], POOL_TIE[1], (2.0, 0.0, 0.0, 2.0, 0.0, 0.0))  # (3, 2), (1, 5), (-2, -1)
# Top-2 of z = (3, 5, 3, 3): the second place is a tie of three; of (5, 5, 1, 0)
# both places are one tie (which gets weight 1, which 2).
TOPK_TIE = ((1.0, 2.0, -1.0, 3.0), (1.0, 2.0, -1.0, 1.0), (2.0, 1.0, 2.0, 0.0))
TOPK_INSIDE = ((1.0, -1.0, 1.0, 2.0), (4.0, -4.0, 1.0, 0.0), (1.0, 1.0, 0.0, 0.0))
TOPK_DISTINCT = (TOPK_TIE[0], TOPK_TIE[1], (2.0, 1.0, 1.0, -1.0))  # z = (3, 5, 2, 2): no tie in the top 2
# maximum(x*w, b) element-wise: x*w = (2, 2, 3) against b = (2, 2, 5): two ties,
# reached with x = 1 and x = -2; the w column is the first argument's share.
ARGS_TIE = ((1.0, -2.0, 3.0), (2.0, -1.0, 1.0), (2.0, 2.0, 5.0))
ARGS_DISTINCT = (ARGS_TIE[0], ARGS_TIE[1], (1.0, 3.0, 5.0))


def reduction_points(tie, distinct, vertices_of, extra=()) -> tuple:
    out = []
    for name, (x, w, b) in (("tie", tie), ("distinct", distinct)) + tuple(extra):
        value, vertices = vertices_of(z_of(x, w, b))
        out.append(hull_point(name, x, w, b, value, vertices))
    return tuple(out)


def elementwise_points(pick) -> tuple:
    out = []
    for name, (x, w, b) in (("tie", ARGS_TIE), ("distinct", ARGS_DISTINCT)):
        a = tuple(xi * wi for xi, wi in zip(x, w))
        value, a_part, b_part = elementwise_vertices(a, b, pick)
        out.append(hull_point(name, x, w, b, value, a_part, b_part))
    return tuple(out)


def _min_vertices(z):
    return extreme_vertices(z, min)


CASES = [
    Case("max_ties", max_ties, reduction_points(MAX_TIE, MAX_DISTINCT, extreme_vertices),
         "max(z): the full reduction over a vector with two equal maxima"),
    Case("max_axis_ties", max_axis_ties, reduction_points(MAX_TIE, MAX_DISTINCT, extreme_vertices),
         "max_axis(z): the same maximum, reduced along dimension 0 (torch.max(z, dim=0), ...)"),
    Case("argmax_gather_ties", argmax_gather_ties, reduction_points(MAX_TIE, MAX_DISTINCT, extreme_vertices),
         "z[argmax(z)]: the maximum picked by its index"),
    Case("min_ties", min_ties, reduction_points(MIN_TIE, MIN_DISTINCT, _min_vertices),
         "min(z): the full reduction over a vector with two equal minima"),
    Case("min_axis_ties", min_axis_ties, reduction_points(MIN_TIE, MIN_DISTINCT, _min_vertices),
         "min_axis(z): the same minimum, reduced along dimension 0"),
    Case("max_pool_ties", max_pool_ties, reduction_points(POOL_TIE, POOL_DISTINCT, pool_vertices),
         "sum(max_pool(z) * [1, 2, 3]): 1-D max pooling, window 2, stride 2, over windows with equal entries"),
    Case("topk_ties", topk_ties, reduction_points(TOPK_TIE, TOPK_DISTINCT, topk_vertices,
                                                  (("tie_inside", TOPK_INSIDE),)),
         "sum(topk(z, 2) * [1, 2]): top-2 values with equal entries, the places weighted apart"),
    Case("maximum_ties", maximum_ties, elementwise_points(max),
         "sum([1, 2, 3] * maximum(x*w, b)): element-wise maximum at ties; the w gradient is "
         "the first argument's share, the b gradient the second's"),
    Case("minimum_ties", minimum_ties, elementwise_points(min),
         "sum([1, 2, 3] * minimum(x*w, b)): element-wise minimum at ties (w: first argument, b: second)"),
]
