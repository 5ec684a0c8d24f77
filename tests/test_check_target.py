"""`crossgrad check --update` writes the user's expectations file, never the installed
package: --expectations FILE, or else ./crossgrad-expectations.csv, and says where."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cli_helpers import ROOT, run_cli
from crossgrad.arguments import UsageError
from crossgrad.judging import check_update

SELECTION = ["--frameworks", "fake_a", "--cases", "relu", "--points", "kink", "--dtypes", "float64"]
SHIPPED = ROOT / "cases" / "expectations.csv"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_update_writes_the_projects_file_and_check_then_reads_it(tmp_path):
    before = digest(SHIPPED)
    first = run_cli("check", *SELECTION, "--out", str(tmp_path / "a"), cwd=tmp_path)
    assert first.returncode == 1  # the fake's kink values are in no file yet
    assert f"(it writes {tmp_path / 'crossgrad-expectations.csv'})" in first.stdout
    updated = run_cli("check", *SELECTION, "--update", "--out", str(tmp_path / "b"), cwd=tmp_path)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    written = tmp_path / "crossgrad-expectations.csv"
    assert f"wrote {written}, starting from {SHIPPED}'s entries" in updated.stdout
    assert digest(SHIPPED) == before  # crossgrad's own file untouched
    again = run_cli("check", *SELECTION, "--out", str(tmp_path / "c"), cwd=tmp_path)
    assert again.returncode == 0, again.stdout
    assert "results agree with crossgrad-expectations.csv" in again.stdout
    # the user's file holds crossgrad's entries and the fake's
    lines = written.read_text().splitlines()
    assert any(line.startswith("fake_a,") for line in lines) and len(lines) > len(SHIPPED.read_text().splitlines())


def test_an_explicit_file_is_read_and_written(tmp_path):
    mine = tmp_path / "mine.csv"
    done = run_cli("check", *SELECTION, "--update", "--expectations", str(mine), "--out", str(tmp_path / "a"),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"wrote {mine}:" in done.stdout and not (tmp_path / "crossgrad-expectations.csv").exists()
    assert mine.read_text().startswith("framework,") and "\nfake_a," in mine.read_text()


def installed_layout(root: Path) -> Path:
    """site-packages as pip leaves it: the packages, no pyproject.toml beside them."""
    shipped = root / "site-packages" / "cases" / "expectations.csv"
    shipped.parent.mkdir(parents=True)
    shipped.write_text(SHIPPED.read_text().splitlines()[0] + "\n")
    (root / "site-packages" / "crossgrad").mkdir()
    return shipped


def test_update_refuses_a_file_inside_the_installed_package(tmp_path, monkeypatch):
    shipped = installed_layout(tmp_path)
    monkeypatch.setattr(check_update, "SHIPPED", shipped)
    assert check_update.inside_installed_package(shipped)
    assert not check_update.inside_installed_package(tmp_path / "project" / "crossgrad-expectations.csv")
    with pytest.raises(UsageError, match="--update never writes into the installed crossgrad package"):
        check_update.check_files(str(shipped), update=True)
    monkeypatch.chdir(tmp_path)
    assert check_update.check_files(None, update=True) == (shipped, Path("crossgrad-expectations.csv"))
    assert check_update.check_files(str(shipped), update=False) == (shipped, shipped)  # reading it is fine


def test_a_source_checkout_is_the_contributors_own():
    """crossgrad's repository: --expectations cases/expectations.csv may be updated."""
    assert (ROOT / "pyproject.toml").is_file() and not check_update.inside_installed_package(SHIPPED)
