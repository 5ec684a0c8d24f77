"""`crossgrad run` and `check` into their folder: claimed (one run per folder), run, reported.

The folder is claimed and locked (crossgrad.running.claim), an interrupted run
resumed where asked (crossgrad.running.resume), the plan executed, and the report
written; a write failure (a full disk) ends it with EXIT_WRITE_FAILED.
"""
from __future__ import annotations

import signal
import sys
from pathlib import Path

from crossgrad.catalogue import Catalogue
from crossgrad.arguments import EXIT_INTERRUPTED, EXIT_PARTIAL, EXIT_WRITE_FAILED, UsageError, positive_ints
from crossgrad.core.records import WriteFailed
from crossgrad.core.registry import frameworks
from crossgrad.core.shareable import without_user
from crossgrad.reporting.finish import FinishedRun, finish_run
from crossgrad.running.claim import FolderLock, claim
from crossgrad.running.env import host_env
from crossgrad.running.plan import RunConfig
from crossgrad.running.progress import Progress
from crossgrad.running.resume import plan_digest, prepare_resume, versions_now
from crossgrad.running.runner import Run, execute, new_run_id


def jobs_of(args) -> int:
    # One worker more than cores, with a long run's values in two shards per
    # framework (running.dealing.shards): no core idles while the last framework
    # finishes (measured on 2 cores, quick scope: values 2 min 47-55 s, was 3 min 24 s).
    import os

    default = (os.cpu_count() or 1) + 1
    return positive_ints(args.jobs, "jobs", (default,))[0]


def claim_run_dir(args, prefix: str = "") -> tuple[Path, FolderLock]:
    """The run's folder, created and locked (crossgrad.running.claim): one run per folder."""
    if args.resume and args.overwrite:
        raise UsageError("--resume and --overwrite exclude each other")
    if args.resume and not args.out:
        raise UsageError("--resume needs --out: the folder of the interrupted run")
    path = Path(args.out) if args.out else Path("results") / f"{prefix}{new_run_id()}"
    return path, claim(path, overwrite=args.overwrite, resume=args.resume)


def start_run(args, config: RunConfig, plan: dict, timing_options, argv, catalogue: Catalogue, prefix: str = "",
              report: bool = True) -> tuple[Path, int, FinishedRun | None]:
    """Claim the folder (resuming where asked), run the plan with the command's
    catalogue, release the folder: (the folder, the exit status, what finishing it
    read and judged; None when it could not)."""
    run_dir, lock = claim_run_dir(args, prefix)
    try:
        identity = {"plan_digest": plan_digest(plan, timing_options), "versions": versions_now(config.frameworks)}
        resumed = None
        if args.resume:
            plan, manifest, env = prepare_resume(run_dir, plan, identity["plan_digest"], identity["versions"])
            resumed = (manifest, env)
        return (run_dir, *execute_run(config, run_dir, plan, timing_options, argv, catalogue, jobs_of(args), identity,
                                      resumed, report))
    finally:
        lock.release()


def install_signal_handlers() -> None:
    """SIGTERM ends a run like Ctrl-C does: workers killed, what finished reported."""
    def to_interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, to_interrupt)
    # SIGINT explicitly too: a process started with SIGINT ignored (inherited from its
    # parent) would otherwise never see Ctrl-C and run on until the task timeout.
    signal.signal(signal.SIGINT, to_interrupt)


def execute_run(config: RunConfig, run_dir: Path, plan: dict, timing_options, argv, catalogue: Catalogue, jobs: int = 1,
                identity: dict | None = None, resumed: tuple | None = None,
                report: bool = True) -> tuple[int, FinishedRun | None]:
    install_signal_handlers()
    run = Run(run_dir, config, host_env(["crossgrad", *argv]), timing_options, catalogue, identity, resumed)
    run.manifest["compile_cache"] = compile_caches(config.frameworks)
    status, error, finished = "interrupted", None, None
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
            finished = finish_run(run_dir, catalogue.cases, report=report)
            print(finished.path)
        except WriteFailed as exc:
            error = exc
    if error is not None:
        told = "the manifest says so" if saved else "even the manifest could not be updated"
        print(f"crossgrad: error: {error}; the run stopped ({told}; exit {EXIT_WRITE_FAILED})", file=sys.stderr)
        return EXIT_WRITE_FAILED, finished
    return {"complete": 0, "partial": EXIT_PARTIAL}.get(status, EXIT_INTERRUPTED), finished


def compile_caches(names) -> dict[str, str]:
    """Each framework's on-disk compile cache before the run began (cold, warm, off), for the
    manifest: the adapter's compile_cache() (optional: "not reported" by default), which
    reads folders and imports nothing."""
    out = {}
    for name in names:
        try:
            out[name] = without_user(str(frameworks()[name].compile_cache()))  # the manifest travels
        except Exception as exc:  # a probe of a folder must not cost the run
            out[name] = f"not reported ({type(exc).__name__}: {exc})"
    return out
