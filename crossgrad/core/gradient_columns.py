"""records.jsonl read once into columns (issue 19 item 2): one list per field, no dict per row.

A run's records are a few hundred thousand element rows that repeat a handful of labels.
`read_columns` parses each distinct piece of a line once (crossgrad.core.line_pieces: the
worker's labels, the quantity, the element), takes each column from the pieces with numpy
indexing, unpacks a vector line's elements (crossgrad.core.packed_rows) straight into the
columns, and checks every column against its rule a distinct value at a time
(crossgrad.core.row_check), not a field of a row at a time.

Bad input keeps its exact message: where the fast read meets anything it does not take
as it is (a field outside its rule, a non-text field where text is due, a line that is not
an object, a missing field, a malformed `elements`), it hands the file to
crossgrad.core.records.read_jsonl, the reader that names the file, line and rule, and
builds the columns from its rows. Torn-line tolerance is the same as read_jsonl's: a last
line cut mid-write is skipped.
"""
from __future__ import annotations

from itertools import repeat
from operator import is_not
from pathlib import Path
from typing import NamedTuple

import numpy as np

from crossgrad.core.line_pieces import BadLine, parse_file

from crossgrad.core.records import read_jsonl
from crossgrad.core.row_check import GRADIENT_RULES, _text_holds
from crossgrad.core.names import is_valid_name
from crossgrad.core.rows import GRADIENT_COLUMNS, READABLE_VERSIONS

_ELEMENT_FIELDS = ("index", "value", "bits")  # a vector line's elements hold them (packed_rows)


class _Irregular(Exception):
    """Something the fast read does not take as it is: read_jsonl decides (and words it)."""


def read_columns(path: Path, required: tuple[str, ...], names: tuple[str, ...] = ("case", "point")) -> dict:
    """column -> list of each element row's field (None where the line lacks it), in the
    file's order, for every column any line has (GRADIENT_COLUMNS' first). Raises
    RecordFormatError exactly as records.read_jsonl(path, required, names, GRADIENT_RULES) would."""
    try:
        return _fast_columns(Path(path), required, names)
    except _Irregular:
        return columns_of_rows(read_jsonl(path, required, names, GRADIENT_RULES))


def columns_of_rows(rows: list[dict]) -> dict:
    """The columns of dict rows (None where a row lacks the field)."""
    order = _column_order(set().union(*(r.keys() for r in rows)) if rows else set())
    return {c: [r.get(c) for r in rows] for c in order}


def _column_order(seen: set) -> list:
    return [c for c in GRADIENT_COLUMNS if c in seen] + sorted(seen - set(GRADIENT_COLUMNS))


def _fast_columns(path: Path, required, names) -> dict:
    shared: dict = {}  # each distinct text once, as records.interned_strings keeps it
    try:
        lines = parse_file(path, shared)
    except BadLine:
        raise _Irregular from None
    if len(lines.pieces[0]) == 0:
        return {}
    lines = _Placed(*lines, tuple(np.flatnonzero(np.bincount(codes, minlength=len(lines.parts)))
                                  for codes in lines.pieces))
    keys = set().union(*(lines.parts[i].keys() for i in set(np.concatenate(lines.placed).tolist())))
    vector = _vector_lines(lines) if "elements" in keys else None
    keys.discard("elements")
    if vector is not None:
        keys.update(_ELEMENT_FIELDS)
    size = len(lines.pieces[0]) if vector is None else len(vector.line)
    # Every column's list made before the work that fills it frees blocks of its size
    # (line_pieces._CHUNK: then each is mapped apart, and given back when the columns are freed).
    columns = {c: [None] * size for c in _column_order(keys)}
    for name, values in columns.items():
        values[:] = _column(name, lines, vector, name in required, names, shared)
    return columns


class _Absent:
    """The value of a field a line lacks (read as None, unless the field is required)."""


_ABSENT = _Absent()


class _Placed(NamedTuple):
    """A file's lines as line_pieces.Lines, and the parts met at each position."""

    parts: list
    pieces: tuple
    placed: tuple  # np.ndarray of the distinct parts of each position's pieces


