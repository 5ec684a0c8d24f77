"""A vector quantity as one line of records.jsonl (schema 3), and back.

A 10,000-element gradient written as 10,000 element rows repeated its labels
(framework, case, point, seeds, ...) 10,000 times: 15 MB of a 22 MB run folder.
`packed` writes them once, with `elements`, each element's [value, bits] in
index order; `unpacked` gives back exactly the element rows (crossgrad.core.records
checks each). gradients.csv keeps one row per element.
"""
from __future__ import annotations

from typing import Iterator

# The fields that differ between the elements of one quantity; the rest is written once.
ELEMENT_FIELDS = ("index", "value", "bits")


def packed(rows) -> Iterator[dict]:
    """Element rows as records.jsonl lines: consecutive rows of one quantity (labels,
    outcome and detail equal, indices counting up) become one line whose `elements`
    are each element's [value, bits]; a lone row stays as it is."""
    group: list[dict] = []
    for row in rows:
        if group and not _same_quantity(group[-1], row):
            yield _pack(group)
            group = []
        group.append(row)
    if group:
        yield _pack(group)


def _same_quantity(last: dict, row: dict) -> bool:
    return (row.get("index") == (last.get("index") or 0) + 1 and row.keys() == last.keys()
            and all(row[k] == last[k] for k in row if k not in ELEMENT_FIELDS))


def _pack(group: list[dict]) -> dict:
    if len(group) == 1:
        return group[0]
    first = {k: v for k, v in group[0].items() if k not in ("value", "bits")}
    return dict(first, elements=[[r.get("value"), r.get("bits")] for r in group])


def unpacked(line: dict) -> list[dict]:
    """The element rows of a records.jsonl line (itself, unless packed); ValueError
    when `elements` is not a list of [value, bits] pairs."""
    elements = line.get("elements")
    if elements is None:
        return [line]
    if not isinstance(elements, list) or not all(isinstance(e, list) and len(e) == 2 for e in elements):
        raise ValueError("elements is not a list of [value, bits] pairs")
    base = {k: v for k, v in line.items() if k != "elements"}
    first = int(base.get("index") or 0)
    return [dict(base, index=first + i, value=value, bits=bits) for i, (value, bits) in enumerate(elements)]
