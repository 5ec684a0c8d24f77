"""The case catalogue: crossgrad's own cases, installed packages' cases, the user's case files.

Built-ins: every module in `cases/` exposing `CASES` (its ORDER places it, the
seed case first). Then every installed package's entry point in the group
"crossgrad.cases" (it loads to a list of Case, or a module with CASES), then
the user's case files (`crossgrad run --cases-from PATH.py`, see
crossgrad.core.user_cases). Nothing here imports a framework, and nothing here
holds a command's state: the case files a command uses are in the Catalogue
value it builds (load_catalogue) and passes down.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
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
def installed_cases() -> dict:
    """name -> Case: the catalogue, then installed packages' cases (entry points); a
    duplicate name is an error. The same for every command of one installation."""
    table = dict(builtin_cases())
    for origin, found in entry_point_sources(CASES_ENTRY_POINT_GROUP):
        add_user_cases(table, found, origin)
    return table


@dataclass(frozen=True)
class Catalogue:
    """The cases one command works with: the installed ones and its case files'.
    Built once per command (load_catalogue) and passed down; workers rebuild it
    from `case_files`, which their job carries."""

    cases: dict                     # name -> Case
    case_files: tuple[str, ...] = ()  # the user's case files, absolute paths


def load_catalogue(case_files=()) -> Catalogue:
    """The installed cases plus those of `case_files` (--cases-from PATH.py), loaded
    now: a bad file is a CaseSourceError here, before any worker starts."""
    paths = tuple(str(Path(p).resolve()) for p in case_files)  # one file twice: its cases clash
    table = dict(installed_cases())
    for path in paths:
        add_user_cases(table, load_case_file(path), path)
    return Catalogue(table, paths)


def cases() -> dict:
    """name -> Case of the installed catalogue (no case file): what a test, a
    conformance check or a script that names no case file works with."""
    return installed_cases()


def add_user_cases(table: dict, found: list[Case], origin: str) -> None:
    """Add `found` to table (name -> Case); a name already there is a CaseSourceError."""
    for case in found:
        if case.name in table:
            where = "a built-in case" if case.name in builtin_cases() else "a case loaded before it"
            raise CaseSourceError(f"{origin}: case {case.name!r} clashes with {where} of that name; rename it")
        table[case.name] = case
