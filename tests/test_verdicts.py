"""Each verdict class on a real row of results/sample (values as recorded there, the
truth from the catalogue), the conventions measured from rows, and the findings'
order. No framework needed."""
import math

import pytest

from crossgrad.catalogue import cases
from crossgrad.judging import compare
from crossgrad.judging.judge import judge_rows
from crossgrad.judging.verdicts import VALID, flushed_point, zero_sign_differs
from crossgrad.reporting.report_conventions import KEEP, MULTIPLY, zero_rule, zero_rules
from crossgrad.judging.findings_data import CATEGORIES, findings

CASES = cases()


def real(framework, mode, dtype, case, point, ad, seed, wrt, value, outcome="ok"):
    """A gradient row as results/sample recorded it (x, w, b from the catalogue)."""
    p = CASES[case].point(point)
    return {"framework": framework, "mode": mode, "device": "cpu", "dtype": dtype, "case": case,
            "point": point, "ad": ad, "wrt": wrt, "index": 0, "value": value, "outcome": outcome,
            "cotangent": seed if ad in ("reverse", "second") else "",
            "tangent": seed if ad == "forward" else "", "detail": "",
            "x": repr(p.x), "w": repr(p.w), "b": repr(p.b)}


# (row, verdict, form): one real row per class.
EXAMPLES = [
    # relu's smooth point: d/dw = x = 3, bit for bit.
    (real("torch", "eager", "float32", "relu", "smooth", "reverse", "1.0", "w", "3.0"), "exact", ""),
    # relu's flat piece, cotangent -1: the IEEE product is -0.0, torch keeps +0.0: exact
    # (the sign is a convention, measured in the conventions table).
    (real("torch", "eager", "float32", "relu", "negative", "reverse", "-1.0", "b", "0.0"), "exact", ""),
    # sqrt at 0 from its domain's side: d/dw = seed * x * (+inf) = -inf.
    (real("jax", "eager", "float64", "sqrt", "kink", "reverse", "1.0", "w", "-inf"), "exact", ""),
    (real("jax", "eager", "float32", "elu", "negative", "reverse", "1.0", "w", "-0.020213842391967773"),
     "close", ""),
    # z*(1 + erf(z/sqrt 2)) at z = -5 in float32: cancellation, 4% off, inside the floor.
    (real("torch", "eager", "float32", "gelu", "negative", "none", "", "", "-1.4901161193847656e-06"),
     "imprecise", ""),
    (real("torch", "eager", "float32", "relu", "kink", "reverse", "1.0", "w", "-0.0"), "subgradient", ""),
    # w = 2**-140 is subnormal in float32: read as 0, relu sits at its kink, 0 is valid there.
    (real("jax", "eager", "float32", "relu", "subnormal", "reverse", "1.0", "w", "0.0"), "flushed",
     "subnormal inputs read as 0"),
    (real("tensorflow", "eager", "float64", "leaky_relu", "kink", "reverse", "1.0", "b",
          "0.009999999776482582"), "definitional", "float32 alpha"),
    (real("jax", "eager", "float64", "gelu", "negative", "reverse", "1.0", "w", "4.63908596084652e-06"),
     "definitional", "tanh approximation"),
    (real("tensorflow", "eager", "float64", "gelu", "negative", "none", "", "", "-1.4332584954991237e-06"),
     "definitional", "float32 1/sqrt(2)"),
    # |z| at 0: NaN where [-1, 1] is valid; z*z overflowed at 2**600: 0 where the slope is 1.
    (real("jax", "eager", "float64", "norm", "kink", "reverse", "1.0", "w", "nan"), "invalid", ""),
    (real("tensorflow", "eager", "float64", "norm", "large64", "reverse", "1.0", "w", "0.0"), "invalid", ""),
    (real("torch", "eager", "float64", "sqrt", "negative", "none", "", "", "nan"), "undefined", ""),
    (real("tensorflow", "eager", "float32", "relu_python", "smooth", "second", "1.0", "w", None,
          outcome="no_gradient"), "no_gradient", ""),
]


