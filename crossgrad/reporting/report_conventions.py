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
from collections import Counter
from itertools import compress, groupby, repeat
from operator import eq, itemgetter, not_

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
    `ad` mode with the cases that follow it (_rules_text), from rows (those of `ad` read)."""
    mine = [r for r in rows if r.get("ad") == ad]
    return _rules_text(_places(_zeros(mine), cases, {}), len({r.get("case") for r in mine}))


# zero_rule reads a row's quantity (judge's quantity_number: case, point, ad, wrt, seed, dtype,
# element), its value and its verdict, nothing else: its rule is worked out once for each of these.
_RULE_KEY = itemgetter("quantity_number", "value", "verdict")
_UNKNOWN = object()


def _places(zeros: list[dict], cases: dict, rules: dict) -> dict:
    """case -> rule -> the (dtype, point, sign of the zero)s that follow it, from the zero rows
    of one column and ad mode. rules: _RULE_KEY -> zero_rule, filled as met and shared by the
    columns (a quantity is in most of them)."""
    places: dict = {}
    for key, row in zip(map(_RULE_KEY, zeros), zeros):
        rule = rules.get(key, _UNKNOWN)
        if rule is _UNKNOWN:
            rule = rules[key] = zero_rule(row, cases)
        if rule:
            sign = math.copysign(1.0, row.get("number"))
            places.setdefault(row.get("case"), {}).setdefault(rule, set()).add((row.get("dtype", ""),
                                                                                row.get("point", ""), sign))
    return places


def _rules_text(places: dict, ran: int) -> str:
    """The rules of `places` (_places) with the cases that follow each, of the `ran` cases run.
    A case is named once: a case whose rows follow both rules is either +0 in every one
    (ALWAYS_PLUS) or mixed, with where each rule holds (the column pools dtypes and points:
    _case_rule)."""
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


def _second_zeros(zeros: list[dict]) -> str:
    """The signs of a column's zero second derivatives (zeros: its second-order zero rows)."""
    if not zeros:
        return "not measured"
    signs = list(map(math.copysign, repeat(1.0), map(itemgetter("number"), zeros)))  # in C
    plus = signs.count(1.0)
    return f"+0.0 ×{plus}, -0.0 ×{len(signs) - plus}"


def _subnormals(measured: set, flushed: set) -> str:
    """measured: the dtypes of a column's judged rows at a subnormal input; flushed: those of
    them with a row `flushed` (_Kinds)."""
    if not measured:
        return "not measured"
    kept = sorted(measured - flushed)
    parts = ([f"flushes ({', '.join(sorted(flushed))})"] if flushed else []) + (
        [f"keeps ({', '.join(kept)})"] if kept else [])
    return "; ".join(parts)


def _no_gradient(none: list) -> str:
    """none: (case, how many rows) of a column's rows without a gradient, in run order (_Kinds)."""
    if not none:
        return "never"
    names = list(dict.fromkeys(case for case, _ in none))
    return f"×{sum(count for _, count in none)} ({', '.join(names)})"


def conventions_table(rows: list[dict], cols: list, cases: dict) -> str:
    """Markdown: one line per column, each convention measured from its rows (the judge's:
    every row has every field)."""
    kinds = _Kinds(rows, cases)
    zeros = _zeros_by(rows, kinds.column_ad)
    rules: dict = {}  # _places' memo, shared by the columns
    head = ["framework × mode", "zero gradients, reverse (negative cotangent)",
            "zero gradients, forward (negative tangent)", "second-order zeros", "subnormal inputs",
            "no gradient (None)"]
    body = [[col_label(c, cols),
             *(_rules_text(_places(zeros.get((c, ad), []), cases, rules), kinds.ran[c, ad])
               for ad in ("reverse", "forward")),
             _second_zeros(zeros.get((c, "second"), [])),
             _subnormals(kinds.measured.get(c, set()), kinds.flushed.get(c, set())),
             _no_gradient(kinds.none.get(c, []))]
            for c in cols]
    return table(head, body)


