"""Progress on stderr while a run goes on.

On a terminal: a bar (rich). Elsewhere (CI logs, a pipe, a file): one plain
line per finished group of tasks (framework x kind x case, or x workload for
timings) with the tasks done and the time since the run began, so a log shows
life long before the run ends. (No per-group duration: frameworks run side by
side and a group's start is not seen here.)
"""
from __future__ import annotations

import sys
import threading
import time
from collections import Counter


def group_of(label: str, task: dict | None) -> str:
    """`torch values relu`: the label (framework and kind) and the task's case or workload."""
    task = task or {}
    return f"{label} {task.get('case') or task.get('workload') or ''}".rstrip()


def groups_of(plan: dict) -> Counter:
    """Tasks per group of a plan {kind: {framework: [task, ...]}}."""
    return Counter(group_of(f"{fw} {kind}", t) for kind, per_fw in plan.items()
                   for fw, tasks in per_fw.items() for t in tasks)


def seconds_text(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:.0f} s" if minutes else f"{rest:.1f} s"


class Progress:
    """advance(label, task) once per finished task; `label` is "framework kind"."""

    def __init__(self, plan: dict, stream=None, interactive: bool | None = None, clock=time.monotonic):
        self.left = groups_of(plan)
        self.total, self.done = sum(self.left.values()), 0
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.clock, self.start = clock, clock()
        self.lock = threading.Lock()  # values run several frameworks at once
        self.failed: dict[str, Counter] = {}  # group -> {outcome: tasks} of tasks that did not run
        self._bar = None

    def __enter__(self):
        if self.interactive:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), transient=False, console=Console(file=self.stream))
            self._bar.__enter__()
            self._task = self._bar.add_task("starting", total=self.total)
        return self

    def advance(self, label: str, task: dict | None = None, outcome: str = "") -> None:
        """`outcome`: why the task did not run (crashed, timeout, unavailable); "" when it ran."""
        with self.lock:
            self.done += 1
            if self._bar is not None:
                self._bar.update(self._task, advance=1, description=label)
                return
            group = group_of(label, task)
            self.left[group] -= 1
            if outcome:
                self.failed.setdefault(group, Counter())[outcome] += 1
            if self.left[group] <= 0:
                print(f"crossgrad: {group} {self._ended(group)} ({self.done}/{self.total} tasks, "
                      f"{seconds_text(self.clock() - self.start)} elapsed)", file=self.stream, flush=True)

    def _ended(self, group: str) -> str:
        """"done", or which of the group's tasks did not run and why: never "done" for a crash."""
        failed = self.failed.get(group)
        if not failed:
            return "done"
        return "ended: " + ", ".join(f"{n} task(s) {outcome}" for outcome, n in sorted(failed.items()))

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.__exit__(*exc)
        return False
