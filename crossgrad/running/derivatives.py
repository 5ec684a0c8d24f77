"""Builds each derivative function from a case and an adapter, runs it, yields records.

Per task, four functions are built and compiled once: the primal, reverse mode
(w and b in one pullback), forward mode (one jvp per argument), and second
order in w by composing two reverse passes. Points and seeds are arrays, so a
compiled function is reused across them without recompiling. An adapter that
declares forward_mode or second_order False gets those rows as `unsupported`
with the reason, and its transform is never called.
"""
from __future__ import annotations

import math
from typing import Callable, Iterator

import numpy as np

from crossgrad.adapter import UnsupportedOp, declared_absent, failed_op_outcome, unsupported_reason
from crossgrad.core.case import ARG_NAMES
from crossgrad.core.dtypes import as_dtype, missing_derivative_rule, missing_dtype_reason, unsupported_kernel
from crossgrad.core.records import bits, fmt
from crossgrad.core.respell import ops_for
from crossgrad.core.spelling import RecordingOps
from crossgrad.running.plan import Quantity, Task, quantities


def build_functions(adapter, fn: Callable, ops, wrt: tuple[str, ...]) -> dict:
    """ad kind -> function of arrays (x, w, b, seed, one) returning a tuple of outputs."""
    idx = tuple(ARG_NAMES.index(name) for name in wrt)

    def primal(x, w, b, seed, one):
        return (fn(ops, x, w, b),)

    def f(x, w, b):
        return fn(ops, x, w, b)

    def reverse(x, w, b, seed, one):
        return tuple(adapter.vjp(f, (x, w, b), idx, seed))

    def forward(x, w, b, seed, one):
        return tuple(adapter.jvp(f, (x, w, b), i, seed) for i in idx)

    def second(x, w, b, seed, one):
        def dw(x, w, b):
            return adapter.vjp(f, (x, w, b), (1,), seed)[0]

        return tuple(adapter.vjp(dw, (x, w, b), (1,), one))

    return {"none": primal, "reverse": reverse, "forward": forward, "second": second}


def outputs_of(ad: str, wrt: tuple[str, ...]) -> tuple[str, ...]:
    """Which wrt each output of build_functions()[ad] belongs to."""
    return {"none": ("",), "reverse": wrt, "forward": wrt, "second": ("w",)}[ad]


def compute_task(adapter, task: Task, job: dict, cases: dict) -> Iterator[dict]:
    """Every record of one task (`cases`: name -> Case, the catalogue of the run);
    an exception in one group becomes `error` rows."""
    case = cases[task.case]
    qs = quantities(case, tuple(job.get("points") or ()), tuple(job.get("seeds") or (1.0, -1.0)), task.dtype,
                    job.get("scope", "full"))
    base = _base_row(adapter, task)
    if task.device not in adapter.devices():
        yield from failed_rows(base, case, qs, "unavailable", f"no {task.device} device for {task.framework}")
        return
    if not case.runs_on(task.framework, task.mode):  # another framework's spelling, a limited case
        yield from failed_rows(base, case, qs, "unsupported", _limited_reason(case))
        return
    if task.dtype not in adapter.dtypes:  # nothing to run: say why
        yield from failed_rows(base, case, qs, "unsupported", missing_dtype_reason(task.framework, task.dtype))
        return
    fn = case.function_for(task.framework)
    ops = ops_for(adapter, case)  # a spelling variant's alias in place of its op
    fns = build_functions(adapter, fn, ops, case.wrt)
    try:  # the eager probe meets an op the framework lacks before any compiler does
        primitives = {p.name: used_primitives(adapter, fn, task, p, ops) for p in case.points if task.dtype in p.dtypes}
    except UnsupportedOp as exc:
        yield from failed_rows(base, case, qs, failed_op_outcome(str(exc)), str(exc))
        return
    for ad in ("none", "reverse", "forward", "second"):
        group = [q for q in qs if q.ad == ad]
        absent = declared_absent(adapter, ad)  # forward_mode / second_order = False: never called
        if absent:
            yield from failed_rows(base, case, group, "unsupported", absent)
            continue
        rows = list(_run_group(adapter, task, case, ad, fns[ad], group, base, primitives))
        note = adapter.notes()
        for row in rows:
            if note and row["outcome"] == "ok":
                row["detail"] = note
            yield row


def _limited_reason(case) -> str:
    if case.variant_of:
        return f"{case.name} is a spelling of {', '.join(case.frameworks)}"
    limits = [f"{what} {', '.join(names)}" for what, names in
              (("frameworks", case.frameworks), ("modes", case.modes)) if names]
    return f"{case.name} runs on {' and '.join(limits)} only"


def used_primitives(adapter, fn, task: Task, point, ops=None) -> str:
    """The framework calls the case makes at this point, from an eager call of the
    primal with a recording namespace (kept out of compiled code: it has state)."""
    ops = RecordingOps(adapter.ops if ops is None else ops)
    try:
        fn(ops, *point_arrays(adapter, point, task.dtype, task.device))
    except UnsupportedOp:
        raise  # the whole task is unsupported (compute_task)
    except Exception:
        pass  # the failure itself is recorded by the real evaluation
    return ops.describe()


def _run_group(adapter, task, case, ad, fn, group, base, primitives) -> Iterator[dict]:
    try:
        compiled = adapter.compile(fn, task.mode)
    except Exception as exc:  # the compiler refusing the function is a finding
        yield from failed_rows(base, case, group, *_failure(exc, task.dtype))
        return
    for q in _one_call_per_seed(group):
        yield from _evaluate(adapter, task, case, ad, compiled, q, group, base, primitives[q.point])


