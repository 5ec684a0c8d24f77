"""Standard points of the seed's shape op(x*w + b), shared by every case module.

smooth (x=3, w=2, b=1: z=7), kink (x=-1, w=1, b=1: z=0 reached with x<0, so the
chain rule multiplies by a negative x), kink_xpos (x=1, w=1, b=-1: z=0 with x>0),
negative (x=-3, w=2, b=1: z=-5). Every z here is exact in every dtype.

Which z a truth is stated at (the rule for every dtype): the z the program
computes in that dtype, x, w and b rounded to it, then the product rounded, then
the sum (crossgrad.core.dtypes.program_z; no fused multiply-add, no wider
intermediate). AD is judged on the op at the z it receives; how rounding moved z
is the forward pass's doing, shown by the near-kink points below. So a point
runs only in the dtypes where its inputs are exact and its z is the z its truth
was stated at; `points()` drops the others, and `per_dtype()` makes one point
per dtype where z differs between them.
"""
from __future__ import annotations

import math
from typing import Callable

from crossgrad.case import DTYPES, Point, Truth
from crossgrad.core.dtypes import FACTS, program_z, representable, round_to

STANDARD = (("smooth", 3.0, 2.0, 1.0), ("kink", -1.0, 1.0, 1.0),
            ("kink_xpos", 1.0, 1.0, -1.0), ("negative", -3.0, 2.0, 1.0))

TruthAt = Callable[[float], tuple[Truth, Truth, Truth]]


def points(truth_at: TruthAt, extra: tuple = (), only: tuple[str, ...] = (),
           standard: bool = True) -> tuple[Point, ...]:
    """Points with the truth of the op at each z: truth_at(z) -> (value, d1, d2).

    `extra` adds (name, x, w, b) for the op's own kinks (relu6 at z=6, ...), or
    (name, x, w, b, dtypes) for a point meant for some dtypes only. Either way a
    point keeps only the dtypes where it is faithful (module doc); one that is
    faithful nowhere is a mistake in the catalogue and raises ValueError.
    `standard=False` leaves the standard points out (cases/special.py).
    """
    chosen = [p for p in STANDARD if standard and (not only or p[0] in only)] + list(extra)
    out = []
    for name, x, w, b, *dtypes in chosen:
        wanted = dtypes[0] if dtypes else DTYPES
        widest = max(wanted, key=lambda d: FACTS[d].width)  # the truth's z: the widest dtype's
        z = program_z(x, w, b, widest)
        kept = tuple(d for d in wanted if faithful(x, w, b, z, d))
        if not kept:
            raise ValueError(f"point {name!r} (x={x!r}, w={w!r}, b={b!r}) computes a different z "
                             f"in each of {', '.join(wanted)}: use per_dtype()")
        value, d1, d2 = truth_at(z)
        out.append(Point(name, x, w, b, value=value, d1=d1, d2=d2, dtypes=kept))
    return tuple(out)


def faithful(x: float, w: float, b: float, z: float, dtype: str) -> bool:
    """x, w, b exact in `dtype` (the chain rule's factor x is the one computed
    with) and the dtype's program z bit-equal to `z` (NaN equal to NaN)."""
    if not all(representable(v, dtype) for v in (x, w, b)):
        return False
    return representable(z, dtype) and _same(program_z(x, w, b, dtype), z)


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def per_dtype(name: str, x: float, w: float, b: float, dtypes: tuple[str, ...] = DTYPES) -> tuple:
    """One point per dtype, `name_<short>` ("near_kink_bf16"), its inputs rounded
    to that dtype (so the recorded x, w, b are those computed with) and its truth
    at that dtype's own z: for inputs whose z rounds differently in each dtype."""
    return tuple((f"{name}_{FACTS[d].short}", *(round_to(v, d) for v in (x, w, b)), (d,)) for d in dtypes)


# Subnormal inputs (found by the property tests): z = w is subnormal, where
# flush-to-zero CPU settings (XLA, Eigen) read it as 0, relu's kink. Each dtype
# has its own subnormal range, so each point states where it exists:
#   2**-140:  subnormal in float32, normal in float64 (a control); 0 in both
#             16-bit dtypes, so not run there.
#   2**-1070: subnormal in float64 only (float32 rounds it to 0).
#   2**-130:  subnormal in bfloat16 (normal from 2**-126, like float32, but only
#             7 fraction bits) and in float32; normal in float64; 0 in float16.
#   2**-20:   subnormal in float16 (normal from 2**-14); normal elsewhere (controls).
SUBNORMAL = (("subnormal", 1.0, 2.0 ** -140, 0.0, ("float32", "float64")),
             ("subnormal64", 1.0, 2.0 ** -1070, 0.0, ("float64",)),
             ("subnormal_bf16", 1.0, 2.0 ** -130, 0.0, ("bfloat16", "float32", "float64")),
             ("subnormal_f16", 1.0, 2.0 ** -20, 0.0))

# Near-kink inputs as people write them (decimals), whose z is not 0 in float64
# but rounds to 0, or to the other side of 0, in a narrower dtype; the truth of
# each variant is at that dtype's own z (module doc):
#   near_kink (0.1, -3, 0.3):      float64 z = -5.55e-17; float32 and bfloat16
#                                  z = 0 exactly (the kink); float16 z = +2**-12.
#   near_kink_all (0.1, -0.7, 0.07): float64 z = +1.39e-17; 0 in all three others.
#   across (0.6, -0.8, 0.481):     float64 z = +0.001; bfloat16 z = -2**-9.
NEAR_KINK = (per_dtype("near_kink", 0.1, -3.0, 0.3) + per_dtype("near_kink_all", 0.1, -0.7, 0.07)
             + per_dtype("across", 0.6, -0.8, 0.481))
