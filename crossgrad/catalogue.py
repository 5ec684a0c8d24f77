"""The case catalogue: crossgrad's own cases, installed packages' cases, the user's case files.

Built-ins: every module in `cases/` exposing `CASES` (its ORDER places it, the
seed case first). Then every installed package's entry point in the group
"crossgrad.cases" (it loads to a list of Case, or a module with CASES), then
the user's case files (`crossgrad run --cases-from PATH.py`, see
crossgrad.core.user_cases). Nothing here imports a framework.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path

import crossgrad.cases as builtin_case_modules
from crossgrad.core.case import Case
from crossgrad.core.registry import RegistryError
from crossgrad.core.user_cases import CaseSourceError, entry_point_sources, load_case_file

CASES_ENTRY_POINT_GROUP = "crossgrad.cases"


def _case_modules() -> list:
    modules = [importlib.import_module(f"crossgrad.cases.{i.name}")
               for i in pkgutil.iter_modules(builtin_case_modules.__path__)]
    # A module's ORDER puts it in the catalogue (the seed case first); then by name.
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def register(table: dict, case: Case) -> None:
    if case.name in table:
        raise RegistryError(f"two cases named {case.name!r}")
    table[case.name] = case


@lru_cache(maxsize=None)
def builtin_cases() -> dict:
    """name -> Case of crossgrad's own catalogue (cases/*.py)."""
    table: dict = {}
    for module in _case_modules():
        for case in getattr(module, "CASES", ()):
            register(table, case)
    return table


@lru_cache(maxsize=None)
def cases() -> dict:
    """name -> Case: the catalogue, then installed packages' cases, then the
    case files in use (use_case_files); a duplicate name is an error."""
    table = dict(builtin_cases())
    for origin, found in entry_point_sources(CASES_ENTRY_POINT_GROUP):
        add_user_cases(table, found, origin)
    for path in _CASE_FILES:
        add_user_cases(table, load_case_file(path), path)
    return table


_CASE_FILES: list[str] = []


def use_case_files(paths) -> None:
    """From now on cases() also holds the cases of these files (absolute paths kept,
    so a worker started elsewhere finds them); raises CaseSourceError on a bad one."""
    _CASE_FILES[:] = [str(Path(p).resolve()) for p in paths]
    cases.cache_clear()
    cases()  # load now: a bad file fails here, before any worker starts


def case_files() -> list[str]:
    """The case files in use, as absolute paths (what a worker's job carries)."""
    return list(_CASE_FILES)


def add_user_cases(table: dict, found: list[Case], origin: str) -> None:
    """Add `found` to table (name -> Case); a name already there is a CaseSourceError."""
    for case in found:
        if case.name in table:
            where = "a built-in case" if case.name in builtin_cases() else "a case loaded before it"
            raise CaseSourceError(f"{origin}: case {case.name!r} clashes with {where} of that name; rename it")
        table[case.name] = case
