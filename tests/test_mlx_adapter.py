"""What is specific to the MLX adapter: exact conversions (MLX silently narrows
float64 without a dtype; NumPy has no bfloat16 buffer), the ops MLX lacks, and
MLX's conventions at kinks and ties, measured with mlx 0.32.4 on the CPU.

Each convention is asserted against mathematics where mathematics decides (a
value inside the Clarke subdifferential, a split of a cotangent that sums to
it) and pinned as the measured value besides, so a change in MLX shows here
first (then update docs and the README findings, not just the test).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from crossgrad.core.same_value import same_value as same_bits  # the one rule under its old name here

pytestmark = pytest.mark.integration
mx = pytest.importorskip("mlx.core", reason="mlx not installed (pip install 'mlx[cpu]')")


@pytest.fixture(scope="module")
def mlx():
    from crossgrad.core.registry import frameworks

    adapter = frameworks()["mlx"]
    adapter.load()
    return adapter


def vec(mlx, values, dtype="float32"):
    return mlx.asarray(np.array(values, dtype), "cpu")


def grad_of(mlx, fn, values, cotangent, dtype="float32"):
    """Reverse mode of fn at `values` through the adapter, as a list of floats."""
    seed = mlx.asarray(np.array(cotangent, dtype), "cpu")
    (g,) = mlx.block(mlx.vjp(fn, (vec(mlx, values, dtype),), (0,), seed))
    return [float(v) for v in mlx.to_numpy(g).reshape(-1)]


def tangent_of(mlx, fn, values, tangent, dtype="float32"):
    seed = mlx.asarray(np.array(tangent, dtype), "cpu")
    t = mlx.block(mlx.jvp(fn, (vec(mlx, values, dtype),), 0, seed))
    return [float(v) for v in mlx.to_numpy(t).reshape(-1)]


def assert_bits(got, want):
    assert len(got) == len(want) and all(same_bits(g, w) for g, w in zip(got, want)), (got, want)


# --- exact conversions -------------------------------------------------------------


def _special_bits(dtype):
    """-0.0, +-inf, a NaN with a payload, the smallest subnormal, as raw bits."""
    bits = {"float32": (np.uint32, [0x80000000, 0x7F800000, 0xFF800000, 0x7FC00001, 0x00000001]),
            "float64": (np.uint64, [1 << 63, 0x7FF0 << 48, 0xFFF0 << 48, (0x7FF8 << 48) | 1, 1]),
            "float16": (np.uint16, [0x8000, 0x7C00, 0xFC00, 0x7E01, 0x0001]),
            "bfloat16": (np.uint16, [0x8000, 0x7F80, 0xFF80, 0x7FC1, 0x0001])}
    kind, raw = bits[dtype]
    import ml_dtypes  # noqa: F401  (registers bfloat16 with NumPy)

    return np.array(raw, kind).view(np.dtype(dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_round_trip_keeps_every_bit(mlx, dtype):
    source = _special_bits(dtype)
    array = mlx.asarray(source, "cpu")
    assert str(array.dtype) == f"mlx.core.{dtype}"
    back = mlx.to_numpy(array)
    assert back.dtype == source.dtype and back.tobytes() == source.tobytes()
    seed = mlx.to_numpy(mlx.asarray(np.array(-0.0, dtype), "cpu"))
    assert seed.shape == () and math.copysign(1.0, float(seed)) == -1.0


def test_mlx_narrows_float64_unless_the_dtype_is_named(mlx):
    """Why asarray names the dtype: mx.array(float64 NumPy array) is float32."""
    source = np.array([0.1], "float64")
    assert mx.array(source).dtype == mx.float32
    assert mlx.to_numpy(mlx.asarray(source, "cpu")).tobytes() == source.tobytes()


def test_subnormals_are_not_flushed_on_the_cpu(mlx):
    tiny = float(np.finfo(np.float32).smallest_subnormal)
    relu = mlx.ops.relu
    x = vec(mlx, [tiny])
    assert_bits([float(v) for v in mlx.to_numpy(relu(x * 1.0 + 0.0))], [tiny])
    assert_bits(grad_of(mlx, relu, [tiny], 1.0), [1.0])
    compiled = mlx.compile(lambda v: v * 1.0 + 0.0, "compiled")
    assert_bits([float(v) for v in mlx.to_numpy(mlx.block(compiled(x)))], [tiny])


# --- the op table --------------------------------------------------------------------


def test_ops_mlx_lacks_are_none_and_every_other_op_is_spelled(mlx):
    from crossgrad.frameworks.mlx_adapter import OPS

    assert {n for n, t in OPS.items() if t is None} == {"xlogy", "div_no_nan", "mul_no_nan", "euclidean_norm",
                                                        "frac", "threshold"}
    assert not any(hasattr(mx, n) for n in ("xlogy", "frac", "modf", "threshold"))  # if MLX gains one, spell it
    assert all(callable(getattr(mlx.ops, n)) for n, t in OPS.items() if t)


def test_argmax_gather_needs_stop_gradient(mlx):
    """The spelling's stop_gradient is needed: MLX refuses the plain v[argmax(v)]."""
    with pytest.raises(ValueError, match="indices"):
        grad_of(mlx, lambda v: v[mx.argmax(v)], [1.0, 3.0, 3.0], 1.0)
    # ... and with it the gradient goes to the first maximiser (argmax's tie-break).
    assert_bits(grad_of(mlx, mlx.ops.argmax_gather, [1.0, 3.0, 3.0], 1.0), [0.0, 1.0, 0.0])


