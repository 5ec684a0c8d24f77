"""The `crossgrad` command's parser: run, list, report, check, compare, consequence, history,
test-adapter.

Bad input exits 2 with one line naming what is wrong and the valid choices
(and the near one: "did you mean"); never a traceback. Exit statuses
(crossgrad.arguments): 0 done, 1 `check` found a difference, 2 bad input,
3 partial (a worker crashed or timed out), 4 nothing judged (every selected
value unavailable: no such device, framework not installed), 5 a file of the
run folder could not be written (a full disk: the run stopped, its manifest
says "write_failed"), 130 interrupted.
The sub-commands themselves are in crossgrad.commands.
"""
from __future__ import annotations

import argparse
import os
import sys

from crossgrad import __version__
from crossgrad.arguments import EXIT_USAGE, UsageError
from crossgrad.consequence import options as consequence
from crossgrad.running.plan import RunConfig

DEFAULT_TIMEOUT = RunConfig.__dataclass_fields__["timeout"].default  # one default, in the plan
FILTERS = ("frameworks", "cases", "points", "modes", "devices", "dtypes")


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        raise UsageError(f"{message} (see crossgrad {self.prog.split()[-1]} --help)"
                         if " " in self.prog else message)


def build_parser() -> Parser:
    parser = Parser(prog="crossgrad", description="Compare automatic differentiation across frameworks.")
    parser.add_argument("--version", action="store_true", help="print crossgrad's version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    run = sub.add_parser("run", help="run cases (and timings), write results/<run-id>/")
    add_selection(run)
    run.add_argument("--out", help="run folder to write (default results/<run-id>)")
    run.add_argument("--sizes", help="N for the relu timing workload, e.g. 1,100,10000")
    run.add_argument("--workloads", help="timing workloads (relu, dense)")
    run.add_argument("--threads", help="threads per framework (default: the framework's own)")
    run.add_argument("--scope", help="full (default: every case, dtype and mode) or quick (every case "
                                     "eager; compiled modes and 16-bit dtypes for a stated subset: cases/scope.py)")
    run.add_argument("--python", help="run the framework workers under this interpreter: another environment "
                                      "holding another release (it needs only the framework and NumPy)")
    run.add_argument("--no-timings", action="store_true", help="values only")
    run.add_argument("--no-report", action="store_true",
                     help="write gradients.csv but not report.md (build it later: crossgrad report RUN)")
    run.add_argument("--timings-only", action="store_true", help="timings only")
    add_cases_from(sub.add_parser("list", help="frameworks (installed or not), cases, points"))
    report = sub.add_parser("report", help="(re)build report.md of a run folder")
    report.add_argument("run_dir", nargs="?", help="a results/<run-id> folder")
    report.add_argument("--from-benchmark-json", dest="benchmark_json",
                        help="turn pytest-benchmark's --benchmark-json FILE into timings.csv + report")
    report.add_argument("--out", help="folder for --from-benchmark-json output")
    report.add_argument("--snippets", action="store_true",
                        help="write the repro snippet of every value of the selection (the filters "
                             "below) to a file in the run folder, uncapped")
    for name in FILTERS:
        report.add_argument(f"--{name}", help=f"with --snippets: comma-separated {name}")
    add_cases_from(report)  # a run folder's own case_files are named, never imported
    check = sub.add_parser("check", help="CI gate: fail when a result differs from the expectations file")
    add_selection(check)
    check.add_argument("--update", action="store_true",
                       help="after review, record this run's results: writes --expectations FILE, or else "
                            "./crossgrad-expectations.csv (never the installed package)")
    check.add_argument("--host-specific", metavar="FLAG", default="",
                       help="with --update: what changed holds only on hosts on this run's side of the CPU flag "
                            "FLAG (e.g. avx512_fp16), the old values on the other side")
    check.add_argument("--expectations", help="expectations file to read (and write with --update); default "
                                              "./crossgrad-expectations.csv where it exists, else crossgrad's own")
    check.add_argument("--out", help="run folder to write (default results/check-<run-id>)")
    add_compare_parser(sub)
    consequence.add_parser(sub)
    add_history_parser(sub)
    add_test_adapter_parser(sub)
    return parser


def add_test_adapter_parser(sub) -> None:
    """`crossgrad test-adapter NAME` (crossgrad.conformance): a plug-in author's conformance run."""
    test = sub.add_parser("test-adapter", help="run crossgrad's adapter conformance tests on an installed adapter "
                                               "(exit status: pytest's)")
    test.add_argument("name", metavar="NAME", help="the adapter's name, as `crossgrad list` shows it")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER, metavar="PYTEST_ARGS",
                      help="passed on to pytest, e.g. -x -q -k asarray")


def add_history_parser(sub) -> None:
    """`crossgrad history` (crossgrad.history.command): one framework across its releases."""
    history = sub.add_parser("history", help="what changed across a framework's releases (run folders, any order)")
    history.add_argument("runs", nargs="+", metavar="RUN", help="run folders, one per release (sorted by release)")
    history.add_argument("--out", help="folder for history.md, history.csv, history.png (default results/history)")
    add_cases_from(history)


def add_compare_parser(sub) -> None:
    """`crossgrad compare` (crossgrad.drift.command): what changed between run folders or devices."""
    compare = sub.add_parser("compare", help="what changed between run folders (versions, devices, machines)")
    compare.add_argument("runs", nargs="+", metavar="RUN", help="run folders; later ones are compared with the first")
    compare.add_argument("--by", choices=("run", "device", "mode"), default="run",
                         help="device: compare the devices of one run (cpu vs gpu); mode: its modes (eager vs compiled, graph)")
    for name in ("frameworks", "cases", "points", "modes", "devices", "dtypes"):
        compare.add_argument(f"--{name}", help=f"comma-separated {name}")
    compare.add_argument("--out", help="folder for compare.md and compare.csv (default results/compare-<time>)")
    add_cases_from(compare)


def add_selection(p: Parser) -> None:
    for name in FILTERS:
        p.add_argument(f"--{name}", help=f"comma-separated {name}")
    add_cases_from(p)
    p.add_argument("--resume", action="store_true",
                   help="continue the interrupted run in --out (the same selection and versions: checked)")
    p.add_argument("--overwrite", action="store_true", help="empty the run folder --out names, then run")
    p.add_argument("--timeout", help="seconds a framework may spend on one task before it is killed "
                                     f"(default {DEFAULT_TIMEOUT:g})")
    p.add_argument("--jobs", help="value workers at once (default: the CPU count plus one; in a run of 100 "
                                  "tasks or more each framework's tasks are dealt into two workers); timings "
                                  "always run one framework at a time")


def version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"crossgrad {version('crossgrad')}"
    except PackageNotFoundError:  # run from a checkout that was never installed

        return f"crossgrad {__version__}"


def add_cases_from(p) -> None:
    """--cases-from PATH.py; the command builds its catalogue with crossgrad.commands.load_case_sources(args)."""
    p.add_argument("--cases-from", action="append", default=[], metavar="PATH.py",
                   help="also load the cases (CASES = [...]) a Python file defines; repeatable or comma-separated")


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
        if args.version:
            print(version_text())
            return 0
        if args.command is None:
            raise UsageError("missing command; valid: run, list, report, check, compare, consequence, history, "
                             "test-adapter")
        from crossgrad import commands  # here: printing --help imports no framework, pandas or catalogue

        return commands.dispatch(args, argv)
    except UsageError as exc:
        print(f"crossgrad: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `crossgrad list | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
