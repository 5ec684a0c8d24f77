"""report.md's summary: one row per case x dtype, one column per framework x mode
(x device), each cell how that column stands over the case's points; the same grid
as a heatmap PNG (crossgrad.reporting.plots). A run without gradient rows says so."""
from __future__ import annotations

from crossgrad.core import run_folder
from crossgrad.judging.summary import summary_cells
from crossgrad.reporting import plots
from crossgrad.reporting.part import Part
from crossgrad.reporting.report_input import ReportInput
from crossgrad.reporting.report_text import col_label, table

HEATMAP = "summary.png"
NO_ROWS = "## Summary\n\nNo gradient rows were recorded."
INTRO = ("One page per case (linked) holds its findings, repro snippets and matrices. Each "
         "cell: how that framework x mode stands over the case's points and quantities. "
         "`exact`: right everywhere; otherwise the notable verdicts with counts (`NaN`/`inf` "
         "are invalid values), and `odd <cause> ×k` where it is outside the per-framework "
         "majority in k rows (cause: subgradient, value, ±0, ulp).")


def summary_grid(matrices: dict, cols: list) -> tuple[list, list, list]:
    """(row labels, standings, texts) of the summary: rows case x dtype, columns `cols`."""
    labels, standings, texts = [], [], []
    for (case, dtype), matrix in matrices.items():
        cells = summary_cells(matrix, cols)
        labels.append(f"{case} {dtype}")
        standings.append([s for s, _ in cells])
        texts.append([t for _, t in cells])
    return labels, standings, texts


def section(report: ReportInput) -> Part:
    """The summary table and its heatmap; a run of timings only has its timings instead."""
    if not report.rows:
        return Part("" if report.timings else NO_ROWS)
    cols = report.cols
    labels, standings, texts = summary_grid(report.matrices, cols)
    head = ["case", "dtype"] + [col_label(c, cols) for c in cols]
    body = [[f"[{case}]({run_folder.case_page(case)})", dtype] + row
            for (case, dtype), row in zip((k.split(" ", 1) for k in labels), texts)]
    lines = ["## Summary", "", INTRO, "", table(head, body)]
    if not labels:
        return Part("\n".join(lines))
    # PNG bytes, or their Drawing where the picture is drawn beside (crossgrad.reporting.painter)
    png = report.painter.draw(plots.summary_heatmap, labels, [col_label(c, cols) for c in cols], standings, texts)
    return Part("\n".join(lines + ["", f"![summary heatmap]({HEATMAP})"]), {HEATMAP: png})
