"""`crossgrad check --update`: rewriting the expectations file after review, and the command's body.

An entry whose value changed in a newer release is closed (">=2.13" becomes
">=2.13,<2.14") and its successor opens (">=2.14"), so older versions keep
their own expectations; a new divergence opens at the run's release, up to the
next entry of its key. The file format and the comparison: crossgrad.judging.check.

Which file: `--expectations FILE` is read and written. Without it, check reads
the user's ./crossgrad-expectations.csv where it exists, else crossgrad's own
(cases/expectations.csv, shipped in the package), and --update writes
./crossgrad-expectations.csv in the current directory, never the installed package:
the user's file starts as crossgrad's entries plus the run's. crossgrad's own
contributors update theirs by naming it: --expectations cases/expectations.csv.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from crossgrad.arguments import UsageError
from crossgrad.catalogue import cases
from crossgrad.core.records import atomic_write_text
from crossgrad.core.rows import RowKey
from crossgrad.judging.check import (EXPECTATION_COLUMNS, KEY_FIELDS, ExpectationsError, compare, format_diff,
                                     load_expectations, value_text)
from crossgrad.judging.judge import judge_rows
from crossgrad.core.host import cpu_flags
from crossgrad.judging.versions import parse_range, parse_version, release, split_host, with_host
from crossgrad.core.collector import collector_paused


USER_FILE = Path("crossgrad-expectations.csv")  # --update's default, in the current directory
SHIPPED = Path(__file__).resolve().parents[2] / "cases" / "expectations.csv"  # crossgrad's own


def expectation_files(given: str | None) -> tuple[Path, Path]:
    """(the file check reads, the file --update writes): see the module's doc."""
    if given:
        return Path(given), Path(given)
    return (USER_FILE if USER_FILE.is_file() else SHIPPED), USER_FILE


def check_files(given: str | None, update: bool) -> tuple[Path, Path]:
    """(the file `crossgrad check` reads, the one --update writes), checked before
    anything runs: the first exists unless --update writes it, and is well formed;
    the second is never inside the installed package. UsageError (exit 2) otherwise."""
    path, target = expectation_files(given)
    if not update and not path.is_file():
        raise UsageError(f"the expectations file {str(path)!r} is missing (write one with check --update)")
    if update and inside_installed_package(target):
        raise UsageError(f"--update never writes into the installed crossgrad package ({target}); leave out "
                         f"--expectations to write ./{USER_FILE}, or name a file of your project")
    try:  # a malformed file is refused before anything runs, not after the whole run
        with collector_paused():  # as in check_rows: its entries make some 10^5 dicts and keys
            load_expectations(path)
    except ExpectationsError as exc:
        raise UsageError(str(exc)) from None
    return path, target


def inside_installed_package(path: Path) -> bool:
    """Whether `path` lies in crossgrad's installed files (site-packages), which --update
    never writes; a source checkout (pyproject.toml beside the packages) is the
    contributors' own and may be written."""
    root = SHIPPED.parents[1]
    if (root / "pyproject.toml").is_file():
        return False
    resolved = path.resolve()
    return any(resolved.is_relative_to(root / package) for package in ("crossgrad", "cases", "frameworks"))


def _starts_at_or_after(spec: str, rel: tuple[int, ...]) -> bool:
    """Whether the range holds no version older than the release `rel`."""
    for op, bound in parse_range(spec):
        if op == "==" or (op in (">=", ">") and bound >= rel):
            return True
    return False


def _join(clauses: list[str]) -> str:
    return ",".join(clauses) or "*"


def _upper_clauses(spec: str) -> list[str]:
    return [f"{op}{'.'.join(map(str, v))}" for op, v in parse_range(spec) if op in ("<", "<=")]


def _succeed(entry: dict, version: str) -> tuple[list[dict], str]:
    """(what stays of `entry` for older versions, the range a successor gets).

    An entry that starts at the run's release is simply replaced; an older one is
    closed at that release, and its successor opens there. Both keep its host condition.
    """
    versions, host = split_host(entry["versions"])
    rel = release(version)
    if not rel or _starts_at_or_after(versions, parse_version(rel)):
        return [], entry["versions"]
    closed = [c for c in versions.split(",") if c.strip() and c.strip()[0] not in "<*"]
    kept = dict(entry, versions=with_host(_join(closed + [f"<{rel}"]), host))
    return [kept], with_host(_join([f">={rel}"] + _upper_clauses(versions)), host)


def _split(entry: dict, flag: str, host_flags) -> tuple[list[dict], str]:
    """`--host-specific FLAG`: an entry that holds on every host is kept for the
    hosts on the other side of FLAG; the run's value holds on this side."""
    versions, host = split_host(entry["versions"])
    here = flag if flag in host_flags else f"!{flag}"
    if host:  # already host-specific, and it held here: replaced in place
        return [], entry["versions"]
    there = f"!{flag}" if here == flag else flag
    return [dict(entry, versions=with_host(versions, there))], with_host(versions, here)


