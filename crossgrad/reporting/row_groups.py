"""The run's rows grouped once per report, for the sections that read them
(crossgrad.reporting.sections).

A full catalogue's run has 261,000 rows: each pass of a section over all of them
cost 0.05-0.1 s (a dict per row, spread over memory). So the rows are read once, in
one pass, into groups of the rows that share a GroupKey (case, dtype, column, ad,
outcome, verdict, seeds, detail): about 40,000 groups; each row keeps its group's number
(4 bytes). A section picks the groups it needs by their key and gets their rows back in
run order (RowGroups.rows), or reads the keys alone: the keys are in the order of their first row, so the distinct values of a key
field in the keys' order are the same as in the rows' order (the first row with a
value starts the first group with it).

The grouping is made on a section's first call (row_groups) and kept with its
ReportInput: dropped with it, never kept between reports.
"""
from __future__ import annotations

import weakref
from itertools import repeat
from operator import itemgetter
from typing import Callable, NamedTuple

import numpy as np

from crossgrad.reporting.report_input import ReportInput


class GroupKey(NamedTuple):
    """What every row of a group has alike, each as the row holds it (row.get: None when
    absent), and the group's number (its place among the groups, by first row)."""

    number: int
    case: object
    dtype: object
    framework: object
    mode: object
    device: object
    ad: object
    outcome: object
    verdict: object
    tangent: object
    cotangent: object
    detail: object


FIELDS = GroupKey._fields[1:]  # read from each row


class RowGroups:
    """rows grouped by GroupKey: each row's group number (int32, in run order) and the
    groups' key fields, one column of codes a field (40,000 key tuples kept for the whole
    report held ~10 MB at its peak: keys() makes them for the caller). The rows of some
    groups come back in run order by one numpy selection over the group numbers."""

    def __init__(self, rows: list[dict]):
        self.all = rows
        numbers = _Numbers()
        try:
            self.group_of = _numbered(map(itemgetter(*FIELDS), rows), numbers, len(rows))  # in C
        except KeyError:  # a row lacks a field (annotated rows may): every row read as row.get does
            numbers = _Numbers()
            self.group_of = _numbered(zip(*(map(dict.get, rows, repeat(name)) for name in FIELDS)), numbers,
                                      len(rows))
        self._count = len(numbers)
        self.group_of = self.group_of.astype(_smallest(self._count))
        self._columns = [_coded(column) for column in zip(*numbers)]

    def keys(self) -> list[GroupKey]:
        """Every group's key, in the order of their first rows."""
        fields = (map(values.__getitem__, codes.tolist()) if codes is not None else values
                  for values, codes in self._columns)
        return list(map(GroupKey._make, zip(range(self._count), *fields)))

    def rows(self, where: Callable[[GroupKey], bool]) -> list[dict]:
        """The rows of every group whose key passes `where`, in run order."""
        return self.rows_of([key for key in self.keys() if where(key)])

    def rows_of(self, keys: list[GroupKey]) -> list[dict]:
        """The rows of the groups `keys`, in run order."""
        return list(map(self.all.__getitem__, self._positions(keys).tolist()))

    def keyed_rows(self, keys: list[GroupKey]) -> list[tuple[GroupKey, dict]]:
        """(its group's key, row) of each row of the groups `keys`, in run order."""
        positions = self._positions(keys)
        by_number = {key.number: key for key in keys}
        return list(zip(map(by_number.__getitem__, self.group_of[positions].tolist()),
                        map(self.all.__getitem__, positions.tolist())))

    def size(self, keys: list[GroupKey]) -> int:
        """How many rows the groups `keys` hold."""
        return int(np.bincount(self.group_of, minlength=self._count)[[key.number for key in keys]].sum())

    def grouped(self, key: Callable[[GroupKey], object], where: Callable[[GroupKey], bool]) -> dict:
        """key(group key) -> the rows of the groups that pass `where` and give it, each in
        run order; the keys in the order of their first row."""
        labels = {k.number: key(k) for k in self.keys() if where(k)}  # group number -> its label
        positions = self._positions_of(list(labels))
        out: dict = {}
        for number, row in zip(self.group_of[positions].tolist(), map(self.all.__getitem__, positions.tolist())):
            out.setdefault(labels[number], []).append(row)
        return out

    def _positions(self, keys: list[GroupKey]) -> np.ndarray:
        return self._positions_of([key.number for key in keys])

    def _positions_of(self, numbers: list[int]) -> np.ndarray:
        chosen = np.zeros(self._count, dtype=bool)
        chosen[numbers] = True
        return np.flatnonzero(chosen[self.group_of])


def _coded(column: tuple) -> tuple[list, np.ndarray | None]:
    """(distinct values, each group's code) of one key field; the values themselves (codes
    None) where any is not text or None: a float -0.0 would meet 0.0 in a dict."""
    if not set(map(type, column)) <= {str, type(None)}:
        return list(column), None
    codes = _Numbers()
    numbers = _numbered(column, codes, len(column))
    return list(codes), numbers.astype(_smallest(len(codes)))


def _smallest(count: int):
    """The smallest integer type that numbers `count` things (a group's number, a code)."""
    return np.uint8 if count <= 1 << 8 else np.uint16 if count <= 1 << 16 else np.int32


class _Numbers(dict):
    """key -> its number, a new key numbered on its first lookup (in C for the known ones)."""

    def __missing__(self, key):
        number = self[key] = len(self)
        return number


def _numbered(keys, numbers: _Numbers, count: int) -> np.ndarray:
    """Each key's number, one key at a time (only each group's first key tuple is kept:
    261,000 tuples at once took 37 MB)."""
    return np.fromiter(map(numbers.__getitem__, keys), dtype=np.int32, count=count)


_MADE: dict[int, RowGroups] = {}  # id(report) -> its grouping, while the report lives


def row_groups(report: ReportInput) -> RowGroups:
    """The grouping of report.rows, made on the first call for this report."""
    made = _MADE.get(id(report))
    if made is None or made.all is not report.rows:
        made = _MADE[id(report)] = RowGroups(report.rows)
        weakref.finalize(report, _MADE.pop, id(report), None)
    return made
