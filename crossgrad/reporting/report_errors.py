"""report.md's last section: each distinct error message once, with its id (the case
pages' matrices refer to it: crossgrad.reporting.report_input.error_ids)."""
from __future__ import annotations

from crossgrad.reporting.part import Part
from crossgrad.reporting.report_input import ReportInput
from crossgrad.reporting.report_text import distinct, inline


def section(report: ReportInput) -> Part:
    """Where each failure happened and its message ("" when nothing failed)."""
    if not report.errors:
        return Part()
    out = ["## Errors and missing values", "",
           "Each distinct message once; the matrices refer to it by its id."]
    failed: dict = {}  # (outcome, detail) -> its rows, in run order: one pass, not one per message
    outcomes = {outcome for outcome, _ in report.errors}  # most rows have none of them: no key built
    for r in report.rows:
        if r.get("outcome") in outcomes:
            key = (r.get("outcome"), r.get("detail") or "")
            if key in report.errors:
                failed.setdefault(key, []).append(r)
    for (outcome, detail), ident in report.errors.items():
        mine = failed[(outcome, detail)]
        where = distinct(f"{r.get('framework')} {r.get('mode')}" for r in mine)
        cases = distinct(f"{r.get('case')} {r.get('dtype')}" for r in mine)
        out.append(f"- **{ident}** `{outcome}` in {', '.join(where)} ({', '.join(cases)}): "
                   f"{inline(detail) or '(no detail)'}")
    return Part("\n".join(out))
