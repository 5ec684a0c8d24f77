"""Bitwise comparison of one matrix row across its columns (framework x mode).

A row is one quantity (dtype, case, point, ad, seed, wrt, index) as computed by
every column. Values are compared by their bits, never with == alone (which
calls -0.0 equal to 0.0) and never with a tolerance (which can fold NaN into
"equal"): two NaNs agree (a NaN is a NaN, whatever its payload), -0.0 and 0.0
do not.

Labels, in order of precedence:
    "some errored"                    a cell has no value (error, unsupported, ...)
    "all agree"                       every value has the same bits
    "differ only in the sign of zero" every value is a zero, of both signs
    "differ in value"                 anything else

The odd ones out are the cells outside the majority group of equal bits. When
the largest groups tie, the majority is chosen by, in turn: the group equal to
`reference` (the truth rounded to the dtype, when the caller knows it); a group
of finite values over NaN/inf; the group holding the earliest column (columns
come in report order, so the choice is stable across runs). With fewer than
two values there is nothing to be odd against: no cell is marked.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from typing import Hashable, Mapping

ALL_AGREE = "all agree"
SIGN_OF_ZERO = "differ only in the sign of zero"
DIFFER = "differ in value"
ERRORED = "some errored"
LABELS = (ALL_AGREE, SIGN_OF_ZERO, DIFFER, ERRORED)


@dataclass(frozen=True)
class RowVerdict:
    """How the cells of one row compare.

    label: one of LABELS. values_label: the label the cells with a value get
    among themselves (tells "some errored" rows apart: the rest may still differ).
    odd: columns outside the majority group. errored: columns with no value.
    """

    label: str
    values_label: str
    odd: tuple = ()
    errored: tuple = ()
    groups: tuple = field(default=(), compare=False)


def bit_key(value: float) -> str:
    """Identity of a value for grouping: its float64 bits; every NaN is one key."""
    if math.isnan(value):
        return "nan"
    return struct.pack("<d", value).hex()


def classify(cells: Mapping[Hashable, float | None], reference: float | None = None) -> RowVerdict:
    """Compare the cells of one row; `cells` maps column -> value (None: no value)."""
    errored = tuple(c for c, v in cells.items() if v is None)
    valued = {c: v for c, v in cells.items() if v is not None}
    groups = _groups(valued)
    values_label = _values_label(valued, groups)
    label = ERRORED if errored else values_label
    odd = _odd(groups, valued, reference) if len(valued) >= 2 else ()
    return RowVerdict(label, values_label, odd, errored, tuple(groups))


def _groups(valued: dict) -> list[tuple]:
    """Columns grouped by bits, in order of each group's first column."""
    by_key: dict[str, list] = {}
    for column, value in valued.items():
        by_key.setdefault(bit_key(value), []).append(column)
    return [tuple(cols) for cols in by_key.values()]


def _values_label(valued: dict, groups: list) -> str:
    if len(groups) <= 1:
        return ALL_AGREE
    if all(v == 0.0 for v in valued.values()):  # == here on purpose: +0 and -0 alike
        return SIGN_OF_ZERO
    return DIFFER


def _odd(groups: list, valued: dict, reference: float | None) -> tuple:
    if len(groups) <= 1:
        return ()
    order = {column: i for i, column in enumerate(valued)}
    top = max(len(g) for g in groups)
    tied = [g for g in groups if len(g) == top]
    majority = min(tied, key=lambda g: _tie_rank(g, valued, reference, order))
    return tuple(c for c in valued if c not in majority)


def _tie_rank(group: tuple, valued: dict, reference: float | None, order: dict) -> tuple:
    """Sort key among tied groups: the reference first, then finite, then column order."""
    value = valued[group[0]]
    matches = reference is not None and bit_key(value) == bit_key(reference)
    return (not matches, not math.isfinite(value), order[group[0]])


def row_cells(rows: list[dict], column_of) -> dict:
    """column -> value (float or None) for the rows of one matrix row.

    `column_of(row)` gives a row's column key. Values may be repr strings (as
    the worker writes them), floats (as read back) or None.
    """
    from crossgrad.truth import as_float

    return {column_of(r): as_float(r.get("value")) for r in rows}


# --- Matrices: a run's rows arranged as the report shows them ----------------

MODE_ORDER = ("eager", "graph", "compiled")
AD_ORDER = ("none", "reverse", "forward", "second")
DEVICE_ORDER = ("cpu", "gpu")
DTYPE_ORDER = ("float32", "float64")


@dataclass
class MatrixRow:
    """One quantity of one (case, dtype) across every column.

    key: (point, ad, seed text, wrt, index). cells: column -> gradient row.
    column: (framework, mode, device).
    """

    key: tuple
    truth: str
    cells: dict
    verdict: RowVerdict


def column_of(row: dict) -> tuple:
    return (row.get("framework", ""), row.get("mode", ""), row.get("device", ""))


