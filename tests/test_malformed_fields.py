"""Every malformed field of a run folder is a one-line refusal naming its file and line,
in report and compare alike, and a malformed expectations file is refused before
check runs anything (issue 23). The folder is tests/fixtures/small-run: a real run
(torch 2.13, relu and minimum_ties, float32 eager, relu timed at N=1) corrupted one
field at a time, then at random (hypothesis)."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from crossgrad.cli import main

SMALL_RUN = Path(__file__).parent / "fixtures" / "small-run"


def copy_run(tmp_path: Path, name: str = "run") -> Path:
    return Path(shutil.copytree(SMALL_RUN, tmp_path / name))


def set_jsonl_field(path: Path, line: int, field: str, value) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[line - 1])
    row[field] = value
    lines[line - 1] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def set_csv_field(path: Path, line: int, field: str, value: str) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[line - 1][rows[0].index(field)] = value  # the fixture's rows are one line each
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def without_column(text: str, field: str) -> str:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    at = rows[0].index(field)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(row[:at] + row[at + 1:] for row in rows)
    return out.getvalue()


def set_json_key(path: Path, dotted: str, value) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    *parents, last = dotted.split(".")
    inner = data
    for key in parents:
        inner = inner[key]
    inner[last] = value
    path.write_text(json.dumps(data), encoding="utf-8")


def run_command(capsys, *argv) -> tuple[int, str]:
    """(exit status, stderr) of crossgrad in this process: an exception escaping main
    is a traceback, and fails the test as one."""
    code = main(list(argv))
    return code, capsys.readouterr().err


def assert_refused(code: int, err: str, where: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crossgrad: error:"), err
    assert where in lines[0], err


RECORD_FIELDS = [  # (field, value, what the refusal names)
    ("value", "-0x1p-1074", "value '-0x1p-1074' is not a float"),
    ("value", 5, "value 5"), ("value", "infinity", "value 'infinity'"),
    ("index", "zz", "index 'zz'"), ("index", -3, "index -3"), ("index", True, "index True"),
    ("dtype", "float99", "dtype 'float99'"), ("ad", "sideways", "ad 'sideways'"),
    ("outcome", "great", "outcome 'great'"), ("mode", "x y", "mode 'x y'"),
    ("framework", "../x", "framework '../x'"), ("framework", ["a"], "framework ['a']"),
    ("x", {"a": 1}, "x {'a': 1}"), ("x", "__import__('os')", "x \"__import__('os')\""),
    ("device", None, "device None"), ("detail", 3, "detail 3"), ("bits", "zz", "bits 'zz'"),
    ("wrt", "q", "wrt 'q'"),
]


@pytest.mark.parametrize("field, value, said", RECORD_FIELDS, ids=[f"{f}={v!r}" for f, v, _ in RECORD_FIELDS])
def test_a_malformed_record_field_is_refused_by_report_and_compare(tmp_path, capsys, field, value, said):
    run = copy_run(tmp_path)
    set_jsonl_field(run / "records.jsonl", 7, field, value)
    code, err = run_command(capsys, "report", str(run))
    assert_refused(code, err, "records.jsonl:7:")
    assert said in err
    (run / "gradients.csv").unlink()  # compare then reads the records themselves
    code, err = run_command(capsys, "compare", str(SMALL_RUN), str(run), "--out", str(tmp_path / "cmp"))
    assert_refused(code, err, "records.jsonl:7:")
    assert not (tmp_path / "cmp").exists()


GRADIENT_FIELDS = [("value", "abc"), ("value", "-0x1p-1074"), ("index", "zz"), ("verdict", "lovely"),
                   ("truth", "abc"), ("dtype", "float99"), ("case", "../../x")]


@pytest.mark.parametrize("field, value", GRADIENT_FIELDS, ids=[f"{f}={v}" for f, v in GRADIENT_FIELDS])
def test_a_malformed_gradients_csv_field_is_refused_by_compare(tmp_path, capsys, field, value):
    run = copy_run(tmp_path)
    set_csv_field(run / "gradients.csv", 9, field, value)
    code, err = run_command(capsys, "compare", str(SMALL_RUN), str(run), "--out", str(tmp_path / "cmp"))
    assert_refused(code, err, "gradients.csv:9:")
    assert repr(value) in err


def with_line(text: str, number: int, line: str) -> str:
    lines = text.split("\n")
    lines[number - 1] = line
    return "\n".join(lines)


@pytest.mark.parametrize("damage, said", [
    (lambda text: "", "gradients.csv:1: empty file (no header row)"),
    (lambda text: without_column(text, "value"), "gradients.csv:1: missing column(s) value"),
    (lambda text: with_line(text, 5, "2,torch"), "gradients.csv:5: wrong number of fields"),
    (lambda text: with_line(text, 3, text.split("\n")[2] + ",extra"), "gradients.csv:3: wrong number of fields"),
], ids=["empty", "no-value-column", "short-row", "long-row"])
def test_a_broken_gradients_csv_is_refused_not_read_as_a_change(tmp_path, capsys, damage, said):
    run = copy_run(tmp_path)
    path = run / "gradients.csv"
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    code, err = run_command(capsys, "compare", str(SMALL_RUN), str(run), "--out", str(tmp_path / "cmp"))
    assert_refused(code, err, said)


@pytest.mark.parametrize("name", ["records.jsonl", "manifest.json", "env.json", "gradients.csv", "timings.jsonl"])
def test_bytes_that_are_not_utf8_are_refused_with_their_line(tmp_path, capsys, name):
    run = copy_run(tmp_path)
    path = run / name
    data = path.read_bytes().split(b"\n")
    data[1] = data[1][:10] + b"\xff\xfe" + data[1][10:]
    path.write_bytes(b"\n".join(data))
    command = ["compare", str(SMALL_RUN), str(run), "--out", str(tmp_path / "cmp")]
    code, err = run_command(capsys, *(command if name == "gradients.csv" else ["report", str(run)]))
    assert_refused(code, err, f"{name}:2: not UTF-8")


@pytest.mark.parametrize("name, key, value, said", [
    ("env.json", "frameworks", "x", "frameworks is not a JSON object"),
    ("env.json", "frameworks.torch.spelling", ["x"], "frameworks.torch.spelling is not a JSON object"),
    ("env.json", "cpu_flags", "avx", "cpu_flags is not a list"),
    ("manifest.json", "config.frameworks", 5, "config.frameworks is not a list"),
    ("manifest.json", "config.cases", "relu", "config.cases is not a list"),
    ("manifest.json", "status", ["x"], "status ['x'] is not text"),
    ("manifest.json", "case_files", [3], "case_files[0] 3 is not text"),
])
def test_a_manifest_or_env_of_the_wrong_shape_is_refused(tmp_path, capsys, name, key, value, said):
    run = copy_run(tmp_path)
    set_json_key(run / name, key, value)
    code, err = run_command(capsys, "report", str(run))
    assert_refused(code, err, f"{name}:1: {said}")
    code, err = run_command(capsys, "compare", str(SMALL_RUN), str(run), "--out", str(tmp_path / "cmp"))
    assert_refused(code, err, f"{name}:1: {said}")


@pytest.mark.parametrize("name, field, value, said", [
    ("timings.jsonl", "phase", None, "missing field(s) phase"),
    ("timings.jsonl", "median_s", "fast", "median_s 'fast'"),
    ("timings.jsonl", "raw_samples", ["1"], "raw_samples ['1']"),
])
def test_a_malformed_timing_or_point_line_is_refused(tmp_path, capsys, name, field, value, said):
    run = copy_run(tmp_path)
    path = run / name
    if value is None:
        lines = path.read_text(encoding="utf-8").splitlines()
        row = json.loads(lines[1])
        del row[field]
        lines[1] = json.dumps(row)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        set_jsonl_field(path, 2, field, value)
    code, err = run_command(capsys, "report", str(run))
    assert_refused(code, err, f"{name}:2: {said}")


def test_a_malformed_point_line_is_refused(tmp_path):
    """points.jsonl is read where a run goes on (--resume) and by anyone reading the folder."""
    from crossgrad.core.records import RecordFormatError
    from crossgrad.core.run_folder import read_points

    run = copy_run(tmp_path)
    set_jsonl_field(run / "points.jsonl", 2, "x", "__import__('os')")
    with pytest.raises(RecordFormatError, match="points.jsonl:2: x .__import__"):
        read_points(run)


def test_a_malformed_timings_csv_field_is_refused_by_compare(tmp_path, capsys):
    run = copy_run(tmp_path)
    set_csv_field(run / "timings.csv", 3, "first_call_s", "soon")
    code, err = run_command(capsys, "compare", str(SMALL_RUN), str(run), "--out", str(tmp_path / "cmp"))
    assert_refused(code, err, "timings.csv:3: first_call_s 'soon'")


@pytest.mark.parametrize("damage, said", [
    (lambda t: t.replace("\n", "\nfake_a,>=1,cpu,relu,kink,float64,eager,none,,,,zz,0.0,exact\n", 1), ":2: index 'zz'"),
    (lambda t: t.replace("\n", "\nfake_a,>=1,cpu,relu,kink,float99,eager,none,,,,0,0.0,exact\n", 1), ":2: dtype"),
    (lambda t: t.replace("\n", "\nfake_a,>=1,cpu,relu,kink,float64,eager,none,,,,0,0x1p-1074,exact\n", 1), ":2:"),
    (lambda t: t.replace("\n", "\nfake_a,>=1,cpu,relu\n", 1), ":2: wrong number of fields"),
    (lambda t: t.replace("verdict", "verdikt"), ":1: missing column(s) verdict"),
], ids=["index", "dtype", "value", "short", "column"])
def test_a_malformed_expectations_file_is_refused_before_check_runs(tmp_path, damage, said):
    from cli_helpers import run_cli

    path = tmp_path / "expectations.csv"
    path.write_text(damage("framework,versions,device,case,point,dtype,mode,ad,cotangent,tangent,wrt,index,"
                           "value,verdict\n"), encoding="utf-8")
    result = run_cli("check", "--frameworks", "fake_a", "--cases", "relu", "--expectations", str(path),
                     "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert_refused(result.returncode, result.stderr, f"expectations.csv{said}")
    assert not (tmp_path / "out").exists()  # refused before the run made its folder


# --- at random -----------------------------------------------------------------------

FILES = ("records.jsonl", "gradients.csv", "manifest.json", "env.json", "timings.jsonl", "timings.csv",
         "points.jsonl")
JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**20), st.floats(allow_nan=False),
                        st.text(max_size=12), st.lists(st.integers(), max_size=2),
                        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@st.composite
def corruptions(draw):
    name = draw(st.sampled_from(FILES))
    kind = draw(st.sampled_from(("field", "bytes", "cut", "delete-line")))
    return name, kind, draw(st.randoms(use_true_random=False)), draw(JSON_VALUES)


def corrupt(path: Path, kind: str, rng, value) -> None:
    data = path.read_bytes()
    lines = data.split(b"\n")
    at = rng.randrange(len(lines))
    if kind == "field" and path.suffix in (".jsonl", ".json"):
        text = data.decode()
        if path.suffix == ".json":
            doc = json.loads(text)
            doc[rng.choice(sorted(doc))] = value
            path.write_text(json.dumps(doc))
            return
        row = json.loads(lines[at]) if lines[at].strip() else {}
        if row:
            row[rng.choice(sorted(row))] = value
        lines[at] = json.dumps(row).encode()
    elif kind == "field":  # a CSV cell replaced by the value's text
        cells = lines[at].split(b",")
        cells[rng.randrange(len(cells))] = str(value).encode()
        lines[at] = b",".join(cells)
    elif kind == "bytes":
        where = rng.randrange(len(data) + 1)
        path.write_bytes(data[:where] + bytes(rng.randrange(256) for _ in range(3)) + data[where:])
        return
    elif kind == "cut":
        path.write_bytes(data[:rng.randrange(len(data) + 1)])
        return
    else:
        del lines[at]
    path.write_bytes(b"\n".join(lines))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corruptions())
def test_a_run_folder_corrupted_at_random_is_read_or_refused_never_a_traceback(tmp_path_factory, capsys, damage):
    """report exits 0 (the damage was harmless or in a file it rebuilds) or 2 (refused, one
    line); compare also 1 where the damage is a well-formed value that differs."""
    name, kind, rng, value = damage
    tmp = tmp_path_factory.mktemp("random")
    run = copy_run(tmp)
    corrupt(run / name, kind, rng, value)
    reader = ["report", str(run)] if name not in ("gradients.csv", "timings.csv") else \
        ["compare", str(SMALL_RUN), str(run), "--out", str(tmp / "cmp")]
    code, err = run_command(capsys, *reader)
    assert "Traceback" not in err
    assert code in ((0, 2) if reader[0] == "report" else (0, 1, 2)), err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err
