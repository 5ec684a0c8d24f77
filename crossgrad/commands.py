"""What each `crossgrad` sub-command does (argument parsing lives in crossgrad.cli)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from crossgrad.adapter import DEVICES, MODES
from crossgrad.case import DTYPES
from crossgrad.cli import EXIT_INTERRUPTED, EXIT_PARTIAL, UsageError, choose, positive_ints, positive_number
from crossgrad.plan import RunConfig
from crossgrad.progress import Progress
from crossgrad.registry import cases, frameworks


def load_case_sources(args) -> None:
    """--cases-from PATH.py (repeatable, comma-separated): the user's cases join the catalogue."""
    from crossgrad.registry import use_case_files
    from crossgrad.user_cases import CaseSourceError

    paths = [p.strip() for text in getattr(args, "cases_from", None) or () for p in text.split(",") if p.strip()]
    try:
        use_case_files(paths)
    except CaseSourceError as exc:
        raise UsageError(str(exc)) from None


def selection(args) -> RunConfig:
    load_case_sources(args)
    fws, all_cases = frameworks(), cases()
    installed = [n for n, a in fws.items() if a.version() is not None]
    chosen_fws = choose(args.frameworks, list(fws), "frameworks", installed)
    if not chosen_fws:
        raise UsageError(f"no framework is installed; known: {', '.join(fws)} (make install sets them up)")
    chosen_cases = choose(args.cases, list(all_cases), "cases", all_cases)
    all_points = sorted({p.name for c in chosen_cases for p in all_cases[c].points})
    points = choose(args.points, all_points, "points", ())
    modes = choose(args.modes, MODES, "modes", MODES)
    if not any(m in fws[f].modes for f in chosen_fws for m in modes):
        raise UsageError(f"no selected framework has mode(s) {', '.join(modes)}; "
                         + "; ".join(f"{f}: {', '.join(fws[f].modes)}" for f in chosen_fws))
    return RunConfig(frameworks=chosen_fws, cases=chosen_cases, modes=modes,
                     devices=choose(args.devices, DEVICES, "devices", ("cpu",)),
                     dtypes=choose(args.dtypes, DTYPES, "dtypes", DTYPES), points=points,
                     timeout=positive_number(args.timeout, "timeout"),
                     threads=positive_ints(args.threads, "threads", (None,))[0] if getattr(args, "threads", None) else None)


def jobs_of(args) -> int:
    default = min(3, os.cpu_count() or 1)
    return positive_ints(args.jobs, "jobs", (default,))[0]


def run_dir_for(args, prefix: str = "") -> Path:
    from crossgrad.runner import new_run_id

    path = Path(args.out) if args.out else Path("results") / f"{prefix}{new_run_id()}"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write the output folder {str(path)!r}: {exc.strerror or exc}") from None
    return path


def timing_plan(args, config: RunConfig) -> tuple[dict, dict | None]:
    """framework -> timing specs, and the harness options; empty with --no-timings."""
    if getattr(args, "no_timings", False):
        return {}, None
    from crossgrad import timing_run

    workloads = choose(args.workloads, timing_run.WORKLOADS, "workloads", timing_run.WORKLOADS)
    sizes = positive_ints(args.sizes, "sizes", (None,)) if args.sizes else None  # None: per-device defaults
    specs = {fw: timing_run.timing_specs({fw: frameworks()[fw].modes}, config.devices, workloads, sizes,
                                         modes=config.modes)
             for fw in config.frameworks}
    return specs, timing_run.default_options()


def execute_run(config: RunConfig, run_dir: Path, plan: dict, timing_options, argv, jobs: int = 1) -> int:
    from crossgrad.env import host_env
    from crossgrad.finish import finish
    from crossgrad.runner import Run, execute

    from crossgrad.cli import install_signal_handlers

    install_signal_handlers()
    run = Run(run_dir, config, host_env(["crossgrad", *argv]), timing_options)
    total = sum(len(t) for per_fw in plan.values() for t in per_fw.values())
    status = "interrupted"
    try:
        with Progress(total) as progress:
            status = "complete" if execute(run, plan, progress, jobs=jobs) else "partial"
    except KeyboardInterrupt:
        print("crossgrad: interrupted; reporting what finished", file=sys.stderr)
    finally:
        run.close(status)
    report = finish(run_dir)
    print(report)
    return {"complete": 0, "partial": EXIT_PARTIAL}.get(status, EXIT_INTERRUPTED)


