"""The verdict of one recorded value against the truth (crossgrad.judging.truth).

A verdict answers "is this value a correct derivative, and if not, what explains
it?". Agreement between frameworks (same bits or not) is crossgrad.judging.compare's job.

    exact         bit-equal to the truth rounded to the dtype, or a zero of either
                  sign where the truth is a zero (the sign is a convention: the
                  report's conventions table measures each framework's rule)
    close         within TOLERANCES of a nonzero truth, relative to its magnitude
                  and never of the opposite sign; a zero truth allows an absolute
                  floor (atol times the chain factors)
    subgradient   inside the Clarke set at a kink (membership, no tolerance)
    imprecise     beyond `close`, yet not of the opposite sign and within the
                  absolute floor: atol times the chain factors, i.e. a few eps of
                  the op's own O(1) terms. A formula that cancels them (gelu as
                  z*(1 + erf(z/sqrt 2)) at z = -5) loses the tiny result's digits,
                  not the derivative: a precision finding, not a wrong value
    flushed       not the truth, but exact/close/inside the set for the input as
                  read with its subnormals flushed to 0 (flush-to-zero hardware),
                  or a zero where the truth rounded to the dtype is subnormal
    definitional  matches a documented alternative form of the op (Case.forms:
                  a tanh approximation, a float32 constant in a float64 op); the
                  form's name goes to row["form"]
    invalid       nothing above explains it: NaN/inf where a finite derivative
                  exists, a value outside the set, a wrong value or sign, a
                  number where a standard defines the result as NaN (a NaN
                  input that max, min, relu, clip must propagate: nan_verdict)
    undefined     no valid value exists at this point (Truth.reason says why):
                  whatever came back is a convention (a derivative at a NaN input)
    error / unavailable / unsupported / no_gradient
                  no value: the framework raised (or crashed, timed out); the
                  device or framework is absent; the framework lacks the op or
                  dtype; the framework returned None (TensorFlow's unconnected
                  gradient, a framework convention)
"""
from __future__ import annotations

import math
import struct

from crossgrad.core.case import Point, Truth
from crossgrad.core.dtypes import is_subnormal
from crossgrad.core.rows import VERDICTS
from crossgrad.core.same_value import parse_value, same_value
from crossgrad.judging.truth import (TOLERANCES, quantity_scale, quantity_truth, round_to,
                                     row_point, row_seed)

VALID = ("exact", "close", "subgradient", "imprecise", "flushed", "definitional")
"""Verdicts of a value that is correct (to precision), or correct for a named
convention or definition: never `invalid`."""
NO_VALUE = ("error", "unavailable", "unsupported", "no_gradient")

ERROR_OUTCOMES = ("error", "crashed", "timeout")
FLUSHED_FORM = "subnormal inputs read as 0"
FLUSHED_RESULT = "subnormal result written as 0"


# --- one value against one truth ---------------------------------------------------


def match(value: float, truth: Truth, dtype: str, scale: float = 1.0,
          loose: bool = False) -> str | None:
    """"exact", "close" or "subgradient" when `value` meets `truth`, "imprecise"
    too when `loose`; None otherwise."""
    if truth.kind == "set":
        lo, hi = round_to(truth.lo, dtype), round_to(truth.hi, dtype)
        # -0.0 and +0.0 are the same real number: both are members of [lo, hi].
        return "subgradient" if math.isfinite(value) and lo <= value <= hi else None
    if truth.kind != "exact" or math.isnan(truth.value):
        return None
    want = round_to(truth.value, dtype)
    if same_value(value, want) or (value == 0.0 and want == 0.0):  # a zero's sign: a convention
        return "exact"
    if not (math.isfinite(value) and math.isfinite(want)):
        return None
    rtol, atol = TOLERANCES.get(dtype, TOLERANCES["float64"])
    floor = abs(value - want) <= atol * scale
    if want == 0.0:
        return "close" if floor else None  # no magnitude to be relative to
    if value != 0.0 and math.copysign(1.0, value) != math.copysign(1.0, want):
        return None  # the opposite sign of a nonzero derivative is never accepted
    if value != 0.0 and abs(value - want) <= rtol * abs(want):
        return "close"
    # A 0 for a tiny truth counts too: exp(z) - 1 for expm1(z) near 0 loses every
    # digit, yet stays within a few eps of the O(1) terms it cancelled.
    return "imprecise" if floor and loose else None


def verdict(value: float | None, outcome: str, truth: Truth | None, dtype: str,
            scale: float = 1.0, flushed: Truth | None = None, forms: dict | None = None) -> str:
    """The verdict of one recorded value (see `judge`)."""
    return judge(value, outcome, truth, dtype, scale, flushed, forms)[0]


