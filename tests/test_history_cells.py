"""The release grid and its cells (issue 25): the grid file, the generated CI workflow,
the in-release side's needs (the framework, NumPy, the standard library), spellings
an older release lacks, and when a cell's run is stale. No network, no framework."""
from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from crossgrad.adapter import UnavailableSpelling, failed_op_outcome, ops_from_table, spelled_here
from crossgrad.core import dtypes
from crossgrad.history import cells as cell_module
from crossgrad.history.grid import GridError, cells
from crossgrad.history.grid_run import same_release
from crossgrad.history.load import version_key
from crossgrad.history.workflow import WORKFLOW, render
from crossgrad.running.worker_path import worker_path

ROOT = Path(__file__).resolve().parents[1]


def test_the_grid_holds_six_releases_of_each_framework_oldest_first():
    grid = cells()
    for framework in ("torch", "jax", "tensorflow", "mlx"):
        versions = [c.version for c in grid if c.framework == framework]
        assert len(versions) >= 6, framework
        assert versions == sorted(versions, key=version_key), framework
        assert len(set(versions)) == len(versions)


def test_the_ci_workflow_is_the_one_generated_from_the_grid():
    assert WORKFLOW.read_text() == render(), "run scripts/write_history_workflow.py after editing releases.toml"
    for cell in cells():
        assert f"cell: {cell.slug}," in WORKFLOW.read_text()


@pytest.mark.parametrize("text, needle", [('[torch]\nreleases = ["torch>=2.0"]', "not an exact pin"),
                                          ('[torch]\nreleases = ["jax==0.4.13"]', "not an exact pin"),
                                          ('[theano]\nreleases = ["theano==1.0"]', "unknown framework"),
                                          ("[torch\n", "cannot read")])
def test_a_malformed_grid_is_refused_with_what_is_wrong(tmp_path, text, needle):
    path = tmp_path / "releases.toml"
    path.write_text(text)
    with pytest.raises(GridError, match=needle):
        cells(path)


RUN_WORKER = """
import json, sys
import crossgrad.running.worker as worker
code = worker.main()
mods = sorted(m.__file__ for m in list(sys.modules.values())
              if getattr(m, '__file__', None) and m.__name__.split('.')[0] in ('crossgrad', 'frameworks', 'cases'))
open(sys.argv[1], 'w').write(json.dumps(mods))
sys.exit(code)
"""


def only_numpy(tmp_path) -> Path:
    """A folder holding NumPy alone (links to it and its bundled libraries): with -S and
    PYTHONPATH, an interpreter that sees the standard library, NumPy and nothing else."""
    folder = tmp_path / "site"
    folder.mkdir()
    installed = Path(np.__file__).resolve().parent
    for sibling in installed.parent.glob("numpy*"):
        (folder / sibling.name).symlink_to(sibling)
    return folder


