"""records.jsonl read into columns (crossgrad.core.gradient_columns) and judged over them
(crossgrad.judging.judge): the same rows, the same refusals and the same verdicts as the
dict-per-row reader (records.read_jsonl) and judge (verdicts.annotate) they replace."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossgrad.catalogue import cases
from crossgrad.core.gradient_columns import columns_of_rows, read_columns
from crossgrad.core.packed_rows import packed
from crossgrad.core.records import RecordFormatError, read_jsonl
from crossgrad.core.row_check import GRADIENT_RULES
from crossgrad.core.run_folder import NAMED, REQUIRED
from crossgrad.judging.judge import judge
from crossgrad.judging.verdicts import annotate

SAMPLE = Path(__file__).resolve().parents[1] / "results" / "sample" / "records.jsonl"


def _row(**fields) -> dict:
    row = {"framework": "torch", "framework_version": "2.0", "device": "cpu", "dtype": "float64",
           "mode": "eager", "case": "relu", "primitive": "relu", "ad": "reverse", "point": "kink", "wrt": "b",
           "cotangent": "1.0", "tangent": "", "x": "1.0", "w": "1.0", "b": "-1.0", "index": 0,
           "value": "0.0", "bits": "0x0000000000000000", "outcome": "ok", "detail": "", "schema_version": 3}
    return dict(row, **fields)


def _lines(tmp_path: Path, lines: list, torn: str = "") -> Path:
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + torn)
    return path


def _vector() -> list[dict]:
    return [_row(point="tie", index=i, value=v, bits=b, x="", w="")
            for i, (v, b) in enumerate((("0.5", "0x3fe0000000000000"), ("-0.0", "0x8000000000000000")))]


def test_columns_hold_what_read_jsonl_reads_plain_and_vector_lines_and_a_torn_last_line(tmp_path):
    lines = [_row(), *packed(_vector()), _row(point="smooth", value=None, bits="", outcome="error"),
             {k: v for k, v in _row(point="negative").items() if k != "bits"}]  # a field some lines lack
    assert any("elements" in line for line in lines)
    path = _lines(tmp_path, lines, torn='{"framework": "torch", "dev')
    want = columns_of_rows(read_jsonl(path, REQUIRED, NAMED, GRADIENT_RULES))
    got = read_columns(path, REQUIRED, NAMED)
    assert got == want
    assert got["value"] == ["0.0", "0.5", "-0.0", None, "0.0"] and got["index"] == [0, 0, 1, 0, 0]
    assert got["bits"][-1] is None


def test_columns_equal_read_jsonl_on_the_sample_run():
    want = columns_of_rows(read_jsonl(SAMPLE, REQUIRED, NAMED, GRADIENT_RULES))
    got = read_columns(SAMPLE, REQUIRED, NAMED)
    assert list(got) == list(want) and got == want


@pytest.mark.parametrize("damage", [
    {"value": "5"},  # not a float as Python writes it
    {"value": 0.5},  # a number where text is due
    {"index": True},  # a JSON true is not the integer 1
    {"index": 1.0},
    {"case": "../x"},  # not a name
    {"schema_version": "3"},  # read_jsonl reads the int versions only
    {"outcome": "fine"},
    {"x": ["1.0"]},  # unhashable: a list
])
def test_a_bad_field_is_refused_with_read_jsonl_s_own_message(tmp_path, damage):
    path = _lines(tmp_path, [_row(), _row(point="smooth", **damage)])
    with pytest.raises(RecordFormatError) as want:
        read_jsonl(path, REQUIRED, NAMED, GRADIENT_RULES)
    with pytest.raises(RecordFormatError) as got:
        read_columns(path, REQUIRED, NAMED)
    assert str(got.value) == str(want.value) and ":2:" in str(got.value)


@pytest.mark.parametrize("line", ['{"framework": "torch"', "[1, 2]", json.dumps({"framework": "torch"})])
def test_a_broken_or_incomplete_line_before_the_last_is_refused_alike(tmp_path, line):
    path = tmp_path / "records.jsonl"
    path.write_text(line + "\n" + json.dumps(_row()) + "\n")
    with pytest.raises(RecordFormatError) as want:
        read_jsonl(path, REQUIRED, NAMED, GRADIENT_RULES)
    with pytest.raises(RecordFormatError) as got:
        read_columns(path, REQUIRED, NAMED)
    assert str(got.value) == str(want.value)


def test_judge_gives_annotate_s_truth_verdict_and_form_on_the_sample_run():
    rows = annotate(read_jsonl(SAMPLE, REQUIRED, NAMED, GRADIENT_RULES), cases())
    table = judge(read_columns(SAMPLE, REQUIRED, NAMED), cases())
    assert len(table) == len(rows)
    for name in ("truth", "verdict", "form"):
        assert table.column(name) == [r[name] for r in rows], name
    assert {"exact", "invalid"} <= set(table.column("verdict"))


def test_judge_tells_minus_zero_from_zero_and_judges_each_value(tmp_path):
    """Two rows of one quantity that differ only in the sign of a zero, or in the value, are
    judged apart (the group key holds the value exactly)."""
    lines = [_row(point="negative", wrt="b", value=v, bits="") for v in ("0.0", "-0.0", "0.5", "0.0")]
    table = judge(read_columns(_lines(tmp_path, lines), REQUIRED, NAMED), cases())
    want = annotate([dict(r) for r in lines], cases())
    assert table.column("verdict") == [r["verdict"] for r in want]
    assert table.column("verdict")[2] == "invalid" and table.column("verdict")[0] == "exact"


def test_gradients_csv_from_the_columns_is_what_write_csv_writes(tmp_path):
    from crossgrad.core.records import write_csv
    from crossgrad.core.rows import GRADIENT_COLUMNS

    rows = annotate(read_jsonl(SAMPLE, REQUIRED, NAMED, GRADIENT_RULES), cases())
    write_csv(tmp_path / "want.csv", rows, GRADIENT_COLUMNS)
    judge(read_columns(SAMPLE, REQUIRED, NAMED), cases()).write_csv(tmp_path / "got.csv")
    assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "want.csv").read_bytes()


def test_a_run_without_records_writes_gradients_csv_s_header_only(tmp_path):
    from crossgrad.core.records import write_csv
    from crossgrad.core.rows import GRADIENT_COLUMNS

    path = tmp_path / "records.jsonl"
    path.write_text("")
    table = judge(read_columns(path, REQUIRED, NAMED), cases())
    assert len(table) == 0 and table.rows() == []
    table.write_csv(tmp_path / "got.csv")
    write_csv(tmp_path / "want.csv", [], GRADIENT_COLUMNS)
    assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "want.csv").read_bytes()