@pytest.mark.parametrize("row,want,form", EXAMPLES,
                         ids=[f"{w}-{r['case']}-{r['point']}-{r['framework']}" for r, w, _ in EXAMPLES])
def test_each_verdict_class_on_a_real_row(row, want, form):
    judged = judge_rows([dict(row)], CASES)[0]
    assert (judged["verdict"], judged["form"]) == (want, form)


def test_no_invalid_value_is_mathematically_valid():
    for row, want, _ in EXAMPLES:
        judged = judge_rows([dict(row)], CASES)[0]
        if judged["verdict"] == "invalid":
            value = float(judged["value"])
            assert math.isnan(value) or judged["truth"] not in ("0.0", "-0.0", "±0.0")
        else:
            assert judged["verdict"] in VALID + ("undefined", "no_gradient")


def test_undefined_points_say_why():
    assert "not real" in CASES["sqrt"].point("negative").d1.reason
    assert "jumps" in CASES["relu"].point("kink").d2.reason
    assert "+inf" in CASES["where_sqrt"].point("kink").d1.reason


def test_zero_sign_convention_is_kept_visible():
    row = judge_rows([EXAMPLES[1][0]], CASES)[0]
    assert row["truth"] == "-0.0" and zero_sign_differs(row)
    assert not zero_sign_differs(judge_rows([EXAMPLES[0][0]], CASES)[0])


def test_flushed_point_only_where_a_subnormal_is_read():
    relu = CASES["relu"]
    moved = flushed_point(relu, relu.point("subnormal"), "float32")
    assert (moved.w, moved.z, moved.d1.kind) == (0.0, 0.0, "set")
    assert flushed_point(relu, relu.point("subnormal"), "float64") is None  # 2**-140 is normal there
    assert flushed_point(relu, relu.point("smooth"), "float32") is None


# --- conventions, from rows ------------------------------------------------------


def test_zero_rules_are_measured_from_negative_seeds():
    # relu's flat piece (x = -3), cotangent -1, d/dw: IEEE gives +0.0 (-1 * -3 * 0).
    # torch keeps the op's +0 (then x = -3 makes it -0.0); TensorFlow eager multiplies.
    torch_row = real("torch", "eager", "float32", "relu", "negative", "reverse", "-1.0", "w", "-0.0")
    tf_row = real("tensorflow", "eager", "float32", "relu", "negative", "reverse", "-1.0", "w", "0.0")
    seed_plus = real("torch", "eager", "float32", "relu", "negative", "reverse", "1.0", "w", "-0.0")
    rows = judge_rows([torch_row, tf_row, seed_plus], CASES)
    assert [zero_rule(r, CASES) for r in rows] == [KEEP, MULTIPLY, None]  # +1 cannot tell
    assert zero_rules(rows[:1], CASES, "reverse") == "keeps +0 (relu, the one case run)"
    # a second case that ran without a zero to judge is counted as run (issue 23: not "all 1 cases")
    other = judge_rows([real("torch", "eager", "float32", "abs", "smooth", "reverse", "-1.0", "w", "-3.0")], CASES)
    assert zero_rules(rows[:1] + other, CASES, "reverse") == (
        "keeps +0 (1 of the 2 cases run: relu; the others had no zero to judge)")
    assert zero_rules(rows[:2], CASES, "forward") == "not measured"


def test_a_forward_row_where_both_rules_give_the_same_sign_is_not_counted():
    # forward mode, d/dw at x = -3, tangent -1: x*tangent = +3 reaches relu's 0, so
    # keeping +0 and multiplying both give +0.0 (torch compiled, results/sample)
    def forward(point, wrt, value):
        return real("torch", "compiled", "float32", "relu", point, "forward", "-1.0", wrt, value)
    rows = judge_rows([forward("negative", "w", "0.0"), forward("negative", "b", "0.0"),
                     forward("kink_xpos", "w", "0.0")], CASES)
    assert [zero_rule(r, CASES) for r in rows] == [None, KEEP, KEEP]  # kink_xpos: multiplying gives -0.0
    assert zero_rules(rows, CASES, "forward") == "keeps +0 (relu, the one case run)"  # not also "follows"