def test_the_worker_computes_with_only_numpy_and_runs_only_computing_code(tmp_path):
    """What a cell's environment gives a worker (the framework aside): NumPy, the standard
    library and crossgrad's three packages (worker_path). The fake framework stands in."""
    job = {"kind": "values", "framework": "fake_a", "tasks": [
        {"framework": "fake_a", "case": "relu", "dtype": "float32", "device": "cpu", "mode": "eager"}]}
    listing = tmp_path / "modules.json"
    path = [str(only_numpy(tmp_path)), str(worker_path()), str(ROOT / "tests" / "fake_framework")]
    out = subprocess.run([sys.executable, "-S", "-c", RUN_WORKER, str(listing)], input=json.dumps(job),
                         capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={"PYTHONPATH": ":".join(path), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    events = [json.loads(line) for line in out.stdout.splitlines()]
    assert [e["event"] for e in events][:1] == ["loaded"], out.stderr[-2000:]
    records = [e for e in events if e["event"] == "record"]
    assert records and all(r["outcome"] == "ok" for r in records if r["point"] == "smooth")
    # A cell's run is stale when the code its worker ran changes: that code is COMPUTING_CODE.
    for path_text in json.loads(listing.read_text()):
        relative = Path(path_text).resolve().relative_to(ROOT).as_posix()
        assert any(relative == c or relative.startswith(c + "/") for c in cell_module.COMPUTING_CODE), relative


def test_the_worker_path_holds_crossgrad_alone():
    """One top-level package: the adapters and cases come with it (crossgrad.frameworks, crossgrad.cases)."""
    folder = worker_path()
    assert [p.name for p in folder.iterdir()] == ["crossgrad"] and (folder / "crossgrad").is_symlink()
    assert (folder / "crossgrad" / "frameworks" / "torch_adapter.py").is_file()
    assert (folder / "crossgrad" / "cases" / "atlas.py").is_file()


def clip_new(a, min=None, max=None):
    return a


def clip_old(a, a_min=None, a_max=None):
    return a


def test_an_older_release_takes_the_declared_older_spelling_and_a_missing_one_is_unavailable():
    old = {"m": types.SimpleNamespace(clip=clip_old)}
    new = {"m": types.SimpleNamespace(clip=clip_new)}
    table = {"clip": "m.clip({0}, min={1})", "relu": "m.relu({0})"}
    older = {"clip": "m.clip({0}, a_min={1})"}
    assert spelled_here(table["clip"], new) and not spelled_here(table["clip"], old)
    assert ops_from_table("fw", table, new, older).spelling["clip"] == table["clip"]
    ops = ops_from_table("fw", table, old, older)
    assert ops.spelling["clip"] == older["clip"] and "relu" not in ops.spelling
    with pytest.raises(UnavailableSpelling) as caught:
        ops.relu(1.0)  # neither release has m.relu
    assert failed_op_outcome(str(caught.value)) == "unavailable"
    assert failed_op_outcome("fw has no xlogy") == "unsupported"


def test_bfloat16_rounding_without_ml_dtypes_matches_the_ml_dtypes_path():
    pytest.importorskip("ml_dtypes")
    rng = np.random.default_rng(7)
    values = list(rng.standard_normal(3000) * 10.0 ** rng.integers(-42, 39, 3000))
    values += [1 + 2 ** -8 + 2 ** -30, 1 + 2 ** -8, -0.0, 3.4e38, 1e39, -1e-45, float("inf")]
    for value in values:
        ours, theirs = dtypes._bfloat16_round(value), dtypes.round_to(value, "bfloat16")
        assert np.float64(ours).tobytes() == np.float64(theirs).tobytes(), value


def test_a_cpu_build_label_is_the_same_release():
    assert same_release("2.3.1+cpu", "2.3.1") and same_release("0.4.13", "0.4.13")
    assert not same_release("2.3.10", "2.3.1") and not same_release(None, "2.3.1")


def test_run_refuses_a_python_that_is_not_an_interpreter_in_one_line(tmp_path):
    """`crossgrad run --python` is how every cell runs: its check of the path must itself run
    (a merge once left it without `import os`: every cell 'did not start')."""
    not_executable = tmp_path / "python"
    not_executable.write_text("")
    for given in (tmp_path / "missing" / "python", tmp_path, not_executable):
        out = subprocess.run([sys.executable, "-m", "crossgrad", "run", "--frameworks", "mlx", "--python",
                              str(given), "--out", str(tmp_path / "run")], capture_output=True, text=True,
                             cwd=ROOT, timeout=120)
        assert out.returncode == 2 and "is not an executable file" in out.stderr, out.stderr[-2000:]
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_both_ends_of_the_ranges_have_a_session_and_a_ci_job():
    """pyproject.toml's lower bounds are tested (nox -s oldest: uv's lowest-direct resolution),
    and the worker with NumPy alone at the oldest NumPy a grid cell holds and the newest."""
    noxfile = (ROOT / "noxfile.py").read_text()
    oldest = noxfile[noxfile.index("def oldest("):noxfile.index("def worker(")]
    assert '"--resolution", "lowest-direct"' in oldest and '"not integration"' in oldest
    assert 'WORKER_NUMPY = ["numpy==1.23.5", "numpy"]' in noxfile
    assert "nox -s oldest worker" in (ROOT / ".github" / "workflows" / "latest.yml").read_text()


def test_a_run_folder_is_fresh_only_for_the_selection_it_was_run_with():
    """`nox -s drift -- SPEC --cases relu` must not reuse a whole-catalogue run, nor the grid a
    narrowed one: the recorded command's selection is compared, where/how options aside."""
    from crossgrad.history.grid_run import RUN_SELECTION, selection_of

    recorded = ("crossgrad run " + " ".join(RUN_SELECTION) + " --frameworks jax --python /envs/jax/bin/python"
                " --jobs 1 --out '/a folder/jax-0.4.13'")
    assert selection_of(recorded) == list(RUN_SELECTION)
    assert selection_of(recorded.replace("--jobs 1", "--cases relu --jobs 1")) == [*RUN_SELECTION, "--cases", "relu"]
    assert selection_of("crossgrad report x") == [] and selection_of("crossgrad run 'unbalanced") == []
