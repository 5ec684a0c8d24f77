"""The summary heatmap (crossgrad.reporting.plots): each cell in its standing's colour, the
cell texts in their ink where they fit, a bounded picture where the rows are many."""
import io

from PIL import Image

from crossgrad.reporting import plots

NAMES = [name for name, _ in plots.STANDINGS]


def picture(rows: int, cols: int, standing=lambda i, j: NAMES[(i + j) % len(NAMES)], text="a, b"):
    standings = [[standing(i, j) for j in range(cols)] for i in range(rows)]
    png = plots.summary_heatmap([f"case{i} float32" for i in range(rows)], [f"fw{j} eager" for j in range(cols)],
                                standings, [[text] * cols for _ in range(rows)])
    return Image.open(io.BytesIO(png)).convert("RGB"), standings


def grid_origin(image) -> tuple[int, int]:
    """The grid's top left pixel: just inside the frame (the only pixels of the frame's colour
    that form the longest dark run across the top)."""
    frame = plots._rgb(plots.FRAME)
    width, height = image.size
    pixels = image.load()
    for y in range(height):
        run = [x for x in range(width) if pixels[x, y] == frame]
        if len(run) > width // 3:
            return run[0] + 1, y + 1
    raise AssertionError("no frame found")


def test_compact_cells_have_their_standings_colour_and_no_text():
    cols = 3
    rows = plots.MAX_LABELLED_CELLS // cols + 1  # one row past the labelled size
    image, standings = picture(rows, cols)
    (x0, y0), (cell_w, cell_h) = grid_origin(image), plots.COMPACT_CELL
    pixels = image.load()
    for i in range(rows):
        for j in range(cols):
            colour = plots._rgb(dict(plots.STANDINGS)[standings[i][j]])
            inside = {pixels[x0 + cell_w * j + dx, y0 + cell_h * i + dy]
                      for dx in range(cell_w - 2) for dy in range(cell_h - 1)}
            assert inside == {colour}, (i, j, standings[i][j])


def test_labelled_cells_carry_their_text_in_a_readable_ink():
    image, standings = picture(2, 2, standing=lambda i, j: ("exact", "differs")[j], text="odd ±0 ×2, NaN ×1")
    (x0, y0), (cell_w, cell_h) = grid_origin(image), plots.LABELLED_CELL
    pixels = image.load()
    for j, ink in ((0, (0, 0, 0)), (1, (255, 255, 255))):
        inside = {pixels[x0 + cell_w * j + dx, y0 + dy] for dx in range(cell_w - 2) for dy in range(cell_h - 1)}
        background = plots._rgb(dict(plots.STANDINGS)[standings[0][j]])
        assert background in inside and ink in inside  # the text's strokes are the ink itself
        assert len(inside) <= plots.LEVELS  # only the blends of that ink over that background


def test_a_catalogue_of_thousands_of_rows_stays_a_bounded_picture():
    rows = 3 * plots.MAX_GRID_HEIGHT // plots.COMPACT_CELL[1]
    image, _ = picture(rows, 2, standing=lambda i, j: "exact")
    assert image.height <= plots.MAX_GRID_HEIGHT + 200
    assert image.width < 1000


def test_the_same_grid_gives_the_same_bytes():
    """report-identity compares the PNG of two reports byte for byte."""
    args = (["relu float32", "relu float64"], ["torch eager", "jax eager"], [["exact", "differs"]] * 2,
            [["exact", "odd value ×2"]] * 2)
    assert plots.summary_heatmap(*args) == plots.summary_heatmap(*args)
