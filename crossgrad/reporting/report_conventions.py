"""The conventions table: how each framework x mode (x device) forms what mathematics
leaves open, measured from the rows, never written by hand.

- zero gradients, per ad mode: at first order, a correct zero (verdict exact or
  subgradient) reached with a negative seed tells two rules apart. With d op/dz = 0, the
  framework either keeps the op's +0 (then only the chain rule's x of z = x*w + b
  signs d/dw) or multiplies the seed in (IEEE: seed * x * 0). A positive seed
  cannot tell them apart, so only negative seeds are counted, nor can a row where
  both rules give the same sign (forward mode, d/dw at x < 0). The rule belongs to
  each op's derivative, so the table names the cases that follow each rule; a case
  whose zeros are +0 in every row (no factor reaches them) is named so, and a case
  that follows each rule in some dtypes or points is "mixed", with where.
- second-order zeros: the signs of zero second derivatives (no rule fixes them).
- subnormals: at points whose input is subnormal in the dtype, whether values
  came back `flushed` (read as 0) or right.
- no gradient: how many quantities came back as None, and in which cases.
"""
from __future__ import annotations

import math
from itertools import compress, repeat

from crossgrad.judging.compare import column_of
from crossgrad.judging.truth import as_float, row_point, row_seed
from crossgrad.judging.verdicts import flushed_point
from crossgrad.reporting.part import Part
from crossgrad.reporting.report_input import ReportInput
from crossgrad.reporting.report_text import col_label, table
from crossgrad.reporting.row_groups import GroupKey, RowGroups, row_groups

KEEP, MULTIPLY, OTHER = "keeps +0", "follows the cotangent's sign", "other"
ALWAYS_PLUS, MIXED = "+0 whatever x and the seed", "mixed"  # a case's rows together (zero_rules)
INTRO = ("Measured from the rows. A zero first-order gradient reached with a negative "
         "seed shows whether the framework keeps the op's +0 (only x of z = x*w + b "
         "signs d/dw) or multiplies the seed in; these are conventions, not errors "
         "(the verdicts accept either sign of a zero truth). A case that gives +0 even where x "
         f"would sign it is \"{ALWAYS_PLUS}\"; one that follows each rule somewhere is "
         f"\"{MIXED}\", with the dtypes or points of each.")


def section(report: ReportInput) -> Part:
    """The Conventions section of report.md (nothing without gradient rows)."""
    if not report.rows:
        return Part()
    table = conventions_table(report.rows, report.cols, report.cases, row_groups(report))
    return Part("\n\n".join(["## Conventions", INTRO, table]))


def zero_rule(row: dict, cases: dict) -> str | None:
    """Which rule a zero first-order row follows (KEEP / MULTIPLY / OTHER), or None
    where the row cannot tell (not a correct zero, a positive seed, no point)."""
    # The checks on text first: most rows fail them, and then no value is parsed.
    if row.get("ad") not in ("reverse", "forward") or row.get("verdict") not in ("exact", "subgradient"):
        return None
    value = as_float(row.get("value"))
    if value is None or value != 0.0:  # most rows: the seed is not parsed
        return None
    seed = row_seed(row)
    if seed is None or seed >= 0:
        return None
    point = row_point(row, cases)
    if point is None:
        return None
    x = point.x
    if isinstance(x, tuple):  # a vector point: element `index` of x (forward mode sums them: no rule)
        if row.get("ad") != "reverse":
            return None
        x = x[int(row.get("index") or 0)] if len(x) > 1 else x[0]
    x_sign = math.copysign(1.0, x) if row.get("wrt") == "w" else 1.0
    keep, multiply = _predicted_signs(row["ad"], x_sign, math.copysign(1.0, seed))
    if keep == multiply:  # both rules give this zero's sign: the row cannot tell them apart
        return None
    sign = math.copysign(1.0, value)
    return KEEP if sign == keep else MULTIPLY if sign == multiply else OTHER


def _predicted_signs(ad: str, x_sign: float, seed_sign: float) -> tuple[float, float]:
    """The sign of the zero under each rule (KEEP, MULTIPLY), from where the factors
    meet the op's derivative. Reverse mode: the cotangent reaches the op first, then
    x multiplies its +0 (KEEP: x's sign; MULTIPLY: x's times the seed's). Forward
    mode: x and the tangent come first, and the op's +0 is the last factor (KEEP: +0;
    MULTIPLY: x's times the seed's), so at x < 0 with a negative tangent both give +0."""
    multiply = x_sign * seed_sign
    return (x_sign if ad == "reverse" else 1.0), multiply


