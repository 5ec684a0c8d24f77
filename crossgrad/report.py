"""report.md: what was run, a summary table and heatmap, one matrix per case and
dtype, the errors, and repro snippets for the divergent cells.

Rows are annotated gradient rows (crossgrad.truth.annotate). Every value is
printed as its repr inside a code span, so `-0.0` never reads as `0.0`.
Nothing here imports a framework: the report renders anywhere.
"""
from __future__ import annotations

from pathlib import Path

from crossgrad import compare
from crossgrad.records import atomic_write_text

HEATMAP = "summary.png"
SNIPPET_CAP = 30
ODD_MARK = "◆"
ABBREV = {"exact": "✓", "close": "≈", "subgradient": "∈", "sign-of-zero": "±0",
          "invalid": "✗", "undefined": "undef", "error": "error", "unsupported": "n/a", "": ""}
LEGEND = ("Cells: value (repr) and verdict vs the truth: ✓ exact (bit-equal, sign of zero "
          "included), ≈ close (within tolerance), ∈ subgradient (inside the valid set), "
          "±0 sign-of-zero (equal but for the sign of a zero), ✗ invalid (NaN, inf, or a wrong "
          f"value), undef (no valid value exists). A cell without a value names its outcome "
          "(error, timeout, no_gradient, ...) and the id of its message under Errors. "
          f"**Bold** {ODD_MARK}: the cell differs bitwise from the row's majority.")
FAILED = ("error", "no_gradient", "crashed", "timeout", "unsupported", "unavailable")


def write_report(run_dir: Path, rows: list[dict], env: dict, manifest: dict, cases: dict,
                 timings: list[dict] | None = None) -> Path:
    """Write run_dir/report.md and its heatmap PNG beside it; returns the report's path.

    `timings` (timing rows), when given, add the timing section of
    crossgrad.timing_report after the value report.
    """
    run_dir = Path(run_dir)
    heatmap = _write_heatmap(run_dir / HEATMAP, rows, cases)
    text = render_report(rows, env, manifest, cases, heatmap=HEATMAP if heatmap else None)
    if timings:
        from crossgrad.timing_report import timing_section

        text = text + "\n" + timing_section(timings, run_dir)
    path = run_dir / "report.md"
    atomic_write_text(path, text)
    return path


def render_report(rows: list[dict], env: dict, manifest: dict, cases: dict,
                  heatmap: str | None = HEATMAP) -> str:
    """The markdown of report.md; `heatmap` is the PNG's relative link (None: no image)."""
    env, manifest = env or {}, manifest or {}
    cols = compare.columns(rows)
    matrices = compare.build_matrices(rows, cases)
    errors = _error_ids(rows)
    parts = [_header(rows, env, manifest), _banner(rows, manifest)]
    if not rows:
        parts.append("## Summary\n\nNo gradient rows were recorded.")
    else:
        parts += [_summary(matrices, cols, heatmap), _matrices(matrices, cols, cases, errors),
                  _errors(rows, errors), _snippets(matrices, cols, env, cases)]
    return "\n\n".join(p for p in parts if p).rstrip() + "\n"


# --- header and banner -------------------------------------------------------

def _header(rows, env, manifest) -> str:
    config = manifest.get("config") or {}
    fws = _distinct(r.get("framework") for r in rows) or list(config.get("frameworks") or ())
    lines = [f"# crossgrad report{' — ' + str(manifest['run_id']) if manifest.get('run_id') else ''}",
             "", f"- **Status:** {manifest.get('status', 'unknown')}",
             f"- **When:** {_when(env, manifest)}",
             "- **Frameworks:** " + ("; ".join(_framework_line(fw, rows, env) for fw in fws) or "—")]
    for label, column, key in (("Cases", "case", "cases"), ("Devices", "device", "devices"),
                               ("Dtypes", "dtype", "dtypes")):
        values = _distinct(r.get(column) for r in rows) or list(config.get(key) or ())
        lines.append(f"- **{label}:** {', '.join(map(str, values)) or '—'}")
    seeds = _distinct(compare.seed_text(r) for r in rows)
    lines.append(f"- **Seeds (cotangent / tangent):** {', '.join(seeds) or '—'}")
    lines.append(f"- **Where:** {_where(env)}")
    lines.append(f"- **Threads:** {_threads(env)}")
    extra = [f"commit `{env['git_commit']}`" if env.get("git_commit") else "",
             f"command `{env['command']}`" if env.get("command") else ""]
    if any(extra):
        lines.append("- **Source:** " + ", ".join(e for e in extra if e))
    return "\n".join(lines)


def _framework_line(fw, rows, env) -> str:
    info = _fw_env(env, fw)
    version = info.get("version") or next((r.get("framework_version") for r in rows
                                           if r.get("framework") == fw and r.get("framework_version")), "")
    modes = [m for m in compare.MODE_ORDER if any(r.get("framework") == fw and r.get("mode") == m for r in rows)]
    return f"{fw} {version or '(version unknown)'} ({', '.join(modes) or 'no rows'})"


