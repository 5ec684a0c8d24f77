"""One top-level import package: a user's own `frameworks` or `cases` package never
collides with crossgrad's adapters and catalogue (crossgrad.frameworks, crossgrad.cases)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def user_project(tmp_path: Path) -> Path:
    """A project with packages named like crossgrad's folders, holding nothing crossgrad knows."""
    for name in ("frameworks", "cases"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f"OWNER = 'user {name}'\n")
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["crossgrad.testing"]\n')
    (tmp_path / "test_mine.py").write_text(textwrap.dedent("""\
        import cases
        import frameworks
        from crossgrad.catalogue import cases as catalogue
        from crossgrad.core.registry import frameworks as adapters


        def test_both_namespaces():
            assert frameworks.OWNER == "user frameworks" and cases.OWNER == "user cases"
            assert "torch" in adapters() and "relu" in catalogue()
        """))
    return tmp_path


def test_a_users_frameworks_and_cases_packages_do_not_collide(tmp_path):
    project = user_project(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(project))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mine.py"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_distribution_has_one_top_level_package():
    """pyproject finds crossgrad* only; frameworks/ and cases/ are linked into it."""
    text = (ROOT / "pyproject.toml").read_text()
    assert 'include = ["crossgrad*"]' in text
    for name in ("frameworks", "cases"):
        link = ROOT / "crossgrad" / name
        assert link.is_dir() and link.resolve() == (ROOT / name).resolve()
