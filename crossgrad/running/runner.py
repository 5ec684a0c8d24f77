"""The runner: worker subprocesses of one framework each, records appended as they arrive.

A framework's value tasks run in one worker, or in two (crossgrad.running.dealing) in
a run of SHARD_FROM tasks or more; timings in one worker per framework, alone.

A run folder holds records.jsonl (gradient rows, appended and flushed one by
one), timings.jsonl, env.json, manifest.json (configuration and status) and
logs/. `finish` builds gradients.csv, timings.csv and report.md from them, so
an interrupted run can still be reported (`crossgrad report RUN_DIR`).
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

from crossgrad.core.records import JsonlAppender
from crossgrad.core.records import SCHEMA_VERSION
from crossgrad.core.registry import frameworks
from crossgrad.catalogue import Catalogue
from crossgrad.core.rows import RowKey
from crossgrad.core.shareable import without_user_tree
from crossgrad.running.cost import COST_KEYS
from crossgrad.running.dealing import SHARD_FROM, heaviest_first, shards
from crossgrad.running.derivatives import arg_text, failed_rows
from crossgrad.running.plan import RunConfig, Task, quantities
from crossgrad.running.supervisor import Supervisor

from crossgrad.core.run_folder import (LOGS, MANIFEST, POINTS, RECORDS, TASKS_DONE, TIMINGS_JSONL as TIMINGS,
                                      read_points, rewrite_in_place, write_state)
from crossgrad.timing.rows import failed_row


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")


class Run:
    """The state of one run folder while it is being written."""

    def __init__(self, run_dir: Path, config: RunConfig, env: dict, timing: dict | None, catalogue: Catalogue,
                 identity: dict | None = None, resumed: tuple[dict, dict] | None = None):
        """catalogue: the cases of this run's command (its case files go to every worker);
        identity: the plan's digest and the versions (crossgrad.running.resume), which
        --resume checks; resumed: the (manifest, env) of the interrupted run continued here."""
        self.dir = Path(run_dir)
        (self.dir / LOGS).mkdir(parents=True, exist_ok=True)
        self.config, self.env, self.timing, self.catalogue = config, env, timing, catalogue
        self.lock = threading.Lock()
        self.records = JsonlAppender(self.dir / RECORDS)
        self.timings = JsonlAppender(self.dir / TIMINGS)
        self.journal = JsonlAppender(self.dir / TASKS_DONE)
        self.points, self.points_written = JsonlAppender(self.dir / POINTS), set(read_points(self.dir))
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.manifest = {"schema_version": SCHEMA_VERSION, "status": "running", "started": now,
                         "config": config.to_dict(), "timing": timing, "failures": [],
                         "case_files": list(catalogue.case_files), "command": env.get("command"), **(identity or {})}
        if resumed:
            old_manifest, old_env = resumed
            self.manifest = dict(old_manifest, status="running", resumed=[*old_manifest.get("resumed", ()), now])
            self.env["frameworks"] = dict(old_env.get("frameworks") or {}, **self.env.get("frameworks", {}))
        self.supervisors: list = []
        self.stopping = False
        self.save()

    def save(self) -> None:
        with self.lock:
            write_state(self.dir, self.manifest, self.env)

    def append(self, kind: str, row: dict) -> None:
        row = dict(row, schema_version=SCHEMA_VERSION)
        row.pop("event", None)
        with self.lock:
            if kind == "record":
                self._write_point_once(row)
            (self.records if kind == "record" else self.timings).append(row)

    def _write_point_once(self, row: dict) -> None:
        """A vector point's inputs go to points.jsonl the first time a row of it arrives."""
        where = (row.get("case"), row.get("point"))
        if where in self.points_written:
            return
        self.points_written.add(where)
        try:
            point = self.catalogue.cases[where[0]].point(where[1])
        except KeyError:
            return
        if point.is_vector:
            self.points.append({"schema_version": SCHEMA_VERSION, "case": where[0], "point": where[1],
                                **{n: arg_text(getattr(point, n)) for n in ("x", "w", "b")}})

    def task_finished(self, kind: str, task: dict, cost: dict | None = None) -> None:
        """Journal a task that ended (ran, failed, unavailable), after its rows: what --resume skips;
        `cost`: its worker's cpu_s, children_cpu_s and wall_s (running.worker.cost_since), where it ran."""
        with self.lock:
            self.journal.append({"kind": kind, "task": task, **(cost or {})})

    def close(self, status: str, error: str = "") -> bool:
        """Record how the run ended (`error`: why a write failed); False where even the
        manifest could not be written."""
        self.manifest.update(status=status, finished=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        if error:
            self.manifest["write_error"] = error
        for appender in (self.records, self.timings, self.journal, self.points):
            appender.close()
        try:
            self.save()
        except OSError:
            try:
                rewrite_in_place(self.dir / MANIFEST, self.manifest)
            except OSError:
                return False
        return True


def worker_version(run: Run, framework: str) -> str:
    """framework_version of rows no worker wrote (a crash, a timeout): what a worker
    reported ("loaded", in env.json); else this interpreter's release, unless the
    workers run under another (--python): then "" (unknown, as history reads it)."""
    reported = (run.env["frameworks"].get(framework) or {}).get("version")
    if reported:
        return str(reported)
    return "" if run.config.python else frameworks()[framework].version() or ""


def _value_failure(run: Run, framework: str, done_keys: set):
    """Rows for a value task that did not finish: one per quantity still missing."""

    def fail(task: dict, outcome: str, detail: str) -> None:
        case = run.catalogue.cases[task["case"]]
        qs = [q for q in quantities(case, run.config.points or None, run.config.seeds, task["dtype"], run.config.scope)
              if q.row_key(Task(**task)) not in done_keys]
        base = {k: task[k] for k in ("framework", "device", "dtype", "mode")}
        base["framework_version"] = worker_version(run, framework)
        for row in failed_rows(base, case, qs, outcome, detail):
            run.append("record", row)
        run.manifest["failures"].append({"task": task, "outcome": outcome, "detail": detail})
    return fail


def _timing_failure(run: Run, framework: str):
    def fail(spec: dict, outcome: str, detail: str) -> None:
        run.append("timing", failed_row(spec, outcome, detail, worker_version(run, framework)))
        run.manifest["failures"].append({"task": spec, "outcome": outcome, "detail": detail})
    return fail


def run_framework(run: Run, framework: str, kind: str, tasks: list[dict], progress, shard: int = 0) -> bool:
    """Runs one framework's tasks of one kind ("values" or "timings") in a worker;
    `shard` numbers the workers of one framework (its log: logs/<framework>.log,
    then logs/<framework>-2.log, ...)."""
    done_keys: set = set()

    def on_event(event: dict) -> None:
        name = event.get("event")
        if name == "record":
            done_keys.add(RowKey.of(event).quantity())
            run.append("record", event)
        elif name == "timing":
            run.append("timing", event)
        elif name == "loaded":
            info = dict(event.get("info") or {}, version=event.get("version"),
                        devices=event.get("devices"), spelling=event.get("spelling"))
            run.env["frameworks"][framework] = without_user_tree(info)  # env.json travels: no home folder
            run.save()
        elif name == "load_failed":
            run.env["frameworks"][framework] = {"load_error": event.get("error")}
            run.save()
        elif name == "task_done":
            run.task_finished(kind, event.get("task"), {k: event[k] for k in COST_KEYS if k in event})
            progress.advance(f"{framework} {kind}", event.get("task"))

    def on_failure(task: dict, outcome: str, detail: str) -> None:
        if kind == "values":
            _value_failure(run, framework, done_keys)(task, outcome, detail)
        else:
            _timing_failure(run, framework)(task, outcome, detail)
        run.task_finished(kind, task)
        progress.advance(f"{framework} {kind}", task, outcome)

    job = {"kind": kind, "framework": framework, "threads": run.config.threads,
           "points": list(run.config.points), "seeds": list(run.config.seeds), "scope": run.config.scope,
           "timing": run.timing,
           "case_files": list(run.catalogue.case_files)}  # the user's --cases-from files: the worker loads them too
    log = f"{framework}.log" if not shard else f"{framework}-{shard + 1}.log"
    supervisor = Supervisor(job, tasks, run.config.timeout, run.dir / LOGS / log,
                            on_event, on_failure, python=run.config.python)
    run.supervisors.append(supervisor)
    if run.stopping:  # interrupted after the others were killed: this one must not start
        supervisor.kill()
    try:
        return supervisor.run()
    except BaseException:  # the run cannot go on (its folder cannot be written): no orphan worker
        supervisor.kill()
        raise
    finally:
        run.supervisors.remove(supervisor)


def unavailable(run: Run, framework: str, tasks: list[dict], kind: str, progress) -> None:
    """A framework that is not installed: rows say so, with how to install it."""
    adapter = frameworks()[framework]
    reason = f"{framework} is not installed ({adapter.install_hint})"
    run.env["frameworks"][framework] = {"version": None, "unavailable": reason}
    for task in tasks:
        if kind == "values":
            _value_failure(run, framework, set())(task, "unavailable", reason)
        else:
            _timing_failure(run, framework)(task, "unavailable", reason)
        run.task_finished(kind, task)
        progress.advance(f"{framework} {kind}", task, "unavailable")
    run.manifest["failures"] = [f for f in run.manifest["failures"] if f["outcome"] != "unavailable"]


def execute(run: Run, plan: dict[str, dict[str, list[dict]]], progress, jobs: int = 1) -> bool:
    """Runs plan[kind][framework] -> tasks. Values run in up to `jobs` workers at
    once, each framework's tasks dealt into two workers (shards) when jobs > 1
    and the run has SHARD_FROM tasks or more; timings run one framework at a
    time, so no worker shares the CPU with a timed one."""
    from concurrent.futures import ThreadPoolExecutor

    complete = True
    for kind in ("values", "timings"):
        per_framework = {fw: tasks for fw, tasks in plan.get(kind, {}).items() if tasks}
        many = sum(map(len, per_framework.values())) >= SHARD_FROM
        parts = 2 if kind == "values" and jobs > 1 and many else 1
        work = shards(per_framework, parts, heaviest_first(per_framework) if parts > 1 else ())
        pool = ThreadPoolExecutor(max_workers=max(1, jobs if kind == "values" else 1))
        try:
            futures = [pool.submit(_run_one, run, fw, kind, tasks, progress, shard) for fw, shard, tasks in work]
            for future in futures:
                complete &= _wait(future)
        except BaseException:  # Ctrl-C or SIGTERM: stop every worker, then let it propagate
            run.stopping = True
            for supervisor in list(run.supervisors):
                supervisor.kill()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
    return complete


def _wait(future) -> bool:
    """future.result(), waking up regularly so Ctrl-C reaches the main thread."""
    from concurrent.futures import TimeoutError as FutureTimeout

    while True:
        try:
            return future.result(timeout=0.2)
        except FutureTimeout:
            continue


def _run_one(run: Run, framework: str, kind: str, tasks: list[dict], progress, shard: int = 0) -> bool:
    if run.stopping:
        return False
    # Under another interpreter the framework is looked for there, by the worker
    # (a missing one fails at its import, and the rows say so).
    if not run.config.python and frameworks()[framework].version() is None:
        unavailable(run, framework, tasks, kind, progress)
        return True
    return run_framework(run, framework, kind, tasks, progress, shard)
