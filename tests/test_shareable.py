"""A run folder names no user: the home folder is "~", a login name in a folder's
name "$USER" (crossgrad.core.shareable), in env.json, the manifest and timing rows."""
from __future__ import annotations

import json

import pytest

from cli_helpers import run_cli
from crossgrad.core.shareable import without_user, without_user_tree


@pytest.fixture
def ada(tmp_path, monkeypatch):
    home = tmp_path / "home" / "ada"
    monkeypatch.setenv("HOME", str(home))
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):  # getpass.getuser reads these first
        monkeypatch.setenv(name, "ada")
    return home


def test_the_home_folder_is_written_tilde_and_the_login_in_a_folder_name_user(ada):
    assert without_user(f"warm: {ada}/.cache/crossgrad/jax holds 3 files") == "warm: ~/.cache/crossgrad/jax holds 3 files"
    assert without_user(f"cold: {ada} empty") == "cold: ~ empty"
    assert without_user("cold: inductor cache /tmp/torchinductor_ada empty") == \
        "cold: inductor cache /tmp/torchinductor_$USER empty"
    # a longer name that only begins like them is someone else's folder: kept
    assert without_user(f"{ada}x/cache /tmp/torchinductor_adam /srv/ada.d") == f"{ada}x/cache /tmp/torchinductor_adam /srv/ada.d"
    assert without_user_tree({"a": [f"{ada}/c", 1, None, -0.0], "b": {"c": "off"}}) == {"a": ["~/c", 1, None, -0.0],
                                                                                        "b": {"c": "off"}}


def test_timing_rows_carry_the_cache_state_without_the_home_folder(ada):
    from crossgrad.timing.run import TimingState

    class Adapter:
        def compile_cache(self):
            return f"warm: {ada}/.cache/x holds 2 files"

    assert TimingState().compile_cache(Adapter()) == "warm: ~/.cache/x holds 2 files"


@pytest.mark.integration
def test_a_jax_run_folder_names_no_home_folder(tmp_path, monkeypatch):
    """jax's compilation cache lives under the home folder by default (frameworks/jax_adapter.py);
    a home of the test's own, so that its cache is cold and its path is known."""
    pytest.importorskip("jax")
    home = tmp_path / "home"
    for name in ("XDG_CACHE_HOME", "JAX_COMPILATION_CACHE_DIR"):  # the default folder, under HOME
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "run"
    result = run_cli("run", "--frameworks", "jax", "--cases", "relu", "--dtypes", "float32", "--modes", "eager",
                     "--devices", "cpu", "--no-timings", "--no-report", "--out", str(out), env={"HOME": str(home)})
    assert result.returncode == 0, result.stderr[-2000:]
    env_json, manifest = (out / "env.json").read_text(), (out / "manifest.json").read_text()
    assert str(home) not in env_json and str(home) not in manifest
    assert json.loads(env_json)["frameworks"]["jax"]["compilation_cache"].startswith("cold: ~/.cache/crossgrad/jax")
    assert json.loads(manifest)["compile_cache"]["jax"].startswith("cold: ~/.cache/crossgrad/jax")
