"""Vector points in the engine: Point, the arrays and the rows (no framework needed).

A NumPy adapter with finite-difference transforms stands in for a framework:
the rows' shape (one per element, `index` 0..n-1), their x/w/b text and the
truths picked by index are what is tested, not the numbers' last bits.
"""
from __future__ import annotations

import types

import numpy as np
import pytest

from crossgrad.case import Point
from crossgrad.catalogue import cases
from crossgrad.judging.judge import judge_rows
from crossgrad.running.derivatives import arg_text, compute_task, point_arrays
from crossgrad.running.plan import Task
from crossgrad.core.contract import apply_defaults


class NumpyAdapter:
    """Arrays are NumPy; vjp/jvp are central differences, element by element."""

    name, modes = "numpy", ("eager",)
    ops = types.SimpleNamespace(max=np.max, spelling={"max": "np.max({0})"})

    def __init__(self):
        apply_defaults(self)  # the optional facts it does not declare, as the registry sets them

    def version(self):
        return "test"

    def devices(self):
        return ("cpu",)

    def asarray(self, value, device):
        return np.array(value)

    def to_numpy(self, x):
        return np.asarray(x)

    def block(self, tree):
        return tree

    def compile(self, f, mode):
        return f

    def jvp(self, f, args, wrt, tangent, h=1e-6):
        up, down = list(args), list(args)
        up[wrt] = args[wrt] + h * tangent
        down[wrt] = args[wrt] - h * tangent
        return (np.asarray(f(*up)) - np.asarray(f(*down))) / (2 * h)

    def vjp(self, f, args, wrt, cotangent):
        out = []
        for i in wrt:
            units = np.eye(np.size(args[i]))
            out.append(np.array([np.sum(cotangent * self.jvp(f, args, i, u)) for u in units]))
        return tuple(out)


def test_point_accepts_tuples_of_one_length_or_floats_beside_them():
    p = Point("v", (1.0, 2.0), (3.0, -1.0), 0.5)
    assert p.is_vector and p.z == (3.5, -1.5)
    assert Point("s", 3.0, 2.0, 1.0).z == 7.0 and not Point("s", 3.0, 2.0, 1.0).is_vector
    with pytest.raises(ValueError, match="lengths"):
        Point("bad", (1.0, 2.0), (1.0, 2.0, 3.0), 0.0)


def test_point_arrays_keep_scalars_one_element_and_vectors_whole():
    adapter = NumpyAdapter()
    scalar = point_arrays(adapter, Point("s", -0.0, 2.0, 1.0), "float32", "cpu")
    assert [a.shape for a in scalar] == [(1,)] * 3 and scalar[0].dtype == np.float32
    assert np.signbit(scalar[0][0])  # -0.0 kept
    vector = point_arrays(adapter, Point("v", (1.0, 2.0, 3.0), (0.5,) * 3, 0.0), "float64", "cpu")
    assert [a.shape for a in vector] == [(3,), (3,), (1,)]


def test_arg_text_writes_vectors_as_lists_of_reprs():
    assert arg_text(-0.0) == "-0.0"
    assert arg_text((1.0, -0.0, float("-inf"))) == "[1.0, -0.0, -inf]"


def test_vector_rows_carry_one_row_per_element_and_the_truth_of_that_element():
    rows = list(compute_task(NumpyAdapter(), Task("numpy", "max_ties", "float64", "cpu", "eager"),
                             {"points": ["tie"], "seeds": [1.0]}, cases()))
    rows = judge_rows(rows, cases())

    def select(ad, wrt):
        return sorted((r for r in rows if r["ad"] == ad and r["wrt"] == wrt), key=lambda r: r["index"])
    assert [r["index"] for r in select("reverse", "w")] == [0, 1, 2, 3]
    assert [r["index"] for r in select("second", "w")] == [0, 1, 2, 3]
    assert [r["index"] for r in select("forward", "w")] == [0]
    assert [r["index"] for r in select("none", "")] == [0]
    # schema 2: a vector argument is not repeated in each element's row (points.jsonl has it once)
    assert {r["x"] for r in rows} == {""}
    assert [r["truth"] for r in select("reverse", "w")] == ["0.0", "[0.0, 1.0]", "[-1.0, 0.0]", "-0.0"]
    # a central difference across the tie splits evenly: inside the sets
    assert [r["verdict"] for r in select("reverse", "w")[1:3]] == ["subgradient", "subgradient"]
    assert select("none", "")[0]["verdict"] == "exact"
    assert all(r["outcome"] == "ok" and r["primitive"] == "np.max" for r in rows)


