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
from itertools import chain, compress, repeat
from operator import eq

from crossgrad.judging.compare import column_of
from crossgrad.judging.truth import row_point, row_seed
from crossgrad.judging.verdicts import flushed_point
from crossgrad.reporting.part import Part
from crossgrad.reporting.report_input import ReportInput
from crossgrad.reporting.report_text import col_label, table

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
    return Part("\n\n".join(["## Conventions", INTRO, conventions_table(report.rows, report.cols, report.cases)]))


def zero_rule(row: dict, cases: dict) -> str | None:
    """Which rule a zero first-order row follows (KEEP / MULTIPLY / OTHER), or None
    where the row cannot tell (not a correct zero, a positive seed, no point)."""
    if row.get("ad") not in ("reverse", "forward") or row.get("verdict") not in ("exact", "subgradient"):
        return None
    value = row.get("number")
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
    places: dict = {}  # case -> rule -> the (dtype, point, sign of the zero)s that follow it
    for row in _zeros(rows):  # zero_rule reads only zeros: the others are left out in C
        rule = zero_rule(row, cases) if row.get("ad") == ad else None
        if rule:
            sign = math.copysign(1.0, row.get("number"))
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
        ran = len({r.get("case") for r in rows if r.get("ad") == ad})
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
    """The rows whose value (`number`) is a zero, in order, picked in C."""
    return list(compress(rows, map(eq, map(dict.get, rows, repeat("number")), repeat(0.0))))


def _second_zeros(rows: list[dict]) -> str:
    signs = [math.copysign(1.0, r.get("number")) for r in _zeros(rows) if r.get("ad") == "second"]
    if not signs:
        return "not measured"
    plus = sum(1 for s in signs if s > 0)
    return f"+0.0 ×{plus}, -0.0 ×{len(signs) - plus}"


def _subnormals(rows: list[dict], cases: dict, has_subnormal: dict) -> str:
    """has_subnormal: (case, point, dtype) -> whether flush-to-zero would change the point,
    filled as met (one dict for every column: the points are the same)."""

    def subnormal_input(r) -> bool:
        key = (r.get("case"), r.get("point"), r.get("dtype", "float64"))
        if key not in has_subnormal:
            p = row_point(r, cases)
            has_subnormal[key] = p is not None and flushed_point(cases.get(key[0]), p, key[2]) is not None
        return has_subnormal[key]
    measured = [r for r in rows if r.get("verdict") not in ("", "undefined", "error", "unavailable",
                                                            "unsupported", "no_gradient")
                and subnormal_input(r)]
    if not measured:
        return "not measured"
    flushed = sorted({r.get("dtype") for r in measured if r.get("verdict") == "flushed"})
    kept = sorted({r.get("dtype") for r in measured} - set(flushed))
    parts = ([f"flushes ({', '.join(flushed)})"] if flushed else []) + ([f"keeps ({', '.join(kept)})"] if kept else [])
    return "; ".join(parts)


def _no_gradient(none: list) -> str:
    """none: the case of each of a column's rows without a gradient, in run order (_grouped)."""
    if not none:
        return "never"
    names = list(dict.fromkeys(none))
    return f"×{len(none)} ({', '.join(names)})"


def conventions_table(rows: list[dict], cols: list, cases: dict) -> str:
    """Markdown: one line per column, each convention measured from its rows."""
    by_ad, none = _grouped(rows)
    has_subnormal: dict = {}
    head = ["framework × mode", "zero gradients, reverse (negative cotangent)",
            "zero gradients, forward (negative tangent)", "second-order zeros", "subnormal inputs",
            "no gradient (None)"]
    # Each measure reads only its ad mode's rows: the same answer as from all the column's rows.
    body = [[col_label(c, cols), zero_rules(by_ad.get((c, "reverse"), []), cases, "reverse"),
             zero_rules(by_ad.get((c, "forward"), []), cases, "forward"), _second_zeros(by_ad.get((c, "second"), [])),
             _subnormals(_of_column(by_ad, c), cases, has_subnormal), _no_gradient(none.get(c, []))] for c in cols]
    return table(head, body)


def _grouped(rows: list[dict]) -> tuple[dict, dict]:
    """((column, ad) -> its rows, column -> the case of each of its rows without a gradient),
    both in run order, in one pass (each row is read once: a full check has 261,283);
    column_of is called once per distinct (framework, mode, device) as recorded."""
    by_ad: dict = {}
    none: dict = {}
    column_of_raw: dict = {}
    for row in rows:
        get = row.get
        raw = (get("framework"), get("mode"), get("device"))
        col = column_of_raw.get(raw)
        if col is None:
            col = column_of_raw[raw] = column_of(row)
        by_ad.setdefault((col, get("ad")), []).append(row)
        if get("outcome") == "no_gradient":
            none.setdefault(col, []).append(get("case"))
    return by_ad, none


def _of_column(by_ad: dict, column) -> list[dict]:
    """The rows of one column, its ad modes' rows one after another (what _subnormals reads
    is a set: the order of its rows does not matter)."""
    return list(chain.from_iterable(rows for (col, _), rows in by_ad.items() if col == column))
