"""Lining up two sides' timings.csv rows and flagging what moved beyond the noise.

Rows line up on their key (core.rows.TimingKey: framework, device, dtype, mode,
workload, n, phase, gradient API), the device leaving the key with `--by
device`. The ratio is B's median over A's. A row is flagged only where the
difference of the medians exceeds the IQR of both sides: inside either side's
own spread it is noise, whatever the ratio says.
Absolute times from different machines are not a framework's doing: the table
says so (`machines`).
"""
from __future__ import annotations

import pandas as pd

from crossgrad.core.rows import TimingKey
from crossgrad.core.same_value import parse_value
from crossgrad.reporting.report_text import escaped, table

TIMING_KEY = TimingKey._fields
TIMING_SIDE = ("framework_version", "device", "median_s", "iqr_s", "outcome", "threads")


def join_timings(a: pd.DataFrame, b: pd.DataFrame, key: tuple = TIMING_KEY) -> pd.DataFrame:
    """Rows timed on both sides, with ratio and flag; empty when either side has none."""
    if a.empty or b.empty:
        return pd.DataFrame()
    key = [k for k in key if k in a and k in b]
    cols = key + [c for c in TIMING_SIDE if c not in key]
    left = _ok(a)[[c for c in cols if c in a]].drop_duplicates(key)
    right = _ok(b)[[c for c in cols if c in b]].drop_duplicates(key)
    joined = left.merge(right, on=key, suffixes=("_a", "_b"))
    if joined.empty:
        return joined
    for side in ("a", "b"):
        for column in ("median_s", "iqr_s"):
            # a timing is written as a value is (records.fmt): the one reading of its text
            joined[f"{column}_{side}"] = pd.Series([parse_value(v) for v in joined[f"{column}_{side}"]],
                                                   index=joined.index, dtype=float)
    joined["ratio"] = joined["median_s_b"] / joined["median_s_a"]
    difference = (joined["median_s_b"] - joined["median_s_a"]).abs()
    joined["flagged"] = (difference > joined["iqr_s_a"]) & (difference > joined["iqr_s_b"])
    return joined


def _ok(frame: pd.DataFrame) -> pd.DataFrame:
    """Measured rows only: a failed timing has no median to compare."""
    if "outcome" not in frame:
        return frame
    return frame[frame["outcome"].isin(["ok", ""])]


def _flagged_line(r: dict) -> list:
    device = r.get("device") or f"{r.get('device_a')}→{r.get('device_b')}"
    api = escaped(r.get("api")) if isinstance(r.get("api"), str) else ""  # pandas reads an empty cell as NaN
    return [r["framework"], r["workload"], r["n"], r["phase"], api, r["mode"], device, r.get("dtype", ""),
            repr(r["median_s_a"]), repr(r["median_s_b"]), f"{r['ratio']:.3g}", repr(r["iqr_s_a"]), repr(r["iqr_s_b"])]


def timing_lines(joined: pd.DataFrame, machines: str, cap: int = 40) -> list[str]:
    """Markdown: the flagged rows first (largest departure from 1 first), then a count."""
    if joined.empty:
        return ["No timing rows line up (a side took no timings, or none in common)."]
    label = {"same": "same machine kind: absolute times comparable",
             "different": "DIFFERENT MACHINES: absolute times and their ratios reflect the machines, "
                          "not only the frameworks"}[machines]
    flagged = joined[joined["flagged"]].copy()
    flagged["departure"] = (flagged["ratio"].apply(lambda r: max(r, 1 / r) if r > 0 else float("inf")))
    flagged = flagged.sort_values("departure", ascending=False)
    out = [f"{len(joined)} timing rows line up; {len(flagged)} differ beyond both sides' IQR ({label}).", ""]
    if flagged.empty:
        return out
    head = ["framework", "workload", "N", "phase", "gradient API", "mode", "device", "dtype", "median A (s)",
            "median B (s)", "B/A", "IQR A", "IQR B"]
    out.append(table(head, [_flagged_line(r) for r in flagged.head(cap).to_dict("records")]))
    if len(flagged) > cap:
        out.append(f"\n{len(flagged) - cap} more flagged rows in compare-timings.csv.")
    return out
