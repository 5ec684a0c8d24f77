"""The ops a case runs with: the adapter's own, or, for a spelling variant, the
same namespace with one op written another way (an alias of the adapter's).

A spelling variant (cases/spellings.py) states `respell = {op: template}`: the
template is compiled in the adapter's namespace exactly as its own op table is
(crossgrad.adapter.op_from_template), and `spelling[op]` becomes that template,
so the recorded `primitive` and the repro snippet name the alias, not the op.
"""
from __future__ import annotations

from crossgrad.adapter import first_spelled


class RespelledOps:
    """`ops` with some names replaced; everything else is the adapter's."""

    def __init__(self, ops, replaced: dict, templates: dict):
        self._ops = ops
        self._replaced = replaced
        self.spelling = dict(getattr(ops, "spelling", {}), **templates)

    def __getattr__(self, name):
        if name in self._replaced:
            return self._replaced[name]
        return getattr(self._ops, name)


def ops_for(adapter, case):
    """adapter.ops, respelled as `case.respell` says (after adapter.load())."""
    respell = getattr(case, "respell", None) or {}
    if not respell:
        return adapter.ops

    namespace = adapter.namespace()
    # A release that lacks the alias's spelling records it `unavailable` (crossgrad.adapter).
    replaced = {op: first_spelled(adapter.name, op, [template], namespace)[0] for op, template in respell.items()}
    return RespelledOps(adapter.ops, replaced, dict(respell))
