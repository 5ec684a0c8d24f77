"""crossgrad.running.cost: a run's journalled task costs summed per framework and mode."""
import json

import subprocess
import sys

from crossgrad.running.cost import COST_KEYS, cost_by_framework_mode, main, table
from crossgrad.running.worker import cost_now, cost_since


def _journal(tmp_path, entries):
    (tmp_path / "tasks.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return tmp_path


def test_costs_are_summed_per_framework_and_mode_and_unmeasured_tasks_counted_apart(tmp_path):
    task = {"framework": "torch", "case": "relu", "dtype": "float32", "device": "cpu", "mode": "compiled"}
    run = _journal(tmp_path, [{"kind": "values", "task": task, "cpu_s": 1.5, "children_cpu_s": 1.0, "wall_s": 2.0},
                              {"kind": "values", "task": dict(task, case="abs"), "cpu_s": 0.25, "wall_s": 0.5},
                              {"kind": "values", "task": dict(task, mode="eager")}])  # an older journal's line
    costs = cost_by_framework_mode(run)
    # the second task's journal predates children_cpu_s: its cpu_s counts, its children none
    assert costs[("torch", "compiled")] == {"tasks": 2, "cpu_s": 1.75, "children_cpu_s": 1.0, "wall_s": 2.5,
                                            "unmeasured": 0}
    assert costs[("torch", "eager")] == {"tasks": 1, "cpu_s": 0.0, "children_cpu_s": 0.0, "wall_s": 0.0,
                                         "unmeasured": 1}
    lines = table(costs).splitlines()
    assert lines[1].split()[:2] == ["torch", "compiled"]  # costliest first
    assert lines[0].split() == ["framework", "mode", "tasks", "cpu_s", "children", "wall_s", "unmeasured"]
    assert lines[-1].split() == ["total", "3", "1.8", "1.0", "2.5", "1"]


def test_a_folder_without_a_journal_is_refused_with_exit_2(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert "usage" in capsys.readouterr().err


def test_torn_and_foreign_lines_are_counted_unmeasured_not_a_traceback(tmp_path):
    task = {"framework": "jax", "mode": "eager"}
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps({"task": task, "cpu_s": 1.0, "wall_s": 1.0}) + "\n"
                    + json.dumps({"task": task, "cpu_s": "9e9", "wall_s": 1.0}) + "\n"  # text, not seconds
                    + '["a list"]\n' + '{"task": {"framework": "jax", "mo')  # a foreign line, a torn one
    costs = cost_by_framework_mode(tmp_path)
    assert costs[("jax", "eager")] == {"tasks": 2, "cpu_s": 1.0, "children_cpu_s": 0.0, "wall_s": 1.0,
                                       "unmeasured": 1}
    assert costs[("?", "?")]["unmeasured"] == 2


def test_a_task_cost_names_the_cpu_its_child_processes_spent():
    """What torch compiled spends in its C++ compiler is children_cpu_s: a child that
    burns CPU and is waited for shows there, and inside cpu_s."""
    started = cost_now()
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    subprocess.run([sys.executable, "-c", burn], check=True)
    cost = cost_since(started)
    assert tuple(cost) == COST_KEYS  # what the runner journals and cost.py reads
    assert 0.3 <= cost["children_cpu_s"] <= cost["cpu_s"]
