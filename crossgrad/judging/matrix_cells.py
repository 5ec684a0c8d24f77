"""A run's gradient rows grouped as the matrices hold them, in one pass over the rows:
(case, dtype) -> element -> column -> row, keyed exactly as RowKey.of keys a row
(element: RowKey.element(), column: RowKey.column(); the last row of a key wins).

A full check has hundreds of thousands of rows and a few tens of thousands of
elements, so the rows are first grouped by their quantity (the judge's quantity_number:
one int per row, no RowKey), and each quantity's raw fields are read from one of its rows
and made canonical once. Where two raw keys turn out to name one element or one column
("1" and "1.0" are one seed, None and "" one device), or rows the judge did not number
are given, the rows are keyed one by one, as RowKey.of does, so the result never
depends on which way it was built.
"""
from __future__ import annotations

from operator import itemgetter

from crossgrad.core.rows import RowKey, seed_text

_RAW_QUANTITY = itemgetter("case", "dtype", "point", "ad", "cotangent", "tangent", "wrt", "index")
_RAW_COLUMN = itemgetter("framework", "mode", "device")
_NUMBER = itemgetter("quantity_number")  # crossgrad.judging.judge


def raw_cells(rows: list[dict]) -> dict | None:
    """(case, dtype, point, ad, cotangent, tangent, wrt, index) -> {(framework, mode, device):
    row}, the fields as the rows hold them (the last row of a key wins); None where a row
    lacks one of them (a row the judge did not number included), or where two of the judge's
    quantities are one raw key (0.0 and -0.0 as floats)."""
    by_number: dict = {}
    try:
        for number, column, row in zip(map(_NUMBER, rows), map(_RAW_COLUMN, rows), rows):
            cells = by_number.get(number)
            if cells is None:
                by_number[number] = {column: row}
            else:
                cells[column] = row
        raw = {_RAW_QUANTITY(next(iter(cells.values()))): cells for cells in by_number.values()}
    except KeyError:  # RowKey.of reads a missing field as ""
        return None
    return raw if len(raw) == len(by_number) else None


def grouped_cells(rows: list[dict]) -> dict:
    """(case, dtype) -> {element: {column: row}}, tables in order of first appearance;
    a cells dict's order is not meaningful (build_matrices puts it in column order)."""
    raw = raw_cells(rows)
    grouped = None if raw is None else _canonical(raw)
    return _by_row_keys(rows) if grouped is None else grouped


def _by_row_keys(rows: list[dict]) -> dict:
    """The reference way: a RowKey per row."""
    grouped: dict = {}
    for row in rows:
        table = grouped.setdefault((row.get("case", ""), row.get("dtype", "")), {})
        key = RowKey.of(row)
        table.setdefault(key.element(), {})[key.column()] = row
    return grouped


def _canonical(raw: dict) -> dict | None:
    """grouped_cells of raw_cells; None where two raw keys are one canonical key."""
    column = {c: _canonical_column(c) for c in set().union(*raw.values())}
    if len(set(column.values())) < len(column) or not _texts(zip(*column)):
        return None
    if not _texts(list(zip(*raw))[2:7]):  # point, ad, cotangent, tangent, wrt
        return None
    renamed = any(c != k for c, k in column.items())
    seeds: dict = {}  # (ad, cotangent, tangent) -> seed text: a run has a handful
    grouped: dict = {}
    for (case, dtype, point, ad, cotangent, tangent, wrt, index), cells in raw.items():
        table = grouped.get((case, dtype))
        if table is None:
            table = grouped[(case, dtype)] = {}
        seed = seeds.get((ad, cotangent, tangent))
        if seed is None:
            seed = seeds[(ad, cotangent, tangent)] = seed_text({"ad": ad, "cotangent": cotangent, "tangent": tangent})
        element = (str(point or ""), str(ad or ""), seed, str(wrt or ""), int(index or 0))
        if element in table:
            return None
        table[element] = {column[c]: r for c, r in cells.items()} if renamed else cells
    return grouped


def _texts(fields) -> bool:
    """Whether every value of each field is text or None: then equal raw values are equal
    canonical ones (as dict keys a float -0.0 equals 0.0, and its seed text does not)."""
    return all(_TEXT_TYPES.issuperset(map(type, values)) for values in fields)


_TEXT_TYPES = frozenset((str, type(None)))


def _canonical_column(raw: tuple) -> tuple:
    framework, mode, device = raw
    return (str(framework or ""), str(mode or ""), str(device or ""))