def _opening(row: dict, by_key: dict) -> str:
    """Range of a new entry: from the run's release up to the next entry of its key."""
    version = str(row.get("framework_version") or "")
    rel = release(version)
    if not rel:
        return "*"
    later = [bound for e in by_key.get(RowKey.of(row), ())
             for op, bound in parse_range(e["versions"])
             if op in (">=", ">") and bound > parse_version(version)]
    upper = [f"<{'.'.join(map(str, min(later)))}"] if later else []
    return _join([f">={rel}"] + upper)


def entry_for(row: dict, versions: str) -> dict:
    key = RowKey.of(row)
    entry = {name: str(row.get(name) or "") for name in KEY_FIELDS}
    entry.update(cotangent="", tangent="", index=str(key.index))
    if key.seed:
        entry["tangent" if key.ad == "forward" else "cotangent"] = key.seed
    return dict(entry, versions=versions, value=value_text(row.get("value")), verdict=row.get("verdict", ""))


def updated_entries(rows: list[dict], existing: list[dict], host_flags=None, host_specific: str = "") -> list[dict]:
    """The expectations after accepting `rows`: entries not judged stay as they are.
    host_specific: a CPU flag; what changed holds from now on only on hosts on the
    run's side of it, and the old entries on the other side (crossgrad.core.host)."""
    host_flags = cpu_flags() if host_flags is None else host_flags
    here = (host_specific if host_specific in host_flags else f"!{host_specific}") if host_specific else ""
    result = compare(rows, existing, host_flags)
    out = list(result.skipped) + [dict(e, verdict=r.get("verdict", "")) for e, r in result.matched]
    ran = {RowKey.of(r).quantity(): str(r.get("framework_version") or "") for r in rows}
    for entry, row in result.changed:
        kept, spec = (_split(entry, host_specific, host_flags) if host_specific
                      else _succeed(entry, str(row.get("framework_version") or "")))
        out += kept + [entry_for(row, spec)]
    for entry, _ in result.resolved:
        out += (_split(entry, host_specific, host_flags) if host_specific
                else _succeed(entry, ran[RowKey.of(entry).quantity()]))[0]
    by_key: dict = {}
    for entry in existing:
        by_key.setdefault(RowKey.of(entry), []).append(entry)
    out += [entry_for(row, with_host(_opening(row, by_key), here)) for row in result.new]
    return sorted(out, key=_sort_key)


def _sort_key(entry: dict):
    """The file's order: its key columns left to right, then the versions' lower bound."""
    key = entry_for(entry, entry["versions"])
    lower = [b for op, b in parse_range(entry["versions"]) if op in (">=", ">", "==")]
    return tuple(key[c] for c in KEY_FIELDS[:-1]) + (int(key["index"]), min(lower) if lower else (),
                                                      split_host(entry["versions"])[1])


def render_expectations(entries: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPECTATION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: e.get(c, "") for c in EXPECTATION_COLUMNS} for e in entries)
    return buf.getvalue()


def update_expectations(path, rows: list[dict], existing: list[dict], host_flags=None, host_specific: str = "") -> None:
    """Rewrite the file (atomically) so that `rows` pass; see updated_entries."""
    atomic_write_text(Path(path), render_expectations(updated_entries(rows, existing, host_flags, host_specific)))


# --- the command's body --------------------------------------------------------------


def check_rows(rows: list[dict], path, update: bool = False, host_flags=None,
               host_specific: str = "", target=None) -> tuple[int, str]:
    """(exit status, text) of `crossgrad check [--update]` over annotated rows.

    Rows the judge has not typed (no `number`) are judged here (crossgrad.judging.judge.judge_rows).
    Exit 1 when a result differs from the file `path`; with update, `target` (default: `path`)
    is written with its entries and the run's, and 0. The text names the file written.
    """
    target = Path(path if target is None else target)
    if any("number" not in r for r in rows):
        rows = judge_rows(rows, cases())
    # The collector paused, as around a run's finish (collector_paused's doc): reading the
    # file and keying both sides make some 10^6 tuples and dicts, none in a cycle, and each
    # collection they start walks the whole run's rows too (a full check: about half its CPU)
    with collector_paused():
        try:
            existing = load_expectations(path)
            result = compare(rows, existing, host_flags)
        except ExpectationsError as exc:
            return 2, f"crossgrad check: {exc}"
        if update:
            update_expectations(target, rows, existing, host_flags, host_specific)
    text = format_diff(result, str(path))
    if not update:
        return (0 if result.ok else 1), text + ("" if result.ok else f" (it writes {target.resolve()})")
    start = "" if target == Path(path) else f", starting from {path}'s entries"
    if Path(path) == SHIPPED and target != SHIPPED and (SHIPPED.parents[1] / "pyproject.toml").is_file():
        start += " (crossgrad's own file is updated with --expectations cases/expectations.csv)"
    if result.ok:
        return 0, text + f"\nwrote {target.resolve()}{start}: no value changed (verdict texts refreshed)"
    return 0, text + f"\nwrote {target.resolve()}{start}: {len(result.changed)} changed, {len(result.new)} added, " \
                     f"{len(result.resolved)} resolved"
