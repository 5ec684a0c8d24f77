"""tinygrad's own adapter facts: unavailable with the fix where no C compiler is
found (no tinygrad import needed), TinyJit values from the captured plan, no
forward mode. The contract tests in test_adapters.py run it like the others."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from crossgrad.adapter import UnsupportedOp
from crossgrad.frameworks.tinygrad_adapter import ADAPTER, COMPILER_FIX, compiler


@pytest.fixture
def no_compiler(monkeypatch, tmp_path):
    """No clang on PATH (an empty folder) and no CC: the compiler hidden."""
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert compiler() is None


def test_without_a_compiler_tinygrad_is_unavailable_with_the_fix(no_compiler):
    if ADAPTER.unavailable_reason() == "tinygrad is not installed (pip install tinygrad)":
        pytest.skip("tinygrad is not installed: the compiler check comes after that one")
    assert ADAPTER.version() is None  # the engine's "unavailable" rows, with install_hint
    assert "apt-get install clang" in ADAPTER.install_hint and "C compiler" in ADAPTER.install_hint
    assert COMPILER_FIX in ADAPTER.unavailable_reason()
    with pytest.raises(RuntimeError, match="apt-get install clang"):
        ADAPTER.load()


def test_cc_names_the_compiler_tinygrad_runs(monkeypatch, tmp_path):
    fake = tmp_path / "my-cc"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CC", "my-cc")
    assert compiler() == str(fake)
    monkeypatch.setenv("CC", "clang")  # CC set but absent: no compiler, whatever else is on PATH
    assert compiler() is None


def test_crossgrad_list_says_why_and_how_to_fix(tmp_path):
    """The command line, in a process whose CC names no compiler."""
    code = "import sys; from crossgrad.cli import main; sys.exit(main(['list']))"
    env = {"PATH": str(tmp_path), "CC": "no-such-compiler"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    line = next(row for row in out.stdout.splitlines() if row.strip().startswith("tinygrad "))
    if "pip install tinygrad" in line:
        pytest.skip("tinygrad is not installed here")
    assert "apt-get install clang" in line, line


@pytest.fixture(scope="module")
def tinygrad():
    if ADAPTER.version() is None:
        pytest.skip(f"tinygrad cannot run here: {ADAPTER.unavailable_reason()}")
    from crossgrad.core.registry import load_adapter

    return load_adapter("tinygrad")


def _arrays(adapter, *values, dtype="float32"):
    return [adapter.asarray(np.array([v], dtype), "cpu") for v in values]


@pytest.mark.integration
def test_jit_values_come_from_the_plan_and_follow_the_seed(tinygrad):
    """The seed is an input buffer, never a constant baked in at capture: a
    second seed gives its own gradient; every value equals eager's, bit for bit."""
    def reverse(x, w, b, seed):
        return tinygrad.vjp(lambda x, w, b: tinygrad.ops.relu(x * w + b), (x, w, b), (1, 2), seed)

    compiled = tinygrad.compile(reverse, "compiled")
    x, w, b = _arrays(tinygrad, -1.0, 1.0, 1.0)  # the notebook's kink: z = 0
    for seed in (1.0, -1.0, 2.0):
        s = tinygrad.asarray(np.array(seed, "float32"), "cpu")
        jit = [tinygrad.to_numpy(t).tobytes() for t in tinygrad.block(compiled(x, w, b, s))]
        eager = [tinygrad.to_numpy(t).tobytes() for t in tinygrad.block(reverse(x, w, b, s))]
        assert jit == eager, seed
    x, w, b = _arrays(tinygrad, 3.0, 2.0, 1.0)  # smooth: dw = x * seed
    for seed in (1.0, -2.0):
        s = tinygrad.asarray(np.array(seed, "float32"), "cpu")
        dw, db = compiled(x, w, b, s)
        assert tinygrad.to_numpy(dw).tolist() == [3.0 * seed] and tinygrad.to_numpy(db).tolist() == [seed]


@pytest.mark.integration
def test_no_forward_mode_is_declared_and_raised(tinygrad):
    assert tinygrad.forward_mode is False
    x, w, b = _arrays(tinygrad, 3.0, 2.0, 1.0)
    with pytest.raises(UnsupportedOp, match="^tinygrad declares no forward mode$"):
        tinygrad.jvp(lambda x, w, b: x * w + b, (x, w, b), 1, tinygrad.asarray(np.array(1.0, "float32"), "cpu"))


@pytest.mark.integration
def test_relu_drops_nan_and_abs_keeps_the_sign_of_zero(tinygrad):
    """tinygrad's relu is a select, (z > 0).where(z, 0): NaN > 0 is False, so
    relu(NaN) = 0 and relu(-0.0) = +0.0; abs keeps -0.0 (measured, 0.14.0)."""
    z = tinygrad.asarray(np.array([np.nan, -0.0, 2.0], "float32"), "cpu")
    relu = tinygrad.to_numpy(tinygrad.ops.relu(z))
    assert relu.tobytes() == np.array([0.0, 0.0, 2.0], "float32").tobytes()
    assert np.signbit(tinygrad.to_numpy(tinygrad.ops.abs(z))[1])


@pytest.mark.integration
def test_jit_takes_one_array_passed_twice(tinygrad):
    """The property tests pass one seed array as seed and as one: TinyJit refuses a
    buffer passed twice, so the adapter copies the repeat; the values stay eager's."""
    def reverse(x, w, b, seed, one):
        return tinygrad.vjp(lambda x, w, b: tinygrad.ops.relu(x * w + b), (x, w, b), (1, 2), seed)

    compiled = tinygrad.compile(reverse, "compiled")
    x, w, b = _arrays(tinygrad, 0.0, 0.0, 1.0)
    s = tinygrad.asarray(np.array(-1.0, "float32"), "cpu")
    for _ in range(3):  # eager first call, capture, replay
        dw, db = compiled(x, w, b, s, s)
        assert tinygrad.to_numpy(dw).tobytes() == np.array([-0.0], "float32").tobytes()
        assert tinygrad.to_numpy(db).tolist() == [-1.0]
