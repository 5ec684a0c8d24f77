"""Integration tests of the three framework adapters, run through crossgrad's own
derivative pipeline (crossgrad.derivatives.compute_task) where possible.

A framework that is not installed is skipped with a reason. torch is always
imported before tensorflow in this process (a known crash otherwise).
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from crossgrad.adapter import UnsupportedOp, ops_from_table, placeholder_count
from crossgrad.derivatives import compute_task
from crossgrad.plan import Task
from crossgrad.records import same_bits

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

integration = pytest.mark.integration

MODES = {"torch": ("eager", "compiled"), "jax": ("eager", "compiled"),
         "tensorflow": ("eager", "graph", "compiled")}
DTYPES = ("float32", "float64")
SEEDS = {"seeds": [1.0, -1.0]}


def _adapter(name):
    """The registered adapter, loaded once per process; skip if not installed."""
    from crossgrad.registry import frameworks

    adapter = frameworks()[name]
    if name == "tensorflow" and importlib.util.find_spec("torch"):
        import torch  # noqa: F401  (before tensorflow, always)
    if adapter.version() is None:
        pytest.skip(f"{name} not installed ({adapter.install_hint})")
    adapter.load()
    return adapter


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
def test_spelling_templates_compute_what_the_ops_compute(adapter):
    """Each template, evaluated with the usual aliases, matches its op bit for bit."""
    env = _aliases(adapter.name)
    for dtype in DTYPES:
        for name, args in _op_arguments(adapter, dtype).items():
            direct = adapter.to_numpy(getattr(adapter.ops, name)(*args()))
            given = args()
            scope = dict(env, **{f"a{i}": arg for i, arg in enumerate(given)})
            template = adapter.ops.spelling[name].format(*(f"a{i}" for i in range(len(given))))
            spelled = adapter.to_numpy(eval(template, scope))
            assert spelled.dtype == direct.dtype == np.dtype(dtype), (name, dtype)
            assert spelled.tobytes() == direct.tobytes(), (name, dtype, direct, spelled)


def _aliases(framework):
    if framework == "torch":
        import torch
        import torch.nn.functional as F
        return {"torch": torch, "F": F}
    if framework == "jax":
        import jax
        import jax.numpy as jnp
        return {"jax": jax, "jnp": jnp}
    import tensorflow as tf
    return {"tf": tf}


def _op_arguments(adapter, dtype):
    """op name -> factory of fresh arguments (zero_fill writes into its input)."""
    def z():
        return adapter.asarray(np.array([-2.0, -0.0, 0.0, 0.5, 3.0, 7.0], dtype), "cpu")

    def pair():
        return adapter.asarray(np.array([1.0, -0.0], dtype), "cpu")

    unary = ("relu", "zeros_like", "abs", "relu6", "hardtanh", "elu", "gelu", "softplus",
             "sqrt", "norm", "max", "sign", "floor", "zero_fill")
    args = {name: (lambda: (z(),)) for name in unary}
    args.update(maximum=lambda: (z(), 0.0), clip=lambda: (z(), 0.0), leaky_relu=lambda: (z(), 0.1),
                where=lambda: (z() > 0, z(), 0.0), concat=lambda: (z(), pair()))
    return args


@integration
def test_every_op_name_is_provided(adapter):
    from crossgrad.adapter import OP_NAMES, Adapter

    assert isinstance(adapter, Adapter)
    missing = [n for n in OP_NAMES if not callable(getattr(adapter.ops, n, None))]
    assert not missing and set(adapter.ops.spelling) == set(OP_NAMES)


@integration
@pytest.mark.parametrize("dtype", DTYPES)
def test_asarray_and_to_numpy_keep_every_bit(adapter, dtype):
    source = np.array([-0.0, 0.0, np.nan, np.inf, -np.inf, 1e-30], dtype)
    back = adapter.to_numpy(adapter.asarray(source, "cpu"))
    assert back.dtype == source.dtype and back.tobytes() == source.tobytes()
    seed = adapter.to_numpy(adapter.asarray(np.array(-0.0, dtype), "cpu"))
    assert seed.shape == () and math.copysign(1.0, float(seed)) == -1.0


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
    # Second order in w of x*b, composed as crossgrad.derivatives does: TF's first
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
    code = ("import sys; from crossgrad.registry import frameworks; fw = frameworks(); "
            "[a.version() for a in fw.values()]; "
            "print(sorted(m for m in ('torch', 'jax', 'tensorflow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- the op table (no framework needed) ------------------------------------------


def _numpy_adapter(table):
    """The test plug-in adapter (finite differences over NumPy) with ops from `table`."""
    sys.path.insert(0, str(Path(__file__).parent / "fake_framework"))
    from fakefw import FakeAdapter

    adapter = FakeAdapter("numpyfw")
    adapter.ops = ops_from_table("numpyfw", table, {"np": np})
    return adapter


def test_a_template_becomes_its_callable_and_stays_its_spelling():
    ops = ops_from_table("numpyfw", {"clip": "np.maximum({0}, {1})", "xlogy": None}, {"np": np})
    assert ops.spelling == {"clip": "np.maximum({0}, {1})"}  # absent ops have no spelling
    assert ops.clip(np.array([-2.0, 3.0]), 0.5).tolist() == [0.5, 3.0]
    assert [placeholder_count(t) for t in ("f()", "f({0})", "{0}.at[{1}].set({2}, {0}.dtype)")] == [0, 1, 3]


def test_an_absent_op_raises_unsupported_with_the_reason():
    ops = ops_from_table("numpyfw", {"xlogy": None}, {})
    with pytest.raises(UnsupportedOp, match="^numpyfw has no xlogy$"):
        ops.xlogy(np.zeros(1), np.zeros(1))


def test_the_engine_records_an_absent_op_as_unsupported_not_as_an_error():
    adapter = _numpy_adapter({"relu": None})
    rows = list(compute_task(adapter, Task("numpyfw", "relu", "float64", "cpu", "eager"),
                             dict(SEEDS, points=["smooth"])))
    assert rows and {(r["outcome"], r["detail"]) for r in rows} == {("unsupported", "numpyfw has no relu")}
    assert {r["ad"] for r in rows} == {"none", "reverse", "forward", "second"}
