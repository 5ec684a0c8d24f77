"""report.md's first two sections: the header (what ran, when, where) and, for a run
that did not finish, the PARTIAL RUN banner."""
from __future__ import annotations

from itertools import repeat
from operator import itemgetter

from crossgrad.core.rows import seed_text
from crossgrad.judging import compare
from crossgrad.reporting.part import Part
from crossgrad.reporting.report_input import ReportInput
from crossgrad.reporting.report_text import code, distinct, escaped, inline


def header(report: ReportInput) -> Part:
    """Run id, status, when, frameworks with versions and modes, what ran, where, threads, source."""
    rows, env, manifest = report.rows, report.env, report.manifest
    config = manifest.get("config") or {}
    fws = list(dict.fromkeys(fw for fw, _, _ in report.cols)) or list(config.get("frameworks") or ())
    ran = {(fw, mode) for fw, mode, _ in report.cols}  # the (framework, mode) of every row
    lines = [f"# crossgrad report{' — ' + escaped(manifest['run_id']) if manifest.get('run_id') else ''}",
             "", f"- **Status:** {escaped(manifest.get('status', 'unknown'))}",
             f"- **When:** {_when(env, manifest)}",
             "- **Frameworks:** " + ("; ".join(_framework_line(fw, rows, env, ran) for fw in fws) or "—")]
    labels = _labels(rows)
    for position, (label, key) in enumerate((("Cases", "cases"), ("Devices", "devices"), ("Dtypes", "dtypes"))):
        values = distinct(t[position] for t in labels) or list(map(escaped, config.get(key) or ()))
        lines.append(f"- **{label}:** {', '.join(map(str, values)) or '—'}")
    seeds = _seeds(rows, labels)
    lines.append(f"- **Seeds (cotangent / tangent):** {', '.join(seeds) or '—'}")
    lines.append(f"- **Where:** {_where(env)}")
    lines.append(f"- **Threads:** {_threads(env)}")
    extra = [f"commit {code(env['git_commit'])}" if env.get("git_commit") else "",
             f"command {code(env['command'])}" if env.get("command") else ""]
    if any(extra):
        lines.append("- **Source:** " + ", ".join(e for e in extra if e))
    return Part("\n".join(lines))


_LABELS = ("case", "device", "dtype", "ad", "tangent", "cotangent")  # what the header lists of the rows


def _labels(rows) -> list[tuple]:
    """The distinct _LABELS tuples of the rows, in order of first appearance: one pass over
    the rows for all six (a pass per field was 0.25 s of a full check's report). A field's
    distinct values in run order are the same read from these tuples: a value's first row
    gives a tuple not seen before (an equal tuple would hold an equal value, earlier)."""
    try:
        return list(dict.fromkeys(map(itemgetter(*_LABELS), rows)))
    except KeyError:  # rows made without some field (judged rows have every field)
        return list(dict.fromkeys(zip(*(map(dict.get, rows, repeat(name)) for name in _LABELS))))


def _seeds(rows, labels: list) -> list:
    """The distinct seed texts (seed_text) in run order (`labels`: _labels(rows)). A row's
    seed is a function of its (ad, tangent, cotangent): seed_text runs once per distinct
    triple of those, in order of first appearance, which keeps the seeds' order. Only where
    the seeds are text (as loaded): a float -0.0 would meet 0.0's entry in the dict, so
    floats go row by row."""
    triples = dict.fromkeys(t[3:] for t in labels)
    if all(isinstance(t, (str, type(None))) and isinstance(c, (str, type(None))) for _, t, c in triples):
        return distinct(seed_text({"ad": a, "tangent": t, "cotangent": c}) for a, t, c in triples)
    return distinct(seed_text(r) for r in rows)


def _framework_line(fw, rows, env, ran: set) -> str:
    info = _fw_env(env, fw)
    version = info.get("version") or next((r.get("framework_version") for r in rows
                                           if r.get("framework") == fw and r.get("framework_version")), "")
    modes = [m for m in compare.MODE_ORDER if (fw, m) in ran]
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


def banner(report: ReportInput) -> Part:
    """A partial run says so first, with what was lost ("" for a complete run)."""
    rows, manifest = report.rows, report.manifest
    status = manifest.get("status", "unknown")
    if status == "complete":
        return Part()
    lost = distinct((r.get("framework"), r.get("mode"), r.get("case"), r.get("dtype"),
                      r.get("outcome"), r.get("detail") or "") for r in rows
                     if r.get("outcome") in ("crashed", "timeout"))
    lines = [f"> **PARTIAL RUN** — status {code(status)}: not every task finished, so the "
             "tables below hold only what was recorded."]
    lines += [f"> - {fw} {mode}, {case} {dtype}: **{outcome}** — {inline(detail)}"
              for fw, mode, case, dtype, outcome, detail in lost]
    config = manifest.get("config") or {}
    for key, column in (("frameworks", "framework"), ("cases", "case")):
        present = {r.get(column) for r in rows}
        absent = [n for n in config.get(key) or () if n not in present]
        if absent:
            lines.append(f"> - no rows at all for {key}: {', '.join(map(escaped, absent))}")
    if manifest.get("detail"):
        lines.append(f"> - {inline(str(manifest['detail']))}")
    return Part("\n".join(lines))
