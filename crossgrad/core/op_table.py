"""The op table's compilation: an adapter's `OPS = {op: template}` into callables.

The format is documented with the contract (crossgrad/adapter.py, which re-exports
every name here: adapters import them from crossgrad.adapter). A template is a
Python expression over positional placeholders ("torch.clamp({0}, min={1})"),
compiled once in the adapter's `namespace()`; its text stays the op's recorded
spelling, so a value and its repro snippet come from the same string.
"""
from __future__ import annotations

import inspect
import re
import string
import types
from typing import Callable

from crossgrad.core.spelling import call_name


class UnsupportedOp(Exception):
    """The framework has no such op ("mlx has no xlogy"): a fact, not a failure.
    The engine records it as outcome `unsupported`, the message in `detail`."""


class UnavailableSpelling(UnsupportedOp):
    """This release of the framework lacks the op's spelling (its table's and any
    older one): outcome `unavailable` in that release, not an error of the op."""

    MARK = "not in this release"


def failed_op_outcome(reason: str) -> str:
    """The outcome of an UnsupportedOp's message (unsupported_reason's): `unavailable`
    for a spelling this release lacks (its mark survives a compiler's wrapping)."""
    return "unavailable" if UnavailableSpelling.MARK in reason else "unsupported"


def unsupported_reason(exc: BaseException) -> str | None:
    """The UnsupportedOp message behind `exc`, also when a compiler re-raised it
    wrapped (as a cause, or, like tf.function, as a new UnsupportedOp whose
    message is a trace ending in the original one); None for another failure."""
    link, seen = exc, set()
    while link is not None and id(link) not in seen:
        if isinstance(link, UnsupportedOp):
            lines = [line.strip() for line in str(link).splitlines() if line.strip()]
            return lines[-1].removeprefix(f"{UnsupportedOp.__name__}: ") if lines else ""
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return None


def placeholder_count(template: str) -> int:
    """How many positional arguments a template takes: "f({0}, {1}.dtype)" -> 2."""
    fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    indices = [int(f.split(".")[0].split("[")[0]) for f in fields]
    return max(indices, default=-1) + 1


def op_from_template(template: str, namespace: dict) -> Callable:
    """The callable a template spells: `lambda a0, a1: <template over a0, a1>`,
    compiled once in `namespace` (the framework's aliases)."""
    params = [f"a{i}" for i in range(placeholder_count(template))]
    return eval(f"lambda {', '.join(params)}: {template.format(*params)}", dict(namespace))


def _absent(framework: str, name: str) -> Callable:
    def absent(*args, **kwargs):
        raise UnsupportedOp(f"{framework} has no {name}")
    absent.__name__ = name
    return absent


def _unavailable(framework: str, name: str, templates: list) -> Callable:
    def unavailable(*args, **kwargs):
        raise UnavailableSpelling(f"{framework} {name}: {' / '.join(templates)} {UnavailableSpelling.MARK}")
    unavailable.__name__ = name
    return unavailable


def spelled_here(template: str, namespace: dict) -> bool:
    """Whether this release has the template's callable and takes its keywords:
    "jnp.clip({0}, min={1})" needs jnp.clip, with a parameter `min` (or **kwargs).
    A callable whose signature Python cannot read (a C function) counts as taking them."""
    head = call_name(template)
    if "{" in head:
        return True  # a method of the argument ("{0}.at[:].set(0.)"): nothing to look up
    target = namespace.get(head.split(".")[0])
    for part in head.split(".")[1:]:
        target = getattr(target, part, None)
    if target is None:
        return False
    try:
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return True
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return True
    names = {p.name for p in params}
    return all(k in names for k in re.findall(r"[(,]\s*([A-Za-z_]\w*)=(?!=)", template.split("(", 1)[-1]))


def first_spelled(framework: str, name: str, templates: list, namespace: dict) -> tuple[Callable, str | None]:
    """(the op, its template) for the first template this release spells; else
    (a callable raising UnavailableSpelling, None)."""
    here = next((t for t in templates if spelled_here(t, namespace)), None)
    if here is None:
        return _unavailable(framework, name, templates), None
    return op_from_template(here, namespace), here


def ops_from_table(framework: str, table: dict, namespace: dict, older: dict | None = None) -> types.SimpleNamespace:
    """An adapter's `ops` from its one table {name: template or None}: each
    template compiled into its callable, `spelling` the templates used, a None
    entry a callable raising UnsupportedOp; `older` (module doc) where this
    release lacks the table's spelling, else a callable raising UnavailableSpelling."""
    ops, spelling = types.SimpleNamespace(), {}
    for name, template in table.items():
        if template is None:
            setattr(ops, name, _absent(framework, name))
            continue
        candidates = [template] + ([older[name]] if older and name in older else [])
        op, here = first_spelled(framework, name, candidates, namespace)
        setattr(ops, name, op)
        if here is not None:
            spelling[name] = here
    ops.spelling = spelling
    return ops
