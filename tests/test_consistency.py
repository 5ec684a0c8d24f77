"""Consistency tests: every point of the catalogue, per framework, dtype and mode, as one test.

Ids read like `relu-kink-float32-torch-eager`; the test checks each quantity at
that point (the value, reverse, forward and second order with both seeds), and a
failure names it like `reverse-ct-1-w` (ct+1 / ct-1: the cotangent; tan+1 /
tan-1: the tangent; `value` for the primal). One test per point, not per
quantity: 5,000 tests in place of 51,000, the same checks, without pytest's
per-test cost (collection alone took 36 s a worker). Parameters are
generated at collection from the registry without importing any framework: a
framework that is not installed gives skips with a reason, never errors.

Each test runs the two checks of issue 3 on each quantity's rows:
- where the truth is exact (a smooth point), the value must equal it (verdict
  exact or close, or sign-of-zero: mathematically 0 has no sign, and which sign
  a framework produces is a convention, judged by the second check). A failure
  here is a bug in an adapter or a case, unless it is one of the few named
  kinds of finding in `smooth_finding`: what the framework's adapter declares
  (its `known_differences` and `flushes_subnormals`: a different default
  function, jit refusing Python control flow, a float32 constant in a float64
  op, flush-to-zero of subnormals), or a kind any framework may show (NaN
  through where, None gradients, accuracy short of `close`). The tests name no
  framework: a plug-in adapter is judged by its own declarations. The
  expectations file pins each finding bit for bit.
- every value is compared with cases/expectations.csv exactly as `crossgrad
  check` does (crossgrad.judging.check.compare): a known divergence must keep its bits.

Rows are computed once per task (framework x case x dtype x mode) per process,
at the points the tests check only,
and cached, so tests of one task share one compilation. Under pytest-xdist
(`pytest -n 2`) each worker loads the frameworks and caches what it runs; each
task's tests carry one xdist group (`--dist loadgroup`, pyproject.toml), so a
task is computed on one worker only.

Scope: the quick scope of `make run` (cases/scope.py): every case in eager
(and TensorFlow's graph) mode in float32 and float64; compiled modes, the 16-bit
dtypes and the spelling variants for the subset stated there; the special points
of cases.special.in_test_subset. CROSSGRAD_FULL=1 runs the whole catalogue, as
`crossgrad check` always does.
"""
from __future__ import annotations

import functools
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crossgrad.cases.scope import in_scope
from crossgrad.cases.special import in_test_subset
from crossgrad.core.dtypes import is_subnormal, program_z, round_to
from crossgrad.adapter import declared_absent, known_difference
from crossgrad.core.registry import frameworks, load_adapter
from crossgrad.catalogue import cases
from crossgrad.core.rows import RowKey
from crossgrad.judging.check import compare, format_diff, load_expectations
from crossgrad.running.plan import Task, quantities

pytestmark = pytest.mark.integration

EXPECTATIONS = Path(__file__).resolve().parent.parent / "cases" / "expectations.csv"
FULL = os.environ.get("CROSSGRAD_FULL", "") == "1"
SMOOTH_OK = ("exact", "close", "imprecise", "flushed", "definitional")  # crossgrad.judging.verdicts: valid, or explained


def _is_nan(value) -> bool:
    return value not in (None, "") and math.isnan(float(value))


def _roughly(row: dict, truth) -> bool:
    """Within 1e-3 relative (plus 1e-6 absolute in float32, 1e-12 in float64) of
    the truth: less accurate than `close`, yet no wrong derivative (a sign, a
    factor, a dropped chain-rule term) comes anywhere near."""
    if row["value"] in (None, "") or not math.isfinite(float(row["value"])):
        return False
    atol = 1e-6 if row["dtype"] == "float32" else 1e-12
    return abs(float(row["value"]) - truth.value) <= atol + 1e-3 * abs(truth.value)


def _float32_accurate(row: dict, truth) -> bool:
    """A float64 value within float32's accuracy of the op's O(1) terms (a few
    float32 eps, absolute): right to float32, wrong to float64."""
    if row["dtype"] != "float64" or row["value"] in (None, "") or not math.isfinite(float(row["value"])):
        return False
    return abs(float(row["value"]) - truth.value) <= 8 * 2.0 ** -24 * max(1.0, abs(truth.value))


