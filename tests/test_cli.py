"""Bad input exits 2 with one line naming the problem and the valid choices; never a traceback."""
from __future__ import annotations

import pytest

from cli_helpers import run_cli

BAD_INPUT = [
    (["run", "--frameworks", "nope"], "unknown framework 'nope'; valid:"),
    (["run", "--cases", "relux"], "unknown case 'relux'; valid:"),
    (["run", "--frameworks", "fake_a", "--points", "summit"], "unknown point 'summit'; valid:"),
    (["run", "--modes", "fast"], "unknown mode 'fast'; valid: eager, graph, compiled"),
    (["run", "--devices", "tpu"], "unknown device 'tpu'; valid: cpu, gpu"),
    (["run", "--dtypes", "float8_e4m3fn"], "unknown dtype 'float8_e4m3fn'; valid: float32, float64, bfloat16, float16"),
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
]


@pytest.mark.parametrize("argv, message", BAD_INPUT, ids=[" ".join(a) or "no-args" for a, _ in BAD_INPUT])
def test_bad_input_exits_2_with_one_line(argv, message):
    result = run_cli(*argv)
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
