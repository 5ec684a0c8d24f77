"""A vector point's inputs are stored once (schema 2, issue 23): a 10,000-element
point once wrote its input vector into each of 50,006 rows (8 GB).

The run uses the fake framework (tests/fake_framework); the measured real-framework
figure is in README ("Vector points").
"""
from __future__ import annotations

import json
import textwrap

import pytest

from cli_helpers import run_cli

from crossgrad.catalogue import cases
from crossgrad.core.packed_rows import packed
from crossgrad.core.records import SCHEMA_VERSION
from crossgrad.core.gradient_columns import columns_of_rows
from crossgrad.core.run_folder import read_points, read_record_columns

N = 10_000
BIG = textwrap.dedent(f'''
    from crossgrad.case import Case, Point

    def wide_relu(ops, x, w, b):
        return ops.relu(x * w + b).sum()

    CASES = [Case("wide_relu", wide_relu, (Point("wide", tuple(float(i % 7) - 3.0 for i in range({N})),
                                                 (1.0,) * {N}, 0.5),), dtypes=("float64",))]
''')


def test_a_vector_point_s_inputs_are_written_once(tmp_path):
    (tmp_path / "big.py").write_text(BIG)
    out = tmp_path / "run"
    result = run_cli("run", "--cases-from", str(tmp_path / "big.py"), "--cases", "wide_relu", "--frameworks",
                     "fake_a", "--no-timings", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert lines and all(r["x"] == "" and r["w"] == "" and r["b"] == "0.5" for r in lines)
    assert all(r["schema_version"] == SCHEMA_VERSION == 3 for r in lines)
    points = read_points(out)
    assert list(points) == [("wide_relu", "wide")]
    x = json.loads(points[("wide_relu", "wide")]["x"])
    assert len(x) == N and x[:4] == [-3.0, -2.0, -1.0, 0.0]
    assert (out / "points.jsonl").read_text().count("\n") == 1  # once, whatever the rows
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert total < 1_000_000, total  # the vector text (~100 kB) is in the folder twice at most


def test_a_vector_quantity_is_one_line_and_reads_back_element_by_element(tmp_path):
    """schema 3: packed() writes the labels of a vector quantity once; read_record_columns
    gives back exactly the rows compute_task made, one per element."""
    from test_vector_points import NumpyAdapter

    from crossgrad.running.derivatives import compute_task
    from crossgrad.running.plan import Task

    rows = list(compute_task(NumpyAdapter(), Task("numpy", "max_ties", "float64", "cpu", "eager"), {}, cases()))
    lines = list(packed(rows))
    vectors = [line for line in lines if "elements" in line]
    assert vectors and all("value" not in line and "bits" not in line for line in vectors)
    assert all(len(line["elements"]) > 1 for line in vectors) and len(lines) < len(rows)
    run = tmp_path / "run"
    run.mkdir()
    for name in ("manifest.json", "env.json"):
        (run / name).write_text(json.dumps({"schema_version": SCHEMA_VERSION, "status": "complete"}))
    (run / "records.jsonl").write_text("".join(json.dumps(dict(line, schema_version=SCHEMA_VERSION)) + "\n"
                                               for line in lines))
    read, _, _, _ = read_record_columns(run)
    assert read == columns_of_rows([dict(r, schema_version=SCHEMA_VERSION) for r in rows])


def test_a_packed_line_with_a_bad_element_is_refused_with_its_line(tmp_path):
    from crossgrad.core.records import RecordFormatError, read_jsonl
    from crossgrad.core.row_check import GRADIENT_RULES

    line = {"schema_version": SCHEMA_VERSION, "framework": "numpy", "case": "max_ties", "point": "tie",
            "ad": "reverse", "wrt": "w", "outcome": "ok", "dtype": "float64", "mode": "eager", "device": "cpu",
            "index": 0, "elements": [["1.0", "0x3ff0000000000000"], ["1", "0x3ff0000000000000"]]}
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({**line, "elements": line["elements"][:1]}) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(RecordFormatError, match=r"records.jsonl:2: element 1: value '1' is not a float"):
        read_jsonl(path, ("value",), rules=GRADIENT_RULES)
    path.write_text(json.dumps({**line, "elements": "[1.0]"}) + "\n")
    with pytest.raises(RecordFormatError, match=r"records.jsonl:1: elements is not a list"):
        read_jsonl(path, rules=GRADIENT_RULES)


def test_a_schema_1_folder_still_reads(tmp_path):
    run = tmp_path / "old"
    run.mkdir()
    for name in ("manifest.json", "env.json"):
        (run / name).write_text(json.dumps({"schema_version": 1, "status": "complete"}))
    row = {"framework": "fake_a", "case": "max_ties", "point": "tie", "ad": "reverse", "wrt": "w",
           "value": "0.5", "outcome": "ok", "dtype": "float64", "mode": "eager", "device": "cpu",
           "x": "[2.0, 1.0]", "index": 1, "schema_version": 1}
    (run / "records.jsonl").write_text(json.dumps(row) + "\n")
    columns, _, _, _ = read_record_columns(run)
    assert columns["x"] == ["[2.0, 1.0]"] and read_points(run) == {}


def test_a_case_page_shows_alike_consecutive_elements_in_one_row():
    """A 10,000-element quantity made a 2.5 MB case page, a row per element: consecutive
    elements whose cells read alike share one row, `index` first–last; a change of
    value or sign of zero starts a new row."""
    from crossgrad.reporting.report import render_pages

    values = ["-0.0", "-0.0", "0.0", "0.0", "0.0", "1.0", "0.0"]
    rows = [{"schema_version": SCHEMA_VERSION, "framework": fw, "framework_version": "1", "device": "cpu",
             "dtype": "float64", "mode": "eager", "case": "user_max", "point": "wide", "ad": "reverse",
             "wrt": "w", "cotangent": "1.0", "tangent": "", "index": i, "value": v, "bits": "", "outcome": "ok",
             "detail": "", "primitive": "max", "x": "", "w": "", "b": "0.5", "truth": "", "verdict": ""}
            for fw in ("fake_a", "fake_b") for i, v in enumerate(values)]
    page = render_pages(rows, {}, {})["user_max"]
    lines = [line for line in page.splitlines() if line.startswith("| wide |")]
    assert [line.split(" | ")[4] for line in lines] == ["0–1", "2–4", "5", "6"]
    assert [line.split(" | ")[6] for line in lines] == ["`-0.0`", "`0.0`", "`1.0`", "`0.0`"]
