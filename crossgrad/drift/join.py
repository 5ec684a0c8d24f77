"""Lining up the quantities of two sides (runs, or devices of one run) and naming each change.

A quantity's key is (framework, mode, device, dtype, case, point, ad, seed, wrt,
index); with `--by device` the device is what differs, so it leaves the key.
pandas joins the two sides on the key (an outer join: a quantity on one side
only is a finding too); each joined line then gets one category, worst first
(crossgrad.judging.difference, which the report's cpu-vs-gpu section shares):

    verdict worse   today's verdict of B is worse than of A (exact -> invalid, ok -> error)
    outcome         the outcome changed otherwise (error -> ok, unsupported -> unavailable)
    value           both have values whose bits differ beyond the last bits
    sign of zero    both are zeros of opposite sign
    last bits       at most LAST_BITS_ULPS units in the last place apart, at the dtype
    nan payload     both NaN, other bits (a NaN's sign or payload changed)
    only in A/B     the quantity exists on one side only
    same            the same value (crossgrad.core.same_value: -0.0 differs from 0.0), and
                    for NaNs the same recorded bits (a NaN's payload counts: nan payload)

Verdicts are computed afresh for both sides by today's verdict code
(`current_verdicts`), so a change of verdict is a change of value or outcome,
never of the code that judged it; the verdicts recorded at the time are kept
beside them.
"""
from __future__ import annotations

import pandas as pd

from crossgrad.catalogue import installed_cases
from crossgrad.core.rows import RowKey, seed_text
from crossgrad.core.same_value import parse_value
from crossgrad.judging.difference import change, ulps
from crossgrad.judging.judge import judge

KEY = RowKey._fields
SIDE_COLUMNS = ("framework_version", "device", "value", "bits", "outcome", "verdict", "recorded_verdict", "detail",
                "primitive", "truth")


def current_verdicts(frame: pd.DataFrame, cases: dict) -> pd.DataFrame:
    """`truth` and `verdict` of every row by today's verdict code (one place to repoint)."""
    table = judge({column: frame[column].tolist() for column in frame.columns}, cases)
    return pd.DataFrame({"truth": table.column("truth"), "verdict": table.column("verdict")}, index=frame.index)


def prepare(gradients: pd.DataFrame, cases: dict | None = None) -> pd.DataFrame:
    """A side's rows with `seed` (the tangent of forward rows, else the cotangent),
    an integer index, the recorded verdict kept apart, today's truth and verdict
    (judged against `cases`, the catalogue in use; None: the installed catalogue)."""
    frame = gradients.copy()
    for column in ("cotangent", "tangent", "detail", "primitive", "verdict", "truth", "framework_version", "bits"):
        if column not in frame:
            frame[column] = ""
    frame["seed"] = [seed_text({"ad": ad, "tangent": t, "cotangent": c})
                     for ad, t, c in zip(frame["ad"], frame["tangent"], frame["cotangent"])]
    frame["index"] = pd.to_numeric(frame["index"], errors="coerce").fillna(0).astype(int)
    frame["recorded_verdict"] = frame["verdict"]
    if len(frame):
        frame[["truth", "verdict"]] = current_verdicts(frame, installed_cases() if cases is None else cases)
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
    # Each side's value text read once; the floats go to ulps and to the category.
    va, vb = ([parse_value(v) for v in joined[f"value_{side}"]] for side in ("a", "b"))
    joined["ulps"] = [ulps(a, b, dt) for a, b, dt in zip(va, vb, joined["dtype"])]
    joined["category"] = [category(r, a, b) for r, a, b in zip(joined.to_dict("records"), va, vb)]
    return joined.drop(columns="_merge"), duplicates


def category(line: dict, value_a: float | None, value_b: float | None) -> str:
    """The one category of a joined line (module doc), worst first; its values as read
    (parse_value of value_a, value_b)."""
    if line["_merge"] == "left_only":
        return "only in A"
    if line["_merge"] == "right_only":
        return "only in B"
    a, b = ({k: line[f"{k}_{side}"] for k in ("verdict", "outcome", "bits")} for side in ("a", "b"))
    a["number"], b["number"] = value_a, value_b
    return change(a, b, line["dtype"])
