"""Discovery of framework adapters.

Every module `frameworks/*_adapter.py` exposing `ADAPTER`, plus any installed
package exposing the entry point group "crossgrad.frameworks" (the entry point
loads to an adapter object or its class). Importing an adapter module imports
no framework: adapters load theirs on first use. Each adapter is completed once
here (crossgrad.core.contract.complete: its required attributes checked, every
optional fact it does not declare set to its default). The case catalogue is
found by crossgrad.catalogue.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import pkgutil
from functools import lru_cache

import crossgrad.frameworks as builtin_frameworks
from crossgrad.core.contract import ContractError, complete

ENTRY_POINT_GROUP = "crossgrad.frameworks"


class RegistryError(ValueError):
    """Two things registered under one name, or a malformed plug-in."""


def _builtin_adapters() -> list:
    found = []
    for info in pkgutil.iter_modules(builtin_frameworks.__path__):
        if info.name.endswith("_adapter"):
            module = importlib.import_module(f"crossgrad.frameworks.{info.name}")
            found.append((module.ADAPTER, f"frameworks/{info.name}.py"))
    order = builtin_frameworks.BUILTIN_ORDER
    return sorted(found, key=lambda a: (order.index(a[0].name) if a[0].name in order else len(order), a[0].name))


def _entry_point_adapters() -> list:
    found = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        # An entry point may name the adapter object or its class.
        found.append((obj() if isinstance(obj, type) else obj, f"entry point {ep.name} = {ep.value}"))
    return found


@lru_cache(maxsize=None)
def frameworks() -> dict:
    """name -> adapter, built-ins first; a duplicate name is an error."""
    table: dict = {}
    for adapter, source in _builtin_adapters() + _entry_point_adapters():
        try:
            complete(adapter)
        except ContractError as exc:
            raise RegistryError(f"{source}: {exc}") from None
        if adapter.name in table:
            raise RegistryError(f"two adapters named {adapter.name!r} ({source} is the second)")
        table[adapter.name] = adapter
    return table


def device_names(adapters=None) -> tuple[str, ...]:
    """Every device name a registered adapter declares (its `device_names`),
    "cpu" first: what --devices accepts. No framework is imported."""
    names = {"cpu": None}
    for adapter in (frameworks() if adapters is None else adapters).values():
        names.update(dict.fromkeys(adapter.device_names))
    return tuple(names)


def load_adapter(name: str, threads: int | None = None):
    """The adapter, loaded in this process, after the modules it must follow
    (its `import_first`, where installed: TensorFlow after torch, the other
    order can crash one process). A crossgrad worker holds one framework and
    loads it directly; tests and benchmarks that hold several call this."""
    adapter = frameworks()[name]
    for module in adapter.import_first:
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
    adapter.load(threads=threads)
    return adapter
