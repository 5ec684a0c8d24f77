"""crossgrad.core.dtypes and the 16-bit / special-input points: no framework needed
(except the end-to-end run at the bottom, marked integration)."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from crossgrad.cases._points import NEAR_KINK, faithful, points, per_dtype
from crossgrad.cases.special import CLAMP_FAMILY, NAN_SELECTS
from cli_helpers import run_cli
from crossgrad.case import DTYPES
from crossgrad.core.dtypes import (FACTS, NAMES, TOLERANCES, UnknownDtype, as_dtype, bits, from_bits, is_subnormal,
                                   missing_derivative_rule, numpy_dtype, program_z, round_to, unsupported_kernel)
from crossgrad.core.same_value import same_value as same_bits  # the one rule under its old name here
from crossgrad.catalogue import cases
from crossgrad.judging.truth import quantity_truth
from crossgrad.judging.verdicts import verdict

SIXTEEN = ("bfloat16", "float16")


def test_every_case_runs_in_all_four_dtypes_by_default():
    assert set(NAMES) == {"float32", "float64", "bfloat16", "float16"} and DTYPES == NAMES
    assert all(set(c.dtypes) == set(NAMES) for c in cases().values())


@pytest.mark.parametrize("dtype,one", [("bfloat16", "0x3f80"), ("float16", "0x3c00"),
                                       ("float32", "0x3f800000"), ("float64", "0x3ff0000000000000")])
def test_bits_are_written_at_the_dtypes_own_width(dtype, one):
    assert bits(1.0, dtype) == one
    assert bits(-0.0, dtype) == "0x8" + "0" * (len(one) - 3)
    assert len(bits(math.nan, dtype)) == 2 + FACTS[dtype].width // 4


@pytest.mark.parametrize("dtype", SIXTEEN)
@pytest.mark.parametrize("value", [0.0, -0.0, math.inf, -math.inf, 1.0, -3.0, 0.5])
def test_bits_round_trip_in_16_bit(dtype, value):
    back = from_bits(bits(value, dtype), dtype)
    assert same_bits(back, value)


@pytest.mark.parametrize("dtype", SIXTEEN)
def test_subnormals_and_nan_round_trip_in_16_bit(dtype):
    tiny = ml_finfo(dtype).smallest_subnormal
    for value in (tiny, -tiny, 3 * tiny, FACTS[dtype].smallest_normal / 2):
        assert is_subnormal(value, dtype) and same_bits(from_bits(bits(value, dtype), dtype), value)
    assert not is_subnormal(FACTS[dtype].smallest_normal, dtype)
    negative_nan = np.asarray(-np.nan, dtype=numpy_dtype(dtype))  # the sign of a NaN is kept, not canonicalised
    text = bits(negative_nan, dtype)
    assert int(text, 16) >> 15 == 1 and math.isnan(from_bits(text, dtype))


def ml_finfo(dtype):
    import ml_dtypes
    return ml_dtypes.finfo(numpy_dtype(dtype))


# (significand bits with the implicit one, smallest normal exponent, largest exponent)
FORMATS = {"bfloat16": (8, -126, 127), "float16": (11, -14, 15), "float32": (24, -126, 127)}


def exactly_rounded(value: float, dtype: str) -> float:
    """IEEE 754 round to nearest, ties to even, computed exactly with Fractions:
    the reference round_to is held to, whatever NumPy or ml_dtypes does inside."""
    if value == 0 or not math.isfinite(value):
        return value
    digits, emin, emax = FORMATS[dtype]
    size = abs(Fraction(value))
    exponent = size.numerator.bit_length() - size.denominator.bit_length()
    if Fraction(2) ** exponent > size:  # bit lengths give floor(log2) or one more
        exponent -= 1
    quantum = Fraction(2) ** (max(exponent, emin) - digits + 1)  # subnormals share emin's quantum
    steps = size / quantum
    whole = math.floor(steps)
    if steps - whole > Fraction(1, 2) or (steps - whole == Fraction(1, 2) and whole % 2):
        whole += 1
    largest = (2 - Fraction(2) ** (1 - digits)) * Fraction(2) ** emax
    rounded = whole * quantum
    return math.copysign(math.inf if rounded > largest else float(rounded), value)


def test_the_exact_reference_rounds_the_known_cases():
    # the reference itself, against values worked out by hand
    assert exactly_rounded(1 + 2 ** -8 + 2 ** -30, "bfloat16") == 1 + 2 ** -7  # just above a tie: up
    assert exactly_rounded(1 + 2 ** -8, "bfloat16") == 1.0  # an exact tie: to even
    assert exactly_rounded(1 + 3 * 2 ** -8, "bfloat16") == 1 + 2 ** -6  # a tie with an odd neighbour: up
    # bfloat16's smallest subnormal is 2**-133: half of it is a tie between 0 and it (to even: 0),
    # one and a half of it a tie between one and two of it (to even: two)
    assert exactly_rounded(2 ** -134, "bfloat16") == 0.0 and exactly_rounded(3 * 2 ** -134, "bfloat16") == 2 ** -132
    assert exactly_rounded(1e6, "float16") == math.inf and exactly_rounded(65504.0, "float16") == 65504.0
    assert exactly_rounded(-(1 + 2 ** -11 + 2 ** -40), "float16") == -(1 + 2 ** -10)


def test_round_to_is_correctly_rounded_where_a_double_rounding_would_not_be():
    # 1 + 2**-8 + 2**-30 lies just above the tie between bfloat16's 1 and 1 + 2**-7;
    # rounded to float32 first, it would become the tie and then round to even (1.0).
    value = 1 + 2 ** -8 + 2 ** -30
    assert round_to(value, "bfloat16") == exactly_rounded(value, "bfloat16") == 1 + 2 ** -7
    assert round_to(1 + 2 ** -8, "bfloat16") == 1.0  # an exact tie goes to even
    assert round_to(1 + 2 ** -11 + 2 ** -40, "float16") == 1 + 2 ** -10
    assert round_to(1e6, "float16") == math.inf and round_to(1e39, "bfloat16") == math.inf


@settings(max_examples=2000, deadline=None)
@given(value=st.floats(allow_nan=False, allow_infinity=False, width=64)
       | st.builds(lambda m, e: math.ldexp(m, e), st.integers(-2 ** 40, 2 ** 40), st.integers(-180, 90)),
       dtype=st.sampled_from(sorted(FORMATS)))
def test_round_to_matches_exact_rounding(value, dtype):
    """Near ties included (mantissas of 40 bits put values a hair from a tie),
    subnormals and overflow too: round_to is exact whether or not the library
    it converts with rounds twice."""
    want = exactly_rounded(value, dtype)
    assert same_bits(round_to(value, dtype), want), (value.hex(), dtype)


def test_16_bit_tolerances_accept_an_ulp_and_refuse_eight():
    for dtype in SIXTEEN:
        rtol, atol = TOLERANCES[dtype]
        assert (rtol, atol) == (2 * FACTS[dtype].eps, 4 * FACTS[dtype].eps)
    # softplus(7) ~ 7.0009: one ulp off is close, 8 ulps (a wrong formula) is not
    truth = quantity_truth(cases()["softplus"].point("smooth"), "none", "", None)
    want = round_to(truth.value, "bfloat16")
    ulp = FACTS["bfloat16"].eps * 4  # the ulp of numbers in [4, 8)
    assert verdict(want + ulp, "ok", truth, "bfloat16") == "close"
    assert verdict(want + 8 * ulp, "ok", truth, "bfloat16") == "invalid"
    assert verdict(want, "ok", truth, "bfloat16") == "exact"


def test_the_truth_is_rounded_to_the_dtype_before_judging():
    truth = quantity_truth(cases()["gelu"].point("smooth"), "none", "", None)  # gelu(7), not a 16-bit number
    assert verdict(round_to(truth.value, "float16"), "ok", truth, "float16") == "exact"
    assert verdict(truth.value, "ok", truth, "float16") != "exact"  # the float64 value is not a float16


def test_unknown_dtypes_are_refused():
    with pytest.raises(UnknownDtype, match="valid: float32, float64, bfloat16, float16"):
        bits(1.0, "float8_e4m3")


@pytest.mark.parametrize("command", ["run", "check"])
def test_the_cli_refuses_a_dtype_it_cannot_represent_with_exit_2(command, tmp_path):
    proc = run_cli(command, "--dtypes", "float8_e4m3fn", "--out", str(tmp_path / "x"))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "valid: float32, float64, bfloat16, float16" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unsupported_kernel_reading_only_for_16_bit_and_known_phrases():
    torch_text = "\"sqrt_vml_cpu\" not implemented for 'BFloat16'"
    assert unsupported_kernel(torch_text, "bfloat16")
    assert not unsupported_kernel(torch_text, "float32")  # a float32 failure stays an error
    assert not unsupported_kernel("ValueError: shapes do not match", "float16")


@pytest.mark.parametrize("text", ["[Primitive::jvp] Not implemented for Max.",  # mlx 0.29.4, verbatim
                                  "[Primitive::vjp] Not implemented for Sum.",
                                  "Differentiation rule for 'cumlogsumexp' not implemented",  # jax's wording
                                  "the derivative for 'aten::_foo' is not implemented."])  # torch's
def test_a_missing_derivative_rule_reads_unsupported_whatever_the_dtype(text):
    assert missing_derivative_rule(text) and missing_derivative_rule(f"ValueError: {text}")


def test_a_missing_derivative_rule_needs_both_the_marker_and_not_implemented():
    assert not missing_derivative_rule("[squeeze] Cannot squeeze axis 0 with size 3 which is not equal to 1.")
    assert not missing_derivative_rule("the derivative for 'x' is nan")
    assert not missing_derivative_rule("\"sqrt_vml_cpu\" not implemented for 'BFloat16'")  # a kernel: 16-bit rule


# --- points: the truth is at the z each dtype computes --------------------------------


def test_near_kink_z_rounds_to_the_kink_or_across_it():
    assert program_z(0.1, -3.0, 0.3, "float64") < 0
    assert program_z(0.1, -3.0, 0.3, "bfloat16") == 0.0 == program_z(0.1, -3.0, 0.3, "float32")
    assert program_z(0.1, -3.0, 0.3, "float16") == 2.0 ** -12  # across: float64 says negative
    assert program_z(0.6, -0.8, 0.481, "float64") > 0 > program_z(0.6, -0.8, 0.481, "bfloat16")
    # the rounded inputs' exact z is not 0: the rounding of the product put it there
    x, w, b = (round_to(v, "bfloat16") for v in (0.1, -3.0, 0.3))
    assert Fraction(x) * Fraction(w) + Fraction(b) == Fraction(1, 2 ** 11)


def test_program_z_rounds_the_product_then_the_sum_like_numpy():
    for x, w, b in ((0.1, -3.0, 0.3), (0.6, -0.8, 0.481), (0.1, -0.7, 0.07), (3.3, 1.7, -5.6)):
        for dtype in NAMES:
            t = numpy_dtype(dtype).type
            want = float(t(as_dtype(x, dtype)) * t(as_dtype(w, dtype)) + t(as_dtype(b, dtype)))
            assert same_bits(program_z(x, w, b, dtype), want), (x, w, b, dtype)


@pytest.mark.parametrize("case", cases().values(), ids=list(cases()))
def test_every_stated_truth_is_the_truth_at_the_z_its_dtypes_compute(case):
    """For every point of a case with truth_at, in every dtype it runs in, the
    stated truth is truth_at of that dtype's z, and the inputs are exact there."""
    if case.truth_at is None:
        pytest.skip("no truth_at")
    checked = 0
    for p in case.points:
        if p.name == "nan":  # stated by cases/special.py, not by truth_at
            continue
        for dtype in set(p.dtypes) & set(case.dtypes):
            z = program_z(p.x, p.w, p.b, dtype)
            assert faithful(p.x, p.w, p.b, z, dtype), (p.name, dtype)
            assert (p.value, p.d1, p.d2) == case.truth_at(z) or _same_nan_truths(p, case.truth_at(z)), (p.name, dtype)
            checked += 1
    assert checked


