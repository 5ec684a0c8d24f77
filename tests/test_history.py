"""crossgrad history (issue 25): one framework across releases, what changed and when.

Small synthetic grids (three releases of jax, two cases) whose every change is
written in by hand, so the expected category, first release and exit status
follow from the rows themselves; the committed history (results/history) is read
where it lies. No framework and no network needed.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from crossgrad.cli import main
from crossgrad.core.rows import GRADIENT_COLUMNS
from crossgrad.history.load import version_key

ROOT = Path(__file__).resolve().parents[1]
# relu at its kink: the primal value is 0 at z = 0, its reverse gradient in w is
# x * relu'(0) * cotangent = (-1) * 0 * 1 = -0.0 where relu'(0) = 0 (the seed notebook).
BASE = [("relu", "kink", "none", "", "", "0.0"), ("relu", "kink", "reverse", "1.0", "w", "-0.0"),
        ("relu", "smooth", "reverse", "1.0", "w", "3.0"), ("abs", "smooth", "reverse", "1.0", "w", "3.0")]


def row(version, case, point, ad, seed, wrt, value, outcome="ok", detail=""):
    x, w, b = ("-1.0", "1.0", "1.0") if point == "kink" else ("3.0", "2.0", "1.0")
    return {"schema_version": 1, "framework": "jax", "framework_version": version, "device": "cpu",
            "dtype": "float32", "mode": "eager", "ad": ad, "case": case, "point": point,
            "cotangent": seed if ad == "reverse" else "", "tangent": "", "wrt": wrt, "index": 0,
            "value": value if outcome == "ok" else "", "outcome": outcome, "detail": detail,
            "primitive": "jax.nn.relu", "x": x, "w": w, "b": b}


def make_run(root: Path, version: str, values: dict | None = None, started: bool = True) -> Path:
    """A run folder of jax `version`: BASE's values, with `values` {(case, point, ad): value or outcome}."""
    folder = root / f"jax-{version}"
    folder.mkdir(parents=True)
    rows = []
    for case, point, ad, seed, wrt, value in BASE:
        changed = (values or {}).get((case, point, ad), value)
        outcome = changed if changed in ("error", "crashed", "unavailable") else "ok"
        if not started:
            outcome = "crashed"
        rows.append(row(version, case, point, ad, seed, wrt, changed, outcome,
                        "not run: worker exited with status 1 before its first task" if not started else ""))
    with open(folder / "gradients.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=GRADIENT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    info = {"version": version} if started else {}
    (folder / "env.json").write_text(json.dumps({"frameworks": {"jax": info} if started else {}}))
    (folder / "manifest.json").write_text(json.dumps({"schema_version": 1, "status": "complete", "config": {}}))
    return folder


def history(tmp_path, *folders) -> tuple[int, pd.DataFrame | None, str]:
    out = tmp_path / "out"
    code = main(["history", *map(str, folders), "--out", str(out)])
    if not (out / "history.csv").is_file():
        return code, None, ""
    return code, pd.read_csv(out / "history.csv", dtype=str, keep_default_na=False), (out / "history.md").read_text()


def test_releases_sort_as_numbers_not_text():
    assert sorted(["2.12.1", "2.9.1", "2.0.1", "2.13.0+cpu", "2.13.0"], key=version_key) == \
        ["2.0.1", "2.9.1", "2.12.1", "2.13.0", "2.13.0+cpu"]


def test_a_sign_of_zero_change_is_found_at_its_release_whatever_the_order_given(tmp_path):
    runs = [make_run(tmp_path, "0.4.13"), make_run(tmp_path, "0.4.30", {("relu", "kink", "reverse"): "0.0"}),
            make_run(tmp_path, "0.10.2", {("relu", "kink", "reverse"): "0.0"})]
    code, lines, text = history(tmp_path, runs[2], runs[0], runs[1])
    assert code == 1
    assert len(lines) == 1  # the other quantities keep their bits in every release
    line = lines.iloc[0]
    assert (line.case, line.point, line.ad, line.category, line.first_changed) == \
        ("relu", "kink", "reverse", "sign of zero", "0.4.30")
    assert [line["value 0.4.13"], line["value 0.4.30"], line["value 0.10.2"]] == ["-0.0", "0.0", "0.0"]
    assert "since jax 0.4.30 (from 0.4.13), relu: the sign of a zero changed in 1 quantity" in text
    assert (tmp_path / "out" / "history.png").is_file() and (tmp_path / "out" / "findings.csv").is_file()


def test_a_quantity_that_changes_twice_keeps_its_first_release_and_its_worst_category(tmp_path):
    runs = [make_run(tmp_path, "0.4.13"), make_run(tmp_path, "0.4.30", {("relu", "smooth", "reverse"): "3.0000002"}),
            make_run(tmp_path, "0.10.2", {("relu", "smooth", "reverse"): "error"})]
    code, lines, _ = history(tmp_path, *runs)
    line = lines.iloc[0]
    assert code == 1 and len(lines) == 1
    assert line.first_changed == "0.4.30"  # 3.0 -> 3.0000002 is 1 ulp in float32: last bits
    assert line.category in ("outcome", "verdict worse")  # then a value became an error: worse than last bits
    assert line["outcome 0.10.2"] == "error"


def test_releases_that_agree_change_nothing(tmp_path):
    code, lines, text = history(tmp_path, make_run(tmp_path, "0.4.13"), make_run(tmp_path, "0.5.3"))
    assert code == 0 and lines.empty
    assert "0 quantities changed" in text


def test_a_release_whose_adapter_did_not_start_is_said_so_not_counted_as_changes(tmp_path):
    runs = [make_run(tmp_path, "0.4.13"), make_run(tmp_path, "0.4.30", started=False), make_run(tmp_path, "0.5.3")]
    code, lines, text = history(tmp_path, *runs)
    assert lines.empty  # 0.4.13 and 0.5.3 agree; 0.4.30's crashed rows are no values
    assert code == 1  # still not a clean history: one release measured nothing
    assert "ADAPTER DID NOT START" in text


@pytest.mark.parametrize("problem, needle", [("missing", "does not exist"), ("one", "two releases"),
                                             ("twice", "given twice")])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, problem, needle):
    a = make_run(tmp_path, "0.4.13")
    folders = {"missing": [a, tmp_path / "nope"], "one": [a], "twice": [a, a]}[problem]
    assert main(["history", *map(str, folders), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err and "Traceback" not in err


COMMITTED = ROOT / "results" / "history"


@pytest.mark.parametrize("framework", ["torch", "jax", "tensorflow", "mlx"])
def test_the_committed_history_holds_six_releases_that_history_still_reads(framework, tmp_path):
    folders = sorted(p for p in (COMMITTED / framework).glob(f"{framework}-*") if (p / "manifest.json").is_file())
    if not folders:
        pytest.skip(f"no committed history of {framework} in this checkout")
    assert len(folders) >= 6
    # Two of them, through the command a user runs: the committed history.csv is its output over all.
    code, _, text = history(tmp_path, folders[0], folders[-1])
    assert code in (0, 1) and f"# crossgrad history: {framework}" in text
    assert (COMMITTED / framework / "history.md").is_file() and (COMMITTED / framework / "history.csv").is_file()


def test_a_spelling_a_release_lacks_is_listed_apart_not_counted_as_a_change(tmp_path):
    # jax 0.4.13's jnp.clip has no min=: the quantity is `unavailable` there, a value later.
    runs = [make_run(tmp_path, "0.4.13", {("relu", "kink", "reverse"): "unavailable"}), make_run(tmp_path, "0.4.30")]
    code, lines, text = history(tmp_path, *runs)
    assert code == 0 and lines.empty
    assert "## Spellings a release lacks" in text and "| relu | 1 | 0 |" in text


def test_a_cell_whose_every_value_crashed_is_an_adapter_that_did_not_start_and_fails(tmp_path, monkeypatch):
    """mlx 0.29.4 under an adapter that called mx.device_info: a version recorded, every task
    'crashed' before its first value. The grid reports it as such (never 'measured'), records it
    in cells.json, and the CI job for the cell fails; `crossgrad history` agrees (one rule)."""
    from crossgrad.history import grid_run
    from crossgrad.history.grid import Cell

    crashed = {(case, point, ad): "crashed" for case, point, ad, *_ in BASE}
    cell = Cell("jax", "jax[cpu]==0.4.30")

    def fake_run(cell, out, log, selection):
        out.parent.mkdir(parents=True, exist_ok=True)
        make_run(out.parent, "0.4.30", crashed)
        return ""

    monkeypatch.setattr(grid_run, "ensure_env", lambda cell, result, log: True)
    monkeypatch.setattr(grid_run, "_run_catalogue", fake_run)
    monkeypatch.setattr(grid_run, "slim", lambda out: None)
    [result] = grid_run.run_grid([cell], jobs=1, root=tmp_path, log=lambda text: None)
    assert (result.status, result.detail.split(":")[0]) == ("adapter did not start", "every value crashed")
    recorded = json.loads((tmp_path / "cells.json").read_text())["cells"]
    assert [c["status"] for c in recorded] == ["adapter did not start"]
    monkeypatch.setattr(grid_run, "cells", lambda: [cell], raising=False)
    monkeypatch.setattr("crossgrad.history.grid.cells", lambda: [cell])
    assert grid_run.main([cell.slug, "--root", str(tmp_path / "ci")]) == 1
    code, _, text = history(tmp_path, make_run(tmp_path / "a", "0.4.13"), tmp_path / "jax" / "jax-0.4.30")
    assert code == 1 and "ADAPTER DID NOT START" in text
    # a later grid of other cells keeps this cell's record; one of the same cell replaces it
    other = Cell("jax", "jax[cpu]==0.4.13")
    monkeypatch.setattr(grid_run, "_run_catalogue", lambda cell, out, log, selection: "")  # no folder: a status
    grid_run.run_grid([other], jobs=1, root=tmp_path, log=lambda text: None)
    again = json.loads((tmp_path / "cells.json").read_text())
    assert [c["cell"] for c in again["cells"]] == [cell.slug, other.slug] and again["grid_cells"] == [other.slug]
    grid_run.run_grid([cell], jobs=1, root=tmp_path, log=lambda text: None)
    assert [c["cell"] for c in json.loads((tmp_path / "cells.json").read_text())["cells"]] == [other.slug, cell.slug]


def test_a_users_case_file_judges_their_cases_in_the_history(tmp_path):
    """--cases-from reaches the verdicts: the user's case is judged against the truth its
    file declares (8.0 exact at smooth); without the file the case is unknown here."""
    cases = tmp_path / "my_cases.py"
    cases.write_text("from crossgrad.case import Case, Point, exact\n"
                     "def shifted_relu(ops, x, w, b):\n    return ops.relu(x * w + b) + 1.0\n"
                     "CASES = [Case('shifted_relu', shifted_relu,\n"
                     "              (Point('smooth', 3.0, 2.0, 1.0, value=exact(8.0), d1=exact(1.0), d2=exact(0.0)),))]\n")
    folders = []
    for version, value in (("0.4.13", "8.0"), ("0.4.30", "9.0")):
        folder = tmp_path / f"jax-{version}"
        folder.mkdir()
        with open(folder / "gradients.csv", "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=GRADIENT_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerow(row(version, "shifted_relu", "smooth", "none", "", "", value))
        (folder / "env.json").write_text(json.dumps({"frameworks": {"jax": {"version": version}}}))
        (folder / "manifest.json").write_text(json.dumps({"schema_version": 1, "status": "complete", "config": {}}))
        folders.append(folder)
    judged = tmp_path / "judged"
    assert main(["history", *map(str, folders), "--cases-from", str(cases), "--out", str(judged)]) == 1
    table = pd.read_csv(judged / "history.csv", dtype=str, keep_default_na=False)
    assert list(table["verdict 0.4.13"]) == ["exact"] and list(table["verdict 0.4.30"]) != ["exact"]
    unjudged = tmp_path / "unjudged"
    assert main(["history", *map(str, folders), "--out", str(unjudged)]) == 1
    table = pd.read_csv(unjudged / "history.csv", dtype=str, keep_default_na=False)
    assert list(table["verdict 0.4.13"]) != ["exact"]
