"""`crossgrad check` end to end: passes on the committed expectations, fails with a
readable diff when one expectation is edited."""
from __future__ import annotations

import csv
import shutil

import pytest

from cli_helpers import ROOT, run_cli
from crossgrad.core.registry import frameworks

pytestmark = pytest.mark.integration

SELECTION = ["--frameworks", "jax", "--cases", "relu", "--modes", "eager", "--dtypes", "float32"]


@pytest.fixture
def expectations(tmp_path):
    if frameworks()["jax"].version() is None:
        pytest.skip("jax is not installed")
    copy = tmp_path / "expectations.csv"
    shutil.copy(ROOT / "cases" / "expectations.csv", copy)
    return copy


def test_check_passes_then_fails_when_an_expectation_is_edited(tmp_path, expectations):
    ok = run_cli("check", *SELECTION, "--expectations", str(expectations), "--out", str(tmp_path / "a"))
    assert ok.returncode == 0, ok.stdout + ok.stderr

    rows = list(csv.DictReader(open(expectations)))
    target = next(r for r in rows if r["framework"] == "jax" and r["case"] == "relu" and r["point"] == "kink"
                  and r["dtype"] == "float32" and r["mode"] == "eager" and r["ad"] == "reverse"
                  and r["wrt"] == "w" and r["cotangent"] == "1.0")
    old = target["value"]
    target["value"] = "0.0" if old == "-0.0" else "-0.0"  # flip only the sign of the zero
    with open(expectations, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    bad = run_cli("check", *SELECTION, "--expectations", str(expectations), "--out", str(tmp_path / "b"))
    assert bad.returncode == 1
    line = next(l for l in bad.stdout.splitlines() if "relu/kink" in l and "ct=1.0 w[0]" in l)
    assert target["value"] in line and old in line and "->" in line


@pytest.mark.parametrize("args, words", [(["--host-specific", "avx512_fp16"], "only makes sense with --update"),
                                         (["--update", "--host-specific", "avx9"], "valid: sse4_2, avx")])
def test_host_specific_is_refused_before_anything_runs(tmp_path, args, words):
    result = run_cli("check", "--frameworks", "fake_a", "--out", str(tmp_path / "run"), *args)
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()