def zero_rules(rows: list[dict], cases: dict, ad: str) -> str:
    """"keeps +0: relu, where; follows the cotangent's sign: abs": each rule met in
    `ad` mode with the cases that follow it. A case is named once: a case whose rows
    follow both rules is either +0 in every one (ALWAYS_PLUS) or mixed, with where
    each rule holds (the column pools dtypes and points: _case_rule)."""
    return _zero_rules(rows, len({r.get("case") for r in rows if r.get("ad") == ad}), cases, ad)


def _zero_rules(rows: list[dict], ran: int, cases: dict, ad: str) -> str:
    """zero_rules of `rows` (in run order; any row that cannot tell a rule may be left
    out), `ran` the number of cases run in `ad` mode."""
    places: dict = {}  # case -> rule -> the (dtype, point, sign of the zero)s that follow it
    for row in _zeros(rows):
        rule = zero_rule(row, cases) if row.get("ad") == ad else None
        if rule:
            sign = math.copysign(1.0, as_float(row.get("value")))
            places.setdefault(row.get("case"), {}).setdefault(rule, set()).add((row.get("dtype", ""),
                                                                                row.get("point", ""), sign))
    if not places:
        return "not measured"
    by_label: dict = {}  # what a case does -> how each case doing it is named
    for case, rules in places.items():
        label, text = _case_rule(case, rules)
        by_label.setdefault(label, []).append(text)
    if len(by_label) == 1 and MIXED not in by_label:
        rule, names = next(iter(by_label.items()))
        if len(names) == ran:
            return f"{rule} (all {ran} cases)" if ran > 1 else f"{rule} ({names[0]}, the one case run)"
        return f"{rule} ({len(names)} of the {ran} cases run: {', '.join(names)}; the others had no zero to judge)"
    labels = sorted(label for label in by_label if label != MIXED) + [MIXED] * (MIXED in by_label)
    return "; ".join(f"{label}: {', '.join(by_label[label])}" for label in labels)


def _case_rule(case: str, rules: dict) -> tuple[str, str]:
    """(label, text) of one case from its rules (rule -> its places): the one rule it
    follows; ALWAYS_PLUS where its rows follow both and every zero is +0 (a zero no
    factor reaches: jax's sign, mlx's relu_python; +0 at x < 0 in d/dw reads as the
    seed's sign, +0 elsewhere as kept); else MIXED, "relu (keeps +0 in float16, follows
    the cotangent's sign in float32/float64)"."""
    if len(rules) == 1:
        return next(iter(rules)), case
    if {sign for where in rules.values() for *_, sign in where} == {1.0}:
        return ALWAYS_PLUS, case
    return MIXED, f"{case} ({_split(rules)})"


def _split(rules: dict) -> str:
    """Where each rule holds for one case (rule -> its (dtype, point, sign)s): by dtype
    where no dtype follows two rules, else by point likewise, else by dtype and point
    (one of them then under both: its rows differ in wrt, seed or element)."""
    for axis, word in ((0, "in"), (1, "at")):
        sides = {rule: sorted({place[axis] for place in where}) for rule, where in sorted(rules.items())}
        if sum(map(len, sides.values())) == len(set().union(*map(set, sides.values()))):
            return ", ".join(f"{rule} {word} {'/'.join(side)}" for rule, side in sides.items())
    return ", ".join(f"{rule} at {'/'.join(sorted({f'{d} {p}' for d, p, _ in where}))}"
                     for rule, where in sorted(rules.items()))


def _zeros(rows: list[dict]) -> list[dict]:
    """The rows whose value is a zero, in order: each distinct value is parsed once (as_float),
    the rows picked in C (most rows of a run share a few hundred thousand value texts)."""
    values = list(map(dict.get, rows, repeat("value")))
    zero = {v for v in set(values) if (f := as_float(v)) is not None and f == 0.0}
    return list(compress(rows, map(zero.__contains__, values))) if zero else []


def _second_zeros(rows: list[dict]) -> str:
    signs = [math.copysign(1.0, as_float(r.get("value"))) for r in _zeros(rows) if r.get("ad") == "second"]
    if not signs:
        return "not measured"
    plus = sum(1 for s in signs if s > 0)
    return f"+0.0 ×{plus}, -0.0 ×{len(signs) - plus}"


# Verdicts that say nothing of how a subnormal input was read.
NOT_MEASURED = ("", "undefined", "error", "unavailable", "unsupported", "no_gradient")