def test_a_case_in_both_rules_is_named_once_as_plus_zero_or_mixed():
    def reverse(dtype, point, wrt, value, case="relu_python"):
        return real("mlx", "eager", dtype, case, point, "reverse", "-1.0", wrt, value)
    # mlx eager relu_python (results/sample): +0.0 in d/dw at x = -3 and in d/db
    plus = judge_rows([reverse("float32", "negative", "w", "0.0"), reverse("float32", "negative", "b", "0.0")], CASES)
    assert [zero_rule(r, CASES) for r in plus] == [MULTIPLY, KEEP]
    assert zero_rules(plus, CASES, "reverse") == "+0 whatever x and the seed (relu_python, the one case run)"
    # a case keeping +0 in float32 (d/dw = x's sign) and multiplying in float16 (the seed's sign)
    mixed = judge_rows([reverse("float32", "negative", "w", "-0.0", "relu"), reverse("float32", "negative", "b", "0.0", "relu"),
                      reverse("float16", "negative", "w", "0.0", "relu"), reverse("float16", "negative", "b", "-0.0", "relu")],
                     CASES)
    assert [zero_rule(r, CASES) for r in mixed] == [KEEP, KEEP, MULTIPLY, MULTIPLY]
    assert zero_rules(mixed + plus, CASES, "reverse") == (
        "+0 whatever x and the seed: relu_python; mixed: relu (follows the cotangent's sign in float16, keeps +0 in float32)")


# --- findings ----------------------------------------------------------------------


def test_findings_are_ordered_by_severity_with_the_seed_kink_as_a_convention():
    rows = []
    for fw, modes, kink_b in (("torch", ("eager", "compiled"), "0.0"), ("jax", ("eager",), "0.0"),
                              ("tensorflow", ("eager", "graph"), "-0.0")):
        for mode in modes:
            # the seed's kink, cotangent -1, d/db (results/sample): TF eager/graph multiply
            rows.append(real(fw, mode, "float32", "relu", "kink", "reverse", "-1.0", "b", kink_b))
            rows.append(real(fw, mode, "float64", "norm", "kink", "reverse", "1.0", "w",
                             "0.0" if fw == "torch" else "nan"))
            rows.append(real(fw, mode, "float64", "leaky_relu", "kink", "reverse", "1.0", "b",
                             "0.009999999776482582" if fw == "tensorflow" else "0.01" if fw == "torch" else "1.0"))
    annotated = judge_rows(rows, CASES)
    found = findings(annotated, compare.build_matrices(annotated, CASES))
    kinds = [f.record.category for f in found]
    assert kinds == sorted(kinds, key=CATEGORIES.index)
    # One finding per framework (one maintainer each). leaky_relu: torch 0.01, jax 1.0,
    # TensorFlow its float32 alpha: one vote each, no majority, so the different
    # subgradients are a finding for every valid cell.
    assert [(f.record.category, f.record.case, f.record.framework) for f in found] == [
        ("wrong value", "norm", "jax"), ("wrong value", "norm", "tensorflow"),
        ("different subgradient", "leaky_relu", "torch"), ("different subgradient", "leaky_relu", "jax"),
        ("definitional", "leaky_relu", "tensorflow"), ("convention", "relu", "tensorflow")]
    seed = found[-1]
    assert {(r["framework"], r["mode"]) for r in seed.items} == {("tensorflow", "eager"), ("tensorflow", "graph")}
    assert seed.record.modes == "eager, graph"
    assert [f.record.id for f in found] == [f"F{i:03d}" for i in range(1, 7)]
    assert found[0].anchor == "f001"


def test_flushed_result_and_a_cancelled_zero():
    """Two values measured by tests/test_properties.py (hypothesis, eager mode)."""
    from crossgrad.case import exact
    from crossgrad.judging.verdicts import judge

    # jax leaky_relu float32 at z = -1.8178040e-38: 0.01*z is subnormal, written as -0.0
    assert judge(-0.0, "ok", exact(-1.8178040246686931e-40), "float32") == (
        "flushed", "subnormal result written as 0")
    # TensorFlow elu float32 at z = -4.686e-12: exp(z) - 1 cancels to 0 (expm1 would not):
    # every digit lost, but within a few eps of the O(1) terms: imprecise, not invalid
    assert judge(0.0, "ok", exact(-4.686039750667737e-12), "float32") == ("imprecise", "")
    # the same zero for a truth beyond the absolute floor is a wrong value
    assert judge(0.0, "ok", exact(-1e-3), "float32") == ("invalid", "")
    # never the opposite sign of a nonzero truth, however close
    assert judge(4.0e-12, "ok", exact(-4.686039750667737e-12), "float32") == ("invalid", "")


