"""A run's findings as data, the one source of report.md's Findings, the case pages'
snippets and findings.csv (issue 20 item 5), so a CI job or a maintainer's script
reads them without parsing markdown and both say the same.

A finding gathers the judged rows of one category, case, framework and detail,
e.g. (wrong value, norm, jax, "NaN where a valid value exists"): one finding, one
maintainer to tell. It names the points, modes, devices, dtypes and inputs it holds
for. Categories, most severe first (SEVERITY: a higher number is more severe):

    wrong value            verdict `invalid`: NaN/inf where a derivative exists, a value
                           outside the Clarke set, a number where a standard says NaN
    mode divergence        the framework's own modes give other bits, whatever the truth
                           allows (crossgrad.judging.divergence): "torch compiled differs
                           from torch eager"
    device divergence      the framework's own devices give other bits
    different subgradient  valid values, but frameworks pick different ones
    definitional           the value of a documented alternative form of the op
    convention             a zero's sign apart from the per-framework majority, no
                           gradient (None), a subnormal input read as 0
    error                  the framework raised, crashed or timed out
    precision              `imprecise`, or last bits apart from the majority
    nan payload            a mode or device pair whose NaNs differ in sign or payload only

Input: judged gradient rows (crossgrad.judging.judge) arranged as
matrices (crossgrad.judging.compare.build_matrices: the per-framework vote).
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import astuple, dataclass, field, fields, replace
from itertools import chain
from typing import Callable

from crossgrad.judging.cell_findings import TEXT_TYPES, gather_cells
from crossgrad.judging.compare import MODE_ORDER
from crossgrad.judging.divergence import Divergence, all_divergences

SEVERITY = {"wrong value": 8, "mode divergence": 7, "device divergence": 7, "different subgradient": 6,
            "definitional": 5, "convention": 4, "error": 3, "precision": 2, "nan payload": 1}
CATEGORIES = tuple(SEVERITY)  # most severe first
SHOWN = 4  # distinct values a record lists


@dataclass(frozen=True)
class FindingRecord:
    """One row of findings.csv (the column names are the field names). point, modes,
    devices, dtypes and wrt list what the finding holds for, comma-separated."""

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


@dataclass
class Finding:
    """A record with what it was made of: `items`, the judged rows (dicts) of a row
    finding or the Divergences of a divergence, in report order; `detail`, the
    record's summary without the framework; `snippet_note`, why it has no snippet."""

    record: FindingRecord
    items: list = field(default_factory=list)
    detail: str = ""
    snippet_note: str = ""

    @property
    def anchor(self) -> str:
        return self.record.id.lower()


# --- gathering -------------------------------------------------------------------------


def _joined(values) -> str:
    return ", ".join(dict.fromkeys(str(v) for v in _first_seen(values) if v not in (None, "")))


def _first_seen(values) -> list:
    """values without repeats, in order, where that changes no text: all text (a float -0.0
    equals 0.0 as a key): a finding's thousands of rows hold a few points, modes, dtypes."""
    values = list(values)
    return list(dict.fromkeys(values)) if TEXT_TYPES.issuperset(map(type, values)) else values


def _shown(values) -> str:
    distinct = list(dict.fromkeys(str(v) for v in _first_seen(values)))
    more = f" (+{len(distinct) - SHOWN} more)" if len(distinct) > SHOWN else ""
    return "; ".join(distinct[:SHOWN]) + more


def _modes(values) -> str:
    found = list(dict.fromkeys(v for v in _first_seen(values) if v))
    return ", ".join(sorted(found, key=lambda m: MODE_ORDER.index(m) if m in MODE_ORDER else len(MODE_ORDER)))


def _quantity(ad: str, wrt: str) -> str:
    return "the value" if ad == "none" else f"{ad} d/d{wrt}" if wrt else ad


def _row_draft(category: str, detail: str, rows: list[dict]) -> dict:
    first = rows[0]
    kinds = [(r.get("ad", ""), r.get("wrt", "")) for r in rows]
    if TEXT_TYPES.issuperset(map(type, chain.from_iterable(kinds))):  # then equal pairs, equal texts
        kinds = list(dict.fromkeys(kinds))
    quantities = _joined(_quantity(ad, wrt) for ad, wrt in kinds)
    return dict(case=first["case"], point=_joined([r.get("point") for r in rows]), framework=first["framework"],
                modes=_modes([r.get("mode") for r in rows]), devices=_joined([r.get("device") for r in rows]),
                dtypes=_joined([r.get("dtype") for r in rows]), wrt=_joined([r.get("wrt") for r in rows]),
                values=_shown(_row_value(r, category) for r in rows),
                truth=_shown([r.get("truth") or "—" for r in rows]),
                summary=f"{first['framework']}: {detail}, in {quantities}")


