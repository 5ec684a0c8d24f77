"""The answers at the top of the timing section: who is fastest for the gradient, what
compiling costs, what the choice of gradient API costs, and whether the compile cache was warm.

Rows are timing rows with the derived columns filled (crossgrad.timing.derived.with_derived).
Every figure is a ratio or time measured in this run; nothing is assumed.
"""
from __future__ import annotations

from crossgrad.reporting.report_text import escaped, table
from crossgrad.timing.rows import human_time, n_label, num, ok, series
from crossgrad.timing.workloads import DEFAULT_API


def _columns(rows: list[dict]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((r["workload"], str(r["n"])) for r in rows))


def _table(head: str, cols: list[tuple[str, str]], lines: dict[str, dict]) -> str:
    return table([head] + [f"{w} {n_label(n, w)}".strip() for w, n in cols],
                 [[name] + [cells.get(c, "") for c in cols] for name, cells in lines.items()]) + "\n"


def times(ratio: float) -> str:
    """2.31×, 34.1×, 1,325× (display only)."""
    return f"{ratio:,.0f}×" if ratio >= 100 else f"{ratio:.3g}×"


def fastest_table(grads: list[dict]) -> str:
    """Per workload and N: the fastest series' median; every other as a multiple of it."""
    cols = _columns(grads)
    best = {c: min((r for r in grads if (r["workload"], str(r["n"])) == c), key=lambda r: num(r, "median_s"))
            for c in cols}
    lines = {"**fastest**": {c: f"**{series(b)}**: {human_time(num(b, 'median_s'))}" for c, b in best.items()}}
    for r in sorted(grads, key=series):
        c = (r["workload"], str(r["n"]))
        ratio = num(r, "median_s") / num(best[c], "median_s")
        lines.setdefault(series(r), {})[c] = "**1 (fastest)**" if r is best[c] else times(ratio)
    return _table("framework mode (device) · gradient API", cols, lines)


def compile_table(grads: list[dict]) -> str:
    """First call and break-even calls of every series, per workload and N."""
    cols = _columns(grads)
    lines: dict = {}
    for r in sorted(grads, key=series):
        even = r.get("break_even_calls")
        even = "—" if even is None else even
        lines.setdefault(series(r), {})[(r["workload"], str(r["n"]))] = (
            f"{human_time(num(r, 'first_call_s')) or 'n/a'} · {even}")
    return _table("framework mode (device) · gradient API", cols, lines)


def api_table(grads: list[dict]) -> str:
    """Median of each gradient API over the default API's (the first a framework names),
    same framework, mode, device and N; empty when no framework names two."""
    default: dict = {}
    for r in grads:
        default.setdefault((r["framework"], r["mode"], r["device"], r["workload"], str(r["n"])), r)
    lines: dict = {}
    for r in grads:
        base = default[(r["framework"], r["mode"], r["device"], r["workload"], str(r["n"]))]
        if r is not base:
            name = f"{series(r)} / {base.get('api')}"
            lines.setdefault(name, {})[(r["workload"], str(r["n"]))] = \
                f"{num(r, 'median_s') / num(base, 'median_s'):.3g}"
    return _table("API / default API", _columns(grads), lines) if lines else ""


def apis_sentence(grads: list[dict]) -> str:
    per_fw: dict = {}
    for r in grads:
        if r.get("api") and r["api"] != DEFAULT_API:
            per_fw.setdefault(r["framework"], dict()).setdefault(r["api"], None)
    if not per_fw:
        return ("Gradient API: each framework's adapter vjp (no adapter here names other gradient APIs "
                "through `gradient_apis()`, so no API variant was timed).")
    named = "; ".join(f"{fw}: " + ", ".join(f"`{a}`" + (" (default)" if i == 0 else "") for i, a in enumerate(apis))
                      for fw, apis in per_fw.items())
    return (f"Gradient APIs timed: {named}. The default is the API crossgrad's value runs use "
            "(the adapter's vjp); the others are what people also write, timed on the same function.")


def cache_sentence(rows: list[dict]) -> str:
    states = dict.fromkeys(f"{r['framework']}: {escaped(r['compile_cache'])}" for r in rows
                           if r.get("compile_cache") and r["workload"] != "copy")
    return f"Compile cache when the timings began: {'; '.join(states)}." if states else \
        "Compile cache when the timings began: not recorded."


def summary_markdown(rows: list[dict], compile_picture: str = "") -> str:
    grads = [r for r in rows if r["phase"] == "gradient" and r["workload"] != "copy" and ok(r)]
    if not grads:
        return ""
    parts = ["### Summary: the fastest gradient, and what compiling costs\n",
             "Per workload and N, the fastest framework × mode × gradient API for the gradient "
             "(d/dw and d/db with cotangent 1; the forward pass included) with its median time per "
             "call, and every other as a multiple of it (2× = twice as slow). Times from this run only.\n",
             fastest_table(grads), apis_sentence(grads) + "\n",
             "#### What compiling costs\n",
             "Each cell: the first call (trace + compile + one run, timed apart) · the break-even: "
             "calls after the first until that mode's total time is at most eager's (`never`: its "
             "steady state is no faster than eager's; `0`: its first call already costs less than "
             "eager's; `—`: eager itself). " + cache_sentence(rows) + "\n",
             compile_table(grads), compile_picture]
    api = api_table(grads)
    if api:
        parts += ["#### What the choice of gradient API costs\n",
                  "Median of each API / the default API's median, same framework, mode and N "
                  "(below 1: that API is faster).\n", api]
    return "\n".join(p for p in parts if p)


