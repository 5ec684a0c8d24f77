"""The report's summary heatmap (rows: case x dtype, columns: framework x mode).
The timing section's plots are crossgrad.reporting.timing_plots; nothing here imports
the rest of crossgrad, so imports run one way. A plot comes back as PNG bytes: the
report's one writer (crossgrad.reporting.part) writes it.

The heatmap is drawn with Pillow (a dependency of crossgrad's, and of matplotlib's),
straight into a palette image at its final size: the grid is
one small image of colour indices scaled up, the texts are drawn by FreeType in C,
anti-aliased through a few blended palette entries. matplotlib drew the full
catalogue's grid (492 x 13 cells) in 6-9 s and ~480 MB (its import, its per-glyph
text rendering, resampling the grid to the figure's pixels, a 40 MB RGBA buffer to
encode); a palette image is one byte a pixel and encodes in a tenth of the time.
"""
from __future__ import annotations

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
LABELLED_CELL, COMPACT_CELL = (148, 54), (72, 16)  # (width, height)
ROW_FONT, CELL_FONT, LEGEND_FONT = 12, 10, 11
MAX_GRID_HEIGHT = 12000
LABEL_PITCH = 14  # the least height between two row labels
SLANT = 35  # degrees: column labels slant up to the right, so "tensorflow compiled" fits
MARGIN, GAP, LEGEND_PITCH = 10, 6, 16
WHITE, BLACK, FRAME, SWATCH_EDGE = "#ffffff", "#000000", "#282828", "#999999"
DARK = ("invalid", "error", "differs")  # standings whose colour needs white text
LEVELS = 12  # shades of a text's edge over its background (at most 18 backgrounds fit 256 colours)


