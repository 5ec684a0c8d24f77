"""The summary of a run: one cell per (case, dtype) x column, its standing (the
heatmap's colour) and its text ("odd subgradient ×2, no_gradient ×8").

A cell counts its column's verdicts over the matrix (crossgrad.judging.compare) and the
causes that make it an odd one out of the per-framework vote.
"""
from __future__ import annotations

import math
from collections import Counter
from itertools import chain, compress, repeat
from operator import eq

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
    return summary_cells(matrix, [column])[0]


def summary_cells(matrix: list, columns: list) -> list[tuple[str, str]]:
    """summary_cell of each of `columns`, the matrix read once for all of them. A cell's tags
    depend on its verdict, whether an invalid value is NaN or inf, and why it is odd (its cause):
    the cells are counted by those, and the tags made once per distinct one (a catalogue's
    261,000 cells have a few hundred)."""
    seen = _cell_kinds(matrix)
    made: dict = {}  # (verdict, NaN/inf, cause) -> its tags
    out = []
    for column in columns:
        counts: dict[str, int] = {}
        mine = seen.get(column, {})
        for key, n in mine.items():
            if key not in made:
                made[key] = _tags(*key)
            for tag in made[key]:
                counts[tag] = counts.get(tag, 0) + n
        total = sum(mine.values())
        out.append(("none", "—") if total == 0 else (_standing(counts), _text(counts, total)))
    return out


def _cell_kinds(matrix: list) -> dict:
    """column -> (verdict, "NaN"/"inf" where an invalid value is one, cause) -> how many cells.
    Most cells are neither invalid nor odd (no cause): they are counted by (column,
    verdict) in C (itertools); the others are moved to their own key one by one."""
    columns = list(chain.from_iterable(m.cells for m in matrix))
    rows = list(chain.from_iterable(m.cells.values() for m in matrix))
    verdicts = list(map(dict.get, rows, repeat("verdict"), repeat("")))
    seen: dict = {}
    for (column, verdict), n in Counter(zip(columns, verdicts)).items():
        seen.setdefault(column, {})[verdict, None, None] = n

    def move(column, row, verdict, cause):
        kinds = seen[column]
        kinds[verdict, None, None] -= 1
        key = (verdict, _not_finite(row.get("number")) if verdict == "invalid" else None, cause)
        kinds[key] = kinds.get(key, 0) + 1
    if "invalid" in verdicts:
        owners = chain.from_iterable(repeat(m, len(m.cells)) for m in matrix)  # each cell's MatrixRow
        for column, row, mrow in compress(zip(columns, rows, owners), map(eq, verdicts, repeat("invalid"))):
            causes = mrow.verdict.causes
            move(column, row, "invalid", causes.get(column) if causes else None)
    for mrow in matrix:
        for column, cause in mrow.verdict.causes.items():
            row = mrow.cells.get(column)
            if row is not None and cause is not None and (verdict := row.get("verdict", "")) != "invalid":
                move(column, row, verdict, cause)
    return {column: {k: n for k, n in kinds.items() if n} for column, kinds in seen.items()}


def _not_finite(number: float | None) -> str | None:
    """ "NaN" or "inf" for a value that is one (its summary tag), None otherwise."""
    if number is None or math.isfinite(number):
        return None
    return "NaN" if math.isnan(number) else "inf"


def _tags(verdict: str, not_finite: str | None, cause: str | None) -> list[str]:
    """The summary tags one cell contributes: its verdict (NaN and inf named), why it is odd."""
    tags = []
    if verdict == "invalid" and not_finite:
        tags.append(not_finite)
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
