"""What each field of a run folder may hold, checked as it is read back (one place).

A run folder is data a stranger hands you: every reader (report, check, compare,
history) refuses a field outside its rule with one line naming the file, the
line and the rule, before any of it is used. The rules are what crossgrad writes:
values are Python's float repr (so "5", "infinity" or "-0x1p-1074" are refused,
though float() would take them), labels are names (crossgrad.core.names) or one
of a closed set, an index is a non-negative integer.

`row_fault(row, RULES)` checks a gradient or timing row (a JSON line, whose
numbers are numbers, or a CSV row, all text); `shape_fault(data, SHAPE)` checks
manifest.json and env.json against the types their readers rely on.
"""
from __future__ import annotations

import functools
import re
from typing import NamedTuple

from crossgrad.core.dtypes import NAMES as DTYPE_NAMES
from crossgrad.core.names import NAME_PATTERN, NAME_RULE
from crossgrad.core.rows import (AD_KINDS, OUTCOMES, READABLE_VERSIONS, RETIRED_VERDICTS,
                                 VERDICTS, WRT)

_FLOAT = r"-?(?:nan|inf|[0-9]+\.[0-9]*(?:e[-+][0-9]+)?|[0-9]+e[-+][0-9]+)"
_NAN_BITS = r"nan\(0x[0-9a-f]+\)"  # an input NaN with its own sign or payload (running.derivatives.arg_text)
_VECTOR = rf"\[(?:(?:{_FLOAT}|{_NAN_BITS})(?:, (?:{_FLOAT}|{_NAN_BITS}))*)?\]"


class Rule(NamedTuple):
    """A field's rule: its text (a CSV field; a JSON value as str() writes it) fully
    matches `pattern`; a JSON value is one of `kinds` (null reads as "")."""

    pattern: str
    words: str
    kinds: tuple = (str,)


def _choice(choices, optional: bool = False) -> Rule:
    words = f"one of {', '.join(c for c in choices if c)}" + (" or empty" if optional else "")
    return Rule("|".join(re.escape(c) for c in choices) + ("|" if optional else ""), words)


_float_text = Rule(f"(?:{_FLOAT})?", "a float as Python writes it (repr), or empty")
_name = Rule(NAME_PATTERN, f"a name ({NAME_RULE})")
_input = Rule(f"(?:{_FLOAT}|{_NAN_BITS}|{_VECTOR})?",
              "a float or a list of floats as Python writes them (a NaN may be nan(0x...), its bits), or empty")
_count = Rule("[0-9]+", "a non-negative integer", (int, str))  # str: a CSV field
_text = Rule("(?s:.*)", "text")
_version = Rule("|".join(map(str, READABLE_VERSIONS)), f"one of {', '.join(map(str, READABLE_VERSIONS))}",
                (int, str))

GRADIENT_RULES = {
    "schema_version": _version,
    "framework": _name, "device": _name, "mode": _name, "case": _name, "point": _name,
    "dtype": _choice(DTYPE_NAMES), "ad": _choice(AD_KINDS), "wrt": _choice(WRT),
    "outcome": _choice(OUTCOMES), "verdict": _choice(VERDICTS + RETIRED_VERDICTS, optional=True),
    "index": _count, "value": _float_text, "cotangent": _float_text, "tangent": _float_text,
    "truth": Rule(f"(?:{_FLOAT}|±0\\.0|\\[{_FLOAT}, {_FLOAT}\\]|undefined)?",
                  "a float, ±0.0, [low, high] or undefined, or empty"),
    "bits": Rule("(?:0x[0-9a-f]+)?", "a hex bit pattern (0x...) or empty"),
    "x": _input, "w": _input, "b": _input,
    "framework_version": _text, "primitive": _text, "detail": _text,
}

POINT_RULES = {k: GRADIENT_RULES[k] for k in ("schema_version", "case", "point", "x", "w", "b")}

TIMING_RULES = {
    **{k: GRADIENT_RULES[k] for k in ("schema_version", "framework", "device", "mode", "dtype", "outcome",
                                       "framework_version", "detail")},
    "workload": _name, "n": _count, "samples": _count, "inner_loops": _count,
    "phase": _choice(("primal", "gradient")),
    "noisy": Rule("True|False|", "true, false or empty", (bool, str)),
    "raw_samples": Rule("", "a list of numbers", (list,)),
    **dict.fromkeys(("first_call_s", "median_s", "iqr_s", "min_s", "cores_busy", "gradient_primal_ratio",
                     "bandwidth_bytes_per_s", "flop_per_s"), _float_text),
    "bytes_moved": Rule("(?:[0-9]+)?", "a non-negative integer or empty"),
    "flop": Rule("(?:[0-9]+)?", "a non-negative integer or empty"),
    "break_even_calls": Rule("(?:[0-9]+|never)?", "a count of calls, never, or empty"),
    # api names a Python call (torch.autograd.grad): it labels series, plots and code spans
    "api": Rule(r"(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?", "a dotted Python name or empty"),
    **dict.fromkeys(("shape", "threads", "compile_cache"), _text),
}


