"""Judge a run once, over its columns (issue 19 item 2): truth, verdict and form of every row,
and its value and truth typed (JUDGED_COLUMNS, `number`).

The input is a run's gradient rows as columns (crossgrad.core.gradient_columns: column ->
list, one entry per element row). A verdict is a function of exactly the fields in
verdicts._JUDGED (what verdicts.row_verdict reads: the quantity, the value as written and
the outcome), so the rows are grouped by those fields (one pass of a dict from each row's
judged fields to its group's first row; the quantities, and the quantities whatever the
dtype, grouped so among those first rows only) and each distinct group is judged once
against its quantity's standard (verdicts.dtype_standards: what row_verdict judges against,
computed once per quantity and what does not depend on the dtype once for all its dtypes);
the results are spread back to the rows with one numpy index. A run of 261,283 values has
about 63,000 such groups, 40,000 quantities and 14,500 quantities whatever the dtype.

`JudgedTable` is the result: the columns with JUDGED_COLUMNS, `number` and `quantity_number`
added. It writes gradients.csv straight from the columns (crossgrad.core.csv_text), and
`rows()` is THE one place that still turns the table into a dict per row, for the consumers
that take dict rows (the report's sections, check, the pytest integration): the next step
of issue 19 moves them onto the columns and removes it.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from pathlib import Path

import numpy as np

from crossgrad.core.csv_text import csv_blocks
from crossgrad.core.gradient_columns import columns_of_rows
from crossgrad.core.records import atomic_write_text_pieces
from crossgrad.core.rows import GRADIENT_COLUMNS
from crossgrad.judging.truth import as_float, round_to, truth_fields, truth_text
from crossgrad.judging.verdicts import _JUDGED, dtype_standards
from crossgrad.judging.verdicts import judge as judge_value

# What judge() adds. gradients.csv holds truth and verdict; the others live in memory, typed, so no
# reader parses a value or a truth from its text again (issue 19): `number` the value as a float
# (None: no value), truth_kind/truth_value/truth_signed the truth (truth.truth_fields), `form` the
# verdict's detail, and `quantity_number` the row's quantity (its case, point, ad, wrt, seed, dtype
# and element, exactly as written) numbered in order of first appearance: the rows of one quantity,
# whatever their framework, mode and device, share it (the divergences and the matrices pair by it).
JUDGED_COLUMNS = ("truth", "truth_kind", "truth_value", "truth_signed", "verdict", "form")


@dataclass
class JudgedTable:
    """A run's gradient rows as columns (column -> list, None where a row lacks the field),
    judged: JUDGED_COLUMNS, `number` and `quantity_number` included (`truth` and `verdict` as
    gradients.csv writes them)."""

    columns: dict

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), ()))

    def column(self, name: str) -> list:
        """A column's values; a column no row has reads as None throughout."""
        found = self.columns.get(name)
        return list(repeat(None, len(self))) if found is None else found

    def write_csv(self, path: Path, columns: tuple[str, ...] = GRADIENT_COLUMNS) -> None:
        """`columns` of every row as crossgrad.core.records.write_csv writes dict rows (None as ""),
        byte for byte: each column turned into its CSV fields a distinct value at a time
        (csv_fields), the rows joined by str.join, not by csv.writer's step per field, and
        written a block of rows at a time (csv_blocks)."""
        atomic_write_text_pieces(path, csv_blocks([self.column(c) for c in columns], columns, len(self)))

    def rows(self) -> list[dict]:
        """A dict per row, for the consumers that still take dict rows (module docstring): the
        one place they are made. Every column any row has is a key of every row (None where that
        row lacked it).

        The dicts share one table of keys (CPython's key-sharing dicts, PEP 412): each is a copy
        of a class instance's attribute dict, which stores only the row's values. A full run's
        261,283 rows of 24 keys take about 80 MB so, 210 MB as ordinary dicts (832 bytes each),
        and are made faster. They are ordinary dicts to every reader; a row that gains a key
        becomes an ordinary dict of its own."""
        names = tuple(self.columns)
        template = _key_sharing_dict(names)
        found = []
        for values in zip(*self.columns.values()):
            row = template.copy()  # a key-sharing dict's copy shares its keys
            row.update(zip(names, values))  # the same keys: the values change, the keys stay shared
            found.append(row)
        return found


