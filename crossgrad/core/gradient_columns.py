"""records.jsonl read once into columns (issue 19 item 2): one list per field, no dict per row.

A run's records are a few hundred thousand element rows that repeat a handful of labels.
`read_columns` parses each line once (json.loads), unpacks a vector line's elements
(crossgrad.core.packed_rows) straight into the columns, and checks every column against
its rule a distinct text at a time (crossgrad.core.row_check.frame_fault), not a field of
a row at a time.

Bad input keeps its exact message: where the fast read meets anything it does not take
as it is (a field outside its rule, a non-text field where text is due, a line that is not
an object, a missing field, a malformed `elements`), it hands the file to
crossgrad.core.records.read_jsonl, the reader that names the file, line and rule, and
builds the columns from its rows. Torn-line tolerance is the same as read_jsonl's: a last
line cut mid-write is skipped.
"""
from __future__ import annotations

import json
from itertools import chain, repeat
from pathlib import Path

from crossgrad.core.records import read_jsonl, read_text
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
    lines = read_text(path).split("\n")
    columns: dict = {}
    shared: dict = {}  # each distinct text once, as records.interned_strings keeps it
    known: dict = {"names": names}  # column -> the values found to hold under its rule
    chunk: list = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines) and not line.endswith("}"):
                break  # interrupted mid-write: everything before it is intact
            raise _Irregular from None
        if type(row) is not dict:
            raise _Irregular
        chunk.append(row)
        if len(chunk) == _CHUNK:
            _add_chunk(columns, chunk, required, shared, known)
            chunk = []
    _add_chunk(columns, chunk, required, shared, known)
    return {c: columns[c] for c in _column_order(set(columns))}


_CHUNK = 4096  # lines parsed before their fields join the columns (their fresh strings then die)


def _add_chunk(columns: dict, lines: list[dict], required, shared: dict, known: dict) -> None:
    """The element rows of the parsed lines appended to `columns` (a vector line adds one row
    per element); a field a line lacks is None, in earlier rows too."""
    if not lines:
        return
    seen = set().union(*lines)
    packed = "elements" in seen
    seen.discard("elements")
    if packed:
        seen.update(_ELEMENT_FIELDS)
    done = len(next(iter(columns.values()))) if columns else 0
    for c in seen - set(columns):
        columns[c] = [None] * done
    counts = [_count(row) for row in lines] if packed else None
    names = tuple(columns)
    # each line's fields in the columns' order (None where it lacks one), a vector line's once
    # per element, transposed at once: no Python step per field
    absent = (_ABSENT,) * len(names)  # row.get's default: a missing field told from a null one
    fields = [tuple(map(row.get, names, absent)) for row in lines]
    if counts is not None:
        fields = list(chain.from_iterable(map(repeat, fields, counts)))
    elements = _element_columns(lines) if counts is not None else {}
    for c, values in zip(names, zip(*fields)):
        columns[c].extend(_checked(c, elements.get(c, values), shared, known, c in required))


class _Absent:
    """The kind of a field a line lacks (read as None, unless the field is required)."""


_ABSENT = _Absent()


def _checked(column: str, values, shared: dict, known: dict, required: bool):
    """A column's values of one chunk, each under its rule (row_check.GRADIENT_RULES: its kinds,
    null read as "", its pattern; case and point names; schema_version a version read) with
    each text replaced by its one shared copy (json.loads makes new strings for every line:
    records.interned_strings). Each distinct value is checked once (`known`: column -> the values
    found to hold). Kinds are checked first: True and 1, or 1.0 and 1, would meet in a set."""
    kinds = set(map(type, values))
    if _Absent in kinds:
        if required:
            raise _Irregular  # records.check_row: missing field(s)
        values = [None if v is _ABSENT else v for v in values]
        kinds.discard(_Absent)
    rule = GRADIENT_RULES.get(column)
    if rule is None:
        return values
    if not kinds <= set(rule.kinds) | {type(None)}:
        raise _Irregular
    holds = known.setdefault(column, set())
    fresh = set(values) - holds
    for value in fresh:
        if not _holds(column, rule, value, known["names"]):
            raise _Irregular
    holds |= fresh
    return map(shared.setdefault, values, values)


def _holds(column: str, rule, value, names) -> bool:
    if column == "schema_version":
        return type(value) is int and value in READABLE_VERSIONS  # records.check_row reads ints only
    if column in names and not is_valid_name(value):
        return False
    return _text_holds(rule.pattern, "" if value is None else str(value))


def _count(row: dict) -> int:
    """How many element rows a line holds (packed_rows: a vector line's elements)."""
    elements = row.get("elements")
    if elements is None:
        return 1
    if type(elements) is not list or any(type(e) is not list or len(e) != 2 for e in elements):
        raise _Irregular
    if type(row.get("index") or 0) is not int:
        raise _Irregular
    return len(elements)


def _element_columns(lines: list[dict]) -> dict:
    """index, value and bits of each element row of the lines (a plain line's own, a vector
    line's elements), in one pass."""
    index, value, bits = [], [], []
    for row in lines:
        elements = row.get("elements")
        if elements is None:
            index.append(row.get("index", _ABSENT))
            value.append(row.get("value", _ABSENT))
            bits.append(row.get("bits", _ABSENT))
            continue
        first = row.get("index") or 0
        index.extend(range(first, first + len(elements)))
        value.extend([e[0] for e in elements])
        bits.extend([e[1] for e in elements])
    return {"index": index, "value": value, "bits": bits}
