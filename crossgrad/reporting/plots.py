"""The report's summary heatmap (rows: case x dtype, columns: framework x mode).
The timing section's plots are crossgrad.reporting.timing_plots; nothing here imports
the rest of crossgrad, so imports run one way. A plot comes back as PNG bytes: the
report's one writer (crossgrad.reporting.part) writes it.

matplotlib is imported only when a plot is drawn, and through its object API
(Figure + the Agg canvas), never pyplot: pyplot would pick a GUI backend and
keep global state; Agg draws PNG files and needs no display.

The layout is computed here in whole pixels, not by constrained layout: the full
catalogue (492 x 13 cells) took matplotlib 6-11 s and ~480 MB when it laid out 500+
tick labels twice, resampled the grid's values as floats to 2150 x 9917 px and
encoded that buffer. Now the cells are one quad each (pcolormesh, filled by Agg in C,
no image resampled) in an axes placed on whole pixels, the row labels are glyph
outlines built once a distinct word (matplotlib 3.11 draws a text one Python call a
glyph), and the picture is at most about MAX_GRID_HEIGHT tall however many rows the
catalogue has.
"""
from __future__ import annotations

import gc
import io
import math

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
# the full catalogue has 6,400-9,500 cells, far too many texts to read in one picture.
# The markdown summary table beside the picture holds every text.
MAX_LABELLED_CELLS = 2000
# Sizes in pixels. A labelled cell holds up to 4 lines of CELL_FONT; a compact row
# one row label. The grid is at most MAX_GRID_HEIGHT tall, so a catalogue with
# thousands of rows stays a picture a viewer opens: past it rows get thinner and
# only every k-th row is labelled, so that labels never overlap.
LABELLED_CELL, COMPACT_CELL = (148, 54), (52, 14)  # (width, height)
ROW_FONT, CELL_FONT, LEGEND_FONT = 11, 10, 11
MAX_GRID_HEIGHT = 6000
LABEL_PITCH = 12  # the least height between two row labels
SLANT = 35  # degrees: column labels slant up to the right, so "tensorflow compiled" fit
MARGIN, GAP = 10, 6
# 64 dots an inch: a power of two, so figsize = pixels / DPI converts back to the same
# whole pixels (Agg truncates the figure's size to whole pixels).
DPI = 64
WHITE, BLACK, FRAME, SWATCH_EDGE = "#ffffff", "#000000", "#282828", "#999999"
DARK = ("invalid", "error", "differs")  # standings whose colour needs white text


def summary_heatmap(row_labels: list[str], col_labels: list[str],
                    standings: list[list[str]], texts: list[list[str]]) -> bytes:
    """A heatmap of the summary table, as PNG bytes.

    standings[i][j] names a STANDINGS entry (its colour); texts[i][j] is printed
    in the cell, so the picture reads without the legend too, when there are at
    most MAX_LABELLED_CELLS cells (more: colours only, in compact rows).
    """
    return freed_after(lambda: _heatmap(row_labels, col_labels, standings, texts))


def freed_after(draw):
    """draw(), its figure freed when it returns. A figure refers to itself (figure, canvas,
    artists) and its artists keep the renderer's pixels (28 MB for a full catalogue), so
    only a full garbage collection frees it, at some later point (it raised a report's
    peak by 14 MB, in the case pages; the timing plots' figures likewise). A full collection of a report's million objects
    costs more than the figure's own: the objects made before are frozen meanwhile (left
    out of the collection), and only when no one else froze some."""
    if gc.get_freeze_count():
        return draw()
    gc.freeze()
    try:
        return draw()
    finally:
        gc.collect()
        gc.unfreeze()


