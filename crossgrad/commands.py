"""What each `crossgrad` sub-command does (the parser lives in crossgrad.cli, which imports this).

Frameworks are never imported here (nor by anything imported here): the runner
starts worker subprocesses, each holding one framework.
"""
from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

from crossgrad.cases.scope import QUICK_SIZES, SCOPES
from crossgrad.adapter import MODES
from crossgrad.arguments import (EXIT_INTERRUPTED, EXIT_NOTHING_JUDGED, EXIT_WRITE_FAILED, UsageError, choose,
                                 positive_ints, positive_number, refuse_unused)
from crossgrad.timing import run as timing_run
from crossgrad.timing.bench_json import rows_from_benchmark_json
from crossgrad.core.case import DTYPES
from crossgrad.core.host import ISA_FLAGS
from crossgrad.core.records import RecordFormatError
from crossgrad.core.registry import RegistryError, device_names, frameworks
from crossgrad.catalogue import Catalogue, load_catalogue
from crossgrad.core.run_folder import MANIFEST, is_run_folder, read_json, REPORT
from crossgrad.core.user_cases import CaseSourceError
from crossgrad.drift.command import compare
from crossgrad.judging.check_update import check_files, check_rows
from crossgrad.reporting.finish import finish
from crossgrad.reporting.snippet_file import write_snippets
from crossgrad.running.claim import writer_of
from crossgrad.running.plan import RunConfig
from crossgrad.running.folder_run import jobs_of, start_run
from crossgrad.running.dealing import value_tasks
from crossgrad.running.runner import new_run_id
from crossgrad.reporting.part import write_files
from crossgrad.reporting.timing_report import timing_part
from crossgrad.timing.derived import write_timings_csv
from crossgrad.timing.rows import typed


def dispatch(args, argv) -> int:
    """The sub-command's cmd_ function; a plug-in that breaks the adapter contract is one line, exit 2."""
    try:
        return globals()[f"cmd_{args.command.replace('-', '_')}"](args, argv)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None


def load_case_sources(args) -> Catalogue:
    """The command's catalogue: the installed cases and those of --cases-from PATH.py
    (repeatable, comma-separated); a case file that cannot be used exits 2 (UsageError)."""
    paths = [p.strip() for text in getattr(args, "cases_from", None) or () for p in text.split(",") if p.strip()]
    try:
        return load_catalogue(paths)
    except CaseSourceError as exc:
        raise UsageError(str(exc)) from None


def selection(args, catalogue: Catalogue) -> RunConfig:
    fws, all_cases = frameworks(), catalogue.cases
    installed = [n for n, a in fws.items() if a.version() is not None]
    synonyms = {other: name for name, adapter in fws.items() for other in adapter.synonyms}
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
                     devices=choose(args.devices, device_names(fws), "devices", ("cpu",)),
                     dtypes=choose(args.dtypes, DTYPES, "dtypes", DTYPES), points=points, **optional)


def interpreter(text: str) -> str:
    """--python: an executable file (another environment's python), made absolute."""
    path = Path(text).expanduser()
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise UsageError(f"--python {text!r} is not an executable file; give another environment's "
                         "bin/python (it needs only the framework and NumPy)")
    return str(path.absolute())


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


def unavailable_reasons(rows: list[dict], timings: list[dict]) -> tuple[int, Counter]:
    """(values that ran, {reason: count} of values that are `unavailable`). The
    timings' copy row is the machine's reference, not a selected value."""
    selected = list(rows) + [t for t in timings if t.get("workload") != "copy"]
    reasons = Counter(str(r.get("detail") or "unavailable") for r in selected if r.get("outcome") == "unavailable")
    return len(selected) - sum(reasons.values()), reasons


def say_what_was_judged(rows: list[dict], timings: list[dict]) -> bool:
    """One stderr line when values were skipped as unavailable; False when nothing ran at all."""
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
    catalogue = load_case_sources(args)
    config = selection(args, catalogue)
    jobs_of(args)  # a bad --jobs is refused before the folder exists
    timing_specs, timing_options = timing_plan(args, config)
    plan = {"values": {} if args.timings_only else value_tasks(config, catalogue.cases), "timings": timing_specs}
    run_dir, code, finished = start_run(args, config, plan, timing_options, argv, catalogue, report=not args.no_report)
    if code in (EXIT_INTERRUPTED, EXIT_WRITE_FAILED):
        return code
    if not say_what_was_judged(finished.rows, finished.timings):
        return EXIT_NOTHING_JUDGED
    return code


