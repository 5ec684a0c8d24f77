"""Unit tests of the catalogue: no framework needed.

Each case's function is evaluated with a tiny NumPy `ops` namespace, so a truth
table that disagrees with the function it describes fails here, before any
framework is involved.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from crossgrad.cases.atlas import KINKS
from crossgrad.adapter import OP_NAMES, ops_from_table
from crossgrad.case import Case, exact
from crossgrad.core.dtypes import FACTS, TOLERANCES, as_dtype, round_to
from crossgrad.core.registry import RegistryError
from crossgrad.catalogue import cases, register

# Issue 3's atlas: these cases must stay in the catalogue (others may join it).
ISSUE_3_OPS = (
    "relu", "relu_python", "maximum", "maximum_rev", "clamp", "where", "abs", "leaky_relu",
    "relu6", "hardtanh", "elu", "gelu", "softplus", "sqrt", "norm", "where_sqrt", "max_tie",
    "sign", "floor", "gelu_exact",  # gelu_exact: issue 10, the erf form asked for by name
)
STANDARD_POINTS = ("smooth", "kink", "kink_xpos", "negative")


def _norm(z):
    """Euclidean norm scaled by max|z|, so it neither overflows nor underflows
    where z*z would (the atlas's norm points large and tiny probe exactly that)."""
    scale = np.max(np.abs(z))
    return scale * np.sqrt(np.sum((z / scale) ** 2)) if scale > 0 else np.sqrt(np.sum(z * z))


def _zero_fill(z):
    z[:] = 0.0
    return z


def _gelu(z):
    return z * 0.5 * np.array([math.erfc(-v / math.sqrt(2.0)) for v in z])


def _maximum(a, b):
    """IEEE 754-2019 maximum, the truth's (cases/special.py): NaN propagates and
    -0 < +0, so max(-0.0, +0.0) is +0.0 in either order (np.maximum returns
    whichever argument comes second when they compare equal)."""
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b).astype(np.asarray(a).dtype))
    return np.where(a == b, np.where(np.signbit(a), b, a), np.maximum(a, b))


# A float64 NumPy reference of the catalogue's ops, in the adapters' own format
# (crossgrad.adapter.ops_from_table), independent of every framework. An op it
# does not spell makes the cases using it skip with the op named, never pass.
NUMPY_TABLE = {
    "relu": "_maximum({0}, 0.0)", "maximum": "_maximum({0}, {1})", "minimum": "np.minimum({0}, {1})",
    "clip": "_maximum({0}, {1})", "where": "np.where({0}, {1}, {2})", "zeros_like": "np.zeros_like({0})",
    "abs": "np.abs({0})", "leaky_relu": "np.where({0} > 0, {0}, {0} * {1})",
    "relu6": "np.minimum(_maximum({0}, 0.0), 6.0)", "hardtanh": "np.clip({0}, -1.0, 1.0)",
    "elu": "np.where({0} > 0, {0}, np.expm1({0}))", "gelu": "_gelu({0})", "gelu_exact": "_gelu({0})",
    "softplus": "np.logaddexp(0.0, {0})", "sqrt": "np.sqrt({0})", "exp": "np.exp({0})",
    "log": "np.log({0})", "divide": "np.divide({0}, {1})",
    "xlogy": "np.where(({0} == 0) & ~np.isnan({1}), 0.0, {0} * np.log({1}))",
    "div_no_nan": "np.where({1} == 0, 0.0, {0} / np.where({1} == 0, 1.0, {1}))",
    "mul_no_nan": "np.where({1} == 0, 0.0, {0} * {1})", "nan_to_num": "np.nan_to_num({0})",
    "norm": "_norm({0})", "euclidean_norm": "_norm({0})", "max": "np.max({0})", "min": "np.min({0})",
    "sum": "np.sum({0})", "logsumexp": "np.logaddexp.reduce({0})",
    "max_axis": "np.max({0}, axis=0)", "min_axis": "np.min({0}, axis=0)",
    "max_pool": "{0}[:{0}.shape[0] // 2 * 2].reshape(-1, 2).max(axis=1)",
    "topk": "np.sort({0})[::-1][:{1}]", "argmax_gather": "{0}[np.argmax({0})]",
    "softmax": "np.exp({0} - np.max({0})) / np.sum(np.exp({0} - np.max({0})))",
    "concat": "np.concatenate([{0}, {1}])", "arange_like": "np.arange(1, {0}.shape[0] + 1, dtype={0}.dtype)",
    "sign": "np.sign({0})", "floor": "np.floor({0})", "zero_fill": "_zero_fill({0})",
    "ceil": "np.ceil({0})", "neg": "np.negative({0})", "frac": "np.modf({0})[0]", "atan2": "np.arctan2({0}, {1})",
    "argmax": "np.argmax({0})", "argmin": "np.argmin({0})",  # NumPy's rule: the first NaN's index
    "clip_range": "np.clip({0}, {1}, {2})", "threshold": "np.where({0} > {1}, {0}, {2})",
}
NUMPY_OPS = ops_from_table("numpy", NUMPY_TABLE, {"np": np, "_gelu": _gelu, "_maximum": _maximum, "_norm": _norm,
                                                  "_zero_fill": _zero_fill})


