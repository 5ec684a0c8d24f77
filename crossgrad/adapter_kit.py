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

docs/adapters.md shows a whole adapter built on these (examples/crossgrad-autograd).
"""
from __future__ import annotations

import importlib.metadata

from crossgrad.core.op_table import op_from_template


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


def dist_version(name: str) -> str | None:
    """Installed version of a distribution, without importing it; None if absent."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


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
