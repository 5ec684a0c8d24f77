"""report.md's last section: each distinct error message once, with its id (the case
pages' matrices refer to it: crossgrad.reporting.report_input.error_ids)."""
from __future__ import annotations

from itertools import compress, repeat

from crossgrad.reporting.part import Part
from crossgrad.reporting.report_input import ReportInput
from crossgrad.reporting.report_text import distinct, inline

# What a failure's line names of its rows: where (framework, mode) and which (case, dtype).
_WHERE = ("outcome", "detail", "framework", "mode", "case", "dtype")


def section(report: ReportInput) -> Part:
    """Where each failure happened and its message ("" when nothing failed)."""
    if not report.errors:
        return Part()
    out = ["## Errors and missing values", "",
           "Each distinct message once; the matrices refer to it by its id."]
    places = _places(report.rows, report.errors)
    for (outcome, detail), ident in report.errors.items():
        mine = places[(outcome, detail)]
        where = distinct(f"{fw} {mode}" for fw, mode, _, _ in mine)
        cases = distinct(f"{case} {dtype}" for _, _, case, dtype in mine)
        out.append(f"- **{ident}** `{outcome}` in {', '.join(where)} ({', '.join(cases)}): "
                   f"{inline(detail) or '(no detail)'}")
    return Part("\n".join(out))


def _places(rows: list[dict], errors: dict) -> dict:
    """(outcome, detail) of each error -> the distinct (framework, mode, case, dtype) of its
    rows, in run order. The rows are read in C (a full run has 261,000, most without an
    error), field by field, and made distinct there before any is looked at in Python."""
    outcomes = {outcome for outcome, _ in errors}
    failed = list(compress(rows, map(outcomes.__contains__, map(dict.get, rows, repeat("outcome")))))
    fields = zip(*(map(dict.get, failed, repeat(name)) for name in _WHERE))
    places: dict = {key: [] for key in errors}
    for outcome, detail, *place in dict.fromkeys(fields):
        key = (outcome, detail or "")
        if key in places:
            places[key].append(place)
    return places
