"""Runs the study: one worker per framework (at most `jobs` at once), rows gathered, CSVs written.

Each framework's tasks go to its own process under the catalogue's Supervisor:
a crash or hang costs that framework's task in flight (a row says so) and a
fresh worker carries on. A framework that is not installed, or whose adapter
declares no network_ops or no relu_with_derivative_at_zero, gets no worker: a
row per table and dtype says why (`not_installed`, `unsupported`). Progress:
one line per framework and precision.
"""
from __future__ import annotations

import os
import resource
import shutil
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from crossgrad.consequence import data as datasets
from crossgrad.consequence.config import StudyConfig, volume_configs
from crossgrad.core.registry import frameworks
from crossgrad.running.progress import seconds_text
from crossgrad.running.supervisor import Supervisor

TABLES = ("kinks", "volume", "training")
TABLE_OF_KIND = {"kinks": "kinks", "volume": "volume", "train": "training"}
WORK = ".work"  # inside the output folder: per-epoch weights, removed once divergence is measured


class StudySupervisor(Supervisor):
    worker_module = "crossgrad.consequence.worker"


def plan(config: StudyConfig) -> list[dict]:
    """Every task of one framework, precision by precision (so progress is per precision)."""
    tasks = []
    for dtype in config.dtypes:
        tasks.append(dict(kind="kinks", dtype=dtype))
        tasks += [dict(kind="volume", dtype=dtype, **point) for point in volume_configs(config)]
        tasks += [dict(kind="train", dtype=dtype, variant=v, seed=s) for v in config.variants for s in config.seeds]
    return tasks


class Collector:
    """The rows of every table, the weights' hashes per training run, progress lines."""

    def __init__(self, config: StudyConfig, stream=None):
        self.tables = {name: [] for name in TABLES}
        self.hashes, self.weights = {}, {}
        self.versions: dict = {}
        self.left = Counter()
        # Worker CPU seconds per (framework, dtype): each task's share of its worker's clock.
        self.cpu, self._clock = Counter(), {}
        self.stream, self.start, self.lock = stream or sys.stderr, time.monotonic(), threading.Lock()

    def expect(self, framework: str, tasks: list[dict]) -> None:
        self.left.update((framework, t["dtype"]) for t in tasks)

    def event(self, framework: str, event: dict) -> None:
        with self.lock:
            kind = event.get("event")
            if kind == "loaded":
                self.versions[framework] = (event.get("version"), event.get("mode"))
            elif kind == "rows":
                self._rows(framework, event)
            elif kind == "task_failed":
                self.failed(framework, event["task"], "error", event["error"])
            elif kind == "task_done":
                self._charge(framework, event)
                self._done(framework, event["task"])

    def _rows(self, framework: str, event: dict) -> None:
        task = event["task"]
        labels = self._labels(framework, task)
        for row in event["rows"]:
            self.tables[event["table"]].append({**labels, **row, "outcome": "ok", "detail": ""})
        if event["table"] == "training":
            key = (framework, task["dtype"], task["variant"], task["seed"])
            self.hashes[key], self.weights[key] = event["hashes"], event["weights"]

    def _labels(self, framework: str, task: dict) -> dict:
        labels = {k: v for k, v in task.items() if k != "kind"}
        version, mode = self.versions.get(framework, ("", ""))
        return {"framework": framework, "version": version, "mode": mode, **labels}

    def failed(self, framework: str, task: dict, outcome: str, detail: str) -> None:
        """A row saying why a task gave no result (the worker's error, crash or timeout)."""
        row = {**self._labels(framework, task), "outcome": outcome, "detail": detail}
        self.tables[TABLE_OF_KIND[task["kind"]]].append(row)

    def on_failure(self, framework: str):
        def record(task, outcome, detail):
            with self.lock:
                self.failed(framework, task, outcome, detail)
                self._done(framework, task)
        return record

    def _charge(self, framework: str, event: dict) -> None:
        """Adds the CPU the task took; a fresh worker (after a crash) starts its clock at 0."""
        clock = float(event.get("cpu_seconds", 0.0))
        last = self._clock.get(framework, 0.0)
        self.cpu[(framework, event["task"]["dtype"])] += clock - last if clock >= last else clock
        self._clock[framework] = clock

    def cpu_by_framework(self) -> dict:
        """{"framework dtype": worker CPU seconds}, for study.json."""
        return {f"{f} {d}": seconds for (f, d), seconds in sorted(self.cpu.items())}

    def _done(self, framework: str, task: dict) -> None:
        key = (framework, task["dtype"])
        self.left[key] -= 1
        if self.left[key] == 0:
            print(f"crossgrad consequence: {framework} {task['dtype']} done "
                  f"({seconds_text(time.monotonic() - self.start)} elapsed, {self.cpu[key]:.1f} s worker CPU)",
                  file=self.stream, flush=True)

    def not_run(self, framework: str, outcome: str, detail: str, config: StudyConfig) -> None:
        """A row per table and dtype for a framework no worker runs (not installed, or
        its adapter lacks what the study needs), and one progress line saying why."""
        for dtype in config.dtypes:
            for table in TABLES:
                self.tables[table].append({"framework": framework, "version": "", "dtype": dtype,
                                           "outcome": outcome, "detail": detail})
        print(f"crossgrad consequence: {framework} not studied: {detail}", file=self.stream, flush=True)


