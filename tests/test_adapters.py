"""Integration tests of every registered framework adapter (crossgrad.core.registry:
built-ins and installed plug-ins alike), run through crossgrad's own derivative
pipeline (crossgrad.running.derivatives.compute_task) where possible.

A framework that is not installed is skipped with a reason. torch is always
imported before tensorflow in this process (a known crash otherwise).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import ml_dtypes
import numpy as np
import pytest

from crossgrad.adapter import (DTYPE_NAMES, INTEGER_OPS, OP_NAMES, OP_SIGNATURES, Adapter, UnsupportedOp,
                               op_from_template, ops_from_table, unsupported_reason)
from crossgrad.core.records import same_bits
from crossgrad.core.registry import frameworks, load_adapter
from crossgrad.running.derivatives import compute_task
from crossgrad.running.plan import Task

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

integration = pytest.mark.integration

MODES = {name: adapter.modes for name, adapter in frameworks().items()}
DTYPES = ("float32", "float64")
SEEDS = {"seeds": [1.0, -1.0]}


def _adapter(name):
    """The registered adapter, loaded once per process; skip if not installed."""
    adapter = frameworks()[name]
    if adapter.version() is None:
        pytest.skip(f"{name} not installed ({adapter.install_hint})")
    return load_adapter(name)  # after its import_first


@pytest.fixture(scope="module", params=list(MODES))
def adapter(request):
    return _adapter(request.param)


@pytest.fixture(scope="module")
def torch_adapter():
    return _adapter("torch")


def run_case(adapter, case, dtype, mode, points):
    """(point, ad, wrt, seed) -> row of one compute_task call."""
    task = Task(adapter.name, case, dtype, "cpu", mode)
    rows = list(compute_task(adapter, task, dict(SEEDS, points=list(points))))
    return {(r["point"], r["ad"], r["wrt"], r["cotangent"] or r["tangent"]): r for r in rows}


def value(rows, point, ad, wrt="", seed=""):
    row = rows[(point, ad, wrt, seed)]
    assert row["outcome"] == "ok", f"{point} {ad} {wrt} {seed}: {row['outcome']} {row['detail']}"
    return float(row["value"])


def assert_bits(actual, expected, what):
    """Bitwise: -0.0 differs from 0.0 (== would call them equal)."""
    assert same_bits(actual, expected), f"{what}: got {actual!r}, expected {expected!r}"


# At smooth (x=3, w=2, b=1): a = relu(7) = 7, da/dw = x = 3, da/db = 1, d²a/dw² = 0.
SMOOTH = {
    ("none", "", ""): 7.0,
    ("reverse", "w", "1.0"): 3.0, ("reverse", "b", "1.0"): 1.0,
    ("reverse", "w", "-1.0"): -3.0, ("reverse", "b", "-1.0"): -1.0,
    ("forward", "w", "1.0"): 3.0, ("forward", "b", "1.0"): 1.0,
    ("forward", "w", "-1.0"): -3.0, ("forward", "b", "-1.0"): -1.0,
    # No path carries a value into the second derivative: the framework's zero fill.
    ("second", "w", "1.0"): 0.0, ("second", "w", "-1.0"): 0.0,
}

COMBOS = [(fw, mode, dt) for fw, modes in MODES.items() for mode in modes for dt in DTYPES]


@integration
@pytest.mark.parametrize("framework,mode,dtype", COMBOS, ids=["-".join(c) for c in COMBOS])
def test_relu_smooth_matches_truth_in_every_mode(framework, mode, dtype):
    adapter = _adapter(framework)
    rows = run_case(adapter, "relu", dtype, mode, ["smooth"])
    assert len(rows) == len(SMOOTH)
    for (ad, wrt, seed), expected in SMOOTH.items():
        what = f"{framework} {mode} {dtype} {ad} {wrt} {seed}"
        if ad == "forward" and not getattr(adapter, "forward_mode", True):  # declared absent: said so, not an error
            row = rows[("smooth", ad, wrt, seed)]
            assert row["outcome"] == "unsupported" and "forward mode" in row["detail"], (what, row)
            continue
        assert_bits(value(rows, "smooth", ad, wrt, seed), expected, what)


@integration
@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_eager_kink_gives_the_notebooks_negative_zero(torch_adapter, dtype):
    rows = run_case(torch_adapter, "relu", dtype, "eager", ["kink"])
    assert_bits(value(rows, "kink", "none"), 0.0, "a")
    dw = value(rows, "kink", "reverse", "w", "1.0")
    # relu'(0) is taken as 0, and x = -1: da/dw = (-1) * 0 = -0.0, sign bit set.
    assert dw == 0.0 and math.copysign(1.0, dw) == -1.0
    assert_bits(value(rows, "kink", "reverse", "b", "1.0"), 0.0, "da/db")
    assert rows[("kink", "reverse", "w", "1.0")]["primitive"] == "torch.relu"


@integration
def test_relu_python_torch_eager_gives_the_notebooks_numbers(torch_adapter):
    rows = run_case(torch_adapter, "relu_python", "float32", "eager", ["smooth", "kink"])
    assert_bits(value(rows, "smooth", "none"), 7.0, "a")
    assert_bits(value(rows, "smooth", "reverse", "w", "1.0"), 3.0, "da/dw")
    assert_bits(value(rows, "smooth", "reverse", "b", "1.0"), 1.0, "da/db")
    # At kink the in-place `z[:] = 0.` runs: its backward passes +0 to z, times x = -1.
    assert_bits(value(rows, "kink", "none"), 0.0, "a at kink")
    assert_bits(value(rows, "kink", "reverse", "w", "1.0"), -0.0, "da/dw at kink")


@integration
def test_torch_zero_fill_writes_in_place_under_torch_func_vjp(torch_adapter):
    a = torch_adapter
    x, w, b = (a.asarray(np.array([v], "float32"), "cpu") for v in (-1.0, 1.0, 1.0))

    def f(x, w, b):
        z = x * w + b
        filled = a.ops.zero_fill(z)
        assert filled is z  # the same tensor: written in place, not replaced
        return filled

    one = a.asarray(np.array(1.0, "float32"), "cpu")
    dw, db = a.vjp(f, (x, w, b), (1, 2), one)
    assert_bits(float(a.to_numpy(dw)[0]), -0.0, "dw")
    assert_bits(float(a.to_numpy(db)[0]), 0.0, "db")


@integration
def test_every_template_compiles_to_the_callable_the_adapter_uses(adapter):
    """Each template, compiled anew in the adapter's namespace, matches its op bit
    for bit; an absent op raises UnsupportedOp naming the framework and the op."""
    assert isinstance(adapter, Adapter)
    for dtype in DTYPES:
        for op in OP_NAMES:
            template = adapter.op_table[op]
            if template is None:
                with pytest.raises(UnsupportedOp, match=f"^{adapter.name} has no {op}$"):
                    getattr(adapter.ops, op)(*op_arguments(adapter, op, dtype))
                assert op not in adapter.ops.spelling
                continue
            assert adapter.ops.spelling[op] == template
            try:
                direct = adapter.to_numpy(getattr(adapter.ops, op)(*op_arguments(adapter, op, dtype)))
            except UnsupportedOp as exc:  # a kernel missing for this dtype (mlx: nan_to_num in float64)
                assert str(exc).startswith(f"{adapter.name} has no {op}"), exc
                continue
            again = op_from_template(template, adapter.namespace())
            spelled = adapter.to_numpy(again(*op_arguments(adapter, op, dtype)))
            if op in INTEGER_OPS:  # an index: the framework's integer type
                assert spelled.dtype == direct.dtype and direct.dtype.kind in "iu", (op, dtype)
            else:
                assert spelled.dtype == direct.dtype == np.dtype(dtype), (op, dtype)
            assert spelled.tobytes() == direct.tobytes(), (op, dtype, direct, spelled)


@integration
def test_aliases_compute_the_same_function_away_from_its_kinks(adapter):
    """Another spelling is the same function: equal values (to rounding) at
    arguments away from 0, where the spellings may legitimately differ."""
    for op, spellings in adapter.aliases.items():
        args = op_arguments(adapter, op, "float64", values=(-2.0, 0.5, 3.0, 7.0))
        expected = adapter.to_numpy(getattr(adapter.ops, op)(*args))
        for template in spellings:
            got = adapter.to_numpy(op_from_template(template, adapter.namespace())(*args))
            np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=f"{op}: {template}")


def op_arguments(adapter, op, dtype, values=(-2.0, -0.0, 0.0, 0.5, 3.0, 7.0)):
    """Fresh arguments for `op` (zero_fill writes into its input), built from its
    parameter names in OP_SIGNATURES: arrays of `values`, constants by name."""
    def array(scale=1.0):
        return adapter.asarray(np.array([v * scale for v in values], dtype), "cpu")

    made = {"z": array, "v": array, "a": array, "b": lambda: array(0.5),
            "cond": lambda: array() > 0, "lo": lambda: 0.0, "slope": lambda: 0.1, "k": lambda: 2,
            "hi": lambda: 0.7, "th": lambda: 0.5, "value": lambda: -1.0}
    return tuple(made[param]() for param in OP_SIGNATURES[op].split())


@integration
@pytest.mark.parametrize("dtype", DTYPE_NAMES)
def test_asarray_and_to_numpy_keep_every_bit(adapter, dtype):
    """-0.0, NaN (both signs), infinities, subnormals and the extremes survive the
    round trip bit for bit, in every dtype the adapter claims (16-bit ones too:
    float16 as np.float16, bfloat16 as ml_dtypes.bfloat16)."""
    if dtype not in adapter.dtypes:
        pytest.skip(f"{adapter.name} does not claim {dtype}")
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


@integration
def test_every_gradient_api_gives_the_vjp_gradient(adapter):
    """Each reverse-mode API people write yields d(x*w)/dw = x, like adapter.vjp;
    the argument that does not reach the output is None or zero, as that API says."""
    apis = adapter.gradient_apis() if hasattr(adapter, "gradient_apis") else {"vjp": adapter.vjp}
    assert apis
    x, w, b = (adapter.asarray(np.array([v], "float64"), "cpu") for v in (3.0, 2.0, 1.0))
    one = adapter.asarray(np.array(1.0, "float64"), "cpu")
    for label, api in apis.items():
        dw, db = adapter.block(api(lambda x, w, b: x * w, (x, w, b), (1, 2), one))
        assert_bits(float(adapter.to_numpy(dw)[0]), 3.0, label)
        assert db is None or adapter.to_numpy(db).tolist() == [0.0], label


@integration
def test_unconnected_gradient_is_reported_as_the_framework_gives_it(adapter):
    """TF returns None for an argument that does not reach the output; the others
    return zeros. The adapter passes that on, and block() accepts None."""
    x, w, b = (adapter.asarray(np.array([v], "float64"), "cpu") for v in (3.0, 2.0, 1.0))
    one = adapter.asarray(np.array(1.0, "float64"), "cpu")
    dw, db = adapter.block(adapter.vjp(lambda x, w, b: x * w, (x, w, b), (1, 2), one))
    assert_bits(float(adapter.to_numpy(dw)[0]), 3.0, "dw")
    if adapter.name == "tensorflow":
        assert db is None
    else:
        assert_bits(float(adapter.to_numpy(db)[0]), 0.0, "db")
    # Second order in w of x*b, composed as crossgrad.running.derivatives does: TF's first
    # derivative is already None, and the second stays None (not an exception).
    def dw(x, w, b):
        return adapter.vjp(lambda x, w, b: x * b, (x, w, b), (1,), one)[0]

    (d2,) = adapter.block(adapter.vjp(dw, (x, w, b), (1,), one))
    if adapter.name == "tensorflow":
        assert d2 is None
    else:
        assert_bits(float(adapter.to_numpy(d2)[0]), 0.0, "d2w")


@integration
def test_environment_facts(adapter):
    assert adapter.devices()[0] == "cpu"
    info = adapter.info()
    json.dumps(info)  # goes into env.json as is
    assert info["version"] == adapter.version() is not None


def test_adapter_modules_do_not_import_their_framework():
    """crossgrad list and the unit tests must work with no framework installed."""
    code = ("import sys; from crossgrad.core.registry import frameworks; fw = frameworks(); "
            "[a.version() for a in fw.values()]; "
            "print(sorted(m for m in ('torch', 'jax', 'tensorflow', 'tinygrad') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@integration
def test_an_absent_op_stays_unsupported_in_every_mode(adapter):
    """Tracing compilers (jax.jit, tf.function, torch.compile) may re-raise the
    UnsupportedOp wrapped; the engine still finds the reason behind it."""
    absent = ops_from_table(adapter.name, {"gone": None}, {})
    x = adapter.asarray(np.array([1.0], "float32"), "cpu")
    for mode in adapter.modes:
        with pytest.raises(Exception) as caught:
            adapter.block(adapter.compile(lambda z: absent.gone(z) + z, mode)(x))
        assert unsupported_reason(caught.value) == f"{adapter.name} has no gone", (mode, caught.value)
