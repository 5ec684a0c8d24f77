"""Integration: `crossgrad consequence --quick` end to end for one installed framework."""
from __future__ import annotations

import pytest

from cli_helpers import run_cli
from crossgrad.consequence.tables import COLUMNS, FILES, read
from crossgrad.core.registry import frameworks

pytestmark = pytest.mark.integration


def test_quick_study_writes_every_table_and_the_report(tmp_path):
    if frameworks()["torch"].version() is None:
        pytest.skip("torch not installed (pip install torch)")
    out = tmp_path / "study"
    result = run_cli("consequence", "--quick", "--frameworks", "torch", "--out", str(out), timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "torch float32 done" in result.stderr
    for name in FILES:
        assert list(read(out, name).columns) == COLUMNS[name]
    volume, kinks = read(out, "volume"), read(out, "kinks")
    assert set(volume.outcome) == {"ok"} and (volume.draws >= 2).all()
    assert not (out / ".work").exists()  # the per-epoch weights are gone once divergence is measured
    own = kinks[(kinks.variant == "own") & (kinks.z == 0.0)]
    assert set(own.derivative) == {0.0}  # torch.relu's backward is 0 at 0 (the catalogue's row too)
    text = (out / "consequence.md").read_text()
    assert text.startswith("# Does relu'(0) matter?") and "## The answer" in text.split("## Beside")[0]
