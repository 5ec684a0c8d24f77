"""The values behind crossgrad.testing: one crossgrad run per case and selection, per pytest session.

Why the runner (a worker subprocess per framework) and not compute_task in the
pytest process: each framework is imported in its own process, so torch and
TensorFlow never meet in one process whatever order the user's tests import
them in, a crash in one framework fails only its tests, and the values are
exactly those `crossgrad run --cases-from` records (same engine, same verdicts,
same report.md, kept under pytest's tmp_path_factory). It costs one worker
start per framework per case, paid by the first test of that case.

The check of one quantity reuses crossgrad.judging.check (the expectations file
format of cases/expectations.csv, compare, format_diff, update_expectations).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from crossgrad.core.same_value import same_value
from crossgrad.catalogue import load_catalogue
from crossgrad.core.rows import RowKey
from crossgrad.judging.check import compare, format_diff, load_expectations
from crossgrad.judging.check_update import update_expectations
from crossgrad.judging.truth import row_seed
from crossgrad.reporting.finish import finish_run
from crossgrad.reporting.repro import case_snippet
from crossgrad.running.env import host_env
from crossgrad.running.plan import DEFAULT_SEEDS, Quantity, RunConfig
from crossgrad.running.dealing import value_tasks
from crossgrad.running.runner import Run, execute


@dataclass(frozen=True)
class Selection:
    """What one `case_tests(...)` asked for (paths absolute)."""

    case: str
    case_files: tuple[str, ...] = ()
    expectations: str = ""
    frameworks: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    dtypes: tuple[str, ...] = ()
    devices: tuple[str, ...] = ("cpu",)
    seeds: tuple[float, ...] = DEFAULT_SEEDS


@dataclass(frozen=True)
class QuantityId:
    """One test: a quantity of a case in one framework x mode x dtype x device."""

    selection: Selection
    framework: str
    mode: str
    dtype: str
    device: str
    quantity: Quantity

    def label(self, many_dtypes: bool = False) -> str:
        """squareplus-kink-jax-compiled-reverse-b (seed, dtype, device added where not the default)."""
        q = self.quantity
        parts = [self.selection.case, q.point, self.framework, self.mode, q.ad] + ([q.wrt] if q.wrt else [])
        if q.seed is not None and q.seed != 1.0:
            parts.append(f"seed={q.seed!r}")
        if many_dtypes:
            parts.append(self.dtype)
        if self.device != "cpu":
            parts.append(self.device)
        return "-".join(parts)


@dataclass
class RunResult:
    rows: list
    env: dict
    report: Path


@dataclass
class CaseSession:
    """The runs of one pytest session, and the rows each check judged (for --update)."""

    root: Path
    jobs: int = field(default_factory=lambda: min(3, os.cpu_count() or 1))
    runs: dict = field(default_factory=dict)
    judged: dict = field(default_factory=dict)  # expectations path -> rows
    # Selection -> the QuantityIds pytest kept after -k/-m/node ids; None: every one
    wanted: dict | None = None

    def result(self, selection: Selection) -> RunResult:
        if selection not in self.runs:
            self.runs[selection] = self._run(selection, self.root / f"{selection.case}-{len(self.runs)}")
        return self.runs[selection]

    def _run(self, selection: Selection, run_dir: Path) -> RunResult:
        chosen = None if self.wanted is None else self.wanted.get(selection, [])
        points = () if chosen is None else tuple(sorted({q.quantity.point for q in chosen}))
        config = RunConfig(frameworks=selection.frameworks, cases=(selection.case,), modes=selection.modes,
                           devices=selection.devices, dtypes=selection.dtypes, seeds=selection.seeds,
                           points=points, timeout=600.0)
        catalogue = load_catalogue(selection.case_files)  # checked when pytest collected the test file
        plan = value_tasks(config, catalogue.cases)
        if chosen is not None:  # only the tasks of the tests pytest selected (-k, node ids)
            needed = {(q.framework, q.dtype, q.device, q.mode) for q in chosen}
            plan = {fw: [t for t in tasks if (fw, t["dtype"], t["device"], t["mode"]) in needed]
                    for fw, tasks in plan.items()}
        run = Run(run_dir, config, host_env(["pytest", "crossgrad.testing", selection.case]), None, catalogue)
        status = "interrupted"
        try:
            status = "complete" if execute(run, {"values": plan}, _Quiet(), jobs=self.jobs) else "partial"
        finally:
            run.close(status)
        finished = finish_run(run_dir, catalogue.cases)  # reads and judges the folder once
        return RunResult(finished.rows, finished.env, finished.path)

    def check(self, qid: QuantityId, update: bool) -> str | None:
        """None when the quantity meets the expectations (or update is on); else the failure text."""
        result = self.result(qid.selection)
        rows = [r for r in result.rows if _is(r, qid)]
        if not rows:
            return f"{qid.label()}: crossgrad recorded no value for it (see {result.report})"
        path = qid.selection.expectations
        if update:
            self.judged.setdefault(path, []).extend(rows)
            return None
        mine = {RowKey.of(r).quantity() for r in rows}  # this test's entries only: no "skipped" noise
        checked = compare(rows, [e for e in load_expectations(path) if RowKey.of(e).quantity() in mine])
        if checked.ok:
            return None
        diff = format_diff(checked, path)
        if not Path(path).is_file():  # not "1 difference(s) from" a file that is not there
            diff = diff.replace(f"difference(s) from {path}", f"value(s) with no entry: the expectations file "
                                f"{path} is missing (write it with pytest --crossgrad-update)", 1)
        return failure_text(qid, checked, diff, rows, result)

    def write_updates(self, host_specific: str = "") -> list[str]:
        """Rewrite every expectations file the session judged; one line per file.
        host_specific: a CPU flag (crossgrad.judging.check_update.updated_entries)."""
        lines = []
        for path, rows in self.judged.items():
            update_expectations(path, rows, load_expectations(path), host_specific=host_specific)
            lines.append(f"crossgrad: updated {path} from {len(rows)} value(s); review it with git diff")
        return lines


class _Quiet:
    def advance(self, label: str, task: dict | None = None, outcome: str = "") -> None:
        pass


def _is(row: dict, qid: QuantityId) -> bool:
    q = qid.quantity
    seed = row_seed(row)
    return (row.get("framework") == qid.framework and row.get("mode") == qid.mode and row.get("dtype") == qid.dtype
            and row.get("device") == qid.device and row.get("point") == q.point and row.get("ad") == q.ad
            and (row.get("wrt") or "") == q.wrt
            and (q.seed is None or (seed is not None and same_value(seed, q.seed))))  # a -0.0 seed is its own


def failure_text(qid: QuantityId, checked, diff: str, rows: list[dict], result: RunResult) -> str:
    """What a failing test prints: the id, the diff, the repro snippet, the report's path."""
    diff = diff.replace("`crossgrad check --update`", "`pytest --crossgrad-update`")
    row = rows[0]
    if row.get("outcome") not in ("ok", None, ""):  # no value: say what it raised, not "gave None"
        gave = f"gave no value: {row.get('outcome')}: {row.get('detail') or 'no detail recorded'}"
    else:
        gave = f"gave {row.get('value')} ({row.get('verdict') or 'no truth stated'})"
    return "\n".join([f"{qid.label()}: {qid.framework} {qid.mode} {gave}, "
                      f"not what {Path(qid.selection.expectations).name} expects", diff, "",
                      "repro (runs alone, prints the value):", snippet_for(qid, rows[0], result.env),
                      f"full report of this case: {result.report}"])


def snippet_for(qid: QuantityId, row: dict, env: dict) -> str:
    spelling = ((env.get("frameworks") or {}).get(qid.framework) or {}).get("spelling") or {}
    case = load_catalogue(qid.selection.case_files).cases[qid.selection.case]
    q = qid.quantity
    ok = row.get("outcome") in ("ok", None, "")
    detail = " ".join(str(row.get("detail")).split())  # quoted in a comment: one line, so it stays one
    recorded = str(row.get("value")) if ok else f"no value, it raised ({row.get('outcome')}): {detail}"
    try:
        return case_snippet(case, qid.framework, spelling, q.point, qid.dtype, q.ad, q.wrt, q.seed, qid.mode,
                            recorded=recorded, index=int(row.get("index") or 0))
    except Exception as exc:  # a snippet is a help, not the result: say why there is none
        return f"(no snippet: {type(exc).__name__}: {exc})"
