"""Reading the run folders a history is made of: the one place that touches the loaders.

`load_release(path)` is the only function of crossgrad.history that reads a run
folder; it uses the project's loaders (crossgrad.core.run_folder.load_run, then
crossgrad.drift.join.prepare: the key's seed column, today's truth and verdicts),
so a rebuilt loader is swapped in here and nowhere else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from crossgrad.arguments import UsageError

MEASURED, NOT_STARTED = "measured", "adapter did not start"


@dataclass
class Release:
    """One run folder of one framework release."""

    path: Path
    framework: str
    version: str
    status: str  # measured, partial, interrupted, or NOT_STARTED (no value was computed)
    detail: str  # why it is not measured, or ""
    rows: object  # pandas.DataFrame prepared by crossgrad.drift.join.prepare

    @property
    def label(self) -> str:
        return f"{self.framework} {self.version}"


def version_key(version: str) -> tuple:
    """Release order: "2.9.1" before "2.12.0" (numbers compared as numbers); a local
    label ("+cpu") orders after its release."""
    release, _, local = version.partition("+")
    parts = [int(p) if p.isdigit() else p for p in re.split(r"[.\-]", release)]
    return tuple((0, p) if isinstance(p, int) else (1, p) for p in parts) + ((2, local),)


def load_release(path, cases: dict | None = None) -> list[Release]:
    """The run folder as one Release per framework it holds, judged against `cases`
    (None: the installed catalogue); bad input: UsageError, exit 2."""
    from crossgrad.core.records import RecordFormatError
    from crossgrad.core.run_folder import NotARunFolder, load_run
    from crossgrad.drift.join import prepare

    try:
        run = load_run(path)
    except NotARunFolder as exc:
        raise UsageError(f"{exc}; give run folders written by crossgrad run (e.g. results/history/jax/*)") from None
    except (RecordFormatError, OSError, ValueError) as exc:
        raise UsageError(f"cannot read {str(path)!r}: {exc}") from None
    infos = run.env.get("frameworks") or {}
    names = sorted(set(run.gradients["framework"]) if "framework" in run.gradients else set()) or sorted(infos)
    if not names:
        raise UsageError(f"{str(path)!r} holds no framework's rows")
    return [_release(run, name, infos.get(name) or {}, lambda rows: prepare(rows, cases)) for name in names]


def _release(run, framework: str, info: dict, prepare) -> Release:
    rows = run.gradients[run.gradients["framework"] == framework] if "framework" in run.gradients else run.gradients
    version = str(info.get("version") or _recorded_version(rows) or "unknown")
    started = bool(info.get("version")) and not info.get("load_error")
    if not started:
        why = info.get("load_error") or info.get("unavailable") or "the worker never reported its framework"
        return Release(Path(run.path), framework, version, NOT_STARTED, why, rows.iloc[0:0])
    if len(rows) and rows["outcome"].isin(["crashed", "timeout"]).all():
        return Release(Path(run.path), framework, version, NOT_STARTED,
                       f"every value {rows['outcome'].iloc[0]}: {rows['detail'].iloc[0]}", rows.iloc[0:0])
    status = MEASURED if run.status == "complete" else run.status
    detail = "" if status == MEASURED else f"the run is {run.status}: what it has is compared"
    return Release(Path(run.path), framework, version, status, detail, prepare(rows))


def _recorded_version(rows) -> str:
    versions = sorted(set(rows["framework_version"]) - {""}) if "framework_version" in rows else []
    return versions[0] if versions else ""
