"""The two row types of a run folder, each defined once: its columns and its key.

A GradientRow is one recorded scalar element (records.jsonl, gradients.csv);
a TimingRow one measurement (timings.jsonl, timings.csv). Rows travel as plain
dicts (JSON lines, CSV, pandas frames), so the types are TypedDicts: the column
list of each file is read off the type, and a type checker sees every column
name. A row's identity is a NamedTuple built by `RowKey.of(row)` and
`TimingKey.of(row)`, the one place that says which columns identify a row and
how their text is made canonical ("1" and "1.0" name the same seed).
"""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple, TypedDict

# Version of the record format written to results/<run-id>/ (records.jsonl,
# gradients.csv, timings.csv). Bump when a column changes meaning or disappears.
# 2: a vector point's inputs are written once, in points.jsonl; its rows' x, w, b
#    columns are empty for a vector argument (1: every element row repeated them).
# 3: records.jsonl writes a vector quantity as one line, its elements' value and bits
#    listed (crossgrad.core.packed_rows); 2 wrote a line per element. The CSVs are 2's.
SCHEMA_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)  # what this crossgrad reads (crossgrad.core.run_folder.SCHEMA_RENAMES)

# The closed sets a row's labels come from (crossgrad.core.row_check refuses others).
AD_KINDS = ("none", "reverse", "forward", "second")  # none: the primal value
WRT = ("", "x", "w", "b")  # the input differentiated; "" for the primal value
OUTCOMES = ("ok", "error", "no_gradient", "unsupported", "unavailable", "crashed", "timeout")
VERDICTS = ("exact", "close", "subgradient", "imprecise", "flushed", "definitional", "invalid",
            "undefined", "error", "unavailable", "unsupported", "no_gradient")
RETIRED_VERDICTS = ("sign-of-zero",)  # written by earlier crossgrads (the H200 runs); still read


class RowLabels(TypedDict):
    """The columns both row types start with: which framework computed it, where, how."""

    schema_version: int
    framework: str
    framework_version: str
    device: str
    dtype: str
    mode: str


class GradientRow(RowLabels):
    """One scalar element of one recorded quantity, in gradients.csv's column order
    (RowLabels' columns first). Values are text as written: floats as Python's
    round-trip repr."""

    ad: str  # none (the primal value), reverse, forward, second
    case: str
    point: str
    cotangent: str  # the seed of reverse and second; "" otherwise
    tangent: str  # the seed of forward; "" otherwise
    wrt: str  # the input differentiated: x, w, b; "" for the primal value
    index: int  # the element of a vector quantity; 0 for a scalar
    value: str
    bits: str  # hex bit pattern at the dtype's own width (core.dtypes.bits)
    outcome: str  # ok, error, no_gradient, unsupported, unavailable, crashed, timeout
    detail: str
    primitive: str  # the framework call that computed it (its spelling)
    truth: str  # filled when the run is judged (crossgrad.judging.judge)
    verdict: str
    x: str
    w: str
    b: str


GRADIENT_COLUMNS = tuple(GradientRow.__annotations__)


def seed_text(row) -> str:
    """The seed of a row's quantity, canonical: the tangent of a forward row,
    else the cotangent, as repr(float) ("" for the primal value)."""
    seed = row.get("tangent") if row.get("ad") == "forward" else row.get("cotangent")
    if isinstance(seed, str):  # text keys its cache exactly (a float -0.0 would meet 0.0's entry)
        return _seed_of_text(seed)
    return "" if seed is None else repr(float(seed))


@lru_cache(maxsize=1024)
def _seed_of_text(seed: str) -> str:
    """A seed's canonical text: a run has a handful of seeds and millions of rows."""
    return "" if seed == "" else repr(float(seed))


class RowKey(NamedTuple):
    """The identity of a gradient row: which element of which quantity, computed
    by which framework how. The same columns key expectations entries and both
    sides of `crossgrad compare`."""

    framework: str
    mode: str
    device: str
    dtype: str
    case: str
    point: str
    ad: str
    seed: str
    wrt: str
    index: int

    @classmethod
    def of(cls, row) -> "RowKey":
        """The key of a row of any flavour (records.jsonl, CSV text, an expectation)."""
        get = row.get
        # tuple.__new__ (what _make does): a NamedTuple's own __new__ takes keywords, and this
        # runs for every row of a run, several times
        return tuple.__new__(cls, (str(get("framework") or ""), str(get("mode") or ""), str(get("device") or ""),
                                   str(get("dtype") or ""), str(get("case") or ""), str(get("point") or ""),
                                   str(get("ad") or ""), seed_text(row), str(get("wrt") or ""),
                                   int(get("index") or 0)))

    def quantity(self) -> "RowKey":
        """The key shared by every element of this row's quantity (index 0)."""
        # tuple.__new__ as in `of`: _replace goes through _make and a dict of keywords (several
        # times slower), and a check asks this of every row and every expectation
        return tuple.__new__(RowKey, self[:-1] + (0,))

    def column(self) -> tuple[str, str, str]:
        """Where the value was computed: a column of the report's matrices."""
        return (self.framework, self.mode, self.device)

    def element(self) -> tuple[str, str, str, str, int]:
        """What was computed, inside one (case, dtype) matrix: a row of it."""
        return (self.point, self.ad, self.seed, self.wrt, self.index)


class TimingRow(RowLabels):
    """One timing measurement (or a failed one), in timings.csv's column order
    (RowLabels' columns first); timings.csv adds TimingDerived's columns."""

    workload: str  # relu, dense, or copy (the bandwidth reference)
    n: int
    shape: str
    phase: str  # primal or gradient
    api: str  # the gradient API timed ("" for primal rows and an adapter's only one)
    threads: str
    compile_cache: str
    first_call_s: float  # as recorded: records.fmt's text; typed where read (crossgrad.timing.rows.typed)
    median_s: float
    iqr_s: float
    min_s: float
    samples: int
    inner_loops: int
    cores_busy: float
    noisy: str
    outcome: str
    detail: str


class TimingDerived(TypedDict):
    """Columns timings.csv derives from other rows of the same run."""

    gradient_primal_ratio: float
    bytes_moved: int
    bandwidth_bytes_per_s: float
    flop: int
    flop_per_s: float
    break_even_calls: int | str  # a count of calls, or "never"


TIMING_ROW_COLUMNS = tuple(TimingRow.__annotations__)
DERIVED_COLUMNS = tuple(TimingDerived.__annotations__)
TIMING_COLUMNS = TIMING_ROW_COLUMNS + DERIVED_COLUMNS
# A timing row's numbers (empty where there is none), by kind: what a reader types them as
# (crossgrad.timing.rows.typed for dict rows, crossgrad.core.run_table for load_run's frame).
TIMING_FLOATS = ("first_call_s", "median_s", "iqr_s", "min_s", "cores_busy", "gradient_primal_ratio",
                 "bandwidth_bytes_per_s", "flop_per_s")
TIMING_INTS = ("n", "samples", "inner_loops", "bytes_moved", "flop")


class TimingKey(NamedTuple):
    """The identity of a timing row."""

    framework: str
    device: str
    dtype: str
    mode: str
    workload: str
    n: str
    phase: str
    api: str

    @classmethod
    def of(cls, row) -> "TimingKey":
        return cls(*(str(row.get(name) or "") for name in cls._fields))
