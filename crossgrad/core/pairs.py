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
    where their keys less `apart` are equal. A key is built only when the other side
    has rows (a run on one device builds none)."""
    rows = list(rows)
    others = [r for r in rows if other(r)]
    if not others:
        shared_key(apart)  # a field that is not the key's is an error, not an empty pairing
        return []
    return pair_with(keyed([r for r in rows if base(r)], apart), others, apart)


def keyed(rows: Iterable[dict], apart: Iterable[str]) -> dict:
    """key less `apart` -> row (the last row of a key wins): one side, indexed once, to pair
    with several others (pair_with)."""
    key = _key_less(apart)
    return {key(r): r for r in rows}


def pair_with(index: dict, others: Iterable[dict], apart: Iterable[str]) -> list[tuple[dict, dict]]:
    """(indexed row, other row) of each of `others` whose key less `apart` is in `index`
    (keyed(rows, apart)), in the order of `others`."""
    key = _key_less(apart)
    return [(index[k], r) for r in others if (k := key(r)) in index] if index else []


def _key_less(apart: Iterable[str]) -> Callable[[dict], RowKey]:
    blank = {f: (0 if f == "index" else "") for f in set(apart)}
    shared_key(blank)  # a field that is not the key's is an error, not an empty pairing

    def key(row):
        return RowKey.of(row)._replace(**blank)
    return key
