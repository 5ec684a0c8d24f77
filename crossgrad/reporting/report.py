"""report.md: what was run, the findings a person can act on, the conventions each
framework follows, the timing, and a summary linking one page per case
(`cases/<case>.md`: the case's findings with repro snippets, and its matrices).

The report is crossgrad.reporting.sections.SECTIONS applied in order to one
ReportInput; their markdown is joined into report.md and their files (plots,
findings.csv, case pages) go to the one writer (crossgrad.reporting.part).
Rows are judged gradient rows (crossgrad.judging.judge). Every value
is printed as its repr inside a code span, so `-0.0` never reads as `0.0`.
Nothing here imports a framework: the report renders anywhere.
"""
from __future__ import annotations

from pathlib import Path

from crossgrad.core import run_folder
from crossgrad.reporting import report_pages, sections
from crossgrad.reporting.painter import HERE, collected
from crossgrad.reporting.part import Part, joined, write_files
from crossgrad.reporting.report_input import ReportInput, report_input


def parts(report: ReportInput) -> list[Part]:
    """Every section's Part, in the report's order (those drawn beside built first:
    sections.DRAWN_BESIDE)."""
    built = {section: section(report) for section in sections.DRAWN_BESIDE}
    return [built[section] if section in built else section(report) for section in sections.SECTIONS]


def write_report(run_dir: Path, rows: list[dict], env: dict, manifest: dict, cases: dict,
                 timings: list[dict] | None = None, painter=HERE) -> Path:
    """Write run_dir/report.md and every section's files (the heatmap and timing PNGs,
    one page per case under run_dir/cases/, findings.csv); returns the report's path.
    painter: where the heatmap is drawn (crossgrad.reporting.painter); a picture drawn
    beside is collected here, after every section, its failure raised here."""
    done = parts(report_input(rows, env, manifest, cases, timings, painter))
    files = collected({name: content for part in done for name, content in part.files.items()})
    write_files(Path(run_dir), {**files, run_folder.REPORT: joined(p.markdown for p in done)})
    return Path(run_dir) / run_folder.REPORT


def render_report(rows: list[dict], env: dict, manifest: dict, cases: dict,
                  timings: list[dict] | None = None) -> str:
    """The markdown of report.md (its files are not written)."""
    return joined(p.markdown for p in parts(report_input(rows, env, manifest, cases, timings)))


def render_pages(rows: list[dict], env: dict, cases: dict) -> dict[str, str]:
    """case -> the markdown of its page `cases/<case>.md` (crossgrad.reporting.report_pages)."""
    return report_pages.render_pages(report_input(rows, env, {}, cases))
