"""The findings of a run: what a person can act on, generated from the matrices.

A finding gathers the cells of one case and one framework that share a kind and
a detail, e.g. (wrong value, norm, jax, "NaN where a valid value exists"): one
finding, one maintainer to tell. It names the modes, dtypes, devices and points
it holds for. Kinds, most severe first:

    wrong value            verdict `invalid`: NaN/inf where a derivative exists,
                           a value outside the Clarke set, a wrong value or sign
    different subgradient  valid values, but frameworks pick different ones
    definitional           the value of a documented alternative form of the op
    convention             a zero's sign apart from the per-framework majority,
                           no gradient (None), a subnormal input read as 0
    precision              last bits apart from the majority, or `imprecise`

Every finding keeps one representative cell: its repro snippet goes on the case's
page (report_pages), linked from the findings table.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from crossgrad.core import run_folder
from crossgrad.reporting import repro
from crossgrad.reporting.report_text import col_label, escaped, fenced, table

KINDS = ("wrong value", "different subgradient", "definitional", "convention", "precision")


@dataclass
class Finding:
    kind: str
    case: str
    detail: str
    framework: str = ""
    cells: list = field(default_factory=list)  # (dtype, matrix row, column), report order
    ident: str = ""

    @property
    def first(self) -> tuple:
        return self.cells[0]

    def link(self) -> str:
        return f"{run_folder.case_page(self.case)}#{self.ident.lower()}"


def cell_findings(mrow, col, row) -> list[tuple[str, str]]:
    """(kind, detail) of every finding one cell belongs to."""
    verdict, outcome = row.get("verdict", ""), row.get("outcome", "")
    cause = mrow.verdict.causes.get(col)
    found = []
    if verdict == "invalid":
        found.append(("wrong value", _wrong(row, mrow.truth)))
    elif verdict == "definitional":
        found.append(("definitional", f"matches the {row.get('form') or 'alternative'} form, not the truth"))
    elif verdict == "flushed":
        found.append(("convention", f"flush-to-zero: {row.get('form') or 'a subnormal read as 0'}"))
    elif outcome == "no_gradient":
        found.append(("convention", "no gradient: returns None where the others return a value"))
    elif verdict == "imprecise":
        found.append(("precision", "beyond the relative tolerance, within the absolute floor"))
    if cause == "subgradient":
        found.append(("different subgradient", "another subgradient than the per-framework majority"))
    elif verdict == "subgradient" and not mrow.verdict.odd and _subgradients_differ(mrow):
        found.append(("different subgradient", "frameworks pick different subgradients (no clear majority)"))
    elif cause == "sign of zero":
        found.append(("convention", "a zero of the other sign than the per-framework majority"))
    elif cause == "ulp" and verdict != "exact":  # an exact odd one: the others are the imprecise ones
        found.append(("precision", "last bits differ from the per-framework majority"))
    return found


def _subgradients_differ(mrow) -> bool:
    """Whether the row's valid subgradients are more than one number (a zero's sign aside)."""
    values = set()
    for row in mrow.cells.values():
        if row.get("verdict") == "subgradient":
            values.add(float(row.get("value")) + 0.0)  # + 0.0: -0.0 and 0.0 are one number
    return len(values) > 1


def _wrong(row, truth_text: str) -> str:
    value = row.get("value")
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is not None and math.isnan(number):
        return "NaN where a valid value exists"
    if number is not None and math.isinf(number):
        return "inf where a finite value is valid"
    if truth_text.startswith("["):
        return "a value outside the Clarke set"
    if number == 0.0:
        return "0 where the truth is not 0"
    return "a wrong value"


def findings(matrices: dict) -> list[Finding]:
    """Every finding of the matrices, most severe first, then in catalogue order; ids F1, F2, ..."""
    table: dict = {}
    case_order: list = []
    for (case, dtype), matrix in matrices.items():
        if case not in case_order:
            case_order.append(case)
        for mrow in matrix:
            for col, row in mrow.cells.items():
                for kind, detail in cell_findings(mrow, col, row):
                    key = (kind, case, detail, col[0])
                    table.setdefault(key, Finding(kind, case, detail, col[0])).cells.append((dtype, mrow, col))
    # frameworks in report order (cells are kept in column order)
    fw_order = list(dict.fromkeys(col[0] for m in matrices.values() for mrow in m for col in mrow.cells))
    ordered = sorted(table.values(), key=lambda f: (KINDS.index(f.kind), case_order.index(f.case), f.detail,
                                                    fw_order.index(f.framework)))
    for i, finding in enumerate(ordered, start=1):
        finding.ident = f"F{i}"
    return ordered


# --- the table ----------------------------------------------------------------


def who(finding: Finding, several_devices: bool) -> str:
    """"tensorflow (eager, graph); jax (compiled)": frameworks, each with its modes."""
    modes: dict = {}
    for _, _, (fw, mode, device) in finding.cells:
        label = f"{mode} {device}" if several_devices else mode
        modes.setdefault(fw, [])
        if label not in modes[fw]:
            modes[fw].append(label)
    return "; ".join(f"{fw} ({', '.join(ms)})" for fw, ms in modes.items())


def joined(items) -> str:
    return ", ".join(dict.fromkeys(str(i) for i in items if i not in (None, "")))


def findings_table(found: list[Finding], cols: list) -> str:
    several = len({c[2] for c in cols}) > 1
    head = ["#", "kind", "case", "what", "who (modes)", "dtypes", "devices", "points", "quantities", "repro"]
    body = [[f.ident, f.kind, f.case, f.detail, who(f, several), joined(c[0] for c in f.cells),
             joined(c[2][2] for c in f.cells), joined(c[1].key[0] for c in f.cells),
             joined("value" if c[1].key[1] == "none" else c[1].key[1] for c in f.cells),
             f"[snippet]({f.link()})"] for f in found]
    return table(head, body)


def seed_example(matrices: dict, found: list[Finding], cols: list) -> str:
    """The seed's kink, read from the run: relu at `kink`, the first reverse row
    whose values differ (cotangent -1 shows select vs multiply), else the first one."""
    matrix = next((m for (case, _), m in matrices.items() if case == "relu"), None)
    rows = [m for m in matrix or () if m.key[0] == "kink" and m.key[1] == "reverse"]
    if not rows:
        return ""
    mrow = next((m for m in rows if len(m.verdict.groups) > 1), rows[0])
    first = next(iter(mrow.cells.values()))
    point, _, seed, wrt, _ = mrow.key
    groups = []
    for group in mrow.verdict.groups:
        value = mrow.cells[group[0]].get("value")
        groups.append(f"`{value}` from {', '.join(col_label(c, cols) for c in group)}")
    refs = [f"[{f.ident}]({f.link()})" for f in found
            if any(m is mrow for _, m, _ in f.cells)]
    return (f"**The seed's kink** — relu(x*w + b) at x={first.get('x')}, w={first.get('w')}, "
            f"b={first.get('b')} (z = 0), reverse mode, cotangent {seed}, d/d{wrt} "
            f"(truth `{mrow.truth}`): " + "; ".join(groups) + "."
            + (f" Findings: {', '.join(refs)}." if refs else " Every framework agrees here."))


def snippet_block(finding: Finding, env: dict, cases: dict) -> str:
    """The finding's heading (with its anchor) and the repro snippet of its first cell."""
    dtype, mrow, col = finding.first
    fw, mode, device = col
    row = mrow.cells[col]
    point_name, ad, seed, wrt, index = mrow.key
    title = (f'<a id="{finding.ident.lower()}"></a>\n### {finding.ident} · {finding.kind}: {finding.detail}\n\n'
             f"{len(finding.cells)} cell(s); this one: {fw} {mode} {device}, `{point_name}` "
             f"{'value' if ad == 'none' else ad} {wrt}".rstrip() + (f", seed {seed}" if seed else "")
             + f", {dtype} → `{row.get('value') or row.get('outcome')}` (truth `{mrow.truth or '—'}`, "
             f"verdict {row.get('verdict') or '—'})")
    info = (env.get("frameworks") or {}).get(fw)
    spelling = info.get("spelling") if isinstance(info, dict) else None
    if not spelling or finding.case not in cases:
        return f"{title}\n\nNo snippet: {'no spelling for ' + fw + ' in env.json' if not spelling else 'case not in this catalogue'}."
    try:
        code = repro.case_snippet(cases[finding.case], fw, spelling, point_name, dtype, ad, wrt, seed, mode,
                                  recorded=str(row.get("value")), index=index)
    except (repro.SnippetError, OSError, TypeError, KeyError, SyntaxError, ValueError) as exc:
        return f"{title}\n\nNo snippet: {type(exc).__name__}: {escaped(exc)}"
    note = f"\nRecorded on {device}; the snippet runs on the CPU.\n" if device != "cpu" else ""
    return f"{title}\n{note}\n{fenced(code, 'python')}"