def test_topk_is_largest_first_although_mx_topk_is_not(mlx):
    v = vec(mlx, [1.0, 3.0, 2.0, 5.0, 4.0])
    assert [float(t) for t in mlx.to_numpy(mlx.ops.topk(v, 2))] == [5.0, 4.0]
    assert sorted(float(t) for t in mlx.to_numpy(mx.topk(v, 2))) == [4.0, 5.0]


def test_zero_fill_is_tracked_by_vjp_and_leaves_the_input_alone(mlx):
    x = vec(mlx, [2.0])
    assert_bits(grad_of(mlx, lambda v: mlx.ops.zero_fill(v * 3.0), [2.0], 1.0), [0.0])
    assert_bits([float(v) for v in mlx.to_numpy(x)], [2.0])


def test_python_branch_on_a_value_fails_under_mx_compile(mlx):
    """The notebook's `if z > 0.` evaluates z: fine eagerly, an error when compiled."""
    def relu_python(v):
        z = v * 1.0
        return z if z > 0. else mlx.ops.zero_fill(z)

    assert_bits(grad_of(mlx, relu_python, [-1.0], 1.0), [0.0])
    compiled = mlx.compile(lambda v: relu_python(v), "compiled")
    with pytest.raises(ValueError, match="eval"):
        mlx.block(compiled(vec(mlx, [-1.0])))


# --- conventions at kinks and ties (float32, both cotangent signs) --------------------


def test_relu_at_zero_has_slope_zero(mlx):
    """relu = maximum(z, 0) with the tie's cotangent sent to the constant 0."""
    for seed in (1.0, -1.0):
        (g,) = grad_of(mlx, mlx.ops.relu, [0.0], seed)
        assert g == 0.0  # inside [0, 1]
        assert math.copysign(1.0, g) == math.copysign(1.0, seed)  # 0 * seed: the seed's sign