def _same_nan_truths(p, stated) -> bool:
    return all(a.kind == b.kind and same_bits(a.value, b.value) for a, b in zip((p.value, p.d1, p.d2), stated))


def test_points_drop_the_dtypes_where_a_point_is_not_faithful():
    from crossgrad.cases.seed import relu_truth
    (p,) = points(relu_truth, extra=(("tiny", 1.0, 2.0 ** -140, 0.0),), standard=False)
    assert p.dtypes == ("float32", "float64")  # 2**-140 is 0 in both 16-bit dtypes
    with pytest.raises(ValueError, match="per_dtype"):
        points(relu_truth, extra=(("decimal", 0.1, -3.0, 0.3, ("float32", "bfloat16")),), standard=False)


def test_per_dtype_points_state_each_dtypes_own_truth():
    relu = cases()["relu"]
    assert relu.point("near_kink_bf16").d1.kind == "set"  # z = 0 in bfloat16: the kink
    assert relu.point("near_kink_f64").d1.value == 0.0  # z < 0 in float64
    assert relu.point("near_kink_f16").d1.value == 1.0  # z > 0 in float16
    assert relu.point("across_bf16").d1.value == 0.0 and relu.point("across_f64").d1.value == 1.0
    assert {p[0] for p in per_dtype("p", 0.1, 1.0, 0.0)} == {"p_f32", "p_f64", "p_bf16", "p_f16"}
    assert len(NEAR_KINK) == 3 * len(NAMES)


