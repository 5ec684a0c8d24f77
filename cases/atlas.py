"""The atlas of nonsmooth ops (issue 3): op(z) with z = x*w + b, each op written once.

Every case uses its framework's canonical primitive (the adapter's `ops`), so
the result belongs to that spelling: relu, maximum(z, 0), maximum(0, z),
clip(z, 0) and where(z > 0, z, 0) are the same function but five programs.

Truth (see crossgrad.case): value, d1 = d op/dz and d2 = d²op/dz² at z.
- exact(v) where the derivative exists. Values of transcendental ops are the
  float64 results of `math` (erfc, expm1, log1p): a few ulps from the real
  number, well inside the `close` tolerance of crossgrad.judging.truth.
- subgradients(lo, hi) at a kink of a continuous op: the Clarke subdifferential,
  the convex hull of the one-sided slopes ([0, 1] for relu at 0). Where d1 is
  itself continuous but kinked (elu at 0), d2 is the same kind of set.
- undefined(reason) where no valid value exists: a jump (sign, floor at an
  integer, any d2 where d1 jumps), slopes 0 and +inf on the two sides
  (where_sqrt at 0), or a value outside the real numbers (sqrt of a negative).
  An infinite slope on the op's own domain is a value: sqrt at 0 has d1 = +inf
  and d2 = -inf from the right, the only side it is defined on.

gelu's truth is the exact erf form z*Phi(z), its definition. `gelu` measures each
framework's *default* gelu, `gelu_exact` the erf form asked for by name (JAX's
approximate=False), so the AD of one function compares across all frameworks.
Case.forms lists documented alternative definitions (the tanh approximation, a
float32 constant inside a float64 op): a value matching one is `definitional`
(crossgrad.judging.verdicts), and which framework computes which form is measured.

KINKS lists each op's own kink points (beyond the standard z = 0 points), so
the tests can check that every one reaches its kink exactly in float32 and
float64.
"""
from __future__ import annotations

import math

import numpy as np

from crossgrad.cases._points import points
from crossgrad.cases.seed import relu_truth
from crossgrad.cases.special import special_points
from crossgrad.case import Case, exact, subgradients, undefined

# --- truth building blocks -------------------------------------------------


def linear(value: float, slope: float):
    """Truth inside a linear piece: the value, its slope, no curvature."""
    return exact(value), exact(slope), exact(0.0)


D1_JUMPS = undefined("d1 jumps here, so no second derivative exists")
JUMP = undefined("the function jumps here: no slope, finite or set, exists")


def kink(value: float, left: float, right: float):
    """Truth at a kink of a continuous piecewise-linear op with one-sided slopes
    `left` and `right`: d1 is their hull, d2 is undefined (d1 jumps)."""
    return exact(value), subgradients(min(left, right), max(left, right)), D1_JUMPS


# --- truth of each op at z ---------------------------------------------------


def abs_truth(z: float):
    """|z|: slope sign(z); at 0 the hull of -1 and 1."""
    if z == 0:
        return kink(0.0, -1.0, 1.0)
    return linear(abs(z), 1.0 if z > 0 else -1.0)


def leaky_relu_truth(z: float, alpha: float = 0.01):
    """z for z > 0, alpha*z below; at 0 the slopes alpha and 1."""
    if z == 0:
        return kink(0.0, alpha, 1.0)
    return linear(z, 1.0) if z > 0 else linear(z * alpha, alpha)


def leaky_relu_float32_alpha(z: float):
    """leaky_relu with alpha = float32(0.01) even in float64 (an op attribute
    stored as a 32-bit float): slope 0.009999999776482582 below 0."""
    return leaky_relu_truth(z, float(np.float32(0.01)))


def relu6_truth(z: float):
    """min(max(z, 0), 6): kinks at 0 (slopes 0, 1) and at 6 (slopes 1, 0)."""
    if z in (0.0, 6.0):
        return kink(0.0, 0.0, 1.0) if z == 0 else kink(6.0, 1.0, 0.0)
    if 0 < z < 6:
        return linear(z, 1.0)
    return linear(0.0 if z < 0 else 6.0, 0.0)


