"""crossgrad.reporting.row_groups: the rows grouped once per report, given back in run order."""
from __future__ import annotations

from crossgrad.reporting.report_text import table
from crossgrad.reporting.row_groups import RowGroups


def _rows():
    return [{"case": "relu", "dtype": "float32", "ad": "reverse", "cotangent": "-1.0", "verdict": "exact", "n": 0},
            {"case": "abs", "dtype": "float32", "ad": "reverse", "cotangent": "-1.0", "verdict": "exact", "n": 1},
            {"case": "relu", "dtype": "float64", "ad": "forward", "tangent": "1.0", "verdict": "error", "n": 2},
            {"case": "relu", "dtype": "float32", "ad": "reverse", "cotangent": "-1.0", "verdict": "exact", "n": 3},
            {"case": "abs", "dtype": "float16", "ad": "reverse", "cotangent": "-1.0", "verdict": "exact", "n": 4}]


def test_keys_are_in_the_order_of_their_first_rows_and_rows_come_back_in_run_order():
    rows = _rows()
    groups = RowGroups(rows)
    keys = groups.keys()
    assert [(k.case, k.dtype) for k in keys] == [("relu", "float32"), ("abs", "float32"), ("relu", "float64"),
                                                 ("abs", "float16")]
    assert [k.number for k in keys] == [0, 1, 2, 3]
    # rows missing a field read it as None, as row.get does
    assert keys[0].tangent is None and keys[2].cotangent is None
    assert [r["n"] for r in groups.rows(lambda k: k.case == "relu")] == [0, 2, 3]
    assert [r["n"] for r in groups.rows_of([keys[3], keys[0]])] == [0, 3, 4]
    assert groups.size([keys[0], keys[1]]) == 3
    assert [(k.case, r["n"]) for k, r in groups.keyed_rows(keys[:2])] == [("relu", 0), ("abs", 1), ("relu", 3)]
    by_case = groups.grouped(lambda k: k.case, lambda k: k.verdict == "exact")
    assert list(by_case) == ["relu", "abs"]
    assert [[r["n"] for r in rs] for rs in by_case.values()] == [[0, 3], [1, 4]]


def test_a_float_field_keeps_each_groups_own_value():
    """Text fields are coded by value; a field holding floats is kept as is, so two groups'
    -0.0 and 0.0 stay apart (a dict would read them as one)."""
    rows = [{"case": "a", "cotangent": 0.0}, {"case": "b", "cotangent": -0.0}]
    keys = RowGroups(rows).keys()
    assert [str(k.cotangent) for k in keys] == ["0.0", "-0.0"]


def test_no_rows_no_groups():
    groups = RowGroups([])
    assert groups.keys() == [] and groups.rows(lambda k: True) == [] and groups.size([]) == 0


def test_table_is_the_same_made_in_blocks_or_row_by_row():
    """report_text.table makes blocks of rows one line each at once; a cell holding its
    separators goes row by row: both give each cell on one line, `|` escaped."""
    body = [[f"v{i}", "a|b", "two\nlines"] for i in range(600)]
    text = table(["x", "y", "z"], body)
    assert text.splitlines()[2] == "| v0 | a\\|b | two lines |"
    assert len(text.splitlines()) == 602
    odd = table(["x"], [["a\x00b"], ["c\x01d"]])
    assert odd.splitlines()[2:] == ["| a\x00b |", "| c\x01d |"]
