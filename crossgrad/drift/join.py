"""Lining up the quantities of two sides (runs, or devices of one run) and naming each change.

A quantity's key is (framework, mode, device, dtype, case, point, ad, seed, wrt,
index); with `--by device` the device is what differs, so it leaves the key.
pandas joins the two sides on the key (an outer join: a quantity on one side
only is a finding too); each joined line then gets one category, worst first:

    verdict worse   today's verdict of B is worse than of A (exact -> invalid, ok -> error)
    outcome         the outcome changed otherwise (error -> ok, unsupported -> unavailable)
    value           both have values whose bits differ beyond the last bits
    sign of zero    both are zeros of opposite sign
    last bits       at most LAST_BITS_ULPS units in the last place apart, at the dtype
    only in A/B     the quantity exists on one side only
    same            bit for bit the same (NaN equals NaN, -0.0 differs from 0.0)

Verdicts are computed afresh for both sides by today's verdict code
(`current_verdicts`), so a change of verdict is a change of value or outcome,
never of the code that judged it; the verdicts recorded at the time are kept
beside them.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from crossgrad.catalogue import cases
from crossgrad.core.rows import RowKey, seed_text
from crossgrad.judging.compare import bit_key, SEVERITY
from crossgrad.judging.truth import as_float
from crossgrad.judging.verdicts import annotate

KEY = RowKey._fields
# Up to this many units in the last place apart (at the dtype): an op's rounding
# (a fused multiply-add, another vector width), not a different formula.
LAST_BITS_ULPS = 8
CATEGORIES = ("verdict worse", "outcome", "value", "sign of zero", "last bits", "only in A", "only in B", "same")
CHANGES = CATEGORIES[:-1]
SIDE_COLUMNS = ("framework_version", "device", "value", "outcome", "verdict", "recorded_verdict", "detail",
                "primitive", "truth")


def current_verdicts(frame: pd.DataFrame) -> pd.DataFrame:
    """`truth` and `verdict` of every row by today's verdict code (one place to repoint)."""
    rows = frame.to_dict("records")
    annotate(rows, cases())
    return pd.DataFrame({"truth": [r["truth"] for r in rows], "verdict": [r["verdict"] for r in rows]},
                        index=frame.index)


def prepare(gradients: pd.DataFrame) -> pd.DataFrame:
    """A side's rows with `seed` (the tangent of forward rows, else the cotangent),
    an integer index, the recorded verdict kept apart, today's truth and verdict."""
    frame = gradients.copy()
    for column in ("cotangent", "tangent", "detail", "primitive", "verdict", "truth", "framework_version"):
        if column not in frame:
            frame[column] = ""
    frame["seed"] = [seed_text({"ad": ad, "tangent": t, "cotangent": c})
                     for ad, t, c in zip(frame["ad"], frame["tangent"], frame["cotangent"])]
    frame["index"] = pd.to_numeric(frame["index"], errors="coerce").fillna(0).astype(int)
    frame["recorded_verdict"] = frame["verdict"]
    if len(frame):
        frame[["truth", "verdict"]] = current_verdicts(frame)
    return frame


def join(a: pd.DataFrame, b: pd.DataFrame, key: tuple = KEY) -> tuple[pd.DataFrame, int]:
    """The outer join of two prepared sides on `key`, each line categorised;
    and how many duplicate keys were dropped (a key recorded twice in one run)."""
    key = list(key)
    cols = key + [c for c in SIDE_COLUMNS if c not in key]
    left, right = a[cols], b[cols]
    duplicates = int(left.duplicated(key).sum() + right.duplicated(key).sum())
    left, right = left.drop_duplicates(key), right.drop_duplicates(key)
    joined = left.merge(right, on=key, how="outer", suffixes=("_a", "_b"), indicator=True)
    joined = joined.fillna({c: "" for c in joined.columns if c.endswith(("_a", "_b"))})
    joined["ulps"] = [ulps(va, vb, dt) for va, vb, dt in zip(joined["value_a"], joined["value_b"], joined["dtype"])]
    joined["category"] = [category(r) for r in joined.to_dict("records")]
    return joined.drop(columns="_merge"), duplicates


def category(line: dict) -> str:
    """The one category of a joined line (module doc), worst first."""
    if line["_merge"] == "left_only":
        return "only in A"
    if line["_merge"] == "right_only":
        return "only in B"
    if worse(line["verdict_a"], line["verdict_b"]):
        return "verdict worse"
    va, vb = _float(line["value_a"]), _float(line["value_b"])
    if line["outcome_a"] != line["outcome_b"] or (va is None) != (vb is None):
        return "outcome"
    if va is None or bit_key(va) == bit_key(vb):
        return "same"
    if va == 0.0 and vb == 0.0:  # == on purpose: both zeros, bits differ, so the signs do
        return "sign of zero"
    distance = line["ulps"]
    return "last bits" if distance is not None and distance <= LAST_BITS_ULPS else "value"


def worse(verdict_a: str, verdict_b: str) -> bool:
    """Whether B's verdict ranks below A's (crossgrad.judging.compare.SEVERITY: worst first).
    An empty verdict (no truth stated) ranks with nothing."""
    if not verdict_a or not verdict_b or verdict_a == verdict_b:
        return False
    rank = {v: i for i, v in enumerate(SEVERITY)}
    return rank.get(verdict_b, len(rank)) < rank.get(verdict_a, len(rank))


def _float(text) -> float | None:
    return None if text in ("", None) else as_float(text)


def _int_dtypes(dtype: str):
    """(float type, signed int type of the same width) of a dtype name."""
    if dtype == "bfloat16":
        import ml_dtypes

        return ml_dtypes.bfloat16, np.int16
    return {"float64": (np.float64, np.int64), "float32": (np.float32, np.int32),
            "float16": (np.float16, np.int16)}.get(dtype, (np.float64, np.int64))


def ulps(text_a, text_b, dtype: str) -> int | None:
    """Units in the last place between two values at `dtype`, from their bits;
    None where either is missing or not finite (NaN, inf: no distance)."""
    a, b = _float(text_a), _float(text_b)
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return None
    ftype, itype = _int_dtypes(dtype)
    ia, ib = (_ordered(np.array([v], dtype=ftype).view(itype)[0]) for v in (a, b))
    return abs(ia - ib)


def _ordered(bits) -> int:
    """Sign-magnitude bits as an integer line: -0.0 and +0.0 are neighbours 1 apart,
    every float's neighbour is 1 away."""
    value = int(bits)
    width = bits.dtype.itemsize * 8
    return value if value >= 0 else -(value + (1 << (width - 1))) - 1
