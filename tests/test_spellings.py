"""Spelling variants: their cases, tasks, ops, rows and report section (no framework needed)."""
from __future__ import annotations

import types

import numpy as np

from crossgrad.cases.seed import CASES as SEED
from crossgrad.cases.spellings import label, variants
from crossgrad.case import Case
from crossgrad.core.respell import ops_for
from crossgrad.judging import compare
from crossgrad.judging.judge import judge_rows
from crossgrad.reporting.spellings_report import spelling_section, spelling_table
from crossgrad.running.plan import RunConfig, tasks_for

RELU = {c.name: c for c in SEED}["relu"]


def fake_adapter(aliases):
    ops = types.SimpleNamespace(relu=lambda z: np.maximum(z, 0.0), zeros_like=np.zeros_like,
                                spelling={"relu": "np.maximum({0}, 0.)", "zeros_like": "np.zeros_like({0})"})
    # `name`: the adapter contract's; a respelled op a release lacks is named by it (crossgrad.adapter)
    return types.SimpleNamespace(name="fake", aliases=aliases, ops=ops, namespace=lambda: {"np": np})


ADAPTERS = {"fa": fake_adapter({"relu": ("np.clip({0}, 0., None)", "np.where({0} > 0, {0}, 0.)")}),
            "fb": fake_adapter({"relu": ("np.clip({0}, 0., None)",)}), "plain": types.SimpleNamespace(aliases={})}  # the registry's default


def test_one_variant_per_framework_alias_named_for_all_three():
    out = variants({"relu": RELU}, ADAPTERS, {"relu": "relu"})
    assert [c.name for c in out] == ["relu~fa:np.clip", "relu~fa:np.where", "relu~fb:np.clip"]
    first = out[0]
    assert first.frameworks == ("fa",) and first.respell == {"relu": "np.clip({0}, 0., None)"}
    assert first.variant_of == "relu" and first.points == RELU.points and first.fn is RELU.fn
    assert first.truth_at is RELU.truth_at and RELU.truth_at is not None  # the verdicts read it (flushed)


def test_variant_names_stay_unique_and_method_calls_read_as_z():
    twice = fake_adapter({"relu": ("np.clip({0}, 0., None)", "np.clip({0}, a_min=0.)")})
    names = [c.name for c in variants({"relu": RELU}, {"fa": twice}, {"relu": "relu"})]
    assert names == ["relu~fa:np.clip", "relu~fa:np.clip~2"]
    assert label("{0}.max()") == "z.max()" and label("torch.clamp_min({0}, 0.)") == "torch.clamp_min"


def test_a_variant_runs_only_on_its_framework():
    config = RunConfig(frameworks=("fa", "fb"), cases=("relu", "relu~fa:np.clip"), modes=("eager",),
                       devices=("cpu",), dtypes=("float32",))
    catalogue = {"relu": Case("relu", RELU.fn, RELU.points, dtypes=("float32",)),
                 "relu~fa:np.clip": Case("relu~fa:np.clip", RELU.fn, RELU.points, dtypes=("float32",),
                                         frameworks=("fa",), variant_of="relu")}
    assert [t.case for t in tasks_for(config, "fa", ("eager",), catalogue)] == ["relu", "relu~fa:np.clip"]
    assert [t.case for t in tasks_for(config, "fb", ("eager",), catalogue)] == ["relu"]


def test_respelled_ops_call_the_alias_and_name_it():
    adapter = ADAPTERS["fa"]
    case = variants({"relu": RELU}, {"fa": adapter}, {"relu": "relu"})[1]  # np.where
    ops = ops_for(adapter, case)
    z = np.array([-0.0, 2.0, -3.0])
    assert np.array_equal(ops.relu(z), np.where(z > 0, z, 0.0))
    assert ops.spelling["relu"] == "np.where({0} > 0, {0}, 0.)"
    assert ops.zeros_like is adapter.ops.zeros_like  # everything else is the adapter's
    assert ops_for(adapter, RELU) is adapter.ops


def _row(case, fw, value, point="kink", ad="reverse", wrt="w", index=0, primitive="np.maximum"):
    return {"case": case, "framework": fw, "mode": "eager", "device": "cpu", "dtype": "float32",
            "point": point, "ad": ad, "wrt": wrt, "index": index, "cotangent": "1.0", "tangent": "",
            "value": value, "primitive": primitive, "outcome": "ok" if value is not None else "error"}


def _run():
    cases = {"relu": RELU, **{c.name: c for c in variants({"relu": RELU}, ADAPTERS, {"relu": "relu"})}}
    rows = [_row("relu", "fa", "-0.0"), _row("relu", "fa", "7.0", point="smooth"),
            _row("relu~fa:np.clip", "fa", "0.0", primitive="np.clip"),  # the sign of zero differs
            _row("relu~fa:np.clip", "fa", "7.0", point="smooth", primitive="np.clip"),
            _row("relu~fa:np.where", "fa", "-0.0", primitive="np.where"),
            _row("relu~fa:np.where", "fa", None, point="smooth", primitive="np.where"),
            _row("relu", "fb", "nan"), _row("relu~fb:np.clip", "fb", "nan", primitive="np.clip")]
    return judge_rows(rows, cases), cases


def test_spelling_rows_keep_their_own_matrices():
    rows, cases = _run()
    matrices = compare.build_matrices(rows, cases)
    assert {k[0] for k in matrices} == {"relu", "relu~fa:np.clip", "relu~fa:np.where", "relu~fb:np.clip"}
    kink = [m for m in matrices[("relu", "float32")] if m.key[0] == "kink"][0]
    assert len(kink.cells) == 2  # fa and fb's base values, no variant folded in


