"""crossgrad.testing in a user project, with the fake finite-difference framework (no real one needed)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from cli_helpers import FAKE, ROOT

CASES = textwrap.dedent('''
    from crossgrad.case import Case, Point, exact

    def shifted(ops, x, w, b):
        return ops.relu(x * w + b) + 1.0

    CASES = [Case("shifted", shifted, (Point("smooth", 3.0, 2.0, 1.0, value=exact(8.0), d1=exact(1.0)),
                                       Point("kink", -1.0, 1.0, 1.0)), dtypes=("float64",))]
''')
TESTS = textwrap.dedent('''
    from crossgrad.testing import case_tests

    test_shifted = case_tests("shifted", cases_from="../my_cases.py", expectations="../expected.csv",
                              frameworks=["fake_a"], seeds=(1.0,))
''')


def make_project(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["crossgrad.testing"]\n')
    (tmp_path / "my_cases.py").write_text(CASES)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_mine.py").write_text(TESTS)
    return tmp_path


def pytest_in(project, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(FAKE), str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-rA", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


def test_one_test_per_quantity_then_update_then_pass(tmp_path):
    project = make_project(tmp_path)
    first = pytest_in(project)
    # kink states no truth: every value of it is new to the (absent) expectations file
    assert first.returncode == 1, first.stdout + first.stderr
    assert "PASSED tests/test_mine.py::test_shifted[shifted-smooth-fake_a-eager-none]" in first.stdout
    assert "FAILED tests/test_mine.py::test_shifted[shifted-kink-fake_a-eager-reverse-w]" in first.stdout
    assert "new divergences: not in the file (1)" in first.stdout
    # 6 quantities per point at one seed. Only smooth's value is exact (8.0); the fake's finite
    # differences miss the stated d1 by more than `close` allows, and no d2 or kink truth is stated.
    assert "11 failed, 1 passed" in first.stdout

    updated = pytest_in(project, "--crossgrad-update")
    assert updated.returncode == 0 and "crossgrad: updated" in updated.stderr, updated.stdout + updated.stderr
    text = (project / "expected.csv").read_text()
    assert text.count("shifted,kink") == 6 and text.count("shifted,smooth") == 5
    assert "shifted,smooth,float64,eager,none" not in text  # exact: not a divergence, not listed

    again = pytest_in(project)
    assert again.returncode == 0 and "12 passed" in again.stdout, again.stdout

    (project / "expected.csv").write_text(text.replace(",kink,float64,eager,none,,,,0,1.0,", ",kink,float64,eager,none,,,,0,-0.0,"))
    edited = pytest_in(project, "-k", "kink")
    assert edited.returncode == 1
    assert "shifted-kink-fake_a-eager-none: fake_a eager gave 1.0" in edited.stdout
    assert "-0.0 (no verdict)  ->  1.0 (no verdict)" in edited.stdout  # bitwise: the sign of zero counts
    # repro.py writes snippets for the real frameworks only (tests/test_example_project.py shows one);
    # for the fake one the message says why there is none instead of failing the report.
    assert "repro (runs alone, prints the value):\n(no snippet: SnippetError: no snippet template for framework 'fake_a'" \
        in edited.stdout


def test_a_bad_cases_file_is_a_usage_error(tmp_path):
    project = make_project(tmp_path)
    (project / "my_cases.py").write_text("1 / 0\n")
    done = pytest_in(project)
    assert done.returncode != 0
    assert "raised ZeroDivisionError: division by zero while importing it" in done.stdout + done.stderr


BOOM = CASES + textwrap.dedent('''
    def boom(ops, x, w, b):
        raise ValueError("this op is not defined here")

    CASES.append(Case("boom", boom, (Point("p", 1.0, 1.0, 1.0),), dtypes=("float64",)))
''')


def test_selection_options_and_failure_words(tmp_path):
    """Issue 23: -k runs only what was selected; --crossgrad-frameworks wins over the test
    file's frameworks=; an error says what it raised; a missing file is called missing."""
    project = make_project(tmp_path)
    (project / "my_cases.py").write_text(BOOM)
    (project / "tests" / "test_mine.py").write_text(TESTS + textwrap.dedent('''
        test_boom = case_tests("boom", cases_from="../my_cases.py", expectations="../expected.csv",
                               frameworks=["fake_a"], seeds=(1.0,))
    '''))
    base = tmp_path / "base"
    done = pytest_in(project, "-k", "smooth or boom", "--crossgrad-frameworks", "fake_b", "--basetemp", str(base))
    out = done.stdout
    assert "PASSED tests/test_mine.py::test_shifted[shifted-smooth-fake_b-eager-none]" in out, out + done.stderr
    assert "fake_a" not in out.split("short test summary")[-1]  # the option won over frameworks=["fake_a"]
    records = [line for path in base.rglob("records.jsonl") for line in path.read_text().splitlines()]
    assert records and all('"point": "kink"' not in line for line in records)  # kink was not selected: not run
    assert "boom-p-fake_b-eager-none: fake_b eager gave no value: error: ValueError: this op is not defined here" in out
    assert "is missing (write it with pytest --crossgrad-update)" in out and "difference(s) from" not in out
