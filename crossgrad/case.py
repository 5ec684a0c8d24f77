"""The case model, as users import it: `from crossgrad.case import Case, Point, exact`.

The model lives in crossgrad.core.case (crossgrad.catalogue holds the cases);
this public face keeps the path that case files and user projects write.
"""
from crossgrad.core.case import (ARG_NAMES, DTYPES, UNDEFINED, Case, Point, Truth, exact,  # noqa: F401
                                 subgradients, undefined)

__all__ = ["ARG_NAMES", "DTYPES", "UNDEFINED", "Case", "Point", "Truth", "exact", "subgradients", "undefined"]
