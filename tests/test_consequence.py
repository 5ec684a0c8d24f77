"""Unit tests of crossgrad consequence (no framework needed), and the docs against the committed study."""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import run_cli_here
from crossgrad.consequence import data as datasets
from crossgrad.consequence import study
from crossgrad.consequence.config import StudyConfig, draws_for, quick, volume_configs
from crossgrad.consequence.divergence import divergence_rows, first_difference, pairs
from crossgrad.consequence.report import docs_block, not_studied_text
from crossgrad.consequence.tables import read, wilson

ROOT = Path(__file__).parent.parent
COMMITTED = ROOT / "results" / "consequence"
DOCS = ROOT / "docs" / "consequence.md"


@pytest.mark.parametrize("args, says", [
    (["--dtypes", "float8"], "valid: float16, bfloat16, float32, float64"),
    (["--variants", "2"], "valid: 0, 1, own, maximum, relu(-t)+t"),
    (["--frameworks", "pytorch2"], "valid:"),
    (["--init", "ones"], "valid: uniform, positive, zero-bias"),
    (["--depth", "0"], "--depth must be an integer >= 1"),
    (["--volume-batch", "x"], "--volume-batch must be an integer"),
    (["--lr", "-1"], "--lr must be a positive number"),
    (["--seeds", ","], "--seeds is empty"),
    (["--data", "no-such-file.npz"], "cannot read"),
])
def test_bad_options_exit_2_with_one_line(args, says, tmp_path):
    result = run_cli_here("consequence", *args, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing written for bad input


def test_npz_data_is_read_without_pickles(tmp_path):
    good, pickled, partial = tmp_path / "good.npz", tmp_path / "pickled.npz", tmp_path / "partial.npz"
    np.savez(good, x=np.arange(40 * 4).reshape(40, 2, 2) % 7, y=np.arange(40) % 3)
    np.savez(pickled, x=np.array([{"a": 1}] * 20, dtype=object), y=np.zeros(20, dtype=int))
    np.savez(partial, x=np.zeros((20, 3)))
    data = datasets.load(str(good))
    assert data.features == 4 and data.classes == 3 and len(data.x_train) + len(data.x_test) == 40
    assert data.x_train.max() <= 1.0 and data.x_train.min() >= 0.0
    with pytest.raises(datasets.DataError, match="cannot read"):
        datasets.load(str(pickled))
    with pytest.raises(datasets.DataError, match="lacks array"):
        datasets.load(str(partial))


def test_wilson_interval_matches_its_formula():
    z = 1.959963984540054  # the normal quantile of 0.975
    for k, n in [(0, 20), (7, 20), (20, 20), (478, 1000)]:
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low, high = wilson(k, n)
        assert low == pytest.approx(max(0.0, centre - half), abs=1e-12)
        assert high == pytest.approx(min(1.0, centre + half), abs=1e-12)


def test_sweeps_and_draw_counts():
    config = StudyConfig()
    points = volume_configs(config)
    assert [p["width"] for p in points if p["sweep"] == "width"] == list(config.widths)
    assert all(p["batch"] == config.volume_batch for p in points if p["sweep"] != "batch")
    assert draws_for(config, config.depth, config.width, 64) == config.draws
    assert draws_for(config, 1, 16, 64) == config.draws
    # 3 x 1024 multiplies about 14.7 times the weights of 3 x 256: fewer draws, never below min_draws
    assert draws_for(config, 3, 1024, 64) == config.min_draws
    assert quick(config).quick and quick(config).epochs < config.epochs


def test_first_difference_and_pairs():
    assert first_difference(["a", "b", "c"], ["a", "b", "c"]) is None
    assert first_difference(["a", "b", "c"], ["a", "x", "c"]) == 2
    keys = [("jax", "float32", "0", 0), ("torch", "float32", "0", 0), ("torch", "float32", "1", 0)]
    assert pairs(keys) == [(keys[0], keys[1]), (keys[1], keys[2])]


def test_divergence_rows_from_saved_weights(tmp_path):
    """Two runs' per-epoch weights as workers save them: the distance is ||a - b|| / ||a||, per epoch."""
    keys = [("jax", "float32", "0", 0), ("torch", "float32", "0", 0), ("torch", "float32", "1", 0)]
    shift = {keys[0]: 0.0, keys[1]: 0.0, keys[2]: 1.0}
    weights = {}
    for key in keys:
        weights[key] = str(tmp_path / f"{key[0]}{key[2]}.npz")
        np.savez(weights[key], **{f"e{e}_{i}": np.full(2, 3.0 + shift[key] * e) for e in (1, 2) for i in (0, 1)})
    hashes = {keys[0]: ["a", "b"], keys[1]: ["a", "b"], keys[2]: ["a", "x"]}
    rows = divergence_rows(hashes, weights)
    got = [(r["framework_a"], r["variant_b"], r["epoch"], r["first_differing_step"], r["identical"],
            r["relative_distance"]) for r in rows]
    assert got == [("jax", "0", 1, None, True, 0.0), ("jax", "0", 2, None, True, 0.0),
                   ("torch", "1", 1, 2, True, 1 / 3), ("torch", "1", 2, 2, False, 2 / 3)]


TINY = datasets.Dataset("tiny", np.zeros((8, 2)), np.zeros(8, np.int64), np.zeros((2, 2)), np.zeros(2, np.int64), 2)


class Studied:
    """A stand-in adapter that declares what the study needs; `installed` says whether its framework is."""
    name, install_hint, network_ops = "ghost", "pip install ghost", {"mean": "{ns}.mean({0})"}

    def __init__(self, installed: bool):
        self.installed = installed

    def version(self):
        return "1.0" if self.installed else None

    def relu_with_derivative_at_zero(self, value):
        raise AssertionError("no worker may run for this stand-in")


class NoNetwork(Studied):
    network_ops = {}


def rows_without_workers(monkeypatch, tmp_path, adapter) -> dict:
    """The study's rows for one stand-in framework, failing if a worker were started."""
    def no_worker(*args, **kwargs):
        raise AssertionError("a worker was started")
    monkeypatch.setattr(study, "frameworks", lambda: {"ghost": adapter})
    monkeypatch.setattr(study, "StudySupervisor", no_worker)
    config = StudyConfig(frameworks=("ghost",), dtypes=("float32", "float16"))
    collector = study.Collector(config)
    assert study.run_workers(config, tmp_path, collector, TINY)
    return collector.tables


@pytest.mark.parametrize("adapter, outcome, says", [
    (Studied(installed=False), "not_installed", "pip install ghost"),
    (NoNetwork(installed=True), "unsupported", "declares no network_ops (crossgrad.adapter.Adapter)"),
    (NoNetwork(installed=False), "unsupported", "declares no network_ops (crossgrad.adapter.Adapter)")])
def test_a_framework_not_studied_is_rows_saying_why_and_no_worker(monkeypatch, tmp_path, adapter, outcome, says):
    tables = rows_without_workers(monkeypatch, tmp_path, adapter)
    for table in study.TABLES:
        rows = tables[table]
        assert [(r["dtype"], r["outcome"]) for r in rows] == [("float32", outcome), ("float16", outcome)]
        assert says in rows[0]["detail"]


def test_the_summary_names_each_framework_not_studied():
    import pandas as pd

    training = pd.DataFrame([dict(framework="paddle", outcome="unsupported", detail="declares no network_ops"),
                             dict(framework="paddle", outcome="unsupported", detail="declares no network_ops"),
                             dict(framework="ghost", outcome="not_installed", detail="pip install ghost"),
                             dict(framework="torch", outcome="ok", detail=""),
                             dict(framework="jax", outcome="error", detail="a kernel lacks float16")])
    assert not_studied_text(training).splitlines() == [
        "- paddle: not studied (unsupported: declares no network_ops).",
        "- ghost: not studied (not_installed: pip install ghost)."]
    assert not_studied_text(training[training.outcome == "ok"]) == ""


def test_an_adapter_without_the_custom_relu_is_not_studied():
    class NoRelu:  # network_ops, but relu_with_derivative_at_zero only as the contract's instance default
        name, network_ops = "ghost", {"mean": "{ns}.mean({0})"}

        def __init__(self):
            self.relu_with_derivative_at_zero = lambda value: None
    assert study.lacking(NoRelu()) == ["relu_with_derivative_at_zero"]
    assert study.lacking(NoNetwork(installed=True)) == ["network_ops"]
    assert study.lacking(Studied(installed=True)) == []


def test_digits_are_scikit_learns_load_digits():
    """The bundled CSV read without scikit-learn is load_digits' data, split alike."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    ours, theirs = datasets.load(None), datasets.split("digits", x / 16, y, 0.2)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(ours, field), getattr(theirs, field))
    assert ours.y_train.dtype == np.int64 and ours.x_train.dtype == np.float64


def test_workers_read_the_parents_split(tmp_path):
    back = datasets.read_saved(datasets.save(datasets.load(None), tmp_path / "data.npz"))
    digits = datasets.load(None)
    assert back.name == digits.name and back.classes == digits.classes == 10
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(back, field), getattr(digits, field))
        assert getattr(back, field).dtype == getattr(digits, field).dtype


def quoted_block(text: str) -> str:
    match = re.search(r"<!-- consequence-summary: begin -->\n(.*?)\n<!-- consequence-summary: end -->", text, re.S)
    assert match, "docs/consequence.md lacks its summary block"
    return match.group(1)


def test_docs_quote_the_committed_study():
    """docs/consequence.md's figures are results/consequence's, re-rendered from its CSVs now."""
    assert (COMMITTED / "study.json").exists(), "results/consequence/ (a default study) is not committed"
    assert quoted_block(DOCS.read_text()) == docs_block(COMMITTED)


def test_committed_study_is_the_default_one():
    import json

    facts = json.loads((COMMITTED / "study.json").read_text())
    assert facts["config"]["quick"] is False
    default = StudyConfig().as_dict()
    assert {k: facts["config"][k] for k in ("depth", "width", "batch", "epochs", "draws")} == \
        {k: default[k] for k in ("depth", "width", "batch", "epochs", "draws")}
    volume = read(COMMITTED, "volume")
    ok = volume[volume.outcome == "ok"]
    assert (ok.low <= ok.differ / ok.draws).all() and (ok.differ / ok.draws <= ok.high).all()


def test_a_network_two_sweeps_share_is_measured_once(monkeypatch):
    """The default network is a point of every sweep: one measurement, one row per sweep."""
    from crossgrad.consequence import volume

    measured = []
    monkeypatch.setattr(volume, "measure_volume",
                        lambda bench, point, config, exhaustive: measured.append(point) or dict(point, differ=1))

    class FakeBench:
        volumes: dict = {}

    bench, config = FakeBench(), StudyConfig()
    rows = [volume.volume_row(bench, point, config) for point in volume_configs(config)]
    networks = {(p["depth"], p["width"], p["batch"]) for p in volume_configs(config)}
    assert len(measured) == len(networks) < len(rows) == 15
    assert [r["sweep"] for r in rows] == [p["sweep"] for p in volume_configs(config)]


def test_worker_cpu_is_charged_per_framework_and_dtype():
    """Each task_done carries its worker's CPU clock: a task is charged the difference, and a
    fresh worker after a crash (its clock back near 0) is charged from 0."""
    collector = study.Collector(StudyConfig())
    tasks = [dict(kind="kinks", dtype="float16"), dict(kind="kinks", dtype="float32"),
             dict(kind="kinks", dtype="float32")]
    collector.expect("torch", tasks)
    for task, clock in zip(tasks, (5.0, 7.5, 1.25)):
        collector.event("torch", dict(event="task_done", task=task, cpu_seconds=clock))
    assert collector.cpu_by_framework() == {"torch float16": 5.0, "torch float32": 2.5 + 1.25}
