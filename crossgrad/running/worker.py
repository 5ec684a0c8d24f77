"""The worker: runs one framework's tasks in its own process (python -m crossgrad.running.worker).

It reads the task list as JSON on stdin and writes events, one JSON object per
line, to the file descriptor that was stdout when it started; the framework's
own prints are sent to stderr so they cannot corrupt the protocol. A crash or
hang here costs only this framework's remaining tasks: the runner notices.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback

from crossgrad.core.packed_rows import packed
from crossgrad.core.records import SCHEMA_VERSION
from crossgrad.core.registry import frameworks
from crossgrad.catalogue import installed_cases, load_catalogue
from crossgrad.running.derivatives import compute_task
from crossgrad.running.plan import Task
from crossgrad.timing.harness import steady_malloc
from crossgrad.timing.run import TimingState, run_timing_specs


class Channel:
    """Protocol output on a private copy of stdout; fd 1 then points at stderr."""

    def __init__(self):
        self._out = os.fdopen(os.dup(1), "w", encoding="utf-8")
        os.dup2(2, 1)
        sys.stdout = sys.stderr

    def send(self, event: str, **fields) -> None:
        fields.update(event=event, schema_version=SCHEMA_VERSION)
        self._out.write(json.dumps(fields, allow_nan=False) + "\n")
        self._out.flush()


def load_adapter(name: str, threads: int | None):
    adapter = frameworks()[name]
    adapter.load(threads=threads)
    return adapter


def die_with_parent(parent: int) -> None:
    """A worker never outlives the crossgrad that started it (kill -9 of the run
    included): Linux's parent-death signal; elsewhere, or for a parent already
    gone, a thread that watches the parent's PID. The worker leads its own
    session, so nothing else would ever stop it."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int, every: float = 1.0) -> None:
    while os.getppid() == parent:
        time.sleep(every)
    if os.getpgrp() == os.getpid():  # it leads its group (the supervisor starts it so): all it started
        os.killpg(os.getpgrp(), 9)
    os.kill(os.getpid(), 9)


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parent = int(os.environ.get("CROSSGRAD_PARENT_PID") or os.getppid())
    die_with_parent(parent)
    job = json.load(sys.stdin)
    channel = Channel()
    if job.get("kind") == "timings" and (job.get("timing") or {}).get("steady_malloc", True):
        steady_malloc()  # before the framework allocates anything (see its docstring)
    try:
        _maybe_inject_fault("import", job)
        adapter = load_adapter(job["framework"], job.get("threads"))
        # the user's --cases-from files, after the framework loaded
        cases = load_catalogue(job["case_files"]).cases if job.get("case_files") else installed_cases()
    except Exception as exc:  # an import failure is a result: rows say why
        channel.send("load_failed", error=f"{type(exc).__name__}: {exc}",
                     traceback=traceback.format_exc())
        return 0
    channel.send("loaded", version=adapter.version(), devices=list(adapter.devices()),
                 info=environment_info(adapter), spelling=dict(adapter.ops.spelling))
    timing_state = TimingState()  # this worker's: kept between its timing specs
    for spec in job["tasks"]:
        channel.send("task", task=spec)
        started = cost_now()
        _maybe_inject_fault(spec.get("case", spec.get("workload", "")), job)
        if job.get("kind", "values") == "values":
            for record in packed(compute_task(adapter, Task(**spec), job, cases)):  # a vector quantity: one line
                channel.send("record", **record)
        else:
            for row in run_timing(adapter, spec, job, timing_state):
                channel.send("timing", **row)
        channel.send("task_done", task=spec, **cost_since(started))
    return 0


def cost_now() -> tuple[float, float, float]:
    """(CPU seconds of this process and of its children it waited for, user and
    system time together; the children's part of it: a compiler the framework ran,
    e.g. torch.compile's C++ compiler; the wall clock), to difference."""
    try:
        import resource
    except ImportError:  # not a POSIX system: this process only
        return time.process_time(), 0.0, time.perf_counter()
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    children = kids.ru_utime + kids.ru_stime
    return own.ru_utime + own.ru_stime + children, children, time.perf_counter()


def cost_since(started: tuple[float, float, float]) -> dict:
    """What one task cost since cost_now() gave `started`: cpu_s (children_cpu_s
    of it in child processes) and wall_s, for the run's journal (where a full
    check spends its time, per task; how much of it a compiler)."""
    cpu, children, wall = cost_now()
    return {"cpu_s": round(cpu - started[0], 3), "children_cpu_s": round(children - started[1], 3),
            "wall_s": round(wall - started[2], 3)}


def environment_info(adapter) -> dict:
    """The adapter's info(); where a release lacks what info() asks for, what failed
    is recorded instead and the worker goes on (the values do not depend on it)."""
    try:
        return adapter.info()
    except Exception as exc:
        return {"info_error": f"{type(exc).__name__}: {exc}"}


def run_timing(adapter, spec: dict, job: dict, state: TimingState):
    """Timing rows of one spec (the harness lives in crossgrad.timing.run); `state`:
    this worker's, kept between its specs."""
    return run_timing_specs(adapter, [spec], job.get("timing") or {}, threads=job.get("threads"), state=state)


def _maybe_inject_fault(where: str, job: dict) -> None:
    """Test hook: CROSSGRAD_INJECT_FAULT="framework:where:kind" makes this worker
    fail on purpose (kind: abort, segv, hang, raise, exit), so the tests can show
    that the runner survives each fault. Unset in normal use."""
    spec = os.environ.get("CROSSGRAD_INJECT_FAULT", "")
    if not spec:
        return
    framework, at, kind = spec.split(":")
    if framework != job["framework"] or at != where:
        return
    import signal
    import time

    if kind == "abort":
        os.abort()
    if kind == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if kind == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind == "hang":
        time.sleep(3600)
    if kind == "raise":
        raise RuntimeError("injected fault")
    if kind == "exit":
        os._exit(7)


if __name__ == "__main__":
    sys.exit(main())
