"""Where the report's summary heatmap is drawn: here, or in a second process beside this one.

The heatmap of a large run (the full catalogue: about 1.2 s, matplotlib's import included)
needs only the summary's labels, standings and texts, a few hundred kilobytes, so on a
machine with a second core it is drawn there while this process builds the other
sections. The second process is started before the run folder is read: it imports
matplotlib meanwhile, and is ready when the summary is.

The second process is a fresh `python -c` that imports this module and nothing of the
caller's: not fork (`crossgrad check` finishes its run with its supervisor threads
alive, and a forked child would inherit their locks held), and not multiprocessing's
spawn either, which imports the caller's __main__ again in the child (a script without
an `if __name__ == "__main__"` guard would run a second time). It gets this process's
sys.path, then one pickled (function, arguments), and gives back the pickled picture or
the exception the drawing raised, which is raised here where the picture is collected
(crossgrad.reporting.report.write_report), as a failure here would be. The PNG bytes are
the same either way: the same function draws them with the same matplotlib.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import traceback
from contextlib import contextmanager
from pathlib import Path

from crossgrad.core import run_folder

# Below this many bytes of records.jsonl the heatmap is drawn here: a second Python and
# its matplotlib import (~0.5 s of CPU) cost more than the picture of a small run
# (results/sample, 15 MB: a second process made its report slower).
SECOND_PROCESS_FROM = 32 * 1024 * 1024
_CHILD = ("import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
          "from crossgrad.reporting.painter import serve; serve()")


class Here:
    """Draws in this process: draw() gives the picture itself."""

    def draw(self, function, *args):
        return function(*args)


HERE = Here()


class Drawing:
    """A picture being drawn in the second process; result() waits for it."""

    def __init__(self, process: subprocess.Popen, errors):
        self.process, self.errors = process, errors

    def result(self):
        out = self.process.stdout.read()  # until the child closes it: its answer, or nothing
        self.process.wait()
        if self.process.returncode != 0 or not out:
            self.errors.seek(0)
            said = self.errors.read().decode("utf-8", "replace")[-3000:]
            raise RuntimeError(f"the heatmap's process ended with exit code {self.process.returncode}:\n{said}")
        outcome, value, said = pickle.loads(out)
        if outcome == "error":
            raise value from RuntimeError(f"in the heatmap's process:\n{said}")
        return value


class Beside:
    """Draws in a second process, started now: draw() (once) gives a Drawing of the picture."""

    def __init__(self):
        self.errors = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would stall the child
        self.process = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.errors)
        self._send([os.path.abspath(p) if p else os.getcwd() for p in sys.path])
        self.drawn = False

    def draw(self, function, *args) -> Drawing:
        self._send((function, args))
        self.process.stdin.close()
        self.drawn = True
        return Drawing(self.process, self.errors)

    def _send(self, value) -> None:
        pickle.dump(value, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.process.stdin.flush()

    def close(self) -> None:
        """Ends the second process: waited for where it drew, stopped where it did not."""
        if not self.drawn:
            self.process.kill()
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()
        self.process.wait()
        self.errors.close()


def serve() -> None:
    """The second process: import matplotlib, then draw the one picture asked for (none
    when the first process closes without asking) and pickle it, or its exception, to stdout."""
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the drawing prints goes to stderr, not into the answer
    _import_matplotlib()
    try:
        function, args = pickle.load(sys.stdin.buffer)
    except EOFError:
        return
    try:
        outcome = ("ok", function(*args), "")
    except Exception as exc:  # raised again in the first process (Drawing.result)
        outcome = ("error", exc, traceback.format_exc())
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that does not pickle: its text
        data = pickle.dumps(("error", RuntimeError(repr(outcome[1])), outcome[2]))
    answer.write(data)
    answer.close()
    # Ended now: the first process waits for this one's exit (Drawing.result), and tearing down
    # an interpreter that imported matplotlib took it ~0.07 s more; nothing is left to write.
    sys.stderr.flush()
    os._exit(0)


def _import_matplotlib() -> None:
    """What a heatmap imports, done while the first process reads the run. A failure here
    shows in the drawing's own (the same import), so it is left to that."""
    try:
        from matplotlib import figure, font_manager, textpath  # noqa: F401
        from matplotlib.backends import backend_agg  # noqa: F401
    except Exception:
        pass


@contextmanager
def painter_for(run_dir: Path, report: bool):
    """The painter of run_dir's report: beside this process for a large run's report,
    here otherwise (no report, a small run). The second process ends when the block does."""
    records = Path(run_dir) / run_folder.RECORDS
    if not (report and sys.executable and records.is_file() and records.stat().st_size >= SECOND_PROCESS_FROM):
        yield HERE
        return
    beside = Beside()
    try:
        yield beside
    finally:
        beside.close()


def collected(files: dict) -> dict:
    """files with each picture drawn beside (a Drawing) replaced by its bytes; a
    drawing's failure is raised here."""
    return {name: content.result() if isinstance(content, Drawing) else content
            for name, content in files.items()}
