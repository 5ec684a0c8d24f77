"""consequence.md: the answer first, then our figures beside Bertoin et al.'s, why they differ, plots, cost.

Every figure is read back from the study's CSVs and study.json; the paper's
come from crossgrad.consequence.anchors. `summary(out)` is the part the docs
quote (docs/consequence.md holds it verbatim; a test re-renders it).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from crossgrad.consequence import anchors, plots
from crossgrad.consequence.config import VARIANT_TEXT
from crossgrad.consequence.tables import read
from crossgrad.reporting.report_text import table

REPORT = "consequence.md"
PAPER_BITS = {"float16": 16, "float32": 32, "float64": 64}


def _percent(x) -> str:
    return "n/a" if pd.isna(x) else f"{100 * x:.2f}%"


def final_accuracy(training: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds of the last epoch's test accuracy, per framework, dtype, variant."""
    ok = training[training.outcome == "ok"]
    last = ok[ok.epoch == ok.epoch.max()]
    return last.groupby(["framework", "dtype", "variant"]).test_accuracy.mean().unstack("variant")


def parting_steps(divergence: pd.DataFrame, a: dict, b: dict) -> dict:
    """{(framework_or_pair, dtype): [first differing step per seed, None: never]} for pairs matching a, b."""
    d = divergence
    for key, value in {**{f"{k}_a": v for k, v in a.items()}, **{f"{k}_b": v for k, v in b.items()}}.items():
        d = d[d[key] == value]
    steps = {}
    for (fa, fb, dtype, seed), rows in d.groupby(["framework_a", "framework_b", "dtype", "seed"]):
        step = rows.first_differing_step.iloc[0]
        steps.setdefault((fa if fa == fb else f"{fa}/{fb}", dtype), []).append(None if pd.isna(step) else int(step))
    return steps


def _steps_text(steps: list) -> str:
    return ", ".join("identical" if s is None else f"step {s}" for s in steps)


def answer(training, divergence) -> str:
    acc = final_accuracy(training)
    parts = parting_steps(divergence, dict(variant="0"), dict(variant="1")) if len(divergence) else {}
    changed = sorted({k for k, v in parts.items() if any(s is not None for s in v)})
    gaps = (acc["1"] - acc["0"]).dropna() if {"0", "1"} <= set(acc.columns) else pd.Series(dtype=float)
    lines = [f"- relu'(0)=1 instead of 0 changed the trained weights in {len(changed)} of {len(parts)} "
             f"framework x precision combinations: "
             + (", ".join(f"{f} {d}" for f, d in changed) or "none") + "."]
    if len(gaps):
        worst = gaps.abs().idxmax()
        lines.append(f"- The largest change of final test accuracy (mean over seeds) was "
                     f"{100 * gaps[worst]:+.2f} points ({worst[0]} {worst[1]}: {_percent(acc.loc[worst, '0'])} "
                     f"with relu'(0)=0, {_percent(acc.loc[worst, '1'])} with 1).")
    same = sorted({k for k, v in parts.items() if all(s is None for s in v)})
    by_dtype = {}
    for f, d in same:
        by_dtype.setdefault(d, []).append(f)
    for d, fws in sorted(by_dtype.items()):
        lines.append(f"- {d}: bit-identical weights after every step with either value in {', '.join(fws)}: "
                     "no relu input was exactly 0 where it mattered.")
    return "\n".join(lines)


def training_table(training, divergence, kinks) -> str:
    acc = final_accuracy(training)
    parts = parting_steps(divergence, dict(variant="0"), dict(variant="1")) if len(divergence) else {}
    variants = [v for v in VARIANT_TEXT if v in acc.columns]
    rows = [[f, d, _steps_text(parts.get((f, d), []))] + [_percent(acc.loc[(f, d)].get(v)) for v in variants]
            for f, d in acc.index]
    header = ["framework", "dtype", "relu'(0)=1 vs 0: weights first differ"] + \
             [f"test acc. {VARIANT_TEXT[v]}" for v in variants]
    return table(header, rows)


