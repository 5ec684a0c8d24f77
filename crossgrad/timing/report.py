"""Timing rows -> derived figures, timings.csv (+ raw samples) and the report's timing section.

Rows come from crossgrad.timing.run (numbers as repr strings), from
timings.jsonl, from timings.csv (everything a string), or from the runner's
failure rows (labels only); every function here accepts all of them.

Derived figures (columns of timings.csv, recomputed from the rows):
- gradient_primal_ratio (gradient rows): median(gradient) / median(primal), same
  framework, device, dtype, mode, workload and n: the headline measure of AD
  benchmarks (the gradient phase includes its forward pass).
- bytes_moved, bandwidth_bytes_per_s (relu and the numpy copy row): the bytes the
  computation must move (byte model: crossgrad.timing.workloads.bytes_moved) / median.
  The copy row (framework numpy, workload copy) is the machine's reference.
- flop, flop_per_s (dense): counted matmul FLOPs (crossgrad.timing.workloads.flops) / median.
- break_even_calls (rows of a mode other than eager): the smallest number n of
  calls after the first for which first_call + n x median in that mode is at most
  eager's; "never" when its steady state is not faster than eager's.
"""
from __future__ import annotations

import math
from pathlib import Path

from crossgrad.core import run_folder
from crossgrad.core.records import SCHEMA_VERSION, fmt, read_csv, write_csv
from crossgrad.core.row_check import TIMING_RULES
from crossgrad.core.rows import DERIVED_COLUMNS, TIMING_COLUMNS, TimingKey
from crossgrad.timing.plots import plot_compile_cost, plot_ratio, plot_relu_times
from crossgrad.timing.rows import api_suffix, human_time, n_label, num, ok, series
from crossgrad.timing.summary import summary_markdown
from crossgrad.reporting.report_text import escaped
from crossgrad.timing.workloads import PHASES, bytes_moved, flops

LATER_COLUMNS = ("cores_busy", "api", "compile_cache")  # added within schema 1: older timings.csv still read
RAW_COLUMNS = ("schema_version", "framework", "device", "dtype", "mode", "workload", "n", "phase",
               "block", "seconds_per_call")
NOISY_MARK = "⚠"


def with_derived(rows: list[dict]) -> list[dict]:
    """Copies of the rows with DERIVED_COLUMNS filled (strings; empty where not applicable).
    A gradient row's primal is its mode's (which has no api); its eager, the same api's."""
    measured = {TimingKey.of(r): r for r in rows if ok(r)}
    return [dict(r, **_derived(r, measured)) for r in rows]


def _derived(row: dict, index: dict) -> dict:
    out = dict.fromkeys(DERIVED_COLUMNS, "")
    if not ok(row):
        return out
    median, n, phase = num(row, "median_s"), int(row["n"]), row["phase"]
    key = TimingKey.of(row)
    primal = index.get(key._replace(phase="primal", api=""))
    if phase == "gradient" and primal is not None:
        out["gradient_primal_ratio"] = fmt(median / num(primal, "median_s"))
    nbytes, nflop = bytes_moved(row["workload"], n, phase), flops(row["workload"], phase)
    if nbytes is not None:
        out.update(bytes_moved=str(nbytes), bandwidth_bytes_per_s=fmt(nbytes / median))
    if nflop is not None:
        out.update(flop=str(nflop), flop_per_s=fmt(nflop / median))
    eager = index.get(key._replace(mode="eager"))
    if row["mode"] != "eager" and eager is not None:
        out["break_even_calls"] = break_even(row, eager)
    return out


def break_even(compiled: dict, eager: dict) -> str:
    """Calls after the first until compiled's total time is at most eager's, or "never"."""
    fc, mc = num(compiled, "first_call_s"), num(compiled, "median_s")
    fe, me = num(eager, "first_call_s"), num(eager, "median_s")
    if fc is None or fe is None:  # pytest-benchmark rows have no first call
        return ""
    if mc >= me:
        return "never"
    return str(max(0, math.ceil((fc - fe) / (me - mc))))


