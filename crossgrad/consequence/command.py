"""`crossgrad consequence`: the options checked, the study run, its folder written.

Output folder: kinks.csv, volume.csv, zeros.csv, training.csv, divergence.csv,
study.json (settings, versions, times, the machine's load), consequence.md and
its plots; worker-<framework>.log hold each worker's stderr.
"""
from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

from crossgrad.arguments import EXIT_PARTIAL, UsageError, choose
from crossgrad.consequence import data as datasets
from crossgrad.consequence import divergence, study, tables
from crossgrad.consequence.config import DTYPES, INITS, VARIANTS, StudyConfig, quick
from crossgrad.consequence.report import write_report
from crossgrad.core.records import atomic_write_text
from crossgrad.core.registry import frameworks
from crossgrad.consequence.options import add_parser  # noqa: F401 (the command's options)

STUDY_FILE = "study.json"


def _int(text, name: str, low: int = 1) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"--{name} must be an integer >= {low}, got {text!r}") from None
    if value < low:
        raise UsageError(f"--{name} must be an integer >= {low}, got {value}")
    return value


def _positive_float(text, name: str) -> float:
    """A command-line number (--lr, --timeout). Not a value's text, so not
    crossgrad.core.same_value.parse_value: "" is not "no value" here, and NaN, inf and
    anything not positive are refused with a usage error."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise UsageError(f"--{name} must be a positive number, got {text!r}")
    return value


def _seeds(text: str) -> tuple:
    seeds = tuple(_int(s, "seeds", 0) for s in text.split(",") if s.strip())
    if not seeds:
        raise UsageError("--seeds is empty; give integers >= 0, e.g. 0,1")
    return seeds


def config_from(args) -> StudyConfig:
    """The study's settings from the options; UsageError (exit 2) names a bad one and the valid choices."""
    config = quick(StudyConfig()) if args.quick else StudyConfig()
    known = frameworks()
    changes = dict(
        frameworks=choose(args.frameworks, list(known), "frameworks", config.frameworks or tuple(known)),
        dtypes=choose(args.dtypes, DTYPES, "dtypes", config.dtypes),
        variants=choose(args.variants, VARIANTS, "variants", config.variants),
        init=choose(args.init, INITS, "init", (config.init,))[0] if args.init else config.init)
    for name in ("depth", "width", "batch", "volume_batch", "epochs", "draws"):
        if getattr(args, name) is not None:
            changes[name] = _int(getattr(args, name), name.replace("_", "-"))
    if args.seeds is not None:
        changes["seeds"] = _seeds(args.seeds)
    if args.lr is not None:
        changes["lr"] = _positive_float(args.lr, "lr")
    if args.timeout is not None:
        changes["timeout"] = _positive_float(args.timeout, "timeout")
    if args.jobs is not None:
        changes["jobs"] = _int(args.jobs, "jobs")
    if args.data is not None:
        changes["data"] = str(Path(args.data).resolve())
    return replace(config, **changes)


def run(args, argv) -> int:
    config = config_from(args)
    try:
        data = datasets.load(config.data, config.test_fraction)
    except datasets.DataError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out or f"results/consequence-{time.strftime('%Y%m%d-%H%M%S')}")
    out.mkdir(parents=True, exist_ok=True)
    print(f"crossgrad consequence: {data.name}, {len(data.x_train)} train / {len(data.x_test)} test; "
          f"writing {out}", file=sys.stderr)
    started, load_before = time.monotonic(), study.load_text()
    collector = study.Collector(config)
    complete = study.run_workers(config, out, collector, data)
    write_tables(out, collector)
    study.remove_work(out)
    write_study_file(out, config, data, argv, time.monotonic() - started, load_before, collector.cpu_by_framework())
    write_report(out)
    print(f"crossgrad consequence: wrote {out / 'consequence.md'}", file=sys.stderr)
    return 0 if complete else EXIT_PARTIAL


def write_tables(out: Path, collector) -> None:
    t = collector.tables
    training = tables.with_relu_prime(t["training"], t["kinks"])
    tables.write(out, "kinks", t["kinks"])
    tables.write(out, "volume", tables.volume_rows(t["volume"]))
    tables.write(out, "training", training)
    tables.write(out, "zeros", tables.zeros_rows(training))
    tables.write(out, "divergence", divergence.divergence_rows(collector.hashes, collector.weights))


def write_study_file(out: Path, config, data, argv, seconds: float, load_before: str, cpu: dict) -> None:
    facts = dict(command="crossgrad consequence " + " ".join(argv[1:] if argv[:1] == ["consequence"] else argv),
                 config=config.as_dict(), data=dict(name=data.name, train=len(data.x_train),
                                                    test=len(data.x_test), features=data.features),
                 wall_seconds=seconds, worker_cpu_seconds=study.cpu_seconds_of_workers(),
                 worker_cpu_seconds_by_framework_dtype=cpu,
                 load_average_before=load_before, load_average_after=study.load_text(),
                 cpus=os.cpu_count(), machine=platform.machine(), python=platform.python_version(),
                 date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    atomic_write_text(out / STUDY_FILE, json.dumps(facts, indent=2, default=str) + "\n")
