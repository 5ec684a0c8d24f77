"""Runs the `crossgrad` command in a subprocess, with the test plug-in framework visible."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FAKE = Path(__file__).parent / "fake_framework"
ROOT = Path(__file__).parent.parent


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300):
    """CompletedProcess of `python -m crossgrad ARGS` (text output)."""
    full_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    full_env["PYTHONPATH"] = os.pathsep.join([str(FAKE), str(ROOT), full_env.get("PYTHONPATH", "")])
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "crossgrad", *args], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
