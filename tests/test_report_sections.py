"""The report as an ordered list of pure sections, one writer, and the documented way to add one."""
import re
from pathlib import Path

import pytest

from crossgrad.reporting import sections
from crossgrad.reporting.part import Part, joined, write_files
from crossgrad.reporting.report import render_report, write_report
from crossgrad.reporting.report_input import report_input
from test_report import CASES, ENV, rows

DOCS = Path(__file__).resolve().parents[1] / "docs" / "methodology.md"


def test_every_section_is_a_pure_function_of_the_input_and_report_md_is_their_markdown_in_order(tmp_path):
    report = report_input(rows(), ENV, {"status": "complete"}, CASES)
    parts = [section(report) for section in sections.SECTIONS]
    assert all(isinstance(p, Part) for p in parts)
    assert parts == [section(report) for section in sections.SECTIONS]  # same input, same output
    assert not list(tmp_path.iterdir())  # computing them wrote nothing
    text = render_report(rows(), ENV, {"status": "complete"}, CASES)
    assert text == joined(p.markdown for p in parts)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## Findings", "## Conventions", "## Summary", "## Errors and missing values"]
    files = {name for p in parts for name in p.files}
    assert files == {"findings.csv", "summary.png", "cases/relu.md"}
    write_report(tmp_path, rows(), ENV, {"status": "complete"}, CASES)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == \
        ["cases/relu.md", "findings.csv", "report.md", "summary.png"]


def test_the_writer_refuses_a_file_outside_the_folder(tmp_path):
    with pytest.raises(ValueError, match="outside"):
        write_files(tmp_path / "run", {"../escaped.md": "x"})
    assert not (tmp_path / "escaped.md").exists()


def test_the_documented_section_example_works_when_added_to_the_list(monkeypatch):
    """docs/methodology.md's example section, added as the docs say, shows up in report.md."""
    source = re.search(r"```python\n(# crossgrad/reporting/report_nan_count.py\n.*?)```", DOCS.read_text(), re.S)
    assert source, "the docs' example section is gone"
    namespace: dict = {}
    exec(compile(source.group(1), "report_nan_count.py", "exec"), namespace)
    monkeypatch.setattr(sections, "SECTIONS", sections.SECTIONS + (namespace["section"],))
    text = render_report(rows(), ENV, {"status": "complete"}, CASES)
    assert "## NaN values" in text and "| jax | eager | 1 |" in text
    without_nan = [r for r in rows() if r["value"] != "nan"]
    assert "## NaN values" not in render_report(without_nan, ENV, {"status": "complete"}, CASES)