def hardtanh_truth(z: float):
    """clip(z, -1, 1): slope 1 inside, 0 outside; kinks at -1 and 1."""
    if z in (-1.0, 1.0):
        return kink(z, 0.0, 1.0)
    if -1 < z < 1:
        return linear(z, 1.0)
    return linear(math.copysign(1.0, z), 0.0)


def elu_truth(z: float):
    """z for z > 0, exp(z) - 1 for z <= 0 (alpha 1). d1 is 1 from both sides
    at 0 (exp(0) = 1): elu is C1 there. d2 is 0 on the right, exp(0) = 1 on the
    left: d1 is continuous but kinked, so d2 at 0 is the Clarke set [0, 1]."""
    if z > 0:
        return linear(z, 1.0)
    if z == 0:
        return exact(0.0), exact(1.0), subgradients(0.0, 1.0)
    return exact(math.expm1(z)), exact(math.exp(z)), exact(math.exp(z))


def gelu_truth(z: float):
    """The exact erf form z*Phi(z), Phi(z) = erfc(-z/sqrt 2)/2 (no cancellation
    for negative z); d1 = Phi(z) + z*phi(z), d2 = phi(z)*(2 - z*z)."""
    cdf = 0.5 * math.erfc(-z / math.sqrt(2.0))
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    d2 = pdf * (2.0 - z * z) if pdf else 0.0  # far out, 0 * (2 - inf) would be NaN
    return exact(z * cdf), exact(cdf + z * pdf), exact(d2)


def gelu_tanh_truth(z: float):
    """The tanh approximation 0.5*z*(1 + tanh(u)), u = sqrt(2/pi)*(z + 0.044715 z^3)
    (JAX's documented default). Written with s = sigmoid(2u) = (1 + tanh u)/2, so
    nothing cancels for negative z: value z*s, d1 = s + 2 z s (1-s) u',
    d2 = 4 s (1-s) (u' + 0.5 z (u'' - 2 (2s-1) u'^2))."""
    k, a = math.sqrt(2.0 / math.pi), 0.044715
    u = k * (z + a * z ** 3)
    e = math.exp(-2.0 * abs(u))  # <= 1: no overflow at any z
    s, r = (1.0 / (1.0 + e), e / (1.0 + e)) if u >= 0 else (e / (1.0 + e), 1.0 / (1.0 + e))  # s, 1 - s
    du, ddu = k * (1.0 + 3.0 * a * z * z), 6.0 * k * a * z
    d2 = 4.0 * s * r * (du + 0.5 * z * (ddu - 2.0 * (s - r) * du * du))
    return exact(z * s), exact(s + 2.0 * z * s * r * du), exact(d2)


def gelu_float32_constant_truth(z: float):
    """The erf form 0.5*z*erfc(-c*z) with c = float32(1/sqrt 2), a 32-bit constant
    inside a float64 op: d1 = 0.5 erfc(-cz) + c z exp(-c^2 z^2)/sqrt(pi),
    d2 = (2c/sqrt(pi)) exp(-c^2 z^2) (1 - c^2 z^2)."""
    c = float(np.float32(1.0 / math.sqrt(2.0)))
    e = math.exp(-(c * z) ** 2) / math.sqrt(math.pi)
    d2 = 2.0 * c * e * (1.0 - (c * z) ** 2) if e else 0.0
    return exact(0.5 * z * math.erfc(-c * z)), exact(0.5 * math.erfc(-c * z) + c * z * e), exact(d2)


GELU_FORMS = {"tanh approximation": gelu_tanh_truth, "float32 1/sqrt(2)": gelu_float32_constant_truth}


def softplus_truth(z: float):
    """log(1 + exp(z)); d1 = sigmoid(z); d2 = sigmoid(z)*sigmoid(-z). Written with
    e = exp(-|z|) <= 1, so no exp overflows at any z."""
    e = math.exp(-abs(z))
    sig = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
    return exact(max(z, 0.0) + math.log1p(e)), exact(sig), exact(e / (1.0 + e) ** 2)


