"""One way to pair rows: the same quantities seen from two sides.

Two sides differ in some fields of a row's key (core.rows.RowKey): the device
(cpu and gpu), the case (a base case and its spelling), the mode (eager and
compiled), the run (A and B). Their rows pair on the key less those fields
(`apart`). The report's CPU and GPU section and its Spellings section pair
dict rows with `pair_rows` (or `keyed` and `pair_with`, one KeysLess for all: one side
indexed, several others paired with it); `crossgrad compare` joins two frames on `shared_key`.
"""
from __future__ import annotations

from operator import itemgetter
from typing import Callable, Iterable, Iterator

from crossgrad.core.rows import RowKey


def shared_key(apart: Iterable[str] = ()) -> tuple[str, ...]:
    """RowKey's fields less `apart`: what two sides that differ in `apart` share."""
    apart = set(apart)
    unknown = apart - set(RowKey._fields)
    if unknown:
        raise ValueError(f"not a field of a row's key: {', '.join(sorted(unknown))}")
    return tuple(f for f in RowKey._fields if f not in apart)


def pair_rows(rows: Iterable[dict], apart: Iterable[str], base: Callable[[dict], bool],
              other: Callable[[dict], bool]) -> list[tuple[dict, dict]]:
    """(base row, other row) of every quantity on both sides, in the order of the other
    side's rows: `base(row)` and `other(row)` say which side a row is on, and rows pair
    where their keys less `apart` are equal. A key is built only when the other side
    has rows (a run on one device builds none)."""
    rows = list(rows)
    others = [r for r in rows if other(r)]
    if not others:
        shared_key(apart)  # a field that is not the key's is an error, not an empty pairing
        return []
    keys = KeysLess(apart)
    return pair_with(keyed([r for r in rows if base(r)], keys), others, keys)


def keyed(rows: Iterable[dict], keys: "KeysLess") -> dict:
    """key less `keys.apart` -> row (the last row of a key wins): one side, indexed once, to
    pair with several others (pair_with, with the same `keys`)."""
    rows = list(rows)
    return dict(zip(keys(rows), rows))


def pair_with(index: dict, others: Iterable[dict], keys: "KeysLess") -> list[tuple[dict, dict]]:
    """(indexed row, other row) of each of `others` whose key less `keys.apart` is in `index`
    (keyed(rows, keys)), in the order of `others`."""
    if not index:
        return []
    others = list(others)
    found = map(index.get, keys(others))  # in C: each key hashed once (a row is never None)
    return [(b, r) for b, r in zip(found, others) if b is not None]


# What RowKey.of reads of a row: the fields of where it was computed, and of what it is (the
# seed is read off ad, cotangent and tangent).
_COLUMN_FIELDS = ("framework", "mode", "device")
_QUANTITY_FIELDS = ("dtype", "case", "point", "ad", "cotangent", "tangent", "wrt", "index")
_SEED_FIELDS = ("ad", "cotangent", "tangent")


class KeysLess:
    """rows -> the key of each less `apart` (RowKey.of, its shared fields picked), in order.
    A key is two parts, where the row was computed and what it is: a run has a few columns
    and far fewer quantities than rows, so each part is read off the rows in C and
    made canonical by RowKey.of once per distinct raw part, remembered for the next rows given
    (one side keyed, then the others). Each row must have every field RowKey.of reads (a
    run's and the judge's rows do)."""

    def __init__(self, apart: Iterable[str]):
        self.apart = tuple(apart)
        shared = shared_key(self.apart)  # refuses a field not the key's
        self.parts = (_Part(_COLUMN_FIELDS, [f for f in shared if f in _COLUMN_FIELDS]),
                      _Part(_QUANTITY_FIELDS, [f for f in shared if f not in _COLUMN_FIELDS]))

    def __call__(self, rows: list) -> Iterator:
        column, quantity = self.parts
        return zip(column.of(rows), quantity.of(rows))


class _Part:
    """One part of a key less some fields: its `shared` fields (RowKey's), canonical as RowKey.of
    makes them, from the raw `fields` of a row that RowKey.of reads for them. Raw parts are told
    apart as dict keys: the fields are text in a run's rows (records.jsonl's), where == is
    identity; numbers equal but written apart (a float -0.0 and 0.0 as seeds) would share one."""

    def __init__(self, fields: tuple, shared: list):
        self.fields = [f for f in fields if f in shared or (f in _SEED_FIELDS and "seed" in shared)]
        raw = itemgetter(*self.fields) if self.fields else (lambda row: ())
        self.raw = raw if len(self.fields) != 1 else (lambda row: (raw(row),))  # one field: a tuple too
        self.pick = itemgetter(*[RowKey._fields.index(f) for f in shared]) if shared else (lambda key: ())
        self.canonical: dict = {}  # raw part -> its part of the key

    def of(self, rows: list) -> Iterator:
        """The part of each row's key, in order."""
        raws = list(map(self.raw, rows))
        canonical = self.canonical
        for raw in dict.fromkeys(raws).keys() - canonical.keys():
            canonical[raw] = self.pick(RowKey.of(dict(zip(self.fields, raw))))
        return map(canonical.__getitem__, raws)
