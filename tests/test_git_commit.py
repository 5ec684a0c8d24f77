"""The commit a run records: "-dirty" for edited code, not for edited run output under results/."""
from __future__ import annotations

import subprocess

import pytest

from crossgrad.running.env import git_commit


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "results" / "run").mkdir(parents=True)
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / "results" / "run" / "gradients.csv").write_text("a\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    return tmp_path


def test_a_clean_checkout_is_its_head(repo):
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert git_commit(repo) == head


def test_replaced_run_output_is_not_dirty(repo):
    (repo / "results" / "run" / "gradients.csv").unlink()  # a history cell replaces its committed folder
    assert not git_commit(repo).endswith("-dirty")


def test_edited_code_is_dirty(repo):
    (repo / "code.py").write_text("x = 2\n")
    assert git_commit(repo).endswith("-dirty")


def test_edited_code_is_dirty_from_a_subfolder(repo):
    (repo / "sub").mkdir()
    (repo / "code.py").write_text("x = 2\n")
    assert git_commit(repo / "sub").endswith("-dirty")
