"""The history table: each quantity across a framework's releases, and what changed when.

Releases are sorted oldest first; each step (one release to the next measured
one) is a `crossgrad compare` join (crossgrad.drift.join.join: the same key and
the same categories, crossgrad.judging.difference), so "changed" means here what
it means in compare. A quantity changed when any step's category is not `same`;
its category is its worst step's, its first change the release of its first such
step. Releases whose adapter did not start take no part (they measured nothing);
a quantity `unavailable` on either side of a step (a spelling that release lacks)
is not compared across it: that is an API's history, listed apart, not a convention's.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crossgrad.drift.join import KEY, join
from crossgrad.history.load import NOT_STARTED, Release, version_key
from crossgrad.judging.difference import CATEGORIES

RANK = {c: i for i, c in enumerate(CATEGORIES)}  # worst first; "same" last
UNAVAILABLE = "unavailable"  # the outcome of a spelling a release lacks (crossgrad.adapter.UnavailableSpelling)


@dataclass
class History:
    framework: str
    releases: list  # every Release, oldest first (those that did not start too)
    measured: list  # the Releases that take part, oldest first
    changes: pd.DataFrame  # one line per changed quantity: KEY, per release value/outcome/verdict, steps
    steps: pd.DataFrame  # one line per changed quantity x step that changed: KEY, step, category
    unavailable: pd.DataFrame  # case x release: quantities whose spelling the release lacks (not compared)

    @property
    def step_labels(self) -> list[str]:
        return [step_label(a, b) for a, b in zip(self.measured, self.measured[1:])]


def step_label(a: Release, b: Release) -> str:
    return f"{a.version} → {b.version}"


def build(framework: str, releases: list[Release]) -> History:
    ordered = sorted(releases, key=lambda r: version_key(r.version))
    measured = [r for r in ordered if r.status != NOT_STARTED]
    key = [k for k in KEY]
    step_frames = []
    for a, b in zip(measured, measured[1:]):
        lines, _ = join(a.rows, b.rows)
        # A spelling one of the two releases lacks is an API difference, not a convention's:
        # that quantity is not compared across this step (History.unavailable lists them).
        lines = lines[(lines["category"] != "same") & ~unavailable_either(lines)][key + ["category"]].copy()
        lines["step"], lines["since"] = step_label(a, b), b.version
        step_frames.append(lines)
    steps = pd.concat(step_frames, ignore_index=True) if step_frames else pd.DataFrame(columns=key + ["category", "step", "since"])
    return History(framework, ordered, measured, wide(measured, steps, key), steps, unavailable_cases(measured))


def unavailable_either(lines: pd.DataFrame) -> pd.Series:
    return (lines["outcome_a"] == UNAVAILABLE) | (lines["outcome_b"] == UNAVAILABLE)


def unavailable_cases(measured: list[Release]) -> pd.DataFrame:
    """Per case and release, how many quantities are `unavailable` there (a spelling it lacks)."""
    frames = [r.rows[r.rows["outcome"] == UNAVAILABLE].groupby("case").size().rename(r.version) for r in measured]
    table = pd.concat(frames, axis=1).fillna(0).astype(int) if frames else pd.DataFrame()
    return table.loc[table.sum(axis=1) > 0] if len(table) else table


def wide(measured: list[Release], steps: pd.DataFrame, key: list) -> pd.DataFrame:
    """One line per changed quantity: each release's value (or outcome) and verdict,
    its first change and its worst category."""
    if steps.empty:
        return pd.DataFrame(columns=key + ["category", "first_changed"])
    first = steps.drop_duplicates(key)[key + ["since"]].rename(columns={"since": "first_changed"})
    worst = (steps.assign(rank=steps["category"].map(RANK)).sort_values("rank")
             .drop_duplicates(key)[key + ["category"]])
    out = first.merge(worst, on=key)
    for release in measured:
        side = release.rows.drop_duplicates(key)[key + ["value", "outcome", "verdict", "detail"]]
        side = side.rename(columns={c: f"{c} {release.version}" for c in ("value", "outcome", "verdict", "detail")})
        out = out.merge(side, on=key, how="left")
    out = out.fillna("")
    out["rank"] = out["category"].map(RANK)
    order = {r.version: i for i, r in enumerate(measured)}
    out["since_rank"] = out["first_changed"].map(order)
    return out.sort_values(["rank", "since_rank", "case", "point", "dtype", "ad", "wrt", "seed", "index"]) \
        .drop(columns=["rank", "since_rank"]).reset_index(drop=True)


def shown(line: dict, version: str) -> str:
    """A release's entry for a quantity: the value as recorded (repr text), else its outcome."""
    value, outcome = line.get(f"value {version}", ""), line.get(f"outcome {version}", "")
    if outcome in ("", None) and value in ("", None):
        return "(absent)"
    return value if outcome == "ok" and value != "" else outcome
