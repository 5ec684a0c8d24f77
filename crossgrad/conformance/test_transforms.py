"""An adapter with its framework loaded: values and every transform it declares
match the truth at a smooth point bit for bit, in each mode, through crossgrad's
own pipeline; arrays cross to and from NumPy with every bit kept; an op the
framework lacks stays `unsupported` through every compiler. A transform the
adapter declares absent (forward_mode / second_order = False) is skipped with the
reason; so is a dtype it does not list."""
from __future__ import annotations

import functools
import json
import math

import ml_dtypes
import numpy as np
import pytest

from crossgrad.adapter import (DTYPE_NAMES, INTEGER_OPS, OP_NAMES, Adapter, UnsupportedOp, declared_absent,
                               op_from_template, ops_from_table, unsupported_reason)
from crossgrad.conformance.checks import SMOOTH, assert_bits, op_arguments, run_case, value

pytestmark = pytest.mark.integration

AD_KINDS = ("none", "reverse", "forward", "second")
BASE_DTYPES = ("float32", "float64")


def usable_dtype(adapter, dtype: str) -> None:
    if dtype not in adapter.dtypes:
        pytest.skip(f"{adapter.name} does not list {dtype} in its dtypes")


@functools.lru_cache(maxsize=None)
def _relu_smooth(adapter, mode: str, dtype: str) -> dict:
    return run_case(adapter, "relu", dtype, mode, ["smooth"])


@pytest.mark.parametrize("ad", AD_KINDS)
@pytest.mark.parametrize("dtype", BASE_DTYPES)
def test_relu_at_a_smooth_point_matches_the_truth_in_every_mode(adapter, ad, dtype):
    """relu(x*w + b) at x=3, w=2, b=1: the value 7, the gradients 3 and 1 (both seed
    signs), the second derivative 0, exactly, in each of the adapter's modes. A
    transform the adapter declares absent: its rows say so (`unsupported`, the
    reason), and the test is skipped with that reason."""
    usable_dtype(adapter, dtype)
    absent = declared_absent(adapter, ad)
    for mode in adapter.modes:
        rows = _relu_smooth(adapter, mode, dtype)
        mine = [row for key, row in rows.items() if key[1] == ad]
        assert mine, f"{mode} {dtype}: no {ad} row"
        if absent:
            assert {(r["outcome"], r["detail"]) for r in mine} == {("unsupported", absent)}, mode
            continue
        for (kind, wrt, seed), expected in SMOOTH.items():
            if kind == ad:
                assert_bits(value(rows, "smooth", ad, wrt, seed), expected, f"{mode} {dtype} {ad} {wrt} {seed}")
    if absent:
        pytest.skip(absent)


def test_every_template_compiles_to_the_callable_the_adapter_uses(adapter):
    """Each template, compiled anew in the adapter's namespace, matches its op bit
    for bit; an absent op raises UnsupportedOp naming the framework and the op."""
    assert isinstance(adapter, Adapter)
    for dtype in (d for d in BASE_DTYPES if d in adapter.dtypes):
        for op in OP_NAMES:
            check_template(adapter, op, dtype)


def check_template(adapter, op: str, dtype: str) -> None:
    template = adapter.op_table[op]
    if template is None:
        with pytest.raises(UnsupportedOp, match=f"^{adapter.name} has no {op}$"):
            getattr(adapter.ops, op)(*op_arguments(adapter, op, dtype))
        assert op not in adapter.ops.spelling
        return
    assert adapter.ops.spelling[op] == template
    try:
        direct = adapter.to_numpy(getattr(adapter.ops, op)(*op_arguments(adapter, op, dtype)))
    except UnsupportedOp as exc:  # a kernel missing for this dtype (mlx: nan_to_num in float64)
        assert str(exc).startswith(f"{adapter.name} has no {op}"), exc
        return
    again = op_from_template(template, adapter.namespace())
    spelled = adapter.to_numpy(again(*op_arguments(adapter, op, dtype)))
    if op in INTEGER_OPS:  # an index: the framework's integer type
        assert spelled.dtype == direct.dtype and direct.dtype.kind in "iu", (op, dtype)
    else:
        assert spelled.dtype == direct.dtype == np.dtype(dtype), (op, dtype)
    assert spelled.tobytes() == direct.tobytes(), (op, dtype, direct, spelled)


def test_aliases_compute_the_same_function_away_from_its_kinks(adapter):
    """Another spelling is the same function: equal values (to rounding) at
    arguments away from 0, where the spellings may legitimately differ."""
    if not adapter.aliases:
        pytest.skip(f"{adapter.name} declares no aliases")
    dtype = "float64" if "float64" in adapter.dtypes else adapter.dtypes[0]
    for op, spellings in adapter.aliases.items():
        args = op_arguments(adapter, op, dtype, values=(-2.0, 0.5, 3.0, 7.0))
        expected = adapter.to_numpy(getattr(adapter.ops, op)(*args))
        for template in spellings:
            got = adapter.to_numpy(op_from_template(template, adapter.namespace())(*args))
            np.testing.assert_allclose(got, expected, rtol=1e-12 if dtype == "float64" else 1e-6,
                                       err_msg=f"{op}: {template}")


