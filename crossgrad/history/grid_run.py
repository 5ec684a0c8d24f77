"""Running grid cells: the catalogue in each release's environment, cells in parallel.

One cell: its environment (crossgrad.history.cells), then `crossgrad run --python`
into results/history/<framework>/<framework>-<version>/ unless a fresh run is
already there (complete, made by the same computing code, same release). A cell
that fails to install, compute or start its adapter is a recorded status; the
other cells go on. Imports no framework (the noxfile imports it).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from crossgrad.history.cells import (COMPUTING_CODE, ROOT, RUN_SELECTION, CellResult, ensure_env,
                                     python_of)
from crossgrad.history.grid import Cell
from crossgrad.history.load import NOT_STARTED  # no value was measured: the one rule is load's
from crossgrad.history.slim import slim

HISTORY = ROOT / "results" / "history"
CELLS_FILE = "cells.json"  # per cell: status, reason, seconds, disk (beside the framework folders)
# A cell's run that measured: complete, or partial (a case crashed its worker, which
# the rows record: mlx 0.21.1's where_log segfaults). Both are fresh while the code is.
MEASURED_STATUSES = ("complete", "partial")


def run_dir(cell: Cell, root: Path = HISTORY) -> Path:
    return root / cell.framework / cell.slug


def run_cell(cell: Cell, root: Path = HISTORY, log=print, selection: tuple = RUN_SELECTION) -> CellResult:
    """One cell: its environment, then `crossgrad run SELECTION` there (the grid's selection;
    `nox -s drift` may narrow it) unless a fresh run of the same selection is in the folder."""
    result = CellResult(cell.slug, cell.spec)
    if not ensure_env(cell, result, log):
        log(f"{cell.slug}: {result.status}: {result.detail}")
        return result
    out = run_dir(cell, root)
    start = time.monotonic()
    refused = ""
    if is_fresh(out, cell, selection):
        result.reused.append("run folder")
    else:
        refused = _run_catalogue(cell, out, log, selection)
        slim(out)
    result.run_s = round(time.monotonic() - start, 1)
    result.status, result.detail = ("refused", refused) if refused else run_status(out, cell)
    log(f"{cell.slug}: {result.status} ({result.detail}) install {result.install_s} s, run {result.run_s} s")
    return result


def _run_catalogue(cell: Cell, out: Path, log, selection: tuple) -> str:
    """The run; "" once it ran, else crossgrad's one-line refusal of the selection (exit 2)."""
    if out.exists():
        import shutil

        shutil.rmtree(out)  # a run folder is appended to: never mix two runs
    command = [sys.executable, "-m", "crossgrad", "run", *selection, "--frameworks", cell.framework,
               "--python", str(python_of(cell)), "--jobs", "1", "--out", str(out)]
    log(f"{cell.slug}: {' '.join(command[1:])}")
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    return (done.stderr.strip().splitlines() or ["exit 2"])[-1] if done.returncode == 2 else ""


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def run_status(out: Path, cell: Cell) -> tuple[str, str]:
    """What the cell's run folder says: measured (partial runs included: a case that crashed
    its worker is a recorded row), or the adapter never started, by the rule `crossgrad
    history` applies (crossgrad.history.load: no version reported, or every value crashed)."""
    from crossgrad.arguments import UsageError
    from crossgrad.history.load import load_release

    if not (out / "manifest.json").is_file():
        return NOT_STARTED, "no run folder written"
    try:
        release = next((r for r in load_release(out) if r.framework == cell.framework), None)
    except UsageError as exc:
        return NOT_STARTED, str(exc)
    if release is None or release.status == NOT_STARTED:
        return NOT_STARTED, release.detail if release else f"no {cell.framework} rows in the run folder"
    if not same_release(release.version, cell.version):
        return "wrong release", f"the environment holds {cell.framework} {release.version}, not {cell.version}"
    manifest = _json(out / "manifest.json")
    status = manifest.get("status", "missing")
    if status == "partial":
        crashed = sum(1 for f in manifest.get("failures", []) if f.get("outcome") in ("crashed", "timeout"))
        return "measured", f"{cell.framework} {release.version}, partial: {crashed} task(s) crashed or timed out, recorded"
    return ("measured" if status == "complete" else status), f"{cell.framework} {release.version}"


