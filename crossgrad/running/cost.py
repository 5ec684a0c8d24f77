"""Where a run spent its CPU: python -m crossgrad.running.cost RUN_DIR

Sums the cost the runner journals per task (tasks.jsonl: cpu_s, children_cpu_s and
wall_s, each worker's own measure: crossgrad.running.worker.cost_since) per framework
and mode, costliest first. children_cpu_s is the part of cpu_s spent in the worker's
child processes: for torch compiled, the C++ compiler inductor runs per kernel.
A worker's start-up (its framework's import) is in no task: the run's own CPU time
(e.g. /usr/bin/time) minus the total here is that, plus the supervisor. Tasks journalled without a cost (an older run, a crashed task) are
counted apart.
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from crossgrad.core.run_folder import TASKS_DONE

# What a worker journals per task (crossgrad.running.worker.cost_since); children_cpu_s
# is missing from journals written before it existed (summed as 0 there).
COST_KEYS = ("cpu_s", "children_cpu_s", "wall_s")


def cost_by_framework_mode(run_dir: Path) -> dict[tuple[str, str], dict]:
    """(framework, mode) -> {"tasks", "cpu_s", "children_cpu_s", "wall_s", "unmeasured"}
    over the run's journal."""
    out: dict = defaultdict(lambda: {"tasks": 0, "cpu_s": 0.0, "children_cpu_s": 0.0, "wall_s": 0.0,
                                     "unmeasured": 0})
    path = Path(run_dir) / TASKS_DONE
    for line in path.read_text(errors="replace").splitlines() if path.exists() else ():
        entry = _entry(line)
        task = entry.get("task") if isinstance(entry.get("task"), dict) else {}
        cell = out[(str(task.get("framework", "?")), str(task.get("mode", "?")))]
        cell["tasks"] += 1
        if all(_is_seconds(entry.get(k)) for k in ("cpu_s", "wall_s")):
            cell["cpu_s"] += entry["cpu_s"]
            cell["wall_s"] += entry["wall_s"]
            if _is_seconds(entry.get("children_cpu_s")):  # absent from older journals
                cell["children_cpu_s"] += entry["children_cpu_s"]
        else:  # an older run, a crashed task, or a line a stranger's folder mangled
            cell["unmeasured"] += 1
    return dict(out)


def _entry(line: str) -> dict:
    """One journal line as a dict; a torn or foreign line is an empty entry (counted, unmeasured)."""
    try:
        entry = json.loads(line)
    except ValueError:
        return {}
    return entry if isinstance(entry, dict) else {}


def _is_seconds(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def table(costs: dict) -> str:
    """The costs as a text table, costliest first, with the total; `children`: the
    part of cpu_s spent in child processes (a compiler)."""
    lines = [f"{'framework':12} {'mode':9} {'tasks':>6} {'cpu_s':>9} {'children':>9} {'wall_s':>9} {'unmeasured':>10}"]
    for (framework, mode), c in sorted(costs.items(), key=lambda kv: -kv[1]["cpu_s"]):
        lines.append(f"{framework:12} {mode:9} {c['tasks']:6d} {c['cpu_s']:9.1f} {c['children_cpu_s']:9.1f} "
                     f"{c['wall_s']:9.1f} {c['unmeasured']:10d}")
    total = {k: sum(c[k] for c in costs.values()) for k in ("tasks", *COST_KEYS, "unmeasured")}
    lines.append(f"{'total':12} {'':9} {total['tasks']:6d} {total['cpu_s']:9.1f} {total['children_cpu_s']:9.1f} "
                 f"{total['wall_s']:9.1f} {total['unmeasured']:10d}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not (Path(argv[0]) / TASKS_DONE).is_file():
        print(f"usage: python -m crossgrad.running.cost RUN_DIR (a run folder holding {TASKS_DONE})", file=sys.stderr)
        return 2
    print(table(cost_by_framework_mode(Path(argv[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
