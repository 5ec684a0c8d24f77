"""The tie and masking cases (vector points): no framework needed.

Each case is evaluated with a NumPy `ops` namespace in float64; the truths the
cases state (crossgrad/core/vector.py: per element, at seed 1) are checked against the
function itself: the value, and one-sided difference quotients along every w_i
and b_i (reverse), along ones on w and b (forward) and of the w-gradient's sum
(second order). A one-sided quotient of a piecewise-linear function is the
slope of one active piece, so at a tie both quotients must lie in the stated
set, and an exact truth must match both.
"""
from __future__ import annotations

import math
import types

import numpy as np
import pytest

from crossgrad.cases import masking, ties
from crossgrad.case import Truth, exact
from crossgrad.judging.truth import quantity_truth, truth_text


def _max_pool(z):
    return np.max(z.reshape(-1, 2), axis=1)


def _xlogy(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a == 0, 0.0, a * np.log(b))


def _div_no_nan(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, a / b)


def _mul_no_nan(a, b):
    with np.errstate(invalid="ignore"):
        return np.where(b == 0, 0.0, a * b)


def _softmax(z):
    with np.errstate(invalid="ignore"):
        e = np.exp(z - np.max(z))
        return e / np.sum(e)


def _logsumexp(z):
    m = np.max(z)
    if not np.isfinite(m):
        return m
    return m + np.log(np.sum(np.exp(z - m)))


NUMPY_OPS = types.SimpleNamespace(
    max=np.max, min=np.min, max_axis=lambda v: np.max(v, axis=0), min_axis=lambda v: np.min(v, axis=0),
    argmax_gather=lambda v: v[np.argmax(v)], max_pool=_max_pool, topk=lambda v, k: np.sort(v)[::-1][:k],
    sum=np.sum, arange_like=lambda v: np.arange(1.0, v.size + 1.0), maximum=np.maximum, minimum=np.minimum,
    norm=lambda v: np.sqrt(np.sum(v * v)), euclidean_norm=lambda v: np.sqrt(np.sum(v * v)),
    logsumexp=_logsumexp, softmax=_softmax, where=np.where, zeros_like=np.zeros_like,
    log=np.log, divide=np.divide, xlogy=_xlogy, div_no_nan=_div_no_nan, mul_no_nan=_mul_no_nan,
    nan_to_num=np.nan_to_num,
)
CASES = ties.CASES + masking.CASES
ALL = [(c, p) for c in CASES for p in c.points]
IDS = [f"{c.name}-{p.name}" for c, p in ALL]
H = 1e-6  # steps: every z here is O(1); truncation of a smooth quotient ~H, rounding ~1e-10
TOL = 1e-5


def f(case, x, w, b) -> float:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = case.fn(NUMPY_OPS, *(np.array(v, dtype=np.float64) for v in (x, w, b)))
    return float(np.asarray(out).reshape(-1)[0])


def quotients(case, p, direction_w, direction_b, h=H) -> tuple[float, float]:
    """Right and left difference quotients of f along (direction_w, direction_b)."""
    x, w, b = (np.array(v, np.float64) for v in (p.x, p.w, p.b))
    base = f(case, x, w, b)
    right = (f(case, x, w + h * direction_w, b + h * direction_b) - base) / h
    left = (base - f(case, x, w - h * direction_w, b - h * direction_b)) / h
    return right, left


def agrees(value: float, truth: Truth) -> bool:
    if truth.kind == "exact":
        return abs(value - truth.value) <= TOL * (1 + abs(truth.value))
    return truth.lo - TOL <= value <= truth.hi + TOL


@pytest.mark.parametrize("case,p", ALL, ids=IDS)
def test_value_matches_the_function(case, p):
    got, truth = f(case, p.x, p.w, p.b), p.elements[("none", "")][0]
    if truth.kind == "undefined":
        assert math.isnan(got)
    else:
        assert got == truth.value or math.isclose(got, truth.value, rel_tol=1e-12), (got, truth)


