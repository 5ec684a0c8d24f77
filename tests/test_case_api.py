"""The public case API (crossgrad.case, issue 20 item 4): a case limited to some
frameworks or modes, a value-only case, a truth in the case's dtype. No framework needed."""
from __future__ import annotations

import math
import types

import ml_dtypes
import numpy as np

from crossgrad.case import Case, Point, exact, per_dtype_points, round_to, subgradients
from crossgrad.catalogue import cases
from crossgrad.running.derivatives import compute_task
from crossgrad.running.plan import RunConfig, Task, quantities, tasks_for


def _identity(ops, x, w, b):
    return x * w + b


SMOOTH = Point("smooth", 3.0, 2.0, 1.0, value=exact(7.0), d1=exact(1.0), d2=exact(0.0))
CONFIG = RunConfig(frameworks=("torch", "jax"), cases=("c",), modes=("eager", "compiled"), devices=("cpu",),
                   dtypes=("float32",))


def test_a_case_limited_to_one_framework_and_mode_has_tasks_only_there():
    limited = Case("c", _identity, (SMOOTH,), "identity", frameworks=("torch",), modes=("compiled",))
    plain = Case("c", _identity, (SMOOTH,), "identity")
    assert [(t.framework, t.mode) for fw in ("torch", "jax")
            for t in tasks_for(CONFIG, fw, ("eager", "compiled"), {"c": limited})] == [("torch", "compiled")]
    assert len([t for fw in ("torch", "jax") for t in tasks_for(CONFIG, fw, ("eager", "compiled"), {"c": plain})]) == 4


def test_a_limited_case_asked_elsewhere_is_unsupported_with_the_reason():
    name = next(n for n, c in cases().items() if c.frameworks == ("torch",) and not c.variant_of)
    adapter = types.SimpleNamespace(version=lambda: "x", devices=lambda: ("cpu",))
    rows = list(compute_task(adapter, Task("jax", name, "float32", "cpu", "eager"), {}, cases()))
    assert rows and {r["outcome"] for r in rows} == {"unsupported"}
    assert rows[0]["detail"] == f"{name} runs on frameworks torch only"


def test_a_value_only_case_records_its_value_alone():
    """wrt=() (argmax: an integer index has no derivative): one quantity per point, ad none."""
    argmax = cases()["argmax_nan"]
    assert argmax.wrt == () and {q.ad for q in quantities(argmax)} == {"none"}
    assert len(quantities(argmax)) == len(argmax.points)


def test_the_argmax_truth_is_numpys_first_nan_index():
    """NumPy's rule, which the truth states: NaN is the extreme, the first one wins."""
    for name in ("argmax_nan", "argmin_nan"):
        pick = np.argmax if name == "argmax_nan" else np.argmin
        for p in cases()[name].points:
            assert p.value == exact(float(pick(np.array(p.z)))), (name, p.name)


def test_per_dtype_points_state_the_truth_with_the_bound_as_each_dtype_holds_it():
    """hardtanh(z, -0.7, 0.7) past its bound: 0.69921875 in bfloat16, 0.7001953125 in
    float16, float32(0.7) in float32 (ml_dtypes and NumPy round the bound)."""
    case = cases()["hardtanh_07"]
    held = {"bfloat16": ml_dtypes.bfloat16(0.7), "float16": np.float16(0.7), "float32": np.float32(0.7),
            "float64": 0.7}
    for dtype, bound in held.items():
        (past,) = [p for p in case.points if p.name.startswith("past_") and p.dtypes == (dtype,)]
        assert past.value == exact(float(bound)), dtype
        (at,) = [p for p in case.points if p.name.startswith("at_bound_") and p.dtypes == (dtype,)]
        assert at.z == float(bound) and at.d1 == subgradients(0.0, 1.0), dtype
    assert float(held["bfloat16"]) == 0.69921875 and float(held["float16"]) == 0.7001953125


def test_per_dtype_points_round_the_inputs_and_name_each_dtype():
    made = per_dtype_points("p", 1.0, 0.1, 0.0, lambda z, dtype: (exact(z), exact(1.0), exact(0.0)),
                            ("bfloat16", "float64"))
    assert [p.name for p in made] == ["p_bf16", "p_f64"]
    assert made[0].w == round_to(0.1, "bfloat16") != made[1].w == 0.1
    assert made[0].value == exact(round_to(0.1, "bfloat16")) and made[0].dtypes == ("bfloat16",)


def test_signed_zero_truths_are_ieee_754s():
    """atan2's zeros from C's atan2 (NumPy's arctan2), floor/ceil/neg keep IEEE signs."""
    table = cases()
    for p in table["atan2_zeros"].points:
        want = float(np.arctan2(np.float64(p.x[0] * p.w[0]), np.float64(p.b[0])))
        assert math.copysign(1, p.elements[("none", "")][0].value) == math.copysign(1, want)
        assert p.elements[("none", "")][0].value == want
    assert table["ceil_zeros"].point("neg_half").value.value == 0.0
    assert math.copysign(1, table["ceil_zeros"].point("neg_half").value.value) == -1
    assert math.copysign(1, table["floor_zeros"].point("zero_neg").value.value) == -1
    assert math.copysign(1, table["minimum_zeros"].point("neg_pos").elements[("none", "")][0].value) == -1
    assert math.copysign(1, table["maximum_zeros"].point("neg_pos").elements[("none", "")][0].value) == 1


def test_a_case_with_only_native_implementations_runs_only_where_it_has_one():
    """fn=None (examples/squareplus): a framework without a native entry gets no task
    (it once reached the snippet writer as a None function, and an in-process benchmark)."""
    from crossgrad.case import Case, Point, exact

    case = Case(name="native_only", fn=None, native={"torch": "math:fabs"},
                points=(Point("smooth", 3.0, 2.0, 1.0, value=exact(7.0)),), dtypes=("float32",))
    assert case.runs_on("torch", "eager")
    assert not case.runs_on("paddle", "eager") and not case.runs_on("tinygrad", "compiled")