def test_maximum_tie_sends_everything_to_the_second_argument(mlx):
    """Any split summing to the cotangent is a subgradient; MLX picks b (torch: half each)."""
    a, b = vec(mlx, [1.0]), vec(mlx, [1.0])
    seed = mlx.asarray(np.array(1.0, "float32"), "cpu")
    da, db = mlx.block(mlx.vjp(mlx.ops.maximum, (a, b), (0, 1), seed))
    assert_bits([float(mlx.to_numpy(da)[0]), float(mlx.to_numpy(db)[0])], [0.0, 1.0])
    da, db = mlx.block(mlx.vjp(mlx.ops.minimum, (a, b), (0, 1), seed))
    assert_bits([float(mlx.to_numpy(da)[0]), float(mlx.to_numpy(db)[0])], [0.0, 1.0])


def test_leaky_relu_and_hardtanh_at_their_kinks(mlx):
    """leaky_relu = maximum(0.01 z, z): slope 1 at 0 (in [0.01, 1]; torch gives 0.01).
    hardtanh = minimum(maximum(z, -1), 1): slope 1 at 0, 0 at both bounds (in [0, 1])."""
    assert_bits(grad_of(mlx, lambda v: mlx.ops.leaky_relu(v, 0.01), [0.0], 1.0), [1.0])
    assert_bits(grad_of(mlx, mlx.ops.hardtanh, [-1.0, 0.0, 1.0], 1.0), [0.0, 1.0, 0.0])
    assert_bits(grad_of(mlx, mlx.ops.relu6, [0.0, 6.0], 1.0), [0.0, 0.0])


def test_abs_elu_gelu_at_zero(mlx):
    assert_bits(grad_of(mlx, mlx.ops.abs, [0.0], 1.0), [0.0])  # in [-1, 1]
    assert_bits(grad_of(mlx, mlx.ops.elu, [0.0], 1.0), [1.0])  # exact: elu is C1 at 0
    assert_bits(grad_of(mlx, mlx.ops.gelu, [0.0], 1.0), [0.5])  # exact erf form: Phi(0)


def test_sqrt_at_signed_zeros_and_norm_at_zero(mlx):
    """sqrt'(z) = 1/(2 sqrt z): +inf at +0, -inf at -0 (IEEE sqrt(-0) = -0).
    norm([0]) differentiates to NaN (0/0), where torch's vector_norm gives 0."""
    assert_bits(grad_of(mlx, mlx.ops.sqrt, [0.0, -0.0], 1.0), [math.inf, -math.inf])
    (g,) = grad_of(mlx, mlx.ops.norm, [0.0], 1.0)
    assert math.isnan(g)
    (t,) = tangent_of(mlx, mlx.ops.norm, [0.0], 1.0)
    assert math.isnan(t)


def test_reductions_split_ties_evenly_but_topk_picks_one(mlx):
    """max/min (full and along an axis) and max pooling split a tie's cotangent in
    equal shares; top-k gives it all to one entry. Each is a valid subgradient."""
    for op in (mlx.ops.max, mlx.ops.max_axis):
        assert_bits(grad_of(mlx, op, [1.0, 3.0, 3.0, 2.0], 1.0), [0.0, 0.5, 0.5, 0.0])
        assert_bits(tangent_of(mlx, op, [1.0, 3.0, 3.0, 2.0], 1.0), [1.0])
    assert_bits(grad_of(mlx, mlx.ops.min, [1.0, 1.0], -1.0), [-0.5, -0.5])
    assert_bits(grad_of(mlx, mlx.ops.max_pool, [3.0, 3.0, 1.0, 2.0], 1.0), [0.5, 0.5, 0.0, 1.0])
    assert sum(grad_of(mlx, lambda v: mlx.ops.topk(v, 1), [3.0, 3.0, 1.0], 1.0)) == 1.0
    assert sorted(grad_of(mlx, lambda v: mlx.ops.topk(v, 1), [3.0, 3.0, 1.0], 1.0)) == [0.0, 0.0, 1.0]


def test_zero_gradients_of_flat_ops_are_positive_zeros(mlx):
    """sign, floor and where's unselected branch give +0.0 whatever the cotangent's
    sign (no multiplication by it), unlike relu's 0 * seed."""
    for op in (mlx.ops.sign, mlx.ops.floor):
        assert_bits(grad_of(mlx, op, [0.0, 0.5], -1.0), [0.0, 0.0])
    where = lambda v: mlx.ops.where(v > 0, v, mlx.ops.zeros_like(v))  # noqa: E731
    assert_bits(grad_of(mlx, where, [0.0], -1.0), [0.0])


