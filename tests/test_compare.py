"""Bitwise classification of a matrix row, and the matrices and summary built on it."""
import math

from crossgrad import compare
from crossgrad.case import UNDEFINED, Case, Point, exact, subgradients
from crossgrad.compare import (ALL_AGREE, DIFFER, ERRORED, SIGN_OF_ZERO, build_matrices,
                               classify, columns, summary_cell)
from crossgrad.truth import annotate

TE, TC, JE, JC, FE = "torch eager", "torch compiled", "jax eager", "jax compiled", "tf eager"


def test_all_agree_including_nan_with_nan():
    assert classify({TE: 1.0, JE: 1.0}).label == ALL_AGREE
    v = classify({TE: math.nan, JE: float("nan"), FE: -math.nan})
    assert (v.label, v.odd) == (ALL_AGREE, ())


def test_sign_of_zero_difference_and_its_odd_cell():
    v = classify({TE: -0.0, TC: 0.0, JE: 0.0, FE: 0.0})
    assert v.label == SIGN_OF_ZERO
    assert v.odd == (TE,)


def test_differ_in_value_marks_the_minority():
    v = classify({TE: 1.0, TC: 1.0, JE: math.nan, FE: 1.0})
    assert (v.label, v.odd) == (DIFFER, (JE,))
    v = classify({TE: 0.0, JE: math.nan})  # a zero and a NaN differ in value
    assert v.label == DIFFER


def test_some_errored_keeps_the_values_label_and_odd_cells():
    v = classify({TE: -0.0, TC: None, JE: 0.0, JC: 0.0})
    assert v.label == ERRORED
    assert v.values_label == SIGN_OF_ZERO
    assert v.errored == (TC,)
    assert v.odd == (TE,)
    v = classify({TE: None, JE: None})
    assert (v.label, v.values_label, v.odd) == (ERRORED, ALL_AGREE, ())


def test_tie_prefers_reference_then_finite_then_first_column():
    cells = {TE: -0.0, TC: -0.0, JE: 0.0, JC: 0.0}
    assert classify(cells).odd == (JE, JC)                  # no reference: first column wins
    assert classify(cells, reference=0.0).odd == (TE, TC)  # the truth's group wins
    cells = {TE: math.nan, JE: 2.0}
    assert classify(cells).odd == (TE,)                     # finite over NaN
    assert classify({TE: 1.0, JE: 2.0, FE: 3.0}).odd == (JE, FE)


def test_a_single_value_is_never_odd():
    assert classify({TE: 5.0, JE: None}).odd == ()


# --- matrices and summary ------------------------------------------------------------

def relu(ops, x, w, b):
    return ops.relu(x * w + b)


CASES = {"relu": Case("relu", relu, (
    Point("smooth", 3.0, 2.0, 1.0, exact(7.0), exact(1.0), exact(0.0)),
    Point("kink", -1.0, 1.0, 1.0, exact(0.0), subgradients(0.0, 1.0), UNDEFINED)))}


def row(fw, mode, value, point="kink", ad="reverse", seed="1.0", **kw):
    r = {"framework": fw, "mode": mode, "device": "cpu", "dtype": "float32", "case": "relu",
         "point": point, "ad": ad, "wrt": "w", "cotangent": seed, "tangent": "", "index": 0,
         "value": value, "outcome": "ok" if value is not None else "error", "detail": "",
         "x": "-1.0", "w": "1.0", "b": "1.0"}
    r.update(kw)
    return r


def test_columns_order_frameworks_then_modes():
    rows = [row("tensorflow", "graph", "0.0"), row("jax", "compiled", "0.0"),
            row("torch", "compiled", "0.0"), row("tensorflow", "eager", "0.0"),
            row("torch", "eager", "0.0")]
    assert columns(rows) == [("torch", "eager", "cpu"), ("torch", "compiled", "cpu"),
                             ("jax", "compiled", "cpu"), ("tensorflow", "eager", "cpu"),
                             ("tensorflow", "graph", "cpu")]


def test_matrix_rows_in_report_order_and_summary_standing():
    rows = annotate([
        row("jax", "eager", "0.0", seed="-1.0"), row("torch", "eager", "-0.0", seed="-1.0"),
        row("jax", "eager", "0.0"), row("torch", "eager", "-0.0"),
        row("jax", "eager", "3.0", point="smooth"), row("torch", "eager", "3.0", point="smooth"),
        row("jax", "eager", "nan", point="smooth", seed="-1.0"),
        row("torch", "eager", "-3.0", point="smooth", seed="-1.0"),
    ], CASES)
    matrix = build_matrices(rows, CASES)[("relu", "float32")]
    assert [m.key[:3] for m in matrix] == [("smooth", "reverse", "1.0"), ("smooth", "reverse", "-1.0"),
                                           ("kink", "reverse", "1.0"), ("kink", "reverse", "-1.0")]
    assert matrix[2].verdict.label == SIGN_OF_ZERO
    # The tie at kink seed +1 (-0.0 vs 0.0) has no exact truth: the first column (torch) wins.
    assert matrix[2].verdict.odd == (("jax", "eager", "cpu"),)
    # At smooth seed -1 the truth -3.0 breaks the tie: jax's NaN is the odd one.
    assert matrix[1].verdict.odd == (("jax", "eager", "cpu"),)
    standing, text = summary_cell(matrix, ("jax", "eager", "cpu"))
    assert standing == "invalid"
    assert "NaN ×1" in text and "odd ×3" in text
    standing, text = summary_cell(matrix, ("torch", "eager", "cpu"))
    assert (standing, text) == ("subgradient", "subgradient ×2")


def test_summary_cell_all_exact_error_and_unsupported():
    rows = annotate([row("torch", "eager", "3.0", point="smooth"),
                     row("jax", "eager", None, point="smooth"),
                     row("tensorflow", "eager", None, point="smooth", outcome="unavailable")], CASES)
    matrix = build_matrices(rows, CASES)[("relu", "float32")]
    assert summary_cell(matrix, ("torch", "eager", "cpu")) == ("exact", "exact")
    assert summary_cell(matrix, ("jax", "eager", "cpu")) == ("error", "error")
    assert summary_cell(matrix, ("tensorflow", "eager", "cpu")) == ("unsupported", "unsupported")
    assert summary_cell(matrix, ("torch", "graph", "cpu")) == ("none", "—")


def test_exact_cell_outside_the_majority_is_not_flagged_in_the_summary():
    cases = {"relu": Case("relu", relu, (Point("negative", -3.0, 2.0, 1.0, exact(0.0), exact(0.0),
                                                exact(0.0)),))}
    rows = annotate([row(fw, "eager", v, point="negative") for fw, v in
                     (("torch", "-0.0"), ("jax", "0.0"), ("tensorflow", "0.0"))], cases)
    matrix = build_matrices(rows, cases)[("relu", "float32")]
    assert matrix[0].verdict.odd == (("torch", "eager", "cpu"),)
    assert summary_cell(matrix, ("torch", "eager", "cpu")) == ("exact", "exact")
    assert summary_cell(matrix, ("jax", "eager", "cpu")) == ("sign-of-zero", "sign-of-zero")


def test_bit_key_never_folds_zeros():
    assert compare.bit_key(0.0) != compare.bit_key(-0.0)
    assert compare.bit_key(math.nan) == compare.bit_key(-math.nan)
