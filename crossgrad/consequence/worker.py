"""One framework's share of the study, in its own process (python -m crossgrad.consequence.worker).

The protocol is the catalogue's (crossgrad.running.worker.Channel, supervised
by crossgrad.running.supervisor): the job as JSON on stdin, one event per line
out; a crash or hang here loses only this framework's remaining tasks. A task
that raises (a dtype a kernel lacks) is a row saying why, not a lost worker.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import traceback
from pathlib import Path

import numpy as np

from crossgrad.consequence import data as datasets
from crossgrad.consequence.config import VARIANTS, config_from_dict
from crossgrad.consequence.kinks import kink_rows
from crossgrad.consequence.measure import Bench, study_mode
from crossgrad.consequence.training import train_run
from crossgrad.consequence.volume import volume_row
from crossgrad.core.registry import frameworks
from crossgrad.running.worker import Channel


def weights_file(work: str, framework: str, dtype: str, variant: str, seed: int) -> Path:
    """Where a training run's per-epoch weights go (inside the study's output folder)."""
    return Path(work) / f"{framework}_{dtype}_v{VARIANTS.index(variant)}_s{seed}.npz"


def run_task(channel: Channel, bench: Bench, task: dict, config, job: dict) -> None:
    kind = task["kind"]
    if kind == "kinks":
        channel.send("rows", table="kinks", task=task, rows=kink_rows(bench, config.variants))
    elif kind == "volume":
        point = {k: task[k] for k in ("sweep", "depth", "width", "batch")}
        channel.send("rows", table="volume", task=task,
                     rows=[volume_row(bench, point, config, job.get("exhaustive", False))])
    elif kind == "train":
        rows, hashes, weights = train_run(bench, config, task["variant"], task["seed"])
        path = weights_file(job["work"], job["framework"], task["dtype"], task["variant"], task["seed"])
        np.savez(path, **{f"e{e}_{i}": w for e, epoch in enumerate(weights, 1) for i, w in enumerate(epoch)})
        channel.send("rows", table="training", task=task, rows=rows, hashes=hashes, weights=str(path))


def process_cpu_seconds() -> float:
    """This worker's CPU time so far, every thread (the study's cost per framework and dtype)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    job = json.load(sys.stdin)
    channel = Channel()
    try:
        config = config_from_dict(job["config"])
        data = datasets.read_saved(job["data"])  # the parent's split, as it wrote it
        adapter = frameworks()[job["framework"]]  # one framework per process: no import order to keep
        adapter.load(threads=job.get("threads"))
    except Exception as exc:  # an import failure is a result: rows say why
        channel.send("load_failed", error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
        return 0
    channel.send("loaded", version=adapter.version(), mode=study_mode(adapter))
    benches: dict[str, Bench] = {}
    for task in job["tasks"]:
        channel.send("task", task=task)
        try:
            bench = benches.get(task["dtype"]) or benches.setdefault(task["dtype"],
                                                                     Bench(adapter, task["dtype"], data))
            run_task(channel, bench, task, config, job)
        except Exception as exc:  # noqa: BLE001 - any failure of one task is that task's result
            channel.send("task_failed", task=task, error=f"{type(exc).__name__}: {exc}"[:500])
        channel.send("task_done", task=task, cpu_seconds=process_cpu_seconds())
    return 0


if __name__ == "__main__":
    sys.exit(main())
