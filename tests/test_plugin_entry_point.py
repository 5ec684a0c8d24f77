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


# --- no side effects on other projects -------------------------------------------------------

OTHER_PROJECT_TEST = '''
def test_sum(benchmark):
    def work():
        with open("calls", "a") as fh:
            fh.write("x")
        return sum(range(1000))
    assert benchmark(work) == 499500
'''


def test_crossgrad_installed_beside_a_project_leaves_its_benchmarks_timed(tmp_path):
    """A separate project (its own rootdir, no conftest) with crossgrad importable: a plain
    `pytest` still times its benchmark (crossgrad registers no pytest11 plugin)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import crossgrad

    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_other.py").write_text(OTHER_PROJECT_TEST)
    root = Path(__file__).parent.parent
    # Not the outer run's PYTEST_* variables (under xdist they would disable pytest-benchmark).
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    # A plain `pytest`: no flag that asks for timings (crossgrad's old plugin honoured those).
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    # The table pytest-benchmark prints only for timed benchmarks, with more than one round.
    assert "benchmark: 1 tests" in done.stdout, done.stdout
    assert "Rounds" in done.stdout and "test_sum" in done.stdout.split("benchmark: 1 tests")[1]
    assert len((tmp_path / "calls").read_text()) > 1  # timed rounds, not one untimed call
    probe = subprocess.run([sys.executable, "-c", "import crossgrad; print(crossgrad.__file__)"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == crossgrad.__file__  # the crossgrad under test was the one importable


def test_no_pytest11_entry_point_in_the_project_metadata():
    import tomllib
    from pathlib import Path

    meta = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert "pytest11" not in meta["project"].get("entry-points", {})
