"""A run folder as one typed table: `crossgrad.load_run` (issue 19, item 1).

crossgrad.core.run_folder reads the files (any schema version, partial or complete,
every field checked against its rule) as text exactly as written; this module types
that text once, so no reader of a run parses a value again:

gradients (one row per recorded scalar), keyed by the RowKey fields:
    framework, mode, device, dtype, case, point, ad, wrt   category
    seed                     str      the quantity's seed, canonical (RowKey.seed: "1.0", "-1.0",
                                      "" for the primal value)
    index                    int64    the element of a vector quantity (0: a scalar)
    value                    float64  the recorded value (NaN also where none was recorded:
                                      `bits` is <NA> there)
    bits                     UInt64   the value's bit pattern at the dtype's own width, as
                                      recorded (a NaN's sign and payload kept), or worked out
                                      from the value for a folder that lacks it: the value's
                                      identity under the one rule (crossgrad.core.same_value:
                                      bits identify a value, -0.0 and 0.0 differ, all NaN
                                      patterns are one class, kept here to be shown; for other
                                      values these bits and `value`'s float64 bits tell the same
                                      values apart, widening being exact); <NA> where no value
                                      was recorded
    outcome, verdict         category (verdict: "" for a run never finished)
    truth                    str      the truth as written ("-3.0", "[-1.0, 0.0]", "±0.0", ...)
    truth_kind               category exact, set, undefined; "" where no truth is stated
    truth_value              float64  an exact truth (NaN otherwise)
    truth_signed             boolean  whether an exact truth's sign of zero is part of it ("±0.0": no)
    truth_lo, truth_hi       float64  a set's ends (NaN otherwise)
    cotangent, tangent       Float64  (nullable: <NA> where empty)
    schema_version           int64
    framework_version, detail, primitive   str
    x, w, b                  str      the inputs as written (a vector's elements as a list; empty
                                      where points.jsonl holds a vector point's inputs)
timings (one row per timing combination, timings.csv's columns):
    n, samples, inner_loops, bytes_moved, flop          Int64
    first_call_s, median_s, iqr_s, min_s, cores_busy,
    gradient_primal_ratio, bandwidth_bytes_per_s, flop_per_s   Float64
    noisy                    boolean
    break_even_calls         Float64 (inf: "never")
    the other columns        str (framework ... as category)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossgrad.core import run_folder
from crossgrad.core.dtypes import FACTS, as_dtype, facts
from crossgrad.core.rows import TIMING_FLOATS, TIMING_INTS

KEY_CATEGORIES = ("framework", "mode", "device", "dtype", "case", "point", "ad", "wrt")
NULLABLE_FLOATS = ("cotangent", "tangent")
TIMING_CATEGORIES = ("framework", "device", "dtype", "mode", "workload", "phase", "outcome")
_UINT = {16: np.uint16, 32: np.uint32, 64: np.uint64}


@dataclass
class RunTable(run_folder.LoadedRun):
    """A run folder loaded once, typed: gradients and timings as the module docstring says
    (run_folder.LoadedRun's fields and status; LoadedRun itself holds the checked text they come from)."""


def load_run(path) -> RunTable:
    """Read a run folder of any schema version this crossgrad knows, typed (public API:
    crossgrad.load_run; the columns and their dtypes are this module's docstring).
    Raises crossgrad.core.run_folder.NotARunFolder for a path that is not a run folder and
    crossgrad.core.records.RecordFormatError for an unknown schema or a field that breaks its rule."""
    text = run_folder.load_run(path)
    return RunTable(text.path, typed_gradients(text.gradients), typed_timings(text.timings), text.env,
                    text.manifest, text.schema_version, text.notes)


def typed_gradients(frame):
    """gradients.csv's text (crossgrad.core.run_folder.load_run) as typed columns."""
    import pandas as pd

    frame = frame.copy()
    for column in ("detail", "primitive", "truth", "verdict", "framework_version", "tangent", "cotangent",
                   "bits", "x", "w", "b"):
        if column not in frame:
            frame[column] = ""  # a run never finished has no truth nor verdict; schema 1 may lack bits
    text_value = frame["value"].astype(str)
    seeds = frame["tangent"].where(frame["ad"] == "forward", frame["cotangent"]).astype(str)
    frame["seed"] = seeds.map({s: ("" if s == "" else repr(float(s))) for s in seeds.unique()})
    frame["value"] = floats(text_value)
    frame["bits"] = value_bits(frame["value"], frame["dtype"], frame["bits"].astype(str), text_value != "")
    frame["index"] = pd.to_numeric(frame["index"].replace("", "0")).astype("int64")
    frame["schema_version"] = pd.to_numeric(frame["schema_version"]).astype("int64")
    for column in NULLABLE_FLOATS:
        frame[column] = nullable_floats(frame[column].astype(str))
    frame = frame.join(truth_columns(frame["truth"].astype(str)))
    for column in KEY_CATEGORIES + ("outcome", "verdict"):
        frame[column] = frame[column].astype(str).astype("category")
    return frame


def floats(text) -> np.ndarray:
    """float64 of each repr text ("-0.0", "nan", "inf" exact); NaN where the text is empty."""
    return text.where(text != "", "nan").to_numpy(dtype=str).astype(np.float64)


def nullable_floats(text):
    """A nullable Float64 column: <NA> where the text is empty, NaN where it says nan."""
    import pandas as pd

    empty = (text == "").to_numpy()
    return pd.arrays.FloatingArray(floats(text), empty)


def value_bits(values, dtypes, recorded, has_value):
    """UInt64 bit patterns at each dtype's width: the recorded "0x..." where there is one,
    else the value's own (rounded to its dtype exactly as the worker wrote it); <NA> where
    no value was recorded."""
    import pandas as pd

    out = np.zeros(len(values), dtype=np.uint64)
    known = (recorded != "").to_numpy()
    out[known] = [int(b, 16) for b in recorded[known]]
    dtype_of = dtypes.astype(str).to_numpy()
    need = ~known & has_value.to_numpy()
    for dtype in np.unique(dtype_of[need]):
        rows = need & (dtype_of == dtype)
        width = facts(dtype).width if dtype in FACTS else 64
        typed = as_dtype(values.to_numpy()[rows], dtype) if dtype in FACTS else values.to_numpy()[rows]
        out[rows] = typed.view(_UINT[width]).astype(np.uint64)
    return pd.arrays.IntegerArray(out, ~has_value.to_numpy())


def truth_columns(truth):
    """truth_kind, truth_value, truth_signed, truth_lo, truth_hi of each truth text
    (crossgrad.judging.truth.truth_text writes them), parsed once per distinct text."""
    import pandas as pd

    parsed = {text: _truth_fields(text) for text in truth.unique()}
    columns = pd.DataFrame([parsed[t] for t in truth], index=truth.index,
                           columns=["truth_kind", "truth_value", "truth_signed", "truth_lo", "truth_hi"])
    columns["truth_kind"] = columns["truth_kind"].astype("category")
    columns["truth_signed"] = columns["truth_signed"].astype("boolean")
    for column in ("truth_value", "truth_lo", "truth_hi"):
        columns[column] = columns[column].astype(np.float64)
    return columns


def _truth_fields(text: str) -> tuple:
    nan = float("nan")
    if text == "":
        return ("", nan, None, nan, nan)
    if text == "undefined":
        return ("undefined", nan, None, nan, nan)
    if text == "±0.0":
        return ("exact", 0.0, False, nan, nan)
    if text.startswith("[") and text.endswith("]"):
        lo, hi = (float(end) for end in text[1:-1].split(","))
        return ("set", nan, None, lo, hi)
    return ("exact", float(text), True, nan, nan)


def typed_timings(frame):
    """timings.csv's text as typed columns (module docstring); an empty frame stays empty."""
    import pandas as pd

    if frame.empty:
        return frame
    frame = frame.copy()
    for column in TIMING_INTS:
        if column in frame:
            frame[column] = pd.array([None if t == "" else int(t) for t in frame[column]], dtype="Int64")
    for column in TIMING_FLOATS + ("break_even_calls",):
        if column in frame:
            text = frame[column].astype(str).replace("never", "inf")
            frame[column] = nullable_floats(text)
    if "noisy" in frame:
        frame["noisy"] = pd.array([{"True": True, "False": False}.get(t) for t in frame["noisy"]], dtype="boolean")
    if "schema_version" in frame:
        frame["schema_version"] = pd.to_numeric(frame["schema_version"]).astype("int64")
    for column in TIMING_CATEGORIES:
        if column in frame:
            frame[column] = frame[column].astype(str).astype("category")
    return frame
