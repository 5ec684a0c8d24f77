"""nox sessions: crossgrad's catalogue under other framework releases (issues 14 and 25).

    nox -s history                      # every release of crossgrad/history/releases.toml
    nox -s history -- torch jax         # the grid's cells of these frameworks only, in this order
    nox -s drift -- "jax==0.4.13"       # any one release, compared with this environment's
    nox -s drift -- "torch==2.4.1" --cases relu,clamp   # crossgrad run's selection options pass through
    nox -s latest / oldest / worker     # pyproject.toml's ranges at both ends; the worker with NumPy alone

A cell is one framework release: its own environment under .nox/history/<framework>-<version>/
(built once with uv, reused while it holds the same spec), holding the framework and what
it pulls in, nothing of crossgrad's; crossgrad's supervisor runs here and starts its
workers under the cell's interpreter (`crossgrad run --python`). One process, one
environment, one run folder: folders are merged afterwards, never environments.

torch: uv's CPU backend where PyTorch's CPU index answers, else the registry's default
wheel (it bundles CUDA libraries and computes on the CPU). Every cell prints what its install
will download (the index's sizes, resolved by uv first) before installing. A release that cannot install,
compute or start its adapter is a recorded status in results/history/cells.json, never
a crash; the other cells go on, and the session fails at the end.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # crossgrad.history.grid/cells: standard library only

from crossgrad.history.cells import RUN_SELECTION  # noqa: E402
from crossgrad.history.grid import PACKAGE, SPEC, Cell, cells, frameworks_of  # noqa: E402
from crossgrad.history.grid_run import HISTORY, is_fresh, run_cell, run_grid  # noqa: E402

DRIFT = ROOT / "results" / "drift"
# What a user may type for a framework's package (tensorflow-cpu is what the grid installs).
FRAMEWORK_OF = {"torch": "torch", "jax": "jax", "jaxlib": "jax", "tensorflow": "tensorflow",
                "tensorflow-cpu": "tensorflow", "mlx": "mlx"}
# The environments are crossgrad's own cells (crossgrad.history.cells), not nox's:
# one per release, so no session needs a virtualenv of its own.
nox.options.sessions = ["history"]


@nox.session(venv_backend="none")
def history(session: nox.Session) -> None:
    """Every cell of the grid (posargs: frameworks to keep), then `crossgrad history` per framework."""
    grid = cells()
    wanted = session.posargs or frameworks_of(grid)
    unknown = sorted(set(wanted) - set(PACKAGE))
    if unknown:
        session.error(f"unknown framework(s) {', '.join(unknown)}; valid: {', '.join(PACKAGE)}")
    grid = [c for framework in dict.fromkeys(wanted) for c in grid if c.framework == framework]  # posargs' order
    results = run_grid(grid, jobs=int(os.environ.get("CROSSGRAD_HISTORY_JOBS", 0)) or None, log=session.log)
    for framework in frameworks_of(grid):
        folders = [str(HISTORY / c.framework / c.slug) for c in grid if c.framework == framework
                   and (HISTORY / c.framework / c.slug / "manifest.json").is_file()]
        if folders:
            session.run(sys.executable, "-m", "crossgrad", "history", *folders, "--out",
                        str(HISTORY / framework), external=True, success_codes=[0, 1])
    failed = [f"{r.cell}: {r.status} ({r.detail})" for r in results if r.status != "measured"]
    if failed:
        session.error("cells not measured: " + "; ".join(failed))


@nox.session(venv_backend="none")
def drift(session: nox.Session) -> None:
    """One release (posargs: its spec, e.g. "torch==2.3.1", then any of `crossgrad run`'s
    selection options, e.g. --cases relu,clamp), compared with this environment's release."""
    if not session.posargs or session.posargs[0].startswith("-"):
        session.error('give one framework spec, then crossgrad run options if any: '
                      'nox -s drift -- "jax==0.4.13" --cases relu,clamp')
    cell = cell_of(session.posargs[0], session)
    selection = (*RUN_SELECTION, *session.posargs[1:])  # a later --modes/--dtypes overrides the grid's
    result = run_cell(cell, DRIFT, log=session.log, selection=selection)
    if result.status != "measured":
        session.error(f"{cell.spec}: {result.status}: {result.detail}")
    other = DRIFT / cell.framework / cell.slug
    version = current_version(cell.framework)
    if not version:
        session.error(f"{cell.framework} is not installed in this environment ({sys.executable}): nothing to compare with")
    current = DRIFT / f"current-{cell.framework}-{version}"
    if not is_fresh(current, Cell(cell.framework, f"{PACKAGE[cell.framework]}=={version}"), selection):
        shutil.rmtree(current, ignore_errors=True)  # a run folder is appended to: never mix two runs
        session.run(sys.executable, "-m", "crossgrad", "run", *selection, "--frameworks", cell.framework,
                    "--out", str(current), external=True, success_codes=[0, 3])
    session.run(sys.executable, "-m", "crossgrad", "compare", str(current), str(other),
                "--out", str(DRIFT / f"compare-{cell.slug}"), external=True, success_codes=[0, 1])


