"""Mode and device divergence as findings of their own, and findings.csv (issue 20
items 1 and 5), on hand-made rows: no framework needed."""
from __future__ import annotations

import csv
import io

import pytest

from crossgrad.judging import compare
from crossgrad.judging.divergence import divergences, mode_pairs
from crossgrad.judging.findings_data import COLUMNS, SEVERITY, findings, findings_csv, with_snippets
from judged_rows import judged_shape


def finding_records(rows, snippet=None):
    """The records of hand-made annotated rows (no catalogue: truths as the rows state them)."""
    rows = judged_shape(rows)
    found = findings(rows, compare.build_matrices(rows, {}))
    if snippet is not None:
        found = with_snippets(found, lambda f: (snippet(f.record.category, f.items), ""))
    return [f.record for f in found]


def row(mode="eager", value="-0.0", bits="0x80000000", device="cpu", verdict="exact", framework="torch",
        outcome="ok", point="neg_pos", **extra):
    base = {"framework": framework, "mode": mode, "device": device, "dtype": "float32", "case": "minimum_zeros",
            "point": point, "ad": "none", "cotangent": "", "tangent": "", "wrt": "", "index": 0, "value": value,
            "bits": bits, "outcome": outcome, "verdict": verdict, "truth": "-0.0", "detail": ""}
    return dict(base, **extra)


# torch's minimum(-0.0, +0.0): -0.0 eager, +0.0 compiled; both `exact` (a zero's sign is a convention).
TORCH_MINIMUM = [row(), row("compiled", "0.0", "0x00000000")]


def test_compiled_bits_apart_from_eager_are_a_divergence_whatever_the_verdicts_say():
    (found,) = divergences(judged_shape(TORCH_MINIMUM), "mode")
    assert (found.framework, found.reference, found.other, found.held) == ("torch", "eager", "compiled", "cpu")
    assert (found.reference_value, found.other_value, found.verdicts) == ("-0.0", "0.0", ("exact", "exact"))
    assert not found.payload_only
    assert divergences(judged_shape(TORCH_MINIMUM), "device") == []  # one device: nothing to pair
    assert mode_pairs(TORCH_MINIMUM) == [("torch", "eager", "compiled")]


def test_the_same_bits_in_every_mode_and_other_frameworks_are_no_divergence():
    same = [row(), row("compiled"), row(framework="jax", mode="compiled", value="0.0", bits="0x00000000")]
    assert divergences(judged_shape(same), "mode") == []  # jax's compiled has no jax eager to differ from


def test_a_gpu_value_is_paired_with_the_cpu_value_of_its_own_mode():
    rows = [row(), row(device="gpu", value="0.0", bits="0x00000000"), row("compiled", device="gpu")]
    (found,) = divergences(judged_shape(rows), "device")
    assert (found.reference, found.other, found.held) == ("cpu", "gpu", "eager")


def test_a_nan_whose_payload_changed_is_a_payload_finding_ranked_lowest():
    """MLX returned float16 NaN 0x7e01 as 0x7d00 in the issue's example: same `nan` text."""
    rows = [row(value="nan", bits="0x7e01", dtype="float16"), row("compiled", "nan", "0x7d00", dtype="float16")]
    (record,) = finding_records(rows)
    assert (record.category, record.severity) == ("nan payload", min(SEVERITY.values()))
    assert record.values == "nan (0x7e01) -> nan (0x7d00)"
    assert record.summary == "torch compiled differs from torch eager, a NaN's payload or sign only, in the value"


def test_records_rank_wrong_values_then_divergences_then_errors():
    wrong = row(framework="tensorflow", mode="compiled", case="max_nan", point="nan", value="11.0",
                bits="0x41300000", verdict="invalid", truth="nan")
    error = row(framework="torch", case="hardsigmoid", point="smooth", ad="second", wrt="w", value="",
                bits="", outcome="error", verdict="error", detail="RuntimeError: no second derivative")
    records = finding_records(TORCH_MINIMUM + [wrong, error])
    assert [r.category for r in records] == ["wrong value", "mode divergence", "error"]
    assert [r.id for r in records] == ["F001", "F002", "F003"]
    divergence = records[1]
    assert divergence.summary.startswith("torch compiled differs from torch eager")
    assert (divergence.modes, divergence.devices, divergence.values) == ("eager, compiled", "cpu", "-0.0 -> 0.0")
    assert divergence.severity > SEVERITY["convention"]  # above conventions, whatever the truth allows
    assert "no second derivative" in records[2].summary


