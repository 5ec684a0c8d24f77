"""Bad input exits 2 with one line naming the problem and the valid choices; never a traceback."""
from __future__ import annotations

import re

import pytest

from pathlib import Path

from cli_helpers import ROOT, run_cli, run_cli_here

BAD_INPUT = [
    (["run", "--frameworks", "nope"], "unknown framework 'nope'; valid:"),
    (["run", "--devices", "tpu"], "unknown device 'tpu'; valid: cpu, gpu"),  # nothing near: no guess
    (["run", "--frameworks", "fake_a", "--points", "summit"], "unknown point 'summit'; valid:"),
    (["run", "--modes", "fast"], "unknown mode 'fast'; valid: eager, graph, compiled"),
    (["run", "--dtypes", "float128"], "unknown dtype 'float128'"),
    (["run", "--frameworks", ""], "--frameworks is empty"),
    (["run", "--sizes", "0"], "--sizes must be positive whole numbers"),
    (["run", "--sizes", "-5"], "--sizes must be positive whole numbers"),
    (["run", "--sizes", "ten"], "--sizes must be positive whole numbers"),
    (["run", "--sizes", "1.5"], "--sizes must be positive whole numbers"),
    (["run", "--threads", "0"], "--threads must be positive whole numbers"),
    (["run", "--timeout", "nan"], "--timeout must be a positive number"),
    (["run", "--frameworks", "fake_a", "--modes", "graph"], "no selected framework has mode(s) graph"),
    (["run", "--no-timings", "--timings-only"], "exclude each other"),
    (["run", "--frameworks", "fake_a", "--out", "/proc/crossgrad-test"], "cannot write the output folder"),
    (["report", "/nonexistent/run"], "is not a run folder"),
    (["report"], "report needs a run folder"),
    (["report", "--from-benchmark-json", "/nonexistent.json"], "no such file"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "missing command; valid: run, list, report, check"),
    (["run", "--bogus-flag"], "unrecognized arguments: --bogus-flag"),
    # did you mean: a synonym, another case, a near spelling; several at once
    (["run", "--frameworks", "pytorch"], "unknown framework 'pytorch' (did you mean 'torch'?); valid:"),
    (["run", "--frameworks", "tf"], "unknown framework 'tf' (did you mean 'tensorflow'?)"),
    (["run", "--cases", "Relu"], "unknown case 'Relu' (did you mean 'relu'?); valid:"),
    (["run", "--cases", "relux"], "unknown case 'relux' (did you mean 'relu'?)"),
    (["run", "--devices", "cuda"], "unknown device 'cuda' (did you mean 'gpu'?); valid: cpu, gpu"),
    (["run", "--dtypes", "fp32,f64"], "unknown dtype 'fp32' (did you mean 'float32'?), 'f64' (did you mean 'float64'?)"),
    (["run", "--modes", "jit"], "unknown mode 'jit' (did you mean 'compiled'?)"),
    # options that do nothing in the selected mode
    (["run", "--workloads", "relu", "--no-timings"], "--workloads does nothing with --no-timings"),
    (["run", "--sizes", "10", "--no-timings"], "--sizes does nothing with --no-timings"),
    (["run", "--timings-only", "--cases", "relu"], "--cases does nothing with --timings-only"),
    (["run", "--timings-only", "--dtypes", "float64"], "--dtypes does nothing with --timings-only"),
    (["report", "results/sample", "--cases", "relu"], "--cases does nothing without --snippets"),
    (["report", "results/sample", "--out", "/tmp/x"], "--out does nothing without --from-benchmark-json"),
    (["report", "--from-benchmark-json", "x.json", "--snippets"], "--snippets does nothing with --from-benchmark-json"),
    (["report", "results/sample", "--snippets", "--frameworks", "pytorch"],
     "unknown framework 'pytorch' (did you mean 'torch'?); valid: "),
]


@pytest.mark.parametrize("argv, message", BAD_INPUT, ids=[" ".join(a) or "no-args" for a, _ in BAD_INPUT])
def test_bad_input_exits_2_with_one_line(argv, message):
    assert_one_line_exit_2(run_cli_here(*argv), message)


