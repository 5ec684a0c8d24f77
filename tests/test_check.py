"""Unit tests of the consistency gate (crossgrad.judging.check): synthetic rows, no framework."""
from __future__ import annotations

import pytest

from crossgrad.judging.check import ExpectationsError, compare, format_diff, load_expectations
from crossgrad.judging.check_update import check_rows, update_expectations
from crossgrad.judging.versions import release, version_matches
from judged_rows import judged_shape


def row(point="kink", value="-0.0", verdict="subgradient", version="2.13.0+cpu", **over):
    base = dict(framework="torch", framework_version=version, device="cpu", case="relu",
                point=point, dtype="float32", mode="eager", ad="reverse", cotangent="1.0",
                tangent="", wrt="w", index=0, value=value, outcome="ok", verdict=verdict)
    return judged_shape([dict(base, **over)])[0]  # as the judge types a row: its `number` too


def run_rows():
    """A small run: one divergence per kind of row, plus agreeing rows."""
    return [
        row(),                                                    # relu at 0: -0.0 in [-1, 0]
        row(cotangent="-1.0", value="0.0"),                       # ... seed -1
        row(point="smooth", value="3.0", verdict="exact"),        # agrees: never recorded
        row(point="negative", value="-0.0", verdict="sign-of-zero"),
        row(case="sqrt", point="negative", value="nan", verdict="undefined"),
        row(case="floor", point="smooth", value=None, outcome="no_gradient", verdict="unsupported",
            framework="tensorflow", framework_version="2.21.0"),
    ]


@pytest.fixture
def expectations(tmp_path):
    path = tmp_path / "expectations.csv"
    update_expectations(path, run_rows(), [])
    return path


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_update_records_only_divergences_and_a_rerun_passes(expectations):
    entries = load_expectations(expectations)
    assert len(entries) == 5  # the exact row is not a divergence
    assert {e["versions"] for e in entries} == {">=2.13", ">=2.21"}
    status, text = check_rows(run_rows(), expectations)
    assert status == 0, text
    assert "results agree" in text and "5 known divergences met" in text


def test_an_edited_value_is_reported_old_beside_new(expectations):
    edit(expectations, "relu,kink,float32,eager,reverse,1.0,,w,0,-0.0,", "relu,kink,float32,eager,reverse,1.0,,w,0,0.5,")
    status, text = check_rows(run_rows(), expectations)
    assert status == 1
    line = next(x for x in text.splitlines() if "relu/kink" in x and "ct=1.0" in x)
    assert "0.5 (subgradient)  ->  -0.0 (subgradient)" in line
    assert "changed" in text


def test_the_sign_of_a_zero_is_a_change():
    old = compare([row(value="0.0")], [])
    entries = [dict(e, versions=">=2.13") for e in _entries([row(value="0.0")])]
    result = compare([row(value="-0.0")], entries)
    assert old.new and len(result.changed) == 1 and not result.matched


def test_nan_equals_nan_whatever_the_text():
    entries = _entries([row(value="nan", verdict="undefined")])
    result = compare([row(value=float("nan"), verdict="undefined")], entries)
    assert result.ok and len(result.matched) == 1


def test_a_verdict_that_moved_with_the_same_value_is_no_change(expectations):
    """A verdict depends on the stated truth too: only the framework's value is gated."""
    rows = run_rows()
    rows[0] = row(verdict="invalid")
    result = compare(rows, load_expectations(expectations))
    assert result.ok
    update_expectations(expectations, rows, load_expectations(expectations))
    kink = [e for e in load_expectations(expectations) if e["point"] == "kink" and e["cotangent"] == "1.0"]
    assert [e["verdict"] for e in kink] == ["invalid"]  # the text follows the truth


def test_a_new_divergence_is_reported(expectations):
    rows = run_rows() + [row(case="abs", value="1.5", verdict="invalid")]
    status, text = check_rows(rows, expectations)
    assert status == 1
    assert "new divergences" in text and "torch cpu abs/kink" in text and "1.5 (invalid)" in text


def test_a_divergence_that_became_exact_is_resolved(expectations):
    rows = run_rows()
    rows[3] = row(point="negative", value="0.0", verdict="exact")
    result = compare(rows, load_expectations(expectations))
    assert [(e["point"], r["value"]) for e, r in result.resolved] == [("negative", "0.0")]
    assert "resolved" in format_diff(result)


def test_an_expected_element_that_was_not_produced_is_resolved(expectations):
    rows = [r for r in run_rows() if r["case"] != "sqrt"]
    rows.append(row(case="sqrt", point="negative", wrt="b", value="nan", verdict="undefined"))
    result = compare(rows, load_expectations(expectations))
    assert len(result.resolved) == 0  # sqrt/w was not run at all: skipped, not resolved
    assert any(e["case"] == "sqrt" and e["wrt"] == "w" for e in result.skipped)
    error = row(case="sqrt", point="negative", index=1, value="nan", verdict="undefined")
    result = compare([r for r in rows if r["case"] != "sqrt"] + [error], load_expectations(expectations))
    assert [r for _, r in result.resolved] == [None]  # ran, but index 0 is missing