def columns(rows: list[dict], framework_order: tuple = ("torch", "jax", "tensorflow")) -> list[tuple]:
    """Every column of a run, frameworks in `framework_order` (others after, by first
    appearance), then modes and devices in their usual order."""
    seen = list(dict.fromkeys(column_of(r) for r in rows))
    first = {fw: i for i, (fw, _, _) in reversed(list(enumerate(seen)))}

    def rank(col):
        fw, mode, device = col
        known = framework_order.index(fw) if fw in framework_order else len(framework_order)
        return (known, first[fw], _pos(MODE_ORDER, mode), _pos(DEVICE_ORDER, device), mode, device)
    return sorted(seen, key=rank)


def _pos(order: tuple, item) -> int:
    return order.index(item) if item in order else len(order)


def seed_text(row: dict) -> str:
    return (row.get("tangent") if row.get("ad") == "forward" else row.get("cotangent")) or ""


def row_key(row: dict) -> tuple:
    return (row.get("point", ""), row.get("ad", ""), seed_text(row), row.get("wrt", ""),
            int(row.get("index") or 0))


def build_matrices(rows: list[dict], cases: dict) -> dict:
    """(case, dtype) -> [MatrixRow], both in report order (catalogue, points, ad, seed)."""
    from crossgrad.truth import row_truth, round_to

    grouped: dict = {}
    for row in rows:
        table = grouped.setdefault((row.get("case", ""), row.get("dtype", "")), {})
        table.setdefault(row_key(row), {})[column_of(row)] = row
    rank = {col: i for i, col in enumerate(columns(rows))}
    out = {}
    for (case, dtype) in sorted(grouped, key=lambda k: _matrix_rank(k, cases)):
        table = grouped[(case, dtype)]
        point_order = [p.name for p in cases[case].points] if case in cases else []
        matrix = []
        for key in sorted(table, key=lambda k: _row_rank(k, point_order)):
            # In column order: a tie between groups goes to the earliest column.
            cells = dict(sorted(table[key].items(), key=lambda item: rank[item[0]]))
            any_row = next(iter(cells.values()))
            truth = row_truth(any_row, cases)
            reference = round_to(truth.value, dtype) if truth and truth.kind == "exact" else None
            verdict = classify(row_cells(list(cells.values()), column_of), reference)
            matrix.append(MatrixRow(key, any_row.get("truth") or "", cells, verdict))
        out[(case, dtype)] = matrix
    return out


def _matrix_rank(key: tuple, cases: dict) -> tuple:
    case, dtype = key
    names = list(cases)
    return (names.index(case) if case in names else len(names), case, _pos(DTYPE_ORDER, dtype), dtype)


def _row_rank(key: tuple, point_order: list) -> tuple:
    point, ad, seed, wrt, index = key
    positive_first = seed.startswith("-")  # the default cotangent +1 before -1
    return (_pos(tuple(point_order), point), point, _pos(AD_ORDER, ad), positive_first, seed,
            wrt, index)


# --- Summary: one cell per (case, dtype) x column ------------------------------

# Standings, worst first: a summary cell's colour is its worst standing. "differs"
# is a column outside the bitwise majority of a row: it outranks sign-of-zero,
# which every framework may share (then it is a convention, not news), and the
# verdicts that are fine on their own (a valid subgradient that no other
# framework picks is exactly what the atlas is for).
# "unsupported" (no gradient: TensorFlow's None where the others give 0) ranks
# above the benign verdicts, so a column that is partly None is never green.
SEVERITY = ("error", "invalid", "differs", "sign-of-zero", "unsupported", "undefined", "subgradient",
            "close", "exact", "agree", "none")
MAX_TAGS = 3


def summary_cell(matrix: list[MatrixRow], column: tuple) -> tuple[str, str]:
    """(standing, text) of one column over one matrix, e.g. ("differs", "odd ×2, subgradient ×4")."""
    from crossgrad.truth import as_float

    counts: dict[str, int] = {}
    total = 0
    for mrow in matrix:
        row = mrow.cells.get(column)
        if row is None:
            continue
        total += 1
        for tag in _tags(row.get("verdict", ""), as_float(row.get("value")),
                         column in mrow.verdict.odd):
            counts[tag] = counts.get(tag, 0) + 1
    if total == 0:
        return "none", "—"
    return _standing(counts, total), _text(counts, total)


def _tags(verdict: str, value: float | None, odd: bool) -> list[str]:
    """The summary tags one cell contributes: its verdict (NaN and inf named), odd-ness."""
    tags = []
    if verdict == "invalid" and value is not None and not math.isfinite(value):
        tags.append("NaN" if math.isnan(value) else "inf")
    elif verdict:
        tags.append(verdict)
    if odd and verdict != "exact":  # the odd one out that matches the truth is not flagged
        tags.append("odd")
    elif not verdict:
        tags.append("agree")  # no truth stated: standing comes from the others alone
    return tags


TAG_ORDER = ("error", "NaN", "inf", "invalid", "odd", "sign-of-zero", "undefined",
             "subgradient", "close", "unsupported", "exact", "agree")
TAG_STANDING = {"NaN": "invalid", "inf": "invalid", "odd": "differs"}


def _standing(counts: dict, total: int) -> str:
    present = {TAG_STANDING.get(t, t) for t in counts}
    return min(present, key=SEVERITY.index)


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
