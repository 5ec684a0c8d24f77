"""The case model: a differentiable function written once, its points and their truth.

A case is `fn(ops, x, w, b)`, written against an adapter's `ops` namespace and
Python operators, so one definition serves every framework. x is data; the
differentiated arguments are listed in `wrt` (w and b for the seed's shape).

Truth is stated per point for the op applied to z = x*w + b: the value, the
first derivative d op/dz and the second d²op/dz². The runner derives the truth
of each recorded quantity by the chain rule (see `crossgrad.truth`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from crossgrad.dtypes import NAMES as DTYPES  # every case runs in all of them by default


@dataclass(frozen=True)
class Truth:
    """The mathematical truth of one derivative at one point.

    kind "exact": the derivative exists and equals `value`.
    kind "set": it does not exist; valid values are the closed interval [lo, hi]
                (the Clarke subdifferential: [0, 1] for relu at 0).
    kind "undefined": no valid value exists (a jump, or an infinite slope).

    signed: whether the sign of an exact zero is part of the truth. First-order
    zeros are signed (the IEEE chain-rule product, see crossgrad.truth); a
    second-order zero is a structural zero whose sign no rule fixes.
    """

    kind: str
    value: float = math.nan
    lo: float = math.nan
    hi: float = math.nan
    signed: bool = True

    def __post_init__(self):
        if self.kind not in ("exact", "set", "undefined"):
            raise ValueError(f"unknown truth kind {self.kind!r}")


def exact(value: float) -> Truth:
    return Truth("exact", value=float(value))


def subgradients(lo: float, hi: float) -> Truth:
    return Truth("set", lo=float(lo), hi=float(hi))


UNDEFINED = Truth("undefined")


@dataclass(frozen=True)
class Point:
    """Named inputs, and the truth of the op at z = x*w + b (None: not stated)."""

    name: str
    x: float
    w: float
    b: float
    value: Truth | None = None
    d1: Truth | None = None
    d2: Truth | None = None
    dtypes: tuple[str, ...] = DTYPES  # a point that only exists in some dtypes (a float64 subnormal)

    @property
    def z(self) -> float:
        return self.x * self.w + self.b


@dataclass(frozen=True)
class Case:
    """One differentiable function and the points where it is evaluated.

    `native` maps a framework name to its own spelling of `fn` where the
    framework-neutral version cannot express the case (the report says so).
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

    def point(self, name: str) -> Point:
        for p in self.points:
            if p.name == name:
                return p
        raise KeyError(name)

    def function_for(self, framework: str) -> Callable:
        return self.native.get(framework, self.fn)


ARG_NAMES = ("x", "w", "b")