def test_frameworks_not_run_are_skipped_not_failed(expectations):
    rows = [r for r in run_rows() if r["framework"] == "torch"]
    status, text = check_rows(rows, expectations)
    assert status == 0, text
    assert "skipped: 1 expectation(s)" in text and "tensorflow: 1" in text


def test_unavailable_device_rows_are_not_judged(expectations):
    rows = run_rows() + [row(device="gpu", value=None, outcome="unavailable", verdict="unsupported")]
    assert check_rows(rows, expectations)[0] == 0


@pytest.mark.parametrize("spec,version,holds", [
    (">=2.13", "2.13.0+cpu", True), (">=2.13", "2.14.1", True), (">=2.13", "2.12", False),
    (">=2.13", "2.12.9", False), (">=2.13,<2.14", "2.13.5", True), (">=2.13,<2.14", "2.14.0", False),
    ("*", "anything", True), ("", "1.0", True), ("==0.4.30", "0.4.30", True),
    (">0.4.30", "0.4.30", False), ("<=2", "2.0.0", True), (">=2.13", "2.14.0rc1", True),
    (">=2.13", "", False),
])
def test_version_ranges(spec, version, holds):
    assert version_matches(spec, version) is holds


def test_release_granularity():
    assert release("2.13.0+cpu") == "2.13"
    assert release("0.10.2") == "0.10.2"  # 0.x: the minor release is the breaking one
    assert release("") == ""


def test_update_closes_the_old_range_and_opens_a_new_one(expectations):
    rows = run_rows()
    rows[0] = row(value="-0.5", version="2.14.1")  # the convention changed in 2.14
    update_expectations(expectations, rows, load_expectations(expectations))
    kink = [e for e in load_expectations(expectations)
            if e["case"] == "relu" and e["point"] == "kink" and e["cotangent"] == "1.0"]
    assert [(e["versions"], e["value"]) for e in kink] == [(">=2.13,<2.14", "-0.0"), (">=2.14", "-0.5")]
    assert check_rows(rows, expectations)[0] == 0  # the new version passes...
    assert check_rows(run_rows(), expectations)[0] == 0  # ...and the old one still does


def test_update_in_the_same_release_replaces_and_drops(expectations):
    rows = run_rows()
    rows[0] = row(value="-0.5")
    rows[3] = row(point="negative", value="0.0", verdict="exact")
    update_expectations(expectations, rows, load_expectations(expectations))
    entries = load_expectations(expectations)
    assert len(entries) == 4  # the resolved entry started at this release: gone
    assert [e["value"] for e in entries if e["point"] == "kink" and e["cotangent"] == "1.0"] == ["-0.5"]
    assert check_rows(rows, expectations)[0] == 0


def test_update_keeps_entries_of_frameworks_not_run(expectations):
    before = load_expectations(expectations)
    torch_only = [r for r in run_rows() if r["framework"] == "torch"]
    status, text = check_rows(torch_only, expectations, update=True)
    assert status == 0 and "no value changed" in text
    assert load_expectations(expectations) == before


def test_check_update_rewrites_and_reports(expectations):
    rows = run_rows() + [row(case="abs", value="1.5", verdict="invalid")]
    status, text = check_rows(rows, expectations, update=True)
    assert status == 0 and "1 added" in text
    assert check_rows(rows, expectations) == (0, check_rows(rows, expectations)[1])


def test_absent_file_means_every_divergence_is_new(tmp_path):
    status, text = check_rows(run_rows(), tmp_path / "none.csv")
    assert status == 1 and "new divergences: not in the file (5)" in text


def test_malformed_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("framework,versions\ntorch,>=2\n")
    with pytest.raises(ExpectationsError, match="missing column"):
        load_expectations(path)
    status, text = check_rows(run_rows(), path)
    assert status == 2 and "missing column" in text


def test_a_bad_version_range_names_its_line(expectations):
    edit(expectations, ">=2.13", "~2.13")
    line = next(n for n, text in enumerate(expectations.read_text().splitlines(), 1) if "~2.13" in text)
    with pytest.raises(ExpectationsError, match=rf"expectations.csv:{line}: not a version range"):
        load_expectations(expectations)


def test_overlapping_ranges_are_an_error(expectations):
    text = expectations.read_text().splitlines()
    extra = next(t for t in text if ">=2.13" in t).replace(">=2.13", ">=2.12")
    expectations.write_text("\n".join(text + [extra]) + "\n")
    with pytest.raises(ExpectationsError, match="two expectations hold"):
        compare(run_rows(), load_expectations(expectations))


