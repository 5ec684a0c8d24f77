"""The findings of a run in markdown: report.md's table and the case pages' snippets.

The findings are crossgrad.judging.findings_data's (with their snippets:
crossgrad.reporting.findings_file.run_findings), the same list findings.csv is
written from, so the table's rows are the CSV's records, id for id, in the same
order (most severe first: wrong values, mode and device divergence, different
subgradients, definitional forms, conventions, errors, precision, NaN payloads).
Each row links its snippet on its case's page.
"""
from __future__ import annotations

from crossgrad.core import run_folder
from crossgrad.judging.divergence import Divergence
from crossgrad.judging.findings_data import Finding, findings_csv
from crossgrad.reporting.part import Part
from crossgrad.reporting.report_input import ReportInput
from crossgrad.reporting.report_text import code, col_label, escaped, fenced, table

INTRO = ("Generated from this run's values, most severe first: wrong values (no convention "
         "explains them), mode and device divergence (a framework's compiled mode or GPU "
         "gives other bits than its own eager mode or CPU, whatever the truth allows), "
         "different valid subgradients, definitional differences (an alternative form of "
         "the op), conventions (a zero's sign, no gradient, flush-to-zero), errors, "
         "precision, NaN payloads. The same records, id for id, are in findings.csv. Each "
         "names where it holds and links its repro snippet.")
NONE = "No findings: every value is exact or close."
HEAD = ["#", "category", "case", "framework", "modes", "devices", "dtypes", "points", "wrt", "values", "truth",
        "summary", "repro"]


def section(report: ReportInput) -> Part:
    """The findings table (after the seed's kink, read from the run) and findings.csv,
    the same records; a run without gradient rows has an empty findings.csv only."""
    csv_file = {run_folder.FINDINGS: findings_csv([f.record for f in report.found])}
    if not report.rows:
        return Part("", csv_file)
    example = seed_example(report.matrices, report.found, report.cols)
    table_text = findings_table(report.found) if report.found else NONE
    return Part("\n\n".join(p for p in ("## Findings", INTRO, example, table_text) if p), csv_file)


def link(finding: Finding) -> str:
    return f"{run_folder.case_page(finding.record.case)}#{finding.anchor}"


def findings_table(found: list[Finding]) -> str:
    """One line per finding: its record's columns, values as recorded, and its snippet's link."""
    body = []
    for f in found:
        r = f.record
        body.append([r.id, r.category, r.case, r.framework, r.modes, r.devices, r.dtypes, r.point, r.wrt,
                     _code(r.values), _code(r.truth), r.summary, f"[snippet]({link(f)})"])
    return table(HEAD, body)


def _code(text: str) -> str:
    """Values as inline code, so -0.0 never reads as 0.0 (code(): no backtick inside can end it)."""
    return code(text) if text else ""


def seed_example(matrices: dict, found: list[Finding], cols: list) -> str:
    """The seed's kink, read from the run: relu at `kink`, the first reverse row
    whose values differ (cotangent -1 shows select vs multiply), else the first one."""
    matrix = next((m for (case, _), m in matrices.items() if case == "relu"), None)
    rows = [m for m in matrix or () if m.key[0] == "kink" and m.key[1] == "reverse"]
    if not rows:
        return ""
    mrow = next((m for m in rows if len(m.verdict.groups) > 1), rows[0])
    first = next(iter(mrow.cells.values()))
    point, _, seed, wrt, _ = mrow.key
    groups = []
    for group in mrow.verdict.groups:
        value = mrow.cells[group[0]].get("value")
        groups.append(f"`{value}` from {', '.join(col_label(c, cols) for c in group)}")
    cells = {id(r) for r in mrow.cells.values()}
    refs = [f"[{f.record.id}]({link(f)})" for f in found if any(id(item) in cells for item in f.items)]
    return (f"**The seed's kink** — relu(x*w + b) at x={first.get('x')}, w={first.get('w')}, "
            f"b={first.get('b')} (z = 0), reverse mode, cotangent {seed}, d/d{wrt} "
            f"(truth `{mrow.truth}`): " + "; ".join(groups) + "."
            + (f" Findings: {', '.join(refs)}." if refs else " Every framework agrees here."))


def _first_line(first) -> str:
    """Which value the snippet reproduces: the finding's first item."""
    if isinstance(first, Divergence):
        where = f"{first.framework} {first.reference} and {first.other}" if first.axis == "mode" else (
            f"{first.framework} {first.held} on {first.reference} and {first.other}")
        quantity = "value" if first.ad == "none" else f"{first.ad} {first.wrt}".rstrip()
        return (f"this one: {where}, `{first.point}` {quantity}" + (f", seed {first.seed}" if first.seed else "")
                + f", {first.dtype} → `{first.reference_value}` ({first.reference_bits}) and "
                f"`{first.other_value}` ({first.other_bits}) (truth `{first.truth or '—'}`)")
    seed = first.get("tangent") if first.get("ad") == "forward" else first.get("cotangent")
    quantity = "value" if first.get("ad") == "none" else f"{first.get('ad')} {first.get('wrt', '')}".rstrip()
    return (f"this one: {first.get('framework')} {first.get('mode')} {first.get('device')}, `{first.get('point')}` "
            f"{quantity}" + (f", seed {seed}" if seed else "") + f", {first.get('dtype')} → "
            f"`{first.get('value') or first.get('outcome')}` (truth `{first.get('truth') or '—'}`, "
            f"verdict {first.get('verdict') or '—'})")


def snippet_block(finding: Finding) -> str:
    """The finding's heading (with its anchor), what its snippet reproduces, and the snippet."""
    r = finding.record
    title = (f'<a id="{finding.anchor}"></a>\n### {r.id} · {r.category}: {r.summary}\n\n'
             f"{len(finding.items)} value(s); {_first_line(finding.items[0])}")
    if not r.snippet:
        return f"{title}\n\n{escaped(finding.snippet_note) if finding.snippet_note else 'No snippet.'}"
    note = f"\n{escaped(finding.snippet_note)}\n" if finding.snippet_note else ""
    return f"{title}\n{note}\n{fenced(r.snippet, 'python')}"
