"""Truth by the chain rule, and verdicts: no framework needed."""
import math

import pytest

from crossgrad.case import UNDEFINED, Case, Point, exact, subgradients
from crossgrad.core.same_value import same_value as same_bits  # the one rule under its old name here
from crossgrad.judging.truth import TOLERANCES, quantity_scale, quantity_truth, round_to, truth_text
from crossgrad.judging.judge import judge_rows
from crossgrad.judging.verdicts import verdict

NZ = -0.0


def relu_at(x, w, b):
    z = x * w + b
    if z > 0:
        return Point("p", x, w, b, exact(z), exact(1.0), exact(0.0))
    if z < 0:
        return Point("p", x, w, b, exact(0.0), exact(0.0), exact(0.0))
    return Point("p", x, w, b, exact(0.0), subgradients(0.0, 1.0), UNDEFINED)


def assert_exact(truth, want):
    assert truth.kind == "exact"
    assert same_bits(truth.value, want), (truth.value, want)


# --- quantity_truth ------------------------------------------------------------

def test_seed_case_smooth_matches_the_notebook():
    p = relu_at(3.0, 2.0, 1.0)
    assert_exact(quantity_truth(p, "none", "", None), 7.0)
    assert_exact(quantity_truth(p, "reverse", "w", 1.0), 3.0)
    assert_exact(quantity_truth(p, "reverse", "b", 1.0), 1.0)
    assert_exact(quantity_truth(p, "reverse", "w", -1.0), -3.0)
    assert_exact(quantity_truth(p, "forward", "w", -1.0), -3.0)
    assert_exact(quantity_truth(p, "forward", "b", 1.0), 1.0)
    assert_exact(quantity_truth(p, "second", "w", 1.0), 0.0)


def test_exact_zero_takes_the_ieee_sign_of_the_product():
    p = relu_at(-3.0, 2.0, 1.0)  # z = -5: d1 = +0.0, x < 0
    assert_exact(quantity_truth(p, "reverse", "w", 1.0), NZ)    # (+1 * +0) * -3 = -0
    assert_exact(quantity_truth(p, "reverse", "w", -1.0), 0.0)  # (-1 * +0) * -3 = +0
    assert_exact(quantity_truth(p, "reverse", "b", 1.0), 0.0)
    assert_exact(quantity_truth(p, "reverse", "b", -1.0), NZ)
    assert_exact(quantity_truth(p, "forward", "w", 1.0), NZ)
    # second order: d2 = 0 is a structural zero, its sign is no convention
    t = quantity_truth(p, "second", "w", -1.0)
    assert (t.kind, t.value, t.signed) == ("exact", 0.0, False)
    assert verdict(0.0, "ok", t, "float32") == verdict(-0.0, "ok", t, "float32") == "exact"
    assert verdict(1e-30, "ok", t, "float32") != "exact"


def test_set_scales_as_an_interval_and_negative_factors_swap_ends():
    p = relu_at(-1.0, 1.0, 1.0)  # kink with x < 0: d1 in [0, 1]
    t = quantity_truth(p, "reverse", "w", 1.0)
    assert (t.kind, t.lo, t.hi) == ("set", -1.0, 0.0)
    t = quantity_truth(p, "reverse", "w", -1.0)  # two negative factors
    assert (t.kind, t.lo, t.hi) == ("set", 0.0, 1.0)
    t = quantity_truth(p, "reverse", "b", -1.0)
    assert (t.kind, t.lo, t.hi) == ("set", -1.0, 0.0)
    t = quantity_truth(Point("k", -2.0, 1.0, 2.0, d1=subgradients(0.0, 1.0)), "forward", "w", 1.0)
    assert (t.lo, t.hi) == (-2.0, 0.0)


def test_undefined_and_unstated_truths():
    p = relu_at(-1.0, 1.0, 1.0)
    assert quantity_truth(p, "second", "w", 1.0) is UNDEFINED
    assert quantity_truth(Point("q", 1.0, 1.0, 1.0), "reverse", "w", 1.0) is None
    assert quantity_truth(p, "second", "b", 1.0) is None  # second order is in w only


# --- verdict -------------------------------------------------------------------

def test_verdict_exact_and_sign_of_zero():
    assert verdict(-0.0, "ok", exact(-0.0), "float32") == "exact"
    # A zero of the other sign is exact: where the truth is a zero its sign is a
    # convention (the report's conventions table and the matrices show it).
    assert verdict(0.0, "ok", exact(-0.0), "float32") == "exact"
    assert verdict(-0.0, "ok", exact(0.0), "float64") == "exact"
    assert verdict(3.0, "ok", exact(3.0), "float64") == "exact"


def test_verdict_rounds_the_truth_to_the_dtype():
    f32 = round_to(0.1, "float32")
    assert f32 != 0.1
    assert verdict(f32, "ok", exact(0.1), "float32") == "exact"
    assert verdict(f32, "ok", exact(0.1), "float64") == "invalid"  # 1.5e-9 off: far beyond 64 ulps
    assert verdict(0.1, "ok", exact(0.1), "float32") == "close"


def test_verdict_close_is_bounded_by_the_stated_tolerance():
    rtol, atol = TOLERANCES["float64"]
    assert verdict(1.0 + 4 * rtol / 8, "ok", exact(1.0), "float64") == "close"
    assert verdict(1.0 + 4 * rtol, "ok", exact(1.0), "float64") == "invalid"
    assert verdict(atol / 2, "ok", exact(0.0), "float64") == "close"
    assert verdict(1e-3, "ok", exact(0.0), "float32") == "invalid"


