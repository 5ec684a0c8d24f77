"""crossgrad.load_run (crossgrad.core.run_table): a run folder as typed frames, each value
parsed once, its bits the identity (issue 19, item 1). Expected values come from the
folder's own text read independently (csv) and from IEEE 754, never from the loader."""
from __future__ import annotations

import csv
import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest

import crossgrad
from crossgrad.core.run_table import RunTable, load_run

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "results" / "sample"
RUN_A = ROOT / "tests" / "fixtures" / "drift" / "run-a"


@pytest.fixture(scope="module")
def sample() -> RunTable:
    return load_run(SAMPLE)


def csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_crossgrad_load_run_is_the_typed_loader():
    run = crossgrad.load_run(RUN_A)
    assert isinstance(run, RunTable) and run.status == "complete"
    assert str(run.gradients["value"].dtype) == "float64" and str(run.gradients["bits"].dtype) == "UInt64"


def test_columns_have_their_documented_dtypes(sample):
    g = sample.gradients
    for column in ("framework", "mode", "device", "dtype", "case", "point", "ad", "wrt", "outcome", "verdict",
                   "truth_kind"):
        assert str(g[column].dtype) == "category", column
    assert {str(g[c].dtype) for c in ("value", "truth_value", "truth_lo", "truth_hi")} == {"float64"}
    assert str(g["index"].dtype) == "int64" and str(g["cotangent"].dtype) == "Float64"
    assert str(g["truth_signed"].dtype) == "boolean"
    t = sample.timings
    assert str(t["median_s"].dtype) == "Float64" and str(t["n"].dtype) == "Int64"
    assert str(t["noisy"].dtype) == "boolean"


def test_every_value_and_its_bits_are_the_text_as_written(sample):
    rows = csv_rows(SAMPLE / "gradients.csv")
    g = sample.gradients
    assert len(rows) == len(g)
    for row, value, bits in zip(rows, g["value"], g["bits"]):
        if row["value"] == "":
            assert bits is pd_na() and math.isnan(value)
            continue
        expected = float(row["value"])
        assert struct.pack("<d", value) == struct.pack("<d", expected) or (math.isnan(value) and math.isnan(expected))
        if row["bits"]:
            assert int(bits) == int(row["bits"], 16)


def test_bits_worked_out_from_the_value_match_the_recorded_ones(sample, tmp_path):
    """A folder without the bits column (as schema 1 could be) gets the same identity."""
    copy = tmp_path / "nobits"
    copy.mkdir()
    for name in ("manifest.json", "env.json"):
        (copy / name).write_bytes((SAMPLE / name).read_bytes())
    rows = csv_rows(SAMPLE / "gradients.csv")
    with open(copy / "gradients.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, [c for c in rows[0] if c != "bits"], lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: v for k, v in r.items() if k != "bits"} for r in rows)
    derived = load_run(copy).gradients["bits"]
    recorded = sample.gradients["bits"]
    finite = ~np.isnan(sample.gradients["value"].to_numpy())  # a NaN's payload is in its bits only
    assert (derived[finite] == recorded[finite]).all()
    assert derived.isna().equals(recorded.isna())


def test_a_negative_zero_differs_from_zero_by_its_bits_only(sample):
    g = sample.gradients
    zeros = g[g["value"] == 0.0]
    negative = np.signbit(zeros["value"].to_numpy())
    assert negative.any() and (~negative).any()
    assert set(zeros.loc[negative, "bits"].astype(int)).isdisjoint(zeros.loc[~negative, "bits"].astype(int))


def test_truth_columns_say_what_the_truth_text_says(sample):
    g = sample.gradients
    for text, kind, value, signed, lo, hi in zip(g["truth"], g["truth_kind"], g["truth_value"], g["truth_signed"],
                                                 g["truth_lo"], g["truth_hi"]):
        if text.startswith("["):
            assert kind == "set" and [lo, hi] == json.loads(text.replace("inf", "Infinity"))
        elif text == "undefined":
            assert kind == "undefined" and math.isnan(value)
        elif text == "±0.0":
            assert kind == "exact" and value == 0.0 and not signed
        else:
            assert kind == "exact" and signed and struct.pack("<d", value) == struct.pack("<d", float(text))


def test_the_seed_is_the_row_keys(sample):
    from crossgrad.core.rows import seed_text

    rows = csv_rows(SAMPLE / "gradients.csv")
    assert list(sample.gradients["seed"]) == [seed_text(r) for r in rows]


def pd_na():
    import pandas as pd

    return pd.NA
