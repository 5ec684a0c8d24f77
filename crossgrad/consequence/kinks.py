"""relu'(0) as each variant computes it: the derivative at +0.0 and -0.0, cotangent 1.

This is the fact the training measures hinge on, measured rather than assumed:
the framework's relu, maximum(z, 0) and relu(-t)+t differ here by framework
(the catalogue's own finding), the custom derivatives must give what was set.
"""
from __future__ import annotations

import numpy as np

from crossgrad.consequence.measure import Bench
from crossgrad.consequence.network import relu_of
from crossgrad.core.dtypes import as_dtype


def kink_rows(bench: Bench, variants) -> list[dict]:
    z = bench.array(as_dtype(np.array([0.0, -0.0]), bench.dtype))
    rows = []
    for variant in variants:
        relu = relu_of(bench.adapter, variant)
        (grad,) = bench.adapter.vjp(relu, (z,), (0,), bench.one)
        values, grads = bench.numpy(relu(z)).astype(np.float64), bench.numpy(grad).astype(np.float64)
        for i, point in enumerate(("0.0", "-0.0")):
            rows.append(dict(variant=variant, z=point, value=repr(float(values[i])),
                             derivative=repr(float(grads[i]))))
    return rows