def test_rows_not_judged_are_judged():
    """check_rows judges rows the judge has not typed (no verdict, no `number`: judge_rows): the
    verdict in its text is the one mathematics gives (d/dw relu at the kink: -0.0 is in
    [0, x] = [-1, 0], 1.0 is not)."""
    bare = row(case="relu", point="kink", value="-0.0", cotangent="1.0")
    del bare["verdict"], bare["number"], bare["quantity_number"]
    bare.update(x="-1.0", w="1.0", b="1.0")
    status, text = check_rows([bare], "/nonexistent/expectations.csv")
    assert status == 1 and "-0.0 (subgradient)" in text
    status, text = check_rows([dict(bare, value="1.0")], "/nonexistent/expectations.csv")
    assert status == 1 and "1.0 (invalid)" in text


def _entries(rows):
    from crossgrad.judging.check_update import entry_for

    return [entry_for(r, ">=2.13") for r in rows if r["verdict"] not in ("exact", "close")]


def test_an_older_version_gets_its_own_range_below_a_later_entry(tmp_path):
    path = tmp_path / "expectations.csv"
    update_expectations(path, [row(value="-0.5", version="2.14.0")], [])
    assert [e["versions"] for e in load_expectations(path)] == [">=2.14"]
    old = [row(value="-0.0", version="2.13.2")]
    assert [len(x) for x in (lambda r: (r.new, r.skipped))(compare(old, load_expectations(path)))] == [1, 1]
    update_expectations(path, old, load_expectations(path))
    ranges = sorted((e["versions"], e["value"]) for e in load_expectations(path))
    assert ranges == [(">=2.13,<2.14", "-0.0"), (">=2.14", "-0.5")]
    assert check_rows(old, path)[0] == 0 and check_rows([row(value="-0.5", version="2.14.0")], path)[0] == 0


# --- host conditions: values XLA computes differently on another CPU ------------------

FP16_HOST, OTHER_HOST = ["avx512f", "avx512_fp16"], ["avx512f"]


def test_a_host_specific_update_keeps_the_old_value_for_the_other_hosts(tmp_path):
    path = tmp_path / "expectations.csv"
    update_expectations(path, [row(value="-0.0")], [], host_flags=OTHER_HOST)
    assert [e["versions"] for e in load_expectations(path)] == [">=2.13"]
    fp16 = [row(value="-1.0")]  # the same quantity, another value on a host with avx512_fp16
    assert check_rows(fp16, path, host_flags=FP16_HOST)[0] == 1
    update_expectations(path, fp16, load_expectations(path), host_flags=FP16_HOST, host_specific="avx512_fp16")
    entries = sorted((e["versions"], e["value"]) for e in load_expectations(path))
    assert entries == [(">=2.13@!avx512_fp16", "-0.0"), (">=2.13@avx512_fp16", "-1.0")]
    assert check_rows(fp16, path, host_flags=FP16_HOST)[0] == 0
    assert check_rows([row(value="-0.0")], path, host_flags=OTHER_HOST)[0] == 0
    assert check_rows([row(value="-0.0")], path, host_flags=FP16_HOST)[0] == 1  # each host holds its own
    assert check_rows(fp16, path, host_flags=OTHER_HOST)[0] == 1


def test_a_divergence_only_one_host_has_is_expected_only_there(tmp_path):
    path = tmp_path / "expectations.csv"
    update_expectations(path, [row(value="0.5", verdict="imprecise", point="smooth")], [],
                        host_flags=FP16_HOST, host_specific="avx512_fp16")
    assert [e["versions"] for e in load_expectations(path)] == [">=2.13@avx512_fp16"]
    exact = [row(value="1.0", verdict="exact", point="smooth")]
    assert check_rows(exact, path, host_flags=OTHER_HOST)[0] == 0  # not expected there, and not divergent
    assert check_rows(exact, path, host_flags=FP16_HOST)[0] == 1  # resolved on the host that had it


def test_host_conditions_are_parsed_and_refused_when_malformed(tmp_path):
    from crossgrad.judging.versions import host_matches, split_host

    assert split_host(">=0.10.2@!avx512_fp16") == (">=0.10.2", "!avx512_fp16")
    assert host_matches(">=1@avx512_fp16", FP16_HOST) and not host_matches(">=1@avx512_fp16", OTHER_HOST)
    assert host_matches(">=1@!avx512_fp16", OTHER_HOST) and not host_matches(">=1@!avx512_fp16", FP16_HOST)
    assert version_matches(">=0.10.2@avx512_fp16", "0.10.2") and host_matches(">=1", [])
    path = tmp_path / "expectations.csv"
    update_expectations(path, [row()], [], host_flags=OTHER_HOST)
    edit(path, ">=2.13", ">=2.13@no such flag")
    with pytest.raises(ExpectationsError, match="not a host condition"):
        load_expectations(path)