def row_fault(row: dict, rules: dict, known: set | None = None) -> str | None:
    """The first field of `row` (a JSON line or a CSV row) outside its rule, in words; None when all hold.
    `known`: (column, text) pairs already found to hold under these same rules (a reader of
    many rows passes one set: labels repeat in every row)."""
    for column, value in row.items():
        if known is not None and type(value) is str and (column, value) in known:
            continue
        rule = rules.get(column)
        if rule is None:
            continue
        if type(value) is str and str in rule.kinds:  # most fields: text, each distinct one matched once
            if _text_holds(rule.pattern, value):
                if known is not None:
                    known.add((column, value))
                continue
        elif _holds(rule, value):
            continue
        return f"{column} {_shown(value)} is not {rule.words}"
    return None


def _holds(rule: Rule, value) -> bool:
    if value is None:
        value = ""
    elif type(value) not in rule.kinds:  # type(): a JSON true is not the integer 1
        return False
    if isinstance(value, list):
        return all(type(v) in (int, float) for v in value)
    return _text_holds(rule.pattern, str(value))


@functools.lru_cache(maxsize=1 << 16)
def _text_holds(pattern: str, text: str) -> bool:
    """Whether `text` fully matches `pattern`; labels repeat in every row of a run, so each is matched once."""
    return _compiled(pattern).fullmatch(text) is not None


@functools.lru_cache(maxsize=None)
def _compiled(pattern: str):
    return re.compile(pattern)


def frame_fault(frame, rules: dict) -> tuple[int, str] | None:
    """(position, fault) of the first row of a DataFrame of text (a CSV read with
    dtype=str) whose field breaks its rule, checked a column at a time; None when all hold."""
    worst = None
    for column in frame.columns:
        rule = rules.get(column)
        if rule is None:
            continue
        pattern = _compiled(rule.pattern)  # each distinct text once: most columns hold a handful
        wrong = [v for v in frame[column].unique() if not (isinstance(v, str) and pattern.fullmatch(v))]
        bad = frame[column].isin(wrong).to_numpy().nonzero()[0] if wrong else ()
        if len(bad) and (worst is None or bad[0] < worst[0]):
            value = frame[column].iloc[bad[0]]
            worst = (int(bad[0]), f"{column} {_shown(value)} is not {rule.words}")
    return worst


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- manifest.json and env.json ------------------------------------------------
# A shape is a type, [shape] (a list of it), {str: shape} (a mapping with any keys)
# or {"key": shape, ...} (an object whose named keys, where present, have those
# shapes). A key may be absent or null: readers fall back where it is.

_STRS = [str]
MANIFEST_SHAPE = {
    "status": str, "command": str, "started": str, "finished": str, "plan_digest": str,
    "case_files": _STRS, "failures": list, "versions": {str: str}, "compile_cache": {str: str},
    "timing": dict,
    "config": {"frameworks": _STRS, "cases": _STRS, "modes": _STRS, "devices": _STRS, "dtypes": _STRS,
               "points": _STRS, "python": str, "scope": str, "seeds": [float], "timeout": float,
               "threads": int},
}
ENV_SHAPE = {
    "command": str, "cpu": str, "cpu_arch": str, "cpu_flags": _STRS, "crossgrad": str,
    "git_commit": str, "gpu": object, "platform": str, "python": str, "xla_cpu_target": str,
    "thread_env": dict, "cpu_count": int,
    "frameworks": {str: {"version": str, "devices": _STRS, "gpus": list, "env": dict, "flags": dict,
                         "threads": dict, "spelling": {str: str}}},
}


def shape_fault(data, shape, where: str = "") -> str | None:
    """The first place where `data` leaves `shape` ("config.frameworks: ..."), or None."""
    if data is None or shape is object:
        return None
    if isinstance(shape, list):
        if not isinstance(data, list):
            return f"{where or 'the file'} is not a list"
        return next((f for i, item in enumerate(data) if (f := shape_fault(item, shape[0], f"{where}[{i}]"))), None)
    if isinstance(shape, dict):
        if not isinstance(data, dict):
            return f"{where or 'the file'} is not a JSON object"
        if list(shape) == [str]:
            return next((f for key, value in data.items()
                         if (f := shape_fault(value, shape[str], f"{where}.{key}".lstrip(".")))), None)
        return next((f for key, sub in shape.items()
                     if (f := shape_fault(data.get(key), sub, f"{where}.{key}".lstrip(".")))), None)
    if shape is float:
        ok = isinstance(data, (int, float)) and not isinstance(data, bool)
    elif shape is int:
        ok = isinstance(data, int) and not isinstance(data, bool)
    else:
        ok = isinstance(data, shape)
    return None if ok else f"{where} {_shown(data)} is not {_WORDS.get(shape, shape.__name__)}"


_WORDS = {str: "text", float: "a number", int: "an integer", list: "a list", dict: "a JSON object"}
