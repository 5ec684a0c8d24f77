"""Timing workloads: the callables the harness times, built from an adapter, and their cost models.

- `relu`:  a = relu(x*w + b) on float32 vectors of N elements (element-wise,
  memory-bound; at N = 1 it measures per-call overhead).
- `dense`: A = relu(X @ W + b), X 256x1024, W 1024x1024, b 1024 (compute-bound).

Phases:
- `primal`: the function alone.
- `gradient`: the gradients with respect to w and b (W and b for dense) through
  each reverse-mode API the adapter names (`gradient_apis`: a framework's vjp
  and grad functions; without it `adapter.vjp`), with cotangent 1. The vjp
  runs the forward pass itself, so this
  phase's time includes the forward; only the gradients are returned, so a
  compiler may drop forward work the gradients do not need (writing relu's
  output). x (X) is data: no gradient is computed for it.

Inputs are created once per (workload, N, device), on the device, outside the
timed region; each function is compiled once per (workload, N, mode, phase) with
`adapter.compile`, and takes every input, the cotangent included, as an array,
so no call recompiles for a new Python value. The timed callable returned by
`build_callable` ends with `adapter.block(...)`.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

WORKLOADS = ("relu", "dense")
PHASES = ("primal", "gradient")
CPU_SIZES = (1, 100, 10_000, 1_000_000, 10_000_000)
GPU_SIZES = CPU_SIZES + (100_000_000,)
DENSE_BATCH, DENSE_IN, DENSE_OUT = 256, 1024, 1024
DENSE_N = DENSE_OUT  # the `n` column of dense rows: its width (its shape is fixed)
SEED = 0


def relu_fn(ops, x, w, b):
    """The seed case's function, vectorised."""
    return ops.relu(x * w + b)


def dense_fn(ops, X, W, b):
    return ops.relu(X @ W + b)


FUNCTIONS = {"relu": relu_fn, "dense": dense_fn}


def shape_label(workload: str, n: int) -> str:
    """Human-readable shape of a workload's inputs, for the `shape` column."""
    if workload == "dense":
        return f"X {DENSE_BATCH}x{DENSE_IN} @ W {DENSE_IN}x{DENSE_OUT}"
    return f"N={n}"


def numpy_inputs(workload: str, n: int, dtype: str = "float32") -> tuple[np.ndarray, ...]:
    """(x, w, b) or (X, W, b), seeded so every framework gets the same values.

    Normal values: about half of relu's inputs are positive, so the gradient's
    mask is neither all ones nor all zeros."""
    rng = np.random.default_rng(SEED)
    if workload == "relu":
        return tuple(rng.standard_normal(n, dtype=np.float32).astype(dtype) for _ in range(3))
    if workload == "dense":
        X = rng.standard_normal((DENSE_BATCH, DENSE_IN), dtype=np.float32)
        W = rng.standard_normal((DENSE_IN, DENSE_OUT), dtype=np.float32) / np.float32(DENSE_IN ** 0.5)
        b = rng.standard_normal(DENSE_OUT, dtype=np.float32)
        return tuple(a.astype(dtype) for a in (X, W, b))
    raise ValueError(f"unknown workload {workload!r}; workloads: {', '.join(WORKLOADS)}")


def device_inputs(adapter, workload: str, n: int, device: str, dtype: str = "float32") -> dict:
    """Arrays on the device: the inputs and the 0-d cotangent 1 (see build_callable)."""
    arrays = tuple(adapter.asarray(a, device) for a in numpy_inputs(workload, n, dtype))
    cotangent = adapter.asarray(np.array(1.0, dtype=dtype), device)
    return {"args": adapter.block(arrays), "cotangent": adapter.block(cotangent)}


DEFAULT_API = "vjp"  # the label of adapter.vjp where an adapter names no gradient APIs


def gradient_apis(adapter) -> dict[str, Callable]:
    """label -> fn(f, args, wrt, cotangent) -> tuple: the reverse-mode APIs people
    write with this framework (the adapter's `gradient_apis()`; optional, by default
    {"vjp": adapter.vjp}). The first entry is the API `adapter.vjp` uses, the one
    the value runs go through: crossgrad's default path."""
    return dict(adapter.gradient_apis()) or {DEFAULT_API: adapter.vjp}


def phase_function(adapter, workload: str, phase: str, api: str | None = None) -> Callable:
    """The uncompiled function of (a0, a1, a2, cotangent) for one phase; `api`
    names the gradient API (gradient_apis; None: the default, adapter.vjp)."""
    fn, ops = FUNCTIONS[workload], adapter.ops
    vjp = gradient_apis(adapter)[api] if api else adapter.vjp

    def primal(a0, a1, a2, cotangent):
        return fn(ops, a0, a1, a2)

    def gradient(a0, a1, a2, cotangent):
        f = lambda u, v, c: fn(ops, u, v, c)  # noqa: E731  (vjp wants a plain function)
        return tuple(vjp(f, (a0, a1, a2), (1, 2), cotangent))

    phases = {"primal": primal, "gradient": gradient}
    if phase not in phases:
        raise ValueError(f"unknown phase {phase!r}; phases: {', '.join(PHASES)}")
    return phases[phase]


def build_callable(adapter, workload: str, phase: str, mode: str, inputs: dict,
                   api: str | None = None) -> Callable[[], Any]:
    """Zero-argument timed callable: one compiled call on prebuilt inputs, then block."""
    compiled = adapter.compile(phase_function(adapter, workload, phase, api), mode)
    args, cotangent = inputs["args"], inputs["cotangent"]
    block = adapter.block

    def call():
        return block(compiled(*args, cotangent))

    return call


def bytes_moved(workload: str, n: int, phase: str, itemsize: int = 4) -> int | None:
    """Bytes the computation must move at least (relu and copy; None otherwise).

    primal:   read x, w, b; write a           -> 4 arrays = 16 N bytes (float32)
    gradient: read x, w, b; write da/dw, da/db -> 5 arrays = 20 N bytes
    (the fused minimum: a = relu(z) need not be written for the gradients, and
    da/dw = x * (z > 0), da/db = (z > 0) need no other input). Unfused eager
    execution moves more (z, masks, temporaries); that shows as lower achieved
    bandwidth, which is the point of the figure.
    copy (the machine's reference, timing.run.measure_copy_bandwidth): read n
    elements, write n -> 2 arrays.
    """
    arrays = {("relu", "primal"): 4, ("relu", "gradient"): 5, ("copy", "primal"): 2}
    if (workload, phase) not in arrays:
        return None
    return arrays[workload, phase] * n * itemsize


def flops(workload: str, phase: str) -> int | None:
    """Floating-point operations counted for dense (None for relu).

    Only the matmuls count (2*M*K*N each; the bias add and relu are < 0.1%):
    primal one (X @ W); gradient two (the forward X @ W and dW = X^T @ dA;
    no dX, since X is data).
    """
    if workload != "dense":
        return None
    matmul = 2 * DENSE_BATCH * DENSE_IN * DENSE_OUT
    return {"primal": 1, "gradient": 2}[phase] * matmul
