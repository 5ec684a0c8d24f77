"""crossgrad's adapter conformance tests, shipped inside the crossgrad package so that a
framework author runs them on their own adapter:

    crossgrad test-adapter NAME [PYTEST ARGS...]

runs the tests of this folder against the installed adapter NAME (a built-in, or a
plug-in registered through the entry point group "crossgrad.frameworks") and exits
with pytest's status. What an adapter declares absent (forward_mode = False,
second_order = False, a dtype it does not list) is skipped with the reason, never
failed. The same, as a plain pytest entry:

    CROSSGRAD_ADAPTER=NAME python -m pytest --pyargs crossgrad.conformance

Without CROSSGRAD_ADAPTER every registered adapter is tested (crossgrad's own suite
runs them so). The tests: test_declarations.py reads the adapter's facts without
loading its framework; test_transforms.py loads it and checks values, every
transform against the truth at a smooth point, bit-exact array copies and the
outcomes of an absent op.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ADAPTER_VARIABLE = "CROSSGRAD_ADAPTER"  # which adapters the tests take (comma-separated)
HERE = Path(__file__).resolve().parent
CONFIG = HERE / "conformance.ini"  # the run's own pytest configuration, not the user project's


def adapter_names() -> list[str]:
    """The adapters under test: $CROSSGRAD_ADAPTER, else every registered one."""
    from crossgrad.core.registry import frameworks

    chosen = [n.strip() for n in os.environ.get(ADAPTER_VARIABLE, "").split(",") if n.strip()]
    return chosen or list(frameworks())


def command(pytest_args: list[str]) -> list[str]:
    """pytest over this folder, with its own configuration; no cache folder, so the
    installed package is never written into."""
    return [sys.executable, "-m", "pytest", str(HERE), "-c", str(CONFIG), "--rootdir", str(HERE),
            "-p", "no:cacheprovider", *pytest_args]


def test_adapter(name: str, pytest_args: list[str]) -> int:
    """`crossgrad test-adapter NAME`: an unknown or uninstalled NAME is a UsageError
    (exit 2, the registered adapters listed); else pytest's exit status."""
    from crossgrad.arguments import UsageError, unknown
    from crossgrad.core.registry import frameworks

    known = frameworks()
    if name not in known:
        raise unknown("adapter", [name], list(known), {o: n for n, a in known.items() for o in a.synonyms})
    if known[name].version() is None:
        raise UsageError(f"{name} is registered but its framework is not installed "
                         f"({known[name].install_hint}); the conformance tests need it")
    if importlib.util.find_spec("pytest") is None:
        raise UsageError("the conformance tests need pytest: pip install pytest")
    return run(name, pytest_args)


def run(name: str, pytest_args: list[str]) -> int:
    """Run the conformance tests on adapter `name`; pytest's exit status."""
    env = dict(os.environ, **{ADAPTER_VARIABLE: name, "PYTHONDONTWRITEBYTECODE": "1"})
    return subprocess.run(command(pytest_args), env=env).returncode
