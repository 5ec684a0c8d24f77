"""crossgrad compare (issue 14): exit codes, categories, filters, partial and old runs, bad input.

The committed fixture (tests/fixtures/drift, see make_fixture.py) holds one change
of each kind, so these tests always run; the shared H200 runs (schema 1, written
on a machine with a GPU) are read where they lie beside the clone, else skipped.
"""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from crossgrad.cli import main
from crossgrad.core.run_folder import load_run
from crossgrad.judging.difference import ulps
from crossgrad.drift.timing import join_timings
from crossgrad.running.env import cpu_flags

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "drift"
RUN_A, RUN_B, RUN_C = (str(FIXTURES / n) for n in ("run-a", "run-b", "run-c"))


H200 = Path(__file__).resolve().parents[1] / "results" / "h200"  # committed, slimmed (its README.md)
needs_h200 = pytest.mark.skipif(not H200.is_dir(), reason="results/h200 is missing from this checkout")


def compare(tmp_path, *argv) -> tuple[int, pd.DataFrame | None, str]:
    out = tmp_path / "cmp"
    code = main(["compare", *argv, "--out", str(out)])
    if not (out / "compare.csv").is_file():
        return code, None, ""
    lines = pd.read_csv(out / "compare.csv", dtype=str, keep_default_na=False)
    return code, lines, (out / "compare.md").read_text()


def category_of(lines: pd.DataFrame, framework, case, point, wrt) -> str:
    row = lines[(lines.framework == framework) & (lines.case == case) & (lines.point == point)
                & (lines.wrt == wrt) & (lines.ad == "reverse") & (lines.seed == "1.0")]
    assert len(row) == 1
    return row.category.iloc[0]


def test_a_run_against_itself_changes_nothing(tmp_path):
    code, lines, text = compare(tmp_path, RUN_A, RUN_A)
    assert code == 0
    assert set(lines.category) == {"same"}
    assert "Nothing changed" in text


