"""`--resume`: continue an interrupted run in its own folder, only if it is the same run.

The runner journals each task as it finishes (run_folder.TASKS_DONE: ran, failed
or unavailable); a task's rows are appended before its journal line. Resuming
checks the manifest against this command (the same plan: selection, timing
options; the same framework and crossgrad versions), drops the rows of tasks
that did not finish (a task cut off half-way is run again whole), and leaves
the rest of the plan to run. Timing rows are kept per framework: a framework
whose timings did not all finish is timed again, so its rows share one sitting.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from crossgrad import __version__
from crossgrad.arguments import UsageError
from crossgrad.core.records import atomic_write_text
from crossgrad.core.registry import frameworks
from crossgrad.core.run_folder import ENV, MANIFEST, RECORDS, TASKS_DONE, TIMINGS_JSONL, read_json

VALUE_TASK = ("framework", "case", "dtype", "device", "mode")  # the fields of running.plan.Task


def plan_digest(plan: dict, timing_options: dict | None) -> str:
    """One hash of everything the run was asked to compute (the manifest keeps it)."""
    text = json.dumps({"plan": plan, "timing": timing_options}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def versions_now(names) -> dict:
    """crossgrad's and each framework's installed version (no framework import)."""
    return {"crossgrad": __version__, **{name: frameworks()[name].version() for name in names}}


def _canonical(task: dict) -> str:
    return json.dumps(task, sort_keys=True)


def _lines(path: Path) -> list[dict]:
    """The JSON objects of a jsonl file; a torn or unreadable line (a killed writer) is dropped."""
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(item, dict):
            out.append(item)
    return out


def _refuse_other_run(manifest: dict, digest: str, versions: dict) -> None:
    status = manifest.get("status")
    if status not in ("running", "interrupted"):
        raise UsageError(f"--resume continues an interrupted run, and this one is {status!r}; "
                         "use --overwrite to run it again")
    if manifest.get("plan_digest") != digest:
        raise UsageError("--resume: this command selects other work than the run in the folder "
                         f"(its command: {manifest.get('command') or 'not recorded'})")
    recorded = manifest.get("versions") or {}
    changed = [f"{n} {recorded.get(n)!r} then, {v!r} now" for n, v in versions.items() if recorded.get(n) != v]
    if changed:
        raise UsageError(f"--resume: versions changed since the run began: {'; '.join(changed)}")


def prepare_resume(run_dir: Path, plan: dict, digest: str, versions: dict) -> tuple[dict, dict, dict]:
    """(the plan still to run, the old manifest, the old env) of the interrupted run
    in run_dir; its unfinished tasks' rows are removed. UsageError where it is not
    the same run (other selection, versions, or a run that ended)."""
    run_dir = Path(run_dir)
    manifest = read_json(run_dir / MANIFEST)
    _refuse_other_run(manifest, digest, versions)
    env = read_json(run_dir / ENV) if (run_dir / ENV).is_file() else {}
    journal = _lines(run_dir / TASKS_DONE)
    done = {(j.get("kind"), _canonical(j.get("task") or {})) for j in journal}
    left = {kind: {fw: [t for t in tasks if (kind, _canonical(t)) not in done] for fw, tasks in per_fw.items()}
            for kind, per_fw in plan.items()}
    timed = {fw for fw, tasks in left.get("timings", {}).items() if not tasks}
    if "timings" in plan:  # a framework not timed to the end is timed again whole
        left["timings"] = {fw: tasks for fw, tasks in plan["timings"].items() if fw not in timed}
    finished_values = {_canonical({k: t.get(k) for k in VALUE_TASK}) for kind, t in
                       ((j.get("kind"), j.get("task") or {}) for j in journal) if kind == "values"}
    _keep(run_dir / RECORDS, lambda r: _canonical({k: r.get(k) for k in VALUE_TASK}) in finished_values)
    _keep(run_dir / TIMINGS_JSONL, lambda r: r.get("framework") in timed)
    _keep(run_dir / TASKS_DONE, lambda j: j.get("kind") == "values" or (j.get("task") or {}).get("framework") in timed)
    return left, manifest, env


def _keep(path: Path, wanted) -> None:
    rows = [r for r in _lines(path) if wanted(r)]
    atomic_write_text(path, "".join(json.dumps(r, allow_nan=False) + "\n" for r in rows))
