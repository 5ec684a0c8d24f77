"""The study's CSV files: their names and columns in one place, written from the gathered rows.

Floats are written with repr (nan, inf and -0.0 read back exactly); an empty
field is a value a failed task never produced (its `outcome` says why).
The volume's 95% interval is Wilson's score interval (scipy.stats.binomtest).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

FILES = {"kinks": "kinks.csv", "volume": "volume.csv", "zeros": "zeros.csv", "training": "training.csv",
         "divergence": "divergence.csv"}
LABELS = ["framework", "version", "mode", "dtype"]
TAIL = ["outcome", "detail"]
COLUMNS = {
    "kinks": LABELS + ["variant", "z", "value", "derivative"] + TAIL,
    "volume": LABELS + ["sweep", "depth", "width", "batch", "draws", "differ", "low", "high", "differ_w1",
                        "zeros", "relu_inputs", "zero_fraction", "seconds"] + TAIL,
    "zeros": LABELS + ["variant", "seed", "epoch", "zeros", "relu_inputs", "fraction"] + TAIL,
    "training": LABELS + ["variant", "relu_prime_0", "seed", "epoch", "steps", "train_loss", "test_loss",
                          "test_accuracy"] + TAIL,
    "divergence": ["dtype", "seed", "framework_a", "variant_a", "framework_b", "variant_b",
                   "first_differing_step", "epoch", "steps", "identical", "relative_distance"],
}


def wilson(k: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval of k successes in n draws."""
    from scipy.stats import binomtest

    interval = binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="wilson")
    return float(interval.low), float(interval.high)


def volume_rows(rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        if row.get("outcome") == "ok":
            low, high = wilson(row["differ"], row["draws"])
            row = dict(row, low=low, high=high, zero_fraction=row["zeros"] / row["relu_inputs"])
        out.append(row)
    return out


def zeros_rows(training: list[dict]) -> list[dict]:
    """zeros.csv: the training rows' count of relu inputs exactly 0, per epoch."""
    keep = [c for c in COLUMNS["zeros"] if c != "fraction"]
    return [dict({k: r.get(k) for k in keep},
                 fraction=r["zeros"] / r["relu_inputs"] if r.get("outcome") == "ok" else None) for r in training]


def with_relu_prime(training: list[dict], kinks: list[dict]) -> list[dict]:
    """Each training row with its variant's measured derivative at +0.0 (kinks.csv)."""
    measured = {(k["framework"], k["dtype"], k["variant"]): k["derivative"]
                for k in kinks if k.get("outcome") == "ok" and k["z"] == "0.0"}
    return [dict(r, relu_prime_0=measured.get((r["framework"], r["dtype"], r.get("variant")), ""))
            for r in training]


def _cell(value):
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else value


def write(out: Path, name: str, rows: list[dict]) -> Path:
    frame = pd.DataFrame([{c: _cell(r.get(c)) for c in COLUMNS[name]} for r in rows], columns=COLUMNS[name])
    path = out / FILES[name]
    frame.to_csv(path, index=False)
    return path


def read(out: Path, name: str) -> pd.DataFrame:
    """A table back (the report and the tests read the CSVs, never the rows in memory)."""
    return pd.read_csv(out / FILES[name], keep_default_na=False, na_values=[""])
