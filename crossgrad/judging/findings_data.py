"""A run's findings as data: typed records and findings.csv (issue 20 item 5), so a CI
job or a maintainer's script reads them without parsing markdown.

One record per finding: the judged rows of one category, case, framework, point,
derivative and wrt, with the modes, devices and dtypes it holds for. Categories,
most severe first (SEVERITY: a higher number is more severe):

    wrong value        verdict `invalid` (a NaN a standard defines dropped included)
    mode divergence    the framework's own modes give other bits (crossgrad.judging.divergence)
    device divergence  the framework's own devices give other bits
    definitional       the value of a documented alternative form of the op
    convention         a subnormal read as 0, no gradient (None)
    error              the framework raised, crashed or timed out
    precision          `imprecise`
    nan payload        a mode or device pair whose NaNs differ in sign or payload only

Input: annotated gradient rows (dicts with verdict and truth; crossgrad.judging.verdicts.annotate).
"""
from __future__ import annotations

import csv
import io
from dataclasses import astuple, dataclass, fields
from typing import Callable

from crossgrad.judging.divergence import Divergence, divergences

SEVERITY = {"wrong value": 8, "mode divergence": 7, "device divergence": 7, "definitional": 5,
            "convention": 4, "error": 3, "precision": 2, "nan payload": 1}
ERROR_OUTCOMES = ("error", "crashed", "timeout")
SHOWN = 4  # distinct values a record lists


@dataclass(frozen=True)
class FindingRecord:
    """One row of findings.csv (the column names are the field names)."""

    id: str
    severity: int
    category: str
    case: str
    point: str
    framework: str
    modes: str
    devices: str
    dtypes: str
    wrt: str
    values: str
    truth: str
    summary: str
    snippet: str = ""


COLUMNS = tuple(f.name for f in fields(FindingRecord))


def row_category(row: dict) -> str:
    """The category one judged row belongs to ("" : no finding)."""
    verdict, outcome = row.get("verdict", ""), row.get("outcome", "")
    if outcome in ERROR_OUTCOMES:
        return "error"
    if outcome == "no_gradient" or verdict == "flushed":
        return "convention"
    return {"invalid": "wrong value", "definitional": "definitional", "imprecise": "precision"}.get(verdict, "")


def _joined(values) -> str:
    return ", ".join(dict.fromkeys(str(v) for v in values if str(v) != ""))


def _shown(values) -> str:
    distinct = list(dict.fromkeys(str(v) for v in values))
    more = f" (+{len(distinct) - SHOWN} more)" if len(distinct) > SHOWN else ""
    return "; ".join(distinct[:SHOWN]) + more


def _quantity(row) -> str:
    what = f"{row.get('ad', '')} {row.get('wrt', '')}".strip()
    return what if row.get("ad") == "none" else f"{what}[{row.get('index', 0)}]"


def _group(items, key: Callable) -> dict:
    groups: dict = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def _row_summary(category: str, rows: list[dict]) -> str:
    first = rows[0]
    where = f"{first['case']}/{first['point']} {_quantity(first)}"
    if category == "error":
        return f"{first['framework']} {first.get('outcome')}: {where}: {first.get('detail', '')}"[:300]
    got = _shown(r.get("value", "") for r in rows)
    form = f" ({first['form']})" if first.get("form") else ""
    return f"{first['framework']} {category}{form}: {where} gives {got} where the truth is {first.get('truth') or '?'}"


def _row_records(rows: list[dict]) -> list[tuple[str, list[dict]]]:
    judged = [(row_category(r), r) for r in rows]
    key = lambda cr: (cr[0], cr[1].get("case"), cr[1].get("framework"), cr[1].get("point"), cr[1].get("ad"),
                      cr[1].get("wrt"))
    return [(k[0], [r for _, r in group]) for k, group in _group([cr for cr in judged if cr[0]], key).items()]


def _divergence_category(d: Divergence) -> str:
    return "nan payload" if d.payload_only else f"{d.axis} divergence"


def _divergence_summary(category: str, found: list[Divergence]) -> str:
    d = found[0]
    pairs = _shown(f"{x.reference} {x.reference_value} ({x.reference_bits}), {x.other} {x.other_value} ({x.other_bits})"
                   for x in found)
    what = "NaN payload" if category == "nan payload" else "bits"
    return (f"{d.framework} {d.other} differs from {d.framework} {d.reference} ({what}): "
            f"{d.case}/{d.point} {d.ad} {d.wrt}".rstrip() + f": {pairs}")


def finding_records(rows: list[dict], snippet: Callable | None = None) -> list[FindingRecord]:
    """Every finding of the annotated rows, most severe first, ids F001, F002, ...
    `snippet(category, items)` -> text or a path ("" : none): the rows of a row
    finding, the Divergences of a divergence; None: no snippets."""
    drafts = []
    for category, group in _row_records(rows):
        first = group[0]
        drafts.append((category, group, dict(
            case=first["case"], point=first["point"], framework=first["framework"],
            modes=_joined(r.get("mode") for r in group), devices=_joined(r.get("device") for r in group),
            dtypes=_joined(r.get("dtype") for r in group), wrt=str(first.get("wrt", "")),
            values=_shown(r.get("value", "") for r in group), truth=str(first.get("truth", "")),
            summary=_row_summary(category, group))))
    for axis in ("mode", "device"):
        found = divergences(rows, axis)
        key = lambda d: (_divergence_category(d), d.framework, d.reference, d.other, d.case, d.point, d.ad, d.wrt)
        for k, group in _group(found, key).items():
            d = group[0]
            modes = [d.reference, d.other] if axis == "mode" else [d.held]
            devices = [d.held] if axis == "mode" else [d.reference, d.other]
            drafts.append((k[0], group, dict(
                case=d.case, point=d.point, framework=d.framework, modes=_joined(modes), devices=_joined(devices),
                dtypes=_joined(x.dtype for x in group), wrt=d.wrt,
                values=_shown(f"{x.reference_value} -> {x.other_value}" for x in group), truth=d.truth,
                summary=_divergence_summary(k[0], group))))
    drafts.sort(key=lambda dr: (-SEVERITY[dr[0]], dr[2]["case"], dr[2]["framework"], dr[2]["point"]))
    return [FindingRecord(f"F{i:03d}", SEVERITY[category], category, snippet=(snippet(category, items) if snippet else ""),
                          **fields_) for i, (category, items, fields_) in enumerate(drafts, 1)]


def findings_csv(records: list[FindingRecord]) -> str:
    """findings.csv's text: a header of COLUMNS, one line per record (csv quoting: a
    snippet's newlines stay inside its field)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(astuple(r) for r in records)
    return out.getvalue()
