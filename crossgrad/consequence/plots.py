"""The study's figures: training curves, and the volume along each sweep (matplotlib, no display)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

TRAINING_PNG, VOLUME_PNG = "training.png", "volume.png"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def training_plot(training: pd.DataFrame, out: Path) -> str | None:
    """Test accuracy per epoch: one panel per dtype, a line per framework and variant (seed mean)."""
    ok = training[training.outcome == "ok"]
    if ok.empty:
        return None
    plt = _pyplot()
    dtypes = list(dict.fromkeys(ok.dtype))
    fig, axes = plt.subplots(1, len(dtypes), figsize=(4.2 * len(dtypes), 3.6), squeeze=False, sharey=True)
    for ax, dtype in zip(axes[0], dtypes):
        curves = ok[ok.dtype == dtype].groupby(["framework", "variant", "epoch"]).test_accuracy.mean()
        for (framework, variant), curve in curves.groupby(level=[0, 1]):
            ax.plot(curve.index.get_level_values("epoch"), curve.values, label=f"{framework} {variant}",
                    linestyle="-" if variant in ("0", "own") else "--", linewidth=1)
        ax.set_title(dtype)
        ax.set_xlabel("epoch")
    axes[0][0].set_ylabel("test accuracy (mean over seeds)")
    axes[0][-1].legend(fontsize=6, ncol=2)
    return _save(fig, plt, out / TRAINING_PNG)


def volume_plot(volume: pd.DataFrame, out: Path) -> str | None:
    """Share of draws that bifurcate along each sweep, a line per framework and dtype."""
    ok = volume[volume.outcome == "ok"]
    if ok.empty:
        return None
    plt = _pyplot()
    sweeps = list(dict.fromkeys(ok.sweep))
    fig, axes = plt.subplots(1, len(sweeps), figsize=(4.2 * len(sweeps), 3.6), squeeze=False, sharey=True)
    for ax, sweep in zip(axes[0], sweeps):
        part = ok[ok.sweep == sweep]
        for (framework, dtype), line in part.groupby(["framework", "dtype"]):
            line = line.sort_values(sweep)
            ax.plot(line[sweep], line.differ / line.draws, marker="o", markersize=3, linewidth=1,
                    label=f"{framework} {dtype}")
        ax.set_xscale("log", base=2)
        ax.set_xlabel(sweep)
    axes[0][0].set_ylabel("bifurcating draws / draws")
    axes[0][-1].legend(fontsize=6, ncol=2)
    return _save(fig, plt, out / VOLUME_PNG)


def _save(fig, plt, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name
