"""records.jsonl read into columns (crossgrad.core.gradient_columns) and judged over them
(crossgrad.judging.judge): the same rows, the same refusals and the same verdicts as the
dict-per-row reader (records.read_jsonl) and the rule judged one row at a time
(verdicts.row_verdict on each row alone: no grouping, no memo) give."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from crossgrad.catalogue import cases
from crossgrad.core import gradient_columns
from crossgrad.core.gradient_columns import columns_of_rows, read_columns
from crossgrad.core.packed_rows import packed
from crossgrad.core.records import RecordFormatError, read_jsonl
from crossgrad.core.row_check import GRADIENT_RULES
from crossgrad.core.run_folder import NAMED, REQUIRED
from crossgrad.judging.judge import judge
from crossgrad.judging.truth import truth_text
from crossgrad.judging.verdicts import row_verdict

SAMPLE = Path(__file__).resolve().parents[1] / "results" / "sample" / "records.jsonl"


def one_at_a_time(rows: list[dict], catalogue: dict) -> list[dict]:
    """The reference judge: each row judged by verdicts.row_verdict (no grouping of rows; the
    memo of each quantity's truth shared), its truth, verdict and form filled in."""
    standards: dict = {}
    for row in rows:
        verdict, form, truth = row_verdict(row, catalogue, standards)
        row.update(truth=truth_text(truth), verdict=verdict, form=form)
    return rows


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


def test_judge_gives_the_one_row_rule_s_truth_verdict_and_form_on_the_sample_run():
    rows = one_at_a_time(read_jsonl(SAMPLE, REQUIRED, NAMED, GRADIENT_RULES), cases())
    table = judge(read_columns(SAMPLE, REQUIRED, NAMED), cases())
    assert len(table) == len(rows)
    for name in ("truth", "verdict", "form"):
        assert table.column(name) == [r[name] for r in rows], name
    assert {"exact", "invalid"} <= set(table.column("verdict"))


def test_judge_types_each_value_and_truth_as_crossgrad_load_run_does_on_the_sample_run():
    """`number` and truth_kind/truth_value/truth_signed (issue 19: no reader parses text again)
    agree, row for row and bit for bit, with the typed table crossgrad.load_run makes of the
    gradients.csv these columns write."""
    import crossgrad
    from crossgrad.core.same_value import same_value

    table = judge(read_columns(SAMPLE, REQUIRED, NAMED), cases())
    typed = crossgrad.load_run(SAMPLE.parent).gradients
    assert len(typed) == len(table)
    has_value = typed["bits"].notna().tolist()
    numbers = [v if has else None for v, has in zip(typed["value"].tolist(), has_value)]
    assert all(map(same_value, table.column("number"), numbers))
    assert table.column("truth_kind") == typed["truth_kind"].astype(str).tolist()
    assert all(map(same_value, table.column("truth_value"), typed["truth_value"].tolist()))
    signed = [None if s is pd.NA else bool(s) for s in typed["truth_signed"].tolist()]
    assert table.column("truth_signed") == signed
    assert {"exact", "set", "undefined"} <= set(table.column("truth_kind")) and False in signed
    assert None in table.column("number") and any(n == 0.0 and str(n) == "-0.0" for n in table.column("number"))


def test_judge_tells_minus_zero_from_zero_and_judges_each_value(tmp_path):
    """Two rows of one quantity that differ only in the sign of a zero, or in the value, are
    judged apart (the group key holds the value exactly)."""
    lines = [_row(point="negative", wrt="b", value=v, bits="") for v in ("0.0", "-0.0", "0.5", "0.0")]
    table = judge(read_columns(_lines(tmp_path, lines), REQUIRED, NAMED), cases())
    want = one_at_a_time([dict(r) for r in lines], cases())
    assert table.column("verdict") == [r["verdict"] for r in want]
    assert table.column("verdict")[2] == "invalid" and table.column("verdict")[0] == "exact"


def test_gradients_csv_from_the_columns_is_what_write_csv_writes(tmp_path):
    from crossgrad.core.records import write_csv
    from crossgrad.core.rows import GRADIENT_COLUMNS

    rows = one_at_a_time(read_jsonl(SAMPLE, REQUIRED, NAMED, GRADIENT_RULES), cases())
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


def _same_as_read_jsonl(path: Path) -> dict:
    want = columns_of_rows(read_jsonl(path, REQUIRED, NAMED, GRADIENT_RULES))
    got = read_columns(path, REQUIRED, NAMED)
    assert list(got) == list(want) and got == want
    assert [[type(v) for v in c] for c in got.values()] == [[type(v) for v in c] for c in want.values()]
    return got


@pytest.mark.parametrize("text", [
    # the fields in another order (TensorFlow's lines), blank lines between
    "\n".join([json.dumps(_row()), json.dumps(dict(reversed(list(_row().items())))), "", "  ",
               json.dumps(_row(point="negative"))]) + "\n",
    # a name repeated in two pieces (the last value wins, as json.loads gives it), CRLF line ends
    json.dumps(_row())[:-1] + ', "framework": "jax"}\r\n' + json.dumps(_row())[:-1] + ', "case": "tanh", "index": 1}\r\n',
    # what the cut looks for inside a text: it does not cut there
    json.dumps(_row(detail='a, "case": b, "index": 0')) + "\n" + json.dumps(_row(primitive=', "index": ')) + "\n",
    # a field json.dumps writes with escapes, a control character the cut itself uses (\x1e), no newline at the end
    json.dumps(_row(detail="tab\t \x1e é ✓")) + "\n" + json.dumps(_row(point="smooth")),
    # a separator other than json.dumps': parsed whole
    json.dumps(_row(), separators=(",", ":")) + "\n" + json.dumps(_row(point="smooth")) + "\n",
    # a line cut once too few (point first), then one cut once too many (a nested "case"): four
    # pieces a line all the same, which the chunk's single split must not take as lines
    json.dumps({"point": "smooth", **_row()}) + "\n" + json.dumps(_row(extra={"a": 1, "case": 2})) + "\n",
    # a torn last line that the cut would split in three
    json.dumps(_row()) + "\n" + json.dumps(_row(point="smooth"))[:-30],
])
def test_columns_hold_what_read_jsonl_reads_of_lines_the_pieces_do_not_fit(tmp_path, text, monkeypatch):
    path = tmp_path / "records.jsonl"
    path.write_bytes(text.encode())
    want = _same_as_read_jsonl(path)
    assert want["case"]
    monkeypatch.setattr(gradient_columns, "read_jsonl", None)  # read by the pieces, not handed to read_jsonl
    assert read_columns(path, REQUIRED, NAMED) == want


def test_columns_of_many_chunks_with_vector_lines_between(tmp_path, monkeypatch):
    """Lines across chunks (a small chunk forced), vector lines among them, a field nested in
    an object that holds what the cut looks for: the same columns as read_jsonl's."""
    from crossgrad.core import line_pieces

    monkeypatch.setattr(line_pieces, "_CHUNK", 700)
    lines = []
    for n in range(40):
        lines.append(_row(point=f"p{n}", value=repr(n / 7)))
        if n % 7 == 0:
            lines.extend(packed(_vector()))
        if n % 11 == 0:
            lines.append(_row(point=f"q{n}", extra={"case": 1, "index": 2}))
    path = _lines(tmp_path, lines)
    got = _same_as_read_jsonl(path)
    assert len(got["value"]) == 40 + 6 * 2 + 4 and "extra" in got
    monkeypatch.setattr(gradient_columns, "read_jsonl", None)  # read by the pieces, not handed to read_jsonl
    assert read_columns(path, REQUIRED, NAMED) == got


@pytest.mark.parametrize("damage", [{"elements": [["0.5"]]}, {"elements": "x"}, {"elements": [["0.5", "0x1"], 2]}])
def test_a_malformed_vector_line_is_refused_with_read_jsonl_s_own_message(tmp_path, damage):
    path = _lines(tmp_path, [_row(), {k: v for k, v in _row(point="tie", **damage).items() if k != "value"}])
    with pytest.raises(RecordFormatError) as want:
        read_jsonl(path, REQUIRED, NAMED, GRADIENT_RULES)
    with pytest.raises(RecordFormatError) as got:
        read_columns(path, REQUIRED, NAMED)
    assert str(got.value) == str(want.value)


def test_csv_text_quotes_as_csv_writer_does(tmp_path):
    """Texts with a comma, a quote, a line break, a lone empty field, ints and None: the same
    bytes as records.write_csv (csv.writer) writes of the rows."""
    from crossgrad.core.csv_text import csv_text
    from crossgrad.core.records import write_csv

    columns = {"a": ["x", "1,2", 'say "hi"', "line\nbreak", "cr\r", None, ""],
               "b": [0, 1, 2, 3, 4, 5, 600], "c": [None, "", "-0.0", "nan", " lead", "é", "tail "],
               "d": [1.5, -0.0, None, True, "t", 2, float("nan")],
               "e": [1, 1.0, None, 1, 2, 3, 4],  # 1.0 meets 1 in a dict: written 1.0 all the same
               "f": ["x", ["x"], None, "y", "z", "x", ""]}  # a list: no dict of the distinct values
    rows = [dict(zip(columns, values)) for values in zip(*columns.values())]
    for header in (("a", "b", "c", "d", "e", "f"), ("c",), ("a",), ("e", "b"), ()):
        write_csv(tmp_path / "want.csv", rows, header)
        assert csv_text([columns[c] for c in header], header, len(rows)) == (tmp_path / "want.csv").read_bytes().decode(), header
    assert csv_text([[], []], ("a", "b"), 0) == "a,b\n"


def test_gradients_csv_is_written_a_block_at_a_time_as_one_text(tmp_path, monkeypatch):
    """JudgedTable.write_csv writes csv_blocks' pieces one after the other (blocks of 3 rows
    here: the last one short): the file is csv_text's, and records.write_csv's of the rows."""
    from crossgrad.core import csv_text
    from crossgrad.core.records import write_csv
    from crossgrad.core.rows import GRADIENT_COLUMNS

    table = judge(read_columns(SAMPLE, REQUIRED, NAMED), cases())
    monkeypatch.setattr(csv_text, "_ROWS", 3)
    blocks = list(csv_text.csv_blocks([table.column(c) for c in GRADIENT_COLUMNS], GRADIENT_COLUMNS, len(table)))
    assert len(table) % 3 and len(blocks) == 1 + len(table) // 3 + 1  # the header, full blocks, the short one
    table.write_csv(tmp_path / "got.csv")
    write_csv(tmp_path / "want.csv", table.rows(), GRADIENT_COLUMNS)
    assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "want.csv").read_bytes()