def summary_heatmap(row_labels: list[str], col_labels: list[str],
                    standings: list[list[str]], texts: list[list[str]]) -> bytes:
    """A heatmap of the summary table, as PNG bytes.

    standings[i][j] names a STANDINGS entry (its colour); texts[i][j] is printed
    in the cell, so the picture reads without the legend too, when there are at
    most MAX_LABELLED_CELLS cells (more: colours only, in compact rows).
    """
    from PIL import Image, ImageDraw

    labelled = len(row_labels) * len(col_labels) <= MAX_LABELLED_CELLS
    cell_w, cell_h = LABELLED_CELL if labelled else COMPACT_CELL
    cell = (cell_w, max(1, min(cell_h, MAX_GRID_HEIGHT // max(1, len(row_labels)))))
    fonts = {size: _font(size) for size in (ROW_FONT, CELL_FONT, LEGEND_FONT)}
    used = sorted({s for row in standings for s in row if s in STANDING_INDEX}, key=STANDING_INDEX.get)
    heads = [_slanted(text, fonts[ROW_FONT]) for text in col_labels]
    left = MARGIN + math.ceil(max((fonts[ROW_FONT].getlength(t) for t in row_labels), default=0)) + GAP
    top = MARGIN + max((h.height for h, _ in heads), default=0) + GAP
    grid_w, grid_h = cell[0] * len(col_labels), cell[1] * len(row_labels)
    legend_x = left + grid_w + 2 * GAP
    heads_right = max((left + cell[0] * j + cell[0] // 2 - foot + h.width for j, (h, foot) in enumerate(heads)),
                      default=0)
    width = max(legend_x + _legend_width(used, fonts[LEGEND_FONT]), heads_right) + MARGIN
    height = top + max(grid_h, LEGEND_PITCH * len(used)) + MARGIN
    palette = Palette()
    image = Image.new("P", (width, height), palette.index(WHITE))
    image.paste(_grid(standings, cell, palette), (left, top))
    draw = ImageDraw.Draw(image)
    draw.rectangle((left - 1, top - 1, left + grid_w, top + grid_h), outline=palette.index(FRAME))
    image.paste(_row_labels(row_labels, fonts[ROW_FONT], (left - 1, grid_h), cell[1], palette), (0, top))
    image.paste(_heads(heads, (width, top - GAP), left, cell[0], palette), (0, 0))
    if labelled:
        _write_cells(image, texts, standings, fonts[CELL_FONT], (left, top), cell, palette)
    _legend(image, used, fonts[LEGEND_FONT], (legend_x, top), palette)
    image.putpalette(palette.flat())
    return _png(image)


class Palette:
    """The picture's colours: the standings' first (index = STANDING_INDEX), then on
    demand plain colours and ramps of LEVELS shades from a background to an ink, which
    draw anti-aliased text on that background in a one-byte-a-pixel image."""

    def __init__(self):
        self.colours = [_rgb(colour) for _, colour in STANDINGS]
        self.ramps: dict[tuple, list[int]] = {}

    def index(self, colour: str) -> int:
        rgb = _rgb(colour)
        if rgb not in self.colours:
            self.colours.append(rgb)
        return self.colours.index(rgb)

    def ramp(self, background: str, ink: str) -> list[int]:
        """A lookup table from a text's coverage (0-255, as drawn on an "L" image) to
        the palette index of that blend of background and ink."""
        key = (background, ink)
        if key not in self.ramps:
            base, back, front = len(self.colours), _rgb(background), _rgb(ink)
            self.colours += [tuple(round(b + (f - b) * k / (LEVELS - 1)) for b, f in zip(back, front))
                             for k in range(LEVELS)]
            self.ramps[key] = [base + round(v * (LEVELS - 1) / 255) for v in range(256)]
        return self.ramps[key]

    def flat(self) -> list[int]:
        if len(self.colours) > 256:
            raise ValueError(f"{len(self.colours)} colours: a palette image holds 256")
        return [channel for rgb in self.colours for channel in rgb]


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _font(size: int):
    """DejaVu Sans (matplotlib's own font: the report's other plots use it) at size pixels,
    laid out by the basic engine, so the pixels do not depend on whether libraqm is there."""
    import importlib.util
    from pathlib import Path

    from PIL import ImageFont

    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.is_file():
            return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)
    return ImageFont.load_default(size)


def _inked(layer, palette: Palette, background: str = WHITE, ink: str = BLACK):
    """A coverage layer ("L", text drawn at 255) as palette indices of ink on background."""
    shades = layer.point(palette.ramp(background, ink))
    shades.putpalette([0, 0, 0] * 256)  # makes it a "P" image: pasted, its indices are copied
    return shades


def _grid(standings, cell: tuple[int, int], palette: Palette):
    """The cells' colours as one image: a pixel per cell scaled up, a white line between
    cells (between rows only when they are tall enough to spare one)."""
    from PIL import Image, ImageDraw

    rows, cols = len(standings), len(standings[0]) if standings else 0
    if not rows * cols:
        return Image.new("P", (cols * cell[0], rows * cell[1]), palette.index(WHITE))
    indices = bytes(STANDING_INDEX.get(s, STANDING_INDEX["none"]) for row in standings for s in row)
    grid = Image.frombytes("P", (cols, rows), indices).resize((cols * cell[0], rows * cell[1]),
                                                              Image.Resampling.NEAREST)
    draw, white = ImageDraw.Draw(grid), palette.index(WHITE)
    # Each cell's own last pixels (2 columns, 1 row; corners inclusive) are the lines.
    for j in range(1, cols):
        draw.rectangle((cell[0] * j - 2, 0, cell[0] * j - 1, grid.height - 1), fill=white)
    for i in range(1, rows) if cell[1] >= 4 else ():
        draw.rectangle((0, cell[1] * i - 1, grid.width - 1, cell[1] * i - 1), fill=white)
    return grid


def _row_labels(labels, font, size: tuple[int, int], cell_h: int, palette: Palette):
    """The row labels, right-aligned beside their rows; rows thinner than a label: every
    step-th row is labelled (at its own row)."""
    from PIL import Image, ImageDraw

    layer = Image.new("L", size)
    draw = ImageDraw.Draw(layer)
    for i in range(0, len(labels), max(1, math.ceil(LABEL_PITCH / cell_h))):
        draw.text((size[0] - GAP, cell_h * i + cell_h / 2), labels[i], font=font, fill=255, anchor="rm")
    return _inked(layer, palette)


def _slanted(text: str, font):
    """(mask, foot): the column label as a coverage mask slanted up by SLANT degrees, and
    the x in it of the text's lower left corner (rotated about the centre, that corner
    lands on the mask's bottom edge, its height times sin(SLANT) from the left)."""
    from PIL import Image, ImageDraw

    left, _, right, _ = font.getbbox(text, anchor="ls")
    ascent, descent = font.getmetrics()
    mask = Image.new("L", (max(1, right - min(0, left)), ascent + descent))
    ImageDraw.Draw(mask).text((0, ascent), text, font=font, fill=255, anchor="ls")
    foot = round(mask.height * math.sin(math.radians(SLANT)))
    return mask.rotate(SLANT, resample=Image.Resampling.BICUBIC, expand=True), foot


def _heads(heads, size: tuple[int, int], left: int, cell_w: int, palette: Palette):
    """The slanted column labels, each one's lower left corner just above its column's centre."""
    from PIL import Image

    layer = Image.new("L", size)
    for j, (mask, foot) in enumerate(heads):
        layer.paste(255, (left + cell_w * j + cell_w // 2 - foot, size[1] - mask.height), mask)
    return _inked(layer, palette)


def _write_cells(image, texts, standings, font, origin, cell, palette: Palette) -> None:
    from PIL import Image, ImageDraw

    inner = (cell[0] - 2, cell[1] - 1)  # inside the white lines
    for i, row in enumerate(texts):
        for j, text in enumerate(row):
            # The cell text wraps at its tags, so a long one stays inside the cell.
            layer = Image.new("L", inner)
            ImageDraw.Draw(layer).multiline_text((inner[0] / 2, inner[1] / 2), text.replace(", ", "\n"),
                                                 font=font, fill=255, anchor="mm", align="center", spacing=1)
            standing = standings[i][j] if standings[i][j] in STANDING_INDEX else "none"
            ink = WHITE if standing in DARK else BLACK
            image.paste(_inked(layer, palette, dict(STANDINGS)[standing], ink),
                        (origin[0] + cell[0] * j, origin[1] + cell[1] * i))


def _legend_width(used, font) -> int:
    return 24 + math.ceil(max((font.getlength(s) for s in used), default=0))


def _legend(image, used, font, origin: tuple[int, int], palette: Palette) -> None:
    """A swatch and the name of each standing the grid shows, in STANDINGS order."""
    from PIL import Image, ImageDraw

    x, y = origin
    layer = Image.new("L", (_legend_width(used, font) - 24, LEGEND_PITCH * len(used) or 1))
    names = ImageDraw.Draw(layer)
    draw = ImageDraw.Draw(image)
    for k, name in enumerate(used):
        draw.rectangle((x, y + LEGEND_PITCH * k + 3, x + 17, y + LEGEND_PITCH * k + 12),
                       fill=STANDING_INDEX[name], outline=palette.index(SWATCH_EDGE))
        names.text((0, LEGEND_PITCH * k + 8), name, font=font, fill=255, anchor="lm")
    image.paste(_inked(layer, palette), (x + 24, y))


def _png(image) -> bytes:
    """The image as PNG bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="png")
    return buffer.getvalue()
