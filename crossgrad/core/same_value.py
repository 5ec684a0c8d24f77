"""The one "same value?" rule, and the one reading of a value's text (issue 19).

The rule: a value's identity is its bits.
  - -0.0 and 0.0 are different values (== calls them equal; the rule does not);
  - every NaN is one class: a NaN is the same value as any other NaN, whatever its sign
    and payload;
  - no value (None; "" in a file) is the same only as no value.
It is the rule of the expectations file (`crossgrad check`), of the grouping of a matrix
row (crossgrad.judging.compare), of spellings, of `crossgrad compare`'s "same" and of the
conformance checks. Two places look finer on purpose, beside the rule: the difference of
two recordings (crossgrad.judging.difference) and the divergences within a framework
(crossgrad.judging.divergence) report two NaNs whose *recorded* bits differ ("nan
payload", `payload_only`), ranked lowest, while the rule still calls them the same value.

Widening is exact: every bfloat16, float16 and float32 value is a float64 value, and
two values that are not NaN have the same bits at their dtype's width exactly when their
float64 bits are the same. So the rule reads the same on a value widened to float64 (as
`value_key` and `same_value` do) and on the bits at the dtype's own width that a run
records (`bits_key`; crossgrad.core.run_table's `bits` column); tests/test_same_value.py
shows both agree for float64, float32, float16 and bfloat16.

A value travels in a file as Python's round-trip repr (crossgrad.core.records.fmt:
"-0.0", "nan", "inf", every digit); `parse_value` is the one reading of that text, used
wherever a text value is read. Whoever holds the parsed float passes it, not its text.
"""
from __future__ import annotations

import math
import struct

from crossgrad.core.dtypes import from_bits


def parse_value(value) -> float | None:
    """A value as a float: its repr text parsed exactly (float() reads "nan", "inf",
    "-0.0" and refuses anything but a float literal with ValueError, never evaluating);
    None for no value ("" or None); a number already parsed is returned as a float."""
    if isinstance(value, str):
        return float(value) if value else None
    return None if value is None else float(value)


def value_key(value: float) -> str:
    """The identity of a value as a key (grouping, dict keys): its float64 bits in
    hex, "nan" for every NaN."""
    if math.isnan(value):
        return "nan"
    return struct.pack("<d", value).hex()


def same_value(a: float | None, b: float | None) -> bool:
    """The rule (module doc): the same bits, every NaN alike; None only matches None."""
    if a is None or b is None:
        return a is None and b is None
    return value_key(a) == value_key(b)


def bits_key(bits: str, dtype: str) -> str:
    """The identity of a value from its recorded bits at the dtype's width ("0x3f80"
    for bfloat16 1.0): the bits themselves, lower case, or "nan" for every NaN pattern."""
    if math.isnan(from_bits(bits, dtype)):
        return "nan"
    return "0x%x" % int(bits, 16)


__all__ = ["parse_value", "value_key", "same_value", "bits_key"]