# --- special inputs --------------------------------------------------------------------


@pytest.mark.parametrize("name", CLAMP_FAMILY)
def test_special_points_of_the_clamp_family(name):
    case = cases()[name]
    nan = case.point("nan")
    assert math.isnan(nan.b) and nan.d1.kind == nan.d2.kind == "undefined"
    assert same_bits(nan.value.value, NAN_SELECTS.get(name, math.nan))
    zero_neg = case.point("zero_neg")
    assert same_bits(zero_neg.z, -0.0) and same_bits(case.point("zero_pos").z, 0.0)
    assert zero_neg.d1 == case.point("zero_pos").d1  # the slope at 0 does not depend on the zero's sign
    assert zero_neg.d1.kind == ("exact" if name == "hardtanh" else "set")  # relu's kink; hardtanh is linear at 0
    assert math.isfinite(case.point("inf").x)  # inf sits in w: x is a chain-rule factor
    assert set(case.point("nan").dtypes) == set(NAMES)


def test_special_truths_of_relu_and_hardtanh():
    relu, hardtanh = cases()["relu"], cases()["hardtanh"]
    assert same_bits(relu.point("zero_neg").value.value, 0.0)  # IEEE 754-2019 maximum: +0.0
    assert same_bits(hardtanh.point("zero_neg").value.value, -0.0)  # identity piece keeps the sign
    inf = relu.point("inf")
    assert inf.value.value == math.inf and inf.d1.value == 1.0
    assert quantity_truth(inf, "reverse", "w", -1.0).value == -1.0  # seed * x * 1, no inf * 0
    assert quantity_truth(inf, "second", "w", 1.0).value == 0.0
    assert hardtanh.point("neg_inf").value.value == -1.0 and hardtanh.point("neg_inf").d1.value == 0.0
    assert relu.point("neg_inf").d1.value == 0.0