def _fw_env(env, fw) -> dict:
    info = (env.get("frameworks") or {}).get(fw)
    return info if isinstance(info, dict) else {}


def _when(env, manifest) -> str:
    def first(keys):
        return next((str(d[k]) for d in (manifest, env) for k in keys if d.get(k)), "")
    start = first(("started", "start_time", "created", "timestamp"))
    end = first(("finished", "end_time", "ended"))
    return " → ".join(t for t in (start, end) if t) or "not recorded"


def _where(env) -> str:
    cpu = env.get("cpu") or "CPU unknown"
    cores = f" ({env['cpu_count']} cores)" if env.get("cpu_count") else ""
    return (f"Python {env.get('python', '?')} on {env.get('platform', 'unknown platform')}; "
            f"CPU: {cpu}{cores}; GPU: {env.get('gpu') or ('none' if 'gpu' in env else 'not recorded')}")


def _threads(env) -> str:
    parts = [f"{fw}: " + ", ".join(f"{k}={v}" for k, v in info["threads"].items())
             for fw, info in (env.get("frameworks") or {}).items()
             if isinstance(info, dict) and isinstance(info.get("threads"), dict)]
    parts += [f"{k}={v}" for k, v in (env.get("thread_env") or {}).items()]
    return "; ".join(parts) or "not recorded"


def _banner(rows, manifest) -> str:
    status = manifest.get("status", "unknown")
    if status == "complete":
        return ""
    lost = _distinct((r.get("framework"), r.get("mode"), r.get("case"), r.get("dtype"),
                      r.get("outcome"), r.get("detail") or "") for r in rows
                     if r.get("outcome") in ("crashed", "timeout"))
    lines = [f"> **PARTIAL RUN** — status `{status}`: not every task finished, so the "
             "tables below hold only what was recorded."]
    lines += [f"> - {fw} {mode}, {case} {dtype}: **{outcome}** — {_inline(detail)}"
              for fw, mode, case, dtype, outcome, detail in lost]
    config = manifest.get("config") or {}
    for key, column in (("frameworks", "framework"), ("cases", "case")):
        absent = [n for n in config.get(key) or () if not any(r.get(column) == n for r in rows)]
        if absent:
            lines.append(f"> - no rows at all for {key}: {', '.join(map(str, absent))}")
    if manifest.get("detail"):
        lines.append(f"> - {_inline(str(manifest['detail']))}")
    return "\n".join(lines)


# --- summary -------------------------------------------------------------------

def _col_label(col, cols) -> str:
    fw, mode, device = col
    several = len({c[2] for c in cols}) > 1
    return f"{fw} {mode}" + (f" {device}" if several else "")


def summary_grid(matrices: dict, cols: list) -> tuple[list, list, list]:
    """(row labels, standings, texts) of the summary: rows case x dtype, columns `cols`."""
    labels, standings, texts = [], [], []
    for (case, dtype), matrix in matrices.items():
        cells = [compare.summary_cell(matrix, col) for col in cols]
        labels.append(f"{case} {dtype}")
        standings.append([s for s, _ in cells])
        texts.append([t for _, t in cells])
    return labels, standings, texts


def _summary(matrices, cols, heatmap) -> str:
    labels, _, texts = summary_grid(matrices, cols)
    head = ["case", "dtype"] + [_col_label(c, cols) for c in cols]
    body = [key.split(" ", 1) + row for key, row in zip(labels, texts)]
    lines = ["## Summary", "",
             "Each cell: how that framework x mode stands over the case's points and "
             "quantities. `exact`: bit-equal to the truth everywhere; otherwise the notable "
             "verdicts with counts (`NaN`/`inf` are invalid values), and `odd ×k` where it is "
             "the bitwise odd one out among the columns in k rows.", "", _table(head, body)]
    if heatmap:
        lines += ["", f"![summary heatmap]({heatmap})"]
    return "\n".join(lines)


def _write_heatmap(path: Path, rows, cases) -> Path | None:
    from crossgrad import plots

    cols = compare.columns(rows)
    labels, standings, texts = summary_grid(compare.build_matrices(rows, cases), cols)
    if not labels:
        return None
    return plots.summary_heatmap(path, labels, [_col_label(c, cols) for c in cols], standings, texts)


# --- matrices ------------------------------------------------------------------

def _matrices(matrices, cols, cases, errors) -> str:
    out = ["## Matrices", "", LEGEND]
    for (case, dtype), matrix in matrices.items():
        mcols = [c for c in cols if any(c in m.cells for m in matrix)]
        out += ["", f"### {case} — {dtype}", ""]
        if case in cases and cases[case].description:
            out += [cases[case].description, ""]
        out += _agreement_only_note(cases.get(case))
        out += [_points_line(case, matrix, cases), "", _matrix_table(matrix, mcols, errors), "",
                _primitives(case, matrix, mcols, cases)]
    return "\n".join(out)


