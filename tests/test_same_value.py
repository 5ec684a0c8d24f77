"""The one "same value?" rule (crossgrad.core.same_value): on float64 values and on the
bits a run records at the dtype's width, the same answer; and the one reading of a value's text."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from crossgrad.core.dtypes import bits, numpy_dtype
from crossgrad.core.records import fmt
from crossgrad.core.same_value import bits_key, parse_value, same_value, value_key

WIDTH = {"float64": 64, "float32": 32, "float16": 16, "bfloat16": 16}
UINT = {64: np.uint64, 32: np.uint32, 16: np.uint16}


def from_pattern(pattern: int, dtype: str) -> float:
    """Every bit pattern of the dtype, NaN payloads and signed zeros included, widened to float64."""
    return float(np.asarray(pattern, dtype=UINT[WIDTH[dtype]]).view(numpy_dtype(dtype)))


def patterns(dtype: str):
    width = WIDTH[dtype]
    quiet_nan = int(bits(math.nan, dtype), 16)
    # +0.0, -0.0 (the pair == folds); a quiet NaN and a negative NaN of another payload
    special = [0, 1 << (width - 1), quiet_nan, (1 << width) - 1]
    return st.one_of(st.sampled_from(special), st.integers(0, (1 << width) - 1))


@pytest.mark.parametrize("dtype", list(WIDTH))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_rule_on_float64_and_on_the_dtypes_own_bits_agree(dtype, data):
    pa, pb = data.draw(patterns(dtype)), data.draw(patterns(dtype))
    a, b = from_pattern(pa, dtype), from_pattern(pb, dtype)
    at_width = bits_key(f"0x{pa:x}", dtype) == bits_key(f"0x{pb:x}", dtype)
    assert same_value(a, b) == at_width == (value_key(a) == value_key(b)), (dtype, hex(pa), hex(pb))
    if not math.isnan(a):  # widening is exact: the value's bits at its width come back
        assert bits_key(bits(a, dtype), dtype) == bits_key(f"0x{pa:x}", dtype)


def test_the_rule_tells_the_zeros_apart_and_keeps_every_nan_in_one_class():
    assert not same_value(0.0, -0.0) and 0.0 == -0.0
    assert same_value(math.nan, -math.nan) and same_value(math.nan, from_pattern(0x7FC1, "bfloat16"))
    assert bits_key("0x7fc1", "bfloat16") == bits_key("0xffc0", "bfloat16") == "nan"
    assert bits_key("0x8000", "float16") != bits_key("0x0000", "float16")
    assert not same_value(1.0, math.nextafter(1.0, 2.0)) and same_value(math.inf, math.inf)


def test_no_value_is_only_the_same_as_no_value():
    assert same_value(None, None)
    assert not same_value(None, 0.0) and not same_value(-0.0, None) and not same_value(None, math.nan)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_the_one_reading_gives_back_every_value_written(value):
    assert same_value(parse_value(fmt(value)), value)
    assert parse_value(value) == value or math.isnan(value)  # a value already read is kept


def test_the_one_reading_of_no_value_and_of_text_that_is_not_a_float():
    assert parse_value("") is None and parse_value(None) is None
    assert math.copysign(1.0, parse_value("-0.0")) == -1.0
    for text in ("__import__('os')", "1+1", "0x10", "[1]", "[-1.0, 0.0]", "undefined"):
        with pytest.raises(ValueError):
            parse_value(text)