def test_eager_and_compiled_agree_at_the_kinks(mlx):
    seed = mlx.asarray(np.array(-1.0, "float32"), "cpu")
    for name in ("relu", "abs", "leaky_relu", "hardtanh", "sqrt", "norm", "max"):
        op = getattr(mlx.ops, name)
        fn = (lambda v: op(v, 0.01)) if name == "leaky_relu" else op

        def derivative(v):
            return mlx.vjp(fn, (v,), (0,), seed)

        x = vec(mlx, [0.0])
        eager = mlx.to_numpy(mlx.block(derivative(x))[0])
        compiled = mlx.to_numpy(mlx.block(mlx.compile(derivative, "compiled")(x))[0])
        assert eager.tobytes() == compiled.tobytes(), name


def test_float64_exp_and_erf_have_float32_accuracy(mlx):
    """Measured: MLX's CPU float64 exp and erf are float32-accurate (sqrt and
    division are correctly rounded float64). So float64 rows of exp, log, elu,
    gelu and softplus are not bit-exact; they land within float32's epsilon."""
    x = vec(mlx, [1.0, 0.1], "float64")
    got = mlx.to_numpy(mx.exp(x))
    want = np.array([math.exp(1.0), math.exp(0.1)])
    relative = np.abs(got - want) / want
    assert (relative > np.finfo(np.float64).eps).any()  # not float64-accurate
    assert (relative < np.finfo(np.float32).eps).all()  # but float32-accurate
    # erf in float64 returns exactly the float32 result (gelu's 1 + erf(z/sqrt 2)
    # then cancels: gelu(-5) in float64 is 4% off, see docs/mlx.md).
    z = -5.0 / math.sqrt(2.0)
    erf64 = float(mlx.to_numpy(mx.erf(vec(mlx, [z], "float64")))[0])
    erf32 = float(mlx.to_numpy(mx.erf(vec(mlx, [z], "float32")))[0])
    assert erf64 == erf32 != math.erf(z)
    assert_bits([float(v) for v in mlx.to_numpy(mx.sqrt(x))], [math.sqrt(1.0), math.sqrt(0.1)])


@pytest.mark.parametrize("mode", ["eager", "compiled"])
def test_a_kernel_mlx_lacks_for_a_dtype_is_unsupported(mlx, mode):
    """mx.nan_to_num has no float64 kernel: the op raises UnsupportedOp (outcome
    `unsupported`), also through vjp and mx.compile; float32 works."""
    from crossgrad.adapter import UnsupportedOp, unsupported_reason

    seed = mlx.asarray(np.array(1.0, "float64"), "cpu")

    def derivative(v):
        return mlx.vjp(mlx.ops.nan_to_num, (v,), (0,), seed)

    with pytest.raises(UnsupportedOp) as caught:
        mlx.compile(derivative, mode)(vec(mlx, [math.nan], "float64"))
    assert unsupported_reason(caught.value).startswith("mlx has no nan_to_num for this dtype")
    assert_bits(grad_of(mlx, mlx.ops.nan_to_num, [1.0], 1.0), [1.0])
    with pytest.raises(ValueError, match="float64"):  # the plain call, for the record
        mx.nan_to_num(vec(mlx, [1.0], "float64"))


def test_listing_the_adapter_does_not_import_mlx():
    """crossgrad list reads version() and modes without importing mlx."""
    import subprocess
    import sys

    code = ("import sys; from crossgrad.core.registry import frameworks; a = frameworks()['mlx']; "
            "print(a.version(), a.modes, a.dtypes, 'mlx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == "False"
    assert out.stdout.startswith(mx.__version__)
