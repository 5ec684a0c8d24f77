"""One way to pair rows: the same quantities seen from two sides.

Two sides differ in some fields of a row's key (core.rows.RowKey): the device
(cpu and gpu), the case (a base case and its spelling), the mode (eager and
compiled), the run (A and B). Their rows pair on the key less those fields
(`apart`). The report's CPU and GPU section and its Spellings section pair
dict rows with `pair_rows`; `crossgrad compare` joins two frames on `shared_key`.
"""
from __future__ import annotations

from typing import Callable, Iterable

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
    where their keys less `apart` are equal."""
    apart = set(apart)
    shared_key(apart)  # a field that is not the key's is an error, not an empty pairing
    blank = {f: (0 if f == "index" else "") for f in apart}

    def key(row):
        return RowKey.of(row)._replace(**blank)
    rows = list(rows)
    index = {key(r): r for r in rows if base(r)}
    return [(index[k], r) for r in rows if other(r) and (k := key(r)) in index]
