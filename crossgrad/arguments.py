"""Checking the command line's values: names against the valid choices, numbers, exit statuses.

Bad input raises UsageError: one line naming what is wrong and the valid
choices (with a "did you mean" where a valid name is near), exit status 2.
Shared by crossgrad.cli (the parser) and crossgrad.commands (the sub-commands),
so that both import it and neither imports the other back.
"""
from __future__ import annotations

import difflib

# Exit statuses of the `crossgrad` command (README "Exit status").
EXIT_OK, EXIT_DIFFERS, EXIT_USAGE, EXIT_PARTIAL, EXIT_NOTHING_JUDGED, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
EXIT_WRITE_FAILED = 5  # a file of the run folder could not be written (a full disk): the run stopped

# Other names people write for a valid one (compared lower-case); a framework's own
# come from its adapter (`synonyms`), passed in by the caller.
SYNONYMS = {
    "cuda": "gpu", "gpus": "gpu", "cpus": "cpu",
    "fp32": "float32", "f32": "float32", "single": "float32",
    "fp64": "float64", "f64": "float64", "double": "float64",
    "bf16": "bfloat16", "fp16": "float16", "f16": "float16", "half": "float16",
    "jit": "compiled", "compile": "compiled", "xla": "compiled",
}


class UsageError(Exception):
    """Bad input: printed as one line, exit status 2."""


def suggestion(name: str, valid, synonyms: dict | None = None) -> str | None:
    """The valid name `name` most likely meant: same letters in another case, a
    common synonym, or difflib's closest match; None when nothing is near."""
    valid = list(valid)
    lower = {v.lower(): v for v in valid}
    if name.lower() in lower:
        return lower[name.lower()]
    meant = {**SYNONYMS, **(synonyms or {})}.get(name.lower())
    if meant in valid:
        return meant
    close = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.7)
    return lower[close[0]] if close else None


def unknown(what: str, bad: list[str], valid, synonyms: dict | None = None) -> UsageError:
    """`unknown case 'Relu' (did you mean 'relu'?); valid: ...`"""
    hints = {b: suggestion(b, valid, synonyms) for b in bad}
    named = ", ".join(repr(b) + (f" (did you mean {hints[b]!r}?)" if hints[b] else "") for b in bad)
    return UsageError(f"unknown {what.rstrip('s')} {named}; valid: {', '.join(valid)}")


def choose(text: str | None, valid, what: str, default, synonyms: dict | None = None) -> tuple:
    """A comma-separated selection, checked against the valid names (`synonyms`:
    other names for them, used only to suggest)."""
    if text is None:
        return tuple(default)
    valid = list(valid)
    items = tuple(i.strip() for i in text.split(",") if i.strip())
    if not items:
        raise UsageError(f"--{what} is empty; valid: {', '.join(valid)}")
    bad = [i for i in items if i not in valid]
    if bad:
        raise unknown(what, bad, valid, synonyms)
    return items


def positive_ints(text: str | None, what: str, default) -> tuple:
    if text is None:
        return tuple(default)
    try:
        values = tuple(int(float(i)) if float(i).is_integer() else None for i in text.split(","))
    except ValueError:
        values = (None,)
    if not values or any(v is None or v <= 0 for v in values):
        raise UsageError(f"--{what} must be positive whole numbers separated by commas, got {text!r}")
    return values


def positive_number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value != value or value == float("inf"):
        raise UsageError(f"--{what} must be a positive number, got {text!r}")
    return value


def refuse_unused(args, unused: dict[str, str]) -> None:
    """Options given that do nothing here: {dest: why} -> exit 2 naming the first."""
    for dest, why in unused.items():
        if getattr(args, dest, None) not in (None, False):
            raise UsageError(f"--{dest.replace('_', '-')} does nothing {why}")
