"""Bitwise comparison of one matrix row across its columns (framework x mode).

A row is one quantity (dtype, case, point, ad, seed, wrt, index) as computed by
every column. Values are compared by the one "same value?" rule
(crossgrad.core.same_value: by their bits), never with == alone (which calls -0.0
equal to 0.0) and never with a tolerance (which can fold NaN into "equal"): two
NaNs agree (a NaN is a NaN, whatever its payload), -0.0 and 0.0 do not.

Labels, in order of precedence:
    "some errored"                    a cell has no value (error, unsupported, ...)
    "all agree"                       every value has the same bits
    "differ only in the sign of zero" every value is a zero, of both signs
    "differ in value"                 anything else

The odd ones out are the cells outside the majority, voted per framework: each
framework has one vote, split evenly among its columns (modes, devices), so
three TensorFlow modes weigh what one torch mode weighs, and a framework whose
modes disagree splits its vote between their values. The majority is the group
of equal bits with the largest weight, strictly above every other eligible
group; a group whose values are `invalid` (NaN/inf where a finite value is
valid: the verdicts say so) is never eligible. Without a clear majority nobody
is odd, nor against a group only one framework backs while another valid group
stands (two frameworks that differ are two opinions, not a majority and an odd
one; against NaN alone one framework is still right). Each odd cell gets a cause (CAUSES): a different subgradient, last-bits
(ulp) difference, the sign of a zero, an invalid value, or another value.
With fewer than two values there is nothing to be odd against.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from typing import Hashable, Mapping

from crossgrad.core.registry import frameworks
from crossgrad.core.rows import AD_KINDS as AD_ORDER
from crossgrad.judging.matrix_cells import grouped_cells
from crossgrad.core.same_value import same_value, value_key
from crossgrad.judging.truth import TOLERANCES, round_to, row_truth

ALL_AGREE = "all agree"
SIGN_OF_ZERO = "differ only in the sign of zero"
DIFFER = "differ in value"
ERRORED = "some errored"
LABELS = (ALL_AGREE, SIGN_OF_ZERO, DIFFER, ERRORED)


CAUSES = ("invalid", "subgradient", "value", "sign of zero", "ulp")
"""Why a cell is odd, most severe first: an invalid value; another valid
subgradient; another value (a definitional form, a flushed input); only the
sign of a zero; only the last bits (within the `close` tolerance of each other)."""


@dataclass(frozen=True)
class RowVerdict:
    """How the cells of one row compare.

    label: one of LABELS. values_label: the label the cells with a value get
    among themselves (tells "some errored" rows apart: the rest may still differ).
    odd: columns outside the majority group. errored: columns with no value.
    causes: odd column -> its cause (CAUSES).
    """

    label: str
    values_label: str
    odd: tuple = ()
    errored: tuple = ()
    groups: tuple = field(default=(), compare=False)
    causes: dict = field(default_factory=dict, compare=False)


def voter(column) -> str:
    """The framework a column votes for: ("torch", "eager", "cpu") or "torch eager" -> "torch"."""
    return column[0] if isinstance(column, tuple) else str(column).split()[0]


def classify(cells: Mapping[Hashable, float | None], reference: float | None = None,
             invalid: frozenset | None = None, is_set: bool = False, rtol: float = 2.0 ** -18) -> RowVerdict:
    """Compare the cells of one row; `cells` maps column -> value (None: no value).

    invalid: columns whose verdict is `invalid` (default: those holding NaN).
    reference: the truth rounded to the dtype; only breaks an exact tie of
    weights in its favour when it is one of the tied groups. is_set: the truth
    is a set (an odd valid value is another subgradient). rtol: "last bits".
    """
    errored = tuple(c for c, v in cells.items() if v is None)
    valued = {c: v for c, v in cells.items() if v is not None}
    groups = _groups(valued)
    values_label = _values_label(valued, groups)
    label = ERRORED if errored else values_label
    bad = set(invalid) if invalid is not None else {c for c, v in valued.items() if math.isnan(v)}
    majority = _majority(groups, valued, bad, reference) if len(valued) >= 2 else None
    odd = () if majority is None else tuple(c for c in valued if c not in majority)
    causes = {} if majority is None else {
        c: _cause(valued[c], valued[majority[0]], c in bad, is_set, rtol) for c in odd}
    return RowVerdict(label, values_label, odd, errored, tuple(groups), causes)


def _groups(valued: dict) -> list[tuple]:
    """Columns grouped by bits, in order of each group's first column."""
    by_key: dict[str, list] = {}
    for column, value in valued.items():
        by_key.setdefault(value_key(value), []).append(column)
    return [tuple(cols) for cols in by_key.values()]


