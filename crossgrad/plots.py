"""Plots of a report: the summary heatmap (rows: case x dtype, columns: framework x mode)
and the timing section's three (median against N, gradient/primal ratio, compile cost).
The timing plots take data prepared by crossgrad.timing_report (series label ->
points); nothing here imports the rest of crossgrad, so imports run one way.

matplotlib is imported only when a plot is drawn, and through its object API
(Figure + the Agg canvas), never pyplot: pyplot would pick a GUI backend and
keep global state; Agg writes PNG files and needs no display.
"""
from __future__ import annotations

import os
from pathlib import Path

# Standing of a summary cell, best to worst, with its colour. The order is the
# colour scale of the heatmap; crossgrad.report computes each cell's standing.
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


def summary_heatmap(path: Path, row_labels: list[str], col_labels: list[str],
                    standings: list[list[str]], texts: list[list[str]]) -> Path:
    """Write a heatmap PNG of the summary table to `path` (atomically); returns it.

    standings[i][j] names a STANDINGS entry (its colour); texts[i][j] is printed
    in the cell, so the picture reads without the legend too.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    grid = [[STANDING_INDEX.get(s, STANDING_INDEX["none"]) for s in row] for row in standings]
    cmap = ListedColormap([colour for _, colour in STANDINGS])
    width = 2.0 + 1.35 * max(1, len(col_labels))
    height = 1.6 + 0.42 * max(1, len(row_labels))
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=len(STANDINGS) - 0.5, aspect="auto")
    _label_axes(ax, row_labels, col_labels)
    _write_cells(ax, texts, standings)
    used = sorted({s for row in standings for s in row}, key=lambda s: STANDING_INDEX.get(s, 99))
    ax.legend(handles=[Patch(facecolor=dict(STANDINGS)[s], edgecolor="#999999", label=s) for s in used if s in STANDING_INDEX],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return _save(fig, Path(path))


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


def _save(fig, path: Path) -> Path:
    """savefig to a temporary name, then rename: no reader sees half a PNG."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}.png")
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, path)
    return path


def _figure(ncols: int):
    """A Figure on the Agg canvas (no pyplot: no GUI backend, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.5 * ncols, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


def _draw_lines(ax, lines: dict[str, list[tuple[int, float]]], styles: dict[str, dict] | None = None) -> None:
    for name, points in lines.items():
        ax.plot(*zip(*points), marker="o", label=name, **(styles[name] if styles else {}))


def _styles(names: list[str]) -> dict[str, dict]:
    """One colour and line style per series, the same in every panel; past ten series
    (matplotlib's colour cycle) the line style changes, so no two series look alike."""
    return {name: {"color": f"C{i % 10}", "linestyle": ("-", "--", ":")[i // 10 % 3]}
            for i, name in enumerate(names)}


def plot_relu_times(lines: dict[str, dict[str, list]], reference: dict[str, list] | None, path: Path) -> None:
    """Median per call against N, log-log: lines[phase][series] = [(n, seconds)];
    dashed, reference[phase]: the time the byte model needs at the machine's copy bandwidth."""
    fig, axes = _figure(2)
    for ax, phase in zip(axes, ("primal", "gradient")):
        _draw_lines(ax, lines.get(phase, {}), _styles(list(lines.get(phase, {}))))
        if reference and lines.get(phase):
            ax.plot(*zip(*reference[phase]), "k--", label="bytes moved at the cpu copy bandwidth")
        ax.set(xscale="log", yscale="log", xlabel="N (elements)", ylabel="median time per call (s)",
               title=f"relu, {phase}")
        ax.grid(True, which="major", alpha=0.3)
    for ax in axes:  # each panel its own legend: gradient lines are per gradient API, primal ones not
        ax.legend(fontsize=7)
    _save(fig, path)


def plot_ratio(relu: dict[str, list[tuple[int, float]]], dense: list[tuple[str, float]], path: Path) -> None:
    """Gradient/primal ratio: relu[series] = [(n, ratio)] against N (log x); dense: one bar per series."""
    fig, (ax_relu, ax_dense) = _figure(2)
    _draw_lines(ax_relu, relu, _styles(list(relu)))
    ax_relu.set(xscale="log", yscale="log", xlabel="N (elements)", ylabel="gradient time / primal time (log)",
                title="relu: gradient / primal")
    if dense:
        ax_dense.barh(*zip(*dense))
    ax_dense.set(xlabel="gradient time / primal time", title="dense: gradient / primal")
    for ax in (ax_relu, ax_dense):
        ax.grid(True, alpha=0.3)
    if relu:
        ax_relu.legend(fontsize=7)
    _save(fig, path)


def plot_compile_cost(first_calls: dict[str, list[tuple[int, float]]],
                      break_even: dict[str, list[tuple[int, float]]], path: Path) -> None:
    """What compiling costs, against N: first_calls[series] = [(n, seconds of the first
    call)] and break_even[series] = [(n, calls after the first until that mode has
    caught up with eager)]; both log-log ("never" has no point)."""
    fig, (ax_first, ax_even) = _figure(2)
    styles = _styles(list(dict.fromkeys([*first_calls, *break_even])))
    _draw_lines(ax_first, first_calls, styles)
    ax_first.set(xscale="log", yscale="log", xlabel="N (elements)", ylabel="first call (s, log)",
                 title="gradient: first call (trace + compile + run)")
    _draw_lines(ax_even, {k: [(n, max(c, 0.5)) for n, c in v] for k, v in break_even.items() if v}, styles)
    ax_even.set(xscale="log", yscale="log", xlabel="N (elements)", ylabel="calls to break even (log; 0 at 0.5)",
                title="gradient: calls until compiling pays off")
    for ax in (ax_first, ax_even):
        ax.grid(True, which="major", alpha=0.3)
    ax_first.legend(fontsize=7)
    _save(fig, path)