class Subnormals:
    """Which inputs of the run are subnormal in their dtype, asked once per case and dtype
    (flushed_point of each of the case's points) for every column."""

    def __init__(self, cases: dict):
        self.cases, self.points = cases, {}

    def names(self, case_name, dtype: str) -> frozenset:
        """The names of the case's points with a subnormal input in dtype (case.point(name):
        the first point of a name, as rows are read)."""
        if (case_name, dtype) not in self.points:
            case = self.cases.get(case_name)
            names = dict.fromkeys(p.name for p in case.points) if case is not None else ()
            self.points[case_name, dtype] = frozenset(
                n for n in names if flushed_point(case, case.point(n), dtype) is not None)
        return self.points[case_name, dtype]

    def row_has(self, row: dict) -> bool:
        """Whether the row's input is subnormal (a row without a dtype reads as float64)."""
        return row.get("point") in self.names(row.get("case"), row.get("dtype", "float64"))

    def text(self, keys: list, groups: RowGroups) -> str:
        """How a column's values at subnormal inputs came back: "flushes (float16); keeps
        (float32)", per dtype, from its groups' keys (verdict, dtype); a group is measured
        where one of its rows has a subnormal input."""
        measured, flushed = set(), set()
        # The groups that may have one: a dtype as text with subnormal points, or no dtype as text.
        chosen = [k for k in keys if k.verdict not in NOT_MEASURED]
        # group number -> its subnormal points (None: no dtype as text, row by row)
        names = {k.number: self.names(k.case, k.dtype) if isinstance(k.dtype, str) else None for k in chosen}
        found = {}
        for k, row in groups.keyed_rows([k for k in chosen if names[k.number] is None or names[k.number]]):
            mine = names[k.number]
            if k.number not in found and (row.get("point") in mine if mine is not None else self.row_has(row)):
                found[k.number] = k
        for k in found.values():
            measured.add(k.dtype)
            if k.verdict == "flushed":
                flushed.add(k.dtype)
        if not measured:
            return "not measured"
        flushed, kept = sorted(flushed), sorted(measured - flushed)
        return "; ".join(([f"flushes ({', '.join(flushed)})"] if flushed else [])
                         + ([f"keeps ({', '.join(kept)})"] if kept else []))


def conventions_table(rows: list[dict], cols: list, cases: dict, groups: RowGroups | None = None) -> str:
    """Markdown: one line per column, each convention measured from its rows (`groups`:
    the rows' grouping, when the report has made it)."""
    groups = groups or RowGroups(rows)
    by_col = _keys_by_column(groups)
    subnormals = Subnormals(cases)
    head = ["framework × mode", "zero gradients, reverse (negative cotangent)",
            "zero gradients, forward (negative tangent)", "second-order zeros", "subnormal inputs",
            "no gradient (None)"]
    body = []
    for c in cols:
        keys = by_col.get(c, [])
        # Each measure reads only the groups whose key can give it: the same answer as all the column's rows.
        body.append([col_label(c, cols)]
                    + [_zero_rules(groups.rows_of([k for k in keys if k.ad == ad and _may_tell(k)]),
                                   len({k.case for k in keys if k.ad == ad}), cases, ad)
                       for ad in ("reverse", "forward")]
                    + [_second_zeros(groups.rows_of([k for k in keys if k.ad == "second"])),
                       subnormals.text(keys, groups),
                       _no_gradient_of([k for k in keys if k.outcome == "no_gradient"], groups)])
    return table(head, body)


def _keys_by_column(groups: RowGroups) -> dict:
    """column -> the keys of its groups, in order; column_of once per distinct (framework, mode, device)."""
    by_col: dict = {}
    column_of_raw: dict = {}
    for key in groups.keys():
        raw = (key.framework, key.mode, key.device)
        col = column_of_raw.get(raw)
        if col is None:
            col = column_of_raw[raw] = column_of(dict(zip(("framework", "mode", "device"), raw)))
        by_col.setdefault(col, []).append(key)
    return by_col


def _may_tell(key: GroupKey) -> bool:
    """Whether a group's rows may tell a zero rule (zero_rule's tests on the key: a correct
    verdict, a negative seed); a seed of -0.0 and 0.0 may share a group, and neither is < 0."""
    if key.verdict not in ("exact", "subgradient"):
        return False
    seed = as_float(key.tangent if key.ad == "forward" else key.cotangent)
    return seed is not None and seed < 0


def _no_gradient_of(keys: list, groups: RowGroups) -> str:
    """_no_gradient from the groups' keys (in the order of their first rows: the cases in run order)."""
    if not keys:
        return "never"
    names = list(dict.fromkeys(k.case for k in keys))
    return f"×{groups.size(keys)} ({', '.join(names)})"
