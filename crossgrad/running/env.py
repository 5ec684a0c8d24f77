"""Environment capture for env.json: where and with what a run was made.

Framework-specific facts (versions, threads, x64/TF32 flags, GPU model) come
from each adapter's info(), reported by its worker; this module adds the host.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

from crossgrad import __version__
from crossgrad.core.host import ISA_FLAGS, cpu_flags  # noqa: F401 (env.json's cpu_flags; re-exported)
from crossgrad.core.records import SCHEMA_VERSION

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "XLA_FLAGS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
               "TF_CPP_MIN_LOG_LEVEL", "OPENBLAS_CORETYPE")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def xla_cpu_target() -> str:
    """What XLA is told about the CPU it compiles for: --xla_cpu_max_isa in XLA_FLAGS,
    else "host" (XLA then targets every extension in cpu_flags)."""
    for flag in os.environ.get("XLA_FLAGS", "").split():
        if flag.startswith("--xla_cpu_max_isa="):
            return flag.split("=", 1)[1]
    return "host"


def gpu_model() -> str:
    """The GPU's name from nvidia-smi, or "" where there is none."""
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def git_commit(here: Path | None = None) -> str:
    """HEAD of the checkout crossgrad runs from, "-dirty" when its tracked files differ from it.
    Edits under results/ don't count: they are run output, not code (a history cell replaces
    its committed run folder there, and was then never fresh: crossgrad.history.grid_run)."""
    here = here or Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no",
                                "--", ":/", ":/!results"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if out.returncode != 0:
        return ""
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def host_env(argv: list[str]) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "crossgrad": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_arch": platform.machine(),
        "cpu_flags": cpu_flags(),
        "xla_cpu_target": xla_cpu_target(),
        "cpu_count": os.cpu_count(),
        "gpu": gpu_model(),
        "thread_env": {k: os.environ[k] for k in THREAD_VARS if k in os.environ},
        "git_commit": git_commit(),
        "command": " ".join(argv),
        "frameworks": {},
    }