@pytest.mark.parametrize("case,p", ALL, ids=IDS)
def test_reverse_truths_match_one_sided_quotients(case, p):
    n, checked = len(p.x), 0
    for wrt in ("w", "b"):
        for i, truth in enumerate(p.elements[("reverse", wrt)]):
            if truth.kind == "undefined":
                continue
            unit = np.eye(n)[i]
            zero = np.zeros(n)
            q = quotients(case, p, unit if wrt == "w" else zero, unit if wrt == "b" else zero)
            assert all(agrees(v, truth) for v in q), f"d/d{wrt}[{i}]: {truth_text(truth)} vs {q}"
            checked += 1
    assert checked or p.name == "all_masked"  # undefined throughout only where every entry is -inf


@pytest.mark.parametrize("case,p", ALL, ids=IDS)
def test_forward_truths_match_quotients_along_ones(case, p):
    n = len(p.x)
    for wrt in ("w", "b"):
        truth = p.elements[("forward", wrt)][0]
        if truth.kind == "undefined":
            continue
        q = quotients(case, p, np.ones(n) if wrt == "w" else np.zeros(n), np.ones(n) if wrt == "b" else np.zeros(n))
        assert all(agrees(v, truth) for v in q), f"forward {wrt}: {truth_text(truth)} vs {q}"


def gradient_sum(case, x, w, b, h=1e-5) -> float:
    """sum_j df/dw_j by central differences: what the engine's second order differentiates."""
    return (f(case, x, w + h, b) - f(case, x, w - h, b)) / (2 * h)


@pytest.mark.parametrize("case,p", ALL, ids=IDS)
def test_second_order_truths_match_quotients_of_the_gradient_sum(case, p):
    x, w, b = (np.array(v, np.float64) for v in (p.x, p.w, p.b))
    for i, truth in enumerate(p.elements[("second", "w")]):
        if truth.kind == "undefined":
            continue
        step = 1e-3 * np.eye(len(x))[i]
        q = (gradient_sum(case, x, w + step, b) - gradient_sum(case, x, w - step, b)) / 2e-3
        assert abs(q - truth.value) <= 1e-4 * (1 + abs(truth.value)), f"second[{i}]: {truth_text(truth)} vs {q}"


def test_a_wrong_tie_split_fails_the_check():
    """The check can fail: at max's tie, the set [0, 1] of entry 1 excludes 2 and
    an exact truth 0 for it disagrees with the right quotient 1."""
    case = next(c for c in ties.CASES if c.name == "max_ties")
    p = case.point("tie")
    q = quotients(case, p, np.eye(4)[1], np.zeros(4))
    assert sorted(q) == pytest.approx([0.0, 1.0], abs=TOL)
    assert not all(agrees(v, exact(0.0)) for v in q)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_tie_case_has_a_tie_and_a_distinct_control(case):
    names = [p.name for p in case.points]
    assert len(names) == len(set(names)) and case.description
    if case in ties.CASES:
        assert {"tie", "distinct"} <= set(names)
        tie, distinct = case.point("tie"), case.point("distinct")
        assert any(t.kind == "set" for t in tie.elements[("reverse", "w")])
        assert all(t.kind == "exact" for t in distinct.elements[("reverse", "w")])


def test_tie_split_sets_follow_the_sign_of_x():
    """max over z = (2, 5, 5, 1): entries 1 and 2 tie, reached with x = 1 and x = -1;
    the untouched entry 3 (x = -4) gets the chain-rule zero -0.0."""
    p = next(c for c in ties.CASES if c.name == "max_ties").point("tie")
    got = [truth_text(quantity_truth(p, "reverse", "w", 1.0, i)) for i in range(4)]
    assert got == ["0.0", "[0.0, 1.0]", "[-1.0, 0.0]", "-0.0"]
    # the seed scales each element: cotangent -1 flips the sets and the zeros' signs
    got = [truth_text(quantity_truth(p, "reverse", "w", -1.0, i)) for i in range(4)]
    assert got == ["-0.0", "[-1.0, 0.0]", "[0.0, 1.0]", "0.0"]
    assert quantity_truth(p, "reverse", "w", 1.0, 4) is None  # no element 4


def test_unsigned_zeros_stay_unsigned_under_the_seed():
    p = next(c for c in masking.CASES if c.name == "where_log_safe").point("padded")
    truth = quantity_truth(p, "reverse", "w", -1.0, 1)
    assert truth.kind == "exact" and truth.value == 0.0 and not truth.signed
