"""How two values of one quantity differ: one category per pair, worst first.

Used wherever two recordings of the same quantity meet: two runs or two
devices in `crossgrad compare` (crossgrad.drift.join), and cpu against gpu in
one run's report (crossgrad.reporting.report_devices).

    verdict worse   B's verdict is worse than A's (exact -> invalid, ok -> error)
    outcome         the outcome changed otherwise (error -> ok, a value -> none)
    value           both have values whose bits differ beyond the last bits
    sign of zero    both are zeros of opposite sign
    last bits       at most LAST_BITS_ULPS units in the last place apart, at the dtype
    nan payload     both NaN, with other bits at the dtype (a NaN's sign or payload changed)
    same            the same bits, or no value on either side

A side has `verdict`, `outcome`, `number` (the value as a float, None for no value: a judged
row's, crossgrad.judging.judge; drift's join parses a run's text once) and, where recorded, `bits`
(the value's bits at the dtype's width). "same" is the one rule of
crossgrad.core.same_value (every NaN is one class there); "nan payload" is finer than the
rule on purpose: two NaNs whose recorded bits differ are reported (without bits, as in a
run folder that left them out, NaN equals NaN).
"""
from __future__ import annotations

import math

import numpy as np

from crossgrad.core.same_value import same_value
from crossgrad.judging.summary import SEVERITY

# Up to this many units in the last place apart (at the dtype): an op's rounding
# (a fused multiply-add, another vector width), not a different formula.
LAST_BITS_ULPS = 8
CATEGORIES = ("verdict worse", "outcome", "value", "sign of zero", "last bits", "nan payload", "only in A", "only in B",
              "same")
CHANGES = CATEGORIES[:-1]


def change(a: dict, b: dict, dtype: str) -> str:
    """The category of side B against side A (module doc), worst first."""
    if worse(a.get("verdict", ""), b.get("verdict", "")):
        return "verdict worse"
    va, vb = a.get("number"), b.get("number")
    if a.get("outcome") != b.get("outcome") or (va is None) != (vb is None):
        return "outcome"
    if va is None:
        return "same"
    if math.isnan(va) and math.isnan(vb):
        return "nan payload" if _nan_bits_differ(a.get("bits"), b.get("bits")) else "same"
    if same_value(va, vb):
        return "same"
    if va == 0.0 and vb == 0.0:  # == on purpose: both zeros, bits differ, so the signs do
        return "sign of zero"
    distance = ulps(va, vb, dtype)
    return "last bits" if distance is not None and distance <= LAST_BITS_ULPS else "value"


def _nan_bits_differ(bits_a, bits_b) -> bool:
    """Whether two NaNs' recorded bits differ ("" on either side: not recorded, no claim)."""
    return bool(bits_a) and bool(bits_b) and str(bits_a).lower() != str(bits_b).lower()


def worse(verdict_a: str, verdict_b: str) -> bool:
    """Whether B's verdict ranks below A's (crossgrad.judging.summary.SEVERITY: worst first).
    An empty verdict (no truth stated) ranks with nothing."""
    if not verdict_a or not verdict_b or verdict_a == verdict_b:
        return False
    rank = {v: i for i, v in enumerate(SEVERITY)}
    return rank.get(verdict_b, len(rank)) < rank.get(verdict_a, len(rank))


def _int_dtypes(dtype: str):
    """(float type, signed int type of the same width) of a dtype name."""
    if dtype == "bfloat16":
        import ml_dtypes

        return ml_dtypes.bfloat16, np.int16
    return {"float64": (np.float64, np.int64), "float32": (np.float32, np.int32),
            "float16": (np.float16, np.int16)}.get(dtype, (np.float64, np.int64))


def ulps(a: float | None, b: float | None, dtype: str) -> int | None:
    """Units in the last place between two values at `dtype`, from their bits;
    None where either is missing or not finite (NaN, inf: no distance)."""
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