def kink_table(kinks: pd.DataFrame) -> str:
    ok = kinks[(kinks.outcome == "ok") & (kinks.z == 0.0)]
    cells = ok.groupby(["framework", "variant"]).derivative.agg(lambda s: " / ".join(sorted({repr(float(v)) for v in s})))
    frameworks = list(dict.fromkeys(ok.framework))
    rows = [[VARIANT_TEXT[v]] + [cells.get((f, v), "n/a") for f in frameworks]
            for v in VARIANT_TEXT if v in set(ok.variant)]
    return table(["backprop's relu'(0), every dtype"] + frameworks, rows)


def volume_tables(volume: pd.DataFrame) -> str:
    ok = volume[volume.outcome == "ok"]
    frameworks = list(dict.fromkeys(ok.framework))
    sections = []
    for sweep, anchor in anchors.VOLUME.items():
        part = ok[ok.sweep == sweep]
        if part.empty:
            continue
        dtypes = [d for d in ("float16", "bfloat16", "float32", "float64") if d in set(part.dtype)]
        header = [sweep]
        for d in dtypes:
            if PAPER_BITS.get(d) in anchor["counts"]:
                header.append(f"paper {PAPER_BITS[d]}-bit")
            header.append(f"{d} ({' · '.join(frameworks)})")
        rows = []
        for value in sorted(set(part[sweep])):
            row = [value]
            for d in dtypes:
                if PAPER_BITS.get(d) in anchor["counts"]:
                    i = anchor["values"].index(value) if value in anchor["values"] else None
                    row.append(f"{anchor['counts'][PAPER_BITS[d]][i]}/{anchors.DRAWS}" if i is not None else "")
                cell = part[(part.dtype == d) & (part[sweep] == value)].set_index("framework")
                row.append(" · ".join(f"{int(cell.differ[f])}/{int(cell.draws[f])}" if f in cell.index else "n/a"
                                      for f in frameworks))
            rows.append(row)
        sections.append(f"**{sweep}** (paper: {anchor['fixed']}; {anchors.cite(anchor['file'])})\n\n"
                        + table(header, rows))
    return "\n\n".join(sections)


def trend_text(volume: pd.DataFrame) -> str:
    """Whether the 32-bit width sweep rises with width and the 64-bit shows none, per framework."""
    ok = volume[(volume.outcome == "ok") & (volume.sweep == "width")]
    lines, flat = [], False
    for framework, part in ok.groupby("framework"):
        f32 = part[part.dtype == "float32"].sort_values("width")
        f64 = part[part.dtype == "float64"]
        share = list(f32.differ / f32.draws)
        rising = bool(share) and all(b >= a for a, b in zip(share, share[1:])) and share[-1] > share[0]
        lines.append(f"- {framework}: float32 width sweep {'rises' if rising else 'does not rise'} with width "
                     f"({', '.join(f'{int(k)}/{int(n)}' for k, n in zip(f32.differ, f32.draws))}); "
                     f"float64: {int(f64.differ.sum())} bifurcating draws of {int(f64.draws.sum())}.")
        flat = flat or not rising
    f32 = ok[ok.dtype == "float32"]
    if flat and len(f32):
        lines.append(f"- Why no float32 trend here: the width sweep's draws met {int(f32.zeros.sum())} relu inputs "
                     f"exactly 0 among {int(f32.relu_inputs.sum())} (every framework and width), so a bifurcation "
                     f"is rare at every width and {int(f32.draws.max())} draws or fewer per width cannot resolve a "
                     f"trend; the paper's counts come from 1000 draws, each a pass over {anchors.MNIST_TRAIN} MNIST "
                     "images of 784 bytes (where ours differ, below).")
    return "\n".join(lines)


def zeros_text(zeros: pd.DataFrame, volume: pd.DataFrame, study: dict) -> str:
    ok = zeros[zeros.outcome == "ok"]
    runs = ok.groupby(["framework", "dtype", "variant", "seed"])[["zeros", "relu_inputs"]].sum()
    runs["fraction"] = runs.zeros / runs.relu_inputs
    rows = []
    for dtype in ("float16", "bfloat16", "float32", "float64"):
        part = runs[runs.index.get_level_values("dtype") == dtype]
        if part.empty:
            continue
        top = part.fraction.idxmax()
        paper = anchors.ZEROS["largest"].get(PAPER_BITS.get(dtype))
        rows.append([dtype, f"{part.fraction.max():.3g} ({top[0]}, {top[2]}, seed {top[3]})",
                     f"{paper[0]:.3g} ({paper[1]})" if paper else "not measured"])
    text = table(["dtype", f"ours: largest fraction over {study['config']['epochs']} epochs",
                   f"paper: largest over 100 epochs ({anchors.cite(anchors.ZEROS['file'])})"], rows)
    return text + "\n\n" + rate_text(volume, study)