def judge(value: float | None, outcome: str, truth: Truth | None, dtype: str,
          scale: float = 1.0, flushed: Truth | None = None,
          forms: dict | None = None) -> tuple[str, str]:
    """(verdict, form) of one recorded value; form names what explained a
    `flushed` or `definitional` value ("" otherwise).

    The outcome decides first; an ok value with no stated truth gets "".
    `flushed`: the truth for the input with its subnormals read as 0 (None: the
    input has none). `forms`: name -> the truth of that alternative form.
    """
    if outcome in ERROR_OUTCOMES:
        return "error", ""
    if outcome in NO_VALUE:
        return outcome, ""
    if value is None:
        return "error", ""  # "ok" without a value: the record itself is broken
    if truth is None:
        return "", ""
    if truth.kind == "undefined":
        return "undefined", ""
    if truth.kind == "exact" and math.isnan(truth.value):
        return nan_verdict(value), ""
    # Strict matches first, so a flushed subnormal (0 for a truth of 1e-43, inside
    # the absolute floor) is `flushed`, not `imprecise`.
    found = match(value, truth, dtype, scale)
    if found:
        return found, ""
    if flushed is not None and flushed.kind != "undefined" and match(value, flushed, dtype, scale, True):
        return "flushed", FLUSHED_FORM
    if value == 0.0 and truth.kind == "exact" and is_subnormal(round_to(truth.value, dtype), dtype):
        return "flushed", FLUSHED_RESULT  # the result itself is subnormal: flushed on the way out
    alternatives = [(n, f) for n, f in (forms or {}).items() if f is not None and f.kind != "undefined"]
    for loose in (False, True):
        if loose and match(value, truth, dtype, scale, loose=True):
            return "imprecise", ""
        for name, form in alternatives:
            if match(value, form, dtype, scale, loose):
                return "definitional", name
    return "invalid", ""


def nan_verdict(value: float) -> str:
    """The verdict where the truth is NaN: a case states exact(nan) only where a
    standard defines the result as NaN (IEEE 754 arithmetic and 754-2019 maximum /
    minimum, NumPy and the array API's max, min, clip and elementwise ops propagate
    a NaN input), so a result that drops the NaN is `invalid`. Where no standard
    defines a result (a derivative at a NaN input) the case states `undefined`.
    Any NaN is accepted: the payload is compared between frameworks, not judged."""
    return "exact" if math.isnan(value) else "invalid"


# --- flush-to-zero --------------------------------------------------------------------


def flushed_point(case, point: Point, dtype: str) -> Point | None:
    """`point` as flush-to-zero hardware reads it: every subnormal input, and a
    subnormal z = x*w + b, read as 0; None when nothing would be flushed or the
    case cannot state its truth at any z."""
    if case is None or case.truth_at is None or point.is_vector:  # vector points state element truths
        return None
    inputs = [round_to(v, dtype) for v in (point.x, point.w, point.b)]
    z = round_to(point.z, dtype)
    if not any(is_subnormal(v, dtype) for v in inputs + [z]):
        return None
    x, w, b = (0.0 if is_subnormal(v, dtype) else v for v in inputs)
    z = x * w + b
    z = 0.0 if is_subnormal(z, dtype) else z
    value, d1, d2 = case.truth_at(z)
    return Point(point.name, x, w, b, value=value, d1=d1, d2=d2)


# --- rows ----------------------------------------------------------------------------


def row_verdict(row: dict, cases: dict, standards: dict | None = None) -> tuple[str, str, Truth | None]:
    """(verdict, form, truth) of one gradient row (see `verdict`). `standards`: a dict
    that keeps each quantity's standard (quantity_standard) for the next rows of it."""
    truth, scale, flushed, forms = row_standard(row, cases, standards)
    judged, form = judge(parse_value(row.get("value")), row.get("outcome", ""), truth, row.get("dtype", "float64"),
                         scale, flushed, forms)
    return judged, form, truth


def row_standard(row: dict, cases: dict, standards: dict | None = None) -> tuple:
    """quantity_standard of a gradient row's quantity (`standards`: as row_verdict's)."""
    ad, wrt, seed, dtype = row.get("ad", ""), row.get("wrt", ""), row_seed(row), row.get("dtype", "float64")
    index = int(row.get("index") or 0)  # a vector point's truth is per element
    key = (row.get("case"), row.get("point"), ad, wrt, _exact(seed), dtype, index)
    standard = None if standards is None else standards.get(key)
    if standard is None:
        standard = quantity_standard(cases, row.get("case"), row_point(row, cases), ad, wrt, seed, dtype, index,
                                     standards)
        if standards is not None:
            standards[key] = standard
    return standard


