"""The run's rows grouped once per report, for the sections that read them
(crossgrad.reporting.sections).

A full catalogue's run has 261,000 rows: each pass of a section over all of them
cost 0.05-0.1 s (a dict per row, spread over memory). So the rows are read once, in
one pass, into groups of the rows that share a GroupKey (case, dtype, column, ad,
outcome, verdict, seeds, detail): about 40,000 groups. A section picks the groups it needs by
their key and gets their rows back in run order (RowGroups.rows), or reads the keys
alone: the keys are in the order of their first row, so the distinct values of a key
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

from crossgrad.reporting.report_input import ReportInput


class GroupKey(NamedTuple):
    """What every row of a group has alike, each as the row holds it (row.get: None when absent)."""

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


FIELDS = GroupKey._fields


class RowGroups:
    """rows grouped by GroupKey: key -> the positions of its rows in `rows`, ascending;
    keys in the order of their first row."""

    def __init__(self, rows: list[dict]):
        self.all = rows
        self.groups: dict[GroupKey, list[int]] = {}
        for key, positions in _positions(_keys(rows)).items():
            self.groups[GroupKey._make(key)] = positions

    def keys(self) -> list[GroupKey]:
        return list(self.groups)

    def rows(self, where: Callable[[GroupKey], bool]) -> list[dict]:
        """The rows of every group whose key passes `where`, in run order."""
        return self._rows_at([positions for key, positions in self.groups.items() if where(key)])

    def of(self, key: GroupKey) -> list[dict]:
        """The rows of one group, in run order."""
        return list(map(self.all.__getitem__, self.groups[key]))

    def rows_of(self, keys: list[GroupKey]) -> list[dict]:
        """The rows of the groups `keys`, in run order."""
        return self._rows_at([self.groups[key] for key in keys])

    def size(self, keys: list[GroupKey]) -> int:
        """How many rows the groups `keys` hold."""
        return sum(len(self.groups[key]) for key in keys)

    def grouped(self, key: Callable[[GroupKey], object], where: Callable[[GroupKey], bool]) -> dict:
        """key(group key) -> the rows of the groups that pass `where` and give it, each in
        run order; the keys in the order of their first row."""
        positions: dict = {}
        for group, mine in self.groups.items():
            if where(group):
                positions.setdefault(key(group), []).append(mine)
        return {k: self._rows_at(lists) for k, lists in positions.items()}

    def _rows_at(self, position_lists: list[list[int]]) -> list[dict]:
        # sorted() finds the ascending runs the lists are and merges them: run order again
        if not position_lists:
            return []
        order = position_lists[0] if len(position_lists) == 1 else sorted(p for ps in position_lists for p in ps)
        return list(map(self.all.__getitem__, order))


def _keys(rows: list[dict]) -> list[tuple]:
    """Each row's key fields as one tuple; rows that lack a field (annotated rows may)
    read it as None, as row.get does."""
    try:
        return list(map(itemgetter(*FIELDS), rows))  # in C: the same tuples where every field is there
    except KeyError:
        return list(zip(*(map(dict.get, rows, repeat(name)) for name in FIELDS)))


def _positions(keys: list[tuple]) -> dict[tuple, list[int]]:
    groups: dict = {}
    for position, key in enumerate(keys):
        groups.setdefault(key, []).append(position)
    return groups


_MADE: dict[int, RowGroups] = {}  # id(report) -> its grouping, while the report lives


def row_groups(report: ReportInput) -> RowGroups:
    """The grouping of report.rows, made on the first call for this report."""
    made = _MADE.get(id(report))
    if made is None or made.all is not report.rows:
        made = _MADE[id(report)] = RowGroups(report.rows)
        weakref.finalize(report, _MADE.pop, id(report), None)
    return made