def _heatmap(row_labels, col_labels, standings, texts) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labelled = len(row_labels) * len(col_labels) <= MAX_LABELLED_CELLS
    cell_w, cell_h = LABELLED_CELL if labelled else COMPACT_CELL
    cell = (cell_w, max(1, min(cell_h, MAX_GRID_HEIGHT // max(1, len(row_labels)))))
    used = sorted({s for row in standings for s in row if s in STANDING_INDEX}, key=STANDING_INDEX.get)
    outlines = Outlines(ROW_FONT)
    layout = Layout(row_labels, col_labels, used, cell, outlines)
    fig = Figure(figsize=(layout.width / DPI, layout.height / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = _grid(fig, layout, standings)
    _row_labels(fig, layout, row_labels, outlines)
    _heads(fig, layout, col_labels)
    if labelled:
        _write_cells(ax, texts, standings)
    _legend(fig, layout, used)
    return _png(fig)


def _points(pixels: float) -> float:
    """A size in pixels as points (what matplotlib's font sizes and line widths take)."""
    return pixels * 72 / DPI


class Layout:
    """Where everything goes, in whole pixels from the top left: the grid at (left, top),
    the labels' room measured from their texts (FreeType's metrics, as Agg draws them)."""

    def __init__(self, row_labels, col_labels, used, cell: tuple[int, int], outlines: Outlines):
        self.cell, self.rows, self.cols = cell, len(row_labels), len(col_labels)
        widths = [outlines.width(label) for label in row_labels]
        self.left = MARGIN + math.ceil(max(widths, default=0)) + GAP
        sin, cos = math.sin(math.radians(SLANT)), math.cos(math.radians(SLANT))
        heads = _text_widths(col_labels, ROW_FONT)
        self.top = MARGIN + math.ceil(max((w * sin + ROW_FONT * cos for w in heads), default=0)) + GAP
        grid_w, grid_h = cell[0] * self.cols, cell[1] * self.rows
        self.legend_x = self.left + grid_w + 2 * GAP
        legend_w = 3 * LEGEND_FONT + math.ceil(max(_text_widths(used, LEGEND_FONT), default=0))
        heads_right = max((self.left + cell[0] * j + cell[0] // 2 + w * cos for j, w in enumerate(heads)), default=0)
        self.width = math.ceil(max(self.legend_x + legend_w, heads_right)) + MARGIN
        self.height = self.top + max(grid_h, math.ceil(1.8 * LEGEND_FONT) * len(used)) + MARGIN

    def from_bottom(self, y: float) -> float:
        """A y counted from the top as matplotlib's display y (counted from the bottom)."""
        return self.height - y


def _text_widths(texts, size_px: int) -> list[float]:
    """Each text's width in pixels in matplotlib's font at size_px, as Agg lays it out."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    renderer, font = RendererAgg(1, 1, DPI), FontProperties(size=_points(size_px))
    return [renderer.get_text_width_height_descent(text, font, ismath=False)[0] for text in texts]


def _grid(fig, layout: Layout, standings):
    """The cells' colours: one quad a cell (pcolormesh: Agg fills them in C, no image is
    resampled), in an axes on whole pixels, white lines between cells (between rows only
    when they are tall enough to spare one)."""
    import numpy as np
    from matplotlib.colors import BoundaryNorm, ListedColormap

    (cell_w, cell_h), rows, cols = layout.cell, layout.rows, layout.cols
    width, height = layout.width, layout.height
    ax = fig.add_axes((layout.left / width, (height - layout.top - cell_h * rows) / height,
                       cell_w * cols / width, cell_h * rows / height))
    ax.set_axis_off()
    ax.set_xlim(0, max(1, cols))
    ax.set_ylim(max(1, rows), 0)
    ax.add_patch(_frame(ax))
    if not rows * cols:
        return ax
    indices = np.array([[STANDING_INDEX.get(s, STANDING_INDEX["none"]) for s in row] for row in standings])
    cmap = ListedColormap([colour for _, colour in STANDINGS])
    ax.pcolormesh(indices, cmap=cmap, norm=BoundaryNorm(np.arange(len(STANDINGS) + 1) - 0.5, len(STANDINGS)),
                  antialiased=False, snap=True)
    ax.vlines(np.arange(1, cols), 0, rows, colors=WHITE, linewidths=_points(2), antialiased=False)
    if cell_h >= 4:
        ax.hlines(np.arange(1, rows), 0, cols, colors=WHITE, linewidths=_points(1), antialiased=False)
    return ax


def _frame(ax):
    from matplotlib.patches import Rectangle

    return Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, edgecolor=FRAME,
                     linewidth=_points(1), antialiased=False, clip_on=False, zorder=3)


def _row_labels(fig, layout: Layout, labels, outlines: Outlines) -> None:
    """The row labels, right-aligned beside their rows; rows thinner than a label: every
    step-th row is labelled (at its own row).

    They are drawn as one collection of glyph outlines (matplotlib's TextPath, a path a
    word: one compound path of them all took ~15 MB more in Agg), each distinct word's
    outline made once: a catalogue's labels repeat their cases and dtypes, and
    drawing 500 labels as texts (one Python call a glyph in matplotlib 3.11) took 1.6 s."""
    from matplotlib.collections import PathCollection
    from matplotlib.transforms import IdentityTransform

    cell_h = layout.cell[1]
    pieces = []
    for i in range(0, len(labels), max(1, math.ceil(LABEL_PITCH / cell_h))):
        baseline = layout.from_bottom(layout.top + cell_h * i + cell_h / 2) - outlines.cap / 2
        pieces += outlines.right_aligned(labels[i], layout.left - GAP, baseline)
    if pieces:
        fig.add_artist(PathCollection(pieces, facecolors=BLACK, edgecolors="none", transform=IdentityTransform()))


class Outlines:
    """Glyph outlines of texts at size_px (matplotlib's TextPath), one path a distinct word."""

    def __init__(self, size_px: int):
        from matplotlib.font_manager import FontProperties

        self.size, self.font, self.words = size_px, FontProperties(size=size_px), {}
        self.space = self._word("x x")[1] - 2 * self._word("x")[1]
        self.cap = self._word("H")[0].get_extents().y1  # the height a label is centred by

    def _word(self, word: str):
        """(outline at the origin, advance in pixels) of word."""
        if word not in self.words:
            from matplotlib.textpath import TextPath, text_to_path

            width, _, _ = text_to_path.get_text_width_height_descent(word, self.font, ismath=False)
            self.words[word] = (TextPath((0, 0), word, size=self.size, prop=self.font), width)
        return self.words[word]

    def width(self, text: str) -> float:
        """text's advance in pixels (its words' and the spaces between them)."""
        words = text.split(" ")
        return sum(self._word(word)[1] for word in words) + self.space * (len(words) - 1)

    def right_aligned(self, text: str, right: float, baseline: float) -> list:
        """text's word outlines placed so that text ends at x = right on the baseline."""
        from matplotlib.path import Path

        placed, x = [], right
        for word in reversed(text.split(" ")):
            path, advance = self._word(word)
            x -= advance
            placed.append(Path(path.vertices + (x, baseline), path.codes))
            x -= self.space
        return placed


def _heads(fig, layout: Layout, labels) -> None:
    """The column labels slanted up to the right, each starting just above its column's centre."""
    from matplotlib.transforms import IdentityTransform

    cell_w = layout.cell[0]
    for j, label in enumerate(labels):
        fig.text(layout.left + cell_w * j + cell_w / 2, layout.from_bottom(layout.top - GAP), label,
                 transform=IdentityTransform(), rotation=SLANT, rotation_mode="anchor", ha="left", va="baseline",
                 fontsize=_points(ROW_FONT))


def _write_cells(ax, texts, standings) -> None:
    for i, row in enumerate(texts):
        for j, text in enumerate(row):
            # The cell text wraps at its tags, so a long one stays inside the cell.
            ink = WHITE if standings[i][j] in DARK else BLACK
            ax.text(j + 0.5, i + 0.5, text.replace(", ", "\n"), ha="center", va="center", fontsize=_points(CELL_FONT),
                    color=ink, linespacing=1.1)


def _legend(fig, layout: Layout, used) -> None:
    """A swatch and the name of each standing the grid shows, in STANDINGS order."""
    from matplotlib.patches import Patch
    from matplotlib.transforms import IdentityTransform

    if not used:
        return
    fig.legend(handles=[Patch(facecolor=dict(STANDINGS)[s], edgecolor=SWATCH_EDGE, label=s) for s in used],
               loc="upper left", bbox_to_anchor=(layout.legend_x, layout.from_bottom(layout.top)),
               bbox_transform=IdentityTransform(), fontsize=_points(LEGEND_FONT), frameon=False, borderaxespad=0, borderpad=0)


def _png(fig) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 3})
    return buffer.getvalue()