def sqrt_truth(z: float):
    """sqrt(z): d1 = 1/(2 sqrt z), d2 = -1/(4 z^1.5). At 0, the end of its domain,
    the one-sided slope is +inf and d2 -inf: values, like any other. Below 0 the
    value is not a real number."""
    if z > 0:
        r = math.sqrt(z)
        return exact(r), exact(0.5 / r), exact(-0.25 / z / r)  # -inf for a tiny z, no 0 divisor
    if z == 0:
        return exact(0.0), exact(math.inf), exact(-math.inf)
    outside = undefined("outside the domain: sqrt of a negative number is not real")
    return outside, outside, outside


def where_sqrt_truth(z: float):
    """sqrt(z) for z > 0, else 0: the function is 0 (slope 0) for z < 0 even though
    sqrt's branch is NaN there; at 0 the slopes are 0 (left) and +inf (right):
    no finite set holds both, so d1 and d2 are undefined."""
    if z < 0:
        return linear(0.0, 0.0)
    if z == 0:
        sides = undefined("slope 0 from the left, +inf from the right: no valid value")
        return exact(0.0), sides, sides
    return sqrt_truth(z)


def identity_truth(z: float):
    """z itself: max over [z, z] is z at every point, slope 1 (ties everywhere,
    but any split of the cotangent that sums to 1 gives exactly 1)."""
    return linear(z, 1.0)


def sign_truth(z: float):
    """sign(z): flat away from 0 (slope 0); a jump at 0: undefined."""
    if z == 0:
        return exact(0.0), JUMP, JUMP
    return linear(1.0 if z > 0 else -1.0, 0.0)


def floor_truth(z: float):
    """floor(z): flat between integers (slope 0); a jump at every integer."""
    if z == math.floor(z):
        return exact(z), JUMP, JUMP
    return linear(float(math.floor(z)), 0.0)


# --- the functions, framework-neutral ------------------------------------------


def maximum(ops, x, w, b):
    z = x * w + b
    return ops.maximum(z, ops.zeros_like(z))


def maximum_rev(ops, x, w, b):
    z = x * w + b
    return ops.maximum(ops.zeros_like(z), z)


def clamp(ops, x, w, b):
    return ops.clip(x * w + b, 0.0)


def where(ops, x, w, b):
    z = x * w + b
    return ops.where(z > 0, z, ops.zeros_like(z))


def where_sqrt(ops, x, w, b):
    z = x * w + b
    return ops.where(z > 0, ops.sqrt(z), ops.zeros_like(z))


def max_tie(ops, x, w, b):
    z = x * w + b
    return ops.max(ops.concat(z, z))


def unary(op_name: str, *args):
    """op(x*w + b) for an op of the adapter's namespace (extra constant args after z)."""
    def fn(ops, x, w, b):
        return getattr(ops, op_name)(x * w + b, *args)
    fn.__name__ = fn.__qualname__ = op_name
    return fn


# Own kinks: (name, x, w, b), one reached with x < 0 (the chain rule multiplies
# by a negative number) and one with x > 0, like the standard kink/kink_xpos.
RELU6_KINKS = (("kink_hi", -5.0, -1.0, 1.0), ("kink_hi_xpos", 5.0, 1.0, 1.0))
HARDTANH_KINKS = (("kink_hi", -1.0, -1.0, 0.0), ("kink_hi_xpos", 1.0, 1.0, 0.0),
                  ("kink_lo", -1.0, 1.0, 0.0), ("kink_lo_xpos", 1.0, -1.0, 0.0))
# Every standard z (7, 0, -5) is an integer, where floor jumps: these are
# floor's smooth points, z = 0.75 (exact in binary), reached with x > 0 and x < 0.
FLOOR_FRACTIONS = (("fraction", 0.5, 1.0, 0.25), ("fraction_xneg", -0.5, -1.0, 0.25))
# Found by the property tests: an elu written as where(z > 0, z, exp(z) - 1) overflows
# exp in the branch it does not take (float32 past z = 88.7, float64 past 709.8), and
# the untaken branch's inf slope times 0 is NaN: the NaN-through-where trap inside the op.
ELU_OVERFLOW = (("exp_overflow", 1.0, 100.0, 0.0), ("exp_overflow64", 1.0, 800.0, 0.0, ("float64",)))

