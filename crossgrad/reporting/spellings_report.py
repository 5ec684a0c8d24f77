"""The report's spelling section: which spellings of one function disagree inside
one framework, and where (issue 11, item 5).

A spelling variant (cases/spellings.py) is its base case with one op written
another way, run on one framework. Here every value of a variant is compared
bit for bit (crossgrad.core.same_value: -0.0 is not 0.0, a NaN is a NaN) with
the base case's value of the same quantity (dtype, mode, device, point, ad,
seed, wrt, element) in the same framework. Nothing here imports a framework.
"""
from __future__ import annotations

from itertools import groupby
from operator import itemgetter

from crossgrad.core.pairs import KeysLess, keyed, pair_with
from crossgrad.core.rows import RowKey
from crossgrad.core.same_value import same_value
from crossgrad.reporting.part import Part
from crossgrad.reporting.report_input import ReportInput
from crossgrad.reporting.report_text import code
from crossgrad.reporting.report_text import table as markdown_table

EXAMPLES = 3  # disagreements quoted per spelling


def compare_spelling(pairs: list[tuple[dict, dict]]) -> dict:
    """How many values of one variant were compared with its base, quantity by quantity, how
    many differ (of them, in the sign of a zero only), how many are on one side only, and the
    first differences (examples: the quantity's key, its framework and case left blank, and
    both values)."""
    # Most pairs hold the same text (a repr): the same bits, so only the others' numbers are read.
    texts = [(b.get("value"), v.get("value")) for b, v in pairs]
    same = [type(b) is str and b == v and b != "" for b, v in texts]
    values = [(v, b.get("number"), v.get("number")) for (b, v), alike in zip(pairs, same) if not alike]
    compared = sum(same) + sum(1 for _, b, v in values if b is not None and v is not None)
    differ = [(row, b, v) for row, b, v in values if b is not None and v is not None and not same_value(b, v)]
    # Keys only for the differences quoted (most pairs agree, and a count needs none).
    return {"compared": compared, "differ": len(differ), "sign_only": sum(1 for _, b, v in differ if b == v),
            "one_sided": sum(1 for _, b, v in values if (b is None) != (v is None)),
            "examples": [(_quantity(row), b, v) for row, b, v in differ[:EXAMPLES]]}


def _quantity(row: dict) -> RowKey:
    """The row's key with its framework and case left blank (tuple.__new__, as RowKey.of builds
    one: _replace goes through a dict of keywords, several times slower)."""
    key = RowKey.of(row)
    return tuple.__new__(RowKey, ("", *key[1:4], "", *key[5:]))


_CASE_FRAMEWORK = itemgetter("case", "framework")


def _by_case_framework(rows: list[dict], cases: dict) -> dict:
    """(case, framework) -> its rows in run order, for the cases a spelling section reads
    (variants and their bases): the rows taken a run of one (case, framework) at a time, in C
    (a run holds each case's rows together: a full check has some 4,000 such runs)."""
    wanted = {n for name, case in cases.items() if getattr(case, "variant_of", "") for n in (name, case.variant_of)}
    if not wanted:
        return {}
    out: dict = {}
    for key, run in groupby(rows, _CASE_FRAMEWORK):
        if key[0] in wanted:
            out.setdefault(key, []).extend(run)
    return out


def _where(key: RowKey, base_value, variant_value) -> str:
    what = "value" if key.ad == "none" else f"{key.ad} {key.wrt}[{key.index}] seed {key.seed}"
    device = "" if key.device == "cpu" else " " + key.device
    return f"`{key.point}` {what} ({key.dtype} {key.mode}{device}): `{base_value!r}` vs `{variant_value!r}`"


