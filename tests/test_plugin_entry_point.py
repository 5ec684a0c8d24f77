"""A framework can come from an installed package through the entry point group."""
from __future__ import annotations

import csv
import math

from cli_helpers import run_cli


def test_entry_point_adapter_runs_the_seed_case(tmp_path):
    out = tmp_path / "run"
    result = run_cli("run", "--frameworks", "fake_a", "--cases", "relu", "--points", "smooth",
                     "--dtypes", "float64", "--no-timings", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("report.md")
    rows = list(csv.DictReader(open(out / "gradients.csv")))
    assert {r["framework"] for r in rows} == {"fake_a"}
    by = {(r["ad"], r["wrt"], r["cotangent"] or r["tangent"]): float(r["value"]) for r in rows}
    assert by[("none", "", "")] == 7.0
    # finite differences: close to the chain rule's 3 and 1, not bit-exact
    assert math.isclose(by[("reverse", "w", "1.0")], 3.0, rel_tol=1e-6)
    assert math.isclose(by[("reverse", "b", "-1.0")], -1.0, rel_tol=1e-6)
