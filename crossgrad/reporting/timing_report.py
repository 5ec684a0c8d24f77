"""The report's timing section: the answers (crossgrad.reporting.timing_summary), then the
detail tables and three plots, from timing rows (crossgrad.timing.derived fills their
derived figures). A pure function: the plots come back as PNG bytes in the Part.
"""
from __future__ import annotations

import math

from crossgrad.reporting.part import Part
from crossgrad.reporting.plots import freed_after
from crossgrad.reporting.report_input import ReportInput
from crossgrad.reporting.report_text import escaped, table
from crossgrad.reporting.timing_plots import plot_compile_cost, plot_ratio, plot_relu_times
from crossgrad.reporting.timing_summary import summary_markdown
from crossgrad.timing.derived import copy_bandwidth, with_derived
from crossgrad.timing.rows import api_suffix, human_time, n_label, num, ok, series
from crossgrad.timing.workloads import PHASES, bytes_moved

NOISY_MARK = "⚠"
PLOTS = {"relu": ("relu: median time per call against N", "timing_relu.png"),
         "ratio": ("gradient / primal time ratio", "timing_ratio.png"),
         "compile": ("relu gradient: first call and break-even calls against N", "timing_compile.png")}


def _rate(value: float | None, unit: str) -> str:
    return "" if value is None else f"{value / 1e9:.3g} G{unit}"


def _noisy(row: dict) -> bool:
    return str(row.get("noisy")) == "True"


def section(report: ReportInput) -> Part:
    """The Timings section of report.md, with its plots (nothing when no timings ran)."""
    if not report.timings:
        return Part()
    part = timing_part(report.timings)
    return Part(part.markdown.strip(), part.files)


def timing_part(rows: list[dict], plots: bool = True) -> Part:
    """The markdown timing section and its PNG plots (linked relatively).
    It opens with the answers (who is fastest, what compiling costs), then the detail."""
    rows = with_derived(rows)
    if not rows:
        return Part("## Timings\n\nNo timings were run.\n")
    pictures, files = _plots(rows) if plots else ({}, {})
    parts = ["## Timings\n", summary_markdown(rows, pictures.pop("compile", "")), "### Detail\n",
             _preamble(rows), _ratio_pivot(rows), "".join(pictures.values())]
    for workload, n in dict.fromkeys((r["workload"], str(r["n"])) for r in rows if r["workload"] != "copy"):
        group = [r for r in rows if r["workload"] == workload and str(r["n"]) == n]
        parts.append(_table(workload, group, _shared_detail(rows)))
    return Part("\n".join(p for p in parts if p), files)


def _shared_detail(rows: list[dict]) -> str:
    """A detail every measured row carries (e.g. pytest-benchmark's "no first call"): said once."""
    details = {str(r.get("detail") or "") for r in rows if ok(r) and r["workload"] != "copy"}
    return details.pop() if len(details) == 1 else ""


def _preamble(rows: list[dict]) -> str:
    bandwidth, count = copy_bandwidth(rows)
    threads = sorted({f"{r['framework']}: {escaped(r.get('threads') or '?')}" for r in rows if r["workload"] != "copy"})
    lines = [
        "Median per call over blocks of back-to-back calls, each ending with the framework's sync; "
        "IQR and min over the same blocks; `first call` (trace/compile) timed apart. The gradient "
        "phase (d/dw, d/db via vjp, cotangent 1) includes its forward pass. × fastest: against the "
        "fastest row of the same phase in the table. Useful GB/s: bytes relu must move (16 N primal, "
        "20 N gradient, float32) / median. Break-even: calls after the first until that mode's "
        "first call + n × median is at most eager's. "
        "Cores busy: process CPU time / wall time while sampling (1.00: one thread). "
        f"{NOISY_MARK}: IQR/median > 10%, a noisy measurement. "
        "Quote ratios measured in one run, not absolute times.",
        "",
        *([f"Every row: {escaped(_shared_detail(rows))}.", ""] if _shared_detail(rows) else []),
        f"Threads: {'; '.join(threads) or 'not recorded'}.",
    ]
    if bandwidth is not None:
        lines.append(f"Machine copy bandwidth (numpy copy, read + write, same harness; median of {count}): "
                     f"{_rate(bandwidth, 'B/s')}: the reference for relu's useful GB/s.")
    for device in sorted({r["device"] for r in rows if r["workload"] == "copy"} - {"cpu"}):
        gpu, count = copy_bandwidth(rows, device)
        if gpu is not None:
            lines.append(f"{device} copy bandwidth (device to device, the framework's own copy, read + write, "
                         f"same harness; median of {count}): {_rate(gpu, 'B/s')}: the reference on {device}.")
    return "\n".join(lines) + "\n"


def _ratio_pivot(rows: list[dict]) -> str:
    """Gradient/primal ratio: one line per framework x mode x device, one column per workload x n."""
    grads = [r for r in rows if r["gradient_primal_ratio"]]
    if not grads:
        return ""
    cols = list(dict.fromkeys((r["workload"], str(r["n"])) for r in grads))
    lines = ["### Gradient / primal time ratio\n",
             "The gradient's median per call over the primal's, same framework, mode, device and size "
             "(the gradient phase includes its forward pass; measured in this run).\n",
             table(["framework mode (device)"] + [f"{w} {n_label(n, w)}" for w, n in cols],
                   [_ratio_line(name, grads, cols) for name in dict.fromkeys(series(r) for r in grads)])]
    return "\n".join(lines) + "\n"