def _source(lines: _Placed, name: str) -> tuple[np.ndarray, np.ndarray, list]:
    """(the part each line takes `name` from, whether it has one, each part's value of it):
    a line's last piece that has the field gives it (json.loads: the last value wins), only
    the positions where some part has it looked at line by line."""
    found = [p.get(name, _ABSENT) for p in lines.parts]
    has = np.fromiter(map(is_not, found, repeat(_ABSENT)), dtype=bool, count=len(found))
    which = lines.pieces[0]
    for later, placed in zip(lines.pieces[1:], lines.placed[1:]):
        if has[placed].any():
            which = np.where(has[later], later, which)
    return which, has[which], found


class _Vector(NamedTuple):
    """The element rows of a run's vector lines (crossgrad.core.packed_rows)."""

    line: np.ndarray  # the line of each element row
    rows: np.ndarray  # whether each element row is a vector line's element
    fields: dict  # index, value and bits of those elements, in order


def _vector_lines(lines) -> _Vector:
    """The vector lines' element rows, each line's `elements` checked as packed_rows.unpacked
    reads them (a list of [value, bits]; the line's index an int or none): each part's once,
    as lines share parts."""
    which, has, found = _source(lines, "elements")
    index_which, index_has, index_found = _source(lines, "index")
    at = np.flatnonzero(has)
    firsts = [index_found[part] if holds else None
              for part, holds in zip(index_which[at].tolist(), index_has[at].tolist())]
    fields: dict = {"index": [], "value": [], "bits": []}
    unpacked, sizes, checked = [], [], set()
    for line, part, first in zip(at.tolist(), which[at].tolist(), firsts):
        elements = found[part]
        if elements is None:
            continue
        if part not in checked:
            if type(elements) is not list or any(type(e) is not list or len(e) != 2 for e in elements):
                raise _Irregular
            checked.add(part)
        if type(first or 0) is not int:
            raise _Irregular
        unpacked.append(line)
        sizes.append(len(elements))
        fields["index"].extend(range(first or 0, (first or 0) + len(elements)))
        fields["value"].extend([e[0] for e in elements])
        fields["bits"].extend([e[1] for e in elements])
    counts = np.ones(len(which), dtype=np.intp)
    counts[unpacked] = sizes
    vector = np.zeros(len(which), dtype=bool)
    vector[unpacked] = True
    return _Vector(np.repeat(np.arange(len(which)), counts), np.repeat(vector, counts), fields)


def _column(name: str, lines, vector, required: bool, names, shared: dict) -> list:
    """A column's value of every element row (None where a line lacks the field), each
    distinct value checked under its rule (_check)."""
    which, has, found = _source(lines, name)
    distinct = [found[i] for i in np.flatnonzero(np.bincount(which[has], minlength=len(found))).tolist()]
    extra = vector.fields.get(name) if vector is not None else None
    if vector is not None:
        which, has = which[vector.line], has[vector.line]
        if extra is not None:
            distinct += extra
            has[vector.rows] = True
    _check(name, distinct, not has.all(), required, names)
    values = np.fromiter(found, dtype=object, count=len(found))[which]
    if extra is not None:  # after the check: every element's value is a text, a number or None
        values[vector.rows] = list(map(shared.setdefault, extra, extra))
    if not has.all():
        values[~has] = None
    return values.tolist()


def _check(column: str, values: list, absent: bool, required: bool, names) -> None:
    """Raises _Irregular unless every value holds under the column's rule (row_check.GRADIENT_RULES:
    its kinds, null read as "", its pattern; case and point names; schema_version a version read),
    each distinct value checked once. Kinds are checked first: True and 1, or 1.0 and 1, would
    meet in a set."""
    if absent and required:
        raise _Irregular  # records.check_row: missing field(s)
    rule = GRADIENT_RULES.get(column)
    if rule is None:
        return
    if not set(map(type, values)) <= set(rule.kinds) | {type(None)}:
        raise _Irregular
    for value in set(values) | ({None} if absent else set()):
        if not _holds(column, rule, value, names):
            raise _Irregular


def _holds(column: str, rule, value, names) -> bool:
    if column == "schema_version":
        return type(value) is int and value in READABLE_VERSIONS  # records.check_row reads ints only
    if column in names and not is_valid_name(value):
        return False
    return _text_holds(rule.pattern, "" if value is None else str(value))
