"""Helpers for adapter authors (public: a plug-in package imports them from here).

- `LazyFramework`: the skeleton the built-in adapters share. Subclass it, set
  `name`, `package` (the distribution whose version is reported), `modes`,
  `dtypes`, `op_table`, `install_hint`, `snippets` (its `wrap` gives compile()),
  and write load() (import the framework, set `self._module` and `self._ops`),
  namespace(), devices(), asarray, to_numpy, block, vjp, jvp and info(). Importing
  the adapter's module then imports no framework: version() reads the installed
  distribution's metadata, and every method that needs the framework goes through
  _require(), which says clearly when load() was forgotten.
- `dist_version(name)`: a distribution's installed version without importing it.
- `with_args(f, args, wrt)`: f as a function of the differentiated arguments only.
- `leaves(tree)`: the arrays of a nested tuple (None entries skipped), for block().
- `differences(cases, text, **where)`: one KnownDifference per case, the same text
  ("{case}" in it replaced by each case's name).
- `env_vars(names)`: those of the environment variables set, for info()'s "env";
  `environ_kept(*names)`: a block (a framework's import) that leaves them as they were.
- `bfloat16_from_bits(bits)`: a uint16 array of bfloat16 bits as NumPy's bfloat16
  (ml_dtypes), for frameworks whose read-back gives the bits; `bfloat16_bits(value)`:
  asarray's way in, the bits of a bfloat16 array (None for other dtypes). Both
  also serve a worker without ml_dtypes (crossgrad.core.bfloat16's stand-in).
- `reason_in(exc, phrases)`: the first line of an exception, or of one it was
  raised from, that holds one of the phrases (how a framework says it lacks a
  kernel); `unsupported_unless(name, fn, reason)`: the op, with each failure that
  reason() explains raised as UnsupportedOp (an `unsupported` row, not an error);
  `guard_ops(ops, table, reason_for)`: every op of an op table so wrapped.
- `per_signature(make)`: one compiled function per input signature (shapes and
  dtypes), for JITs that capture one signature only; `distinct(args, identity,
  copy)`: a repeated buffer copied, for JITs that refuse one buffer passed twice;
  `eager_once_refused(compiled, f, refused, note)`: f itself once the compiler
  says there is nothing to compile.
- `through_backward(f, args, wrt, seed_for)`: the gradients as `.backward()` code
  reads them from `.grad` (a gradient API beside the pure transform: gradient_apis()).
- `Notes`: a set of notes for notes(), take() joins and clears them.
- `sqlite_rows(path)`: the rows of every table of an SQLite file, read only, and
  `files_in(folder)`: a kernel cache's size; `cache_state(what, where, count,
  unit, empty)`: compile_cache()'s "warm: ..." or "cold: ..." sentence.

docs/adapters.md shows a whole adapter built on these (examples/crossgrad-autograd).
"""
from __future__ import annotations

import importlib.metadata
import os
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from crossgrad.core import bfloat16
from crossgrad.core.bfloat16 import has_ml_dtypes
from crossgrad.core.op_table import UnsupportedOp, op_from_template

if TYPE_CHECKING:  # the annotation only: crossgrad.adapter stays unimported at run time
    from crossgrad.adapter import Snippets


def leaves(tree):
    """The arrays of a nested tuple/list; None entries (TF's "no gradient") skipped."""
    if isinstance(tree, (tuple, list)):
        for item in tree:
            yield from leaves(item)
    elif tree is not None:
        yield tree


def with_args(f, args, wrt):
    """f as a function of args[i] for i in wrt only; the others are closed over,
    so they are constants to the transform (x is data, not a parameter)."""
    def partial(*diff):
        full = list(args)
        for i, value in zip(wrt, diff):
            full[i] = value
        return f(*full)
    return partial


def differences(cases, text: str, **where) -> tuple:
    """KnownDifference(case, text, **where) for each case, "{case}" in text replaced
    by its name: one finding that shows in several cases (a spelling variant and its base case)."""
    from crossgrad.adapter import KnownDifference

    return tuple(KnownDifference(case, text.replace("{case}", case), **where) for case in cases)


def env_vars(names) -> dict:
    """The environment variables of `names` that are set, with their values."""
    return {k: os.environ[k] for k in names if k in os.environ}


@contextmanager
def environ_kept(*names):
    """os.environ's `names` put back as they were once the block ends: an import
    that sets one (Paddle's sets OMP_NUM_THREADS=1) would pass it on to every later
    import and subprocess."""
    before = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def bfloat16_from_bits(bits) -> np.ndarray:
    """A copy of a uint16 array of bfloat16 bits, viewed as ml_dtypes' bfloat16; where
    ml_dtypes is absent (a history cell's worker), crossgrad's NumPy-only stand-in."""
    if not has_ml_dtypes():
        return bfloat16.from_bits(bits)
    import ml_dtypes  # NumPy's bfloat16 (a dependency of crossgrad itself)

    return np.array(bits, dtype=np.uint16, copy=True).view(ml_dtypes.bfloat16)


def bfloat16_bits(value) -> np.ndarray | None:
    """The bits (uint16, same shape) of a bfloat16 array, ml_dtypes' or the stand-in's;
    None for an array of any other dtype."""
    if isinstance(value, bfloat16.Bfloat16InFloat32):
        return bfloat16.to_bits(value)
    array = np.asarray(value)
    return array.view(np.uint16) if array.dtype.name == "bfloat16" else None