# What the table reads of every row but its value, picked in one pass in C (each row read once:
# a full check has 261,283 rows, of some 86,000 kinds): its column as recorded, ad, case,
# point, dtype, verdict and outcome.
_KIND = itemgetter("framework", "mode", "device", "ad", "case", "point", "dtype", "verdict", "outcome")
UNMEASURED = frozenset(("", "undefined", "error", "unavailable", "unsupported", "no_gradient"))  # no subnormal verdict


class _Kinds:
    """The distinct kinds of a run's rows (_KIND), counted, in run order, and what the table
    reads of them:
    - column_ad: (framework, mode, device, ad) as recorded -> (column, ad) (column_of once each);
    - ran: (column, ad) -> how many cases ran;
    - measured, flushed: column -> the dtypes of its judged rows at a subnormal input, and
      those of them with a row `flushed` (_subnormals);
    - none: column -> (case, how many rows) of its rows without a gradient, in run order."""

    def __init__(self, rows: list[dict], cases: dict):
        kinds = Counter(map(_KIND, rows))
        cases_run = dict.fromkeys(map(itemgetter(0, 1, 2, 3, 4), kinds))  # (column as recorded, ad, case)
        column = {raw: column_of(dict(zip(("framework", "mode", "device"), raw)))
                  for raw in dict.fromkeys(map(itemgetter(0, 1, 2), cases_run))}
        self.column_ad = {raw: (column[raw[:3]], raw[3])
                          for raw in dict.fromkeys(map(itemgetter(0, 1, 2, 3), cases_run))}
        # two recorded spellings of one column are one column: a case run in both counts once
        self.ran = Counter(col_ad for col_ad, _ in {(self.column_ad[k[:4]], k[4]) for k in cases_run})
        self.measured: dict = {}
        self.flushed: dict = {}
        judged = compress(kinds, map(not_, map(UNMEASURED.__contains__, map(itemgetter(7), kinds))))  # in C
        for kind in _at_subnormal_inputs(list(judged), cases):
            col = column[kind[:3]]
            self.measured.setdefault(col, set()).add(kind[6])
            if kind[7] == "flushed":
                self.flushed.setdefault(col, set()).add(kind[6])
        self.none: dict = {}
        for kind, count in compress(kinds.items(), map(eq, map(itemgetter(8), kinds), repeat("no_gradient"))):
            self.none.setdefault(column[kind[:3]], []).append((kind[4], count))


def _at_subnormal_inputs(kinds: list[tuple], cases: dict) -> list[tuple]:
    """The kinds (_KIND) at a point whose input is subnormal in the dtype (flush-to-zero would
    change the point), each distinct (case, point, dtype) tested once."""
    where = itemgetter(4, 5, 6)
    subnormal = set()
    for case, point, dtype in dict.fromkeys(map(where, kinds)):
        p = row_point({"case": case, "point": point}, cases)
        if p is not None and flushed_point(cases.get(case), p, dtype) is not None:
            subnormal.add((case, point, dtype))
    return list(compress(kinds, map(subnormal.__contains__, map(where, kinds))))


def _zeros(rows: list[dict]) -> list[dict]:
    """The rows whose value (`number`) is a zero, in order, picked in C."""
    return list(compress(rows, map(eq, map(dict.get, rows, repeat("number")), repeat(0.0))))


def _zeros_by(rows: list[dict], column_ad: dict) -> dict:
    """(column, ad) -> its rows whose value is a zero, in run order (column_ad: _Kinds'), taken a
    run of one (column, ad) at a time, in C (a full check's 95,000 zeros come in some 7,000)."""
    by: dict = {}
    for raw, run in groupby(_zeros(rows), itemgetter("framework", "mode", "device", "ad")):
        by.setdefault(column_ad[raw], []).extend(run)
    return by
