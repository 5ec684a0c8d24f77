"""The summary heatmap (crossgrad.reporting.plots): each cell in its standing's colour, the
cell texts in their ink where they fit, a bounded picture where the rows are many."""
import io

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.image import imread

from crossgrad.reporting import plots

NAMES = [name for name, _ in plots.STANDINGS]
INSET = 2  # pixels left out at a cell's edges: the white lines and the frame lie there


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(round(255 * c) for c in to_rgb(colour))


def picture(rows: int, cols: int, standing=lambda i, j: NAMES[(i + j) % len(NAMES)], text="a, b"):
    """(RGB pixels as an (height, width, 3) uint8 array, the standings drawn)."""
    standings = [[standing(i, j) for j in range(cols)] for i in range(rows)]
    png = plots.summary_heatmap([f"case{i} float32" for i in range(rows)], [f"fw{j} eager" for j in range(cols)],
                                standings, [[text] * cols for _ in range(rows)])
    return (imread(io.BytesIO(png), format="png")[..., :3] * 255).round().astype(np.uint8), standings


def grid_origin(pixels) -> tuple[int, int]:
    """The grid's top left pixel: just inside the frame (the first row of the picture where
    more than a third of the pixels have the frame's colour, the first of them)."""
    frame = np.all(pixels == rgb(plots.FRAME), axis=2)
    for y, row in enumerate(frame):
        if row.sum() > pixels.shape[1] // 3:
            return int(np.argmax(row)) + 1, y + 1
    raise AssertionError("no frame found")


def cell_pixels(pixels, origin, cell, i, j):
    """Cell (i, j)'s pixels inside its edges, as a set of RGB triples."""
    (x0, y0), (cell_w, cell_h) = origin, cell
    block = pixels[y0 + cell_h * i + INSET:y0 + cell_h * (i + 1) - INSET,
                   x0 + cell_w * j + INSET:x0 + cell_w * (j + 1) - INSET]
    return {tuple(int(c) for c in p) for p in block.reshape(-1, 3)}


def test_compact_cells_have_their_standings_colour_and_no_text():
    cols = 3
    rows = plots.MAX_LABELLED_CELLS // cols + 1  # one row past the labelled size
    pixels, standings = picture(rows, cols)
    cell = (plots.COMPACT_CELL[0], min(plots.COMPACT_CELL[1], plots.MAX_GRID_HEIGHT // rows))
    origin = grid_origin(pixels)
    for i in range(rows):
        for j in range(cols):
            colour = rgb(dict(plots.STANDINGS)[standings[i][j]])
            assert cell_pixels(pixels, origin, cell, i, j) == {colour}, (i, j, standings[i][j])


def test_labelled_cells_carry_their_text_in_a_readable_ink():
    pixels, standings = picture(2, 2, standing=lambda i, j: ("exact", "differs")[j], text="odd ±0 ×2, NaN ×1")
    origin, cell = grid_origin(pixels), plots.LABELLED_CELL
    for j, ink in ((0, (0, 0, 0)), (1, (255, 255, 255))):
        inside = np.array(sorted(cell_pixels(pixels, origin, cell, 0, j)), dtype=float)
        background = np.array(rgb(dict(plots.STANDINGS)[standings[0][j]]), dtype=float)
        # Every pixel is a blend of that ink over that background (anti-aliased strokes) ...
        share = (inside - background) @ (np.array(ink) - background) / np.sum((np.array(ink) - background) ** 2)
        blend = background + np.clip(share, 0, 1)[:, None] * (np.array(ink) - background)
        assert np.abs(inside - blend).max() <= 3, j
        # ... the background is there, and the strokes reach the ink itself.
        assert share.min() == 0 and share.max() > 0.95, j


def test_a_catalogue_of_thousands_of_rows_stays_a_bounded_picture():
    rows = 3 * plots.MAX_GRID_HEIGHT // plots.COMPACT_CELL[1]
    pixels, _ = picture(rows, 2, standing=lambda i, j: "exact")
    assert pixels.shape[0] <= plots.MAX_GRID_HEIGHT + 200
    assert pixels.shape[1] < 1000


def test_the_same_grid_gives_the_same_bytes():
    """report-identity compares the PNG of two reports byte for byte."""
    args = (["relu float32", "relu float64"], ["torch eager", "jax eager"], [["exact", "differs"]] * 2,
            [["exact", "odd value ×2"]] * 2)
    assert plots.summary_heatmap(*args) == plots.summary_heatmap(*args)


def test_thin_rows_get_every_kth_label_and_labels_never_touch():
    rows = plots.MAX_LABELLED_CELLS // 2 + 1  # 2 columns: compact, rows thinner than a label
    pixels, _ = picture(rows, 2, standing=lambda i, j: "exact")
    cell_h = plots.MAX_GRID_HEIGHT // rows
    step = -(-plots.LABEL_PITCH // cell_h)
    assert step > 1  # the case under test: not every row can hold a label
    (x0, y0) = grid_origin(pixels)
    strip = pixels[y0:y0 + cell_h * rows, :x0 - 2]  # the row labels, beside the grid
    inked = np.any(strip.min(axis=2) < 128, axis=1)  # pixel rows holding a dark stroke
    runs = int(inked[0]) + int(np.sum(inked[1:] & ~inked[:-1]))  # separate bands of ink
    assert runs == len(range(0, rows, step))  # one band a labelled row: none merge, none missing
