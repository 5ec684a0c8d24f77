"""crossgrad.reporting.painter: the heatmap drawn in a second process is the same picture,
a failure there is raised where the picture is collected, and small runs draw here."""
from __future__ import annotations

import threading

import pytest

from crossgrad.core import run_folder
from crossgrad.reporting import painter, plots

ARGS = (["relu float32", "relu float64"], ["torch eager", "jax eager"], [["exact", "differs"]] * 2,
        [["exact", "odd value ×2"]] * 2)


def no_heatmap(*args):
    print("drawing nothing")  # printed in the child: must not spoil its answer
    raise ValueError("no heatmap today")


@pytest.fixture
def large_run(tmp_path, monkeypatch):
    (tmp_path / run_folder.RECORDS).write_text("")
    monkeypatch.setattr(painter, "SECOND_PROCESS_FROM", 0)
    return tmp_path


def test_a_heatmap_drawn_beside_is_the_same_png_with_a_thread_alive(large_run):
    stop = threading.Event()
    alive = threading.Thread(target=stop.wait)  # a supervisor's thread: the child does not mind it
    alive.start()
    try:
        with painter.painter_for(large_run, report=True) as beside:
            assert isinstance(beside, painter.Beside)
            files = {"summary.png": beside.draw(plots.summary_heatmap, *ARGS), "report.md": "text"}
            assert isinstance(files["summary.png"], painter.Drawing)
            assert painter.collected(files) == {"summary.png": plots.summary_heatmap(*ARGS), "report.md": "text"}
    finally:
        stop.set()
        alive.join()


def test_a_failure_beside_is_raised_when_collected(large_run):
    with painter.painter_for(large_run, report=True) as beside:
        files = {"broken.png": beside.draw(no_heatmap, *ARGS)}
        with pytest.raises(ValueError, match="no heatmap today") as raised:
            painter.collected(files)
    assert "no_heatmap" in str(raised.value.__cause__)  # the child's traceback


def test_a_child_that_dies_is_an_error_and_one_never_asked_is_stopped(large_run):
    with painter.painter_for(large_run, report=True) as beside:
        files = {"died.png": beside.draw(__import__("os")._exit, 3)}
        with pytest.raises(RuntimeError, match="exit code 3"):
            painter.collected(files)
    with painter.painter_for(large_run, report=True) as beside:
        process = beside.process
    assert process.returncode is not None


def test_a_small_run_or_no_report_draws_here(large_run, monkeypatch):
    with painter.painter_for(large_run, report=False) as here:
        assert here is painter.HERE
    monkeypatch.setattr(painter, "SECOND_PROCESS_FROM", 1)  # records.jsonl is 0 bytes: below it
    with painter.painter_for(large_run, report=True) as here:
        assert here is painter.HERE and here.draw(plots.summary_heatmap, *ARGS) == plots.summary_heatmap(*ARGS)
    with pytest.raises(ValueError, match="no heatmap today"):
        painter.HERE.draw(no_heatmap)


def test_the_callers_unguarded_script_does_not_run_again_in_the_child(large_run):
    """multiprocessing's spawn would import the caller's __main__ in the child: a script
    without a main guard would run twice. The child is a fresh `python -c`."""
    import subprocess
    import sys

    runs = large_run / "runs.txt"
    script = large_run / "unguarded.py"
    script.write_text(
        "from pathlib import Path\n"
        "from crossgrad.reporting import painter, plots\n"
        f"Path({str(runs)!r}).open('a').write('ran\\n')\n"
        "painter.SECOND_PROCESS_FROM = 0\n"
        f"with painter.painter_for(Path({str(large_run)!r}), True) as beside:\n"
        f"    assert painter.collected({{'p': beside.draw(plots.summary_heatmap, *{ARGS!r})}})['p'][:4] == b'\\x89PNG'\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert runs.read_text() == "ran\n"
