"""The findings of a run with their repro snippets, and findings.csv in a run folder or
compare folder: crossgrad.judging.findings_data's records, each with its snippet as
text. report.md's Findings and the case pages render the same list
(crossgrad.reporting.report_findings), so the markdown and the CSV say the same.

A snippet reproduces a finding's first item: a row finding's first value; a mode
divergence, one program that runs both modes and prints both values."""
from __future__ import annotations

from pathlib import Path

from crossgrad.core import run_folder
from crossgrad.core.records import atomic_write_text
from crossgrad.judging import compare
from crossgrad.judging.divergence import Divergence
from crossgrad.judging.findings_data import Finding, findings, findings_csv, with_snippets
from crossgrad.reporting import repro

SNIPPET_FAILURES = (repro.SnippetError, OSError, TypeError, KeyError, SyntaxError, ValueError)
CPU_NOTE = "Recorded on {device}; the snippet runs on the CPU."


def _spelling(env: dict, framework: str) -> dict | None:
    info = ((env or {}).get("frameworks") or {}).get(framework)
    return info.get("spelling") if isinstance(info, dict) else None


def _seed(row: dict):
    return row.get("tangent") if row.get("ad") == "forward" else row.get("cotangent")


def _recorded(row: dict) -> str | None:
    """The recorded value as the snippet's comment quotes it; a NaN with its bits."""
    value = row.get("value")
    if value in (None, ""):
        return None
    return f"{value} ({row.get('bits')})" if str(value) == "nan" and row.get("bits") else str(value)


def _row_snippet(case, spelling: dict, row: dict) -> tuple[str, str]:
    code = repro.case_snippet(case, row["framework"], spelling, row["point"], row["dtype"], row["ad"],
                              row.get("wrt", ""), _seed(row), row["mode"], recorded=_recorded(row),
                              index=int(row.get("index") or 0))
    device = row.get("device") or "cpu"
    return code, "" if device == "cpu" else CPU_NOTE.format(device=device)


def _divergence_snippet(case, spelling: dict, d: Divergence) -> tuple[str, str]:
    if d.axis == "mode":
        recorded = {d.reference: f"{d.reference_value} ({d.reference_bits})", d.other: f"{d.other_value} ({d.other_bits})"}
        code = repro.modes_case_snippet(case, d.framework, spelling, d.point, d.dtype, d.ad, d.wrt, d.seed,
                                        (d.reference, d.other), recorded, index=d.index)
        return code, "" if d.held == "cpu" else CPU_NOTE.format(device=d.held)
    code = repro.case_snippet(case, d.framework, spelling, d.point, d.dtype, d.ad, d.wrt, d.seed, d.held,
                              recorded=f"{d.reference_value} on {d.reference}", index=d.index)
    return code, (f"Recorded on {d.reference} as `{d.reference_value}` ({d.reference_bits}) and on {d.other} as "
                  f"`{d.other_value}` ({d.other_bits}); the snippet runs on the CPU.")


def snippet_maker(cases: dict, env: dict):
    """snippet(finding) -> (code, note) for findings_data.with_snippets: code "" where
    none can be written, the note saying why."""
    def snippet(found: Finding) -> tuple[str, str]:
        first = found.items[0]
        framework, case = found.record.framework, found.record.case
        spelling = _spelling(env, framework)
        if not spelling:
            return "", f"No snippet: no spelling for {framework} in env.json."
        if case not in cases:
            return "", "No snippet: the case is not in this catalogue."
        try:
            if isinstance(first, Divergence):
                return _divergence_snippet(cases[case], spelling, first)
            return _row_snippet(cases[case], spelling, first)
        except SNIPPET_FAILURES as exc:
            return "", f"No snippet: {type(exc).__name__}: {exc}"
    return snippet


def run_findings(rows: list[dict], env: dict, cases: dict, matrices: dict | None = None,
                 found_divergences: dict | None = None) -> list[Finding]:
    """Every finding of annotated `rows`, with its snippet (`matrices`: compare.build_matrices
    of the same rows, built here when not given; `found_divergences`: divergence.all_divergences
    of them, likewise)."""
    matrices = compare.build_matrices(rows, cases) if matrices is None else matrices
    return with_snippets(findings(rows, matrices, found_divergences), snippet_maker(cases, env))


def write_findings_csv(folder: Path, found: list[Finding]) -> Path:
    """findings.csv of `found` in `folder`; returns its path."""
    path = Path(folder) / run_folder.FINDINGS
    atomic_write_text(path, findings_csv([f.record for f in found]))
    return path


def write_findings(folder: Path, rows: list[dict], env: dict, cases: dict) -> Path:
    """findings.csv of annotated `rows` in `folder` (a compare folder); returns its path."""
    return write_findings_csv(folder, run_findings(rows, env, cases))