def cmd_run(args, argv) -> int:
    from crossgrad.runner import value_tasks

    if args.no_timings and args.timings_only:
        raise UsageError("--no-timings and --timings-only exclude each other")
    config = selection(args)
    timing_specs, timing_options = timing_plan(args, config)
    plan = {"values": {} if args.timings_only else value_tasks(config), "timings": timing_specs}
    return execute_run(config, run_dir_for(args), plan, timing_options, argv, jobs_of(args))


def cmd_list(args, argv) -> int:
    load_case_sources(args)
    print("frameworks:")
    for name, adapter in frameworks().items():
        version = adapter.version()
        state = f"{version}" if version else f"not installed ({getattr(adapter, 'install_hint', '')})"
        print(f"  {name:<12} {state:<28} modes: {', '.join(adapter.modes)}")
    print("cases (points):")
    for name, case in cases().items():
        print(f"  {name:<12} {', '.join(p.name for p in case.points):<44} {case.description}")
    print(f"devices: {', '.join(DEVICES)}   dtypes: {', '.join(DTYPES)}")
    return 0


def cmd_report(args, argv) -> int:
    from crossgrad.finish import finish
    from crossgrad.records import RecordFormatError

    if args.benchmark_json:
        return report_benchmark_json(args)
    if not args.run_dir:
        raise UsageError("report needs a run folder (results/<run-id>) or --from-benchmark-json FILE")
    run_dir = Path(args.run_dir)
    if not (run_dir / "manifest.json").is_file():
        raise UsageError(f"{str(run_dir)!r} is not a run folder (no manifest.json); "
                         f"runs here: {', '.join(list_runs()) or 'none'}")
    try:
        print(finish(run_dir))
    except (RecordFormatError, OSError) as exc:
        print(f"crossgrad: error: {exc}", file=sys.stderr)
        return 2
    return 0


def list_runs() -> list[str]:
    root = Path("results")
    return sorted(str(p) for p in root.glob("*") if (p / "manifest.json").is_file())[-5:] if root.is_dir() else []


def report_benchmark_json(args) -> int:
    from crossgrad.bench_json import rows_from_benchmark_json
    from crossgrad.timing_report import timing_section, write_timings_csv
    from crossgrad.records import atomic_write_text

    source = Path(args.benchmark_json)
    if not source.is_file():
        raise UsageError(f"no such file {str(source)!r} (make one with pytest --benchmark-only --benchmark-json FILE)")
    try:
        rows = rows_from_benchmark_json(source)
    except ValueError as exc:
        raise UsageError(f"{source}: {exc}") from None
    out = run_dir_for(args, prefix="bench-")
    write_timings_csv(out, rows)
    report = out / "report.md"
    atomic_write_text(report, f"# crossgrad timings from {source.name}\n\n" + timing_section(rows, out))
    print(report)
    return 0


def cmd_check(args, argv) -> int:
    from crossgrad.check import check_rows
    from crossgrad.finish import load_run
    from crossgrad.runner import value_tasks
    from crossgrad.truth import annotate

    config = selection(args)
    run_dir = run_dir_for(args, prefix="check-")
    code = execute_run(config, run_dir, {"values": value_tasks(config)}, None, argv, jobs_of(args))
    if code == EXIT_INTERRUPTED:
        return code
    rows, _, _, _ = load_run(run_dir)
    annotate(rows, cases())
    path = Path(args.expectations) if args.expectations else Path(__file__).parent.parent / "cases" / "expectations.csv"
    status, text = check_rows(rows, path, update=args.update)
    print(text)
    return status or code