def test_spelling_table_counts_bitwise_differences_per_framework():
    rows, cases = _run()
    table = {e["case"]: e for e in spelling_table(rows, cases)}
    clip = table["relu~fa:np.clip"]
    assert (clip["compared"], clip["differ"], clip["sign_only"]) == (2, 1, 1)
    where = table["relu~fa:np.where"]
    assert (where["compared"], where["differ"], where["one_sided"]) == (1, 0, 1)
    assert table["relu~fb:np.clip"]["differ"] == 0  # NaN against NaN is no difference


def test_spelling_section_says_which_spellings_disagree_and_where():
    rows, cases = _run()
    text = spelling_section(rows, cases)
    assert "## Spellings" in text and "### relu (op `relu`)" in text
    assert "**fa**: 2 of 2 other spellings disagree with `np.maximum`" in text
    assert "**fb**: the other spelling agrees bit for bit with `np.maximum`" in text
    assert "`kink` reverse w[0] seed 1.0 (float32 eager): `-0.0` vs `0.0`" in text
    assert spelling_section([r for r in rows if r["case"] == "relu"], cases) == ""
    env = {"frameworks": {"fa": {"spelling": {"relu": "np.maximum({0}, 0.)"}}}}
    assert "disagree with `np.maximum({0}, 0.)`" in spelling_section(rows, cases, env)



def test_spelling_section_lists_frameworks_in_the_reports_column_order():
    rows, cases = _run()
    for order in (("fa", "fb"), ("fb", "fa")):
        text = spelling_section(rows, cases, frameworks=order)
        lines = [line for line in text.splitlines() if line.startswith("- **") or line.startswith("| f")]
        verdicts = [line.split("**")[1] for line in lines if line.startswith("- **")]
        table = list(dict.fromkeys(line.split("|")[1].strip() for line in lines if line.startswith("| f") and "framework" not in line))
        assert verdicts == list(order) and table == list(order), text

def test_a_variant_asked_of_another_framework_is_unsupported_not_an_error():
    from crossgrad.running.derivatives import compute_task
    from crossgrad.running.plan import Task
    from crossgrad.catalogue import cases

    variant = next(c for c in cases().values() if c.frameworks == ("torch",) and c.variant_of)  # torch has aliases
    adapter = types.SimpleNamespace(version=lambda: "x", devices=lambda: ("cpu",))
    rows = list(compute_task(adapter, Task("jax", variant.name, "float32", "cpu", "eager"), {}, cases()))
    assert rows and {r["outcome"] for r in rows} == {"unsupported"}
    assert "spelling of torch" in rows[0]["detail"]


def _verdicts_of(case_name: str, table: dict, points: set | None = None) -> list:
    """The verdict of the same values (0.0, 1.0, the smallest float32 subnormal)
    at every point (of `points`, when given), ad and dtype of one case."""
    from crossgrad.judging.verdicts import row_verdict

    out = []
    for point in (p for p in table[case_name].points if points is None or p.name in points):
        for dtype in point.dtypes:
            for ad, wrt, seed in (("none", "", ""), ("reverse", "w", "-1.0"), ("forward", "b", "1.0")):
                for value in ("0.0", "1.0", "1e-45"):
                    row = {"case": case_name, "point": point.name, "ad": ad, "wrt": wrt, "dtype": dtype,
                           "cotangent": seed if ad == "reverse" else "", "tangent": seed if ad == "forward" else "",
                           "value": value, "outcome": "ok", "index": 0}
                    out.append((point.name, dtype, ad, value, row_verdict(row, table)[:2]))
    return out


def test_the_same_bits_get_the_same_verdict_in_a_case_and_in_its_spellings():
    """issue 20 item 6: jax's maximum(z, 0) flushes the float32 subnormal z = 2**-140 to 0;
    that 0 was `flushed` in the case maximum and `invalid` in relu~jax:jnp.maximum
    (the variant had no truth_at, so the verdicts could not state the truth at the
    flushed input). Every variant now judges every value as its base case does."""
    from crossgrad.catalogue import cases

    table = cases()
    variants_ = [c for c in table.values() if c.variant_of]
    assert variants_, "the catalogue has spelling variants"
    for variant in variants_:
        # relu(-z) + z (cases/bounds.py) has some of relu's points, with relu's inputs
        shared = {p.name for p in variant.points} & {p.name for p in table[variant.variant_of].points}
        assert shared and all(variant.point(n).z == table[variant.variant_of].point(n).z or n == "nan" for n in shared)
        assert _verdicts_of(variant.name, table, shared) == _verdicts_of(variant.variant_of, table, shared), variant.name
    flushed = dict(((p, d, ad, v), j) for p, d, ad, v, j in _verdicts_of("relu~jax:jnp.maximum", table))
    assert flushed[("subnormal", "float32", "none", "0.0")] == ("flushed", "subnormal inputs read as 0")


def test_a_function_rewritten_in_every_framework_is_compared_with_its_base_in_each():
    """relu(-z) + z (cases/bounds.py: variant_of relu, no framework of its own): the
    same function, another derivative at 0; the table pairs it per framework."""
    from dataclasses import replace

    mirrored = replace(RELU, name="relu_mirrored", variant_of="relu", description="relu(-z) + z")
    rows = [_row("relu", fw, "0.0") for fw in ("fa", "fb")] + \
        [_row("relu_mirrored", "fa", "1.0"), _row("relu_mirrored", "fb", "0.0")]
    cases = {"relu": RELU, "relu_mirrored": mirrored}
    table = spelling_table(judge_rows(rows, cases), cases)
    assert [(e["framework"], e["op"], e["spelling"], e["differ"]) for e in table] == \
        [("fa", "relu", "relu(-z) + z", 1), ("fb", "relu", "relu(-z) + z", 0)]