def rate_text(volume: pd.DataFrame, study: dict) -> str:
    """The paper-sized draw predicted from our float32 zero rate at the default network."""
    config = study["config"]
    base = volume[(volume.outcome == "ok") & (volume.sweep == "width") & (volume.width == config["width"])
                  & (volume.dtype == "float32")]
    if base.empty:
        return ""
    rate = base.zeros.sum() / base.relu_inputs.sum()
    per_draw_ours = study["data"]["train"] * config["depth"] * config["width"]
    per_draw_paper = anchors.MNIST_TRAIN * config["depth"] * config["width"]
    return (f"In float32 at {config['depth']} x {config['width']}, {int(base.zeros.sum())} of "
            f"{int(base.relu_inputs.sum())} relu inputs were exactly 0 in the volume draws (rate {rate:.3g}). "
            f"One of our draws passes {per_draw_ours} relu inputs, one of the paper's {per_draw_paper} "
            f"({anchors.MNIST_TRAIN} MNIST images): at our rate, with zeros independent, a paper-sized draw "
            f"would hold a zero with probability {1 - np.exp(-rate * per_draw_paper):.3g} "
            f"(ours: {1 - np.exp(-rate * per_draw_ours):.3g}).")


def paper_training_table() -> str:
    rows = [[a["what"], _percent(a["zero"]), _percent(a["one"]), a["note"], anchors.cite(a["file"])]
            for a in anchors.TRAINING]
    return table(["paper: network, data, optimiser", "relu'(0)=0", "relu'(0)=1", "", "source"], rows)


def across_frameworks(divergence: pd.DataFrame) -> str:
    d = divergence[(divergence.variant_a == divergence.variant_b) & (divergence.framework_a != divergence.framework_b)
                   & (divergence.variant_a == "own")]
    if d.empty:
        return "No two frameworks trained the same variant."
    last = d[d.epoch == d.epoch.max()]
    rows = [[r.dtype, f"{r.framework_a} / {r.framework_b}", r.seed,
             "identical" if pd.isna(r.first_differing_step) else int(r.first_differing_step),
             f"{r.relative_distance:.3g}"] for r in last.itertuples()]
    return table(["dtype", "frameworks", "seed", "first step whose weights differ",
                   f"relative distance after epoch {int(d.epoch.max())}"], rows)


def summary(out: Path) -> str:
    """The answer and the key tables: what docs/consequence.md quotes."""
    study = json.loads((out / "study.json").read_text())
    training, divergence, kinks = read(out, "training"), read(out, "divergence"), read(out, "kinks")
    volume = read(out, "volume")
    return "\n\n".join(part for part in (answer(training, divergence), not_studied_text(training),
                                           training_table(training, divergence, kinks), kink_table(kinks),
                                           trend_text(volume), cost_text(study)) if part)


def not_studied_text(training: pd.DataFrame) -> str:
    """One line per framework no worker ran (its rows' outcome and detail say why); '' if none."""
    idle = training[training.outcome.isin(["unsupported", "not_installed"])].drop_duplicates("framework")
    return "\n".join(f"- {r.framework}: not studied ({r.outcome}: {r.detail})." for r in idle.itertuples())


def cost_text(study: dict) -> str:
    return (f"Cost: `{study['command']}` took {study['wall_seconds']:.0f} s wall, "
            f"{study['worker_cpu_seconds']:.0f} s of worker CPU time{_cpu_by_framework(study)}, on "
            f"{study['cpus']} CPUs with load average {study['load_average_before']} before and "
            f"{study['load_average_after']} after (1, 5, 15 min; {study['date']}).")


def _cpu_by_framework(study: dict) -> str:
    """' (torch 80 s, ...)': each worker's CPU seconds, import included (study.json)."""
    by_framework: dict = {}
    for key, seconds in study.get("worker_cpu_seconds_by_framework_dtype", {}).items():
        framework = key.split(" ")[0]
        by_framework[framework] = by_framework.get(framework, 0.0) + seconds
    return (" (" + ", ".join(f"{f} {s:.0f} s" for f, s in by_framework.items()) + ")") if by_framework else ""


