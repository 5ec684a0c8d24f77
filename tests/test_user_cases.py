"""A user's own cases: --cases-from PATH.py, the crossgrad.cases entry point, native implementations.

The runs use the fake finite-difference framework (tests/fake_framework), so no
real framework is needed; the example project's real runs are in
tests/test_example_project.py.
"""
from __future__ import annotations

import csv
import textwrap

import pytest
from cli_helpers import run_cli

from crossgrad.core.native import as_case_function, native_import

HEADER = "from crossgrad.case import Case, Point, exact\n"

USER_CASES = HEADER + textwrap.dedent('''
    def shifted_relu(ops, x, w, b):
        return ops.relu(x * w + b) + 1.0

    def doubled(x, w, b):  # native: written in the "framework" itself (NumPy here)
        return 2.0 * (x * w + b)

    CASES = [
        Case("shifted_relu", shifted_relu,
             (Point("smooth", 3.0, 2.0, 1.0, value=exact(8.0), d1=exact(1.0), d2=exact(0.0)),)),
        Case("doubled", None, (Point("smooth", 3.0, 2.0, 1.0),), native={"fake_a": doubled}),
    ]
''')


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def gradient_rows(run_dir) -> list[dict]:
    return list(csv.DictReader(open(run_dir / "gradients.csv")))