@pytest.mark.parametrize("dtype", DTYPE_NAMES)
def test_asarray_and_to_numpy_keep_every_bit(adapter, dtype):
    """-0.0, NaN (both signs), infinities, subnormals and the extremes survive the
    round trip bit for bit, in every dtype the adapter claims (16-bit ones too:
    float16 as np.float16, bfloat16 as ml_dtypes.bfloat16)."""
    usable_dtype(adapter, dtype)
    np_dtype = np.dtype(getattr(ml_dtypes, dtype, dtype))
    info = ml_dtypes.finfo(np_dtype)
    values = [-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, 1.0, info.max, -info.max, info.tiny,
              info.smallest_subnormal, -info.smallest_subnormal]
    source = np.array(values, np_dtype)
    assert np.signbit(source[3]) and source[10] != 0  # the source holds what it should
    back = adapter.to_numpy(adapter.asarray(source, "cpu"))
    assert back.dtype == source.dtype and back.tobytes() == source.tobytes()
    seed = adapter.to_numpy(adapter.asarray(np.array(-0.0, np_dtype), "cpu"))
    assert seed.shape == () and seed.dtype == np_dtype and math.copysign(1.0, float(seed)) == -1.0


def _arguments(adapter):
    dtype = "float64" if "float64" in adapter.dtypes else adapter.dtypes[0]
    x, w, b = (adapter.asarray(np.array([v], dtype), "cpu") for v in (3.0, 2.0, 1.0))
    return (x, w, b), adapter.asarray(np.array(1.0, dtype), "cpu")


def test_every_gradient_api_gives_the_vjp_gradient(adapter):
    """Each reverse-mode API people write yields d(x*w)/dw = x, like adapter.vjp;
    the argument that does not reach the output is None or zero, as that API says."""
    apis = adapter.gradient_apis()
    assert apis, "gradient_apis() returned no API"
    args, one = _arguments(adapter)
    for label, api in apis.items():
        dw, db = adapter.block(api(lambda x, w, b: x * w, args, (1, 2), one))
        assert_bits(float(adapter.to_numpy(dw)[0]), 3.0, label)
        assert db is None or adapter.to_numpy(db).tolist() == [0.0], label


def test_an_unconnected_gradient_is_none_or_zero(adapter):
    """An argument that does not reach the output: the framework's None (TensorFlow)
    or a zero, passed on as given; block() accepts None."""
    args, one = _arguments(adapter)
    dw, db = adapter.block(adapter.vjp(lambda x, w, b: x * w, args, (1, 2), one))
    assert_bits(float(adapter.to_numpy(dw)[0]), 3.0, "dw")
    assert db is None or same_zero(adapter, db), db


def test_an_unconnected_second_derivative_stays_none_or_zero(adapter):
    """Second order in w of x*b, composed as crossgrad.running.derivatives does: a
    first derivative that is None stays None (not an exception), a zero stays 0."""
    if declared_absent(adapter, "second"):
        pytest.skip(declared_absent(adapter, "second"))
    args, one = _arguments(adapter)

    def dw(x, w, b):
        return adapter.vjp(lambda x, w, b: x * b, (x, w, b), (1,), one)[0]

    first = adapter.block(dw(*args))
    (d2,) = adapter.block(adapter.vjp(dw, args, (1,), one))
    if first is None:
        assert d2 is None
    else:
        assert same_zero(adapter, d2), d2


def same_zero(adapter, array) -> bool:
    return adapter.to_numpy(array).tobytes() == np.zeros(1, adapter.to_numpy(array).dtype).tobytes()


def test_environment_facts(adapter):
    devices = adapter.devices()
    assert devices and devices[0] == "cpu", f"devices() must list cpu first, got {devices}"
    assert set(devices) <= set(adapter.device_names), f"{devices} not all in device_names {adapter.device_names}"
    info = adapter.info()
    json.dumps(info)  # goes into env.json as is
    assert info["version"] == adapter.version() is not None


def test_an_absent_op_stays_unsupported_in_every_mode(adapter):
    """Tracing compilers (jax.jit, tf.function, torch.compile) may re-raise the
    UnsupportedOp wrapped; the engine still finds the reason behind it."""
    absent = ops_from_table(adapter.name, {"gone": None}, {})
    x = adapter.asarray(np.array([1.0], adapter.dtypes[0]), "cpu")
    for mode in adapter.modes:
        with pytest.raises(Exception) as caught:
            adapter.block(adapter.compile(lambda z: absent.gone(z) + z, mode)(x))
        assert unsupported_reason(caught.value) == f"{adapter.name} has no gone", (mode, caught.value)
