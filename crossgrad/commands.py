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
from crossgrad.arguments import (EXIT_INTERRUPTED, EXIT_NOTHING_JUDGED, EXIT_PARTIAL, EXIT_WRITE_FAILED,
                                 UsageError, choose,
                                 positive_ints, positive_number, refuse_unused)
from crossgrad.timing import run as timing_run
from crossgrad.timing.bench_json import rows_from_benchmark_json
from crossgrad.core.case import DTYPES
from crossgrad.core.records import RecordFormatError, WriteFailed, atomic_write_text
from crossgrad.core.registry import frameworks
from crossgrad.catalogue import case_files, cases, use_case_files
from crossgrad.core.run_folder import MANIFEST, is_run_folder, read_json, REPORT
from crossgrad.core.user_cases import CaseSourceError
from crossgrad.drift.command import compare
from crossgrad.judging.check_update import check_rows
from crossgrad.judging.verdicts import annotate
from crossgrad.reporting.finish import finish, load_run
from crossgrad.reporting.snippet_file import write_snippets
from crossgrad.running.claim import FolderLock, claim, writer_of
from crossgrad.running.env import host_env
from crossgrad.running.plan import RunConfig
from crossgrad.running.progress import Progress
from crossgrad.running.resume import plan_digest, prepare_resume, versions_now
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
    return RunConfig(frameworks=chosen_fws, cases=chosen_cases, modes=modes,
                     devices=choose(args.devices, DEVICES, "devices", ("cpu",)),
                     dtypes=choose(args.dtypes, DTYPES, "dtypes", DTYPES), points=points, **optional)


def jobs_of(args) -> int:
    # One worker more than cores, with a long run's values in two shards per
    # framework (running.runner.shards): no core idles while the last framework
    # finishes (measured on 2 cores, quick scope: values 2 min 47-55 s, was 3 min 24 s).
    default = (os.cpu_count() or 1) + 1
    return positive_ints(args.jobs, "jobs", (default,))[0]


def run_dir_for(args, prefix: str = "") -> Path:
    """The output folder of a command that writes only files of its own (--from-benchmark-json)."""
    path = Path(args.out) if args.out else Path("results") / f"{prefix}{new_run_id()}"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write the output folder {str(path)!r}: {exc.strerror or exc}") from None
    return path


def claim_run_dir(args, prefix: str = "") -> tuple[Path, FolderLock]:
    """The run's folder, created and locked (crossgrad.running.claim): one run per folder."""
    if args.resume and args.overwrite:
        raise UsageError("--resume and --overwrite exclude each other")
    if args.resume and not args.out:
        raise UsageError("--resume needs --out: the folder of the interrupted run")
    path = Path(args.out) if args.out else Path("results") / f"{prefix}{new_run_id()}"
    return path, claim(path, overwrite=args.overwrite, resume=args.resume)