# --- end to end ----------------------------------------------------------------------


def _mathematically_valid(value: float, truth: str) -> bool:
    """Inside the Clarke set, or equal to the truth but for a zero's sign."""
    if truth.startswith("["):
        lo, hi = (float(t) for t in truth[1:-1].split(","))
        return lo <= value <= hi
    if truth in ("", "undefined"):
        return False
    return value == (0.0 if truth == "±0.0" else float(truth))  # == on purpose: -0.0 == 0.0


@pytest.mark.integration
def test_a_run_marks_no_valid_value_invalid(tmp_path):
    """crossgrad run on the cases of issue 10 (eager, torch and jax): every `invalid`
    row is truly wrong; flush-to-zero and the tanh gelu get their own classes; the
    report leads with findings and links a page per case."""
    import csv
    import os
    import subprocess
    import sys

    pytest.importorskip("torch")
    pytest.importorskip("jax")
    out = tmp_path / "run"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run([sys.executable, "-m", "crossgrad", "run", "--frameworks", "torch,jax", "--modes", "eager",
                    "--cases", "relu,norm,gelu,sqrt,leaky_relu", "--no-timings", "--out", str(out)],
                   check=True, env=env, capture_output=True, timeout=900)
    with open(out / "gradients.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    invalid = [r for r in rows if r["verdict"] == "invalid"]
    assert not [r for r in invalid if _mathematically_valid(float(r["value"]), r["truth"])]
    verdicts = {r["verdict"] for r in rows}
    assert {"exact", "subgradient", "flushed", "definitional"} <= verdicts
    sqrt_kink = [r for r in rows if (r["case"], r["point"], r["ad"]) == ("sqrt", "kink", "reverse")]
    assert sqrt_kink and {r["verdict"] for r in sqrt_kink} == {"exact"}  # +inf on its domain
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.index("## Findings") < report.index("## Conventions") < report.index("## Summary")
    for case in ("relu", "norm", "gelu", "sqrt", "leaky_relu"):
        assert f"(cases/{case}.md)" in report and (out / "cases" / f"{case}.md").exists()


# --- NaN a standard defines (issue 20 item 2) ------------------------------------------------


@pytest.mark.parametrize("value, expected", [("nan", "exact"), ("-nan", "exact"), ("0.0", "invalid"),
                                             ("11.0", "invalid"), ("inf", "invalid")])
def test_a_value_that_drops_the_nan_relu_must_propagate_is_invalid(value, expected):
    """relu(NaN) is NaN (IEEE 754-2019 maximum propagates it): a 0 or a number is invalid;
    any NaN, either sign, is exact."""
    row = real("torch", "eager", "float32", "relu", "nan", "none", "", "", value)
    assert judge_rows([row], CASES)[0]["verdict"] == expected


def test_a_derivative_at_a_nan_input_stays_undefined_whatever_comes_back():
    """No standard defines a derivative at NaN: 0, 1 and NaN are all conventions."""
    for value in ("0.0", "1.0", "nan"):
        row = real("torch", "eager", "float32", "relu", "nan", "reverse", "1.0", "w", value)
        assert judge_rows([row], CASES)[0]["verdict"] == "undefined"


def test_where_takes_its_else_branch_at_nan_so_its_value_is_zero_not_nan():
    """where(z > 0, z, 0) at z = NaN: NaN > 0 is false, the program's value is 0."""
    judged = judge_rows([real("torch", "eager", "float32", "where", "nan", "none", "", "", v)
                       for v in ("0.0", "nan")], CASES)
    assert [r["verdict"] for r in judged] == ["exact", "invalid"]
