"""What each `crossgrad` sub-command does (the parser lives in crossgrad.cli, which imports this).

Frameworks are never imported here (nor by anything imported here): the runner
starts worker subprocesses, each holding one framework.
"""
from __future__ import annotations

import os
import signal
import sys
from collections import Counter
from pathlib import Path

from cases.scope import QUICK_SIZES, SCOPES
from crossgrad.adapter import DEVICES, MODES
from crossgrad.arguments import (EXIT_INTERRUPTED, EXIT_NOTHING_JUDGED, EXIT_PARTIAL, UsageError, choose,
                                 positive_ints, positive_number, refuse_unused)
from crossgrad.timing import run as timing_run
from crossgrad.timing.bench_json import rows_from_benchmark_json
from crossgrad.core.case import DTYPES
from crossgrad.core.records import RecordFormatError, atomic_write_text
from crossgrad.core.registry import frameworks
from crossgrad.catalogue import cases, use_case_files
from crossgrad.core.run_folder import MANIFEST, is_run_folder, REPORT
from crossgrad.core.user_cases import CaseSourceError
from crossgrad.drift.command import compare
from crossgrad.judging.check_update import check_rows
from crossgrad.judging.verdicts import annotate
from crossgrad.reporting.finish import finish, load_run
from crossgrad.reporting.snippet_file import write_snippets
from crossgrad.running.env import host_env
from crossgrad.running.plan import RunConfig
from crossgrad.running.progress import Progress
from crossgrad.running.runner import Run, execute, new_run_id, value_tasks
from crossgrad.timing.report import timing_section, write_timings_csv


def load_case_sources(args) -> None:
    """--cases-from PATH.py (repeatable, comma-separated): the user's cases join the catalogue."""
    paths = [p.strip() for text in getattr(args, "cases_from", None) or () for p in text.split(",") if p.strip()]
    try:
        use_case_files(paths)
    except CaseSourceError as exc:
        raise UsageError(str(exc)) from None


def selection(args) -> RunConfig:
    load_case_sources(args)
    fws, all_cases = frameworks(), cases()
    installed = [n for n, a in fws.items() if a.version() is not None]
    synonyms = {other: name for name, adapter in fws.items() for other in getattr(adapter, "synonyms", ())}
    chosen_fws = choose(args.frameworks, list(fws), "frameworks", installed, synonyms)
    if not chosen_fws:
        raise UsageError(f"no framework is installed; known: {', '.join(fws)} (make install sets them up)")
    chosen_cases = choose(args.cases, list(all_cases), "cases", all_cases)
    all_points = sorted({p.name for c in chosen_cases for p in all_cases[c].points})
    points = choose(args.points, all_points, "points", ())
    modes = choose(args.modes, MODES, "modes", MODES)
    if not any(m in fws[f].modes for f in chosen_fws for m in modes):
        raise UsageError(f"no selected framework has mode(s) {', '.join(modes)}; "
                         + "; ".join(f"{f}: {', '.join(fws[f].modes)}" for f in chosen_fws))
    optional = {}
    if args.timeout is not None:  # else RunConfig's default: the one default
        optional["timeout"] = positive_number(args.timeout, "timeout")
    if getattr(args, "threads", None):
        optional["threads"] = positive_ints(args.threads, "threads", (None,))[0]
    if getattr(args, "scope", None):
        scopes = choose(args.scope, SCOPES, "scope", ())
        if len(scopes) != 1:
            raise UsageError(f"--scope takes one of: {', '.join(SCOPES)}")
        optional["scope"] = scopes[0]
    if getattr(args, "python", None):
        optional["python"] = interpreter(args.python)
    return RunConfig(frameworks=chosen_fws, cases=chosen_cases, modes=modes,
                     devices=choose(args.devices, DEVICES, "devices", ("cpu",)),
                     dtypes=choose(args.dtypes, DTYPES, "dtypes", DTYPES), points=points, **optional)