def test_absolute_tolerance_grows_with_the_chain_rule_factors():
    p = Point("negative", -3.0, 2.0, 1.0)
    assert quantity_scale(p, "second", "w", -1.0) == 9.0
    assert quantity_scale(p, "reverse", "w", 1.0) == 3.0
    assert quantity_scale(p, "forward", "b", -1.0) == 1.0
    assert quantity_scale(p, "none", "", None) == 1.0
    assert quantity_scale(Point("f", 0.5, 1.0, 0.25), "reverse", "w", 1.0) == 1.0
    _, atol = TOLERANCES["float64"]
    # cancellation of O(1) terms times x*x = 9, where the truth is 0 (norm's d2 at z = -5)
    assert verdict(5 * atol, "ok", exact(0.0), "float64") == "invalid"
    assert verdict(5 * atol, "ok", exact(0.0), "float64", scale=9.0) == "close"
    assert verdict(10 * atol, "ok", exact(0.0), "float64", scale=9.0) == "invalid"


def test_verdict_nan_and_inf_are_invalid_never_close():
    assert verdict(math.nan, "ok", exact(1.0), "float64") == "invalid"
    assert verdict(math.inf, "ok", exact(1.0), "float64") == "invalid"
    assert verdict(math.nan, "ok", subgradients(0.0, 1.0), "float32") == "invalid"
    assert verdict(-math.inf, "ok", subgradients(-1.0, 0.0), "float32") == "invalid"
    assert verdict(math.inf, "ok", exact(math.inf), "float64") == "exact"


def test_verdict_in_a_set():
    s = subgradients(-1.0, 0.0)
    assert verdict(-0.0, "ok", s, "float32") == "subgradient"
    assert verdict(0.0, "ok", s, "float32") == "subgradient"
    assert verdict(-1.0, "ok", s, "float32") == "subgradient"
    assert verdict(-0.5, "ok", s, "float32") == "subgradient"
    assert verdict(0.25, "ok", s, "float32") == "invalid"
    assert verdict(-1.0000001, "ok", s, "float64") == "invalid"


def test_verdict_undefined_error_unsupported():
    assert verdict(0.0, "ok", UNDEFINED, "float32") == "undefined"
    assert verdict(math.nan, "ok", UNDEFINED, "float32") == "undefined"
    for outcome in ("error", "crashed", "timeout"):
        assert verdict(None, outcome, exact(1.0), "float32") == "error"
    for outcome in ("unsupported", "unavailable", "no_gradient"):
        assert verdict(None, outcome, exact(1.0), "float32") == outcome  # the contract's names
    assert verdict(None, "ok", exact(1.0), "float32") == "error"  # ok without a value
    assert verdict(1.0, "ok", None, "float32") == ""


# --- text and judge_rows --------------------------------------------------------------

def test_truth_text():
    assert truth_text(exact(-3.0)) == "-3.0"
    assert truth_text(exact(-0.0)) == "-0.0"
    assert truth_text(subgradients(-1.0, 0.0)) == "[-1.0, 0.0]"
    assert truth_text(UNDEFINED) == "undefined"
    assert truth_text(None) == ""


def relu(ops, x, w, b):
    return ops.relu(x * w + b)


CASES = {"relu": Case("relu", relu, (
    Point("smooth", 3.0, 2.0, 1.0, exact(7.0), exact(1.0), exact(0.0)),
    Point("kink", -1.0, 1.0, 1.0, exact(0.0), subgradients(0.0, 1.0), UNDEFINED)))}


def row(**kw):
    base = {"framework": "torch", "dtype": "float32", "mode": "eager", "device": "cpu",
            "case": "relu", "point": "kink", "ad": "reverse", "wrt": "w", "cotangent": "1.0",
            "tangent": "", "index": 0, "value": "-0.0", "outcome": "ok", "detail": "",
            "x": "-1.0", "w": "1.0", "b": "1.0"}
    return dict(base, **kw)


def test_judge_rows_fills_truth_and_verdict():
    rows = judge_rows([
        row(),
        row(point="smooth", value="3.0"),
        row(point="smooth", ad="forward", cotangent="", tangent="-1.0", value="-3.0"),
        row(point="smooth", ad="none", wrt="", cotangent="", value="7.0"),
        row(value=None, outcome="error", detail="TypeError: x"),
        row(case="unknown"),
        row(point="kink", ad="second", value="0.0"),
    ], CASES)
    assert (rows[0]["truth"], rows[0]["verdict"]) == ("[-1.0, 0.0]", "subgradient")
    assert (rows[1]["truth"], rows[1]["verdict"]) == ("3.0", "exact")
    assert (rows[2]["truth"], rows[2]["verdict"]) == ("-3.0", "exact")
    assert (rows[3]["truth"], rows[3]["verdict"]) == ("7.0", "exact")
    assert rows[4]["verdict"] == "error"
    assert (rows[5]["truth"], rows[5]["verdict"]) == ("", "")
    assert (rows[6]["truth"], rows[6]["verdict"]) == ("undefined", "undefined")


def test_judge_rows_reads_parsed_float_values_too():
    one_ulp_up = 3.0 + 2.0 ** -22  # the float32 neighbour of 3.0
    rows = judge_rows([row(point="smooth", value=3.0), row(point="smooth", value=one_ulp_up),
                     row(point="smooth", value=math.nan)], CASES)
    assert [r["verdict"] for r in rows] == ["exact", "close", "invalid"]


@pytest.mark.parametrize("seed,want", [("1.0", "-0.0"), ("-1.0", "0.0")])
def test_judge_rows_negative_point_sign(seed, want):
    cases = {"relu": Case("relu", relu, (Point("negative", -3.0, 2.0, 1.0, exact(0.0), exact(0.0), exact(0.0)),))}
    r = judge_rows([row(point="negative", cotangent=seed, value=want)], cases)[0]
    assert (r["truth"], r["verdict"]) == (want, "exact")
