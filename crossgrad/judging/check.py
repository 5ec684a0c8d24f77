"""The consistency gate: results against the committed expectations file.

cases/expectations.csv holds the known divergences: every recorded value whose
verdict (crossgrad.judging.verdicts) is not `exact` or `close`, and every zero whose sign
is a convention (an `exact` zero of the other sign than the truth's IEEE
product, or a -0.0 where the truth is an unsigned zero), so a release that
changes a zero's sign fails the gate too; each with the framework version range
it holds for. `crossgrad check` runs the catalogue and compares:
a value that changed (the one rule, crossgrad.core.same_value: the sign of a zero
counts, NaN equals NaN), a new divergence, or an expected divergence that went away
makes it exit 1 with a diff, old value beside new. `--update` rewrites the file after
review (crossgrad.judging.check_update, which also holds `check_rows`).

Only what was run is judged: an expectation whose quantity was not run (another
framework, device, dtype, mode, point, seed) or whose version range does not
hold the run's version is skipped. Versions are compared by their release
numbers; a local part ("2.13.0+cpu") and pre-release tags are ignored.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from crossgrad.core.records import RecordFormatError, fmt, read_text
from crossgrad.core.row_check import GRADIENT_RULES, row_fault
from crossgrad.core.rows import RowKey
from crossgrad.core.same_value import parse_value, same_value
from crossgrad.judging.verdicts import zero_sign_differs
from crossgrad.core.host import cpu_flags
from crossgrad.judging.versions import host_matches, parse_range, version_matches

# The file's key columns, in its own sort order; the identity is core.rows.RowKey.
KEY_FIELDS = ("framework", "device", "case", "point", "dtype", "mode", "ad",
              "cotangent", "tangent", "wrt", "index")
EXPECTATION_COLUMNS = ("framework", "versions", "device", "case", "point", "dtype", "mode",
                       "ad", "cotangent", "tangent", "wrt", "index", "value", "verdict")
# An entry's labels follow the run folder's rules; its value and seeds are read as floats (value_text).
LABEL_RULES = {c: GRADIENT_RULES[c] for c in EXPECTATION_COLUMNS if c in GRADIENT_RULES
               and c not in ("value", "cotangent", "tangent")}
AGREES = ("exact", "close")
NOT_RUN_OUTCOMES = ("unavailable",)  # asked for a device that is not there: nothing ran


class ExpectationsError(ValueError):
    """The expectations file is malformed; the message names the file and line."""


# --- rows and expectations -------------------------------------------------------


def value_text(value) -> str:
    """Canonical text of a value (a float, None or its text): repr of the float, "" for no value."""
    return fmt(parse_value(value))


def load_expectations(path) -> list[dict]:
    """Entries of the expectations file (an absent file has none), validated."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        reader = csv.reader(io.StringIO(read_text(path), newline=""))
    except RecordFormatError as exc:  # not UTF-8
        raise ExpectationsError(str(exc)) from None
    header = next(reader, None) or []
    missing = [c for c in EXPECTATION_COLUMNS if c not in header]
    if missing:
        raise ExpectationsError(f"{path}:1: missing column(s) {', '.join(missing)}")
    entries, seen, known = [], set(), set()
    # csv.reader, each line zipped with the header here: what csv.DictReader does, less its
    # per-line overhead (a file has ~150,000 lines); blank lines are skipped as it skips them
    for fields in reader:
        if not fields:
            continue
        if len(fields) != len(header):
            raise ExpectationsError(f"{path}:{reader.line_num}: wrong number of fields")
        entry, key = _validated(dict(zip(header, fields)), path, reader.line_num, known)
        if (key, entry["versions"]) in seen:
            raise ExpectationsError(f"{path}: duplicate entry {_label(entry)} for {entry['versions']!r}")
        seen.add((key, entry["versions"]))
        entries.append(entry)
    return entries


def _validated(row: dict, path: Path, line: int, known: set) -> tuple[dict, RowKey]:
    """(the entry, its key), or ExpectationsError naming the line (`row`: a line of as many
    fields as the header; `known`: the labels found to hold so far, row_fault's memo)."""
    fault = row_fault(row, LABEL_RULES, known)
    if fault:
        raise ExpectationsError(f"{path}:{line}: {fault}")
    try:
        parse_range(row["versions"])
        row["value"] = value_text(row["value"])
        key = RowKey.of(row)
    except ValueError as exc:
        raise ExpectationsError(f"{path}:{line}: {exc}") from None
    return {c: row[c] for c in EXPECTATION_COLUMNS}, key


# --- comparison ------------------------------------------------------------------


@dataclass
class CheckResult:
    """changed: (expectation, row) whose value differs bitwise; new: divergent rows
    with no expectation; resolved: (expectation, row or None) whose quantity ran
    but is no longer divergent (None: the element was not produced); matched:
    (expectation, row) met; skipped: expectations not judged (not run).

    Only values are compared: a verdict depends on the stated truth too, so a
    verdict that moved with an unchanged value is no framework change (an
    update rewrites the verdict text)."""

    changed: list = field(default_factory=list)
    new: list = field(default_factory=list)
    resolved: list = field(default_factory=list)
    matched: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    judged: int = 0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.new or self.resolved)


