"""Python's cycle collector paused while a run's rows are built and read.

A run's judged rows, matrices and findings are some 10^5-10^6 containers, none in a reference
cycle. With the collector on, every few thousand new containers start a collection that walks
all of them built so far (a full check's report: ~0.45 s of CPU; its comparison with the
expectations: ~1.5 s). Used by report_input, finish_run and check_rows; a figure, which does
refer to itself, is collected where it is drawn (crossgrad.reporting.plots.freed_after).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def collector_paused():
    """The cycle collector off inside the block; back on afterwards, as it was (nested: the
    outer pause decides)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
