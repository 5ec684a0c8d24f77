"""compare.md and compare.csv: what changed between the sides, worst first.

compare.md: the sides (versions, devices, machine, status), the machine
differences that may explain value differences, the changes ordered by severity
(crossgrad.drift.join.CATEGORIES) each with its repro snippet, counts per
framework x mode x device, the quantities on one side only, the timings.
compare.csv: every joined line with its category (and a snippet for each change).
Values are printed as recorded (round-trip repr): never rounded.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossgrad.core.records import atomic_write_text
from crossgrad.judging.difference import CATEGORIES, LAST_BITS_ULPS
from crossgrad.drift.timing import timing_lines
from crossgrad.reporting.report_text import code, escaped, fenced, table

MACHINE_FIELDS = ("cpu", "cpu_arch", "cpu_flags", "xla_cpu_target", "cpu_count", "gpu", "python", "platform",
                  "thread_env")
CHANGE_CAP = 200  # lines of the changes table in compare.md (compare.csv has them all)
SNIPPET_CAP = 25


def framework_versions(env: dict) -> str:
    parts = []
    for name, info in sorted((env.get("frameworks") or {}).items()):
        info = info if isinstance(info, dict) else {}
        version = info.get("version") or info.get("unavailable") or info.get("load_error") or "?"
        extra = f" (jaxlib {info['jaxlib']})" if info.get("jaxlib") and info.get("jaxlib") != version else ""
        parts.append(escaped(f"{name} {version}{extra}"))
    return ", ".join(parts) or "none recorded"


def side_lines(label: str, side) -> list[str]:
    env, run = side.run.env, side.run
    status = run.status
    status = escaped(status)  # manifest.json's text, like every env.json field below
    shout = "" if status == "complete" else f" — **{status.upper()}: compares what it has**"
    flags = env.get("cpu_flags")
    devices = ", ".join(sorted(side.gradients["device"].unique())) if "device" in side.gradients else ""
    lines = [f"- **{label}** {code(side.name)}: status {status}{shout}; schema {run.schema_version}; "
             f"crossgrad {escaped(env.get('crossgrad', '?'))} (commit {escaped(env.get('git_commit') or '?')})",
             f"  - frameworks: {framework_versions(env)}; devices compared: {devices or 'none'}",
             f"  - machine: {escaped(env.get('cpu', '?'))} × {escaped(env.get('cpu_count', '?'))}, "
             f"GPU {escaped(env.get('gpu') or 'none')}; Python {escaped(env.get('python', '?'))}; ISA flags: "
             + (escaped(", ".join(flags)) if flags else "not recorded (written before crossgrad recorded them)")
             + f"; XLA CPU target: {escaped(env.get('xla_cpu_target', 'not recorded'))}"]
    lines += [f"  - note: {escaped(n)}" for n in run.notes]
    return lines


def machine_differences(env_a: dict, env_b: dict) -> list[str]:
    """One line per machine field that differs (or that one side did not record)."""
    out = []
    for name in MACHINE_FIELDS:
        a, b = env_a.get(name), env_b.get(name)
        if a == b:
            continue
        if a is None or b is None:
            out.append(f"- {name}: recorded on one side only ({escaped(repr(a))} vs {escaped(repr(b))})")
        elif isinstance(a, list) and isinstance(b, list):
            out.append(f"- {name}: only A has {escaped(', '.join(sorted(set(a) - set(b)))) or '—'}; "
                       f"only B has {escaped(', '.join(sorted(set(b) - set(a)))) or '—'}")
        else:
            out.append(f"- {name}: {escaped(repr(a))} vs {escaped(repr(b))}")
    return out


def same_machine_kind(env_a: dict, env_b: dict) -> bool:
    return all(env_a.get(f) == env_b.get(f) for f in ("cpu", "cpu_flags", "cpu_count", "gpu"))


def ordered_changes(lines: pd.DataFrame) -> pd.DataFrame:
    changed = lines[~lines["category"].isin(["same", "only in A", "only in B"])].copy()
    changed["severity"] = changed["category"].map(CATEGORIES.index)
    return changed.sort_values(["severity", "framework", "case", "dtype", "mode", "point", "ad", "wrt", "index"],
                               kind="stable")


def change_row(n: int, r: dict, key: tuple) -> list:
    where = " ".join(str(r[k]) for k in ("framework", "mode") if k in r)
    device = r["device"] if "device" in key else f"{r['device_a']}→{r['device_b']}"
    quantity = f"{r['ad']} {r['wrt']}".strip() + (f", seed {r['seed']}" if r["seed"] else "") + \
        (f" [{r['index']}]" if int(r["index"]) else "")
    verdicts = f"{r['verdict_a'] or '—'} → {r['verdict_b'] or '—'}"
    recorded = f"{r['recorded_verdict_a'] or '—'} / {r['recorded_verdict_b'] or '—'}"
    outcome = r["outcome_a"] if r["outcome_a"] == r["outcome_b"] else f"{r['outcome_a']} → {r['outcome_b']}"
    ulps = "" if r["ulps"] is None or pd.isna(r["ulps"]) else str(int(r["ulps"]))
    return [n, r["category"], f"{where} {device}", r["dtype"], r["case"], r["point"], quantity,
            f"`{r['value_a'] or '—'}`", f"`{r['value_b'] or '—'}`", ulps, verdicts, recorded, outcome]


def changes_table(changed: pd.DataFrame, key: tuple, one_side: int = 0) -> list[str]:
    if changed.empty and one_side:  # the words must agree with the exit status (1)
        return [f"No value changed among the quantities both sides hold, but {one_side} "
                "quantities are on one side only (below): the runs differ (exit 1)."]
    if changed.empty:
        return ["Nothing changed: every quantity on both sides has the same bits and outcome."]
    head = ["#", "change", "framework mode device", "dtype", "case", "point", "quantity", "A", "B", "ulps",
            "verdict A → B (today's code)", "recorded A / B", "outcome"]
    rows = [change_row(n, r, key) for n, r in enumerate(changed.head(CHANGE_CAP).to_dict("records"), start=1)]
    more = ["", f"{len(changed) - CHANGE_CAP} more changes in compare.csv."] if len(changed) > CHANGE_CAP else []
    return [table(head, rows)] + more


def counts_table(lines: pd.DataFrame, key: tuple) -> list[str]:
    group = ["framework", "mode", "device" if "device" in key else "device_b"]
    counts = lines.pivot_table(index=group, columns="category", aggfunc="size", fill_value=0)
    counts = counts[[c for c in CATEGORIES if c in counts.columns]]
    counts = counts.reset_index()
    return [table(list(counts.columns), counts.values.tolist())]


def one_side_table(lines: pd.DataFrame, key: tuple) -> list[str]:
    only = lines[lines["category"].isin(["only in A", "only in B"])]
    if only.empty:
        return ["None: both sides hold the same quantities."]
    group = [c for c in ("category", "framework", "mode", "device", "dtype", "case") if c in only.columns]
    counts = only.groupby(group).size().rename("quantities").reset_index()
    return [table(list(counts.columns), counts.values.tolist())]


def write(out: Path, header: list[str], pairs: list, snippets: dict) -> None:
    """compare.md, compare.csv and (when any) compare-timings.csv in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    text = list(header)
    csv_parts, timing_parts = [], []
    for pair in pairs:
        text += pair_section(pair, snippets)
        frame = pair.lines.assign(pair=pair.title)
        frame["snippet"] = [snippets.get((pair.title, i), "") for i in frame.index]
        csv_parts.append(frame.drop(columns=["_merge"], errors="ignore"))
        if not pair.timings.empty:
            timing_parts.append(pair.timings.assign(pair=pair.title))
    atomic_write_text(out / "compare.md", "\n".join(text) + "\n")
    atomic_write_text(out / "compare.csv", pd.concat(csv_parts).to_csv(index=False))
    if timing_parts:
        atomic_write_text(out / "compare-timings.csv", pd.concat(timing_parts).to_csv(index=False))