def current_version(framework: str) -> str:
    """The framework's release in this environment ("" if absent), "+cpu" and the like dropped."""
    from crossgrad.core.registry import frameworks

    return (frameworks()[framework].version() or "").split("+")[0]


def cell_of(spec: str, session) -> Cell:
    """A cell from what a user types: "jax==0.4.13" (the cpu extra added), "tensorflow==2.16.2"."""
    match = SPEC.match(spec.strip())
    framework = FRAMEWORK_OF.get((match["package"] if match else "").lower())
    if not framework:
        session.error(f"{spec!r} is not an exact pin of one of {', '.join(FRAMEWORK_OF)} (e.g. torch==2.3.1)")
    known = {c.version: c for c in cells() if c.framework == framework}
    if match["version"] in known:
        return known[match["version"]]  # the grid's own spelling of that release
    extra = {"jax": "jax[cpu]", "mlx": "mlx[cpu]", "tensorflow": "tensorflow-cpu"}.get(framework, framework)
    return Cell(framework, f"{extra}=={match['version']}")


# Prints every installed distribution as name==version, sorted.
SHOW_VERSIONS = ("import importlib.metadata as m; "
                 "print(*sorted(f'{d.name}=={d.version}' for d in m.distributions()), sep='\\n')")


@nox.session(venv_backend="uv|virtualenv")
def latest(session: nox.Session) -> None:
    """The unit tests under the newest releases pyproject.toml's ranges allow (never the lock).

    requirements.lock pins what `make` installs, so a new NumPy, pandas, ml_dtypes or pytest
    that breaks crossgrad would otherwise be seen first by a user installing it with pip.
    CI runs this weekly (.github/workflows/latest.yml); locally `make latest`. A fresh
    environment each time (no reuse): the point is to resolve anew."""
    session.install("--upgrade", "-e", f"{ROOT}[test]")
    session.run("python", "-c", SHOW_VERSIONS)  # what was resolved, so a failure names the release
    session.run("python", "-m", "pytest", "-m", "not integration", "-q", "-p", "no:cacheprovider",
                *session.posargs, env={"TF_CPP_MIN_LOG_LEVEL": "3"})


@nox.session(venv_backend="uv")
def oldest(session: nox.Session) -> None:
    """The unit tests under the OLDEST releases pyproject.toml's ranges allow (uv's lowest-direct
    resolution: numpy 1.26, pandas 2.0, matplotlib 3.7, ml_dtypes 0.4, pytest 7, ...): a range's
    lower bound is a claim too. `nox -s latest` is the other end. posargs: pytest's (test files)."""
    session.install("--resolution", "lowest-direct", "-e", f"{ROOT}[test]")
    session.run("python", "-c", SHOW_VERSIONS)
    session.run("python", "-m", "pytest", "-m", "not integration", "-q", "-p", "no:cacheprovider",
                *session.posargs, env={"TF_CPP_MIN_LOG_LEVEL": "3"})


# The NumPy releases a cell's worker must run under, both ends: the oldest a grid cell holds
# (tensorflow-cpu 2.12 requires numpy<1.24) and the newest the registry serves.
WORKER_NUMPY = ["numpy==1.23.5", "numpy"]
# Feeds the worker one job of the test framework and checks its answers (run in the session's
# interpreter, whose environment holds NumPy and nothing else).
WORKER_CHECK = """
import json, subprocess, sys
job = {"kind": "values", "framework": "fake_a", "tasks": [
    {"framework": "fake_a", "case": "relu", "dtype": d, "device": "cpu", "mode": "eager"} for d in ("float32", "float64")]}
out = subprocess.run([sys.executable, "-m", "crossgrad.running.worker"], input=json.dumps(job),
                     capture_output=True, text=True, timeout=300)
events = [json.loads(line) for line in out.stdout.splitlines()]
records = [e for e in events if e["event"] == "record"]
smooth = [r for r in records if r["point"] == "smooth"]
import numpy
print(f"numpy {numpy.__version__}: worker exit {out.returncode}, {len(records)} records, "
      f"{sum(r['outcome'] == 'ok' for r in smooth)} of {len(smooth)} at smooth ok")
sys.exit(0 if out.returncode == 0 and smooth and all(r["outcome"] == "ok" for r in smooth) else out.stderr[-3000:] or 1)
"""


@nox.session(venv_backend="uv|virtualenv")
@nox.parametrize("numpy", WORKER_NUMPY)
def worker(session: nox.Session, numpy: str) -> None:
    """The side that runs in a release's environment needs the framework, NumPy and the standard
    library only: the worker computes (the test framework standing in) with NumPy installed and
    nothing else (no pandas, no ml_dtypes, none of crossgrad's requirements), at NumPy's both ends."""
    session.install(numpy)
    path = Path(session.create_tmp()) / "worker-path"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    for package in ("crossgrad", "frameworks", "cases"):  # crossgrad's three packages, as worker_path links them
        (path / package).symlink_to(ROOT / package, target_is_directory=True)
    check = path.parent / "worker_check.py"
    check.write_text(WORKER_CHECK)
    session.run("python", str(check), env={"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONNOUSERSITE": "1",
                "PYTHONPATH": f"{path}:{ROOT / 'tests' / 'fake_framework'}"})