def test_a_failed_piece_leaves_no_file_behind(tmp_path):
    """atomic_write_pieces: an error while the pieces are made removes the temporary file and
    is raised as it is; the file written before stays whole."""
    from crossgrad.core.records import atomic_write_pieces

    def pieces():
        yield b"half"
        raise KeyError("made wrong")

    (tmp_path / "f.csv").write_bytes(b"before")
    with pytest.raises(KeyError):
        atomic_write_pieces(tmp_path / "f.csv", pieces())
    assert [p.name for p in tmp_path.iterdir()] == ["f.csv"] and (tmp_path / "f.csv").read_bytes() == b"before"


def test_rows_are_the_dicts_of_the_columns():
    table = judge(read_columns(SAMPLE, REQUIRED, NAMED), cases())
    names = list(table.columns)
    rows = table.rows()
    assert len(rows) == len(table) and all(list(r) == names for r in rows)
    assert rows == [dict(zip(names, values)) for values in zip(*table.columns.values())]
    rows[0]["value"], rows[0]["added"] = "changed", 1  # each row its own dict, though their keys are shared
    assert rows[1]["value"] == table.columns["value"][1] and "added" not in rows[1]


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="key-sharing dicts are CPython's")
def test_rows_share_their_keys():
    """JudgedTable.rows' memory (what the report's 400 MB rests on): a row takes less than an
    ordinary dict of the same items, which would hold the keys and their hashes again."""
    rows = judge(read_columns(SAMPLE, REQUIRED, NAMED), cases()).rows()
    assert sys.getsizeof(rows[0]) < sys.getsizeof(dict(rows[0])) / 2


