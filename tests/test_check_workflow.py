"""The CI gate's workflow (.github/workflows/check.yml) checks the whole catalogue: its jobs'
framework selections together name every built-in framework exactly once, so a framework
added to crossgrad is not silently left out of the gate, nor checked twice."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from crossgrad.frameworks import BUILTIN_ORDER

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "check.yml"


def _shards() -> list[str]:
    """The matrix's `frameworks: [...]` list (a JSON-style flow sequence of quoted strings)."""
    found = re.search(r"^\s*frameworks:\s*(\[.*\])\s*$", WORKFLOW.read_text(encoding="utf-8"), re.MULTILINE)
    assert found, f"{WORKFLOW} has no one-line `frameworks: [...]` matrix"
    return json.loads(found.group(1))


def test_the_gate_checks_every_builtin_framework_once():
    named = Counter(fw for shard in _shards() for fw in shard.split(","))
    assert named == Counter(BUILTIN_ORDER)


def test_each_job_runs_check_on_its_shard():
    text = WORKFLOW.read_text(encoding="utf-8")
    assert 'crossgrad check --frameworks "${{ matrix.frameworks }}"' in text
    assert "make install" in text