def evaluate(case: Case, x: float, w: float, b: float, dtype: str = "float64") -> float:
    arrays = [np.array([as_dtype(v, dtype)]) for v in (x, w, b)]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # sqrt of a negative is NaN, on purpose
        try:
            out = case.fn(NUMPY_OPS, *arrays)
        except AttributeError as exc:  # an op NUMPY_TABLE does not spell
            pytest.skip(f"no NumPy reference for {exc.name or exc}")
    return float(np.asarray(out).reshape(-1)[0])


# Vector cases (ties, masks) state truths per element: tests/test_vector_cases.py.
# Spelling variants (cases/spellings.py) share their base case's points and truths:
# checking those once, on the base case, is enough.
SCALAR = [c for c in cases().values() if all(p.elements is None for p in c.points) and not c.variant_of]
ALL = [(c, p) for c in SCALAR for p in c.points]
IDS = [f"{c.name}-{p.name}" for c, p in ALL]


def test_registry_holds_every_issue_3_op_once():
    names = list(cases())
    assert set(ISSUE_3_OPS) <= set(names), set(ISSUE_3_OPS) - set(names)
    assert len(names) == len(set(names))


def test_the_numpy_reference_spells_only_catalogue_ops():
    assert set(NUMPY_TABLE) <= set(OP_NAMES), set(NUMPY_TABLE) - set(OP_NAMES)


def test_register_rejects_a_duplicate_name():
    table: dict = {}
    case = cases()["abs"]
    register(table, case)
    with pytest.raises(RegistryError, match="abs"):
        register(table, Case("abs", case.fn, case.points))


@pytest.mark.parametrize("case", SCALAR, ids=[c.name for c in SCALAR])
def test_case_has_the_standard_points_and_full_truth(case):
    """Every case states its truth; the standard points are asked of every
    differentiated case whose truth holds in every dtype (per_dtype_points make
    one point per dtype: a bound the dtype rounds). A value-only case (wrt=():
    argmax) states its value."""
    names = [p.name for p in case.points]
    if case.wrt and not all(len(p.dtypes) == 1 for p in case.points):
        assert set(STANDARD_POINTS) <= set(names)
    assert len(names) == len(set(names))
    assert case.description
    for p in case.points:
        stated = (p.value, p.d1, p.d2) if case.wrt else (p.value,)
        assert None not in stated, f"{case.name}/{p.name} states no truth"


@pytest.mark.parametrize("name", sorted(KINKS))
def test_own_kinks_are_reached_exactly_in_both_dtypes(name):
    case = cases()[name]
    for point_name, kink in KINKS[name].items():
        p = case.point(point_name)
        for dtype in (np.float32, np.float64):
            z = dtype(p.x) * dtype(p.w) + dtype(p.b)
            assert z == kink, f"{name}/{point_name}: z = {z} in {dtype.__name__}, kink {kink}"
        assert p.d1.kind == "set", f"{name}/{point_name}: a kink must state a set for d1"


