"""A run folder's recorded spelling templates, checked before a repro snippet uses them.

env.json records each framework's op templates ("torch.clamp({0}, min={1})"): the
calls the run made. A snippet pastes them into code a reader runs, and a run
folder is data anyone may have written, so a recorded template is used only
where it is one this crossgrad's adapter writes itself.
"""
from __future__ import annotations

from crossgrad.core.registry import frameworks


class SnippetError(ValueError):
    """The case cannot be written out for this framework (a missing spelling, ...)."""


def trusted_spelling(framework: str, recorded: dict) -> dict:
    """The spelling templates a run folder's env.json recorded, used only where each
    is one this crossgrad's adapter writes itself (its op_table or aliases): a
    snippet is pasted and run by a reader, and a folder handed around may carry
    any text. SnippetError (the snippet says it cannot be trusted) otherwise."""
    adapter = frameworks().get(framework)
    if adapter is None:
        raise SnippetError(f"no adapter {framework!r} here to check the recorded spelling against")
    if not isinstance(recorded, dict):
        raise SnippetError(f"env.json's spelling for {framework} is not a table; the snippet cannot be trusted")
    table, aliases = dict(adapter.op_table), adapter.aliases
    for op, template in recorded.items():
        if template != table.get(op) and template not in aliases.get(op, ()):
            raise SnippetError(f"env.json spells ops.{op} as {str(template)[:80]!r}, which this crossgrad's "
                               f"{framework} adapter does not write; a snippet from it cannot be trusted")
    return dict(recorded)
