"""The `crossgrad` command: run, list, report, check.

Bad input exits 2 with one line naming what is wrong and the valid choices;
never a traceback. A run that lost results to a crash, hang or interrupt
exits 3 (partial); an interrupted one 130.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys

EXIT_USAGE, EXIT_PARTIAL, EXIT_INTERRUPTED = 2, 3, 130


class UsageError(Exception):
    """Bad input: printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        raise UsageError(f"{message} (see crossgrad {self.prog.split()[-1]} --help)"
                         if " " in self.prog else message)


def choose(text: str | None, valid, what: str, default) -> tuple:
    """A comma-separated selection, checked against the valid names."""
    if text is None:
        return tuple(default)
    items = tuple(i.strip() for i in text.split(",") if i.strip())
    if not items:
        raise UsageError(f"--{what} is empty; valid: {', '.join(valid)}")
    bad = [i for i in items if i not in valid]
    if bad:
        raise UsageError(f"unknown {what.rstrip('s')} {', '.join(map(repr, bad))}; valid: {', '.join(valid)}")
    return items


def positive_ints(text: str | None, what: str, default) -> tuple:
    if text is None:
        return tuple(default)
    try:
        values = tuple(int(float(i)) if float(i).is_integer() else None for i in text.split(","))
    except ValueError:
        values = (None,)
    if not values or any(v is None or v <= 0 for v in values):
        raise UsageError(f"--{what} must be positive whole numbers separated by commas, got {text!r}")
    return values


def positive_number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value != value or value == float("inf"):
        raise UsageError(f"--{what} must be a positive number, got {text!r}")
    return value


def build_parser() -> Parser:
    parser = Parser(prog="crossgrad", description="Compare automatic differentiation across frameworks.")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    run = sub.add_parser("run", help="run cases (and timings), write results/<run-id>/")
    add_selection(run)
    run.add_argument("--out", help="run folder to write (default results/<run-id>)")
    run.add_argument("--sizes", help="N for the relu timing workload, e.g. 1,100,10000")
    run.add_argument("--workloads", help="timing workloads (relu, dense)")
    run.add_argument("--threads", help="threads per framework (default: the framework's own)")
    run.add_argument("--no-timings", action="store_true", help="values only")
    run.add_argument("--timings-only", action="store_true", help="timings only")
    add_cases_from(sub.add_parser("list", help="frameworks (installed or not), cases, points"))
    report = sub.add_parser("report", help="(re)build report.md of a run folder")
    report.add_argument("run_dir", nargs="?", help="a results/<run-id> folder")
    report.add_argument("--from-benchmark-json", dest="benchmark_json",
                        help="turn pytest-benchmark's --benchmark-json FILE into timings.csv + report")
    report.add_argument("--out", help="folder for --from-benchmark-json output")
    check = sub.add_parser("check", help="CI gate: fail when a result differs from the expectations file")
    add_selection(check)
    check.add_argument("--update", action="store_true", help="rewrite the expectations after review")
    check.add_argument("--expectations", help="expectations file (default cases/expectations.csv)")
    check.add_argument("--out", help="run folder to write (default results/check-<run-id>)")
    return parser


def add_selection(p: Parser) -> None:
    for name in ("frameworks", "cases", "points", "modes", "devices", "dtypes"):
        p.add_argument(f"--{name}", help=f"comma-separated {name}")
    add_cases_from(p)
    p.add_argument("--timeout", default="600", help="seconds a framework may spend on one task before it is killed")
    p.add_argument("--jobs", help="frameworks computing values at once (default: the CPU count, at most 3); "
                                  "timings always run one framework at a time")


def add_cases_from(p: Parser) -> None:
    """--cases-from PATH.py; a command calls crossgrad.commands.load_case_sources(args) before cases()."""
    p.add_argument("--cases-from", action="append", default=[], metavar="PATH.py",
                   help="also load the cases (CASES = [...]) a Python file defines; repeatable or comma-separated")


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("missing command; valid: run, list, report, check")
        from crossgrad import commands

        return getattr(commands, f"cmd_{args.command}")(args, argv)
    except UsageError as exc:
        print(f"crossgrad: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `crossgrad list | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0


def install_signal_handlers() -> None:
    """SIGTERM ends a run like Ctrl-C does: workers killed, what finished reported."""
    def to_interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, to_interrupt)