def machine_note(changed: pd.DataFrame, machine: list[str]) -> list[str]:
    """Beside the value changes: the machine differences that may explain them."""
    if not machine or changed.empty:
        return []
    values = changed[(changed["value_a"] != "") & (changed["value_b"] != "")]
    compiled = int((values["mode"] != "eager").sum()) if "mode" in values else 0
    fields = ", ".join(m[2:].split(":")[0] for m in machine)
    return ["", f"The sides ran on different machines (they differ in {fields}). "
            f"{compiled} of {len(values)} value changes are in compiled or graph code, which XLA and "
            "inductor compile for the host CPU (its ISA flags decide vector width and fused multiply-add)."]


def pair_section(pair, snippets: dict) -> list[str]:
    changed = ordered_changes(pair.lines)
    machine = machine_differences(pair.a.run.env, pair.b.run.env)
    out = [f"## {pair.title}", "", "### Machine differences", "",
           *(machine or ["None recorded: same CPU, ISA flags, GPU, Python and platform."]), "",
           f"### Changes, worst first ({len(changed)})", "",
           f"Last bits: at most {LAST_BITS_ULPS} ulps apart at the dtype. Verdicts are today's code's on both "
           "sides; the recorded ones are beside them.", *machine_note(changed, machine), "",
           *changes_table(changed, pair.key, int(pair.lines["category"].isin(["only in A", "only in B"]).sum())), "",
           "### Counts per framework × mode × device", "", *counts_table(pair.lines, pair.key), "",
           "### Quantities on one side only", "", *one_side_table(pair.lines, pair.key), "",
           "### Timings", "", *timing_lines(pair.timings, "same" if same_machine_kind(
               pair.a.run.env, pair.b.run.env) else "different"), ""]
    picked = [(n, i) for n, i in enumerate(changed.index[:CHANGE_CAP], start=1) if (pair.title, i) in snippets]
    if picked:
        out += ["### Repro snippets", "", "Each prints side B's value; `#` is the line of the changes table.", ""]
        for n, i in picked[:SNIPPET_CAP]:
            out += [f"<details><summary>#{n}</summary>", "", fenced(snippets[(pair.title, i)].rstrip(), "python"),
                    "</details>", ""]
        if len(picked) > SNIPPET_CAP:
            out.append(f"{len(picked) - SNIPPET_CAP} more snippets in compare.csv (column snippet).")
    return out
