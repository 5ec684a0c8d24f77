"""The report's device section: what one framework computes differently on cpu and gpu.

Every quantity a framework computed on the cpu and on another device, in the
same mode and dtype, is compared bit for bit and put in one category
(crossgrad.judging.difference: verdict worse, outcome, value, sign of zero,
last bits, same). The table counts them per framework, mode and device; the
examples list the differences that are not last bits, worst first, with the
values as recorded (repr: -0.0 and NaN kept). A run on one device has no section.

`crossgrad compare RUN --by device` gives the same comparison as CSV, with
repro snippets.
"""
from __future__ import annotations

from collections import Counter

from crossgrad.core.pairs import pair_rows
from crossgrad.core.rows import RowKey
from crossgrad.judging.compare import columns
from crossgrad.judging.difference import CATEGORIES, change
from crossgrad.reporting.part import Part
from crossgrad.reporting.report_input import ReportInput
from crossgrad.reporting.report_text import table

BASE = "cpu"
SHOWN = ("verdict worse", "outcome", "value", "sign of zero", "last bits", "nan payload", "same")
EXAMPLES = 20


def device_pairs(rows: list[dict]) -> list[tuple[dict, dict, str]]:
    """(cpu row, other device's row, category) of every quantity on both."""
    pairs = pair_rows(rows, ("device",), lambda r: r.get("device") == BASE,
                      lambda r: r.get("device") not in (BASE, None, ""))
    return [(cpu, row, change(cpu, row, row.get("dtype", ""))) for cpu, row in pairs]


def section(report: ReportInput) -> Part:
    """The CPU and GPU section of report.md (nothing on one device)."""
    if all(device in (BASE, "") for _, _, device in report.cols):  # every row's device, as text
        return Part()  # one device: no row to pair, and no need to look at each to know it
    return Part(device_section(report.rows).strip())


def device_section(rows: list[dict]) -> str:
    """Markdown of the section ("" when the run has one device)."""
    pairs = device_pairs(rows)
    if not pairs:
        return ""
    counts: dict = {}
    for _, other, category in pairs:
        counts.setdefault(RowKey.of(other).column(), Counter())[category] += 1
    order = [c for c in columns(rows) if c in counts]
    body = [[fw, mode, device, str(sum(counts[c].values()))] + [str(counts[c][k] or "") for k in SHOWN]
            for c in order for fw, mode, device in [c]]
    differ = _groups(p for p in pairs if p[2] not in ("same", "last bits", "nan payload"))
    lines = ["## CPU and GPU", "",
             f"Each quantity a framework computed on {BASE} and on another device, in the same mode and dtype, "
             "compared bit for bit: how many are the same, and how the others differ (last bits: at most 8 "
             "units in the last place apart, an op's rounding rather than another formula).", "",
             table(["framework", "mode", "device", "on both", *SHOWN], body), ""]
    if differ:
        shown = min(EXAMPLES, len(differ))
        lines += [f"Differences beyond the last bits, by case, point and dtype ({len(differ)} groups, worst first; "
                  f"{'all' if shown == len(differ) else f'the first {shown}'}), each with one of its quantities:", "",
                  table(["framework", "mode", "device", "case", "point", "dtype", "kind", "quantities",
                         "e.g.", BASE, "other device"],
                        [_example(group) for group in differ[:EXAMPLES]]), ""]
    else:
        lines += ["No difference beyond the last bits.", ""]
    return "\n".join(lines)


def _groups(pairs) -> list[list[tuple[dict, dict, str]]]:
    """The differing pairs grouped by where and what (framework, mode, device,
    case, point, dtype, kind), worst kind first, then in the run's order."""
    groups: dict = {}
    for cpu, other, kind in pairs:
        key = RowKey.of(other)
        where = (key.framework, key.mode, key.device, key.case, key.point, key.dtype, kind)
        groups.setdefault(where, []).append((cpu, other, kind))
    return sorted(groups.values(), key=lambda g: CATEGORIES.index(g[0][2]))


def _example(group: list[tuple[dict, dict, str]]) -> list[str]:
    cpu, other, kind = group[0]
    key = RowKey.of(other)
    what = "value" if key.ad == "none" else f"{key.ad} {key.wrt}[{key.index}] seed {key.seed}"
    return [key.framework, key.mode, key.device, key.case, f"`{key.point}`", key.dtype, kind, str(len(group)),
            what, _shown(cpu), _shown(other)]


def _shown(row: dict) -> str:
    value = row.get("value")
    text = "no value" if value in (None, "") else f"`{value if isinstance(value, str) else repr(value)}`"
    return f"{text} {row.get('outcome', '')}" if row.get("outcome") not in ("ok", None) else text
