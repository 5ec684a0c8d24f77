"""Bitwise classification of a matrix row, and the matrices and summary built on it."""
import math

from crossgrad.case import UNDEFINED, Case, Point, exact, subgradients
from crossgrad.judging.compare import ALL_AGREE, DIFFER, ERRORED, SIGN_OF_ZERO, build_matrices, classify, columns
from crossgrad.judging.summary import summary_cell
from crossgrad.judging.judge import judge_rows
from judged_rows import judged_shape

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
    v = classify({TE: -0.0, TC: None, JE: 0.0, JC: 0.0, FE: 0.0})
    assert v.label == ERRORED
    assert v.values_label == SIGN_OF_ZERO
    assert v.errored == (TC,)
    assert v.odd == (TE,)
    v = classify({TE: None, JE: None})
    assert (v.label, v.values_label, v.odd) == (ERRORED, ALL_AGREE, ())


TF3 = {("tensorflow", m, "cpu"): -0.0 for m in ("eager", "graph", "compiled")}


def test_three_modes_of_one_framework_do_not_outvote_two_frameworks():
    # TensorFlow's three modes weigh one vote: torch and jax (two votes) are the majority.
    v = classify({**TF3, ("torch", "eager", "cpu"): 0.0, ("jax", "eager", "cpu"): 0.0})
    assert v.odd == tuple(TF3)
    assert set(v.causes.values()) == {"sign of zero"}


def test_three_modes_against_one_framework_is_no_clear_majority():
    v = classify({**TF3, ("torch", "eager", "cpu"): 0.0})
    assert (v.label, v.odd) == (SIGN_OF_ZERO, ())  # one vote each: nobody is odd
    # nor does the truth make one framework a majority against another (issue 23: "odd" against
    # a "majority" of one); the verdicts say which value is right
    assert classify({**TF3, ("torch", "eager", "cpu"): 0.0}, reference=0.0).odd == ()
    assert classify({TE: 0.0, JE: -0.0}, reference=0.0).odd == ()


def test_a_framework_whose_modes_disagree_splits_its_vote():
    v = classify({("torch", "eager", "cpu"): 1.0, ("torch", "compiled", "cpu"): 2.0,
                  ("jax", "eager", "cpu"): 1.0})
    assert v.odd == (("torch", "compiled", "cpu"),)  # 1.5 votes against 0.5
    assert v.causes == {("torch", "compiled", "cpu"): "value"}


def test_an_invalid_group_is_never_the_majority():
    # norm at its kink (results/sample): torch returns a subgradient, jax and TensorFlow NaN.
    cells = {("torch", "eager", "cpu"): 0.0, ("jax", "eager", "cpu"): math.nan,
             ("tensorflow", "eager", "cpu"): math.nan, ("tensorflow", "graph", "cpu"): math.nan}
    v = classify(cells)
    assert v.odd == (("jax", "eager", "cpu"), ("tensorflow", "eager", "cpu"), ("tensorflow", "graph", "cpu"))
    assert set(v.causes.values()) == {"invalid"}
    v = classify({TE: math.nan, JE: math.nan})
    assert v.odd == ()  # no eligible group: nobody is odd


