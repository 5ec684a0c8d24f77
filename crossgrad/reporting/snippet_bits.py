"""Snippet text that keeps a value's bits: inputs built from their exact bits where a
Python float would lose them (a NaN's sign or payload), and lines that print a result's
bits (repr writes every NaN as nan). Text only: nothing here imports a framework."""
from __future__ import annotations

import math
import struct

from crossgrad.core.dtypes import bits, facts
from crossgrad.reporting.recorded_spelling import SnippetError

_MARK = "__CROSSGRAD_ELEMENTS__"


def values(value) -> tuple:
    return tuple(float(v) for v in (value if isinstance(value, tuple) else (value,)))


def has_odd_nan(value, dtype: str) -> bool:
    """Whether an input holds a NaN other than the dtype's own float('nan') (its sign or payload).
    The default NaN's bits are worked out only when there is a NaN to hold against them:
    every snippet asks, and most inputs hold none."""
    nans = [v for v in values(value) if math.isnan(v)]
    if not nans:
        return False
    default = bits(math.nan, dtype)
    return any(bits(v, dtype) != default for v in nans)


def array(text, value, dtype: str) -> str:
    """The input as the adapter's array literal. A NaN with its own sign or payload is
    built from its exact bits at the dtype (the bits crossgrad's run gave the framework):
    a framework converting a Python float to 16 bits may drop a NaN's payload (torch
    writes 0x7e00 for every float16 NaN), a NumPy array of the dtype is copied as is."""
    if not has_odd_nan(value, dtype):
        return text.array.format(value=elements(value), dtype=dtype)
    literal = text.array.format(value=_MARK, dtype=dtype)
    if f"[{_MARK}]" not in literal:
        raise SnippetError(f"the array template {text.array!r} has no [{{value}}] list to build from bits")
    patterns = ", ".join(bits(v, dtype) for v in values(value))
    view = "ml_dtypes.bfloat16" if dtype == "bfloat16" else f"np.{dtype}"
    numpy = f"np.array([{patterns}], dtype=np.uint{facts(dtype).width}).view({view})"
    return literal.replace(f"[{_MARK}]", numpy)


def elements(value) -> str:
    """x, w or b as the elements of a list literal: "1.0, float('-inf')" (a tuple: a vector point)."""
    return ", ".join(literal(v) for v in values(value))


def literal(v: float) -> str:
    """A float as Python text that makes its exact bits: float('nan') is 0x7ff8000000000000
    only, so another NaN (its sign, its payload) is written as its bit pattern."""
    if math.isfinite(v):
        return repr(v)
    pattern = struct.pack(">d", v).hex()
    if math.isnan(v) and pattern != struct.pack(">d", float("nan")).hex():
        return f"__import__('struct').unpack('>d', bytes.fromhex('{pattern}'))[0]"
    return f"float('{v!r}')"


def bits_expression(flat: str, index: int, dtype: str) -> str:
    """The result's bits, which tell -0.0 from 0.0 and one NaN from another: at the
    dtype's width through NumPy (a framework's own float conversion may change a NaN:
    MLX's does); bfloat16, which NumPy lacks, as the float64 bits of the value."""
    if dtype == "bfloat16":
        return f"__import__('struct').pack('>d', {flat}).hex()"
    return f"hex(__import__('numpy').asarray(result).reshape(-1)[{index}].view('uint{facts(dtype).width}'))"


def bits_meaning(dtype: str) -> str:
    return "the value as float64" if dtype == "bfloat16" else f"at {dtype}: a NaN's sign and payload"


def nan_bits_line(flat: str, index: int, dtype: str) -> str:
    """A line printing the result's bits (repr writes every NaN as nan)."""
    return f"print({bits_expression(flat, index, dtype)})  # bits {bits_meaning(dtype)}"


def arg_comment(value, dtype: str) -> str:
    """An input as the comment names it: its repr; a NaN with its own bits as nan(0x7e01)."""
    if not has_odd_nan(value, dtype):
        return repr(value)
    texts = [f"nan({bits(v, dtype)})" if has_odd_nan(v, dtype) else repr(v) for v in values(value)]
    return f"({', '.join(texts)})" if isinstance(value, tuple) else texts[0]
