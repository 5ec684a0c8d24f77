"""report.md: what was run, the findings a person can act on, the conventions each
framework follows, the timing, and a summary linking one page per case
(`cases/<case>.md`: the case's findings with repro snippets, and its matrices).

Rows are annotated gradient rows (crossgrad.judging.verdicts.annotate). Every value is
printed as its repr inside a code span, so `-0.0` never reads as `0.0`.
Nothing here imports a framework: the report renders anywhere.
"""
from __future__ import annotations

from pathlib import Path

from crossgrad.core import run_folder
from crossgrad.core.records import atomic_write_text
from crossgrad.core.rows import seed_text
from crossgrad.judging import compare
from crossgrad.judging.summary import summary_cell
from crossgrad.reporting import report_pages, report_findings, plots
from crossgrad.reporting.findings_file import run_findings, write_findings_csv
from crossgrad.reporting.report_conventions import conventions_table
from crossgrad.reporting.report_devices import device_section
from crossgrad.reporting.report_text import col_label as _col_label
from crossgrad.reporting.report_text import distinct as _distinct
from crossgrad.reporting.report_text import code, escaped
from crossgrad.reporting.report_text import inline as _inline
from crossgrad.reporting.report_text import table as _table
from crossgrad.reporting.spellings_report import spelling_section
from crossgrad.timing.report import timing_section

HEATMAP = "summary.png"
FAILED = ("error", "no_gradient", "crashed", "timeout", "unsupported", "unavailable")
FINDINGS_INTRO = ("Generated from this run's values, most severe first: wrong values (no convention "
                  "explains them), mode and device divergence (a framework's compiled mode or GPU "
                  "gives other bits than its own eager mode or CPU, whatever the truth allows), "
                  "different valid subgradients, definitional differences (an alternative form of "
                  "the op), conventions (a zero's sign, no gradient, flush-to-zero), errors, "
                  "precision, NaN payloads. The same records, id for id, are in findings.csv. Each "
                  "names where it holds and links its repro snippet.")
CONVENTIONS_INTRO = ("Measured from the rows. A zero first-order gradient reached with a negative "
                     "seed shows whether the framework keeps the op's +0 (only x of z = x*w + b "
                     "signs d/dw) or multiplies the seed in; these are conventions, not errors "
                     "(the verdicts accept either sign of a zero truth).")


def write_report(run_dir: Path, rows: list[dict], env: dict, manifest: dict, cases: dict,
                 timings: list[dict] | None = None) -> Path:
    """Write run_dir/report.md, its heatmap PNG, one page per case under
    run_dir/cases/ and findings.csv (the same findings); returns the report's path.

    `timings` (timing rows), when given, add the timing section of
    crossgrad.timing.report after the conventions.
    """
    run_dir = Path(run_dir)
    matrices = compare.build_matrices(rows, cases)  # once: a 10,000-element point has 40,000 rows
    heatmap = _write_heatmap(run_dir / HEATMAP, rows, cases, matrices)
    timing = ""
    if timings:
        timing = timing_section(timings, run_dir)
    found = run_findings(rows, env, cases, matrices)  # once: report.md, the pages and findings.csv
    write_findings_csv(run_dir, found)
    text = render_report(rows, env, manifest, cases, heatmap=HEATMAP if heatmap else None, timing=timing,
                         matrices=matrices, found=found)
    for case, page in render_pages(rows, env, cases, matrices, found).items():
        (run_dir / run_folder.CASE_PAGES).mkdir(parents=True, exist_ok=True)
        atomic_write_text(run_folder.inside(run_dir, run_folder.case_page(case)), page)
    path = run_dir / run_folder.REPORT
    atomic_write_text(path, text)
    return path


def render_pages(rows: list[dict], env: dict, cases: dict, matrices: dict | None = None,
                 found: list | None = None) -> dict[str, str]:
    """case -> the markdown of its page `cases/<case>.md` (crossgrad.reporting.report_pages)."""
    matrices = compare.build_matrices(rows, cases) if matrices is None else matrices
    found = run_findings(rows, env or {}, cases, matrices) if found is None else found
    cols, errors = compare.columns(rows), _error_ids(rows)
    return {case: report_pages.render_page(case, matrices, cols, cases, found, errors)
            for case in _distinct(case for case, _ in matrices)}