def test_cases_from_a_file_run_end_to_end(tmp_path):
    cases = write(tmp_path, "my_cases.py", USER_CASES)
    out = tmp_path / "run"
    result = run_cli("run", "--cases-from", str(cases), "--cases", "shifted_relu,doubled", "--frameworks",
                     "fake_a", "--dtypes", "float64", "--no-timings", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = gradient_rows(out)
    by = {(r["case"], r["ad"], r["wrt"], r["cotangent"] or r["tangent"]): r for r in rows}
    assert float(by[("shifted_relu", "none", "", "")]["value"]) == 8.0
    assert by[("shifted_relu", "none", "", "")]["verdict"] == "exact"  # its stated truth is used
    # the native implementation ran: 2 * (3*2 + 1) = 14, d/dw = 2x = 6 (finite differences: close)
    assert float(by[("doubled", "none", "", "")]["value"]) == 14.0
    assert abs(float(by[("doubled", "reverse", "w", "1.0")]["value"]) - 6.0) < 1e-6
    assert by[("doubled", "none", "", "")]["truth"] == ""  # no truth stated: agreement only
    page = (out / "cases" / "doubled.md").read_text()  # each case's matrices live on its own page
    assert "native" in page and "compared for agreement only" in page


def test_report_never_imports_the_case_files_a_run_folder_names(tmp_path):
    """A run folder is data: its manifest's case_files are named, never imported;
    the user names case files on the command line (--cases-from) to judge them."""
    marker = tmp_path / "imported"
    cases = write(tmp_path, "my_cases.py", f"open({str(marker)!r}, 'a').write('x')\n" + USER_CASES)
    out = tmp_path / "run"
    assert run_cli("run", "--cases-from", str(cases), "--cases", "shifted_relu", "--frameworks", "fake_a",
                   "--dtypes", "float64", "--no-timings", "--out", str(out)).returncode == 0
    marker.unlink()
    result = run_cli("report", str(out))
    assert result.returncode == 0, result.stderr
    assert not marker.exists()  # the file the manifest names did not run
    assert str(cases) in result.stderr and "--cases-from" in result.stderr
    assert all(r["verdict"] == "" for r in gradient_rows(out))  # its truth is not known without it
    result = run_cli("report", str(out), "--cases-from", str(cases))
    assert result.returncode == 0, result.stderr
    assert any(r["verdict"] == "exact" for r in gradient_rows(out))  # named by the user: judged


BAD_FILES = {
    "clash": (HEADER + "CASES = [Case('relu', lambda ops, x, w, b: x, (Point('p', 1.0, 1.0, 1.0),))]\n",
              "case 'relu' clashes with a built-in case"),
    "empty": ("X = 1\n", "defines no cases"),
    "raises": ("1 / 0\n", "raised ZeroDivisionError: division by zero while importing it"),
    "not_a_case": ("CASES = ['relu']\n", "CASES[0] is a str, not a crossgrad.case.Case"),
    "bad_native": (HEADER + "CASES = [Case('n1', None, (Point('p', 1.0, 1.0, 1.0),), "
                   "native={'torch': lambda x: x})]\n", "a native implementation takes (x, w, b)"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_bad_case_file_exits_2_with_one_line(tmp_path, kind):
    text, reason = BAD_FILES[kind]
    path = write(tmp_path, f"{kind}.py", text)
    for command in ("run", "check"):
        result = run_cli(command, "--cases-from", str(path), "--frameworks", "fake_a", "--no-timings"
                         if command == "run" else "--points=smooth", "--out", str(tmp_path / "out"))
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and reason in lines[0] and str(path) in lines[0], result.stderr


def test_a_missing_case_file_exits_2(tmp_path):
    result = run_cli("run", "--cases-from", str(tmp_path / "nope.py"), "--no-timings")
    assert result.returncode == 2
    assert result.stderr.strip() == f"crossgrad: error: no such case file {str(tmp_path / 'nope.py')!r}"


def test_several_files_comma_separated_or_repeated(tmp_path):
    one = write(tmp_path, "one.py", HEADER + "CASES = [Case('c_one', lambda ops, x, w, b: ops.relu(x), "
                "(Point('p', 1.0, 1.0, 1.0),))]\n")
    two = write(tmp_path, "two.py", HEADER + "CASES = [Case('c_two', lambda ops, x, w, b: ops.relu(x), "
                "(Point('p', 1.0, 1.0, 1.0),))]\n")
    for args in (["--cases-from", f"{one},{two}"], ["--cases-from", str(one), "--cases-from", str(two)]):
        out = tmp_path / f"run{len(args)}"
        result = run_cli("run", *args, "--cases", "c_one,c_two", "--frameworks", "fake_a", "--dtypes",
                         "float64", "--no-timings", "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert {r["case"] for r in gradient_rows(out)} == {"c_one", "c_two"}
    clash = run_cli("run", "--cases-from", f"{one},{one}", "--no-timings")
    assert clash.returncode == 2  # the same file twice: its case would clash with itself


def test_entry_point_group_crossgrad_cases(tmp_path):
    """An installed package's cases: a dist-info with the entry point, found through PYTHONPATH."""
    write(tmp_path, "userpkg.py", USER_CASES.replace("shifted_relu", "ep_relu").replace('"doubled"', '"ep_doubled"'))
    info = tmp_path / "userpkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: userpkg\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[crossgrad.cases]\nuserpkg = userpkg\n")
    out = tmp_path / "run"
    result = run_cli("run", "--cases", "ep_relu", "--frameworks", "fake_a", "--dtypes", "float64",
                     "--no-timings", "--out", str(out), env={"PYTHONPATH": ""} | _with(tmp_path))
    assert result.returncode == 0, result.stderr
    assert {r["case"] for r in gradient_rows(out)} == {"ep_relu"}


def _with(path) -> dict:
    import os

    from cli_helpers import FAKE, ROOT

    return {"PYTHONPATH": os.pathsep.join([str(path), str(FAKE), str(ROOT)])}


def test_native_wrapper_keeps_its_import_path_for_snippets():
    fn = as_case_function("squareplus.torch_impl:squareplus", "no-such-framework")
    assert native_import(fn) == ("squareplus", "from squareplus.torch_impl import squareplus  "
                                               "# the case's native implementation")
    assert native_import(lambda ops, x, w, b: x) is None
    # resolved lazily: nothing imported until it is called
    with pytest.raises(ModuleNotFoundError):
        as_case_function("no_such_module_xyz:f", "no-such-framework")(None, 1, 2, 3)


def test_the_catalogue_is_a_value_a_case_file_changes_no_global(tmp_path):
    """load_catalogue builds a value; the installed catalogue (cases()) never gains a
    command's case files, and a broken file is an error, never a silent empty catalogue."""
    from crossgrad.catalogue import cases, load_catalogue
    from crossgrad.core.user_cases import CaseSourceError

    path = write(tmp_path, "value_cases.py", USER_CASES.replace("shifted_relu", "value_relu")
                 .replace('"doubled"', '"value_doubled"'))
    catalogue = load_catalogue([path])
    assert {"value_relu", "value_doubled"} <= set(catalogue.cases)
    assert catalogue.case_files == (str(path.resolve()),)
    assert "value_relu" not in cases() and "relu" in catalogue.cases
    broken = write(tmp_path, "broken_cases.py", "raise RuntimeError('no')\n")
    with pytest.raises(CaseSourceError, match="RuntimeError: no"):
        load_catalogue([broken])
    assert "value_relu" not in cases()


def test_a_broken_case_file_stops_report_and_compare_with_exit_2(tmp_path):
    import shutil
    from pathlib import Path

    broken = write(tmp_path, "broken_cases.py", "raise RuntimeError('no')\n")
    fixtures = Path(__file__).parent / "fixtures" / "drift"
    run_a = shutil.copytree(fixtures / "run-a", tmp_path / "a")
    run_b = shutil.copytree(fixtures / "run-b", tmp_path / "b")
    for command in (["report", str(run_a)], ["compare", str(run_a), str(run_b), "--out", str(tmp_path / "c")]):
        result = run_cli(*command, "--cases-from", str(broken))
        assert result.returncode == 2 and "RuntimeError: no" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