def _agreement_only_note(case) -> list[str]:
    """A case that states no truth (a user's case) is judged by agreement alone: say so."""
    if case is None or any(p.value or p.d1 or p.d2 for p in case.points):
        return []
    return ["No truth is stated for this case: its values are compared for agreement only "
            "(the row verdict), none is judged against mathematics.", ""]


def _points_line(case, matrix, cases) -> str:
    seen = {}
    for m in matrix:
        row = next(iter(m.cells.values()))
        seen.setdefault(m.key[0], (row.get("x"), row.get("w"), row.get("b")))
    return "Points: " + "; ".join(f"`{p}` x={x}, w={w}, b={b}" for p, (x, w, b) in seen.items())


def _matrix_table(matrix, mcols, errors) -> str:
    indexed = any(m.key[4] for m in matrix)
    head = ["point", "ad", "seed", "wrt"] + (["index"] if indexed else []) + ["truth"]
    head += [_col_label(c, mcols) for c in mcols] + ["row verdict"]
    body = []
    for m in matrix:
        point, ad, seed, wrt, index = m.key
        cells = [_cell(m, c, errors) for c in mcols]
        row = [point, "value" if ad == "none" else ad, seed, wrt] + ([str(index)] if indexed else [])
        body.append(row + [f"`{m.truth}`" if m.truth else "—"] + cells + [_row_verdict(m.verdict)])
    return _table(head, body)


def _cell(m, col, errors) -> str:
    row = m.cells.get(col)
    if row is None:
        return ""
    value = row.get("value")
    if value is None or value == "":  # no value: say which outcome, and where its detail is
        ref = errors.get((row.get("outcome"), row.get("detail") or ""), "")
        return f"{row.get('outcome') or 'error'} {ref}".strip()
    mark = ABBREV.get(row.get("verdict", ""), row.get("verdict", ""))
    text = f"`{value if isinstance(value, str) else repr(float(value))}`"
    if col in m.verdict.odd:
        text = f"**{text}** {ODD_MARK}"
    return f"{text} {mark}".strip()


def _row_verdict(v: compare.RowVerdict) -> str:
    if v.label == compare.ERRORED and v.values_label != compare.ALL_AGREE:
        return f"{v.label}; others {v.values_label}"
    return v.label


def _primitives(case, matrix, mcols, cases) -> str:
    parts = []
    for fw in _distinct(c[0] for c in mcols):
        prims = _distinct(r.get("primitive") for m in matrix for c, r in m.cells.items()
                          if c[0] == fw and r.get("primitive"))
        native = case in cases and fw in (cases[case].native or {})
        note = " (the case's native override for this framework)" if native else ""
        parts.append(f"{fw}: {', '.join(f'`{p}`' for p in prims) or 'not recorded'}{note}")
    return "Primitives used — " + "; ".join(parts)


# --- errors and snippets ----------------------------------------------------------

def _error_ids(rows) -> dict:
    keys = _distinct((r.get("outcome"), r.get("detail") or "") for r in rows if r.get("outcome") in FAILED)
    return {key: f"E{i}" for i, key in enumerate(keys, start=1)}


def _errors(rows, errors) -> str:
    if not errors:
        return ""
    out = ["## Errors and missing values", "",
           "Each distinct message once; the matrices refer to it by its id."]
    for (outcome, detail), ident in errors.items():
        where = _distinct(f"{r.get('framework')} {r.get('mode')}" for r in rows
                          if r.get("outcome") == outcome and (r.get("detail") or "") == detail)
        cases = _distinct(f"{r.get('case')} {r.get('dtype')}" for r in rows
                          if r.get("outcome") == outcome and (r.get("detail") or "") == detail)
        out.append(f"- **{ident}** `{outcome}` in {', '.join(where)} ({', '.join(cases)}): "
                   f"{_inline(detail) or '(no detail)'}")
    return "\n".join(out)


def _snippets(matrices, cols, env, cases) -> str:
    from crossgrad import repro

    return repro.section(matrices, cols, env, cases, SNIPPET_CAP)


# --- markdown helpers ----------------------------------------------------------

def _table(head: list, body: list) -> str:
    def line(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"
    return "\n".join([line(head), line(["---"] * len(head))] + [line(r) for r in body])


def _inline(text: str) -> str:
    """A detail message as one line of inline code (backticks and newlines removed)."""
    text = " ".join(str(text).split()).replace("`", "'")
    return f"`{text}`" if text else ""


def _distinct(items) -> list:
    return [i for i in dict.fromkeys(items) if i not in (None, "")]
