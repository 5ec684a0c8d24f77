"""The report's summary heatmap (rows: case x dtype, columns: framework x mode).
The timing section's plots are crossgrad.reporting.timing_plots; nothing here imports
the rest of crossgrad, so imports run one way. A plot comes back as PNG bytes: the
report's one writer (crossgrad.reporting.part) writes it.

matplotlib is imported only when a plot is drawn, and through its object API
(Figure + the Agg canvas), never pyplot: pyplot would pick a GUI backend and
keep global state; Agg draws PNG files and needs no display.
"""
from __future__ import annotations

import io

# Standing of a summary cell, best to worst, with its colour. The order is the
# colour scale of the heatmap; crossgrad.reporting.report computes each cell's standing.
STANDINGS = (
    ("exact", "#1a9850"),          # bit-equal to the truth (a zero of either sign)
    ("close", "#91cf60"),          # within the relative tolerance of the truth
    ("agree", "#d9ef8b"),          # no truth stated; bit-equal to the other columns
    ("subgradient", "#fee08b"),    # a valid element of the set, at a kink
    ("undefined", "#abd9e9"),      # no valid value exists: a convention
    ("precision", "#c7e9c0"),      # odd one out by its last bits only
    ("imprecise", "#e6f598"),      # beyond close, within the absolute floor
    ("unavailable", "#f0f0f0"),    # no such device or framework here
    ("unsupported", "#bdbdbd"),    # the framework lacks the op or dtype
    ("no_gradient", "#d9d9d9"),    # the framework returned None (its convention)
    ("convention", "#fdae61"),     # odd one out by the sign of a zero only
    ("flushed", "#74add1"),        # exact for the input with subnormals read as 0
    ("definitional", "#9e9ac8"),   # matches a documented alternative form of the op
    ("differs", "#9e4a9c"),        # odd one out by another valid value
    ("invalid", "#d73027"),        # NaN, inf, or a value no convention explains
    ("error", "#525252"),          # the framework raised, crashed or timed out
    ("none", "#ffffff"),           # nothing measured
)
STANDING_INDEX = {name: i for i, (name, _) in enumerate(STANDINGS)}

# Above this many cells the cell texts are left out (the colours and the legend stay):
# the full catalogue has ~9,500 cells, far too many texts to read, and drawing them took
# 20 s. The markdown summary table beside the picture holds every text.
MAX_LABELLED_CELLS = 2000
ROW_INCHES, COMPACT_ROW_INCHES = 0.42, 0.18  # a row with its text; a row of colour only


def summary_heatmap(row_labels: list[str], col_labels: list[str],
                    standings: list[list[str]], texts: list[list[str]]) -> bytes:
    """A heatmap of the summary table, as PNG bytes.

    standings[i][j] names a STANDINGS entry (its colour); texts[i][j] is printed
    in the cell, so the picture reads without the legend too, when there are at
    most MAX_LABELLED_CELLS cells (more: colours only, in compact rows).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    grid = [[STANDING_INDEX.get(s, STANDING_INDEX["none"]) for s in row] for row in standings]
    cmap = ListedColormap([colour for _, colour in STANDINGS])
    labelled = len(row_labels) * len(col_labels) <= MAX_LABELLED_CELLS
    width = 2.0 + 1.35 * max(1, len(col_labels))
    height = 1.6 + (ROW_INCHES if labelled else COMPACT_ROW_INCHES) * max(1, len(row_labels))
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=len(STANDINGS) - 0.5, aspect="auto")
    _label_axes(ax, row_labels, col_labels)
    if labelled:
        _write_cells(ax, texts, standings)
    used = sorted({s for row in standings for s in row}, key=lambda s: STANDING_INDEX.get(s, 99))
    ax.legend(handles=[Patch(facecolor=dict(STANDINGS)[s], edgecolor="#999999", label=s) for s in used if s in STANDING_INDEX],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return _png(fig)


def _label_axes(ax, row_labels, col_labels) -> None:
    # Column labels on top, slanted to the right, so long "tensorflow compiled" fit.
    ax.set_xticks(range(len(col_labels)), col_labels, rotation=35, ha="left", fontsize=8)
    ax.set_yticks(range(len(row_labels)), row_labels, fontsize=8)
    ax.tick_params(which="both", length=0)
    ax.xaxis.tick_top()
    ax.set_xticks([x - 0.5 for x in range(1, len(col_labels))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(row_labels))], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)


DARK = ("invalid", "error", "differs")  # standings whose colour needs white text


def _write_cells(ax, texts, standings) -> None:
    for i, row in enumerate(texts):
        for j, text in enumerate(row):
            # The cell text wraps at its tags, so a long one stays inside the cell.
            colour = "white" if standings[i][j] in DARK else "black"
            ax.text(j, i, text.replace(", ", "\n"), ha="center", va="center", fontsize=6,
                    color=colour)


def _png(fig) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()
