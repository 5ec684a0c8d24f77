"""`crossgrad history`'s output: history.md, history.csv, findings.csv, history.png.

history.md: the releases (each with its run folder and status: a release whose
adapter did not start is said so, never shown as changed values), the findings
worst first, the changed quantities (one column per release, values as recorded,
repr text), and the picture. history.csv: every changed quantity with each
release's value, outcome, verdict and detail. Values are never formatted here.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np

from crossgrad.core.records import atomic_write_text
from crossgrad.history.findings import findings, quantity_label
from crossgrad.history.load import MEASURED
from crossgrad.history.table import History, shown
from crossgrad.reporting.report_text import inline, table

SHOWN_LINES = 300  # the markdown's table; history.csv has every line
HISTORY_MD, HISTORY_CSV, FINDINGS_CSV, PICTURE = "history.md", "history.csv", "findings.csv", "history.png"


def write(out: Path, history: History) -> Path:
    found = findings(history)
    _csv(out / HISTORY_CSV, history.changes)
    rows = [asdict(f) | {"finding": f.sentence()} for f in found]
    _csv_rows(out / FINDINGS_CSV, rows, list(rows[0]) if rows else ["finding"])
    drew = _picture(out / PICTURE, history)
    atomic_write_text(out / HISTORY_MD, markdown(history, found, drew))
    return out / HISTORY_MD


def markdown(history: History, found: list, drew: bool) -> str:
    fw = history.framework
    out = [f"# crossgrad history: {fw}", "", "Releases, oldest first; each step compares a release with the "
           "measured one before it (`crossgrad compare`'s key and categories).", ""]
    out += [table(["release", "status", "run folder", "values"],
                  [[r.version, r.status if r.status == MEASURED else f"**{r.status.upper()}**: {inline(r.detail)}",
                    f"`{r.path.name}`", len(r.rows)] for r in history.releases]), ""]
    changed = len(history.changes)
    out += [f"{changed} quantit{'y' if changed == 1 else 'ies'} changed between releases.", ""]
    if found:
        out += ["## Findings (worst first)", ""] + [f"- {f.sentence()}" for f in found] + [""]
    if len(history.unavailable):
        out += ["## Spellings a release lacks (not compared across those releases)", "",
                "Quantities recorded `unavailable`: the release has neither the adapter's spelling of the op "
                "nor an older one it declares.", "",
                table(["case"] + list(history.unavailable.columns),
                      [[case] + list(map(int, counts)) for case, counts in history.unavailable.iterrows()]), ""]
    if drew:
        out += ["## Changes per release step", "", f"![changed quantities per case and release step]({PICTURE})", ""]
    if changed:
        out += ["## Changed quantities", "", _lines_table(history), ""]
    return "\n".join(out)


def _lines_table(history: History) -> str:
    versions = [r.version for r in history.measured]
    head = ["case", "quantity"] + versions + ["verdicts", "first changed", "category"]
    body = []
    for line in history.changes.head(SHOWN_LINES).to_dict("records"):
        verdicts = " / ".join(line.get(f"verdict {v}", "") or "-" for v in versions)
        body.append([line["case"], quantity_label(line)] + [f"`{shown(line, v)}`" for v in versions]
                    + [verdicts, line["first_changed"], line["category"]])
    more = len(history.changes) - SHOWN_LINES
    return table(head, body) + (f"\n\n{more} more lines in {HISTORY_CSV}." if more > 0 else "")


def _csv(path: Path, frame) -> None:
    _csv_rows(path, frame.to_dict("records"), list(frame.columns))


def _csv_rows(path: Path, rows: list[dict], columns: list) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buf.getvalue())


def _picture(path: Path, history: History) -> bool:
    """A heat map: how many quantities of each case changed at each release step."""
    if history.steps.empty:
        return False
    counts = history.steps.groupby(["case", "step"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=history.step_labels, fill_value=0)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.0 + 1.3 * len(counts.columns), 2.2 + 0.3 * len(counts)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    image = ax.imshow(counts.values, aspect="auto", cmap="Reds")
    ax.set_xticks(range(len(counts.columns)), counts.columns, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(counts)), counts.index, fontsize=8)
    for (i, j), n in np.ndenumerate(counts.values):
        if n:
            dark = n > counts.values.max() / 2  # white on the darkest cells, to stay legible
            ax.text(j, i, str(n), ha="center", va="center", fontsize=7, color="white" if dark else "black")
    ax.set_title(f"{history.framework}: quantities changed at each release step")
    fig.colorbar(image, ax=ax, label="changed quantities")
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}.png")
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, path)
    return True