def interpreter(text: str) -> str:
    """--python: an executable file (another environment's python), made absolute."""
    path = Path(text).expanduser()
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise UsageError(f"--python {text!r} is not an executable file; give another environment's "
                         "bin/python (it needs only the framework and NumPy)")
    return str(path.absolute())


def jobs_of(args) -> int:
    # One worker more than cores, with a long run's values in two shards per
    # framework (running.runner.shards): no core idles while the last framework
    # finishes (measured on 2 cores, quick scope: values 2 min 47-55 s, was 3 min 24 s).
    default = (os.cpu_count() or 1) + 1
    return positive_ints(args.jobs, "jobs", (default,))[0]


def run_dir_for(args, prefix: str = "") -> Path:
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

    workloads = choose(args.workloads, timing_run.WORKLOADS, "workloads", timing_run.WORKLOADS)
    sizes = positive_ints(args.sizes, "sizes", (None,)) if args.sizes else None  # None: per-device defaults
    if sizes is None and config.scope == "quick":
        sizes = QUICK_SIZES  # the scope's stated sizes, on every device
    specs = {fw: timing_run.timing_specs({fw: frameworks()[fw].modes}, config.devices, workloads, sizes,
                                         modes=config.modes)
             for fw in config.frameworks}
    return specs, timing_run.default_options()


def install_signal_handlers() -> None:
    """SIGTERM ends a run like Ctrl-C does: workers killed, what finished reported."""
    def to_interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, to_interrupt)


def execute_run(config: RunConfig, run_dir: Path, plan: dict, timing_options, argv, jobs: int = 1,
                report: bool = True) -> int:
    install_signal_handlers()
    run = Run(run_dir, config, host_env(["crossgrad", *argv]), timing_options)
    run.manifest["compile_cache"] = compile_caches(config.frameworks)
    status = "interrupted"
    try:
        with Progress(plan) as progress:
            status = "complete" if execute(run, plan, progress, jobs=jobs) else "partial"
    except KeyboardInterrupt:
        print("crossgrad: interrupted; reporting what finished", file=sys.stderr)
    finally:
        run.close(status)
    print(finish(run_dir, report=report))
    return {"complete": 0, "partial": EXIT_PARTIAL}.get(status, EXIT_INTERRUPTED)


def compile_caches(names) -> dict[str, str]:
    """Each framework's on-disk compile cache before the run began (cold, warm, off), for the
    manifest: the adapter's optional compile_cache(), which reads folders and imports nothing."""
    out = {}
    for name in names:
        hook = getattr(frameworks()[name], "compile_cache", None)
        try:
            out[name] = str(hook()) if callable(hook) else "not reported"
        except Exception as exc:  # a probe of a folder must not cost the run
            out[name] = f"not reported ({type(exc).__name__}: {exc})"
    return out


def unavailable_reasons(rows: list[dict], timings: list[dict]) -> tuple[int, Counter]:
    """(values that ran, {reason: count} of values that are `unavailable`). The
    timings' copy row is the machine's reference, not a selected value."""
    selected = list(rows) + [t for t in timings if t.get("workload") != "copy"]
    reasons = Counter(str(r.get("detail") or "unavailable") for r in selected if r.get("outcome") == "unavailable")
    return len(selected) - sum(reasons.values()), reasons


def say_what_was_judged(run_dir: Path) -> bool:
    """One stderr line when values were skipped as unavailable; False when nothing ran at all."""
    rows, timings, _, _ = load_run(run_dir)
    ran, reasons = unavailable_reasons(rows, timings)
    listed = "; ".join(f"{reason} ({count})" for reason, count in sorted(reasons.items()))
    if not ran:
        why = f"every selected value is unavailable: {listed}" if reasons else "the selection holds no value"
        print(f"crossgrad: nothing judged: {why} (exit {EXIT_NOTHING_JUDGED})", file=sys.stderr)
        return False
    if reasons:
        print(f"crossgrad: skipped {sum(reasons.values())} unavailable value(s): {listed}", file=sys.stderr)
    return True


