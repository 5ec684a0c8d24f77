"""The committed form of a history run folder: what `load_run` and `history` read, no more.

A run folder of the grid keeps env.json, manifest.json, its logs and gradients.csv
with the columns a history compares (the key, the value as recorded, outcome,
detail, primitive); records.jsonl (the same rows again), and the verdict and truth
columns (`history` judges afresh with today's code), the bits (the value's repr
text carries them) and the inputs (the catalogue's points) are left out. 24 run
folders of the whole catalogue then take a few tens of MB, not a few hundred.
"""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from crossgrad.core.records import atomic_write_text
from crossgrad.core.rows import GRADIENT_COLUMNS
from crossgrad.core.run_folder import CASE_PAGES, GRADIENTS, RECORDS, REPORT, TIMINGS_JSONL

LEFT_OUT = ("bits", "truth", "verdict", "x", "w", "b")
SLIM_COLUMNS = tuple(c for c in GRADIENT_COLUMNS if c not in LEFT_OUT)
HEATMAP = "summary.png"  # crossgrad.reporting.report.HEATMAP, written only with a report


def slim(run_dir: Path) -> None:
    """Rewrite `run_dir` in its committed form (module doc); a folder without gradients.csv is left alone."""
    run_dir = Path(run_dir)
    if not (run_dir / GRADIENTS).is_file():
        return
    with open(run_dir / GRADIENTS, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SLIM_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(run_dir / GRADIENTS, buf.getvalue())
    for name in (RECORDS, TIMINGS_JSONL, REPORT, HEATMAP):
        (run_dir / name).unlink(missing_ok=True)
    shutil.rmtree(run_dir / CASE_PAGES, ignore_errors=True)