def test_one_record_gathers_the_modes_and_dtypes_of_one_quantity():
    rows = [row(mode=m, dtype=d, value="0.0", bits="0x0", verdict="invalid", framework="tensorflow")
            for m in ("eager", "graph") for d in ("float32", "float64")]
    (record,) = finding_records(rows)
    assert (record.modes, record.dtypes, record.values) == ("eager, graph", "float32, float64", "0.0")


def test_findings_csv_has_the_issues_columns_and_reads_back():
    assert COLUMNS == ("id", "severity", "category", "case", "point", "framework", "modes", "devices", "dtypes",
                       "wrt", "values", "truth", "summary", "snippet")
    records = finding_records(TORCH_MINIMUM, snippet=lambda category, items: "import torch\nprint(1)")
    back = list(csv.DictReader(io.StringIO(findings_csv(records))))
    assert len(back) == 1 and back[0]["snippet"] == "import torch\nprint(1)" and back[0]["severity"] == "7"
    assert findings_csv([]).strip() == ",".join(COLUMNS)


def test_an_unknown_axis_is_refused():
    with pytest.raises(ValueError, match="mode, device"):
        divergences(judged_shape(TORCH_MINIMUM), "dtype")


def test_every_finished_run_folder_has_findings_csv(tmp_path):
    """crossgrad report / run (crossgrad.reporting.finish) writes it beside report.md."""
    import shutil
    from pathlib import Path

    from crossgrad.catalogue import cases
    from crossgrad.core.run_folder import FINDINGS
    from crossgrad.reporting.finish import finish

    run = tmp_path / "run"
    shutil.copytree(Path(__file__).parent / "fixtures" / "drift" / "run-a", run)
    # records.jsonl (what finish reads) from the fixture's gradients.csv, with relu(7)
    # recorded as 8.0 by torch: a wrong value findings.csv must list
    import json

    with open(run / "gradients.csv", newline="") as fh:
        rows = [{k: v for k, v in r.items() if k not in ("truth", "verdict")} for r in csv.DictReader(fh)]
    for r in rows:
        r["index"], r["schema_version"] = int(r["index"]), 1
        if (r["framework"], r["case"], r["point"], r["ad"]) == ("torch", "relu", "smooth", "none"):
            r["value"], r["bits"] = "8.0", "0x4020000000000000"
    (run / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    finish(run, cases())
    back = list(csv.DictReader(io.StringIO((run / FINDINGS).read_text())))
    assert back and set(back[0]) == set(COLUMNS)
    wrong = [(r["case"], r["point"], r["framework"], r["values"], r["truth"]) for r in back
             if r["category"] == "wrong value"]
    assert wrong == [("relu", "smooth", "torch", "8.0", "7.0")]
    assert back[0]["category"] == "wrong value" and "print(" in back[0]["snippet"]
    assert {r["category"] for r in back} >= {"wrong value", "definitional"}  # jax's gelu: the tanh form


# --- NaN payloads kept end to end (issue 20 item 2) ----------------------------------------

NAN_7E01 = __import__("struct").unpack(">d", bytes.fromhex("7ff8040000000000"))[0]  # float16 0x7e01


def test_an_input_nan_with_a_payload_is_written_with_its_bits_and_read_back():
    from crossgrad.core.row_check import GRADIENT_RULES, row_fault
    from crossgrad.running.derivatives import arg_text

    assert arg_text(NAN_7E01, "float16") == "nan(0x7e01)"
    assert arg_text(float("nan"), "float16") == "nan"  # the dtype's own NaN: repr as before
    assert arg_text(-float("nan"), "float32") == "nan(0xffc00000)"  # repr would lose the sign
    assert arg_text((1.0, NAN_7E01), "float16") == "[1.0, nan(0x7e01)]"
    assert row_fault({"x": "nan(0x7e01)", "w": "[1.0, nan(0x7e01)]", "b": "nan"}, GRADIENT_RULES) is None
    assert row_fault({"x": "nan(7e01)"}, GRADIENT_RULES)  # only the written form is read


def test_a_snippet_builds_a_payload_nan_input_from_its_bits():
    """torch writes 0x7e00 for every float16 NaN made from a Python float; a NumPy array
    of the dtype is copied as is (measured: torch, jax, TensorFlow, MLX)."""
    from crossgrad.case import NAN_RESULT, Case, Point
    from crossgrad.reporting.repro import case_snippet

    case = Case("payload", lambda ops, x, w, b: ops.relu(x * w + b),
                (Point("p", NAN_7E01, 1.0, 0.0, value=NAN_RESULT),), wrt=())
    text = case_snippet(case, "torch", {"relu": "torch.relu({0})"}, "p", "float16", "none", "", "", "eager",
                        recorded="nan (0x7e01)")
    assert "x = torch.tensor(np.array([0x7e01], dtype=np.uint16).view(np.float16), dtype=torch.float16)" in text
    assert "import numpy as np" in text and "x=nan(0x7e01)" in text
    assert ".view('uint16')" in text  # the result's bits are printed too: repr says nan for every NaN
    plain = case_snippet(case, "torch", {"relu": "torch.relu({0})"}, "p", "float32", "none", "", "", "eager")
    assert "np.array([0x7fc02000], dtype=np.uint32).view(np.float32)" in plain


def test_compare_calls_a_changed_nan_payload_its_own_lowest_class():
    from crossgrad.judging.difference import CATEGORIES, change

    a = {"outcome": "ok", "number": float("nan"), "bits": "0x7e01", "verdict": "exact"}
    assert change(a, dict(a, bits="0x7d00"), "float16") == "nan payload"
    assert change(a, dict(a), "float16") == "same"
    assert change(a, dict(a, bits=""), "float16") == "same"  # bits not recorded: no claim
    assert CATEGORIES.index("nan payload") == CATEGORIES.index("last bits") + 1


def test_a_nan_of_other_bits_than_the_frameworks_majority_is_a_payload_finding():
    """MLX returned float16 NaN 0x7e01 as 0x7d00 where torch and jax kept it (a measured run)."""
    rows = [row(framework=fw, mode=m, value="nan", bits=b, dtype="float16", truth="nan")
            for fw, b in (("torch", "0x7e01"), ("jax", "0x7e01"), ("mlx", "0x7d00")) for m in ("eager", "compiled")]
    (record,) = finding_records(rows)
    assert (record.category, record.framework, record.modes, record.values) == (
        "nan payload", "mlx", "eager, compiled", "nan (0x7d00)")
    assert finding_records(rows[:2] + rows[4:]) == []  # torch against mlx: no majority, no finding


def test_report_md_lists_a_mode_divergence_above_the_conventions_as_findings_csv_does(tmp_path):
    from crossgrad.reporting.report import write_report

    rows = TORCH_MINIMUM + [row(framework="tensorflow", mode=m, value="", bits="", verdict="no_gradient",
                                outcome="no_gradient") for m in ("eager", "graph")]
    write_report(tmp_path, judged_shape(rows), {}, {"status": "complete"}, {})
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("| F0")]
    assert [line.split(" | ")[1] for line in lines] == ["mode divergence", "convention"]
    assert "torch compiled differs from torch eager, in the value" in lines[0] and "`-0.0 -> 0.0`" in lines[0]
    with open(tmp_path / "findings.csv", newline="", encoding="utf-8") as fh:
        back = list(csv.DictReader(fh))
    assert [(r["id"], r["category"]) for r in back] == [("F001", "mode divergence"), ("F002", "convention")]
    page = (tmp_path / "cases" / "minimum_zeros.md").read_text(encoding="utf-8")
    assert '<a id="f001"></a>' in page and "F001 · mode divergence: torch compiled differs" in page