def write_timings_csv(run_dir: Path, rows: list[dict]) -> Path:
    """timings.csv (TIMING_COLUMNS) and, where rows carry raw samples, timings_raw.csv."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    rows = [dict(r, schema_version=r.get("schema_version", SCHEMA_VERSION)) for r in rows]
    write_csv(run_dir / run_folder.TIMINGS, with_derived(rows), TIMING_COLUMNS)
    raw = [dict(r, block=i, seconds_per_call=fmt(s))
           for r in rows for i, s in enumerate(r.get("raw_samples") or ())]
    if raw:
        write_csv(run_dir / run_folder.TIMINGS_RAW, raw, RAW_COLUMNS)
    return run_dir / run_folder.TIMINGS


def read_timings_csv(path: Path) -> list[dict]:
    """Rows of a timings.csv (strings, as written), checked against the columns and schema."""
    rows = read_csv(Path(path), tuple(c for c in TIMING_COLUMNS if c not in LATER_COLUMNS), TIMING_RULES)
    return [{**dict.fromkeys(LATER_COLUMNS, ""), **row} for row in rows]


def _rate(value: float | None, unit: str) -> str:
    return "" if value is None else f"{value / 1e9:.3g} G{unit}"


def _noisy(row: dict) -> bool:
    return str(row.get("noisy")) == "True"


def timing_section(rows: list[dict], run_dir: Path, plots: bool = True) -> str:
    """The markdown timing section; writes its PNG plots into run_dir (linked relatively).
    It opens with the answers (who is fastest, what compiling costs), then the detail."""
    rows = with_derived(rows)
    if not rows:
        return "## Timings\n\nNo timings were run.\n"
    pictures = _plots_markdown(rows, Path(run_dir)) if plots else {}
    parts = ["## Timings\n", summary_markdown(rows, pictures.pop("compile", "")), "### Detail\n",
             _preamble(rows), _ratio_pivot(rows), "".join(pictures.values())]
    for workload, n in dict.fromkeys((r["workload"], str(r["n"])) for r in rows if r["workload"] != "copy"):
        group = [r for r in rows if r["workload"] == workload and str(r["n"]) == n]
        parts.append(_table(workload, group, _shared_detail(rows)))
    return "\n".join(p for p in parts if p)


def _shared_detail(rows: list[dict]) -> str:
    """A detail every measured row carries (e.g. pytest-benchmark's "no first call"): said once."""
    details = {str(r.get("detail") or "") for r in rows if ok(r) and r["workload"] != "copy"}
    return details.pop() if len(details) == 1 else ""


def copy_bandwidth(rows: list[dict], device: str = "cpu") -> tuple[float | None, int]:
    """The copy bandwidth of `device` (median over the run's copy rows there: numpy's
    on cpu, the framework's device-to-device copy on a GPU) and how many there were."""
    values = sorted(num(r, "bandwidth_bytes_per_s") for r in rows
                    if r["workload"] == "copy" and ok(r) and r.get("device", "cpu") == device)
    return (values[len(values) // 2] if values else None), len(values)


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
             "| framework mode (device) | " + " | ".join(f"{w} {n_label(n, w)}" for w, n in cols) + " |",
             "|---" * (len(cols) + 1) + "|"]
    for name in dict.fromkeys(series(r) for r in grads):
        cells = {(r["workload"], str(r["n"])): r for r in grads if series(r) == name}
        lines.append(f"| {name} | " + " | ".join(
            f"{float(cells[c]['gradient_primal_ratio']):.3g}" if c in cells else "" for c in cols) + " |")
    return "\n".join(lines) + "\n"


TABLE_HEAD = ("| phase | framework | mode | device | median | IQR | min | samples × loops | cores busy | first call "
              "| × fastest | grad/primal | {rate} | break-even (calls) | note |")


def _table(workload: str, group: list[dict], shared: str = "") -> str:
    first = group[0]
    title = f"### {workload}, {escaped(first.get('shape') or n_label(str(first['n']), workload))}\n"
    rate = "GFLOP/s" if workload == "dense" else "GB/s (useful)"
    lines = [title, TABLE_HEAD.format(rate=rate), "|---" * 15 + "|"]
    for phase in dict.fromkeys(r["phase"] for r in group):
        rows = [r for r in group if r["phase"] == phase]
        fastest = min((num(r, "median_s") for r in rows if ok(r)), default=None)
        rows.sort(key=lambda r: num(r, "median_s") if ok(r) else math.inf)
        lines += [_table_line(r, fastest, shared) for r in rows]
    return "\n".join(lines) + "\n"


def _table_line(r: dict, fastest: float | None, shared: str = "") -> str:
    if not ok(r):
        note = f"**{r.get('outcome', '?')}**: {escaped(r.get('detail', ''))}"
        return (f"| {r['phase']} | {r['framework']}{api_suffix(r)} | {r['mode']} | {r['device']} |"
                + " |" * 10 + f" {note} |")
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
             f"{float(ratio):.3g}" if ratio else "", rate, r["break_even_calls"],
             "" if r.get("detail") == shared else escaped(r.get("detail") or "")]
    return "| " + " | ".join(cells) + " |"


def _cores(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.2f}"


def _plots_markdown(rows: list[dict], run_dir: Path) -> dict[str, str]:
    """Draw the plots: {name: markdown}; a plotting failure costs the pictures, never the report."""
    try:
        written = write_plots(rows, run_dir)
    except Exception as exc:  # matplotlib missing or broken: say so in the report
        return {"error": f"Plots not drawn: {type(exc).__name__}: {exc}\n"}
    return {key: f"![{title}]({name})\n\n" for key, (title, name) in written.items()}


def _lines(rows: list[dict], y) -> dict[str, list[tuple[int, float]]]:
    """{series: [(n, y(row)), ...]} sorted by n, rows where y is not None."""
    out: dict = {}
    for r in sorted(rows, key=lambda r: int(r["n"])):
        if y(r) is not None:
            out.setdefault(series(r), []).append((int(r["n"]), y(r)))
    return out


def write_plots(rows: list[dict], run_dir: Path) -> dict[str, tuple[str, str]]:
    """timing_relu.png (median vs N, log-log), timing_ratio.png, timing_compile.png;
    {key: (title, file name)}. The data is prepared here; crossgrad.reporting.plots only draws."""
    out = {}
    relu = [r for r in rows if r["workload"] == "relu" and ok(r)]
    if relu:
        bandwidth = copy_bandwidth(rows)[0]
        lines = {p: _lines([r for r in relu if r["phase"] == p], lambda r: num(r, "median_s")) for p in PHASES}
        ns = sorted({int(r["n"]) for r in relu})
        reference = ({p: [(n, bytes_moved("relu", n, p) / bandwidth) for n in ns] for p in PHASES}
                     if bandwidth else None)
        plot_relu_times(lines, reference, run_dir / "timing_relu.png")
        out["relu"] = ("relu: median time per call against N", "timing_relu.png")
    grads = [r for r in rows if r["gradient_primal_ratio"]]
    if grads:
        ratio = lambda r: float(r["gradient_primal_ratio"])  # noqa: E731
        plot_ratio(_lines([r for r in grads if r["workload"] == "relu"], ratio),
                   [(series(r), ratio(r)) for r in grads if r["workload"] == "dense"], run_dir / "timing_ratio.png")
        out["ratio"] = ("gradient / primal time ratio", "timing_ratio.png")
    compiled = [r for r in rows if r["phase"] == "gradient" and ok(r) and num(r, "first_call_s") is not None]
    if any(r["workload"] == "relu" for r in compiled):
        calls = lambda r: float(r["break_even_calls"]) if r["break_even_calls"].isdigit() else None  # noqa: E731
        first = lambda r: num(r, "first_call_s")  # noqa: E731
        relu_grads = [r for r in compiled if r["workload"] == "relu"]
        plot_compile_cost(_lines(relu_grads, first), _lines(relu_grads, calls), run_dir / "timing_compile.png")
        out["compile"] = ("relu gradient: first call and break-even calls against N", "timing_compile.png")
    return out