def same_release(recorded, pinned: str) -> bool:
    """"2.3.1+cpu" (PyTorch's CPU build) is release 2.3.1 too."""
    return str(recorded or "").split("+")[0] == pinned


def is_fresh(out: Path, cell: Cell, selection: tuple = RUN_SELECTION) -> bool:
    """A complete run of this release and selection, made by the computing code HEAD has (and no edits to it)."""
    env, manifest = _json(out / "env.json"), _json(out / "manifest.json")
    info = (env.get("frameworks") or {}).get(cell.framework) or {}
    made_by = env.get("git_commit") or ""
    return (manifest.get("status") in MEASURED_STATUSES and same_release(info.get("version"), cell.version)
            and selection_of(env.get("command")) == list(selection) and bool(made_by) and same_computing_code(made_by))


# Options of a run's command that say where and how, not what: they do not make it another selection.
NOT_SELECTION = {"--python", "--out", "--jobs", "--frameworks"}


def selection_of(command) -> list:
    """A recorded `crossgrad run ...` command's selection: its options less NOT_SELECTION's."""
    import shlex

    try:
        words = shlex.split(command) if isinstance(command, str) else []
    except ValueError:  # unbalanced quotes: a command no cell wrote
        return []
    words = words[2:] if words[:2] == ["crossgrad", "run"] else []
    out, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in NOT_SELECTION:
            skip = True
        else:
            out.append(word)
    return out


def same_computing_code(commit: str) -> bool:
    """No difference in the code a cell's worker runs (COMPUTING_CODE) between `commit` and the working tree."""
    out = subprocess.run(["git", "-C", str(ROOT), "diff", "--quiet", commit, "--", *COMPUTING_CODE],
                         capture_output=True)
    return out.returncode == 0


def run_grid(grid: list[Cell], jobs: int | None = None, root: Path = HISTORY, log=print) -> list[CellResult]:
    """Every cell, up to `jobs` at once (default: the core count); writes root/cells.json,
    keeping the records of cells this grid did not run (`nox -s history -- jax` leaves the
    other frameworks' records as their committed run folders are)."""
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        results = list(pool.map(lambda c: run_cell(c, root, log), grid))
    ran = {r.cell for r in results}
    kept = [c for c in _json(root / CELLS_FILE).get("cells", []) if c.get("cell") not in ran]
    record = {"grid_s": round(time.monotonic() - start, 1), "cores": os.cpu_count(),
              "grid_cells": sorted(ran), "cells": kept + [r.to_dict() for r in results]}
    root.mkdir(parents=True, exist_ok=True)
    (root / CELLS_FILE).write_text(json.dumps(record, indent=1) + "\n")
    return results


def main(argv: list[str] | None = None) -> int:
    """`python -m crossgrad.history.grid_run CELL [--root DIR]`: one cell of the grid
    (the CI workflow's job); exit 0 when it was measured, 1 otherwise, 2 for an unknown cell."""
    import argparse

    from crossgrad.history.grid import cells

    parser = argparse.ArgumentParser(prog="python -m crossgrad.history.grid_run")
    parser.add_argument("cell", help="a cell of crossgrad/history/releases.toml, e.g. jax-0.4.13")
    parser.add_argument("--root", default=str(HISTORY), help="run folders go to ROOT/<framework>/<cell>")
    args = parser.parse_args(argv)
    known = {c.slug: c for c in cells()}
    if args.cell not in known:
        print(f"unknown cell {args.cell!r}; valid: {', '.join(known)}", file=sys.stderr)
        return 2
    result = run_cell(known[args.cell], Path(args.root))
    return 0 if result.status == "measured" else 1


if __name__ == "__main__":
    sys.exit(main())
