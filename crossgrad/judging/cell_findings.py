"""Which findings each cell of a run's matrices belongs to (crossgrad.judging.findings_data
gathers them into findings): a cell's verdict, outcome and cause among its row's cells, and
a NaN whose bits differ from the NaN most frameworks return.

Most matrix rows of a run belong to no finding (every verdict exact, close, undefined,
...; no odd cell; no NaN): gather_cells tells them apart from their labels alone, and asks
cell_findings only of the rest.
"""
from __future__ import annotations

import math
from itertools import chain
from operator import attrgetter, itemgetter

ERROR_OUTCOMES = ("error", "crashed", "timeout")
TEXT_TYPES = frozenset((str, type(None)))  # values whose equality is their texts'


def cell_findings(mrow, col, row, subgradients_differ: bool | None = None) -> list[tuple[str, str]]:
    """(category, detail) of every finding one cell (matrix row, column, judged row) belongs to.
    subgradients_differ: _subgradients_differ(mrow), where the caller has it (None: computed here)."""
    verdict, outcome = row.get("verdict", ""), row.get("outcome", "")
    cause = mrow.verdict.causes.get(col)
    found = []
    if outcome in ERROR_OUTCOMES:
        found.append(("error", f"{outcome}: {_first_line(row.get('detail'))}".rstrip(": ")))
    elif verdict == "invalid":
        found.append(("wrong value", _wrong(row)))
    elif verdict == "definitional":
        found.append(("definitional", f"matches the {row.get('form') or 'alternative'} form, not the truth"))
    elif verdict == "flushed":
        found.append(("convention", f"flush-to-zero: {row.get('form') or 'a subnormal read as 0'}"))
    elif outcome == "no_gradient":
        found.append(("convention", "no gradient: returns None where the others return a value"))
    elif verdict == "imprecise":
        found.append(("precision", "beyond the relative tolerance, within the absolute floor"))
    if cause == "subgradient":
        found.append(("different subgradient", "another subgradient than the per-framework majority"))
    elif verdict == "subgradient" and not mrow.verdict.odd and (
            _subgradients_differ(mrow) if subgradients_differ is None else subgradients_differ):
        found.append(("different subgradient", "frameworks pick different subgradients (no clear majority)"))
    elif cause == "sign of zero":
        found.append(("convention", "a zero of the other sign than the per-framework majority"))
    elif cause == "ulp" and verdict != "exact":  # an exact odd one: the others are the imprecise ones
        found.append(("precision", "last bits differ from the per-framework majority"))
    return found


NAN_PAYLOAD = ("nan payload", "a NaN of other bits (sign or payload) than the per-framework majority's")


def nan_payload_odd(mrow) -> set:
    """The columns of a matrix row whose NaN has other bits than the NaN most frameworks
    return (one vote per framework, split among its columns; none without a strict
    majority). repr writes every NaN alike; `bits` tells them apart."""
    nans = {col: r.get("bits") for col, r in mrow.cells.items() if str(r.get("value")) == "nan" and r.get("bits")}
    if len(set(nans.values())) < 2:
        return set()
    share: dict = {}
    for col in nans:
        share[col[0]] = share.get(col[0], 0) + 1
    weight: dict = {}
    for col, pattern in nans.items():
        weight[pattern] = weight.get(pattern, 0.0) + 1.0 / share[col[0]]
    ranked = sorted(weight.values(), reverse=True)
    if ranked[0] - ranked[1] < 1e-9:
        return set()
    top = max(weight, key=weight.get)
    return {col for col, pattern in nans.items() if pattern != top}


def _first_line(text) -> str:
    lines = str(text or "").strip().splitlines()
    return lines[-1].strip()[:200] if lines else ""  # a traceback's last line names the error


def _subgradients_differ(mrow) -> bool:
    """Whether the row's valid subgradients are more than one number (a zero's sign aside)."""
    values = {r.get("number") + 0.0 for r in mrow.cells.values() if r.get("verdict") == "subgradient"}
    return len(values) > 1  # + 0.0: -0.0 and 0.0 are one number


def _wrong(row) -> str:
    """What is wrong with an invalid value: its `number` against its typed truth."""
    number, kind = row.get("number"), row.get("truth_kind")
    if number is not None and math.isnan(number):
        return "NaN where a valid value exists"
    if kind == "exact" and math.isnan(row.get("truth_value")):
        return "a number where IEEE 754 / NumPy define NaN (the NaN is dropped)"
    if number is not None and math.isinf(number):
        return "inf where a finite value is valid"
    if kind == "set":
        return "a value outside the Clarke set"
    if number == 0.0:
        return "0 where the truth is not 0"
    return "a wrong value"


def gather_cells(matrices: dict, gathered: dict) -> tuple[list, dict]:
    """Adds each cell's findings to `gathered` (a defaultdict(list): (category, case,
    framework, detail) -> rows); returns the cases in matrix order and the frameworks in
    order of first appearance."""
    case_order, fw_order = [], {}
    for (case, _), matrix in matrices.items():
        case_order.append(case)
        fw_order.update(dict.fromkeys(map(_FIRST, dict.fromkeys(chain.from_iterable(map(_CELLS, matrix))))))
        for mrow in matrix:
            _gather_row(mrow, case, gathered)
    return case_order, fw_order


def _gather_row(mrow, case: str, gathered: dict) -> None:
    """Adds the findings of a matrix row's cells to `gathered`. Most rows of a run have
    none: every verdict and outcome is one that cell_findings passes over, no cell is odd,
    no value is a NaN; those are told apart from the labels alone, without a call per cell."""
    cells, causes = mrow.cells, mrow.verdict.causes
    try:
        labels, nans = list(map(_LABELS, cells.values())), "nan" in map(str, map(_VALUE, cells.values()))
    except KeyError:  # rows with missing fields: every cell asked (None is never quiet)
        labels, nans = [None] * len(cells), True
    if not causes and not nans and _QUIET.issuperset(labels):
        return  # the common row: no subgradient, no odd cell, no NaN (nan_payload_odd's test: the text)
    differ = not mrow.verdict.odd and _subgradients_differ(mrow)
    passed = _QUIET if differ else _QUIET_OR_SUBGRADIENT  # a subgradient alone: no finding then
    if not causes and not nans and passed.issuperset(labels):
        return  # subgradients where they all agree: no finding either
    odd_nans = nan_payload_odd(mrow) if nans else ()
    for (col, row), label in zip(cells.items(), labels):
        if label in passed and col not in causes and col not in odd_nans:
            continue
        found = cell_findings(mrow, col, row, differ)
        if col in odd_nans:
            found.append(NAN_PAYLOAD)
        for category, detail in found:
            gathered[category, case, col[0], detail].append(row)


# What cell_findings passes over (anything else, an unknown label included, is asked).
_QUIET_VERDICTS = frozenset(("exact", "close", "undefined", "unsupported", "unavailable", "error", "no_gradient"))
_QUIET_OUTCOMES = frozenset(("ok", "unsupported", "unavailable"))
_QUIET = frozenset((v, o) for v in _QUIET_VERDICTS for o in _QUIET_OUTCOMES)  # (verdict, outcome)
_QUIET_OR_SUBGRADIENT = _QUIET | {("subgradient", o) for o in _QUIET_OUTCOMES}  # where they all agree
_VALUE, _LABELS, _FIRST = itemgetter("value"), itemgetter("verdict", "outcome"), itemgetter(0)
_CELLS = attrgetter("cells")
