"""Building one release's environment and running the catalogue there (one grid cell).

Used by the nox session `history` (and `drift`); standard library only. A cell's
environment holds the framework release and what it pulls in (NumPy first of all),
nothing of crossgrad's: crossgrad's supervisor runs here and starts the workers
under the cell's interpreter (`crossgrad run --python`), so crossgrad's own
requirements never decide which releases can be measured.

Each step's outcome is a recorded status, never an exception: `installed`,
`install failed` (the installer's last lines), `cannot compute` (installs, but the
smoke line fails), then the run's `measured`, `partial` or `adapter did not start`.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crossgrad.history.download import downloads, resolve_command, summary, total_bytes
from crossgrad.history.grid import Cell

ROOT = Path(__file__).resolve().parents[2]
ENVS = ROOT / ".nox" / "history"  # one cached environment per cell, beside nox's own
# The code a cell's worker runs (tests/test_history_cells.py checks it against what
# the worker imports): a change here makes a cell's run stale; a change of the
# report, the history command or the docs does not.
COMPUTING_CODE = ("crossgrad/__init__.py", "crossgrad/adapter.py", "crossgrad/adapter_kit.py", "crossgrad/case.py",
                  "crossgrad/catalogue.py",
                  "crossgrad/core", "crossgrad/running", "crossgrad/timing", "frameworks", "cases")
# A line that imports the framework and computes with it: an install the
# installer accepts can still fail here (a jaxlib built against NumPy 1 under NumPy 2).
# Each goes through NumPy both ways, as the worker does.
SMOKE = {"jax": "import numpy, jax.numpy as jnp; numpy.asarray(jnp.asarray(numpy.ones(1)) + 1)",
         "torch": "import numpy, torch; (torch.from_numpy(numpy.ones(1)) + 1).numpy()",
         "tensorflow": "import numpy, tensorflow as tf; (tf.constant(numpy.ones(1)) + 1).numpy()",
         "mlx": "import numpy, mlx.core as mx; numpy.array(mx.array(numpy.ones(1, numpy.float32)) + 1)"}
# What the history measures in each cell: values, the CPU, eager mode (the scope docs/history.md states).
RUN_SELECTION = ("--no-timings", "--no-report", "--devices", "cpu", "--modes", "eager", "--dtypes", "float32,float64,bfloat16,float16")
UV_TORCH_CPU = ("--torch-backend", "cpu")  # PyTorch's CPU index, where it can be reached


@dataclass
class CellResult:
    cell: str
    spec: str
    status: str = "pending"
    detail: str = ""
    install_s: float = 0.0
    run_s: float = 0.0
    env_bytes: int = 0
    download_bytes: int = 0  # what the install fetches at most, from the index's sizes
    reused: list = field(default_factory=list)  # "environment", "run folder"

    def to_dict(self) -> dict:
        return asdict(self)


def uv() -> str:
    """The uv beside this interpreter (crossgrad's drift extra installs it), else on PATH."""
    beside = Path(sys.executable).with_name("uv")
    return str(beside) if beside.is_file() else (shutil.which("uv") or "uv")


def env_dir(cell: Cell) -> Path:
    return ENVS / cell.slug


def python_of(cell: Cell) -> Path:
    return env_dir(cell) / "bin" / "python"


def _call(command: list, timeout: float = 1800, stdin: str | None = None) -> tuple[int, str, str]:
    """(exit status, stdout and stderr together, stdout alone)."""
    try:
        out = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout,
                             input=stdin, cwd=ROOT, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    except subprocess.TimeoutExpired:
        return 124, f"no answer within {timeout:g} s", ""
    return out.returncode, (out.stdout + out.stderr).strip(), out.stdout


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(l.strip() for l in text.splitlines()[-lines:] if l.strip())[:600]


def smoke(cell: Cell) -> tuple[bool, str]:
    rc, text, _ = _call([python_of(cell), "-c", SMOKE[cell.framework]], timeout=600)
    return rc == 0, _tail(text)


def stamp(cell: Cell) -> Path:
    return env_dir(cell) / ".crossgrad-history-spec"


def ensure_env(cell: Cell, result: CellResult, log=print) -> bool:
    """The cell's environment, built once and reused while its stamp names the same spec
    and it computes; one that does not is brought up to the spec in place."""
    start = time.monotonic()
    if stamp(cell).is_file() and stamp(cell).read_text() == cell.spec and smoke(cell)[0]:
        result.reused.append("environment")
        result.status, result.detail = "installed", f"{cell.spec} (cached environment)"
        result.install_s = round(time.monotonic() - start, 1)  # a warm cell's cost: the check above
        result.env_bytes = disk_bytes(env_dir(cell))
        return True
    rc, text = 0, ""
    if not python_of(cell).is_file():  # else the installer brings the environment up to the spec
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        rc, text, _ = _call([uv(), "venv", "-q", "--python", version, env_dir(cell)])
    ok = rc == 0 and install(cell, result, log)
    result.install_s = round(time.monotonic() - start, 1)
    result.env_bytes = disk_bytes(env_dir(cell))
    if rc != 0:
        result.status, result.detail = "install failed", _tail(text)
    if ok:
        stamp(cell).write_text(cell.spec)
    return ok


def install(cell: Cell, result: CellResult, log) -> bool:
    """The spec and NumPy (NumPy 1 where the release cannot compute under NumPy 2),
    each attempt's download size said before it installs."""
    attempts = [[cell.spec, "numpy"], [cell.spec, "numpy<2"]]  # torch 2.0 does not even require NumPy
    for specs in attempts:
        options = plan(cell, specs, result, log)
        rc, text, _ = _call([uv(), "pip", "install", "-q", "--python", python_of(cell), *specs, *options])
        if rc != 0:
            result.status, result.detail = "install failed", _tail(text)
            return False
        ok, why = smoke(cell)
        if ok:
            result.status, result.detail = "installed", " ".join(specs + options)
            return True
        log(f"{cell.slug}: {' '.join(specs)} installs but cannot compute: {why}")
        result.status, result.detail = "cannot compute", why
    return False


def plan(cell: Cell, specs: list, result: CellResult, log) -> list:
    """The installer's options, and what the install will download, printed before it starts
    (uv resolves without installing; the sizes are the index's). torch: uv's CPU backend where
    PyTorch's CPU index answers, else the registry's default wheel (it bundles CUDA libraries
    and computes on the CPU), said aloud."""
    tries = [list(UV_TORCH_CPU), []] if cell.framework == "torch" else [[]]
    for options in tries:
        rc, text, lock = _call(resolve_command(uv(), python_of(cell), specs, options), timeout=120,
                               stdin="\n".join(specs) + "\n")
        files = downloads(lock) if rc == 0 else None
        if files is not None:
            result.download_bytes = total_bytes(files)
            source = ""
            if cell.framework == "torch":
                source = " (PyTorch's CPU build)" if options else " (the registry's default wheel: computes on the CPU)"
            log(f"{cell.slug}: installing {' '.join(specs)}{source}: download {summary(files)} "
                "(the index's sizes; files already in uv's cache are not fetched again)")
            return options
        if options:
            log(f"{cell.slug}: PyTorch's CPU index cannot be reached ({_tail(text, 1)}); "
                "the registry's default wheel instead")
    log(f"{cell.slug}: download size unknown: {' '.join(specs)} does not resolve: {_tail(text)}")
    return tries[-1]


def disk_bytes(folder: Path) -> int:
    """Bytes of the files under `folder` (a hard link to uv's cache counts once per environment)."""
    total = 0
    for path in Path(folder).rglob("*"):
        try:
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        except OSError:  # removed while being walked (an installer at work): nothing to count
            continue
    return total