def cmd_run(args, argv) -> int:
    if args.no_timings and args.timings_only:
        raise UsageError("--no-timings and --timings-only exclude each other")
    if args.no_timings:
        refuse_unused(args, dict.fromkeys(("sizes", "workloads"), "with --no-timings (values only)"))
    if args.timings_only:
        refuse_unused(args, dict.fromkeys(("cases", "points", "dtypes", "jobs", "scope"),
                                          "with --timings-only (timings have their own workloads, "
                                          "float32, one framework at a time)"))
    config = selection(args)
    timing_specs, timing_options = timing_plan(args, config)
    plan = {"values": {} if args.timings_only else value_tasks(config), "timings": timing_specs}
    run_dir = run_dir_for(args)
    code = execute_run(config, run_dir, plan, timing_options, argv, jobs_of(args), report=not args.no_report)
    if code != EXIT_INTERRUPTED and not say_what_was_judged(run_dir):
        return EXIT_NOTHING_JUDGED
    return code


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
    filters = [f for f in ("frameworks", "cases", "points", "modes", "devices", "dtypes") if getattr(args, f)]
    if args.benchmark_json:
        refuse_unused(args, {"snippets": "with --from-benchmark-json (it holds timings only)",
                             **dict.fromkeys(filters, "with --from-benchmark-json")})
        return report_benchmark_json(args)
    refuse_unused(args, {"out": "without --from-benchmark-json (a report is rebuilt in its run folder)"})
    if not args.snippets:
        refuse_unused(args, dict.fromkeys(filters, "without --snippets"))
    run_dir = existing_run(args.run_dir)
    try:
        if args.snippets:
            print(write_snippets(run_dir, {f: getattr(args, f) for f in filters}))
        else:
            print(finish(run_dir))
    except (RecordFormatError, OSError) as exc:
        print(f"crossgrad: error: {exc}", file=sys.stderr)
        return 2
    return 0


def existing_run(text: str | None) -> Path:
    if not text:
        raise UsageError("report needs a run folder (results/<run-id>) or --from-benchmark-json FILE")

    run_dir = Path(text)
    if not is_run_folder(run_dir):
        raise UsageError(f"{str(run_dir)!r} is not a run folder (no {MANIFEST}); "
                         f"runs here: {', '.join(list_runs()) or 'none'}")
    return run_dir


def list_runs() -> list[str]:
    root = Path("results")
    return sorted(str(p) for p in root.glob("*") if is_run_folder(p))[-5:] if root.is_dir() else []


def report_benchmark_json(args) -> int:
    source = Path(args.benchmark_json)
    if not source.is_file():
        raise UsageError(f"no such file {str(source)!r} (make one with pytest --benchmark-only --benchmark-json FILE)")
    try:
        rows = rows_from_benchmark_json(source)
    except ValueError as exc:
        raise UsageError(f"{source}: {exc}") from None
    out = run_dir_for(args, prefix="bench-")
    write_timings_csv(out, rows)

    report = out / REPORT
    atomic_write_text(report, f"# crossgrad timings from {source.name}\n\n" + timing_section(rows, out))
    print(report)
    return 0


def cmd_check(args, argv) -> int:
    config = selection(args)
    run_dir = run_dir_for(args, prefix="check-")
    code = execute_run(config, run_dir, {"values": value_tasks(config)}, None, argv, jobs_of(args))
    if code == EXIT_INTERRUPTED:
        return code
    if not say_what_was_judged(run_dir):  # a gate that checked nothing must not pass
        return EXIT_NOTHING_JUDGED
    rows, _, _, _ = load_run(run_dir)
    annotate(rows, cases())
    path = Path(args.expectations) if args.expectations else Path(__file__).parent.parent / "cases" / "expectations.csv"
    status, text = check_rows(rows, path, update=args.update)
    print(text)
    return status or code


def cmd_compare(args, argv) -> int:
    load_case_sources(args)  # the user's cases give their rows truths and snippets
    return compare(args)


def cmd_history(args, argv) -> int:
    from crossgrad.history.command import history  # pandas: not for `crossgrad list`

    load_case_sources(args)
    return history(args)