def _values_label(valued: dict, groups: list) -> str:
    if len(groups) <= 1:
        return ALL_AGREE
    if all(v == 0.0 for v in valued.values()):  # == here on purpose: +0 and -0 alike
        return SIGN_OF_ZERO
    return DIFFER


def _majority(groups: list, valued: dict, bad: set, reference: float | None) -> tuple | None:
    """The group with the clear majority of framework votes, or None."""
    if len(groups) <= 1:
        return None
    voters = {column: voter(column) for column in valued}
    share: dict = {}
    for framework in voters.values():
        share[framework] = share.get(framework, 0) + 1
    weight = {g: sum(1.0 / share[voters[c]] for c in g) for g in groups}
    eligible = [g for g in groups if not all(c in bad for c in g)]
    if not eligible:
        return None
    top = max(weight[g] for g in eligible)
    tied = [g for g in eligible if abs(weight[g] - top) < 1e-9]
    if len(tied) > 1 and reference is not None:
        tied = [g for g in tied if same_value(valued[g[0]], reference)] or tied
    if len(tied) != 1:
        return None
    if len({voters[c] for c in tied[0]}) < 2 and len(eligible) > 1:
        return None  # one framework against another valid value: two opinions, no majority
    return tied[0]


def _cause(value: float, majority: float, invalid: bool, is_set: bool, rtol: float) -> str:
    if invalid:
        return "invalid"
    if value == 0.0 and majority == 0.0:
        return "sign of zero"
    if is_set:
        return "subgradient"
    both_finite = math.isfinite(value) and math.isfinite(majority)
    if both_finite and value * majority > 0 and abs(value - majority) <= rtol * max(abs(value), abs(majority)):
        return "ulp"
    return "value"


def row_cells(cells: dict) -> dict:
    """column -> value (float or None) of one matrix row's cells (column -> judged row: its
    `number`, crossgrad.judging.judge)."""
    return {column: r.get("number") for column, r in cells.items()}


# --- Matrices: a run's rows arranged as the report shows them ----------------

MODE_ORDER = ("eager", "graph", "compiled")
DEVICE_ORDER = ("cpu", "gpu")
DTYPE_ORDER = ("float32", "float64")


@dataclass
class MatrixRow:
    """One quantity of one (case, dtype) across every column.

    key: (point, ad, seed text, wrt, index). cells: column -> gradient row.
    column: (framework, mode, device).
    """

    key: tuple
    truth: str
    cells: dict
    verdict: RowVerdict


def column_of(row: dict) -> tuple:
    """RowKey.of(row).column(), without building the whole key (called per row, often)."""
    get = row.get
    return (str(get("framework") or ""), str(get("mode") or ""), str(get("device") or ""))


def columns(rows: list[dict], framework_order: tuple | None = None) -> list[tuple]:
    """Every column of a run, frameworks in `framework_order` (default: the
    registry's, built-ins first; others after, by first appearance), then modes
    and devices in their usual order."""
    framework_order = tuple(frameworks()) if framework_order is None else framework_order
    try:
        raw = dict.fromkeys(map(_RAW_COLUMN, rows))  # no Python call per row
    except KeyError:  # a row without one of the fields: each read with get
        raw = dict.fromkeys((r.get("framework"), r.get("mode"), r.get("device")) for r in rows)
    seen = list(dict.fromkeys(column_of(dict(zip(("framework", "mode", "device"), k))) for k in raw))
    first = {fw: i for i, (fw, _, _) in reversed(list(enumerate(seen)))}

    def rank(col):
        fw, mode, device = col
        known = framework_order.index(fw) if fw in framework_order else len(framework_order)
        return (known, first[fw], _pos(MODE_ORDER, mode), _pos(DEVICE_ORDER, device), mode, device)
    return sorted(seen, key=rank)


_RAW_COLUMN = itemgetter("framework", "mode", "device")


def _pos(order: tuple, item) -> int:
    return order.index(item) if item in order else len(order)


@dataclass
class _Shared:
    """What the matrix rows of one build share: the column ranks, each quantity's truth (case ->
    element -> _truth_read, whatever its dtype: row_truth reads none), each column set's order
    (and its number) and each distinct row's verdict."""

    cases: dict
    rank: dict
    truths: dict = field(default_factory=dict)
    orders: dict = field(default_factory=dict)
    verdicts: dict = field(default_factory=dict)


