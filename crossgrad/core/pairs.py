"""One way to pair rows: the same quantities seen from two sides.

Two sides differ in some fields of a row's key (core.rows.RowKey): the device
(cpu and gpu), the case (a base case and its spelling), the mode (eager and
compiled), the run (A and B). Their rows pair on the key less those fields
(`apart`). The report's CPU and GPU section and its Spellings section pair
dict rows with `pair_rows`; `crossgrad compare` joins two frames on `shared_key`.
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
    return pair_with(keyed([r for r in rows if base(r)], apart), others, apart)


def keyed(rows: Iterable[dict], apart: Iterable[str]) -> dict:
    """key less `apart` -> row (the last row of a key wins): one side, indexed once, to pair
    with several others (pair_with)."""
    rows = list(rows)
    return dict(zip(_keys_less(apart)(rows), rows))


def pair_with(index: dict, others: Iterable[dict], apart: Iterable[str]) -> list[tuple[dict, dict]]:
    """(indexed row, other row) of each of `others` whose key less `apart` is in `index`
    (keyed(rows, apart)), in the order of `others`."""
    keys = _keys_less(apart)
    if not index:
        return []
    others = list(others)
    return [(index[k], r) for k, r in zip(keys(others), others) if k in index]


def _keys_less(apart: Iterable[str]) -> Callable[[list], Iterator]:
    """rows -> the key of each less `apart`: RowKey.of, then the shared fields picked (in C:
    the key is built once per row, and no field is rewritten)."""
    positions = [RowKey._fields.index(f) for f in shared_key(apart)]  # refuses a field not the key's
    pick = itemgetter(*positions) if positions else (lambda key: ())
    return lambda rows: map(pick, map(RowKey.of, rows))
