"""The timing section's three plots (median against N, gradient/primal ratio, compile
cost). They take data prepared by crossgrad.reporting.timing_report (series label ->
points) and return the PNG's bytes (the report's writer writes them); nothing here
imports the rest of crossgrad, so imports run one way.

matplotlib is imported only when a plot is drawn, and through its object API
(Figure + the Agg canvas), never pyplot: pyplot would pick a GUI backend and
keep global state; Agg draws PNG files and needs no display.
"""
from __future__ import annotations

import io


def _png(fig) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


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


def plot_relu_times(lines: dict[str, dict[str, list]], reference: dict[str, list] | None) -> bytes:
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
    return _png(fig)


def plot_ratio(relu: dict[str, list[tuple[int, float]]], dense: list[tuple[str, float]]) -> bytes:
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
    return _png(fig)


def plot_compile_cost(first_calls: dict[str, list[tuple[int, float]]],
                      break_even: dict[str, list[tuple[int, float]]]) -> bytes:
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
    return _png(fig)