def _subnormal_involved(row: dict) -> bool:
    if row["x"].startswith("["):  # a vector point (cases/ties.py, masking.py): none is subnormal
        return False
    dtype = row["dtype"]
    x, w, b = (round_to(float(row[k]), dtype) for k in ("x", "w", "b"))
    chain = (x, w, b, round_to(x * w, dtype), program_z(x, w, b, dtype))
    return any(is_subnormal(v, dtype) for v in chain)


NORM_RANGE_POINTS = ("large", "tiny", "large64", "tiny64")  # cases/atlas.py NORM_RANGE
# cases/masking.py: the traps the catalogue exists to show, each a finding pinned bit for bit.
NAN_THROUGH_WHERE = ("where_sqrt", "where_log", "where_div")
NAN_AT_ZERO = {
    "norm_zero": "norm of a zero vector: sqrt's infinite slope at 0 times the zero vector is NaN",
    "euclidean_norm_zero": "norm of a zero vector: sqrt's infinite slope at 0 times the zero vector is NaN",
    "nan_to_num_div": "nan_to_num after a division: the division's NaN derivative passes through",
    "xlogy_zero": "xlogy at (0, 0): the derivative in y, x / y, is 0/0",
    "logsumexp_masked": "logsumexp over all -inf: the max-shift subtracts -inf from -inf",
    "softmax_masked": "softmax over all -inf: exp(-inf - -inf) is NaN",
}


def smooth_finding(row: dict, truth) -> str:
    """Why a value that misses an exact truth is a measured finding, not a bug
    ("" when it is none of these, and so a bug in an adapter or a case). Every
    one of them is pinned, bit for bit, by the expectations file."""
    case, dtype, mode, point = row["case"], row["dtype"], row["mode"], row["point"]
    adapter = frameworks().get(row["framework"])  # its declared differences (crossgrad.adapter.KnownDifference)
    known = known_difference(adapter, case, dtype, mode, point, accuracy=False)
    if known:
        return known
    if case.split("~")[0] in NAN_THROUGH_WHERE and _is_nan(row["value"]):
        return "NaN through where: the untaken branch's NaN (or inf) derivative times 0 leaks into the sum"
    if case == "elu" and row["point"].startswith("exp_overflow") and _is_nan(row["value"]):
        return "NaN through where inside elu: exp overflows in the branch it does not take"
    if case.split("~")[0] in NAN_AT_ZERO and _is_nan(row["value"]):
        return NAN_AT_ZERO[case.split("~")[0]]
    if row["outcome"] == "unsupported":
        return "the framework has no such op (or dtype): unsupported, the reason in `detail`"
    if row["outcome"] == "no_gradient" or (row["outcome"] == "error" and "(None)" in row["detail"]):
        return "the framework returns None for an unconnected gradient (and cannot differentiate it again)"
    if case == "norm" and row["point"] in NORM_RANGE_POINTS:
        return "norm through z*z: z*z overflows or underflows although |z| does not"
    if row["point"] in ("inf", "neg_inf"):  # cases/special.py
        if row["ad"] == "forward" and _is_nan(row["value"]):
            return "forward mode at w = ±inf: the product rule's other term, w times x's zero tangent, is NaN"
    if adapter.flushes_subnormals and _subnormal_involved(row):
        return "flush-to-zero on CPU: a subnormal input or z is read as 0, relu's kink"
    if row["verdict"] == "invalid" and _float32_accurate(row, truth):
        return known_difference(adapter, case, dtype, mode, point, accuracy=True)
    if row["verdict"] == "invalid" and _roughly(row, truth):
        return "less accurate than `close` (cancellation in the framework's formula, a float32 constant)"
    return ""


def selected(case: str, mode: str, dtype: str = "float32") -> bool:
    """The quick scope of `make run` (cases/scope.py: compiled modes, 16-bit dtypes
    and spelling variants for a stated subset); CROSSGRAD_FULL=1: everything."""
    return FULL or in_scope("quick", cases()[case], dtype, mode)


def _seed_id(q) -> str:
    if q.ad == "none":
        return "value"
    sign = "+" if q.seed > 0 else "-"
    kind = "tan" if q.ad == "forward" else "ct"
    return f"{q.ad}-{kind}{sign}{abs(q.seed):g}-{q.wrt}"


