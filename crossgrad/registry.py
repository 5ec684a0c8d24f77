"""Discovery of framework adapters and cases.

Frameworks: every module `frameworks/*_adapter.py` exposing `ADAPTER`, plus any
installed package exposing the entry point group "crossgrad.frameworks" (the
entry point loads to an adapter object or a zero-argument factory). Cases: every
module in `cases/` exposing `CASES`. Neither imports a framework.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
from functools import lru_cache

from crossgrad.case import Case

ENTRY_POINT_GROUP = "crossgrad.frameworks"


class RegistryError(ValueError):
    """Two things registered under one name, or a malformed plug-in."""


def _builtin_adapters() -> list:
    import frameworks

    found = []
    for info in pkgutil.iter_modules(frameworks.__path__):
        if info.name.endswith("_adapter"):
            module = importlib.import_module(f"frameworks.{info.name}")
            found.append(module.ADAPTER)
    return found


def _entry_point_adapters() -> list:
    found = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        # An entry point may name the adapter object or its class.
        found.append(obj() if isinstance(obj, type) else obj)
    return found


@lru_cache(maxsize=None)
def frameworks() -> dict:
    """name -> adapter, built-ins first; a duplicate name is an error."""
    table: dict = {}
    for adapter in _builtin_adapters() + _entry_point_adapters():
        if adapter.name in table:
            raise RegistryError(f"two adapters named {adapter.name!r}")
        table[adapter.name] = adapter
    return table


def _case_modules() -> list:
    import cases

    modules = [importlib.import_module(f"cases.{i.name}") for i in pkgutil.iter_modules(cases.__path__)]
    # A module's ORDER puts it in the catalogue (the seed case first); then by name.
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def register(table: dict, case: Case) -> None:
    if case.name in table:
        raise RegistryError(f"two cases named {case.name!r}")
    table[case.name] = case


@lru_cache(maxsize=None)
def cases() -> dict:
    """name -> Case, in catalogue order; a duplicate name is an error."""
    table: dict = {}
    for module in _case_modules():
        for case in getattr(module, "CASES", ()):
            register(table, case)
    return table
