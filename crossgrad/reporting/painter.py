"""Where the report's summary heatmap is drawn: here, or in a second process beside this one.

The heatmap of a large run (the full catalogue: about 1.2 s, matplotlib's import included)
needs only the summary's labels, standings and texts, a few hundred kilobytes, so on a
machine with a second core it is drawn there while this process builds the other
sections. The second process is started before the run folder is read: it imports
matplotlib meanwhile, and is ready when the summary is.

It is started with "spawn", never "fork": `crossgrad check` finishes its run with its
supervisor threads alive, and a forked child would inherit their locks held. A drawing
that fails in the second process raises its exception where the picture is collected
(crossgrad.reporting.report.write_report), as a failure here would. The PNG bytes are
the same either way: the same function draws them with the same matplotlib.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from crossgrad.core import run_folder

# Below this many bytes of records.jsonl the heatmap is drawn here: a second Python and
# its matplotlib import (~0.5 s of CPU) cost more than the picture of a small run
# (results/sample, 15 MB: ~0.2 s of drawing).
SECOND_PROCESS_FROM = 32 * 1024 * 1024


class Here:
    """Draws in this process: draw() gives the picture itself."""

    def draw(self, function, *args):
        return function(*args)


class Beside:
    """Draws in a second process: draw() gives a Future of the picture."""

    def __init__(self, pool: ProcessPoolExecutor):
        self.pool = pool

    def draw(self, function, *args) -> Future:
        return self.pool.submit(function, *args)


HERE = Here()


def _import_matplotlib() -> None:
    """The second process's first task, while the first reads the run: the imports a heatmap needs."""
    from matplotlib.backends import backend_agg  # noqa: F401
    from matplotlib import figure, font_manager, textpath  # noqa: F401


@contextmanager
def painter_for(run_dir: Path, report: bool):
    """The painter of run_dir's report: beside this process for a large run's report,
    here otherwise (no report, a small run). The second process ends when the block does."""
    records = Path(run_dir) / run_folder.RECORDS
    if not report or not records.is_file() or records.stat().st_size < SECOND_PROCESS_FROM:
        yield HERE
        return
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(_import_matplotlib)  # its failure shows in the drawing's own, if any
        yield Beside(pool)


def collected(files: dict) -> dict:
    """files with each picture drawn beside (a Future) replaced by its bytes; a
    drawing's failure is raised here."""
    return {name: content.result() if isinstance(content, Future) else content
            for name, content in files.items()}