def differences_text(study: dict, training: pd.DataFrame) -> str:
    data, config = study["data"], study["config"]
    ok = training[training.outcome == "ok"].drop_duplicates("framework")
    modes = ", ".join(f"{r.framework} {r.mode}" for r in ok.itertuples()) or "no framework ran"
    return "\n".join([
        f"- Data: {data['name']}, {data['train']} training examples of {data['features']} features, against "
        f"MNIST's {anchors.MNIST_TRAIN} of 784: a draw (one pass) sees about "
        f"{anchors.MNIST_TRAIN // max(1, data['train'])}x fewer relu inputs per unit of width, so fewer "
        "chances of an exact 0. Digits' pixels are integers 0..16 scaled by 1/16: coarse inputs, where MNIST's "
        "are bytes / 255.",
        f"- Draws: {config['draws']} per configuration here (fewer where one draw is costly: volume.csv's "
        f"`draws`), 1000 in the paper: our intervals (volume.csv's low, high: Wilson 95%) are wide.",
        "- Bifurcation test: `differ` compares the bits of every parameter's gradient per minibatch, "
        "`differ_w1` the values of the first layer's weight gradient (the paper's test).",
        "- The paper's relu'(0)=1 (relu.py, ReLUAlpha) sets the gradient at a zero to the constant alpha, "
        "not alpha times the incoming gradient; ours is the chain rule. Both are 0 for relu'(0)=0.",
        "- The paper's 64-bit depth sweep `break`s before any computation: those zeros are by construction. "
        "Ours computes every float64 draw.",
        "- Hardware: the paper ran one framework on a GPU; this study runs every framework on CPU, one thread "
        f"each, compiled where a first compile is cheap (the adapter's costly_modes), else eager: {modes}.",
        f"- Training: plain SGD (lr {config['lr']}), {config['depth']} x {config['width']}, batch "
        f"{config['batch']}, {config['epochs']} epochs, seeds {', '.join(map(str, config['seeds']))}: not the "
        "paper's ResNet18 (200 epochs) and VGG11 (100 epochs) runs; their figures are context, not a like-for-like test.",
    ])


def write_report(out: Path) -> Path:
    study = json.loads((out / "study.json").read_text())
    training, volume, zeros = read(out, "training"), read(out, "volume"), read(out, "zeros")
    divergence = read(out, "divergence")
    figures = [f for f in (plots.training_plot(training, out), plots.volume_plot(volume, out)) if f]
    failed = pd.concat([t[t.outcome != "ok"] for t in (training, volume)])
    text = "\n\n".join([
        "# Does relu'(0) matter? The training consequence",
        f"`{study['command']}` · {study['data']['name']} · {study['date']}",
        "## The answer", summary(out),
        "## Beside Bertoin et al. (NeurIPS 2021)",
        "### Bifurcation volume: draws whose backprop differs between relu'(0)=0 and 1", volume_tables(volume),
        trend_text(volume),
        "### Exact zeros among relu inputs during training", zeros_text(zeros, volume, study),
        "### Training (the paper's networks, for context)", paper_training_table(),
        f"Spellings (Bolte & Pauwels, NeurIPS 2020): {anchors.SPELLING}; the table of backprop's relu'(0) "
        "above is measured (kinks.csv).",
        "## Where ours differ from the paper's, and why", differences_text(study, training),
        "## The same weights and minibatches in every framework (divergence.csv)", across_frameworks(divergence),
        "## Plots", "\n\n".join(f"![{f}]({f})" for f in figures) or "No successful rows to plot.",
        "## Rows without a result",
        table(["framework", "dtype", "outcome", "detail"],
               [[r.framework, r.dtype, r.outcome, r.detail] for r in failed.drop_duplicates(
                   ["framework", "dtype", "outcome", "detail"]).itertuples()]) if len(failed) else "None.",
    ]) + "\n"
    path = out / REPORT
    path.write_text(text, encoding="utf-8")
    return path


def docs_block(out: Path) -> str:
    """What docs/consequence.md quotes: the summary, and the --quick study's cost (out/quick/)."""
    quick = out / "quick" / "study.json"
    parts = [summary(out)]
    if quick.exists():
        parts.append("The quick study: " + cost_text(json.loads(quick.read_text())).removeprefix("Cost: "))
    return "\n\n".join(parts)
