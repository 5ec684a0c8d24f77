"""Native implementations: a case's own code for one framework, in place of `fn(ops, ...)`.

`Case.native` maps a framework name to a function `(x, w, b)` written in that
framework (a torch.autograd.Function's apply, a jax.custom_jvp, a
tf.custom_gradient, an mx.custom_function), or to its import path
"package.module:function". The import path is the way to write it in a cases
file: the file then imports no framework, so `crossgrad list`, pytest
collection and the other frameworks' workers never load it; the worker of
that framework imports it, after its adapter has loaded the framework.

The engine calls every case function as `fn(ops, x, w, b)`; `as_case_function`
wraps a native function into that shape and remembers where it came from, so
a repro snippet can import it (`native_import`) instead of rewriting `ops`.
"""
from __future__ import annotations

import importlib
import inspect
import sys
from typing import Callable


class NativeError(ValueError):
    """A native implementation that cannot be found or called."""


def resolve(native) -> Callable:
    """The function a native entry names: itself, or what "module:function" imports."""
    if callable(native):
        return native
    if not isinstance(native, str) or ":" not in native:
        raise NativeError(f"a native implementation is a function (x, w, b) or 'module:function', "
                          f"got {native!r}")
    module_name, _, attr = native.partition(":")
    module = importlib.import_module(module_name)
    obj = module
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def import_path(native) -> str:
    """'module:qualname' of a native entry (a string is one already)."""
    if isinstance(native, str):
        return native
    return f"{native.__module__}:{native.__qualname__}"


def as_case_function(native, framework: str = "") -> Callable:
    """fn(ops, x, w, b) calling the native (x, w, b).

    Resolved now where `framework` is already imported in this process (a
    worker, a benchmark): a compiler then traces the native code itself, not an
    import (torch.compile breaks its graph on importlib). Elsewhere (the report,
    pytest collection) resolved on first call, so nothing imports the framework."""
    if _framework_imported(framework):
        target = resolve(native)

        def native_case(ops, x, w, b):
            return target(x, w, b)
    else:
        cache: list = []

        def native_case(ops, x, w, b):
            if not cache:
                cache.append(resolve(native))
            return cache[0](x, w, b)

    native_case.crossgrad_native = import_path(native)
    return native_case


def _framework_imported(framework: str) -> bool:
    # A framework's module is named as it is registered (torch, jax, tensorflow, mlx);
    # no adapter declares another import name.
    return framework in sys.modules


def native_import(case_fn: Callable) -> tuple[str, str] | None:
    """(function name, import line) of a wrapped native function; None for fn(ops, ...)."""
    path = getattr(case_fn, "crossgrad_native", None)
    if path is None:
        return None
    module, _, attr = path.partition(":")
    head, _, name = attr.rpartition(".")
    if head:  # a method or nested function: import its owner, then bind the name
        owner = head.split(".")[0]
        return name, f"from {module} import {owner}\n{name} = {attr}"
    return name, f"from {module} import {name}  # the case's native implementation"


def check_signature(native, case_name: str, framework: str) -> None:
    """A callable native must take (x, w, b); strings are checked when the worker imports them."""
    if isinstance(native, str):
        module, _, attr = native.partition(":")
        if not module or not attr:
            raise NativeError(f"case {case_name!r}: native[{framework!r}] = {native!r} is not 'module:function'")
        return
    if not callable(native):
        raise NativeError(f"case {case_name!r}: native[{framework!r}] is neither a function nor 'module:function'")
    try:
        params = inspect.signature(native).parameters
    except (TypeError, ValueError):
        return  # a builtin or C extension: nothing to inspect
    positional = [p for p in params.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) != 3 and not any(p.kind == p.VAR_POSITIONAL for p in params.values()):
        raise NativeError(f"case {case_name!r}: native[{framework!r}] takes "
                          f"({', '.join(params)}); a native implementation takes (x, w, b)")
