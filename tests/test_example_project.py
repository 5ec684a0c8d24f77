"""The example user project (examples/squareplus) through crossgrad.testing, in a tmp copy.

An edited expectation fails its test with the readable id and the repro
snippet; --crossgrad-update writes the framework's value back. JAX only (the
quickest worker); the whole example runs in `make test` (see docs/own-project.md).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "squareplus"
TEST_ID = "squareplus-far-jax-eager-none"


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "--crossgrad-frameworks", "jax", "-k", "test_squareplus and far and none", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.integration
def test_an_edited_expectation_fails_with_id_and_snippet(tmp_path):
    pytest.importorskip("jax", reason="the example's check runs JAX")
    project = tmp_path / "squareplus"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".benchmarks"))
    expectations = project / "expectations.csv"
    original = expectations.read_text()
    line = next(l for l in original.splitlines() if l.startswith("jax,") and ",far,float32,eager,none," in l)
    recorded = line.split(",")[12]
    edited = line.rsplit(",", 2)[0] + ",1e-4," + line.rsplit(",", 1)[1]  # the value column
    expectations.write_text(original.replace(line, edited))

    failed = _pytest(project)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    out = failed.stdout
    assert f"FAILED tests/test_squareplus.py::test_squareplus[{TEST_ID}]" in out
    assert f"{TEST_ID}: jax eager gave {recorded}" in out
    assert f"0.0001 (invalid)  ->  {recorded} (invalid)" in out  # old value beside new, bitwise
    assert "from squareplus.jax_impl import squareplus" in out  # the snippet imports the native code
    assert "x = jnp.array([-1.0], dtype=jnp.float32)" in out and "print(repr(" in out
    assert "pytest --crossgrad-update" in out

    updated = _pytest(project, "--crossgrad-update")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "crossgrad: updated" in updated.stderr
    assert expectations.read_text() == original  # the framework's value is back, nothing else moved
