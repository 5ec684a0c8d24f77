"""findings.csv in a run folder or compare folder: crossgrad.judging.findings_data's
records, each with a repro snippet as text (a mode divergence: one program that runs
both modes and prints both values)."""
from __future__ import annotations

from pathlib import Path

from crossgrad.core import run_folder
from crossgrad.core.records import atomic_write_text
from crossgrad.judging.divergence import Divergence
from crossgrad.judging.findings_data import finding_records, findings_csv
from crossgrad.reporting import repro

SNIPPET_FAILURES = (repro.SnippetError, OSError, TypeError, KeyError, SyntaxError, ValueError)


def _spelling(env: dict, framework: str) -> dict:
    info = ((env or {}).get("frameworks") or {}).get(framework)
    return (info.get("spelling") or {}) if isinstance(info, dict) else {}


def _one(cases: dict, env: dict, framework, case, point, dtype, ad, wrt, seed, mode, value, index) -> str:
    if case not in cases:
        return ""
    return repro.case_snippet(cases[case], framework, _spelling(env, framework), point, dtype, ad, wrt, seed,
                              mode, recorded=value or None, index=int(index or 0))


def snippet_maker(cases: dict, env: dict):
    """snippet(category, items) for finding_records: "" where none can be written."""
    def snippet(category: str, items: list) -> str:
        first = items[0]
        try:
            if isinstance(first, Divergence):
                modes = (first.reference, first.other) if first.axis == "mode" else (first.held,)
                values = (first.reference_value, first.other_value)
                return "\n".join(_one(cases, env, first.framework, first.case, first.point, first.dtype, first.ad,
                                      first.wrt, first.seed, mode, value, first.index)
                                  for mode, value in zip(modes, values))
            seed = first.get("tangent") if first.get("ad") == "forward" else first.get("cotangent")
            return _one(cases, env, first["framework"], first["case"], first["point"], first["dtype"], first["ad"],
                        first.get("wrt", ""), seed, first["mode"], first.get("value"), first.get("index"))
        except SNIPPET_FAILURES:
            return ""
    return snippet


def write_findings(folder: Path, rows: list[dict], env: dict, cases: dict) -> Path:
    """findings.csv of annotated `rows` in `folder`; returns its path."""
    path = Path(folder) / run_folder.FINDINGS
    atomic_write_text(path, findings_csv(finding_records(rows, snippet_maker(cases, env))))
    return path