# --- all_divergences: every axis at once ----------------------------------------------------

def _mixed_run():
    """Modes and devices of two frameworks, a row without a value, a NaN payload change."""
    rows = []
    for point, shift in (("neg_pos", 0), ("pos_neg", 1)):
        for fw in ("torch", "jax"):
            for device in ("cpu", "gpu"):
                for mode, value, bits in (("eager", "-0.0", "0x80000000"), ("compiled", "0.0", "0x00000000"),
                                          ("graph", "-0.0", "0x80000000")):
                    flip = shift and device == "gpu"
                    rows.append(row(mode, "nan" if flip else value, "0x7fc00001" if flip else bits, device,
                                    framework=fw, point=point))
    rows.append(row("compiled", None, "", outcome="error", point="other"))
    return rows


def test_all_divergences_are_those_of_each_axis():
    from crossgrad.judging.divergence import all_divergences
    for rows in (_mixed_run(), _mixed_run() + [row("compiled", "1.0", "0x3f800000")],  # a key held twice
                 _mixed_run() + [row("compiled", "1.0", "0x3f800000", point="other", cotangent=1.0)]):
        by_axis = {axis: divergences(judged_shape(rows), axis) for axis in ("mode", "device")}
        assert by_axis["mode"] and by_axis["device"]  # both axes hold some: the test can fail
        assert all_divergences(judged_shape(rows)) == by_axis
    twice = _mixed_run() + [row("compiled", "1.0", "0x3f800000")]
    assert len(divergences(judged_shape(twice), "mode")) == len(divergences(judged_shape(_mixed_run()), "mode")) + 1
