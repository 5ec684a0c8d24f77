"""Standard points of the seed's shape op(x*w + b), shared by every case module.

smooth (x=3, w=2, b=1: z=7), kink (x=-1, w=1, b=1: z=0 reached with x<0, so the
chain rule multiplies by a negative x), kink_xpos (x=1, w=1, b=-1: z=0 with x>0),
negative (x=-3, w=2, b=1: z=-5). Every z here is exact in float32 and float64.
"""
from __future__ import annotations

from typing import Callable

from crossgrad.case import Point, Truth

STANDARD = (("smooth", 3.0, 2.0, 1.0), ("kink", -1.0, 1.0, 1.0),
            ("kink_xpos", 1.0, 1.0, -1.0), ("negative", -3.0, 2.0, 1.0))

TruthAt = Callable[[float], tuple[Truth, Truth, Truth]]


def points(truth_at: TruthAt, extra: tuple = (), only: tuple[str, ...] = ()) -> tuple[Point, ...]:
    """Points with the truth of the op at each z: truth_at(z) -> (value, d1, d2).

    `extra` adds (name, x, w, b) for the op's own kinks (relu6 at z=6, ...), or
    (name, x, w, b, dtypes) for a point that exists only in some dtypes.
    """
    chosen = [p for p in STANDARD if not only or p[0] in only] + list(extra)
    out = []
    for name, x, w, b, *dtypes in chosen:
        value, d1, d2 = truth_at(x * w + b)
        out.append(Point(name, x, w, b, value=value, d1=d1, d2=d2, **({"dtypes": dtypes[0]} if dtypes else {})))
    return tuple(out)


# Subnormal inputs (found by the property tests): z = w is subnormal, where
# flush-to-zero CPU settings (XLA, Eigen) read it as 0, relu's kink. 2**-140 is
# subnormal in float32 and normal in float64 (a control there); 2**-1070 is
# subnormal in float64 and exists only there (float32 rounds it to 0).
SUBNORMAL = (("subnormal", 1.0, 2.0 ** -140, 0.0), ("subnormal64", 1.0, 2.0 ** -1070, 0.0, ("float64",)))
