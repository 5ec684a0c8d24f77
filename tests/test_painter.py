"""crossgrad.reporting.painter: the heatmap drawn in a second process is the same picture,
a failure there is raised where the picture is collected, and small runs draw here."""
from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest

from crossgrad.core import run_folder
from crossgrad.reporting import painter, plots

ARGS = (["relu float32", "relu float64"], ["torch eager", "jax eager"], [["exact", "differs"]] * 2,
        [["exact", "odd value ×2"]] * 2)


def no_heatmap(*args):
    raise ValueError("no heatmap today")


@pytest.fixture
def large_run(tmp_path, monkeypatch):
    (tmp_path / run_folder.RECORDS).write_text("")
    monkeypatch.setattr(painter, "SECOND_PROCESS_FROM", 0)
    return tmp_path


def test_a_heatmap_drawn_beside_is_the_same_png_and_a_failure_there_is_raised_when_collected(large_run):
    stop = threading.Event()
    alive = threading.Thread(target=stop.wait)  # a supervisor's thread: spawn does not mind it
    alive.start()
    try:
        with painter.painter_for(large_run, report=True) as beside:
            assert isinstance(beside, painter.Beside)
            files = {"summary.png": beside.draw(plots.summary_heatmap, *ARGS), "report.md": "text",
                     "broken.png": beside.draw(no_heatmap, *ARGS)}
            assert isinstance(files["summary.png"], Future)
            with pytest.raises(ValueError, match="no heatmap today"):
                painter.collected(files)
            del files["broken.png"]
            assert painter.collected(files) == {"summary.png": plots.summary_heatmap(*ARGS), "report.md": "text"}
    finally:
        stop.set()
        alive.join()


def test_a_small_run_or_no_report_draws_here(large_run, monkeypatch):
    with painter.painter_for(large_run, report=False) as here:
        assert here is painter.HERE
    monkeypatch.setattr(painter, "SECOND_PROCESS_FROM", 1)  # records.jsonl is 0 bytes: below it
    with painter.painter_for(large_run, report=True) as here:
        assert here is painter.HERE and here.draw(plots.summary_heatmap, *ARGS) == plots.summary_heatmap(*ARGS)
    with pytest.raises(ValueError, match="no heatmap today"):
        painter.HERE.draw(no_heatmap)