def _one_call_per_seed(group: list[Quantity]) -> list[Quantity]:
    """One representative per (point, seed): one call yields all wrt at once."""
    seen, reps = set(), []
    for q in group:
        if (q.point, q.seed) not in seen:
            seen.add((q.point, q.seed))
            reps.append(q)
    return reps


def _evaluate(adapter, task, case, ad, compiled, q, group, base, primitive: str) -> Iterator[dict]:
    point = case.point(q.point)
    wanted = {g.wrt for g in group if g.point == q.point and g.seed == q.seed}
    try:  # building the inputs can fail too (a framework without arrays of the dtype): rows, not a dead worker
        args = point_arrays(adapter, point, task.dtype, task.device)
        seed = adapter.asarray(as_dtype(1.0 if q.seed is None else q.seed, task.dtype), task.device)
        one = adapter.asarray(as_dtype(1.0, task.dtype), task.device)
        outs = adapter.block(compiled(*args, seed, one))
    except Exception as exc:
        yield from failed_rows(base, case, [g for g in group if g.point == q.point and g.seed == q.seed],
                               *_failure(exc, task.dtype))
        return
    for wrt, out in zip(outputs_of(ad, case.wrt), outs):
        if wrt not in wanted:
            continue
        row = dict(base, case=case.name, primitive=primitive, **_quantity_fields(q, wrt, point, base["dtype"]))
        if out is None:
            yield dict(row, index=0, value=None, bits="", outcome="no_gradient",
                       detail=f"{task.framework} returned None: no gradient reaches the output")
            continue
        try:
            array = adapter.to_numpy(out)
        except Exception as exc:  # a gradient the adapter cannot read back (TF's IndexedSlices)
            yield dict(row, index=0, value=None, bits="", outcome="error", detail=_describe(exc))
            continue
        yield from _element_rows(row, array, task.dtype)


def point_arrays(adapter, point, dtype: str, device: str) -> list:
    """x, w, b as framework arrays: a float is a 1-element array, a tuple (a vector
    point) an n-element one; the values are exact in `dtype` or rounded to it."""
    return [adapter.asarray(np.atleast_1d(as_dtype(np.array(v, np.float64), dtype)), device)
            for v in (point.x, point.w, point.b)]


def arg_text(value, dtype: str = "float64") -> str:
    """A point's x, w or b as row text: repr of a float, "[1.0, -0.0]" for a vector. A
    NaN other than the dtype's own float('nan') is "nan(0x7e01)", its bits at the
    dtype's width (what the framework was given): repr writes every NaN as "nan",
    its sign and payload lost."""
    if isinstance(value, tuple):
        return "[" + ", ".join(_input_text(v, dtype) for v in value) + "]"
    return _input_text(value, dtype)


def _input_text(value, dtype: str) -> str:
    pattern = bits(value, dtype) if math.isnan(value) else ""
    return f"nan({pattern})" if pattern and pattern != bits(math.nan, dtype) else fmt(value)


def _element_rows(row: dict, array: np.ndarray, dtype: str) -> Iterator[dict]:
    for index, v in enumerate(np.asarray(array).reshape(-1)):
        # bits from the element itself, at the dtype's width: a NaN keeps its sign and payload
        yield dict(row, index=index, value=fmt(float(v)), bits=bits(v, dtype), outcome="ok", detail="")


def _quantity_fields(q: Quantity, wrt: str, point, dtype: str) -> dict:
    seed = fmt(q.seed) if q.seed is not None else ""
    return {
        "ad": q.ad, "point": q.point, "wrt": wrt,
        "cotangent": seed if q.ad in ("reverse", "second") else "",
        "tangent": seed if q.ad == "forward" else "",
        # A vector argument is written once per point (points.jsonl), not in every element's row.
        **{n: "" if isinstance(v, tuple) else arg_text(v, dtype) for n, v in (("x", point.x), ("w", point.w),
                                                                             ("b", point.b))},
    }


def _base_row(adapter, task: Task) -> dict:
    return {"framework": task.framework, "framework_version": adapter.version() or "",
            "device": task.device, "dtype": task.dtype, "mode": task.mode}


def failed_rows(base: dict, case, group: list[Quantity], outcome: str, detail: str) -> Iterator[dict]:
    """One row per quantity (index 0, no value) saying why it has no value."""
    for q in group:
        point = case.point(q.point)
        yield dict(base, case=case.name, primitive="", index=0, value=None, bits="",
                   outcome=outcome, detail=detail, **_quantity_fields(q, q.wrt, point, base["dtype"]))


def _failure(exc: BaseException, dtype: str = "") -> tuple[str, str]:
    """(outcome, detail) of a failed call. An op the framework lacks (UnsupportedOp)
    is `unsupported` with its reason, also when a compiler re-raised it wrapped;
    so is a derivative rule the framework lacks, in any dtype, and a kernel it lacks
    for a 16-bit dtype, when its own error text says so (crossgrad.core.dtypes:
    missing_derivative_rule, unsupported_kernel: the rules and the phrases)."""
    reason = unsupported_reason(exc)
    if reason is not None:
        return failed_op_outcome(reason), reason
    if missing_derivative_rule(str(exc)) or unsupported_kernel(str(exc), dtype):
        return "unsupported", _describe(exc)
    return "error", _describe(exc)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
