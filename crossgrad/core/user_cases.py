"""The user's own cases: a Python file (`--cases-from PATH.py`) or an installed package.

A case file is a module that defines `CASES = [Case(...), ...]`, the same API
as crossgrad's cases/*.py: a framework-neutral `fn(ops, x, w, b)` and/or
`native={"torch": "mypkg.torch_impl:act", ...}` (crossgrad.core.native). The file's
folder goes first on sys.path while it is imported, as pytest does for a
rootdir, so it can import the package it sits beside. A package exposes cases
through the entry point group "crossgrad.cases": the entry point loads to a
list of Case, or to a module that has CASES.

Every way a source can be wrong is a CaseSourceError with a one-line reason
(the CLI exits 2 with it): no such file, an exception while importing it, no
cases in it, something in CASES that is not a Case, a bad native entry, or a
name that a built-in (or an earlier source) already has.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from pathlib import Path

from crossgrad.core.case import Case
from crossgrad.core.native import NativeError, check_signature


class CaseSourceError(ValueError):
    """A user case source that cannot be used; the message is one line."""


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _module_name(path: Path) -> str:
    """The stem, so a native function defined in the file can be imported by name
    in a repro snippet; a private name where the stem is taken or not an identifier."""
    stem = path.stem
    if stem.isidentifier() and stem not in sys.modules:
        return stem
    return f"_crossgrad_cases_{abs(hash(str(path)))}"


def load_case_file(path) -> list[Case]:
    """The Case objects `path` defines in CASES; CaseSourceError says why not."""
    path = Path(path)
    if not path.is_file():
        raise CaseSourceError(f"no such case file {str(path)!r}")
    if path.suffix != ".py":
        raise CaseSourceError(f"{path}: a case file is a Python module (.py) defining CASES = [...]")
    for name, module in list(sys.modules.items()):  # loaded before (the worker, a second call)
        if getattr(module, "__file__", None) == str(path.resolve()) and hasattr(module, "CASES"):
            return _cases_of(module, str(path))
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path.resolve())
    module = importlib.util.module_from_spec(spec)
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # SystemExit or KeyboardInterrupt in a user file is also its fault
        del sys.modules[name]
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise CaseSourceError(f"{path}: raised {_one_line(exc)} while importing it") from None
    return _cases_of(module, str(path))


def _cases_of(source, origin: str) -> list[Case]:
    found = getattr(source, "CASES", source)
    if not isinstance(found, (list, tuple)) or not found:
        raise CaseSourceError(f"{origin} defines no cases (expected CASES = [Case(...), ...] "
                              "with at least one crossgrad.case.Case)")
    for i, case in enumerate(found):
        if not isinstance(case, Case):
            raise CaseSourceError(f"{origin}: CASES[{i}] is a {type(case).__name__}, not a crossgrad.case.Case")
        _validate(case, origin)
    return list(found)


def _validate(case: Case, origin: str) -> None:
    if not case.points:
        raise CaseSourceError(f"{origin}: case {case.name!r} has no points")
    if case.fn is None and not case.native:
        raise CaseSourceError(f"{origin}: case {case.name!r} has neither fn(ops, x, w, b) nor native implementations")
    try:
        for framework, native in case.native.items():
            check_signature(native, case.name, framework)
    except NativeError as exc:
        raise CaseSourceError(f"{origin}: {exc}") from None


def entry_point_sources(group: str) -> list[tuple[str, list[Case]]]:
    """(origin, cases) of every installed entry point in `group`."""
    out = []
    for ep in importlib.metadata.entry_points(group=group):
        origin = f"entry point {ep.name!r} ({ep.value})"
        try:
            obj = ep.load()
        except Exception as exc:
            raise CaseSourceError(f"{origin}: raised {_one_line(exc)} while importing it") from None
        out.append((origin, _cases_of(obj, origin)))
    return out