def quantity_standard(cases: dict, case_name, point: Point | None, ad: str, wrt: str, seed: float | None,
                      dtype: str, index: int, memo: dict | None = None) -> tuple:
    """(truth, scale, flushed truth, forms' truths) a quantity's values are judged against (`judge`);
    `memo` keeps each point's flushed_point for the point's other quantities, and what does not
    depend on the dtype (truth, scale, forms) for the quantity's other dtypes: `point` is then
    the case's own point of that name (row_point)."""
    case = cases.get(case_name)
    truth, scale, forms = _dtype_free(case, case_name, point, ad, wrt, seed, index, memo)
    return truth, scale, _flushed_truth(case, case_name, point, ad, wrt, seed, dtype, memo), forms


def dtype_standards(row: dict, dtypes: list, cases: dict, memo: dict) -> list:
    """row_standard of the row's quantity in each of `dtypes` (the row's own dtype aside), what
    does not depend on the dtype computed once (crossgrad.judging.judge: a run records most
    quantities in several dtypes)."""
    case_name, ad, wrt, seed = row.get("case"), row.get("ad", ""), row.get("wrt", ""), row_seed(row)
    case, point = cases.get(case_name), row_point(row, cases)
    truth, scale, forms = _dtype_free(case, case_name, point, ad, wrt, seed, int(row.get("index") or 0), memo)
    return [(truth, scale, _flushed_truth(case, case_name, point, ad, wrt, seed, dtype, memo), forms)
            for dtype in dtypes]


def _flushed_truth(case, case_name, point: Point | None, ad: str, wrt: str, seed: float | None, dtype: str,
                   memo: dict | None) -> Truth | None:
    """The quantity's truth at the point as flush-to-zero hardware reads it in `dtype` (None: nothing flushed)."""
    if point is None or (moved := _flushed_point(case, case_name, point, dtype, memo)) is None:
        return None
    return quantity_truth(moved, ad, wrt, seed)


def _dtype_free(case, case_name, point: Point | None, ad: str, wrt: str, seed: float | None, index: int,
                memo: dict | None) -> tuple:
    """(truth, scale, forms' truths) of a quantity: the chain rule in float64, whatever the dtype."""
    if point is None:
        return None, 1.0, {}

    def standard() -> tuple:
        forms = {}
        if case is not None and not point.is_vector:
            forms = {name: quantity_truth(_kept(memo, ("form point", (case_name, point.name, name)),
                                                lambda: _at(point, fn)), ad, wrt, seed)
                     for name, fn in case.forms.items()}
        return quantity_truth(point, ad, wrt, seed, index), quantity_scale(point, ad, wrt, seed), forms

    return _kept(memo, ("dtype-free", (case_name, point.name, ad, wrt, _exact(seed), index)), standard)


def _flushed_point(case, case_name, point: Point, dtype: str, memo: dict | None) -> Point | None:
    return _kept(memo, ("flushed point", case_name, point.name, dtype), lambda: flushed_point(case, point, dtype))


def _kept(memo: dict | None, key: tuple, make):
    """make(), kept in `memo` under `key` for the next quantity that needs it (its keys are a
    text and a tuple, or four fields: never a row_standard key's seven); made each time without one."""
    if memo is None:
        return make()
    if key not in memo:
        memo[key] = make()
    return memo[key]


def _at(point: Point, truth_fn) -> Point:
    value, d1, d2 = truth_fn(point.z)
    return Point(point.name, point.x, point.w, point.b, value=value, d1=d1, d2=d2)


_JUDGED = ("case", "point", "ad", "wrt", "cotangent", "tangent", "dtype", "index", "value", "outcome")


def _exact(field):
    """A field as a dict key that tells apart what == would not: a float by type and bits."""
    return (float, struct.pack("<d", field)) if isinstance(field, float) else (type(field), field)


def zero_sign_differs(row: dict) -> bool:
    """Whether an `exact` row is a zero of the other sign than the truth's IEEE
    product (a signed zero truth only): the sign convention, not an error. `row` is a
    judged row (crossgrad.judging.judge: its `number` and typed truth are read)."""
    value = row.get("number")
    if row.get("verdict") != "exact" or value != 0.0 or row.get("truth_kind") != "exact" or not row.get("truth_signed"):
        return False
    return not same_value(value, row.get("truth_value"))


__all__ = ["VERDICTS", "VALID", "verdict", "judge", "match", "row_verdict", "flushed_point",
           "is_subnormal", "zero_sign_differs", "FLUSHED_FORM", "nan_verdict"]
