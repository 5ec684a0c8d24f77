"""Fault isolation: a framework worker that crashes, hangs or fails at import
costs only its own rows; the run completes, says what was lost, and exits 3.

Faults are injected into the test plug-in framework fake_a through
CROSSGRAD_INJECT_FAULT="framework:where:kind" (see crossgrad.running.worker); fake_b
runs beside it untouched.
"""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from cli_helpers import FAKE, ROOT, run_cli

SELECTION = ["--frameworks", "fake_a,fake_b", "--cases", "relu,relu_python", "--dtypes", "float64",
             "--no-timings"]


def run_with_fault(tmp_path, fault: str, *extra: str):
    out = tmp_path / "run"
    result = run_cli("run", *SELECTION, "--out", str(out), *extra, env={"CROSSGRAD_INJECT_FAULT": fault})
    rows = list(csv.DictReader(open(out / "gradients.csv")))
    return result, rows, out


def outcomes(rows, framework, case):
    return {r["outcome"] for r in rows if r["framework"] == framework and r["case"] == case}


def details(rows, framework, case):
    return {r["detail"] for r in rows if r["framework"] == framework and r["case"] == case}


def assert_fake_b_intact(rows):
    for case in ("relu", "relu_python"):
        assert outcomes(rows, "fake_b", case) == {"ok"}
    assert len([r for r in rows if r["framework"] == "fake_b"]) == len([r for r in rows if r["framework"] == "fake_a"])


@pytest.mark.parametrize("kind, signame", [("abort", "SIGABRT"), ("segv", "SIGSEGV"), ("kill", "SIGKILL")])
def test_hard_crash_in_one_case_loses_only_that_case(tmp_path, kind, signame):
    result, rows, out = run_with_fault(tmp_path, f"fake_a:relu:{kind}")
    assert result.returncode == 3, result.stderr
    assert outcomes(rows, "fake_a", "relu") == {"crashed"}
    (detail,) = details(rows, "fake_a", "relu")
    assert signame in detail and "relu/float64/cpu/eager" in detail
    assert outcomes(rows, "fake_a", "relu_python") == {"ok"}  # a fresh worker ran the rest
    assert_fake_b_intact(rows)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "partial"
    assert "PARTIAL" in (out / "report.md").read_text().upper()


def test_hang_past_the_timeout_is_killed_and_reported(tmp_path):
    start = time.monotonic()
    result, rows, _ = run_with_fault(tmp_path, "fake_a:relu_python:hang", "--timeout", "3")
    assert time.monotonic() - start < 60
    assert result.returncode == 3
    assert outcomes(rows, "fake_a", "relu_python") == {"timeout"}
    assert any("relu_python" in d and "3 s" in d for d in details(rows, "fake_a", "relu_python"))
    assert outcomes(rows, "fake_a", "relu") == {"ok"}
    assert_fake_b_intact(rows)


def test_exception_at_import_marks_every_row_of_that_framework(tmp_path):
    result, rows, _ = run_with_fault(tmp_path, "fake_a:import:raise")
    assert result.returncode == 3
    for case in ("relu", "relu_python"):
        assert outcomes(rows, "fake_a", case) == {"crashed"}
        assert any("failed at import: RuntimeError: injected fault" in d for d in details(rows, "fake_a", case))
    assert_fake_b_intact(rows)