def test_subnormal_points_exist_per_dtype():
    relu = cases()["relu"]
    assert is_subnormal(relu.point("subnormal_bf16").z, "bfloat16")
    assert "float16" not in relu.point("subnormal_bf16").dtypes
    assert is_subnormal(relu.point("subnormal_f16").z, "float16")
    assert set(relu.point("subnormal_f16").dtypes) == set(NAMES)  # normal elsewhere: a control
    assert relu.point("subnormal").dtypes == ("float32", "float64")


# --- end to end ----------------------------------------------------------------------------


@pytest.mark.integration
def test_relu_in_16_bit_end_to_end(tmp_path):
    """A real run of the seed case in bfloat16 and float16 (eager: compilation is
    what costs, and this test is about the dtypes)."""
    from crossgrad.core.registry import frameworks
    chosen = [f for f in ("torch", "jax") if frameworks()[f].version()]
    if not chosen:
        pytest.skip("neither torch nor jax is installed")
    proc = run_cli("run", "--cases", "relu", "--dtypes", "bfloat16,float16", "--modes", "eager",
                   "--frameworks", ",".join(chosen), "--no-timings", "--out", str(tmp_path / "run"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    from crossgrad.core.records import read_gradients_csv
    rows = read_gradients_csv(tmp_path / "run" / "gradients.csv")
    assert {(r["framework"], r["dtype"]) for r in rows} == {(f, d) for f in chosen for d in SIXTEEN}
    assert all(r["outcome"] == "ok" for r in rows)
    for r in rows:  # bits at the dtype's own width, and they are the value's bits
        assert len(r["bits"]) == 6 and same_bits(from_bits(r["bits"], r["dtype"]), r["value"])
    value = {(r["framework"], r["dtype"], r["point"]): r for r in rows if r["ad"] == "none"}
    for fw in chosen:
        # bfloat16 rounds 0.1*(-3) + 0.3 to exactly 0: relu's kink, value 0
        assert value[fw, "bfloat16", "near_kink_bf16"]["verdict"] == "exact"
        assert value[fw, "float16", "near_kink_f16"]["value"] == 2.0 ** -12  # float16: across, z > 0
        assert all(math.isnan(value[fw, d, "nan"]["value"]) for d in SIXTEEN)
        assert value[fw, "bfloat16", "zero_neg"]["verdict"] in ("exact", "sign-of-zero")
    report = (tmp_path / "run" / "report.md").read_text()
    assert "| bfloat16 |" in report and "| float16 |" in report  # a summary row per 16-bit dtype