def checked_quantities(case, dtype: str, mode: str) -> list:
    """The quantities of one task the tests check: the quick scope's points
    (cases.special.in_test_subset), or every one under CROSSGRAD_FULL=1."""
    return [q for q in quantities(case, dtype=dtype)  # some points exist in one dtype only
            if FULL or in_test_subset(case.name, dtype, q.point, mode)]


def _params():
    """One test per framework x case x dtype x mode x point: it checks each of the
    point's quantities (the value, reverse, forward and second order, both seeds),
    and a failure names the quantity. Quantities the adapter declares absent
    (forward_mode / second_order = False) are left out: their rows are
    `unsupported` by declaration (crossgrad check pins them; the conformance
    tests check the declaration is honoured)."""
    out = []
    for fw, adapter in frameworks().items():
        version = adapter.version()
        skip = [] if version else [pytest.mark.skip(reason=f"{fw} is not installed")]
        for case in cases().values():
            for dtype in case.dtypes:
                for mode in adapter.modes:
                    if not case.runs_on(fw, mode):
                        continue  # a spelling variant of another framework (cases/spellings.py), a limited case
                    if not selected(case.name, mode, dtype):
                        continue
                    by_point: dict = {}
                    for q in checked_quantities(case, dtype, mode):
                        if not declared_absent(adapter, q.ad):
                            by_point.setdefault(q.point, []).append(q)
                    for point, qs in by_point.items():
                        ident = f"{case.name}-{point}-{dtype}-{fw}-{mode}"
                        # one task's tests on one xdist worker (--dist loadgroup): it computes the task once
                        group = pytest.mark.xdist_group(f"{fw}-{case.name}-{dtype}-{mode}")
                        out.append(pytest.param(fw, case.name, dtype, mode, tuple(qs), id=ident, marks=[*skip, group]))
    return out


@functools.lru_cache(maxsize=None)
def _loaded(framework: str):
    """The framework's adapter, loaded once per process (or the error loading it)."""
    try:
        return load_adapter(framework)  # after the modules it must follow (its import_first)
    except Exception as exc:  # reported by every test of the framework, loaded once
        return exc


@functools.lru_cache(maxsize=None)
def task_rows(framework: str, case: str, dtype: str, mode: str) -> tuple:
    from crossgrad.running.derivatives import compute_task
    from crossgrad.judging.judge import judge_rows

    adapter = _loaded(framework)
    if isinstance(adapter, Exception):
        pytest.fail(f"{framework} failed to load: {adapter!r}")
    # only the points the tests check (quantities are computed per point: the others' rows change nothing)
    points = sorted({q.point for q in checked_quantities(cases()[case], dtype, mode)})
    job = {"seeds": [1.0, -1.0], "points": points}
    rows = list(compute_task(adapter, Task(framework, case, dtype, "cpu", mode), job, cases()))
    return tuple(judge_rows(rows, cases()))


@functools.lru_cache(maxsize=1)
def expectations() -> tuple:
    return tuple(load_expectations(EXPECTATIONS))


@functools.lru_cache(maxsize=1)
def _expectations_by_quantity() -> dict:
    """quantity -> its entries: each test compares against its own few, not all."""
    table: dict = {}
    for entry in expectations():
        table.setdefault(RowKey.of(entry).quantity(), []).append(entry)
    return table


def _rows_of(q, rows) -> list[dict]:
    seed = "" if q.seed is None else repr(float(q.seed))
    return [r for r in rows if r["point"] == q.point and r["ad"] == q.ad and r["wrt"] == q.wrt
            and (r["cotangent"] or r["tangent"]) == seed]


def _describe(r: dict) -> str:
    return (f"value {r['value']} ({r['verdict']}; truth {r['truth'] or 'none'}; outcome {r['outcome']}"
            + (f": {r['detail']}" if r.get("detail") else "") + f"; primitive {r['primitive']})")