@pytest.mark.parametrize("bad", [b"\xe2\x82", b"\xff", '"\x1e"'.encode()])
def test_a_bad_line_in_a_later_chunk_is_refused_as_the_whole_file_read_refuses_it(tmp_path, monkeypatch, bad):
    """The file is read a chunk at a time (a small chunk forced): bytes that are not UTF-8
    on line 31 are refused with records.read_text's message (the same line and byte), and
    a raw \\x1e (the cut's mark, not JSON) only there with read_jsonl's own message."""
    from crossgrad.core import line_pieces
    from crossgrad.core.records import read_text

    monkeypatch.setattr(line_pieces, "_CHUNK", 700)
    text = "".join(json.dumps(_row(point=f"p{n}")) + "\n" for n in range(30)).encode()
    path = tmp_path / "records.jsonl"
    path.write_bytes(text + json.dumps(_row(point="last")).encode()[:-1] + b', "detail": ' + bad + b"}\n")
    with pytest.raises(RecordFormatError) as want:
        read_jsonl(path, REQUIRED, NAMED, GRADIENT_RULES) if b"\x1e" in bad else read_text(path)
    assert ":31:" in str(want.value)
    with pytest.raises(RecordFormatError) as got:
        read_columns(path, REQUIRED, NAMED)
    assert str(got.value) == str(want.value)
