"""Judge a run once, over its columns (issue 19 item 2): truth, verdict and form of every row.

The input is a run's gradient rows as columns (crossgrad.core.gradient_columns: column ->
list, one entry per element row). A verdict is a function of exactly the fields in
verdicts._JUDGED (what verdicts.row_verdict reads: the quantity, the value as written and
the outcome), so the rows are grouped by those fields (one dict of their key tuples, no
dict per row) and each distinct group is judged once, by the same verdicts.row_verdict
every other judge of a row uses (its truth computed once per quantity: the `standards`
memo); the results are spread back to the rows with one numpy index. A run of 261,283
values has about 63,000 such groups.

`JudgedTable` is the result: the columns with truth, verdict and form added. It writes
gradients.csv straight from the columns, and `rows()` is THE one place that still turns
the table into a dict per row, for the consumers that take dict rows (the report's
sections, check, the pytest integration): the next step of issue 19 moves them onto the
columns and removes it.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from crossgrad.core.gradient_columns import columns_of_rows
from crossgrad.core.records import atomic_write_text
from crossgrad.core.rows import GRADIENT_COLUMNS
from crossgrad.judging.truth import round_to, truth_text
from crossgrad.judging.verdicts import _JUDGED, row_standard, row_verdict

JUDGED_COLUMNS = ("truth", "verdict", "form")  # what judge() adds (form: in memory, not in gradients.csv)


@dataclass
class JudgedTable:
    """A run's gradient rows as columns (column -> list, None where a row lacks the field),
    judged: `truth`, `verdict` (gradients.csv's text) and `form` included."""

    columns: dict

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), ()))

    def column(self, name: str) -> list:
        """A column's values; a column no row has reads as None throughout."""
        found = self.columns.get(name)
        return list(repeat(None, len(self))) if found is None else found

    def write_csv(self, path: Path, columns: tuple[str, ...] = GRADIENT_COLUMNS) -> None:
        """`columns` of every row as crossgrad.core.records.write_csv writes dict rows (None as "")."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")  # the csv module writes None as "" too
        writer.writerow(columns)
        writer.writerows(zip(*(self.column(c) for c in columns)))
        atomic_write_text(path, buf.getvalue())

    def rows(self) -> list[dict]:
        """A dict per row, for the consumers that still take dict rows (module docstring): the
        one place they are made. Every column any row has is a key of every row (None where that
        row lacked it)."""
        names = tuple(self.columns)
        return [dict(zip(names, values)) for values in zip(*self.columns.values())]


def judge(columns: dict, cases: dict) -> JudgedTable:
    """The judged table of a run's gradient columns against `cases` (name -> Case);
    `columns` itself gains truth, verdict and form."""
    size = len(next(iter(columns.values()), ()))
    if size == 0:
        return JudgedTable(dict(columns, **{c: [] for c in JUDGED_COLUMNS}))
    group, first = _groups([columns.get(c) for c in _JUDGED], size)
    standards: dict = {}
    values, has_value = value_column(columns.get("value") or [None] * size)
    exact, truths = _exact_rows(columns, size, cases, standards, values, has_value)
    results = []
    for row_number in first:  # one row of each group: a verdict reads only the judged fields
        if exact[row_number]:  # a group's rows are all exact or none (same quantity, value, outcome)
            results.append((truths[row_number], "exact", ""))
            continue
        row = {c: columns[c][row_number] for c in _JUDGED if c in columns}
        if has_value[row_number]:
            row["value"] = float(values[row_number])  # the float64 column, not its text parsed again
        verdict, form, truth = row_verdict(row, cases, standards)
        results.append((truth_text(truth), verdict, form))
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


def value_column(texts: list) -> tuple[np.ndarray, np.ndarray]:
    """(float64 of each value, whether the row has one): each value's text (Python's repr:
    -0.0, nan, inf exact) parsed once; NaN and False where no value was recorded (None, "")."""
    values = np.array([np.nan if v is None or v == "" else float(v) for v in texts], dtype=np.float64)
    return values, np.array([not (v is None or v == "") for v in texts], dtype=bool)


def _exact_rows(columns: dict, size: int, cases: dict, standards: dict, values: np.ndarray,
                has_value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(whether each row is `exact`, its quantity's truth text) with verdicts.judge's first test
    done as numpy over every row: an ok value whose bits are those of its exact, non-NaN truth
    rounded to the dtype, or a zero where that truth is a zero (either sign: a convention).
    The truth is computed once per quantity (verdicts.row_standard, the memo row_verdict uses)."""
    quantity, first = _groups([columns.get(c) for c in _QUANTITY], size)
    want = np.full(len(first), np.nan)
    texts = np.empty(len(first), dtype=object)
    for number, row_number in enumerate(first):
        row = {c: columns[c][row_number] for c in _QUANTITY if c in columns}
        truth = row_standard(row, cases, standards)[0]
        texts[number] = truth_text(truth)
        if truth is not None and truth.kind == "exact" and not math.isnan(truth.value):
            want[number] = round_to(truth.value, row.get("dtype", "float64"))
    row_want = want[quantity]
    same = (values.view(np.uint64) == row_want.view(np.uint64)) | ((values == 0.0) & (row_want == 0.0))
    ok = np.array(columns.get("outcome") or [None] * size, dtype=object) == "ok"
    return ok & has_value & same & ~np.isnan(row_want), texts[quantity]


def _groups(fields: list, size: int) -> tuple[np.ndarray, list]:
    """(group of each row, first row of each group) of the rows grouped by the exact values
    of `fields` (a field no row has: None), groups numbered in order of first appearance.
    A dict of the rows' key tuples, not pandas: a report does not import pandas for this
    (0.5 s and 35 MB)."""
    keys = zip(*(repeat(None, size) if values is None else _exact_values(values) for values in fields))
    number: dict = {}
    first: list = []
    group: list = []
    for row_number, key in enumerate(keys):
        found = number.get(key)
        if found is None:
            found = number[key] = len(first)
            first.append(row_number)
        group.append(found)
    return np.array(group, dtype=np.intp), first


def _exact_values(values: list):
    """The values, as keys whose equality is exact: text and ints as they are (the loader
    admits nothing else in a judged field); any float by its type and bits (verdicts._exact:
    -0.0 is not 0.0, and a float never meets the text that writes it)."""
    if set(map(type, values)) <= {str, int, type(None)}:
        return values
    return [(type(v), v.hex()) if type(v) is float else (type(v), v) for v in values]