def test_odd_causes_subgradient_and_last_bits():
    v = classify({TE: 0.0, JE: 0.0, FE: -1.0}, is_set=True)
    assert v.causes == {FE: "subgradient"}
    v = classify({TE: 1.0, JE: 1.0, FE: 1.0 + 2.0 ** -22}, rtol=2.0 ** -18)
    assert v.causes == {FE: "ulp"}
    v = classify({TE: 1.0, JE: 1.0, FE: 1.5}, rtol=2.0 ** -18)
    assert v.causes == {FE: "value"}


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
    rows = judge_rows([
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
    # One vote each at kink seed +1 (-0.0 vs 0.0): no clear majority, nobody is odd.
    assert matrix[2].verdict.odd == ()
    # At smooth seed -1 jax's NaN is invalid: never the majority, so it is the odd one.
    assert matrix[1].verdict.odd == (("jax", "eager", "cpu"),)
    assert matrix[1].verdict.causes == {("jax", "eager", "cpu"): "invalid"}
    standing, text = summary_cell(matrix, ("jax", "eager", "cpu"))
    assert (standing, text) == ("invalid", "NaN ×1")
    standing, text = summary_cell(matrix, ("torch", "eager", "cpu"))
    assert (standing, text) == ("subgradient", "subgradient ×2")


def test_summary_cell_all_exact_error_and_unsupported():
    rows = judge_rows([row("torch", "eager", "3.0", point="smooth"),
                     row("jax", "eager", None, point="smooth"),
                     row("tensorflow", "eager", None, point="smooth", outcome="unavailable")], CASES)
    matrix = build_matrices(rows, CASES)[("relu", "float32")]
    assert summary_cell(matrix, ("torch", "eager", "cpu")) == ("exact", "exact")
    assert summary_cell(matrix, ("jax", "eager", "cpu")) == ("error", "error")
    assert summary_cell(matrix, ("tensorflow", "eager", "cpu")) == ("unavailable", "unavailable")
    assert summary_cell(matrix, ("torch", "graph", "cpu")) == ("none", "—")


def test_a_zero_of_the_other_sign_is_exact_and_flagged_as_a_convention():
    cases = {"relu": Case("relu", relu, (Point("negative", -3.0, 2.0, 1.0, exact(0.0), exact(0.0),
                                                exact(0.0)),))}
    rows = judge_rows([row(fw, "eager", v, point="negative") for fw, v in
                     (("torch", "-0.0"), ("jax", "0.0"), ("tensorflow", "0.0"))], cases)
    matrix = build_matrices(rows, cases)[("relu", "float32")]
    assert matrix[0].verdict.odd == (("torch", "eager", "cpu"),)
    assert [r["verdict"] for r in rows] == ["exact", "exact", "exact"]
    assert summary_cell(matrix, ("torch", "eager", "cpu")) == ("convention", "odd ±0")
    assert summary_cell(matrix, ("jax", "eager", "cpu")) == ("exact", "exact")


def test_matrices_grouped_by_raw_fields_are_those_of_a_row_key_per_row():
    """matrix_cells groups by the judge's quantity numbers, then makes each key canonical once;
    where two spellings name one key ("1.0" and "1" as a seed, None and "" as a device) it
    keys row by row. Either way the result is RowKey.of's."""
    from crossgrad.judging import matrix_cells
    plain = [row("jax", "eager", "0.0"), row("torch", "eager", "-0.0"), row("jax", "eager", "3.0", point="smooth")]
    spelled = plain + [row("torch", "compiled", "0.0", seed="1"), row("torch", "graph", "0.0", device=None)]
    floats = plain + [row("torch", "compiled", "0.0", seed=-0.0), row("torch", "graph", "0.0", seed=0.0)]
    plain, spelled, floats = (judged_shape(rows) for rows in (plain, spelled, floats))  # quantities numbered
    for rows in (plain, spelled, floats):
        assert matrix_cells.grouped_cells(rows) == matrix_cells._by_row_keys(rows)
    assert matrix_cells._canonical(matrix_cells.raw_cells(plain)) is not None  # the fast way was taken
    assert matrix_cells._canonical(matrix_cells.raw_cells(spelled)) is None
    assert matrix_cells.raw_cells(floats) is None  # two of the judge's quantities, one raw key
    assert len(matrix_cells.grouped_cells(floats)[("relu", "float32")]) == 4  # -0.0 and 0.0: two seeds
    assert matrix_cells.raw_cells([{k: v for k, v in r.items() if k != "quantity_number"} for r in plain]) is None


def test_rows_of_equal_values_share_a_verdict_and_a_zero_of_another_sign_does_not():
    """build_matrices classifies each distinct (columns, values, invalid, reference) once; the
    values key it as text (-0.0 is not 0.0), floats are classified one by one."""
    for zero, negative in (("0.0", "-0.0"), (0.0, -0.0)):
        rows = judge_rows([row("jax", "eager", zero, seed="1.0"), row("torch", "eager", zero, seed="1.0"),
                         row("jax", "eager", zero, seed="2.0"), row("torch", "eager", negative, seed="2.0"),
                         row("jax", "eager", zero, seed="3.0"), row("torch", "eager", zero, seed="3.0")], CASES)
        labels = [m.verdict.label for m in build_matrices(rows, CASES)[("relu", "float32")]]
        assert labels == [ALL_AGREE, SIGN_OF_ZERO, ALL_AGREE], zero