# Found by the property tests: a norm computed through z*z overflows or underflows
# long before |z| does. In float32 2**70 squares past the range and 2**-80
# squares to 0; float64 keeps both (a control) and gets its own 2**600 and
# 2**-600. Where z*z overflowed (`large`, `large64`) such a gradient comes back
# ±0 and where it underflowed (`tiny`, `tiny64`) ±inf, forward and reverse mode
# alike (results/sample: TensorFlow in every mode and JAX compiled; torch and JAX
# eager return ±1; TensorFlow eager/graph's value itself is inf / 0 there).
NORM_RANGE = (("large", 1.0, 2.0 ** 70, 0.0), ("tiny", 1.0, 2.0 ** -80, 0.0),
              ("large64", 1.0, 2.0 ** 600, 0.0, ("float64",)), ("tiny64", 1.0, 2.0 ** -600, 0.0, ("float64",)))

KINKS = {
    "relu6": {"kink_hi": 6.0, "kink_hi_xpos": 6.0},
    "hardtanh": {"kink_hi": 1.0, "kink_hi_xpos": 1.0, "kink_lo": -1.0, "kink_lo_xpos": -1.0},
}
"""case -> own kink point -> the z it must reach exactly."""

def case(name: str, fn, truth, description: str, extra: tuple = (), forms: dict | None = None) -> Case:
    """A Case at the standard points plus `extra`; `truth` also serves any z
    (Case.truth_at: the reference of the property tests); `forms`: Case.forms. Special inputs
    (signed zeros, NaN, inf, subnormals, near-kink decimals) come from cases/special.py."""
    return Case(name, fn, points(truth, extra=extra) + special_points(name, truth), description,
                truth_at=truth, forms=forms or {})


CASES = [
    case("maximum", maximum, relu_truth, "maximum(z, zeros_like(z)), z = x*w + b"),
    case("maximum_rev", maximum_rev, relu_truth, "maximum(zeros_like(z), z): maximum with its arguments swapped"),
    case("clamp", clamp, relu_truth, "clip(z, 0): clamp with a lower bound 0 only"),
    case("where", where, relu_truth, "where(z > 0, z, zeros_like(z))"),
    case("abs", unary("abs"), abs_truth, "abs(z)"),
    case("leaky_relu", unary("leaky_relu", 0.01), leaky_relu_truth, "leaky_relu(z, 0.01): z above 0, 0.01*z below",
         forms={"float32 alpha": leaky_relu_float32_alpha}),
    case("relu6", unary("relu6"), relu6_truth, "relu6(z) = min(max(z, 0), 6)", RELU6_KINKS),
    case("hardtanh", unary("hardtanh"), hardtanh_truth, "hardtanh(z) = clip(z, -1, 1)", HARDTANH_KINKS),
    case("elu", unary("elu"), elu_truth, "elu(z): z above 0, exp(z) - 1 below (alpha 1)", ELU_OVERFLOW),
    case("gelu", unary("gelu"), gelu_truth, "gelu(z), the framework's default form; truth is the exact z*Phi(z)",
         forms=GELU_FORMS),
    case("gelu_exact", unary("gelu_exact"), gelu_truth, "gelu in its exact erf form, asked for by name "
         "(jax.nn.gelu(approximate=False)); truth z*Phi(z)", forms=GELU_FORMS),
    case("softplus", unary("softplus"), softplus_truth, "softplus(z) = log(1 + exp(z))"),
    case("sqrt", unary("sqrt"), sqrt_truth, "sqrt(z)"),
    case("norm", unary("norm"), abs_truth, "norm([z]): Euclidean norm of a 1-vector, |z|",
         extra=NORM_RANGE),
    case("where_sqrt", where_sqrt, where_sqrt_truth, "where(z > 0, sqrt(z), zeros_like(z)): the NaN-through-where trap"),
    case("max_tie", max_tie, identity_truth, "max(concat(z, z)): reduce-max over a tie, equal to z"),
    case("sign", unary("sign"), sign_truth, "sign(z)"),
    case("floor", unary("floor"), floor_truth, "floor(z)", FLOOR_FRACTIONS),
]