def quantity_failures(framework: str, q, rows) -> list[str]:
    """What is wrong with one quantity's rows ([] when nothing): a wrong value at
    a smooth point that is no named finding, or a difference from the expectations."""
    from crossgrad.judging.truth import row_truth

    mine = _rows_of(q, rows)
    if not mine:
        return [f"{_seed_id(q)}: the task produced no row for this quantity"]
    failures = []
    for r in mine:
        truth = row_truth(r, cases())
        # a NaN truth (the value at a NaN input) is no smooth point: the expectations pin it
        smooth = truth is not None and truth.kind == "exact" and not math.isnan(truth.value)
        if smooth and r["verdict"] not in SMOOTH_OK and not smooth_finding(r, truth):
            failures.append(f"{_seed_id(q)}: {framework} differs from the truth at a smooth point, a bug in "
                            f"its adapter or in the case, never a finding: {_describe(r)}")
    result = compare(mine, _expectations_by_quantity().get(RowKey.of(mine[0]).quantity(), []))
    if not result.ok:
        failures.append(f"{_seed_id(q)}: {format_diff(result, str(EXPECTATIONS))}")
    return failures


@pytest.mark.parametrize("framework,case,dtype,mode,qs", _params())
def test_consistency(framework, case, dtype, mode, qs):
    rows = task_rows(framework, case, dtype, mode)
    failures = [f for q in qs for f in quantity_failures(framework, q, rows)]
    assert not failures, "\n".join(failures)


def test_ids_are_unique_and_readable():
    params = _params()
    ids = [p.id for p in params]
    assert len(ids) == len(set(ids))
    if "torch" in frameworks():
        assert "relu-kink-float32-torch-eager" in ids
        kink = params[ids.index("relu-kink-float32-torch-eager")].values[-1]
        assert [_seed_id(q) for q in kink][:4] == ["value", "reverse-ct+1-w", "reverse-ct+1-b", "reverse-ct-1-w"]


def test_every_expectation_names_a_known_quantity():
    """A stale entry (a renamed case or point) would be skipped forever: catch it."""
    known = {(c.name, p.name) for c in cases().values() for p in c.points}
    stale = [RowKey.of(e) for e in expectations() if (e["case"], e["point"]) not in known]
    assert not stale, stale


def test_smooth_finding_names_findings_and_rejects_wrong_derivatives():
    from crossgrad.case import exact

    row = dict(framework="torch", case="softplus", dtype="float32", mode="eager", outcome="ok",
               detail="", verdict="invalid", point="smooth", ad="reverse", x="3.0", w="2.0", b="1.0")
    assert smooth_finding(dict(row, value="0.0081915"), exact(0.008191990621096441))
    assert not smooth_finding(dict(row, value="-0.0081915"), exact(0.008191990621096441))
    assert not smooth_finding(dict(row, value="0.016383981"), exact(0.008191990621096441))
    assert not smooth_finding(dict(row, value="nan"), exact(0.0))
    assert smooth_finding(dict(row, case="where_sqrt", value="nan"), exact(0.0))
    # float32 accuracy in a float64 op is named where the adapter declares it (and only
    # there: the consistency test holds every other framework to float64); twice the value never
    near, far, truth = "-1.4901161193847656e-06", "-2.9e-06", exact(-1.4332578593959731e-06)
    for name, adapter in frameworks().items():
        declared = known_difference(adapter, "softplus", "float64", "eager", "smooth", accuracy=True)
        f64 = dict(row, framework=name, dtype="float64")
        assert bool(smooth_finding(dict(f64, value=near), truth)) == bool(declared), name
        assert not smooth_finding(dict(f64, value=far), truth)


def test_runs_under_xdist():
    """The same tests under pytest-xdist (`-n 2`): each worker loads and caches on its own."""
    pytest.importorskip("xdist")
    installed = [n for n, adapter in frameworks().items() if adapter.version()]
    if not installed:
        pytest.skip("no framework installed")
    wanted = {f"relu-{point}-float64-{installed[0]}-eager" for point in ("smooth", "kink", "kink_xpos", "negative")}
    ids = [f"{__file__}::test_consistency[{p.id}]" for p in _params() if p.id in wanted]
    cmd = [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider", *ids]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=Path(__file__).parent.parent)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert len(ids) == 4 and "bringing up nodes" in proc.stdout and "4 passed" in proc.stdout, proc.stdout


def test_subnormal_detection():
    row = dict(dtype="float32", x="1.0", w=repr(2.0 ** -140), b="0.0")
    assert _subnormal_involved(row)
    assert not _subnormal_involved(dict(row, dtype="float64"))  # 2**-140 is normal in float64
    assert not _subnormal_involved(dict(row, w="2.0"))
