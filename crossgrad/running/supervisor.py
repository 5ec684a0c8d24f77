"""Runs one framework's worker subprocess and survives whatever it does.

The worker may crash (abort, segfault, SIGKILL), hang, or fail at import. The
supervisor reads its events with a deadline per task; on a crash or timeout it
records why for the task in flight (signal or exit code, and which task), then
starts a fresh worker for the tasks not yet run, so one bad case costs only
itself. Repeated crashes without progress stop the retries.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from crossgrad.running.worker_path import worker_path

MAX_FRUITLESS_RESTARTS = 2


@dataclass
class WorkerExit:
    """How one worker process ended."""

    status: str  # "done", "crashed", "timeout", "load_failed"
    detail: str = ""
    in_flight: dict | None = None
    finished: list = field(default_factory=list)


def describe_returncode(rc: int) -> str:
    if rc < 0:
        try:
            return f"killed by signal {signal.Signals(-rc).name} ({-rc})"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exited with status {rc}"


def _reader(stream, events: queue.Queue) -> None:
    for line in stream:
        events.put(line)
    events.put(None)  # end of stream: the process closed its output or died


def _last_line(path: Path) -> str:
    try:
        lines = [l for l in path.read_text(errors="replace").splitlines() if l.strip()]
    except OSError:
        return ""
    return lines[-1].strip()[:200] if lines else ""


class Supervisor:
    """Runs `tasks` of one framework; `on_event(event_dict)` sees every event.
    `worker_module` speaks the worker protocol (crossgrad.running.worker's Channel)."""

    worker_module = "crossgrad.running.worker"

    def __init__(self, job: dict, tasks: list[dict], timeout: float, log_path: Path,
                 on_event: Callable[[dict], None], on_failure: Callable[[dict, str, str], None],
                 python: str = ""):
        self.job, self.tasks, self.timeout = job, list(tasks), timeout
        self.python = python  # "": this interpreter; else another environment's (RunConfig.python)
        self.log_path, self.on_event, self.on_failure = log_path, on_event, on_failure
        self.process: subprocess.Popen | None = None
        self.partial = False
        self.stopped = False  # set by kill(): an interrupt, not a crash; no restarts

    def run(self) -> bool:
        """Runs every task; returns False where some were lost to crashes or timeouts."""
        remaining, fruitless = list(self.tasks), 0
        while remaining and not self.stopped:
            result = self._run_worker(remaining)
            if self.stopped:
                break
            done = len(result.finished)
            remaining = remaining[done:]
            if result.status == "done" and remaining:
                result.status, result.detail = "crashed", "worker ended before running every task"
            if result.status == "done":
                break
            self.partial = True
            if result.in_flight is not None:
                self.on_failure(result.in_flight, result.status, result.detail)
                remaining = remaining[1:]
                fruitless = 0
                continue
            # Nothing was in flight: it failed while starting. Import errors and
            # hangs repeat, so give up at once; a crash gets a few more tries.
            fruitless = 0 if done else fruitless + 1
            if result.status != "crashed" or fruitless > MAX_FRUITLESS_RESTARTS:
                outcome = "timeout" if result.status == "timeout" else "crashed"
                for task in remaining:
                    self.on_failure(task, outcome, f"not run: {result.detail}")
                break
        return not (self.partial or self.stopped)

    def _start(self, tasks: list[dict]) -> subprocess.Popen:
        env = dict(os.environ, PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
                   CROSSGRAD_PARENT_PID=str(os.getpid()))  # the worker dies with it (running.worker)
        if self.python:
            env["PYTHONPATH"] = str(worker_path())
        log = open(self.log_path, "a", encoding="utf-8")
        proc = subprocess.Popen([self.python or sys.executable, "-m", self.worker_module], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=log, text=True, env=env,
                                start_new_session=True)  # its own group: we can kill all it spawned
        log.close()
        proc.stdin.write(json.dumps(dict(self.job, tasks=tasks)))
        proc.stdin.close()
        return proc

    def _run_worker(self, tasks: list[dict]) -> WorkerExit:
        self.process = proc = self._start(tasks)
        if self.stopped:  # kill() came while this worker was starting: it found no process to kill
            self._kill_process()
        events: queue.Queue = queue.Queue()
        threading.Thread(target=_reader, args=(proc.stdout, events), daemon=True).start()
        result = WorkerExit("crashed")
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                line = events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return self._timed_out(proc, result)
            if line is None:
                return self._ended(proc, result)
            event = json.loads(line)
            kind = event.get("event")
            if kind == "task":
                result.in_flight, deadline = event["task"], time.monotonic() + self.timeout
            elif kind == "task_done":
                result.finished.append(event["task"])
                result.in_flight = None
            elif kind == "load_failed":
                result.status, result.detail = "load_failed", f"failed at import: {event['error']}"
            self.on_event(event)

    def _timed_out(self, proc, result: WorkerExit) -> WorkerExit:
        self._kill_process()
        where = _task_label(result.in_flight) if result.in_flight else "starting up"
        result.status, result.detail = "timeout", f"no result within {self.timeout:g} s, killed while {where}"
        return result

    def _ended(self, proc, result: WorkerExit) -> WorkerExit:
        rc = proc.wait()
        if result.status == "load_failed":
            return result
        if rc == 0 and result.in_flight is None:
            result.status = "done"
            return result
        where = f"during {_task_label(result.in_flight)}" if result.in_flight else "before its first task"
        last = _last_line(self.log_path)
        result.detail = f"worker {describe_returncode(rc)} {where}" + (f"; last stderr: {last}" if last else "")
        return result

    def kill(self) -> None:
        """Kills the worker and everything it started (it leads its own session)."""
        self.stopped = True
        self._kill_process()

    def _kill_process(self) -> None:
        proc = self.process
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def _task_label(task: dict) -> str:
    return "/".join(str(task.get(k)) for k in ("case", "workload", "n", "dtype", "device", "mode") if k in task)
