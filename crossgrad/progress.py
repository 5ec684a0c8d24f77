"""A progress bar on stderr while a run goes on (rich), silent when not a terminal."""
from __future__ import annotations

import sys


class Progress:
    def __init__(self, total: int):
        self.total = total
        self._bar = None

    def __enter__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), transient=False, console=Console(stderr=True),
                                 disable=not sys.stderr.isatty())
        self._bar.__enter__()
        self._task = self._bar.add_task("starting", total=self.total)
        return self

    def advance(self, label: str) -> None:
        self._bar.update(self._task, advance=1, description=label)

    def __exit__(self, *exc):
        self._bar.__exit__(*exc)
        return False