def start_run(args, config: RunConfig, plan: dict, timing_options, argv, prefix: str = "") -> tuple[Path, int]:
    """Claim the folder (resuming where asked), run the plan, release the folder."""
    run_dir, lock = claim_run_dir(args, prefix)
    try:
        identity = {"plan_digest": plan_digest(plan, timing_options), "versions": versions_now(config.frameworks)}
        resumed = None
        if args.resume:
            plan, manifest, env = prepare_resume(run_dir, plan, identity["plan_digest"], identity["versions"])
            resumed = (manifest, env)
        return run_dir, execute_run(config, run_dir, plan, timing_options, argv, jobs_of(args), identity, resumed)
    finally:
        lock.release()


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
                identity: dict | None = None, resumed: tuple | None = None) -> int:
    install_signal_handlers()
    run = Run(run_dir, config, host_env(["crossgrad", *argv]), timing_options, identity, resumed)
    run.manifest["compile_cache"] = compile_caches(config.frameworks)
    status, error = "interrupted", None
    try:
        run.save()
        with Progress(plan) as progress:
            status = "complete" if execute(run, plan, progress, jobs=jobs) else "partial"
    except KeyboardInterrupt:
        print("crossgrad: interrupted; reporting what finished", file=sys.stderr)
    except WriteFailed as exc:  # a full disk: stop, say so in the manifest, report nothing half-written
        status, error = "write_failed", exc
    finally:
        saved = run.close(status, str(error or ""))
    if error is None:
        try:
            print(finish(run_dir))
        except WriteFailed as exc:
            error = exc
    if error is not None:
        told = "the manifest says so" if saved else "even the manifest could not be updated"
        print(f"crossgrad: error: {error}; the run stopped ({told}; exit {EXIT_WRITE_FAILED})", file=sys.stderr)
        return EXIT_WRITE_FAILED
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
    jobs_of(args)  # a bad --jobs is refused before the folder exists
    timing_specs, timing_options = timing_plan(args, config)
    plan = {"values": {} if args.timings_only else value_tasks(config), "timings": timing_specs}
    run_dir, code = start_run(args, config, plan, timing_options, argv)
    if code in (EXIT_INTERRUPTED, EXIT_WRITE_FAILED):
        return code
    if not say_what_was_judged(run_dir):
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
    load_case_sources(args)
    try:
        say_which_case_files_are_not_loaded(run_dir)
        if args.snippets:
            print(write_snippets(run_dir, {f: getattr(args, f) for f in filters}))
        else:
            print(finish(run_dir))
    except (RecordFormatError, OSError) as exc:
        print(f"crossgrad: error: {exc}", file=sys.stderr)
        return 2
    return 0


def say_which_case_files_are_not_loaded(run_dir: Path) -> None:
    """A run made with --cases-from names its files in manifest.json; a run folder is
    data, so they are never imported from it: one stderr line says how to judge them."""
    named = read_json(run_dir / MANIFEST).get("case_files") or []
    missing = [str(p) for p in named if isinstance(p, str) and str(Path(p).resolve()) not in case_files()]
    if missing:
        print(f"crossgrad: this run used case file(s) {', '.join(missing)}; a run folder's case files are "
              "never imported: pass --cases-from to judge their cases", file=sys.stderr)


def existing_run(text: str | None) -> Path:
    if not text:
        raise UsageError("report needs a run folder (results/<run-id>) or --from-benchmark-json FILE")

    run_dir = Path(text)
    if not is_run_folder(run_dir):
        raise UsageError(f"{str(run_dir)!r} is not a run folder (no {MANIFEST}); "
                         f"runs here: {', '.join(list_runs()) or 'none'}")
    writer = writer_of(run_dir)
    if writer is not None:  # a live run: it is not interrupted, and its folder is its own
        raise UsageError(f"{str(run_dir)!r} is being written by a crossgrad run (PID {writer}); "
                         "report it when that run ends")
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


def expectations_path(args) -> Path:
    """The expectations file, which must exist unless --update writes it."""
    path = Path(args.expectations) if args.expectations else Path(__file__).parent.parent / "cases" / "expectations.csv"
    if not args.update and not path.is_file():
        raise UsageError(f"the expectations file {str(path)!r} is missing (write one with check --update)")
    return path


def cmd_check(args, argv) -> int:
    config = selection(args)
    jobs_of(args)  # a bad --jobs is refused before the folder exists
    path = expectations_path(args)
    run_dir, code = start_run(args, config, {"values": value_tasks(config)}, None, argv, prefix="check-")
    if code in (EXIT_INTERRUPTED, EXIT_WRITE_FAILED):
        return code
    if not say_what_was_judged(run_dir):  # a gate that checked nothing must not pass
        return EXIT_NOTHING_JUDGED
    rows, _, _, _ = load_run(run_dir)
    annotate(rows, cases())
    status, text = check_rows(rows, path, update=args.update)
    print(text)
    return status or code


def cmd_compare(args, argv) -> int:
    load_case_sources(args)  # the user's cases give their rows truths and snippets
    return compare(args)
