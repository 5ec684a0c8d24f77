"""One run per folder (issue 23): a used folder is refused unless --resume or
--overwrite, a lock keeps a second process out, workers die with their parent,
a write failure ends the run with its own exit status and no temporary file.

Runs use the fake finite-difference framework (tests/fake_framework).
"""
from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import FAKE, ROOT, run_cli

from crossgrad.running.claim import lock_folder

RUN = ["run", "--frameworks", "fake_a", "--cases", "relu,relu_python", "--dtypes", "float64", "--no-timings"]


def records(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "records.jsonl").read_text().splitlines()]


def keys(rows) -> list[tuple]:
    return sorted((r["case"], r["point"], r["ad"], r["wrt"], r["cotangent"], r["tangent"], r["index"]) for r in rows)


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("finished") / "run"
    result = run_cli(*RUN, "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_a_used_folder_is_refused_and_left_as_it_was(finished):
    before = (finished / "records.jsonl").read_bytes()
    result = run_cli(*RUN, "--out", str(finished))
    assert result.returncode == 2
    assert "already holds a run" in result.stderr and "--resume" in result.stderr and "--overwrite" in result.stderr
    assert (finished / "records.jsonl").read_bytes() == before
    assert not (finished / ".crossgrad.lock").exists()


def test_a_folder_of_other_files_is_never_emptied(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    for extra in ((), ("--overwrite",)):
        result = run_cli(*RUN, "--out", str(tmp_path), *extra)
        assert result.returncode == 2 and "notes.txt" in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_overwrite_replaces_the_old_run_whole(tmp_path, finished):
    out = tmp_path / "run"
    subprocess.run(["cp", "-r", str(finished), str(out)], check=True)
    (out / "records.jsonl").write_text((out / "records.jsonl").read_text().replace('"relu"', '"stale"'))
    result = run_cli(*RUN, "--cases", "relu", "--out", str(out), "--overwrite")
    assert result.returncode == 0, result.stderr
    assert {r["case"] for r in records(out)} == {"relu"}  # the stale rows went with the old run


def test_a_second_process_is_refused_naming_the_first(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    lock = lock_folder(out)  # this test process plays the run in progress
    try:
        result = run_cli(*RUN, "--out", str(out))
        assert result.returncode == 2 and f"PID {os.getpid()}" in result.stderr, result.stderr
        (out / "manifest.json").write_text(json.dumps({"schema_version": 1, "status": "running"}))
        result = run_cli("report", str(out))
        assert result.returncode == 2 and f"PID {os.getpid()}" in result.stderr, result.stderr
        assert not (out / "report.md").exists()
    finally:
        lock.release()


def interrupted_copy(finished: Path, to: Path, keep_tasks: int) -> Path:
    """The finished run as if cut off: the journal keeps its first tasks, the last
    task's rows half-written, the manifest says interrupted."""
    subprocess.run(["cp", "-r", str(finished), str(to)], check=True)
    journal = (to / "tasks.jsonl").read_text().splitlines()
    assert len(journal) > keep_tasks
    (to / "tasks.jsonl").write_text("".join(line + "\n" for line in journal[:keep_tasks]))
    manifest = json.loads((to / "manifest.json").read_text())
    (to / "manifest.json").write_text(json.dumps(dict(manifest, status="interrupted")))
    for name in ("gradients.csv", "report.md"):
        (to / name).unlink()
    return to


def test_resume_runs_only_what_did_not_finish_and_ends_with_one_row_each(tmp_path, finished):
    out = interrupted_copy(finished, tmp_path / "run", keep_tasks=1)
    done = json.loads((out / "tasks.jsonl").read_text())["task"]["case"]
    result = run_cli(*RUN, "--out", str(out), "--resume")
    assert result.returncode == 0, result.stderr
    assert keys(records(out)) == keys(records(finished))  # each row once: none lost, none twice
    assert f"{done} done" not in result.stderr  # the finished task did not run again
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_resume_refuses_another_selection_or_a_finished_run(tmp_path, finished):
    out = interrupted_copy(finished, tmp_path / "run", keep_tasks=1)
    result = run_cli(*RUN, "--cases", "relu", "--out", str(out), "--resume")
    assert result.returncode == 2 and "other work" in result.stderr, result.stderr
    result = run_cli(*RUN, "--out", str(finished), "--resume")
    assert result.returncode == 2 and "'complete'" in result.stderr, result.stderr


def test_bad_options_are_refused_before_the_folder_exists(tmp_path):
    out = tmp_path / "run"
    assert run_cli(*RUN, "--jobs", "0", "--out", str(out)).returncode == 2
    result = run_cli("check", "--frameworks", "fake_a", "--cases", "relu", "--expectations",
                     str(tmp_path / "none.csv"), "--out", str(out))
    assert result.returncode == 2 and "missing" in result.stderr and "difference" not in result.stderr
    assert not out.exists()


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(FAKE), str(ROOT)]),
               CROSSGRAD_INJECT_FAULT="fake_a:relu:hang")
    parent = subprocess.Popen([sys.executable, "-m", "crossgrad", *RUN, "--out", str(tmp_path / "run")],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (workers := children(parent.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers, "no worker started"
    time.sleep(1.0)  # the worker is past its start, hanging in its task
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(w) for w in workers)


def limit_file_size():
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # records.jsonl outgrows it: EFBIG


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE semantics")
def test_a_write_failure_ends_the_run_with_its_own_exit_status(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(FAKE), str(ROOT)]))
    result = subprocess.run([sys.executable, "-m", "crossgrad", *RUN, "--out", str(out)], cwd=ROOT, env=env,
                            capture_output=True, text=True, preexec_fn=limit_file_size, timeout=300)
    assert result.returncode == 5, result.stderr
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and "records.jsonl" in lines[-1] and "exit 5" in lines[-1]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "write_failed" and "records.jsonl" in manifest["write_error"]
    assert not [p for p in out.rglob("*") if ".tmp" in p.name or p.name == ".crossgrad.lock"]


def test_a_timings_only_run_writes_its_timing_report(tmp_path):
    """README question 3's command (issue 23: the report said "No gradient rows were recorded")."""
    out = tmp_path / "run"
    result = run_cli("run", "--timings-only", "--frameworks", "fake_a", "--workloads", "relu", "--sizes", "1",
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    report = (out / "report.md").read_text()
    assert "## Timings" in report and "### relu, N=1" in report and "No gradient rows" not in report