def _row_value(row: dict, category: str) -> str:
    value = row.get("value") or row.get("outcome", "")
    return f"{value} ({row.get('bits')})" if category == "nan payload" else str(value)


def _pair_value(d: Divergence, with_point: bool) -> str:
    where = f"{d.point}: " if with_point else ""
    if d.reference_value == d.other_value:  # NaN and NaN: only the bits tell them apart
        return f"{where}{d.reference_value} ({d.reference_bits}) -> {d.other_value} ({d.other_bits})"
    return f"{where}{d.reference_value} -> {d.other_value}"


def _divergence_draft(category: str, detail: str, found: list[Divergence]) -> dict:
    d = found[0]
    sides = [d.reference] + [x.other for x in found]  # the two sides compared
    held = [x.held for x in found]  # the other axis: the devices of a mode pair
    quantities = _joined(_quantity(x.ad, x.wrt) for x in found)
    several = len({x.point for x in found}) > 1  # then each value says its point
    return dict(case=d.case, point=_joined(x.point for x in found), framework=d.framework,
                modes=_modes(sides if d.axis == "mode" else held),
                devices=_joined(sides if d.axis == "device" else held),
                dtypes=_joined(x.dtype for x in found), wrt=_joined(x.wrt for x in found),
                values=_shown(_pair_value(x, several) for x in found), truth=_shown(x.truth or "—" for x in found),
                summary=f"{d.framework} {detail}, in {quantities}")


def _divergence_category(d: Divergence) -> str:
    return "nan payload" if d.payload_only else f"{d.axis} divergence"


def _divergence_detail(d: Divergence) -> str:
    what = ", a NaN's payload or sign only" if d.payload_only else ""
    return f"{d.other} differs from {d.framework} {d.reference}{what}"


def findings(rows: list[dict], matrices: dict, found_divergences: dict | None = None) -> list[Finding]:
    """Every finding of the annotated rows (`matrices`: compare.build_matrices of the
    same rows; `found_divergences`: divergence.all_divergences of them, computed here when
    not given), most severe first, then in catalogue order; ids F001, F002, ...
    Records carry no snippet yet (crossgrad.reporting.findings_file adds them)."""
    gathered: dict = defaultdict(list)
    case_order, fw_order = gather_cells(matrices, gathered)
    found_divergences = all_divergences(rows) if found_divergences is None else found_divergences
    for axis in ("mode", "device"):
        for d in found_divergences[axis]:
            gathered[_divergence_category(d), d.case, d.framework, _divergence_detail(d)].append(d)
    case_rank = {c: i for i, c in reversed(list(enumerate(case_order)))}
    fw_rank = {f: i for i, f in enumerate(fw_order)}
    keys = sorted(gathered, key=lambda k: (-SEVERITY[k[0]], case_rank.get(k[1], len(case_rank)), k[1], k[3],
                                           fw_rank.get(k[2], len(fw_rank)), k[2]))
    out = []
    for i, key in enumerate(keys, start=1):
        category, detail, items = key[0], key[3], gathered[key]
        draft = (_divergence_draft if isinstance(items[0], Divergence) else _row_draft)(category, detail, items)
        out.append(Finding(FindingRecord(f"F{i:03d}", SEVERITY[category], category, **draft), items, detail))
    return out


def with_snippets(found: list[Finding], snippet: Callable) -> list[Finding]:
    """The findings with each record's snippet: `snippet(finding)` -> (code, note)
    (code "" where none can be written, and the note says why)."""
    out = []
    for f in found:
        code, note = snippet(f)
        out.append(Finding(replace(f.record, snippet=code), f.items, f.detail, note))
    return out


def findings_csv(records: list[FindingRecord]) -> str:
    """findings.csv's text: a header of COLUMNS, one line per record (csv quoting: a
    snippet's newlines stay inside its field)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(astuple(r) for r in records)
    return out.getvalue()