def spelling_table(rows: list[dict], cases: dict, env: dict | None = None) -> list[dict]:
    """One entry per variant that has rows: base, framework, spelling, comparison.
    The base case's spelling of the op comes from env.json's spelling table when
    given, else from the base rows' `primitive` (every call the case made)."""
    out = []
    by_fw = _by_case_framework(rows, cases)
    bases: dict = {}  # (base case, framework) -> its rows keyed once, for each of its variants
    keys = KeysLess(("case",))  # one for every side: the quantities of a base and its variants are the same
    for name, case in cases.items():
        if not getattr(case, "variant_of", ""):
            continue
        # () : a variant in every framework (relu(-z) + z is relu written as another function)
        for fw in case.frameworks or [fw for case_name, fw in by_fw if case_name == name]:
            if (name, fw) not in by_fw:
                continue
            if (case.variant_of, fw) not in bases:
                bases[case.variant_of, fw] = keyed(by_fw.get((case.variant_of, fw), ()), keys)
            pairs = pair_with(bases[case.variant_of, fw], by_fw[name, fw], keys)
            op = next(iter(case.respell), "") or case.variant_of  # relu(-z) + z: relu itself, rewritten
            out.append({"base": case.variant_of, "framework": fw, "op": op,
                        "spelling": next(iter(case.respell.values()), "") or case.description, "case": name,
                        "base_spelling": (_env_spelling(env, fw, op)
                                          or _base_spelling(by_fw.get((case.variant_of, fw), ()))),
                        **compare_spelling(pairs)})
    return out


def _env_spelling(env: dict | None, framework: str, op: str) -> str:
    info = ((env or {}).get("frameworks") or {}).get(framework)
    return ((info.get("spelling") or {}).get(op) or "") if isinstance(info, dict) else ""


def _base_spelling(rows) -> str:
    """The first `primitive` recorded among the base case's rows in one framework."""
    return next((r.get("primitive") for r in rows if r.get("primitive")), "")


def section(report: ReportInput) -> Part:
    """The Spellings section of report.md (nothing without spelling variants)."""
    frameworks = tuple(dict.fromkeys(framework for framework, _, _ in report.cols))
    return Part(spelling_section(report.rows, report.cases, report.env, frameworks))


def spelling_section(rows: list[dict], cases: dict, env: dict | None = None, frameworks: tuple = ()) -> str:
    """Markdown of the section; "" when the run has no spelling variant. `env`
    (env.json) names the base case's own spelling of each op. Each base's entries are
    listed in `frameworks`' order (the report's columns), so every table of the section
    reads in the same order; frameworks it does not name come after, as found."""
    table = _in_order(spelling_table(rows, cases, env), frameworks)
    if not table:
        return ""
    out = ["## Spellings", "",
           "Other spellings of one op, each run as its own case (`base~framework:spelling`) at the base "
           "case's points and compared bit for bit with the base case in the same framework, quantity "
           "by quantity (dtype, mode, point, derivative, seed, element). `differ`: values whose bits "
           "are not the base case's (of them, `sign only`: equal but for the sign of a zero); "
           "`one-sided`: a value on one side only (an error or unsupported on the other). "
           "`where`: the base case's value, then the spelling's."]
    for base in dict.fromkeys(e["base"] for e in table):
        entries = [e for e in table if e["base"] == base]
        body = [[e["framework"], code(e["spelling"]), e["compared"], e["differ"], e["sign_only"],
                 e["one_sided"], "; ".join(_where(*ex) for ex in e["examples"]) or "—"] for e in entries]
        out += ["", f"### {base} (op {code(entries[0]['op'])})", "", _verdict_lines(entries), "",
                markdown_table(["framework", "spelling", "compared", "differ", "sign only", "one-sided",
                       "where (first ones)"], body)]
    return "\n".join(out)


def _in_order(table: list[dict], frameworks: tuple) -> list[dict]:
    """The entries by framework in `frameworks`' order (a stable sort: a framework's own
    entries keep theirs)."""
    rank = {name: position for position, name in enumerate(frameworks)}
    return sorted(table, key=lambda e: rank.get(e["framework"], len(rank)))


def _verdict_lines(entries: list[dict]) -> str:
    """Per framework: which spellings disagree with the base spelling."""
    lines = []
    for fw in dict.fromkeys(e["framework"] for e in entries):
        mine = [e for e in entries if e["framework"] == fw]
        odd = [e for e in mine if e["differ"] or e["one_sided"]]
        base = code(mine[0]["base_spelling"]) or "the base case"  # env.json's text: a code span that holds
        if not odd:
            which = "the other spelling agrees" if len(mine) == 1 else f"all {len(mine)} other spellings agree"
            lines.append(f"- **{fw}**: {which} bit for bit with {base}.")
        else:
            names = ", ".join(f"{code(e['spelling'])} ({e['differ']} differ, {e['one_sided']} one-sided)"
                              for e in odd)
            lines.append(f"- **{fw}**: {len(odd)} of {len(mine)} other spellings disagree with {base}: {names}.")
    return "\n".join(lines)
