"""The one rule for the names a run folder carries as file names and selection keys.

A case name (and a point name) is NAME_PATTERN: letters, digits and `_ . : ~ ( ) -`,
not starting with a dot, at most 200 characters. That keeps every name a single
file name inside the run folder (`cases/<case>.md`: no `/`, no `..` at the
start, no hidden file), one token of a comma-separated selection (no comma,
no space) and one word of markdown (no newline, no `<`, `[`, `|`, `*`, `` ` ``). A
spelling variant is `base~framework:spelling` (cases/spellings.py, e.g.
`max_ties~torch:z.max()`), hence `~`, `:` and the parentheses. Checked where a case is defined (crossgrad.core.case) and where a run
folder is read (crossgrad.core.run_folder): a folder with another name is refused.
"""
from __future__ import annotations

import re

NAME_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.:~()-]{0,199}"
_NAME = re.compile(NAME_PATTERN)
NAME_RULE = "letters, digits and _ . : ~ ( ) -, not starting with a dot, at most 200 characters"


class BadName(ValueError):
    """A case or point name outside NAME_PATTERN."""


def is_valid_name(name) -> bool:
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


def check_name(kind: str, name) -> str:
    """`name` itself, or BadName saying what the pattern allows."""
    if not is_valid_name(name):
        raise BadName(f"{kind} name {name!r} is not allowed: a name is {NAME_RULE}")
    return name