# What the study needs of an adapter beyond the catalogue's contract (crossgrad.adapter.Adapter).
NEEDS = ("network_ops", "relu_with_derivative_at_zero")


def lacking(adapter) -> list[str]:
    """The facts of NEEDS the adapter does not declare. network_ops: {} (the contract's
    default) is none; relu_with_derivative_at_zero must be its class's (every adapter
    gets one from the contract, which only raises UnsupportedOp)."""
    declared = {"network_ops": bool(adapter.network_ops),
                "relu_with_derivative_at_zero": any("relu_with_derivative_at_zero" in vars(k)
                                                    for k in type(adapter).__mro__ if k is not object)}
    return [name for name in NEEDS if not declared[name]]


def skip_reason(name: str, adapter) -> tuple[str, str] | None:
    """(outcome, detail) where the study runs no worker for this framework; None where it does."""
    missing = lacking(adapter)
    if missing:
        return "unsupported", (f"the {name} adapter declares no {' and no '.join(missing)} "
                               "(crossgrad.adapter.Adapter), which crossgrad consequence needs")
    if adapter.version() is None:
        return "not_installed", f"{name} is not installed ({adapter.install_hint})"
    return None


def run_workers(config: StudyConfig, out: Path, collector: Collector, data, exhaustive: bool = False) -> bool:
    """All frameworks' workers, each reading `data` (a Dataset) from the work folder;
    True when none lost a task to a crash or timeout."""
    work = out / WORK
    work.mkdir(parents=True, exist_ok=True)
    data_file = datasets.save(data, work / "data.npz")
    adapters, tasks, jobs = frameworks(), plan(config), []
    for name in config.frameworks:
        adapter = adapters[name]
        skipped = skip_reason(name, adapter)
        if skipped:
            collector.not_run(name, *skipped, config)
            continue
        collector.expect(name, tasks)
        job = dict(framework=name, config=config.as_dict(), work=str(work), data=str(data_file), threads=1,
                   exhaustive=exhaustive)
        jobs.append(StudySupervisor(job, tasks, config.timeout, out / f"worker-{name}.log",
                                    lambda e, n=name: collector.event(n, e), collector.on_failure(name)))
    with ThreadPoolExecutor(max_workers=max(1, config.jobs)) as pool:
        return all(pool.map(lambda s: s.run(), jobs))


def cpu_seconds_of_workers() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def remove_work(out: Path) -> None:
    shutil.rmtree(out / WORK, ignore_errors=True)


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} {five:.1f} {fifteen:.1f}"
