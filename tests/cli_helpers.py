"""Runs the `crossgrad` command with the test plug-in framework visible: in a
subprocess (run_cli, the installed entry point as a user starts it), or in this
process (run_cli_here, for commands that fail at their arguments: a new
interpreter per bad-input case cost about 0.7 s of CPU each, nearly all of it
importing crossgrad again)."""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

FAKE = Path(__file__).parent / "fake_framework"
ROOT = Path(__file__).parent.parent


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300):
    """CompletedProcess of `python -m crossgrad ARGS` (text output)."""
    full_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    full_env["PYTHONPATH"] = os.pathsep.join([str(FAKE), str(ROOT), full_env.get("PYTHONPATH", "")])
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "crossgrad", *args], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@contextlib.contextmanager
def _fake_framework_registered():
    """tests/fake_framework on sys.path and the registry rebuilt to see it; both undone
    after, so that later tests in this process see only what they saw before."""
    from crossgrad.core import registry

    sys.path.insert(0, str(FAKE))
    registry.frameworks.cache_clear()
    try:
        yield
    finally:
        sys.path.remove(str(FAKE))
        registry.frameworks.cache_clear()


def run_cli_here(*args: str, cwd: Path | None = None):
    """What run_cli returns (returncode, stdout, stderr), from crossgrad.cli.main called
    in this process, as `python -m crossgrad` calls it. An exception main does not turn
    into an exit status propagates: the test fails, as a traceback would fail it."""
    from crossgrad.cli import main

    out, err = io.StringIO(), io.StringIO()
    with _fake_framework_registered(), contextlib.chdir(cwd or ROOT), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own exits (--help, its usage errors)
            code = exc.code
            if not isinstance(code, (int, type(None))):  # sys.exit("text"): the interpreter prints it, exits 1
                print(code, file=err)
    returncode = 0 if code is None else code if isinstance(code, int) else 1
    return SimpleNamespace(args=args, returncode=returncode, stdout=out.getvalue(), stderr=err.getvalue())