def _key_sharing_dict(names: tuple) -> dict:
    """A dict of `names` (None each) whose keys live in a table shared by its copies: the
    attribute dict of an instance of a class made for these names (its own class: the first
    instance's attributes, in order, are what a class's instances share)."""
    instance = type("Row", (), {})()
    for name in names:
        setattr(instance, name, None)
    return instance.__dict__


def judge(columns: dict, cases: dict) -> JudgedTable:
    """The judged table of a run's gradient columns against `cases` (name -> Case);
    `columns` itself gains JUDGED_COLUMNS, `number` and `quantity_number`."""
    size = len(next(iter(columns.values()), ()))
    if size == 0:
        return JudgedTable(dict(columns, number=[], quantity_number=[], **{c: [] for c in JUDGED_COLUMNS}))
    judged = {c: _exact_values(columns[c]) if c in columns else [None] * size for c in _JUDGED}
    group, first = _groups(zip(*judged.values()), size)  # rows alike in every judged field
    quantity_of, quantity_first = _subgroups(judged, _QUANTITY, first)  # groups alike in their quantity
    quantity, quantity_first = quantity_of[group], first[quantity_first]
    base_of, base_first = _subgroups(judged, _BASE, quantity_first)  # quantities alike but for the dtype
    values, has_value = value_column(columns.get("value") or [None] * size)
    standards = _standards(columns, quantity_first[base_first], base_of, quantity_first, cases)
    exact = _exact_rows(columns, size, standards, quantity_first, quantity, values, has_value)
    dtypes, outcomes, texts = (columns.get(c) for c in ("dtype", "outcome", "value"))
    results = []
    rows = first.tolist()  # one row of each group: a verdict reads only the judged fields
    for row_number, number, is_exact, value, has in zip(rows, quantity[first].tolist(), exact[first].tolist(),
                                                         values[first].tolist(), has_value[first].tolist()):
        truth, scale, flushed, forms, described = standards[number]
        if is_exact:  # a group's rows are all exact or none (same quantity, value, outcome)
            results.append((*described, "exact", ""))
            continue
        if not has:  # None or "" (as_float: None), or the text of a row without the field
            value = as_float(None if texts is None else texts[row_number])
        verdict, form = judge_value(value, "" if outcomes is None else outcomes[row_number], truth,
                                    "float64" if dtypes is None else dtypes[row_number], scale, flushed, forms)
        results.append((*described, verdict, form))
    columns["number"] = _numbers(values, has_value)
    columns["quantity_number"] = _shared_ints(quantity, len(quantity_first))
    for position, name in enumerate(JUDGED_COLUMNS):
        found = np.empty(len(results), dtype=object)
        found[:] = [r[position] for r in results]
        columns[name] = found[group].tolist()
    return JudgedTable(columns)


def judge_rows(rows: list[dict], cases: dict) -> list[dict]:
    """Judged copies of dict rows handed in (a selection of a run, rows built by a caller):
    the same judge as a run folder's columns get, so a verdict has one entry point."""
    return judge(columns_of_rows(rows), cases).rows()


_QUANTITY = tuple(c for c in _JUDGED if c not in ("value", "outcome"))  # what a truth depends on
_BASE = tuple(c for c in _QUANTITY if c != "dtype")  # what it depends on but for the dtype


def _standards(columns: dict, base_first: np.ndarray, base_of: np.ndarray, quantity_first: np.ndarray,
               cases: dict) -> list:
    """Each quantity's (truth, scale, flushed, forms, (truth's text, *truth_fields)):
    verdicts.row_standard of its first row (the standard verdicts.row_verdict judges each of
    its values against), taken for all dtypes of a quantity at once (verdicts.dtype_standards)."""
    dtypes = columns.get("dtype")
    kinds = ["float64"] * len(quantity_first) if dtypes is None else [dtypes[i] for i in quantity_first.tolist()]
    in_dtypes: dict = {}  # base quantity -> its quantities (one per dtype)
    for number, base in enumerate(base_of.tolist()):
        in_dtypes.setdefault(base, []).append(number)
    memo: dict = {}
    found: list = [None] * len(quantity_first)
    present = [c for c in _QUANTITY if c in columns and c != "dtype"]
    first = base_first.tolist()  # lists, not arrays, are indexed here: a numpy number indexes slowly
    for base, numbers in in_dtypes.items():
        row = {c: columns[c][first[base]] for c in present}
        standards = dtype_standards(row, [kinds[n] for n in numbers], cases, memo)
        truth = standards[0][0]  # the truth does not depend on the dtype (verdicts.dtype_standards)
        described = (truth_text(truth), *truth_fields(truth))
        for number, standard in zip(numbers, standards):
            found[number] = (*standard, described)
    return found


