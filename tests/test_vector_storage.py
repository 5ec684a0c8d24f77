"""A vector point's inputs are stored once (schema 2, issue 23): a 10,000-element
point once wrote its input vector into each of 50,006 rows (8 GB).

The run uses the fake framework (tests/fake_framework); the measured real-framework
figure is in README ("Vector points").
"""
from __future__ import annotations

import json
import textwrap

from cli_helpers import run_cli

from crossgrad.core.run_folder import read_points

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
    rows = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert rows and all(r["x"] == "" and r["w"] == "" and r["b"] == "0.5" for r in rows)
    assert all(r["schema_version"] == 2 for r in rows)
    points = read_points(out)
    assert list(points) == [("wide_relu", "wide")]
    x = json.loads(points[("wide_relu", "wide")]["x"])
    assert len(x) == N and x[:4] == [-3.0, -2.0, -1.0, 0.0]
    assert (out / "points.jsonl").read_text().count("\n") == 1  # once, whatever the rows
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert total < 1_000_000, total  # the vector text (~100 kB) is in the folder twice at most


def test_a_schema_1_folder_still_reads(tmp_path):
    from crossgrad.core.run_folder import read_records

    run = tmp_path / "old"
    run.mkdir()
    for name in ("manifest.json", "env.json"):
        (run / name).write_text(json.dumps({"schema_version": 1, "status": "complete"}))
    row = {"framework": "fake_a", "case": "max_ties", "point": "tie", "ad": "reverse", "wrt": "w",
           "value": "0.5", "outcome": "ok", "dtype": "float64", "mode": "eager", "device": "cpu",
           "x": "[2.0, 1.0]", "index": 1, "schema_version": 1}
    (run / "records.jsonl").write_text(json.dumps(row) + "\n")
    rows, _, _, _ = read_records(run)
    assert rows[0]["x"] == "[2.0, 1.0]" and read_points(run) == {}