def test_floor_has_a_smooth_point_with_each_sign_of_x():
    smooth = [p for p in cases()["floor"].points if p.d1.kind == "exact"]
    assert {math.copysign(1.0, p.x) for p in smooth} == {1.0, -1.0}


@pytest.mark.parametrize("case,point", ALL, ids=IDS)
def test_declared_value_matches_the_function(case, point):
    """Exact values agree to 1e-12 (relative) and carry the same sign of zero;
    an undefined value must come out NaN. Evaluated in the point's widest dtype:
    its truth is stated at the z that dtype computes (cases/_points.py)."""
    dtype = max(point.dtypes, key=lambda d: FACTS[d].width)
    got = evaluate(case, point.x, point.w, point.b, dtype)
    if point.value.kind == "undefined":
        assert math.isnan(got)
        return
    want = point.value.value
    if math.isnan(want):  # a NaN input (cases/special.py)
        assert math.isnan(got)
        return
    # In a narrower dtype NumPy rounds each step (leaky_relu's 0.01 too): its tolerance.
    rel = 1e-12 if dtype == "float64" else TOLERANCES[dtype][0]
    assert math.isclose(got, round_to(want, dtype), rel_tol=rel, abs_tol=0.0), (got, want, dtype)
    assert math.copysign(1.0, got) == math.copysign(1.0, want), (got, want)


# Central differences in float64 along b (dz/db = 1). d1 with h = 1e-6: truncation
# ~h**2, rounding ~1e-16/h = 1e-10; d2 with h = 1e-4: rounding ~1e-16*|f|/h**2
# <= 1e-7 for |f| <= 7. Tolerance 1e-6 absolute plus 1e-6 relative for both.
# Steps scale with |z| beyond 1, or z + h would round back to z (norm's 2**70).
TOL = 1e-6


def first_difference(case, p, h=1e-6):
    h *= max(1.0, abs(p.z))
    return (evaluate(case, p.x, p.w, p.b + h) - evaluate(case, p.x, p.w, p.b - h)) / (2 * h)


def second_difference(case, p, h=1e-4):
    h *= max(1.0, abs(p.z))
    f = lambda db: evaluate(case, p.x, p.w, p.b + db)  # noqa: E731
    return (f(h) - 2 * f(0.0) + f(-h)) / (h * h)


def within(value, truth) -> bool:
    """A difference quotient agrees with an exact truth, or lies in a set truth
    (a central difference at a kink is the mean of the one-sided slopes)."""
    if truth.kind == "exact":
        return abs(value - truth.value) <= TOL + TOL * abs(truth.value)
    return truth.lo - TOL <= value <= truth.hi + TOL


@pytest.mark.parametrize("case,point", ALL, ids=IDS)
def test_declared_derivatives_match_finite_differences(case, point):
    if not case.wrt:
        pytest.skip("a value-only case (an integer index): no derivative")
    if 0 < abs(point.z) < 1e-2:  # 1e-2: the step of d2 (1e-4) is 10% of z = 0.001 (`across`)
        pytest.skip("z is closer to the kink at 0 than the step: the quotient straddles it")
    if not math.isfinite(point.z):
        pytest.skip("z is NaN or infinite: no difference quotient (cases/special.py states the limits)")
    checked = 0
    for truth, estimate in ((point.d1, first_difference), (point.d2, second_difference)):
        # An infinite one-sided slope (sqrt at 0, the end of its domain) has no central difference.
        if truth.kind != "undefined" and not (truth.kind == "exact" and math.isinf(truth.value)):
            value = estimate(case, point)
            assert within(value, truth), f"{truth} vs finite difference {value!r}"
            checked += 1
    if case.name not in ("sqrt", "where_sqrt", "sign", "floor", "floor_zeros", "ceil_zeros", "frac", "threshold_07"):
        assert checked >= 1  # d1 is undefined only at a jump or an infinite slope


def test_finite_difference_check_can_fail():
    """The check above catches a wrong slope (a test that cannot fail is a defect)."""
    p = cases()["elu"].point("negative")
    assert not within(first_difference(cases()["elu"], p), exact(1.0))