def cmd_list(args, argv) -> int:
    catalogue = load_case_sources(args)
    print("frameworks:")
    for name, adapter in frameworks().items():
        version = adapter.version()
        state = f"{version}" if version else f"not installed ({adapter.install_hint})"
        print(f"  {name:<12} {state:<28} modes: {', '.join(adapter.modes)}")
    print("cases (points):")
    for name, case in catalogue.cases.items():
        print(f"  {name:<12} {', '.join(p.name for p in case.points):<44} {case.description}")
    print(f"devices: {', '.join(device_names())}   dtypes: {', '.join(DTYPES)}")
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
    catalogue = load_case_sources(args)
    try:
        say_which_case_files_are_not_loaded(run_dir, catalogue)
        if args.snippets:
            print(write_snippets(run_dir, {f: getattr(args, f) for f in filters}, catalogue.cases))
        else:
            print(finish(run_dir, catalogue.cases))
    except (RecordFormatError, OSError) as exc:
        print(f"crossgrad: error: {exc}", file=sys.stderr)
        return 2
    return 0


def say_which_case_files_are_not_loaded(run_dir: Path, catalogue: Catalogue) -> None:
    """A run made with --cases-from names its files in manifest.json; a run folder is
    data, so they are never imported from it: one stderr line says how to judge them."""
    named = read_json(run_dir / MANIFEST).get("case_files") or []
    missing = [str(p) for p in named if isinstance(p, str) and str(Path(p).resolve()) not in catalogue.case_files]
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
        rows = typed(rows_from_benchmark_json(source))  # their numbers typed once (crossgrad.timing.rows)
    except ValueError as exc:
        raise UsageError(f"{source}: {exc}") from None
    out = run_dir_for(args, prefix="bench-")
    write_timings_csv(out, rows)

    timing = timing_part(rows)
    write_files(out, {**timing.files, REPORT: f"# crossgrad timings from {source.name}\n\n" + timing.markdown})
    report = out / REPORT
    print(report)
    return 0


def cmd_check(args, argv) -> int:
    if args.host_specific and not args.update:
        raise UsageError("--host-specific only makes sense with --update")
    if args.host_specific and args.host_specific not in ISA_FLAGS:
        raise UsageError(f"--host-specific: unknown CPU flag {args.host_specific!r}; valid: {', '.join(ISA_FLAGS)}")
    catalogue = load_case_sources(args)
    config = selection(args, catalogue)
    jobs_of(args)  # a bad --jobs is refused before the folder exists
    path, target = check_files(args.expectations, args.update)
    run_dir, code, finished = start_run(args, config, {"values": value_tasks(config, catalogue.cases)}, None, argv,
                                        catalogue, prefix="check-")
    if code in (EXIT_INTERRUPTED, EXIT_WRITE_FAILED):
        return code
    if not say_what_was_judged(finished.rows, finished.timings):  # a gate that checked nothing must not pass
        return EXIT_NOTHING_JUDGED
    rows, env = finished.rows, finished.env  # read and judged once, by finish_run
    status, text = check_rows(rows, path, update=args.update, host_flags=env.get("cpu_flags", []),
                              host_specific=args.host_specific, target=target)
    print(text)
    return status or code


def cmd_compare(args, argv) -> int:
    return compare(args, load_case_sources(args).cases)  # the user's cases give their rows truths and snippets


def cmd_consequence(args, argv) -> int:
    """Does relu'(0) change training? (crossgrad.consequence.command)"""
    from crossgrad.consequence.command import run

    return run(args, argv)


def cmd_history(args, argv) -> int:
    from crossgrad.history.command import history  # pandas: not for `crossgrad list`

    return history(args, load_case_sources(args).cases)  # a broken case file exits 2


def cmd_test_adapter(args, argv) -> int:
    """crossgrad's adapter conformance tests on one installed adapter (crossgrad.conformance)."""
    from crossgrad.conformance import test_adapter

    return test_adapter(args.name, list(args.pytest_args))
