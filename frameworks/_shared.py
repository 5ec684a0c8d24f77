"""Small helpers the adapters share (not an adapter: no ADAPTER here)."""
from __future__ import annotations

import importlib.metadata

from crossgrad.adapter import op_from_template


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
    """The skeleton the built-in adapters share: the framework module is imported
    by load() (never at import time), and every method that needs it goes through
    _require(), which says clearly when load() was forgotten."""

    package: str  # distribution whose version is reported
    snippets: "Snippets"  # crossgrad.adapter.Snippets: repro text and the compile wrappers
    # The optional facts of crossgrad.adapter.Adapter, at their defaults.
    flushes_subnormals = False
    known_differences: tuple = ()
    costly_modes: tuple = ()
    import_first: tuple = ()

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
        wrap = self.snippets.wrap.get(mode)
        if wrap is None or mode not in self.modes:
            raise ValueError(f"{self.name} has no mode {mode!r}; modes: {', '.join(self.modes)}")
        return op_from_template(wrap, self.namespace())(f)