def _ratio_line(name: str, grads: list[dict], cols: list) -> list[str]:
    cells = {(r["workload"], str(r["n"])): r for r in grads if series(r) == name}
    return [name] + [f"{cells[c]['gradient_primal_ratio']:.3g}" if c in cells else "" for c in cols]


TABLE_HEAD = ("phase", "framework", "mode", "device", "median", "IQR", "min", "samples × loops", "cores busy",
              "first call", "× fastest", "grad/primal", "{rate}", "break-even (calls)", "note")


def _table(workload: str, group: list[dict], shared: str = "") -> str:
    first = group[0]
    title = f"### {workload}, {escaped(first.get('shape') or n_label(str(first['n']), workload))}\n"
    rate = "GFLOP/s" if workload == "dense" else "GB/s (useful)"
    body = []
    for phase in dict.fromkeys(r["phase"] for r in group):
        rows = [r for r in group if r["phase"] == phase]
        fastest = min((num(r, "median_s") for r in rows if ok(r)), default=None)
        rows.sort(key=lambda r: num(r, "median_s") if ok(r) else math.inf)
        body += [_table_line(r, fastest, shared) for r in rows]
    return "\n".join([title, table([h.format(rate=rate) for h in TABLE_HEAD], body)]) + "\n"


def _table_line(r: dict, fastest: float | None, shared: str = "") -> list[str]:
    if not ok(r):
        note = f"**{r.get('outcome', '?')}**: {escaped(r.get('detail', ''))}"
        return [r["phase"], r["framework"] + api_suffix(r), r["mode"], r["device"]] + [""] * 10 + [note]
    median = num(r, "median_s")
    rate = (_rate(num(r, "flop_per_s"), "FLOP/s") if r["workload"] == "dense"
            else _rate(num(r, "bandwidth_bytes_per_s"), "B/s"))
    rate = rate.split(" ")[0]  # the unit is in the column header
    ratio = r["gradient_primal_ratio"]
    cells = [r["phase"], r["framework"] + api_suffix(r), r["mode"], r["device"],
             human_time(median) + (f" {NOISY_MARK}" if _noisy(r) else ""), human_time(num(r, "iqr_s")),
             human_time(num(r, "min_s")), f"{r.get('samples', '')} × {r.get('inner_loops', '')}",
             _cores(num(r, "cores_busy")),
             human_time(num(r, "first_call_s")) or "n/a", f"{median / fastest:.2f}",
             "" if ratio is None else f"{ratio:.3g}", rate, _shown(r["break_even_calls"]),
             "" if r.get("detail") == shared else escaped(r.get("detail") or "")]
    return cells


def _shown(value) -> str:
    """A derived figure as a cell: "" where there is none."""
    return "" if value is None else str(value)


def _cores(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.2f}"


def _plots(rows: list[dict]) -> tuple[dict[str, str], dict[str, bytes]]:
    """The plots: ({name: markdown}, {file name: PNG}); a plotting failure costs the
    pictures, never the report."""
    try:
        drawn = freed_after(lambda: draw_plots(rows))  # the figures freed now (plots.freed_after)
    except Exception as exc:  # matplotlib missing or broken: say so in the report
        return {"error": f"Plots not drawn: {type(exc).__name__}: {exc}\n"}, {}
    markdown = {key: f"![{PLOTS[key][0]}]({PLOTS[key][1]})\n\n" for key in drawn}
    return markdown, {PLOTS[key][1]: png for key, png in drawn.items()}


def _lines(rows: list[dict], y) -> dict[str, list[tuple[int, float]]]:
    """{series: [(n, y(row)), ...]} sorted by n, rows where y is not None."""
    out: dict = {}
    for r in sorted(rows, key=lambda r: r["n"]):
        if y(r) is not None:
            out.setdefault(series(r), []).append((r["n"], y(r)))
    return out


def draw_plots(rows: list[dict]) -> dict[str, bytes]:
    """{key of PLOTS: PNG} of the plots the rows have data for: relu's median against N
    (log-log), the gradient/primal ratio, compile cost. The data is prepared here;
    crossgrad.reporting.timing_plots only draws."""
    out = {}
    relu = [r for r in rows if r["workload"] == "relu" and ok(r)]
    if relu:
        bandwidth = copy_bandwidth(rows)[0]
        lines = {p: _lines([r for r in relu if r["phase"] == p], lambda r: num(r, "median_s")) for p in PHASES}
        ns = sorted({r["n"] for r in relu})
        reference = ({p: [(n, bytes_moved("relu", n, p) / bandwidth) for n in ns] for p in PHASES}
                     if bandwidth else None)
        out["relu"] = plot_relu_times(lines, reference)
    grads = [r for r in rows if r["gradient_primal_ratio"] is not None]
    if grads:
        ratio = lambda r: r["gradient_primal_ratio"]  # noqa: E731
        out["ratio"] = plot_ratio(_lines([r for r in grads if r["workload"] == "relu"], ratio),
                                  [(series(r), ratio(r)) for r in grads if r["workload"] == "dense"])
    compiled = [r for r in rows if r["phase"] == "gradient" and ok(r) and num(r, "first_call_s") is not None]
    if any(r["workload"] == "relu" for r in compiled):
        calls = lambda r: float(c) if type(c := r["break_even_calls"]) is int else None  # noqa: E731
        first = lambda r: num(r, "first_call_s")  # noqa: E731
        relu_grads = [r for r in compiled if r["workload"] == "relu"]
        out["compile"] = plot_compile_cost(_lines(relu_grads, first), _lines(relu_grads, calls))
    return out
