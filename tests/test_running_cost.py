"""crossgrad.running.cost: a run's journalled task costs summed per framework and mode."""
import json

from crossgrad.running.cost import cost_by_framework_mode, main, table


def _journal(tmp_path, entries):
    (tmp_path / "tasks.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return tmp_path


def test_costs_are_summed_per_framework_and_mode_and_unmeasured_tasks_counted_apart(tmp_path):
    task = {"framework": "torch", "case": "relu", "dtype": "float32", "device": "cpu", "mode": "compiled"}
    run = _journal(tmp_path, [{"kind": "values", "task": task, "cpu_s": 1.5, "wall_s": 2.0},
                              {"kind": "values", "task": dict(task, case="abs"), "cpu_s": 0.25, "wall_s": 0.5},
                              {"kind": "values", "task": dict(task, mode="eager")}])  # an older journal's line
    costs = cost_by_framework_mode(run)
    assert costs[("torch", "compiled")] == {"tasks": 2, "cpu_s": 1.75, "wall_s": 2.5, "unmeasured": 0}
    assert costs[("torch", "eager")] == {"tasks": 1, "cpu_s": 0.0, "wall_s": 0.0, "unmeasured": 1}
    lines = table(costs).splitlines()
    assert lines[1].split()[:2] == ["torch", "compiled"]  # costliest first
    assert lines[-1].split() == ["total", "3", "1.8", "2.5", "1"]


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
    assert costs[("jax", "eager")] == {"tasks": 2, "cpu_s": 1.0, "wall_s": 1.0, "unmeasured": 1}
    assert costs[("?", "?")]["unmeasured"] == 2
