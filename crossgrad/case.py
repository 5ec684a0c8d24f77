"""The case model, as users import it: `from crossgrad.case import Case, Point, exact`.

Everything a cases file needs is here (docs/own-project.md shows each in use):

- `Case`, `Point`, truths `exact`, `subgradients`, `undefined`/`UNDEFINED`;
  `NAN_RESULT`, the truth of a result a standard defines as NaN (IEEE 754 and
  NumPy propagate a NaN input): a result that is not NaN is `invalid`;
- the arguments x, w, b (ARG_NAMES; a two-argument op is written f(x*w, b)),
  the differentiated ones in `Case.wrt` (`wrt=()`: a value-only case, the way
  an integer result such as argmax is checked; the integer is recorded as a
  float of the case's dtype);
- `Case.frameworks` / `Case.modes`: a case that runs only where its op exists;
- vector points with a truth per element: `element_point` (the case states
  df/dz_i), `hull_point` (piecewise-linear f: the gradients of the pieces
  active at a tie), with `picks`, `times`, `z_of`, `UNSIGNED_ZERO`;
- `per_dtype_points` and `round_to`: a truth that depends on the dtype (a
  bound the framework rounds to bfloat16 before it compares).

The model lives in crossgrad.core.case and crossgrad.core.vector; this public
face keeps the path that case files and user projects write.
"""
import math

from crossgrad.core.case import (ARG_NAMES, DTYPES, UNDEFINED, Case, Point, Truth, exact,  # noqa: F401
                                 per_dtype_points, subgradients, undefined)
from crossgrad.core.dtypes import round_to  # noqa: F401
from crossgrad.core.vector import UNSIGNED_ZERO, element_point, hull_point, picks, times, z_of  # noqa: F401

NAN_RESULT = exact(math.nan)

__all__ = ["ARG_NAMES", "DTYPES", "UNDEFINED", "NAN_RESULT", "Case", "Point", "Truth", "exact", "subgradients",
           "undefined", "per_dtype_points", "round_to", "UNSIGNED_ZERO", "element_point", "hull_point", "picks",
           "times", "z_of"]