def reason_in(exc: BaseException, phrases) -> str | None:
    """The first line that holds one of `phrases`, in exc's text or in that of an
    exception it was raised from (__cause__, __context__); None where none does."""
    link, seen = exc, set()
    while link is not None and id(link) not in seen:
        lines = [line.strip() for line in str(link).splitlines() if any(p in line for p in phrases)]
        if lines:
            return lines[0]
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return None


def unsupported_unless(name: str, fn, reason):
    """fn, raising UnsupportedOp where it fails for a reason the framework lacks
    something: reason(exc, args) says what ("" or None: a real failure, re-raised).
    An UnsupportedOp fn raises already says why: it passes unchanged."""
    def op(*args):
        try:
            return fn(*args)
        except UnsupportedOp:
            raise
        except Exception as exc:
            why = reason(exc, args)
            if not why:
                raise
            raise UnsupportedOp(f"{why}") from exc
    op.__name__ = name
    return op


def guard_ops(ops, table: dict, reason_for):
    """ops with each op that `table` spells (template not None) wrapped by
    unsupported_unless(name, op, reason_for(name)); returns ops."""
    for name, template in table.items():
        if template is not None:
            setattr(ops, name, unsupported_unless(name, getattr(ops, name), reason_for(name)))
    return ops


def per_signature(make):
    """A function that, for each input signature (each array's shape and dtype,
    repr of any other argument), calls the one function make() built for it."""
    built = {}

    def call(*args):
        key = tuple((tuple(a.shape), str(a.dtype)) if hasattr(a, "shape") else repr(a) for a in args)
        if key not in built:
            built[key] = make()
        return built[key](*args)
    return call


def distinct(args, identity, copy) -> tuple:
    """args with no buffer passed twice: an argument whose identity(arg) (None: not
    a buffer) came before is replaced by copy(arg), which keeps its bits."""
    seen, out = set(), []
    for arg in args:
        key = identity(arg)
        if key is not None:
            if key in seen:
                arg = copy(arg)
                key = identity(arg)
            seen.add(key)
        out.append(arg)
    return tuple(out)


def eager_once_refused(compiled, f, refused, note):
    """compiled, until it raises an exception that refused(exc) says means "nothing
    to compile" (a function whose result is a constant): from then on f itself, and
    note() at each such call, so the rows can say so. Other failures propagate."""
    state = {"compiled": compiled}

    def run(*args):
        if state["compiled"] is not None:
            try:
                return state["compiled"](*args)
            except Exception as exc:
                if not refused(exc):
                    raise
                state["compiled"] = None
        note()
        return f(*args)
    return run


def through_backward(f, args, wrt, seed_for):
    """The gradients as code that calls `.backward()` gets them: out = f(*args),
    out.backward(gradient=seed_for(out)), then each args[i].grad for i in wrt.
    Their .grad is cleared before and put back after: nothing accumulates, and
    the caller's tensors are left as they were."""
    saved = [args[i].grad for i in wrt]
    try:
        for i in wrt:
            args[i].grad = None
        out = f(*args)
        out.backward(gradient=seed_for(out))
        return tuple(args[i].grad for i in wrt)
    finally:
        for i, grad in zip(wrt, saved):
            args[i].grad = grad


def sqlite_rows(path: str) -> int:
    """Rows in every table of an SQLite file, opened read only (0 where absent or unreadable)."""
    import sqlite3
    from contextlib import closing

    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return sum(db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables)
    except sqlite3.Error:
        return 0


def files_in(folder: str) -> int:
    """Files under a folder, at any depth (0 where it is absent)."""
    return sum(len(names) for _, _, names in os.walk(folder))


def cache_state(what: str, where: str, count: int, unit: str = "files", empty: str = "empty") -> str:
    """compile_cache()'s sentence: "warm: WHAT WHERE holds COUNT UNIT", or "cold: WHAT WHERE EMPTY"."""
    return f"warm: {what} {where} holds {count} {unit}" if count else f"cold: {what} {where} {empty}"


def dist_version(name: str) -> str | None:
    """Installed version of a distribution, without importing it; None if absent."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


class Notes(set):
    """What an adapter's compiler did that a reader of the rows must know (notes()):
    add() each; take() returns them joined, in order, and forgets them."""

    def take(self) -> str:
        text = "; ".join(sorted(self))
        self.clear()
        return text


class LazyFramework:
    """The framework module is imported by load() (never at import time), and every
    method that needs it goes through _require(). The optional facts are not set
    here: the registry gives each its one default (crossgrad.core.contract.OPTIONAL)."""

    package: str  # distribution whose version is reported
    snippets: "Snippets"  # crossgrad.adapter.Snippets: repro text and the compile wrappers

    def __init__(self):
        self._module = None
        self._ops = None

    def version(self) -> str | None:
        return dist_version(self.package)

    def _require(self):
        if self._module is None:
            raise RuntimeError(f"{type(self).__name__}.load() must be called first")
        return self._module

    @property
    def ops(self):
        self._require()
        return self._ops

    def compile(self, f, mode):
        """eager: f itself; another mode: the adapter's wrap template for it, the
        same text its repro snippets print (snippets.wrap)."""
        if mode == "eager":
            return f
        wrap = self.snippets.wrap.get(mode) if self.snippets is not None else None
        if wrap is None or mode not in self.modes:
            raise ValueError(f"{self.name} has no mode {mode!r}; modes: {', '.join(self.modes)}")
        return op_from_template(wrap, self.namespace())(f)