def is_divergent(row: dict) -> bool:
    """Whether the file keeps this row: not exact/close, or a zero's sign convention."""
    if row.get("verdict") not in AGREES:
        return True
    unsigned_zero = row.get("truth_kind") == "exact" and row.get("truth_signed") is False  # "±0.0"
    return zero_sign_differs(row) or (unsigned_zero and same_value(row.get("number"), -0.0))


def _applicable(entries: list[dict], keys: list, ran: dict, host_flags) -> dict:
    """key -> the one expectation that holds for the version its quantity ran with, on this host
    (`keys`: each entry's RowKey, in the entries' order)."""
    table: dict = {}
    holds: dict = {}  # (range, version) -> whether it holds here: a file has a handful of ranges
    for entry, key in zip(entries, keys):
        version = ran.get(key.quantity())
        if version is None:
            continue
        spec = entry["versions"]
        if (spec, version) not in holds:
            holds[spec, version] = version_matches(spec, version) and host_matches(spec, host_flags)
        if not holds[spec, version]:
            continue
        if key in table:
            raise ExpectationsError(f"two expectations hold for {_label(entry)} at version {version}: "
                                    f"{table[key]['versions']!r} and {entry['versions']!r}")
        table[key] = entry
    return table


def compare(rows: list[dict], expectations: list[dict], host_flags=None) -> CheckResult:
    """Judge the rows that were run against the expectations (see CheckResult).
    host_flags: the CPU flags of the host that ran them (env.json's cpu_flags);
    None: this process's host."""
    rows = [r for r in rows if r.get("outcome") not in NOT_RUN_OUTCOMES]
    keys = [RowKey.of(r) for r in rows]  # each made once: a full check has 261,283 rows
    ran = {key.quantity(): str(row.get("framework_version") or "") for key, row in zip(keys, rows)}
    by_key = dict(zip(keys, rows))
    entry_keys = [RowKey.of(e) for e in expectations]
    table = _applicable(expectations, entry_keys, ran, cpu_flags() if host_flags is None else host_flags)
    result = CheckResult(judged=len(rows))
    for key, row in by_key.items():
        entry = table.get(key)
        if entry is None:
            if is_divergent(row):
                result.new.append(row)
        elif not is_divergent(row):
            result.resolved.append((entry, row))
        elif same_value(parse_value(entry["value"]), row.get("number")):
            result.matched.append((entry, row))
        else:
            result.changed.append((entry, row))
    result.resolved += [(e, None) for k, e in table.items() if k not in by_key]
    result.skipped = [e for e, key in zip(expectations, entry_keys) if key not in table]
    return result


# --- the diff ----------------------------------------------------------------------


def _label(item: dict) -> str:
    seed = item.get("cotangent") or item.get("tangent") or ""
    seed = f" {'ct' if item.get('cotangent') else 'tan'}={seed}" if seed else ""
    wrt = f" {item.get('wrt')}[{item.get('index')}]" if item.get("wrt") else ""
    return (f"{item.get('framework')} {item.get('device')} {item.get('case')}/{item.get('point')} "
            f"{item.get('dtype')} {item.get('mode')} {item.get('ad')}{seed}{wrt}")


def _shown(value, verdict) -> str:
    text = value_text(value) or "no value"
    return f"{text} ({verdict or 'no verdict'})"


def _section(title: str, lines: list[tuple[str, str]]) -> list[str]:
    if not lines:
        return []
    width = max(len(label) for label, _ in lines)
    return [f"{title} ({len(lines)}):"] + [f"  {label:<{width}}  {text}" for label, text in sorted(lines)]


def format_diff(result: CheckResult, path: str = "the expectations") -> str:
    """Readable report: one line per difference, grouped, old value beside new."""
    changed = [(_label(e), f"{_shown(e['value'], e['verdict'])}  ->  {_shown(r.get('value'), r.get('verdict'))}"
                f"   [{r.get('framework_version')}; expected for {e['versions'] or '*'}]") for e, r in result.changed]
    new = [(_label(r), f"{_shown(r.get('value'), r.get('verdict'))}   [{r.get('framework_version')}]")
           for r in result.new]
    resolved = [(_label(e), f"{_shown(e['value'], e['verdict'])}  ->  "
                 + (_shown(r.get("value"), r.get("verdict")) if r else "not produced")) for e, r in result.resolved]
    differences = len(changed) + len(new) + len(resolved)
    head = (f"crossgrad check: {differences} difference(s) from {path}" if differences
            else f"crossgrad check: results agree with {path}")
    lines = [head + f" ({result.judged} values judged, {len(result.matched)} known divergences met)"]
    for title, part in (("changed: expected value -> new value", changed),
                        ("new divergences: not in the file", new),
                        ("resolved: expected a divergence, now exact/close or absent", resolved)):
        lines += _section(title, part)
    if result.skipped:
        counts: dict = {}
        for e in result.skipped:
            counts[e["framework"]] = counts.get(e["framework"], 0) + 1
        lines.append(f"skipped: {len(result.skipped)} expectation(s) not run or for other versions ("
                     + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + ")")
    if not result.judged:
        lines.append("nothing was run: no framework result to judge")
    if differences:
        lines.append("after review, `crossgrad check --update` records these results")
    return "\n".join(lines)