class UnreadableGradient(NumpyAdapter):
    """to_numpy fails on gradients (as TF's on an IndexedSlices), not on the primal."""

    def to_numpy(self, x):
        if np.ndim(x) and np.size(x) == 4:
            raise AttributeError("'IndexedSlices' object has no attribute 'numpy'")
        return np.asarray(x)


def test_a_gradient_the_adapter_cannot_read_back_is_an_error_row_not_a_crash():
    rows = list(compute_task(UnreadableGradient(), Task("numpy", "max_ties", "float64", "cpu", "eager"),
                             {"points": ["tie"], "seeds": [1.0]}, cases()))
    reverse = [r for r in rows if r["ad"] == "reverse"]
    assert [(r["wrt"], r["outcome"]) for r in reverse] == [("w", "error"), ("b", "error")]
    assert "IndexedSlices" in reverse[0]["detail"]
    assert [r["outcome"] for r in rows if r["ad"] == "none"] == ["ok"]


class NoArrayOfTieB(NumpyAdapter):
    """asarray fails on one input (the tie point's b), as TensorFlow 2.12.1's did on bfloat16."""

    dtypes = ("float32", "float64", "bfloat16", "float16")

    def __init__(self, message: str):
        super().__init__()
        self.message = message

    def asarray(self, value, device):
        if np.array_equal(np.asarray(value, np.float64), [0.0, 2.0, 3.0, 0.0]):
            raise TypeError(self.message)
        return np.array(value)


@pytest.mark.parametrize("message, outcome", [
    ("Cannot convert [0. 2. 3. 0.] to EagerTensor of dtype bfloat16", "error"),
    ("bfloat16 arrays are not supported here", "unsupported"),  # a phrase of core.dtypes.unsupported_kernel
])
def test_an_input_the_adapter_cannot_build_is_rows_of_that_point_and_the_others_are_kept(message, outcome):
    rows = list(compute_task(NoArrayOfTieB(message), Task("numpy", "max_ties", "bfloat16", "cpu", "eager"),
                             {"points": ["tie", "distinct"], "seeds": [1.0]}, cases()))
    tie = [r for r in rows if r["point"] == "tie"]
    assert tie and {r["outcome"] for r in tie} == {outcome}
    assert {r["detail"] for r in tie} == {f"TypeError: {message}"}
    assert {(r["ad"], r["wrt"]) for r in tie} == {("none", ""), ("reverse", "w"), ("reverse", "b"), ("forward", "w"),
                                                 ("forward", "b"), ("second", "w")}
    assert {r["outcome"] for r in rows if r["point"] == "distinct"} == {"ok"}


class NoForwardRule(NumpyAdapter):
    """jvp raises as mlx before 0.31.2 did through a max reduction (its text, verbatim)."""

    dtypes = ("float32", "float64", "bfloat16", "float16")

    def jvp(self, f, args, wrt, tangent, h=1e-6):
        raise ValueError("[Primitive::jvp] Not implemented for Max.")

    def vjp(self, f, args, wrt, cotangent):
        return tuple(np.zeros_like(args[i]) for i in wrt)  # reverse mode has its rule


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16", "float16"])
def test_a_missing_derivative_rule_is_unsupported_in_every_dtype(dtype):
    rows = list(compute_task(NoForwardRule(), Task("numpy", "max_ties", dtype, "cpu", "eager"),
                             {"points": ["tie"], "seeds": [1.0]}, cases()))
    forward = [r for r in rows if r["ad"] == "forward"]
    assert [(r["wrt"], r["outcome"]) for r in forward] == [("w", "unsupported"), ("b", "unsupported")]
    assert {r["detail"] for r in forward} == {"ValueError: [Primitive::jvp] Not implemented for Max."}
    assert {r["outcome"] for r in rows if r["ad"] != "forward"} == {"ok"}
