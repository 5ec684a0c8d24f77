"""The case model: a differentiable function written once, its points and their truth.

A case is `fn(ops, x, w, b)`, written against an adapter's `ops` namespace and
Python operators, so one definition serves every framework. x is data; the
differentiated arguments are listed in `wrt` (w and b for the seed's shape).

Truth is stated per point for the op applied to z = x*w + b: the value, the
first derivative d op/dz and the second d²op/dz². The runner derives the truth
of each recorded quantity by the chain rule (see `crossgrad.judging.truth`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from crossgrad.core.dtypes import FACTS, program_z, round_to
from crossgrad.core.dtypes import NAMES as DTYPES  # every case runs in all of them by default
from crossgrad.core.names import check_name
from crossgrad.core.native import as_case_function


@dataclass(frozen=True)
class Truth:
    """The mathematical truth of one derivative at one point.

    kind "exact": the derivative exists and equals `value`.
    kind "set": it does not exist; valid values are the closed interval [lo, hi]
                (the Clarke subdifferential: [0, 1] for relu at 0).
    kind "undefined": no valid value exists (a jump, or an infinite slope).

    signed: whether the sign of an exact zero is part of the truth. First-order
    zeros are signed (the IEEE chain-rule product, see crossgrad.judging.truth); a
    second-order zero is a structural zero whose sign no rule fixes.
    """

    kind: str
    value: float = math.nan
    lo: float = math.nan
    hi: float = math.nan
    signed: bool = True
    reason: str = ""  # why an "undefined" truth has no valid value (the report shows it)

    def __post_init__(self):
        if self.kind not in ("exact", "set", "undefined"):
            raise ValueError(f"unknown truth kind {self.kind!r}")


def exact(value: float) -> Truth:
    return Truth("exact", value=float(value))


def subgradients(lo: float, hi: float) -> Truth:
    return Truth("set", lo=float(lo), hi=float(hi))


def undefined(reason: str) -> Truth:
    """No valid value exists, and why (a jump, outside the domain, ...)."""
    return Truth("undefined", reason=reason)


UNDEFINED = Truth("undefined")


@dataclass(frozen=True)
class Point:
    """Named inputs, and the truth of the op at z = x*w + b (None: not stated).

    x, w and b are floats (1-element arrays, the atlas) or tuples of floats (a
    vector point: ties, masks). Tuples have one length n; a float beside them is
    a 1-element array the framework broadcasts. A vector point states its truth
    per recorded element in `elements` instead of value/d1/d2 (crossgrad.judging.truth).
    """

    name: str
    x: float | tuple[float, ...]
    w: float | tuple[float, ...]
    b: float | tuple[float, ...]
    value: Truth | None = None
    d1: Truth | None = None
    d2: Truth | None = None
    dtypes: tuple[str, ...] = DTYPES  # a point that only exists in some dtypes (a float64 subnormal)
    # Vector points: (ad, wrt) -> one Truth per recorded element, at seed 1 (ad
    # "none" has wrt ""); crossgrad.judging.truth multiplies by the seed. See crossgrad/core/vector.py.
    elements: dict | None = field(default=None, hash=False)

    def __post_init__(self):
        check_name("point", self.name)
        lengths = {len(v) for v in (self.x, self.w, self.b) if isinstance(v, tuple)}
        if len(lengths) > 1:
            raise ValueError(f"point {self.name!r}: x, w and b have lengths {sorted(lengths)}")

    @property
    def is_vector(self) -> bool:
        return any(isinstance(v, tuple) for v in (self.x, self.w, self.b))

    @cached_property
    def largest_abs_x(self) -> float:
        """max |x_i| (|x| of a scalar point), computed once: a vector point's rows are
        judged one element at a time, and each needs it (crossgrad.judging.truth)."""
        return max(map(abs, self.x)) if isinstance(self.x, tuple) else abs(self.x)

    @property
    def z(self) -> float | tuple[float, ...]:
        if not self.is_vector:
            return self.x * self.w + self.b
        n = max(len(v) for v in (self.x, self.w, self.b) if isinstance(v, tuple))
        x, w, b = (v if isinstance(v, tuple) else (v,) * n for v in (self.x, self.w, self.b))
        return tuple(xi * wi + bi for xi, wi, bi in zip(x, w, b))


@dataclass(frozen=True)
class Case:
    """One differentiable function and the points where it is evaluated.

    `native` maps a framework name to its own implementation of the case, a
    function (x, w, b) written in that framework or its import path
    "module:function" (see crossgrad.core.native); the report says so.
    """

    name: str
    fn: Callable
    points: tuple[Point, ...]
    description: str = ""
    wrt: tuple[str, ...] = ("w", "b")
    dtypes: tuple[str, ...] = DTYPES
    native: dict = field(default_factory=dict)
    # truth_at(z) -> (value, d1, d2): the op's truth at any z, the reference of
    # the property tests (tests/test_properties.py); None where not stated.
    truth_at: Callable | None = None
    # Documented alternative definitions of the op, name -> truth_at-like function
    # of z (e.g. {"tanh approximation": ...}): a value that misses the truth but
    # matches one of these is `definitional`, not invalid (crossgrad.judging.verdicts).
    # Which framework uses which form is measured, never declared here.
    forms: dict = field(default_factory=dict)
    # The frameworks and modes the case runs on (() : all). A spelling variant
    # (cases/spellings.py) runs on the framework whose spelling it is; a user's
    # case may name the frameworks or modes that have its op (torch.compile only).
    # A variant is the case `variant_of` with its op written another way,
    # {op name: template} in `respell` ({}: as written).
    frameworks: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    respell: dict = field(default_factory=dict)
    variant_of: str = ""

    def __post_init__(self):
        check_name("case", self.name)  # it becomes a file name: cases/<name>.md

    def point(self, name: str) -> Point:
        for p in self.points:
            if p.name == name:
                return p
        raise KeyError(name)

    def function_for(self, framework: str) -> Callable:
        """fn(ops, x, w, b) for `framework`: the native implementation where one is given."""
        if framework not in self.native:
            return self.fn

        return as_case_function(self.native[framework], framework)

    def runs_on(self, framework: str, mode: str) -> bool:
        """Whether the case is computed for `framework` in `mode` (Case.frameworks, Case.modes);
        a case with no framework-neutral fn runs only where it has a native implementation."""
        if self.fn is None and framework not in self.native:
            return False
        return framework in (self.frameworks or (framework,)) and mode in (self.modes or (mode,))


def per_dtype_points(name: str, x: float, w: float, b: float, truth_in: Callable,
                     dtypes: tuple[str, ...] = DTYPES) -> tuple[Point, ...]:
    """One point per dtype, named `name_<short>` ("bound_bf16"), whose truth is
    `truth_in(z, dtype) -> (value, d1, d2)` at the z that dtype computes: for an op
    whose constant (a bound, a threshold) the framework rounds to the input's dtype,
    so the truth uses the constant as the dtype holds it (`round_to(0.7, dtype)`).
    Inputs are rounded to each dtype (the recorded x, w, b are those computed with)."""
    out = []
    for dtype in dtypes:
        rx, rw, rb = (round_to(v, dtype) for v in (x, w, b))
        value, d1, d2 = truth_in(program_z(rx, rw, rb, dtype), dtype)
        out.append(Point(f"{name}_{FACTS[dtype].short}", rx, rw, rb, value=value, d1=d1, d2=d2, dtypes=(dtype,)))
    return tuple(out)


ARG_NAMES = ("x", "w", "b")