def render_report(rows: list[dict], env: dict, manifest: dict, cases: dict,
                  heatmap: str | None = HEATMAP, timing: str = "", matrices: dict | None = None,
                  found: list | None = None) -> str:
    """The markdown of report.md; `heatmap` is the PNG's relative link (None: no image);
    `found`: the run's findings (findings_file.run_findings), computed here when not given."""
    env, manifest = env or {}, manifest or {}
    cols = compare.columns(rows)
    matrices = compare.build_matrices(rows, cases) if matrices is None else matrices
    errors = _error_ids(rows)
    parts = [_header(rows, env, manifest), _banner(rows, manifest)]
    if not rows:  # a --timings-only run: its timings are the report
        parts += [timing.strip() or "## Summary\n\nNo gradient rows were recorded."]
        return "\n\n".join(p for p in parts if p).rstrip() + "\n"
    found = run_findings(rows, env, cases, matrices) if found is None else found
    example = report_findings.seed_example(matrices, found, cols)
    parts += ["## Findings", FINDINGS_INTRO, example,
              report_findings.findings_table(found) if found else "No findings: every value is exact or close.",
              device_section(rows).strip(), "## Conventions", CONVENTIONS_INTRO, conventions_table(rows, cols, cases),
              spelling_section(rows, cases, env), timing.strip(), _summary(matrices, cols, heatmap), _errors(rows, errors)]
    return "\n\n".join(p for p in parts if p).rstrip() + "\n"


# --- header and banner -------------------------------------------------------

def _header(rows, env, manifest) -> str:
    config = manifest.get("config") or {}
    fws = list(dict.fromkeys(fw for fw, _, _ in compare.columns(rows))) or list(config.get("frameworks") or ())
    lines = [f"# crossgrad report{' — ' + escaped(manifest['run_id']) if manifest.get('run_id') else ''}",
             "", f"- **Status:** {escaped(manifest.get('status', 'unknown'))}",
             f"- **When:** {_when(env, manifest)}",
             "- **Frameworks:** " + ("; ".join(_framework_line(fw, rows, env) for fw in fws) or "—")]
    for label, column, key in (("Cases", "case", "cases"), ("Devices", "device", "devices"),
                               ("Dtypes", "dtype", "dtypes")):
        values = _distinct(r.get(column) for r in rows) or list(map(escaped, config.get(key) or ()))
        lines.append(f"- **{label}:** {', '.join(map(str, values)) or '—'}")
    seeds = _distinct(seed_text(r) for r in rows)
    lines.append(f"- **Seeds (cotangent / tangent):** {', '.join(seeds) or '—'}")
    lines.append(f"- **Where:** {_where(env)}")
    lines.append(f"- **Threads:** {_threads(env)}")
    extra = [f"commit {code(env['git_commit'])}" if env.get("git_commit") else "",
             f"command {code(env['command'])}" if env.get("command") else ""]
    if any(extra):
        lines.append("- **Source:** " + ", ".join(e for e in extra if e))
    return "\n".join(lines)


def _framework_line(fw, rows, env) -> str:
    info = _fw_env(env, fw)
    version = info.get("version") or next((r.get("framework_version") for r in rows
                                           if r.get("framework") == fw and r.get("framework_version")), "")
    modes = [m for m in compare.MODE_ORDER if any(r.get("framework") == fw and r.get("mode") == m for r in rows)]
    return f"{escaped(fw)} {escaped(version) or '(version unknown)'} ({', '.join(modes) or 'no rows'})"


def _fw_env(env, fw) -> dict:
    info = (env.get("frameworks") or {}).get(fw)
    return info if isinstance(info, dict) else {}


def _when(env, manifest) -> str:
    def first(keys):
        return next((str(d[k]) for d in (manifest, env) for k in keys if d.get(k)), "")
    start = first(("started", "start_time", "created", "timestamp"))
    end = first(("finished", "end_time", "ended"))
    return " → ".join(escaped(t) for t in (start, end) if t) or "not recorded"


def _where(env) -> str:
    cpu = escaped(env.get("cpu") or "CPU unknown")
    cores = f" ({env['cpu_count']} cores)" if env.get("cpu_count") else ""
    gpu = escaped(env.get("gpu") or ("none" if "gpu" in env else "not recorded"))
    return (f"Python {escaped(env.get('python', '?'))} on {escaped(env.get('platform', 'unknown platform'))}; "
            f"CPU: {cpu}{cores}; GPU: {gpu}")


