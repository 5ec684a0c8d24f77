"""report.md's last section: each distinct error message once, with its id (the case
pages' matrices refer to it: crossgrad.reporting.report_input.error_ids)."""
from __future__ import annotations

from crossgrad.reporting.part import Part
from crossgrad.reporting.report_input import ReportInput
from crossgrad.reporting.report_text import distinct, inline
from crossgrad.reporting.row_groups import row_groups


def section(report: ReportInput) -> Part:
    """Where each failure happened and its message ("" when nothing failed)."""
    if not report.errors:
        return Part()
    out = ["## Errors and missing values", "",
           "Each distinct message once; the matrices refer to it by its id."]
    # The groups' keys hold every field read here, in the order of their first rows: the
    # places and cases of each message in run order, no row read.
    where: dict = {ident: {} for ident in report.errors.values()}  # id -> "framework mode"s, in order
    cases: dict = {ident: {} for ident in report.errors.values()}  # id -> "case dtype"s, in order
    outcomes = {outcome for outcome, _ in report.errors}
    for k in row_groups(report).keys():
        ident = report.errors.get((k.outcome, k.detail or "")) if k.outcome in outcomes else None
        if ident is not None:
            where[ident][f"{k.framework} {k.mode}"] = None
            cases[ident][f"{k.case} {k.dtype}"] = None
    for (outcome, detail), ident in report.errors.items():
        out.append(f"- **{ident}** `{outcome}` in {', '.join(distinct(where[ident]))} "
                   f"({', '.join(distinct(cases[ident]))}): {inline(detail) or '(no detail)'}")
    return Part("\n".join(out))