def build_matrices(rows: list[dict], cases: dict, cols: list | None = None) -> dict:
    """(case, dtype) -> [MatrixRow], both in report order (catalogue, points, ad, seed).
    cols: columns(rows), where the caller has them."""
    grouped = grouped_cells(rows)
    shared = _Shared(cases, {col: i for i, col in enumerate(columns(rows) if cols is None else cols)})
    out = {}
    for (case, dtype) in sorted(grouped, key=lambda k: _matrix_rank(k, cases)):
        table = grouped[(case, dtype)]
        points = [p.name for p in cases[case].points] if case in cases else []
        point_rank = {name: place for place, name in reversed(list(enumerate(points)))}  # first place
        truths = shared.truths.setdefault(case, {})
        out[(case, dtype)] = [_matrix_row(key, table[key], dtype, shared, truths)
                              for key in sorted(table, key=partial(_row_rank, point_rank, len(points)))]
    return out


def _matrix_row(key: tuple, cells: dict, dtype: str, shared: _Shared, truths: dict) -> MatrixRow:
    """The matrix row of one quantity; truths: its case's element -> _truth_read of its truth."""
    found = tuple(cells)
    known = shared.orders.get(found)
    if known is None:  # in column order: ties and groups read in report order; numbered for the memo
        order = tuple(sorted(found, key=shared.rank.__getitem__))
        known = shared.orders[found] = (order, order == found, len(shared.orders))
    order, in_order, order_number = known
    if not in_order:  # most rows arrive in column order already
        cells = {column: cells[column] for column in order}
    rows = list(cells.values())
    any_row = rows[0]
    truth = truths.get(key)
    if truth is None:
        truth = truths[key] = _truth_read(row_truth(any_row, shared.cases))
    kind, exact, truth_key = truth
    try:
        values, verdicts = tuple(map(_VALUE, rows)), tuple(map(_VERDICT, rows))
    except KeyError:  # rows not yet judged, or without a value field
        values, verdicts = tuple(r.get("value") for r in rows), tuple(r.get("verdict") for r in rows)
    # The verdict is a function of these (a value's text is its float: one parse, one bit
    # pattern; the reference is the truth's value rounded to the dtype), and a full check's
    # 40,000 rows hold a few thousand distinct ones.
    invalid = None if "invalid" not in verdicts else tuple(v == "invalid" for v in verdicts)
    memo = (order_number, values, invalid, truth_key, dtype)
    verdict = shared.verdicts.get(memo)
    if verdict is None:
        reference = round_to(exact, dtype) if kind == "exact" else None
        bad = frozenset(c for c, v in zip(order, verdicts) if v == "invalid")
        verdict = classify(row_cells(cells), reference, bad, is_set=kind == "set",
                           rtol=TOLERANCES.get(dtype, TOLERANCES["float64"])[0])
        # Only text values are remembered: floats -0.0 and 0.0 are equal in a tuple, their
        # texts are not; and a float never equals a text, so a row of floats finds no entry.
        if _TEXTS.issuperset(map(type, values)):
            shared.verdicts[memo] = verdict
    return MatrixRow(key, any_row.get("truth") or "", cells, verdict)


def _truth_read(truth) -> tuple:
    """What a row's verdict reads of its quantity's truth: (kind, exact value, the memo's key
    of both: the value by its bits); kind "" where the case states none."""
    if truth is None:
        return "", math.nan, ("",)
    if truth.kind == "exact":
        return "exact", truth.value, ("exact", value_key(truth.value))
    return truth.kind, truth.value, (truth.kind,)


_VALUE, _VERDICT = itemgetter("value"), itemgetter("verdict")
_TEXTS = frozenset((str, type(None)))  # value types whose equality is their float's bits' equality


def _matrix_rank(key: tuple, cases: dict) -> tuple:
    case, dtype = key
    names = list(cases)
    return (names.index(case) if case in names else len(names), case, _pos(DTYPE_ORDER, dtype), dtype)


def _row_rank(point_rank: dict, unknown: int, key: tuple) -> tuple:
    point, ad, seed, wrt, index = key
    positive_first = seed.startswith("-")  # the default cotangent +1 before -1
    return (point_rank.get(point, unknown), point, _AD_RANK.get(ad, len(AD_ORDER)), positive_first, seed,
            wrt, index)


_AD_RANK = {ad: place for place, ad in enumerate(AD_ORDER)}  # _pos(AD_ORDER, ad) of a text ad

