"""The summary of a run: one cell per (case, dtype) x column, its standing (the
heatmap's colour) and its text ("odd subgradient ×2, no_gradient ×8").

A cell counts its column's verdicts over the matrix (crossgrad.judging.compare) and the
causes that make it an odd one out of the per-framework vote.
"""
from __future__ import annotations

import math

from crossgrad.judging.truth import as_float

# Standings, worst first: a summary cell's colour is its worst standing. "differs"
# is a column outside the per-framework majority by another valid value (another
# subgradient, another value); "convention" by the sign of a zero only;
# "precision" by the last bits only. A column partly without a gradient (None)
# is never green: "no_gradient" ranks above the fine verdicts.
SEVERITY = ("error", "invalid", "differs", "definitional", "flushed", "convention", "no_gradient",
            "unsupported", "unavailable", "imprecise", "precision", "undefined", "subgradient",
            "close", "exact", "agree", "none")
MAX_TAGS = 3
ODD_TAGS = {"subgradient": "odd subgradient", "value": "odd value", "sign of zero": "odd ±0",
            "ulp": "odd ulp"}


def summary_cell(matrix: list, column: tuple) -> tuple[str, str]:
    """(standing, text) of one column over a matrix (compare.MatrixRow list), e.g. ("differs", "odd subgradient ×2")."""
    counts: dict[str, int] = {}
    total = 0
    for mrow in matrix:
        row = mrow.cells.get(column)
        if row is None:
            continue
        total += 1
        for tag in _tags(row.get("verdict", ""), as_float(row.get("value")),
                         mrow.verdict.causes.get(column)):
            counts[tag] = counts.get(tag, 0) + 1
    if total == 0:
        return "none", "—"
    return _standing(counts), _text(counts, total)


def _tags(verdict: str, value: float | None, cause: str | None) -> list[str]:
    """The summary tags one cell contributes: its verdict (NaN and inf named), why it is odd."""
    tags = []
    if verdict == "invalid" and value is not None and not math.isfinite(value):
        tags.append("NaN" if math.isnan(value) else "inf")
    elif verdict:
        tags.append(verdict)
    # An odd one out that is exact is flagged only for its zero's sign (its
    # bits differ from the majority's; its value is right).
    if cause == "sign of zero" or (cause in ODD_TAGS and verdict != "exact"):
        tags.append(ODD_TAGS[cause])
    elif not verdict:
        tags.append("agree")  # no truth stated: standing comes from the others alone
    return tags


TAG_ORDER = ("error", "NaN", "inf", "invalid", "odd subgradient", "odd value", "definitional", "flushed",
             "odd ±0", "no_gradient", "unsupported", "unavailable", "imprecise", "odd ulp", "undefined",
             "subgradient", "close", "exact", "agree")
TAG_STANDING = {"NaN": "invalid", "inf": "invalid", "odd subgradient": "differs", "odd value": "differs",
                "odd ±0": "convention", "odd ulp": "precision"}


def _standing(counts: dict) -> str:
    present = {TAG_STANDING.get(t, t) for t in counts}
    return min(present, key=lambda s: SEVERITY.index(s) if s in SEVERITY else len(SEVERITY))


# Verdicts that are fine on their own: listed only where nothing notable happened,
# so a summary cell shows first what differs (value, sign of zero, NaN, errors).
BENIGN_TAGS = ("undefined", "subgradient", "close")


def _text(counts: dict, total: int) -> str:
    tags = [t for t in TAG_ORDER if t in counts and t not in ("exact", "agree")]
    notable = [t for t in tags if t not in BENIGN_TAGS] or tags
    if not notable:
        return "exact" if "exact" in counts else "agree"
    parts = [t if counts[t] == total else f"{t} ×{counts[t]}" for t in notable[:MAX_TAGS]]
    if len(notable) > MAX_TAGS:
        parts.append(f"+{len(notable) - MAX_TAGS} more")
    return ", ".join(parts)
