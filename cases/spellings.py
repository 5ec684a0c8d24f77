"""Spellings (issue 11, item 5): one function, written the ways people write it.

Each adapter lists other spellings of some of its ops (`aliases`, e.g. torch's
relu as F.relu, torch.clamp_min(z, 0.), torch.maximum(z, zeros_like(z))). For
every swept base case below and every alias of its op, one variant case: the
base case's function, points and truths, with that op spelled the other way,
run on its framework only (Case.frameworks, Case.respell). Its name says all
three: "relu~torch:F.relu". The report's spelling section
(crossgrad.reporting.spellings_report) compares each variant with its base case bit for
bit, per framework.

Variants are built from the adapters' tables, read without importing any
framework.
"""
from __future__ import annotations

from dataclasses import replace

from crossgrad.core.spelling import call_name

ORDER = 200  # after every case it varies

# base case -> the op of it whose spellings are swept
SWEEPS = {
    "relu": "relu",
    "maximum_ties": "maximum",
    "minimum_ties": "minimum",
    "max_ties": "max",
    "min_ties": "min",
    "max_axis_ties": "max_axis",
    "norm_zero": "norm",
    "logsumexp_masked": "logsumexp",
    "softmax_masked": "softmax",
}
SEPARATOR = "~"


def label(template: str) -> str:
    """A readable name for a template: its call ("torch.clamp_min"), or the
    template with z for its argument ("z.max()") where it is a method call."""
    name = call_name(template)
    return name if "{" not in name else name.replace("{0}", "z").replace("{1}", "y")


def variant_name(base: str, framework: str, template: str, taken: set) -> str:
    name = f"{base}{SEPARATOR}{framework}:{label(template)}"
    unique, n = name, 2
    while unique in taken:
        unique, n = f"{name}~{n}", n + 1  # not "#": a name is one file name and one link (core/names.py)
    return unique


def variants(base_cases: dict, adapters: dict, sweeps: dict = SWEEPS) -> list:
    """One Case per (swept base case, framework, alias of the op)."""
    out, taken = [], set()
    for base_name, op in sweeps.items():
        base = base_cases.get(base_name)
        if base is None:
            continue
        for fw, adapter in adapters.items():
            for template in adapter.aliases.get(op, ()):
                name = variant_name(base_name, fw, template, taken)
                taken.add(name)
                # truth_at kept: it is the truth at any z, which the verdicts read too (a
                # flushed subnormal's truth at 0), so the same bits get the same verdict
                # here as in the base case. The property tests skip variants (variant_of).
                out.append(replace(base, name=name, frameworks=(fw,), respell={op: template},
                                   variant_of=base_name, native={},
                                   description=f"{base_name} with {op} spelled `{template}` ({fw})"))
    return out


def _base_cases() -> dict:
    """The catalogue's other case modules (not through crossgrad.catalogue, which is
    collecting this module's CASES right now)."""
    import importlib
    import pkgutil

    import crossgrad.cases as cases

    table = {}
    for info in pkgutil.iter_modules(cases.__path__):
        if info.name != __name__.rsplit(".", 1)[-1]:
            for case in getattr(importlib.import_module(f"crossgrad.cases.{info.name}"), "CASES", ()):
                table[case.name] = case
    return table


def _adapters() -> dict:
    from crossgrad.core.registry import frameworks

    return frameworks()


CASES = variants(_base_cases(), _adapters())
