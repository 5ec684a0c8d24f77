"""Run folders are data strangers hand around (issue 23): nothing read from one is
imported, run or pasted unchecked, and nothing is written outside it.

The folders here are written by hand (manifest, env, one record), so no framework runs.
"""
from __future__ import annotations

import json

import pytest
from cli_helpers import run_cli

from crossgrad.core.case import Case, Point
from crossgrad.core.names import BadName, is_valid_name
from crossgrad.core.records import RecordFormatError
from crossgrad.core.run_folder import case_page, inside, read_record_columns
from crossgrad.reporting.recorded_spelling import trusted_spelling
from crossgrad.reporting.repro import SnippetError

ROW = {"framework": "fake_a", "framework_version": "1.0", "device": "cpu", "dtype": "float64", "mode": "eager",
       "case": "relu", "primitive": "", "ad": "none", "point": "smooth", "wrt": "", "cotangent": "",
       "tangent": "", "x": "3.0", "w": "2.0", "b": "1.0", "index": 0, "value": "7.0",
       "bits": "0x401c000000000000", "outcome": "ok", "detail": "", "schema_version": 1}


def hand_made_run(path, **row):
    path.mkdir()
    (path / "manifest.json").write_text(json.dumps({"schema_version": 1, "status": "complete", "config": {}}))
    (path / "env.json").write_text(json.dumps({"schema_version": 1, "frameworks": {}}))
    (path / "records.jsonl").write_text(json.dumps(dict(ROW, **row)) + "\n")
    return path


@pytest.mark.parametrize("name", ["../../x", "a/b", "a b", "a,b", "", ".hidden", "x\ny", "<b>", "[x](javascript:1)"])
def test_a_case_or_point_name_outside_the_pattern_is_refused_where_it_is_defined(name):
    assert not is_valid_name(name)
    with pytest.raises(BadName, match="letters, digits"):
        Case(name, None, (Point("p", 1.0, 1.0, 1.0),))
    with pytest.raises(BadName, match="letters, digits"):
        Point(name, 1.0, 1.0, 1.0)


@pytest.mark.parametrize("name", ["relu", "relu~torch:F.relu", "max_ties~jax:z.max()", "softplus_1e-3", "a.b"])
def test_the_catalogue_s_kinds_of_name_are_names(name):
    assert is_valid_name(name) and case_page(name) == f"cases/{name}.md"


@pytest.mark.parametrize("column, name", [("case", "../../x"), ("case", "a/b"), ("point", "a b"),
                                          ("case", "x\n<script>")])
def test_a_run_folder_with_a_bad_name_is_refused_with_exit_2(tmp_path, column, name):
    run = hand_made_run(tmp_path / "run", **{column: name})
    with pytest.raises(RecordFormatError, match=f"records.jsonl:1: {column} name"):
        read_record_columns(run)
    result = run_cli("report", str(run), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # nothing written beside it
    assert not (run / "report.md").exists()


def test_nothing_resolves_outside_the_run_folder(tmp_path):
    assert inside(tmp_path, "cases/relu.md") == (tmp_path / "cases" / "relu.md").resolve()
    for escape in ("../x.md", "cases/../../x.md", "/etc/passwd"):
        with pytest.raises(ValueError, match="outside the run folder"):
            inside(tmp_path, escape)


def test_a_recorded_template_the_adapter_does_not_write_makes_no_snippet():
    from crossgrad.core.registry import frameworks

    own = dict(frameworks()["torch"].op_table)
    own = {op: t for op, t in own.items() if t is not None}
    assert trusted_spelling("torch", own) == own
    alias = frameworks()["torch"].aliases["relu"][0]
    assert trusted_spelling("torch", {"relu": alias}) == {"relu": alias}
    crafted = dict(own, relu="__import__('os').system('echo owned') or torch.relu({0})")
    with pytest.raises(SnippetError, match="cannot be trusted"):
        trusted_spelling("torch", crafted)


def test_a_crafted_env_json_yields_a_snippet_that_says_it_cannot_be_trusted(tmp_path):
    from crossgrad.catalogue import cases
    from crossgrad.reporting.snippet_file import one_snippet

    env = {"frameworks": {"torch": {"spelling": {"relu": "__import__('os').system('echo owned')"}}}}
    row = dict(ROW, framework="torch", case="relu", point="kink", ad="reverse", wrt="w", cotangent="1.0")
    text = one_snippet(row, env, cases())
    assert "cannot be trusted" in text and "```python" not in text and "system" not in text.split("No snippet")[0]


def test_report_of_a_slimmed_folder_is_refused_and_its_csv_kept(tmp_path):
    """A committed slimmed folder (gradients.csv, no records.jsonl): `report` once
    rewrote its gradients.csv empty; it must refuse (exit 2) and leave the file as it was."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path
    source = Path(__file__).resolve().parents[1] / "results" / "h200" / "values-eager"
    run = tmp_path / "slim"
    shutil.copytree(source, run)
    before = (run / "gradients.csv").read_bytes()
    done = subprocess.run([sys.executable, "-m", "crossgrad", "report", str(run)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no records.jsonl" in done.stderr and "Traceback" not in done.stderr
    assert (run / "gradients.csv").read_bytes() == before
