"""bfloat16 in NumPy alone, for a worker whose environment lacks ml_dtypes.

A history cell's environment holds one framework release, NumPy and the standard
library (crossgrad.history.cells): torch and MLX do not bring ml_dtypes, and
installing it would clash with old releases' pins. There, a bfloat16 array is a
`Bfloat16InFloat32`: float32 whose upper 16 bits are the bfloat16's bits and whose
lower 16 are zero, so it holds every bfloat16 exactly (a NaN's sign and payload
too), `float()` reads its value, and the class marks it as bfloat16 for an
adapter's asarray (crossgrad.adapter_kit.bfloat16_bits).

The rule that keeps these values identical to ml_dtypes' (tests/test_bfloat16_numpy.py
checks it against ml_dtypes): a float32 is a bfloat16 carrier, kept bit for bit where
its lower 16 bits are zero (a value read back from a framework: ml_dtypes keeps a
bfloat16's bits, NaN payload included); any other value is rounded as ml_dtypes
rounds it: float64 to float32 rounded to odd (crossgrad.core.dtypes), then to nearest,
ties to even, and a NaN becomes the quiet NaN of its sign (0x7fc0 / 0xffc0).
"""
from __future__ import annotations

import numpy as np


class Bfloat16InFloat32(np.ndarray):
    """bfloat16 values held exactly in float32 (see the module's docstring)."""


def has_ml_dtypes() -> bool:
    """Whether NumPy's bfloat16 (ml_dtypes) can be imported here."""
    import importlib.util

    try:
        return importlib.util.find_spec("ml_dtypes") is not None
    except ValueError:  # sys.modules["ml_dtypes"] is None: made unimportable
        return False


def from_bits(bits) -> Bfloat16InFloat32:
    """A new Bfloat16InFloat32 of the bfloat16 bit patterns in `bits` (uint16), same shape."""
    words = np.asarray(bits, dtype=np.uint16)
    wide = words.reshape(-1).astype(np.uint32) << np.uint32(16)
    return wide.view(np.float32).reshape(words.shape).view(Bfloat16InFloat32)


def to_bits(values) -> np.ndarray:
    """The bfloat16 bit patterns (uint16, same shape) of `values` in bfloat16, by the module's rule."""
    array = np.asarray(values)
    flat = array.reshape(-1)
    if flat.dtype.name == "bfloat16":  # ml_dtypes' own: its bits are the answer
        return flat.view(np.uint16).reshape(array.shape)
    if flat.dtype == np.float32:
        words = flat.view(np.uint32)
        upper = (words >> np.uint32(16)).astype(np.uint16)
        return np.where((words & np.uint32(0xFFFF)) == 0, upper, _round_float32(flat)).reshape(array.shape)
    from crossgrad.core.dtypes import _float32_round_to_odd_array  # float64's first rounding

    return _round_float32(_float32_round_to_odd_array(flat.astype(np.float64))).reshape(array.shape)


def to_bfloat16(values) -> Bfloat16InFloat32:
    """`values` in bfloat16, as a Bfloat16InFloat32 (one already so is copied, every bit kept)."""
    return from_bits(to_bits(values))


def _round_float32(single: np.ndarray) -> np.ndarray:
    """float32 (1-d) to bfloat16 bits as ml_dtypes rounds: to nearest, ties to even;
    overflow to infinity; a NaN to the quiet NaN of its sign."""
    words = single.view(np.uint32).astype(np.uint64)  # room above 0xffff8000 for the carry
    rounded = (words + 0x7FFF + ((words >> 16) & 1)) >> 16
    quiet = ((words >> 16) & 0x8000) | 0x7FC0
    return np.where(np.isnan(single), quiet, rounded).astype(np.uint16)