def test_each_kind_of_change_is_named_and_ordered_worst_first(tmp_path):
    code, lines, text = compare(tmp_path, RUN_A, RUN_B)
    assert code == 1
    assert category_of(lines, "jax", "sqrt", "smooth", "b") == "verdict worse"  # exact -> 1 ulp off: close
    assert category_of(lines, "torch", "relu", "smooth", "b") == "verdict worse"  # ok -> error
    assert category_of(lines, "torch", "relu", "subnormal64", "b") == "outcome"  # error -> ok
    assert category_of(lines, "jax", "gelu", "negative", "w") == "verdict worse"  # left the tanh form
    assert category_of(lines, "jax", "sqrt", "negative", "w") == "value"  # undefined both sides
    assert category_of(lines, "torch", "relu", "kink", "w") == "sign of zero"
    assert category_of(lines, "jax", "gelu", "smooth", "w") == "last bits"
    assert category_of(lines, "torch", "sqrt", "smooth", "w") == "only in A"
    table = [line.split(" | ")[1] for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert table == ["verdict worse"] * 3 + ["outcome", "value", "sign of zero", "last bits"]
    # Values as recorded (repr): the zero's sign survives into the report.
    assert "`-0.0` | `0.0`" in text


def test_header_says_partial_and_shows_the_machine_difference(tmp_path):
    _, _, text = compare(tmp_path, RUN_A, RUN_B)
    assert "INTERRUPTED: compares what it has" in text
    assert "cpu_flags: only A has avx512f" in text
    assert "jax 0.10.2, torch 2.13.0+cpu" in text


def test_each_change_gets_a_snippet_that_prints_b_s_value(tmp_path):
    _, lines, _ = compare(tmp_path, RUN_A, RUN_B)
    row = lines[(lines.category == "sign of zero")].iloc[0]
    assert "torch.func.vjp" in row.snippet and "crossgrad recorded: 0.0" in row.snippet
    assert (lines[lines.category == "same"].snippet == "").all()


def test_filters_restrict_both_sides(tmp_path):
    code, lines, _ = compare(tmp_path, RUN_A, RUN_B, "--frameworks", "jax", "--cases", "gelu")
    assert code == 1
    assert set(lines.framework) == {"jax"} and set(lines.case) == {"gelu"}
    assert set(lines.category) == {"verdict worse", "last bits", "same"}
    code, lines, _ = compare(tmp_path, RUN_A, RUN_B, "--frameworks", "jax", "--cases", "relu")
    assert code == 0 and set(lines.category) == {"same"}


@pytest.mark.parametrize("argv, words", [
    (["/nonexistent/run"], "does not exist"),
    ([RUN_A, "--frameworks", "nosuch"], "valid: jax, torch"),
    ([RUN_A, "--by", "sideways"], "invalid choice"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, words):
    first = [RUN_A] if argv[0] != "/nonexistent/run" else []
    code, _, _ = compare(tmp_path, *first, *argv)
    err = capsys.readouterr().err
    assert code == 2
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_folder_that_is_not_a_run_and_a_run_with_no_overlap(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert compare(tmp_path, RUN_A, str(tmp_path / "empty"))[0] == 2
    assert "is not a run folder" in capsys.readouterr().err
    assert compare(tmp_path, RUN_A, RUN_C)[0] == 2
    assert "no quantity in common" in capsys.readouterr().err
    assert compare(tmp_path, RUN_A)[0] == 2
    assert "two run folders" in capsys.readouterr().err


def test_an_unknown_schema_version_is_refused_not_misread(tmp_path, capsys):
    run = tmp_path / "future"
    shutil.copytree(RUN_A, run)
    manifest = json.loads((run / "manifest.json").read_text())
    (run / "manifest.json").write_text(json.dumps(dict(manifest, schema_version=99)))
    assert compare(tmp_path, RUN_A, str(run))[0] == 2
    assert "schema_version 99" in capsys.readouterr().err


def test_a_run_that_never_finished_is_read_from_records_jsonl(tmp_path):
    run = tmp_path / "killed"
    shutil.copytree(RUN_A, run)
    rows = pd.read_csv(run / "gradients.csv", dtype=str, keep_default_na=False)
    head = rows.head(20).drop(columns=["truth", "verdict"]).to_dict("records")
    text = "".join(json.dumps(r) + "\n" for r in head) + '{"framework": "jax", "torn'  # a killed writer
    (run / "records.jsonl").write_text(text)
    (run / "gradients.csv").unlink()
    (run / "manifest.json").write_text(json.dumps({"schema_version": 1, "status": "running"}))
    loaded = load_run(run)
    assert loaded.status == "interrupted" and len(loaded.gradients) == 20
    code, lines, text = compare(tmp_path, RUN_A, str(run))
    assert code == 1  # the rest of A is missing from the killed run
    assert (lines.category == "same").sum() == 20 and set(lines.category) == {"same", "only in A"}
    assert "no gradients.csv (run never finished)" in text
    # the words agree with the exit status: not "Nothing changed" (issue 23)
    assert "Nothing changed" not in text and "on one side only (below): the runs differ (exit 1)" in text


def test_ulps_counts_units_in_the_last_place_at_the_dtype():
    assert ulps(0.1889822365046136, 0.18898223650461363, "float64") == 1
    assert ulps(-0.0, 0.0, "float64") == 1  # neighbours on the integer line of bit patterns
    assert ulps(1.0, 1.0 + 2.0 ** -23, "float32") == 1  # 2**-23 is one float32 ulp at 1
    assert ulps(1.0, 1.0 + 2.0 ** -23, "float64") == 2 ** 29
    assert ulps(-1.0, 1.0, "float32") == 2 * 0x3F800000 + 1
    assert ulps(math.nan, math.nan, "float64") is None and ulps(None, 1.0, "float64") is None


def test_timings_are_flagged_only_beyond_both_iqrs():
    joined = join_timings(load_run(RUN_A).timings, load_run(RUN_B).timings)
    flagged = joined[joined.flagged]
    assert len(joined) == 3 and len(flagged) == 1
    row = flagged.iloc[0]
    assert (row.n, row.phase) == ("1", "primal") and row.ratio == pytest.approx(2.0)


def test_cpu_flags_come_from_proc_cpuinfo_text():
    text = "processor\t: 0\nflags\t\t: fpu sse4_2 avx2 fma avx512f avx512_bf16 ht\n"
    assert cpu_flags(text) == ["sse4_2", "avx2", "fma", "avx512f", "avx512_bf16"]
    assert cpu_flags("Features\t: fp asimd sve\n") == ["asimd", "sve"]
    assert cpu_flags("") == []


def test_import_crossgrad_stays_light_and_load_run_is_public():
    code = ("import sys, crossgrad; assert 'pandas' not in sys.modules; "
            f"run = crossgrad.load_run({RUN_A!r}); assert 'pandas' in sys.modules; "
            "print(type(run.gradients).__name__, run.status, len(run.timings))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["DataFrame", "complete", "3"]


@needs_h200
def test_the_shared_h200_runs_read_as_schema_1():
    statuses = {p.name: load_run(p).status for p in sorted(H200.iterdir()) if p.is_dir()}
    assert statuses["values-eager"] == "complete"
    assert statuses["values-compiled-interrupted"] == "interrupted"
    assert all(load_run(H200 / name).schema_version == 1 for name in statuses)


@needs_h200
def test_by_device_lists_the_cpu_gpu_differences_of_the_h200_eager_run(tmp_path):
    code, lines, text = compare(tmp_path, str(H200 / "values-eager"), "--by", "device")
    assert code == 1
    changed = lines[lines.category != "same"]
    # jax on the H200's CPU flushes the subnormal input to zero (relu's gradient 0.0);
    # on the GPU it keeps it (1.0, the exact derivative of relu at a positive input).
    sub = changed[(changed.framework == "jax") & (changed.case == "relu") & (changed.point == "subnormal")
                  & (changed.ad == "reverse") & (changed.wrt == "b") & (changed.seed == "1.0")]
    assert sub[["value_a", "value_b", "verdict_b"]].values.tolist() == [["0.0", "1.0", "exact"]]
    assert sub.verdict_a.iloc[0] != "exact"
    # torch's float32 gelu at `negative` differs between CPU and CUDA kernels.
    torch = changed[changed.framework == "torch"]
    assert set(torch[torch.category != "nan payload"].case) == {"gelu"}
    # sqrt(-1)'s NaN: CUDA's is 0x7fffffff where the CPU's is 0x7fc00000 (float32): the same
    # `nan` text, other bits, the lowest class of change (issue 20)
    sqrt = torch[(torch.case == "sqrt") & (torch.dtype == "float32") & (torch.point == "negative")]
    assert set(sqrt.category) == {"nan payload"}
    assert set(zip(sqrt.bits_a, sqrt.bits_b)) == {("0x7fc00000", "0x7fffffff")}
    assert (changed.category == "verdict worse").any()
    assert "cpu→gpu" in text


@needs_h200
def test_an_interrupted_run_compares_what_it_has(tmp_path):
    code, lines, text = compare(tmp_path, str(H200 / "values-compiled-rest"),
                                str(H200 / "values-compiled-interrupted"), "--frameworks", "torch")
    assert code == 1
    assert "INTERRUPTED: compares what it has" in text
    # torch's sign and floor never ran in the interrupted run: present in the rest-run only.
    only = lines[lines.category == "only in A"]
    assert set(only.case) == {"sign", "floor"}
    assert (lines.category == "same").any()


def test_three_runs_are_each_compared_with_the_first(tmp_path):
    code, lines, text = compare(tmp_path, RUN_A, RUN_B, RUN_A)
    assert code == 1
    pairs = lines.groupby("pair").category.apply(set)
    assert len(pairs) == 2
    assert any(cats == {"same"} for cats in pairs) and any("sign of zero" in cats for cats in pairs)
    assert text.count("\n## A ") == 2


def test_by_device_needs_two_devices(tmp_path, capsys):
    assert compare(tmp_path, RUN_A, "--by", "device")[0] == 2
    assert "needs two devices" in capsys.readouterr().err


def test_an_older_schema_maps_its_names_to_today_s(tmp_path, monkeypatch):
    """A later schema that renames a column and a verdict: reading the older run maps them
    (here a made-up version 0 that called `value` "result" and sign-of-zero "signed_zero")."""
    from crossgrad.core import run_folder

    monkeypatch.setitem(run_folder.SCHEMA_RENAMES, 0, {"columns": {"result": "value"},
                                                       "verdicts": {"signed_zero": "sign-of-zero"},
                                                       "outcomes": {}})
    run = tmp_path / "old"
    shutil.copytree(RUN_A, run)
    rows = pd.read_csv(run / "gradients.csv", dtype=str, keep_default_na=False)
    rows["verdict"] = rows["verdict"].replace({"sign-of-zero": "signed_zero"})
    rows.rename(columns={"value": "result"}).to_csv(run / "gradients.csv", index=False)
    (run / "manifest.json").write_text(json.dumps({"schema_version": 0, "status": "complete"}))
    old, new = load_run(run), load_run(RUN_A)
    assert old.schema_version == 0
    assert old.gradients["value"].tolist() == new.gradients["value"].tolist()
    assert old.gradients["verdict"].tolist() == new.gradients["verdict"].tolist()
    assert (new.gradients["verdict"] == "sign-of-zero").any()  # the mapping had something to map
    code, lines, _ = compare(tmp_path, RUN_A, str(run))
    assert code == 0 and set(lines.category) == {"same"}


def test_timings_of_two_gradient_apis_line_up_separately():
    """The timing key includes the gradient API (core.rows.TimingKey): torch.func.vjp and
    torch.autograd.grad at the same N are two rows, never one dropped as a duplicate."""
    import pandas as pd

    from crossgrad.drift.timing import join_timings

    base = dict(framework="torch", device="cpu", dtype="float32", mode="eager", workload="relu", n="1",
                phase="gradient", outcome="ok", framework_version="2.13.0", threads="1", iqr_s="1e-7")
    side = lambda medians: pd.DataFrame([dict(base, api=api, median_s=m) for api, m in medians.items()])  # noqa: E731
    joined = join_timings(side({"torch.func.vjp": "2e-5", "torch.autograd.grad": "5e-5"}),
                          side({"torch.func.vjp": "2e-5", "torch.autograd.grad": "1e-4"}))
    assert sorted(joined["api"]) == ["torch.autograd.grad", "torch.func.vjp"]
    assert joined.set_index("api")["ratio"].to_dict() == {"torch.autograd.grad": 2.0, "torch.func.vjp": 1.0}


def _with_a_compiled_torch(tmp_path) -> str:
    """run-a with torch's rows repeated as mode compiled, one value's zero sign flipped
    (the shape of torch's minimum(-0.0, +0.0) under torch.compile)."""
    import csv
    import shutil

    run = tmp_path / "run-modes"
    shutil.copytree(RUN_A, run)
    path = run / "gradients.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    compiled = [dict(r, mode="compiled") for r in rows if r["framework"] == "torch"]
    flip = next(r for r in compiled if r["case"] == "relu" and r["point"] == "negative" and r["ad"] == "none")
    flip["value"], flip["bits"] = "-0.0", "0x8000000000000000"
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows + compiled)
    return str(run)


def test_by_mode_compares_each_framework_s_modes_with_its_eager_and_writes_findings(tmp_path):
    code, lines, text = compare(tmp_path, _with_a_compiled_torch(tmp_path), "--by", "mode")
    assert code == 1 and "(by mode)" in text
    assert set(lines.framework) == {"torch"}  # jax has no compiled side: not compared, not "only in A"
    changed = lines[lines.category != "same"]
    assert changed[["case", "point", "mode", "value_a", "value_b"]].values.tolist() == \
        [["relu", "negative", "compiled", "0.0", "-0.0"]]
    findings = pd.read_csv(tmp_path / "cmp" / "findings.csv", dtype=str, keep_default_na=False)
    divergence = findings[findings.category == "mode divergence"]
    assert divergence.summary.tolist() == ["torch compiled differs from torch eager, in the value"]
    assert divergence[["point", "modes", "values"]].values.tolist() == [["negative", "eager, compiled", "0.0 -> -0.0"]]
    snippet = divergence.snippet.iloc[0]  # one program: both modes, both values printed
    assert "('eager', derivative)" in snippet and "('compiled', torch.compile(derivative" in snippet
    assert "# crossgrad recorded: eager 0.0 (0x0000000000000000); compiled -0.0 (0x8000000000000000)" in snippet


@needs_h200
def test_by_device_findings_judge_the_run_as_its_report_does(tmp_path):
    """compare --by device's findings.csv judges the rows as the report does
    (crossgrad.judging.judge), not by the verdicts an older crossgrad recorded: the H200 run
    recorded jax's cpu zeros at relu's subnormal points `invalid`; today's judge calls them
    flush-to-zero, a convention (the report of that run folder says the same)."""
    assert compare(tmp_path, str(H200 / "values-eager"), "--by", "device")[0] == 1
    findings = pd.read_csv(tmp_path / "cmp" / "findings.csv", dtype=str, keep_default_na=False)
    relu = findings[(findings.case == "relu") & (findings.framework == "jax") & (findings.devices == "cpu")]
    assert relu[["category", "point"]].values.tolist() == [["convention", "subnormal, subnormal64"]]
    assert relu.summary.iloc[0].startswith("jax: flush-to-zero")


def test_by_mode_needs_one_run_with_two_modes(tmp_path, capsys):
    assert compare(tmp_path, RUN_A, "--by", "mode")[0] == 2
    assert "needs two modes" in capsys.readouterr().err
    assert compare(tmp_path, RUN_A, RUN_B, "--by", "mode")[0] == 2