def _threads(env) -> str:
    parts = [f"{escaped(fw)}: " + ", ".join(escaped(f"{k}={v}") for k, v in info["threads"].items())
             for fw, info in (env.get("frameworks") or {}).items()
             if isinstance(info, dict) and isinstance(info.get("threads"), dict)]
    parts += [escaped(f"{k}={v}") for k, v in (env.get("thread_env") or {}).items()]
    return "; ".join(parts) or "not recorded"


def _banner(rows, manifest) -> str:
    status = manifest.get("status", "unknown")
    if status == "complete":
        return ""
    lost = _distinct((r.get("framework"), r.get("mode"), r.get("case"), r.get("dtype"),
                      r.get("outcome"), r.get("detail") or "") for r in rows
                     if r.get("outcome") in ("crashed", "timeout"))
    lines = [f"> **PARTIAL RUN** — status {code(status)}: not every task finished, so the "
             "tables below hold only what was recorded."]
    lines += [f"> - {fw} {mode}, {case} {dtype}: **{outcome}** — {_inline(detail)}"
              for fw, mode, case, dtype, outcome, detail in lost]
    config = manifest.get("config") or {}
    for key, column in (("frameworks", "framework"), ("cases", "case")):
        present = {r.get(column) for r in rows}
        absent = [n for n in config.get(key) or () if n not in present]
        if absent:
            lines.append(f"> - no rows at all for {key}: {', '.join(map(escaped, absent))}")
    if manifest.get("detail"):
        lines.append(f"> - {_inline(str(manifest['detail']))}")
    return "\n".join(lines)


# --- summary -------------------------------------------------------------------

def summary_grid(matrices: dict, cols: list) -> tuple[list, list, list]:
    """(row labels, standings, texts) of the summary: rows case x dtype, columns `cols`."""
    labels, standings, texts = [], [], []
    for (case, dtype), matrix in matrices.items():
        cells = [summary_cell(matrix, col) for col in cols]
        labels.append(f"{case} {dtype}")
        standings.append([s for s, _ in cells])
        texts.append([t for _, t in cells])
    return labels, standings, texts


def _summary(matrices, cols, heatmap) -> str:
    labels, _, texts = summary_grid(matrices, cols)
    head = ["case", "dtype"] + [_col_label(c, cols) for c in cols]
    body = [[f"[{case}]({run_folder.case_page(case)})", dtype] + row
            for (case, dtype), row in zip((k.split(" ", 1) for k in labels), texts)]
    lines = ["## Summary", "",
             "One page per case (linked) holds its findings, repro snippets and matrices. Each "
             "cell: how that framework x mode stands over the case's points and quantities. "
             "`exact`: right everywhere; otherwise the notable verdicts with counts (`NaN`/`inf` "
             "are invalid values), and `odd <cause> ×k` where it is outside the per-framework "
             "majority in k rows (cause: subgradient, value, ±0, ulp).", "", _table(head, body)]
    if heatmap:
        lines += ["", f"![summary heatmap]({heatmap})"]
    return "\n".join(lines)


def _write_heatmap(path: Path, rows, cases, matrices: dict) -> Path | None:
    cols = compare.columns(rows)
    labels, standings, texts = summary_grid(matrices, cols)
    if not labels:
        return None
    return plots.summary_heatmap(path, labels, [_col_label(c, cols) for c in cols], standings, texts)


# --- errors ----------------------------------------------------------

def _error_ids(rows) -> dict:
    keys = _distinct((r.get("outcome"), r.get("detail") or "") for r in rows if r.get("outcome") in FAILED)
    return {key: f"E{i}" for i, key in enumerate(keys, start=1)}


def _errors(rows, errors) -> str:
    if not errors:
        return ""
    out = ["## Errors and missing values", "",
           "Each distinct message once; the matrices refer to it by its id."]
    failed: dict = {}  # (outcome, detail) -> its rows, in run order: one pass, not one per message
    for r in rows:
        if r.get("outcome") in FAILED:
            failed.setdefault((r.get("outcome"), r.get("detail") or ""), []).append(r)
    for (outcome, detail), ident in errors.items():
        where = _distinct(f"{r.get('framework')} {r.get('mode')}" for r in failed[(outcome, detail)])
        cases = _distinct(f"{r.get('case')} {r.get('dtype')}" for r in failed[(outcome, detail)])
        out.append(f"- **{ident}** `{outcome}` in {', '.join(where)} ({', '.join(cases)}): "
                   f"{_inline(detail) or '(no detail)'}")
    return "\n".join(out)
