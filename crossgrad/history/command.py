"""`crossgrad history RUN... [--out DIR]`: what each release of a framework returned, and when it changed.

The run folders may hold several frameworks and come in any order; per framework
they are sorted by release (crossgrad.history.table) and written to
DIR/history.md, history.csv, findings.csv and history.png, or, with several
frameworks, to DIR/<framework>/. Exit 0: nothing changed; 1: something changed,
or a release's adapter did not start (it measured nothing, said in capitals);
2: bad input (a missing folder, a folder that is not a run, one release given twice,
fewer than two releases of a framework), one line.
"""
from __future__ import annotations

from pathlib import Path

from crossgrad.arguments import UsageError
from crossgrad.history.load import NOT_STARTED, load_release


def history(args, cases: dict | None = None) -> int:
    """`cases`: the command's catalogue (the installed cases and --cases-from), which
    today's truth and verdicts are judged against; None: the installed catalogue."""
    releases = [r for path in args.runs for r in load_release(path, cases)]
    by_framework: dict = {}
    for release in releases:
        by_framework.setdefault(release.framework, []).append(release)
    for framework, group in by_framework.items():
        _check(framework, group)
    from crossgrad.history import report
    from crossgrad.history.table import build

    out = Path(args.out) if args.out else Path("results") / "history"
    status = 0
    for framework, group in by_framework.items():
        folder = out if len(by_framework) == 1 else out / framework
        _mkdir(folder)
        built = build(framework, group)
        print(report.write(folder, built))
        if len(built.changes) or any(r.status == NOT_STARTED for r in group):
            status = 1
    return status


def _check(framework: str, group: list) -> None:
    versions = [r.version for r in group]
    twice = sorted({v for v in versions if versions.count(v) > 1})
    if twice:
        paths = ", ".join(str(r.path) for r in group if r.version in twice)
        raise UsageError(f"{framework} {', '.join(twice)} is given twice ({paths}); give one run folder per release")
    if len(group) < 2:
        raise UsageError(f"a history needs two releases of {framework} or more; got {', '.join(versions)}")


def _mkdir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write the output folder {str(path)!r}: {exc.strerror or exc}") from None