def _shared_ints(numbers: np.ndarray, count: int) -> list:
    """numbers (each below count) as Python ints, one int object per distinct number: each
    row refers to its quantity's, it holds no int of its own."""
    ints = list(range(count))
    return list(map(ints.__getitem__, numbers.tolist()))


def _numbers(values: np.ndarray, has_value: np.ndarray) -> list:
    """The `number` column: each value as a float, None where no value was recorded."""
    numbers = values.astype(object)
    numbers[~has_value] = None
    return numbers.tolist()


def value_column(texts: list) -> tuple[np.ndarray, np.ndarray]:
    """(float64 of each value, whether the row has one): each value's text (Python's repr:
    -0.0, nan, inf exact) parsed once; NaN and False where no value was recorded (None, "")."""
    if set(map(type, texts)) <= {str, type(None)}:  # each distinct text parsed once
        parsed = {v: (np.nan if v is None or v == "" else float(v)) for v in dict.fromkeys(texts)}
        values = np.fromiter(map(parsed.__getitem__, texts), dtype=np.float64, count=len(texts))
        return values, np.fromiter(map(bool, texts), dtype=bool, count=len(texts))  # false: None and "" only
    # a float and its text, or 0.0 and -0.0, would meet as keys (and bool(0.0) is false)
    values = np.array([np.nan if v is None or v == "" else float(v) for v in texts], dtype=np.float64)
    return values, np.array([not (v is None or v == "") for v in texts], dtype=bool)


def _exact_rows(columns: dict, size: int, standards: list, first: np.ndarray, quantity: np.ndarray,
                values: np.ndarray, has_value: np.ndarray) -> np.ndarray:
    """Whether each row is `exact`, verdicts.judge's first test done as numpy over every row: an
    ok value whose bits are those of its exact, non-NaN truth rounded to the dtype, or a zero
    where that truth is a zero (either sign: a convention)."""
    dtypes = columns.get("dtype")
    want = np.full(len(standards), np.nan)
    for number, standard in enumerate(standards):
        truth = standard[0]
        if truth is not None and truth.kind == "exact" and not math.isnan(truth.value):
            want[number] = round_to(truth.value, "float64" if dtypes is None else dtypes[first[number]])
    row_want = want[quantity]
    same = (values.view(np.uint64) == row_want.view(np.uint64)) | ((values == 0.0) & (row_want == 0.0))
    ok = np.array(columns.get("outcome") or [None] * size, dtype=object) == "ok"
    return ok & has_value & same & ~np.isnan(row_want)


def _groups(keys: Iterator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(group of each of `size` items, first item of each group) of items grouped by their keys
    (equal keys: one group), groups numbered in order of first appearance: one pass of a dict
    from each key to the first item that has it."""
    firsts: dict = {}
    item_first = np.fromiter(map(firsts.setdefault, keys, range(size)), dtype=np.intp, count=size)
    first = np.fromiter(firsts.values(), dtype=np.intp, count=len(firsts))
    number = np.empty(size, dtype=np.intp)  # the group of each first item
    number[first] = np.arange(len(first))
    return number[item_first], first


def _subgroups(judged: dict, fields: tuple, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """_groups of `rows` (each one row of a group: its fields are the group's) by their `fields`."""
    at = rows.tolist()
    return _groups(zip(*(_items(judged[c], at) for c in fields)), len(at))


def _items(values: list, at: list) -> tuple:
    """values[i] for each i in `at`, by operator.itemgetter (in C): a tuple, a lone item's too."""
    return itemgetter(*at)(values) if len(at) > 1 else tuple(values[i] for i in at)


def _exact_values(values: list):
    """The values, as keys whose equality is exact: text and ints as they are (the loader
    admits nothing else in a judged field); any float by its type and bits (verdicts._exact:
    -0.0 is not 0.0, and a float never meets the text that writes it)."""
    if set(map(type, values)) <= {str, int, type(None)}:
        return values
    return [(type(v), v.hex()) if type(v) is float else (type(v), v) for v in values]
