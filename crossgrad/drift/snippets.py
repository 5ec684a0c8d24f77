"""A repro snippet for each change `crossgrad compare` lists (crossgrad.reporting.repro.snippet).

The snippet is written in side B's framework version's own spelling (its
env.json; A's where B recorded none) and prints the value B recorded; run it in
either environment to see that side's value.
"""
from __future__ import annotations

from crossgrad.judging.difference import CHANGES
from crossgrad.reporting.repro import SnippetError, case_snippet

NO_SNIPPET = ("only in A", "only in B")


def spellings(env: dict) -> dict:
    return {fw: info.get("spelling") for fw, info in (env.get("frameworks") or {}).items()
            if isinstance(info, dict) and info.get("spelling")}


def snippets_for(pair, catalogue: dict) -> dict:
    """{(pair title, line index): snippet text} for every changed line of the pair
    (`catalogue`: name -> Case, the cases in use)."""
    spelled = {**spellings(pair.a.run.env), **spellings(pair.b.run.env)}
    changed = pair.lines[pair.lines["category"].isin(CHANGES) & ~pair.lines["category"].isin(NO_SNIPPET)]
    out = {}
    for index, line in zip(changed.index, changed.to_dict("records")):
        text = one(line, catalogue, spelled)
        if text:
            out[(pair.title, index)] = text
    return out


def one(line: dict, catalogue: dict, spelled: dict) -> str:
    """The snippet of one joined line, or "# no snippet: why" where it cannot be written."""
    framework, case = line["framework"], line["case"]
    if case not in catalogue:
        return f"# no snippet: the case {case!r} is not in this catalogue"
    if framework not in spelled:
        return f"# no snippet: neither env.json has {framework}'s spelling"
    try:
        code = case_snippet(catalogue[case], framework, spelled[framework], line["point"], line["dtype"],
                            line["ad"], line["wrt"], line["seed"], line["mode"],
                            recorded=line["value_b"] or None, index=int(line["index"]))
    except (SnippetError, OSError, TypeError, KeyError, SyntaxError, ValueError) as exc:
        return f"# no snippet: {type(exc).__name__}: {' '.join(str(exc).split())}"  # one comment line
    device = line.get("device") or line.get("device_b") or "cpu"
    if device != "cpu":
        code = f"# recorded on {device}; this snippet runs on the CPU (put x, w, b on the {device} to match)\n" + code
    return code
