"""crossgrad cases for squareplus: `crossgrad run --cases-from squareplus_cases.py`.

One case, native in every framework: each entry is the import path of the
library's own implementation, so this file imports no framework (crossgrad's
worker for torch imports only squareplus.torch_impl, after torch has loaded).

Truth, for squareplus(z) = (z + sqrt(z*z + 4)) / 2 at z = x*w + b:
    value  (z + sqrt(z*z + 4)) / 2
    d1     (1 + z / sqrt(z*z + 4)) / 2
    d2     2 / (z*z + 4) ** 1.5
At z = 0 (where relu has its kink) these are exactly 1, 1/2 and 1/4. At
z = -1e4 the textbook formula cancels in float32 (z + sqrt(z*z + 4) is 0.0 in
float32 though the truth is about 1e-4): a divergence the expectations file
records, so the day a release computes it differently, the tests say so.
"""
import math

from crossgrad.case import Case, Point, exact

NATIVE = {framework: f"squareplus.{framework}_impl:squareplus"
          for framework in ("torch", "jax", "tensorflow", "mlx")}


def truth(z: float) -> dict:
    root = math.sqrt(z * z + 4.0)
    return {"value": exact((z + root) / 2), "d1": exact((1 + z / root) / 2),
            "d2": exact(2 / (z * z + 4.0) ** 1.5)}


def point(name: str, x: float, w: float, b: float) -> Point:
    return Point(name, x, w, b, **truth(x * w + b))


CASES = [
    Case(
        name="squareplus",
        fn=None,  # no framework-neutral version: every framework runs the library's own code
        native=NATIVE,
        points=(point("smooth", 3.0, 2.0, 1.0), point("kink", -1.0, 1.0, 1.0),
                point("far", -1.0, 1e4, 0.0)),
        description="squareplus, the library's native implementation per framework",
        dtypes=("float32",),
    ),
]
