"""README's quoted figures are regenerated from committed data (scripts/readme_figures.py,
`make docs`); this fails when README and the data disagree (issue 23: "282" where compare
gave 3,125, "242" where check printed 1,364)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def script():
    spec = importlib.util.spec_from_file_location("readme_figures", ROOT / "scripts" / "readme_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_generated_figure_in_readme_matches_its_data():
    figures = script()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert set(m.group("name") for m in figures.SPAN.finditer(text)) == set(figures.FIGURES)
    _, changed = figures.regenerate(text)
    assert changed == [], f"README figures out of date: {changed} (run make docs)"


def test_a_stale_figure_is_caught():
    figures = script()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    stale = text.replace("no gpu device for torch (", "no gpu device for torch (9", 1)
    assert figures.regenerate(stale)[1] == ["nothing-judged"]


def test_readme_and_docs_read_nothing_outside_the_repository():
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        assert "../shared" not in path.read_text(encoding="utf-8"), path
