"""A history's findings: what changed at which release, worst first, one line each.

A finding groups the changed quantities of one case that changed at the same
release step in the same category; its example is the first of them in the
table's order (crossgrad.history.table), with the values before and after as
recorded and the verdicts of both releases.
"""
from __future__ import annotations

from dataclasses import dataclass

from crossgrad.history.table import RANK, History, shown

WHAT = {"verdict worse": "the verdict got worse", "outcome": "the outcome changed", "value": "the value changed",
        "sign of zero": "the sign of a zero changed", "last bits": "the last bits changed",
        "only in A": "no longer recorded", "only in B": "recorded for the first time"}


@dataclass(frozen=True)
class Finding:
    framework: str
    since: str  # the release where it changed
    before: str  # the release before
    case: str
    category: str
    quantities: int
    example: str  # "kink float32 reverse wrt w seed -1.0"
    value_before: str
    value_after: str
    verdict_before: str
    verdict_after: str

    def sentence(self) -> str:
        return (f"since {self.framework} {self.since} (from {self.before}), {self.case}: {WHAT[self.category]} "
                f"in {self.quantities} quantit{'y' if self.quantities == 1 else 'ies'}; e.g. {self.example}: "
                f"{self.value_before} → {self.value_after} (verdict {self.verdict_before or '-'} → "
                f"{self.verdict_after or '-'})")


def quantity_label(line: dict) -> str:
    seed = f" seed {line['seed']}" if line.get("seed") else ""
    wrt = f" wrt {line['wrt']}" if line.get("wrt") else ""
    index = f" [{line['index']}]" if int(line.get("index") or 0) else ""
    return f"{line['point']} {line['dtype']} {line['ad']}{wrt}{seed}{index}"


def findings(history: History) -> list[Finding]:
    if history.steps.empty:
        return []
    versions = [r.version for r in history.measured]
    key = [c for c in history.steps.columns if c not in ("category", "step", "since")]
    lines = history.changes.set_index(key)
    out = []
    for (since, case, category), group in history.steps.groupby(["since", "case", "category"], sort=False):
        first = group.iloc[0]
        line = dict(lines.loc[tuple(first[k] for k in key)]) | {k: first[k] for k in key}
        before = versions[versions.index(since) - 1]
        out.append(Finding(history.framework, since, before, case, category, len(group), quantity_label(line),
                           shown(line, before), shown(line, since), line.get(f"verdict {before}", ""),
                           line.get(f"verdict {since}", "")))
    order = {v: i for i, v in enumerate(versions)}
    return sorted(out, key=lambda f: (RANK[f.category], order[f.since], f.case))
