"""The record format: exact round trips, and clear errors for files that are not ours."""
from __future__ import annotations

import json
import math
import struct

import pytest

from cli_helpers import run_cli
from crossgrad import SCHEMA_VERSION
from crossgrad.core.records import (GRADIENT_COLUMNS, RecordFormatError, JsonlAppender, bits, fmt,
                                    read_csv, read_gradients_csv, read_jsonl, write_csv)
from crossgrad.core.same_value import parse_value, same_value

SPECIAL = [0.0, -0.0, math.nan, math.inf, -math.inf, 5e-324, -1.401298464324817e-45, 0.1, 1 / 3]


def sign_bit(v: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", v))[0] >> 63


@pytest.mark.parametrize("value", SPECIAL, ids=repr)
def test_fmt_parse_round_trip_keeps_every_bit(value):
    back = parse_value(fmt(value))
    assert same_value(back, value)
    assert sign_bit(back) == sign_bit(value) or math.isnan(value)


def test_bits_tell_the_zeros_apart_in_each_dtype():
    assert bits(0.0, "float32") == "0x00000000" and bits(-0.0, "float32") == "0x80000000"
    assert bits(-0.0, "float64") == "0x8000000000000000"
    assert not same_value(0.0, -0.0) and same_value(math.nan, math.nan)


def test_parse_value_refuses_anything_but_a_float_literal():
    for text in ("__import__('os')", "1+1", "0x10", "[1]"):
        with pytest.raises(ValueError):
            parse_value(text)


def gradient_row(value: float) -> dict:
    row = {c: "" for c in GRADIENT_COLUMNS}
    row.update(schema_version=SCHEMA_VERSION, framework="torch", device="cpu", dtype="float64", mode="eager",
               case="relu", point="kink", ad="reverse",
               wrt="w", index=0, value=fmt(value), outcome="ok")
    return row


def test_gradients_csv_round_trip_keeps_signed_zeros_nan_and_inf(tmp_path):
    path = tmp_path / "gradients.csv"
    write_csv(path, [gradient_row(v) for v in SPECIAL], GRADIENT_COLUMNS)
    back = [r["value"] for r in read_gradients_csv(path)]
    assert all(same_value(a, b) for a, b in zip(back, SPECIAL)) and len(back) == len(SPECIAL)
    assert "-0.0" in path.read_text()
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically: no temp file left behind


def write_jsonl(path, rows):
    appender = JsonlAppender(path)
    for row in rows:
        appender.append(row)
    appender.close()


def test_a_torn_last_line_is_skipped_and_the_rest_kept(tmp_path):
    path = tmp_path / "records.jsonl"
    write_jsonl(path, [{"schema_version": SCHEMA_VERSION, "n": 1}, {"schema_version": SCHEMA_VERSION, "n": 2}])
    with open(path, "a") as fh:
        fh.write('{"schema_version": 1, "n": ')  # the writer was killed mid-line
    assert [r["n"] for r in read_jsonl(path)] == [1, 2]


def test_rows_read_back_share_one_copy_of_each_text(tmp_path):
    """json.loads makes new strings per line; the reader keeps one copy of each key and
    text value (a full run's rows held the same labels 260,000 times), values unchanged."""
    path = tmp_path / "records.jsonl"
    lines = [{"schema_version": SCHEMA_VERSION, "framework": "torch", "value": v, "n": 1} for v in ("-0.0", "0.0", "nan")]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    first, second, third = read_jsonl(path)
    assert [first, second, third] == lines
    assert first["framework"] is second["framework"] is third["framework"]
    assert all(a is b for a, b in zip(first, third))  # the keys too
    assert first["value"] == "-0.0" and second["value"] == "0.0"


@pytest.mark.parametrize("line, message", [
    ('{"schema_version": 99, "n": 1}', "schema_version 99"),
    ('not json at all', "not a JSON object"),
    ('[1, 2]', "expected a JSON object"),
    ('{"schema_version": 1}', "missing field(s) n"),
])
def test_bad_jsonl_lines_name_the_file_and_line(tmp_path, line, message):
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({"schema_version": SCHEMA_VERSION, "n": 1}) + "\n" + line + "\n"
                    + json.dumps({"schema_version": SCHEMA_VERSION, "n": 3}) + "\n")
    with pytest.raises(RecordFormatError) as err:
        read_jsonl(path, required=("n",))
    assert f"{path}:2:" in str(err.value) and message in str(err.value)


def test_csv_with_a_missing_column_or_other_schema_is_refused(tmp_path):
    path = tmp_path / "gradients.csv"
    path.write_text("schema_version,framework\n1,torch\n")
    with pytest.raises(RecordFormatError, match="missing column"):
        read_csv(path, GRADIENT_COLUMNS)
    write_csv(path, [dict(gradient_row(1.0), schema_version=7)], GRADIENT_COLUMNS)
    with pytest.raises(RecordFormatError, match=r"gradients.csv:2: schema_version '7'"):
        read_csv(path, GRADIENT_COLUMNS)


def test_report_of_a_run_folder_from_another_schema_fails_in_one_line(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps({"schema_version": 0, "status": "complete"}))
    (run / "env.json").write_text(json.dumps({"schema_version": 0}))
    result = run_cli("report", str(run))
    assert result.returncode == 2
    assert "manifest.json:1: schema_version 0" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