def test_uncaught_exception_in_a_case_is_a_crash_with_its_exit_code(tmp_path):
    result, rows, _ = run_with_fault(tmp_path, "fake_a:relu:exit")
    assert result.returncode == 3
    assert any("exited with status 7" in d for d in details(rows, "fake_a", "relu"))
    assert_fake_b_intact(rows)


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# The SIGINT case starts crossgrad with SIGINT ignored, as every job a non-interactive
# shell starts in the background inherits it (`make test &`, `( ... ) &`): the hang
# past 60 s that made this case xfail in make test's -n 2 runs. crossgrad must
# install its SIGINT handler itself (crossgrad.running.folder_run.install_signal_handlers):
# with that line removed this case times out, under -n 0 and under -n 2.
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_leaves_a_reportable_folder(tmp_path, sig):
    out = tmp_path / "run"
    env = dict(os.environ, CROSSGRAD_INJECT_FAULT="fake_a:relu_python:hang", TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join([str(FAKE), str(ROOT)]))
    proc = subprocess.Popen([sys.executable, "-m", "crossgrad", "run", "--frameworks", "fake_b,fake_a",
                             "--cases", "relu,relu_python", "--dtypes", "float64", "--no-timings",
                             "--out", str(out)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=ignore_sigint if sig == signal.SIGINT else None)
    records = out / "records.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until fake_a is inside the hanging case
        if records.exists() and '"fake_a"' in records.read_text():
            break
        time.sleep(0.2)
    time.sleep(0.5)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    report = run_cli("report", str(out))
    assert report.returncode == 0, report.stderr
    text = (out / "report.md").read_text()
    assert "PARTIAL" in text.upper()
    rows = list(csv.DictReader(open(out / "gradients.csv")))
    assert outcomes(rows, "fake_b", "relu_python") == {"ok"}
    assert outcomes(rows, "fake_a", "relu") == {"ok"}


def test_a_sharded_run_records_what_one_worker_records(tmp_path):
    """Past SHARD_FROM tasks each framework's values are dealt into two workers
    (crossgrad.running.dealing.shards): the rows must be the same, bit for bit."""
    from crossgrad.core.rows import RowKey

    selection = ["--frameworks", "fake_a,fake_b", "--dtypes", "float32,float64", "--no-timings"]
    folders = {}
    for jobs in ("1", "3"):
        out = folders[jobs] = tmp_path / f"jobs{jobs}"
        result = run_cli("run", *selection, "--jobs", jobs, "--out", str(out))
        assert result.returncode == 0, result.stderr
    assert not (folders["1"] / "logs" / "fake_a-2.log").exists()
    assert (folders["3"] / "logs" / "fake_a-2.log").exists()  # the second shard's worker ran
    rows = {jobs: {(RowKey.of(r), r["bits"], r["outcome"]) for r in csv.DictReader(open(folder / "gradients.csv"))}
            for jobs, folder in folders.items()}
    assert len(rows["1"]) > 100 and rows["1"] == rows["3"]


def test_shards_deal_tasks_and_start_the_heavy_first():
    from crossgrad.running.dealing import shards

    def tasks(n):
        return [{"mode": "eager", "n": i} for i in range(n)]

    def numbers(work):
        return [(fw, shard, [t["n"] for t in mine]) for fw, shard, mine in work]

    plan = {"a": tasks(5), "b": tasks(3), "c": tasks(1)}
    assert numbers(shards(plan, 2, heavy=("b",))) == [
        ("b", 0, [0, 2]), ("b", 1, [1]), ("a", 0, [0, 2, 4]), ("c", 0, [0]), ("a", 1, [1, 3])]
    assert numbers(shards(plan, 1)) == [("a", 0, [0, 1, 2, 3, 4]), ("b", 0, [0, 1, 2]), ("c", 0, [0])]


def test_shards_share_each_mode_when_a_frameworks_tasks_alternate_modes():
    """torch's plan alternates eager and compiled per case and dtype: dealing every
    other task gave one worker every compiled task (the full check's long pole)."""
    from crossgrad.running.dealing import shards

    plan = {"torch": [{"mode": mode, "case": case} for case in range(6) for mode in ("eager", "compiled")]}
    work = shards(plan, 2)
    compiled = [sum(t["mode"] == "compiled" for t in mine) for _, _, mine in work]
    assert compiled == [3, 3]
    assert sorted(id(t) for _, _, mine in work for t in mine) == sorted(id(t) for t in plan["torch"])


def test_heaviest_first_counts_compiling_tasks_not_eager_ones(monkeypatch):
    """A framework that declares eager costly (tinygrad: per-call cost) is not
    ranked above one with more compiled tasks (torch: the full check's long pole)."""
    from types import SimpleNamespace

    from crossgrad.running import dealing

    warm = lambda: "warm"  # noqa: E731
    adapters = {"slow_eager": SimpleNamespace(costly_modes=("eager", "compiled"), compile_cache=warm),
                "compiles": SimpleNamespace(costly_modes=("compiled",), compile_cache=warm),
                "cheap": SimpleNamespace(costly_modes=(), compile_cache=warm)}
    monkeypatch.setattr(dealing, "frameworks", lambda: adapters)
    tasks = lambda eager, compiled: [{"mode": "eager"}] * eager + [{"mode": "compiled"}] * compiled  # noqa: E731
    plan = {"slow_eager": tasks(300, 100), "compiles": tasks(200, 150), "cheap": tasks(400, 400)}
    assert dealing.heaviest_first(plan) == ("compiles", "slow_eager")
    adapters["cheap"] = SimpleNamespace(costly_modes=(), compile_cache=lambda: "cold: empty")
    assert dealing.heaviest_first(plan) == ("cheap", "compiles", "slow_eager")


def test_a_worker_started_while_the_run_is_being_killed_is_killed_too(tmp_path):
    """An interrupt's kill() can land while a supervisor is starting its worker (no
    process to kill yet): the worker it then starts must die at once, not run its
    tasks until the timeout (tests/test_faults.py's SIGTERM run hung 60 s under load)."""
    import subprocess as sp

    from crossgrad.running.supervisor import Supervisor

    class KilledWhileStarting(Supervisor):
        def _start(self, tasks):
            self.kill()  # the interrupt arrives now, before the process exists
            return sp.Popen([sys.executable, "-c", "import time; time.sleep(60)"], stdin=sp.PIPE,
                            stdout=sp.PIPE, text=True, start_new_session=True)

    supervisor = KilledWhileStarting({}, [{"case": "relu"}], 30, tmp_path / "log", lambda e: None,
                                     lambda *a: None)
    start = time.monotonic()
    assert supervisor.run() is False
    assert time.monotonic() - start < 10
    assert supervisor.process.poll() is not None


@pytest.mark.parametrize("fault, version", [("fake_a:relu:abort", "2.0"),  # the worker said 2.0 before it crashed
                                            ("fake_a:import:raise", "")])  # it never said: unknown
def test_crashed_rows_of_a_python_run_carry_the_workers_version_not_the_supervisors(tmp_path, fault, version):
    """Under --python the workers hold another release (here fake_a 2.0; this interpreter's is 1.0)."""
    other = tmp_path / "python"
    other.write_text(f'#!/bin/sh\nFAKEFW_VERSION=2.0 PYTHONPATH="{FAKE}:$PYTHONPATH" exec {sys.executable} "$@"\n')
    other.chmod(0o755)
    result, rows, _ = run_with_fault(tmp_path, fault, "--python", str(other))
    assert result.returncode == 3, result.stderr
    crashed = [r for r in rows if r["framework"] == "fake_a" and r["outcome"] == "crashed"]
    assert crashed and {r["framework_version"] for r in crashed} == {version}
    assert {r["framework_version"] for r in rows if r["outcome"] == "ok"} == {"2.0"}