# Through the installed command too (a new interpreter each): an argparse error and one of crossgrad's own.
@pytest.mark.parametrize("argv, message", [(["run", "--bogus-flag"], "unrecognized arguments: --bogus-flag"),
                                           (["run", "--frameworks", "fake_a", "--modes", "graph"],
                                            "no selected framework has mode(s) graph")], ids=["argparse", "crossgrad"])
def test_bad_input_through_the_command_exits_2_with_one_line(argv, message):
    assert_one_line_exit_2(run_cli(*argv), message)


def assert_one_line_exit_2(result, message):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("crossgrad: error: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_list_shows_frameworks_installed_or_not_and_cases():
    result = run_cli("list")
    assert result.returncode == 0, result.stderr
    for name in ("torch", "jax", "tensorflow", "fake_a", "fake_b"):
        assert f"\n  {name} " in result.stdout
    assert "relu_python" in result.stdout and "kink_xpos" in result.stdout


def test_version_prints_the_package_version():
    from crossgrad import __version__

    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"crossgrad {__version__}"


def test_suggestion_prefers_case_then_synonym_then_spelling():
    from crossgrad.arguments import suggestion

    assert suggestion("RELU", ["relu", "abs"]) == "relu"
    assert suggestion("bf16", ["float32", "bfloat16"]) == "bfloat16"
    assert suggestion("bf16", ["float32"]) is None  # a synonym of a name not offered: no guess
    assert suggestion("maximun", ["maximum", "maximum_rev"]) == "maximum"
    assert suggestion("zzz", ["relu", "abs"]) is None


def unavailable_rows(run_dir) -> int:
    import json

    return sum(json.loads(l)["outcome"] == "unavailable" for l in open(run_dir / "records.jsonl"))


def test_a_selection_with_nothing_available_exits_4_with_one_line(tmp_path):
    """fake_a has no gpu: every selected value is unavailable, so the run judged nothing."""
    result = run_cli("run", "--frameworks", "fake_a", "--cases", "relu", "--devices", "gpu", "--no-timings",
                     "--out", str(tmp_path / "run"))
    assert result.returncode == 4, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    count = unavailable_rows(tmp_path / "run")
    assert count > 0
    assert last == "crossgrad: nothing judged: every selected value is unavailable: " \
                   f"no gpu device for fake_a ({count}) (exit 4)"
    check = run_cli("check", "--frameworks", "fake_a", "--cases", "relu", "--devices", "gpu",
                    "--out", str(tmp_path / "check"))
    assert check.returncode == 4, check.stderr
    assert "nothing judged" in check.stderr and "agree" not in check.stdout


def test_a_partly_available_selection_says_what_was_skipped(tmp_path):
    result = run_cli("run", "--frameworks", "fake_a", "--cases", "relu", "--devices", "cpu,gpu", "--no-timings",
                     "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    count = unavailable_rows(tmp_path / "run")
    assert 0 < count < len(open(tmp_path / "run" / "records.jsonl").readlines())
    assert f"crossgrad: skipped {count} unavailable value(s): no gpu device for fake_a ({count})" in result.stderr


def test_progress_off_a_terminal_is_one_line_per_finished_group(tmp_path):
    result = run_cli("run", "--frameworks", "fake_a,fake_b", "--cases", "relu,abs", "--dtypes", "float32",
                     "--no-timings", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    lines = [l for l in result.stderr.splitlines() if l.startswith("crossgrad: fake_")]
    groups = sorted(l.split(" done (")[0] for l in lines)
    assert groups == [f"crossgrad: {fw} values {case}" for fw in ("fake_a", "fake_b") for case in ("abs", "relu")]
    assert all(re.search(r" done \(\d/4 tasks, [\d.]+ s elapsed\)$", l) for l in lines), lines
    assert lines[-1].endswith("elapsed)") and "(4/4 tasks" in lines[-1]


def test_progress_groups_count_every_task_once():
    import io

    from crossgrad.running.progress import Progress

    plan = {"values": {"a": [{"case": "relu"}, {"case": "relu"}, {"case": "abs"}]},
            "timings": {"a": [{"workload": "relu"}]}}
    stream, ticks = io.StringIO(), iter(range(100))
    with Progress(plan, stream=stream, interactive=False, clock=lambda: float(next(ticks))) as progress:
        for kind, tasks in plan.items():
            for task in tasks["a"]:
                progress.advance(f"a {kind}", task)
    assert stream.getvalue().splitlines() == [
        "crossgrad: a values relu done (2/4 tasks, 1.0 s elapsed)",  # the clock ticks once per line
        "crossgrad: a values abs done (3/4 tasks, 2.0 s elapsed)",
        "crossgrad: a timings relu done (4/4 tasks, 3.0 s elapsed)",
    ]


def test_progress_never_says_done_for_a_task_that_crashed_or_timed_out():
    import io

    from crossgrad.running.progress import Progress

    plan = {"values": {"a": [{"case": "relu"}, {"case": "relu"}, {"case": "abs"}]}}
    stream, ticks = io.StringIO(), iter(range(100))
    with Progress(plan, stream=stream, interactive=False, clock=lambda: float(next(ticks))) as progress:
        progress.advance("a values", {"case": "relu"})
        progress.advance("a values", {"case": "relu"}, "crashed")
        progress.advance("a values", {"case": "abs"}, "timeout")
    assert stream.getvalue().splitlines() == [
        "crossgrad: a values relu ended: 1 task(s) crashed (2/3 tasks, 1.0 s elapsed)",
        "crossgrad: a values abs ended: 1 task(s) timeout (3/3 tasks, 2.0 s elapsed)",
    ]


def test_report_snippets_writes_every_value_of_the_selection(tmp_path):
    """The headline finding (TensorFlow relu at the kink, cotangent -1) on demand, from the sample run."""
    import json
    import shutil

    run = tmp_path / "run"
    run.mkdir()
    for name in ("manifest.json", "env.json", "records.jsonl"):
        shutil.copy(ROOT / "results" / "sample" / name, run / name)
    selection = ["--frameworks", "tensorflow", "--cases", "relu", "--points", "kink", "--modes", "eager",
                 "--dtypes", "float32"]
    result = run_cli("report", str(run), "--snippets", *selection)
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.parent == run and path.is_file()
    rows = [r for r in map(json.loads, open(run / "records.jsonl"))
            if (r["framework"], r["case"], r["point"], r["mode"], r["dtype"]) == ("tensorflow", "relu", "kink",
                                                                                 "eager", "float32")]
    text = path.read_text()
    assert text.count("\n### relu · tensorflow eager · `kink`") == len(rows) > 0  # uncapped: one per value
    assert text.count("```python") == len(rows)
    assert "### relu · tensorflow eager · `kink` reverse w[0], seed -1.0, float32, cpu → `0.0`" in text
    assert "tf.GradientTape" in text


def test_the_manifest_records_each_compile_cache_before_the_run(tmp_path):
    import json

    result = run_cli("run", "--frameworks", "fake_a", "--cases", "relu", "--dtypes", "float32", "--no-timings",
                     "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["compile_cache"] == {"fake_a": "not reported"}  # the fake adapter has no compile_cache()


def test_help_imports_no_framework_pandas_or_catalogue():
    """`crossgrad --help` took 2.3 s importing the catalogue (ml_dtypes) and pandas (issue 23);
    measured after: 0.20-0.26 s wall on the shared 2-core machine (README "Exit status")."""
    import subprocess
    import sys

    code = ("import sys\nfrom crossgrad.cli import main\nfor argv in (['--help'], ['run', '--help'], ['test-adapter', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "heavy = sorted(m for m in ('pandas', 'numpy', 'ml_dtypes', 'matplotlib', 'torch', 'jax', "
            "'tensorflow', 'crossgrad.cases.scope', 'crossgrad.commands') if m in sys.modules)\nprint(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
