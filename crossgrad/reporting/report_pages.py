"""One page per case, `cases/<case>.md` in the run folder: the case's findings with
their repro snippets, why its undefined points have no value, and its matrices
(every quantity x every column, each value as its repr, verdicts marked).

Links are relative, so the pages read on GitHub as in the folder."""
from __future__ import annotations

from crossgrad.core import run_folder
from crossgrad.judging import compare
from crossgrad.reporting.part import Part
from crossgrad.reporting.report_findings import snippet_block
from crossgrad.reporting.report_input import ReportInput
from crossgrad.reporting.report_text import code, col_label, distinct, escaped, prose, table

ODD_MARK = "◆"
ABBREV = {"exact": "✓", "close": "≈", "subgradient": "∈", "imprecise": "≈?", "flushed": "⁰",
          "definitional": "≡", "invalid": "✗", "undefined": "undef", "error": "error",
          "unavailable": "n/a", "unsupported": "n/a", "no_gradient": "None", "": ""}
LEGEND = ("Cells: value (repr) and verdict vs the truth: ✓ exact (bit-equal; where the truth is "
          "a zero, a zero of either sign), ≈ close (within the relative tolerance), ∈ subgradient "
          "(inside the Clarke set), ≈? imprecise (beyond close, within the absolute floor: "
          "cancellation), ⁰ flushed (right for the input with subnormals read as 0), ≡ definitional "
          "(matches an alternative form of the op, named in the findings), ✗ invalid (no convention "
          "explains it), undef (no valid value exists: see above). A NaN is followed by its bits where the "
          "row's NaNs differ in sign or payload. A cell without a value names its "
          "outcome and the id of its message under the report's Errors. "
          f"**Bold** {ODD_MARK} cause: the cell is outside the per-framework majority of its row, "
          "and why (subgradient, value, ±0, ulp, invalid).")
REPORT = f"../{run_folder.REPORT}"  # the link back from a page


def section(report: ReportInput) -> Part:
    """No markdown in report.md: the case pages, one file per case of the matrices."""
    return Part("", {run_folder.case_page(case): page for case, page in render_pages(report).items()})


def render_pages(report: ReportInput) -> dict[str, str]:
    """case -> the markdown of its page."""
    # Grouped by case once, in the matrices' and findings' own order (each page used to
    # scan all of them).
    matrices: dict = {}
    for (case, dtype), matrix in report.matrices.items():
        matrices.setdefault(case, []).append((dtype, matrix))
    found: dict = {}
    for finding in report.found:
        found.setdefault(finding.record.case, []).append(finding)
    return {case: render_page(case, matrices[case], report.cols, report.cases, found.get(case, []), report.errors)
            for case in distinct(matrices)}


def render_page(case, matrices, cols, cases, mine, errors) -> str:
    """The page of `case`: matrices its (dtype, matrix) pairs, mine its findings."""
    parts = [f"# {case}", "", f"[← report]({REPORT})"]
    if case in cases and cases[case].description:
        parts += ["", prose(cases[case].description)]
    parts += _agreement_only_note(cases.get(case))
    if mine:
        parts += ["", "## Findings", ""] + [snippet_block(f) + "\n" for f in mine]
    undefined = _undefined_lines(cases.get(case))
    if undefined:
        parts += ["", "## Where no valid value exists", ""] + undefined
    parts += ["", "## Matrices", "", LEGEND]
    for dtype, matrix in matrices:
        present = set().union(*(m.cells for m in matrix))
        mcols = [c for c in cols if c in present]
        text, used = matrix_table(matrix, mcols, errors)
        parts += ["", f"### {case} — {dtype}", "", _points_line(matrix), "", text, "",
                  _primitives(case, used, mcols, cases)]
    return "\n".join(parts).rstrip() + "\n"


def _agreement_only_note(case) -> list[str]:
    """A case that states no truth (a user's case) is judged by agreement alone: say so."""
    if case is None or any(p.value or p.d1 or p.d2 for p in case.points):
        return []
    return ["", "No truth is stated for this case: its values are compared for agreement only "
            "(the row verdict), none is judged against mathematics."]


def _undefined_lines(case) -> list[str]:
    lines = []
    for p in case.points if case is not None else ():
        for label, truth in (("value", p.value), ("d1", p.d1), ("d2", p.d2)):
            if truth is not None and truth.kind == "undefined":
                lines.append(f"- `{p.name}` (z = {p.z!r}) {label}: {escaped(truth.reason or 'no reason stated')}")
    return lines


def _points_line(matrix) -> str:
    seen = {}
    for m in matrix:
        if m.key[0] in seen:
            continue
        row = next(iter(m.cells.values()))
        # schema 2 leaves a vector argument out of the rows: it is in points.jsonl, once
        seen[m.key[0]] = tuple(row.get(n) or "(a vector: points.jsonl)" for n in ("x", "w", "b"))
    return "Points: " + "; ".join(f"`{p}` x={x}, w={w}, b={b}" for p, (x, w, b) in seen.items())


def matrix_table(matrix, mcols, errors) -> tuple[str, dict]:
    """(the table, framework -> the primitives its cells used, in order of first use). One
    row per quantity element; consecutive elements of a vector quantity that show alike
    (truth, every cell, verdict) share one row whose index says "first–last"."""
    used_by_fw: dict = {}
    # a dict per framework, shared by its columns: filled as the cells are made (_cells), in
    # the order of the cells (compare.build_matrices puts a row's cells in column order)
    used = [used_by_fw.setdefault(col[0], {}) for col in mcols]
    indexed = any(m.key[4] for m in matrix)
    head = ["point", "ad", "seed", "wrt"] + (["index"] if indexed else []) + ["truth"]
    head += [col_label(c, mcols) for c in mcols] + ["row verdict"]
    body, last = [], None
    for m in matrix:
        point, ad, seed, wrt, index = m.key
        shown = [f"`{m.truth}`" if m.truth else "—", *_cells(m, mcols, errors, used), _row_verdict(m.verdict)]
        if indexed and last == ((point, ad, seed, wrt), index - 1, shown):
            body[-1][4] = f"{body[-1][4].split('–')[0]}–{index}"
        else:
            body.append([point, "value" if ad == "none" else ad, seed, wrt]
                        + ([str(index)] if indexed else []) + shown)
        last = ((point, ad, seed, wrt), index, shown)
    return table(head, body), used_by_fw


def _cells(m, mcols, errors, used) -> list[str]:
    """The cells of one matrix row, in the columns `mcols` (this runs per cell: a catalogue
    has 261,000; the row's NaN bits and odd columns are looked at only where they matter).
    Each cell's primitive is noted in `used` (one dict per column of mcols), read while
    its row is at hand."""
    cell_of, odd = m.cells.get, m.verdict.odd
    nan_bits = None  # whether the row's NaNs differ in their bits: asked at its first NaN
    out = []
    for col, primitives in zip(mcols, used):
        row = cell_of(col)
        if row is None:
            out.append("")
            continue
        get = row.get
        primitives[get("primitive")] = None
        value = get("value")
        if value is None or value == "":  # no value: say which outcome, and where its detail is
            ref = errors.get((get("outcome"), get("detail") or ""), "")
            out.append(f"{get('outcome') or 'error'} {ref}".strip())
            continue
        verdict = get("verdict", "")
        text = f"`{value}`" if isinstance(value, str) else f"`{float(value)!r}`"
        if text == "`nan`":
            if nan_bits is None:
                nan_bits = _nan_payloads_differ(m)
            if nan_bits:
                text += f" {get('bits')}"  # repr writes every NaN alike: the bits tell them apart
        if odd and col in odd:
            cause = m.verdict.causes.get(col, "")
            text = f"**{text}** {ODD_MARK} {cause.replace('sign of zero', '±0')}".rstrip()
        out.append(text + _MARKS[verdict])
    return out


class _Marks(dict):
    """verdict -> what follows a cell's value: a space and its abbreviation (ABBREV), nothing
    for a verdict abbreviated to ""; each made once, at its first cell (one concatenation per
    cell then, not a format and a strip)."""

    def __missing__(self, verdict) -> str:
        mark = self[verdict] = f" {ABBREV.get(verdict, verdict)}".rstrip()
        return mark


_MARKS = _Marks()


def _nan_payloads_differ(m) -> bool:
    """Whether the row's NaNs differ in their bits (sign or payload)."""
    return len({r.get("bits") for r in m.cells.values() if str(r.get("value")) == "nan"}) > 1


def _row_verdict(v: compare.RowVerdict) -> str:
    label = v.label
    if v.label == compare.ERRORED and v.values_label != compare.ALL_AGREE:
        label = f"{v.label}; others {v.values_label}"
    if v.values_label != compare.ALL_AGREE and not v.odd and len(v.groups) > 1:
        label += " (no clear majority)"
    return label


def _primitives(case, used, mcols, cases) -> str:
    """used: framework -> the primitives its cells used, in order of first use (matrix_table)."""
    parts = []
    for fw in distinct(c[0] for c in mcols):
        prims = distinct(used.get(fw, ()))
        native = case in cases and fw in (cases[case].native or {})
        note = " (the case's native override for this framework)" if native else ""
        parts.append(f"{fw}: {', '.join(code(p) for p in prims) or 'not recorded'}{note}")
    return "Primitives used — " + "; ".join(parts)
