"""Free text from a run folder reaches report.md, the case pages and compare.md only
escaped (crossgrad.reporting.report_text): a stranger's folder cannot put HTML,
a link or a table cell of its own into a page someone reads rendered.

The committed small run (tests/fixtures/small-run) gets a hostile text in every
free-text field the row rules let through (crossgrad.core.row_check: detail,
primitive, framework_version, timing shape/threads/compile_cache, env.json's and
manifest.json's text); the pages are rendered by a CommonMark parser with tables
(markdown-it-py, which rich brings) and the HTML is checked: no tag or link from
the payload, every table row as many cells as its header.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from cli_helpers import run_cli
from markdown_it import MarkdownIt

from crossgrad.reporting.report_text import code, escaped, fenced, prose

SMALL_RUN = Path(__file__).parent / "fixtures" / "small-run"
# The first backtick closes a naive `{text}` code span, so the <img> that follows is outside it.
PAYLOAD = "x` <img src=x onerror=alert(1)> `y <script>alert(1)</script> | cell\nnext line [x](javascript:alert(1)) ```"
ENV_TEXT = ("command", "cpu", "cpu_arch", "crossgrad", "git_commit", "gpu", "platform", "python", "xla_cpu_target")


def _jsonl(path: Path, change) -> None:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(change(i, r)) + "\n" for i, r in enumerate(rows)))


def _gradient(i: int, row: dict) -> dict:
    row = dict(row, primitive=PAYLOAD, framework_version=PAYLOAD)
    if i % 5 == 0:  # an error outcome: its detail is listed under Errors and in the banner
        row.update(value=None, bits="", outcome="error" if i % 2 else "crashed", detail=PAYLOAD)
    return row


def _timing(i: int, row: dict) -> dict:
    row = dict(row, shape=PAYLOAD, threads=PAYLOAD, compile_cache=PAYLOAD, detail=PAYLOAD,
               framework_version=PAYLOAD)
    if i == 0:
        row.update(outcome="error", median_s=None)
    return row


@pytest.fixture
def hostile_run(tmp_path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(SMALL_RUN, run)
    for name in ("gradients.csv", "timings.csv"):
        (run / name).unlink()  # rebuilt from the records by `crossgrad report`
    _jsonl(run / "records.jsonl", _gradient)
    _jsonl(run / "timings.jsonl", _timing)
    env = json.loads((run / "env.json").read_text())
    env.update({k: PAYLOAD for k in ENV_TEXT}, cpu_flags=[PAYLOAD], thread_env={PAYLOAD: PAYLOAD})
    env["frameworks"]["torch"].update(version=PAYLOAD, threads={PAYLOAD: PAYLOAD})
    (run / "env.json").write_text(json.dumps(env))
    manifest = json.loads((run / "manifest.json").read_text())
    manifest.update(status="partial", started=PAYLOAD, finished=PAYLOAD, detail=PAYLOAD, command=PAYLOAD)
    manifest["config"].update(cases=manifest["config"]["cases"] + [PAYLOAD], frameworks=["torch", PAYLOAD])
    (run / "manifest.json").write_text(json.dumps(manifest))
    return run


def _html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def _assert_safe(page: Path) -> None:
    text = page.read_text()
    html = _html(text)
    for bad in ("<script", "<img src=x", "<img src=\"x\"", "href=\"javascript", "onerror=alert(1)>"):
        assert bad not in html, f"{page.name}: {bad} rendered as HTML"
    assert "alert(1)" in html, page.name  # the payload is there, shown as text
    assert _bad_table_rows(text) == [], page.name


def _bad_table_rows(text: str) -> list[str]:
    """Rows of the markdown's tables with another count of cells than their header.
    Counted in the text, since a renderer pads or drops cells (GFM): a cell is
    split off at a pipe no backslash escapes; a line break inside a row ends the
    table early, leaving a short row."""
    bad, width = [], None
    for line in text.split("\n"):
        if not line.startswith("|"):
            width = None
            continue
        cells = len(re.split(r"(?<!\\)\|", line.strip())) - 2
        if width is None:
            width = cells
        elif cells != width:
            bad.append(line)
    return bad


def test_hostile_text_in_a_run_folder_reaches_the_pages_only_escaped(hostile_run):
    result = run_cli("report", str(hostile_run))
    assert result.returncode == 0, result.stderr
    pages = [hostile_run / "report.md", *sorted((hostile_run / "cases").glob("*.md"))]
    assert len(pages) == 3
    report = pages[0].read_text()
    assert "&lt;script&gt;" in report and "\\[x\\](javascript:alert(1))" in report  # shown, escaped
    assert report.count("Errors and missing values") == 1
    for page in pages:
        _assert_safe(page)


def test_compare_md_escapes_the_sides_text(hostile_run, tmp_path):
    result = run_cli("compare", str(SMALL_RUN), str(hostile_run), "--out", str(tmp_path / "cmp"))
    assert result.returncode in (0, 1), result.stderr
    _assert_safe(tmp_path / "cmp" / "compare.md")
    assert "&lt;script&gt;" in (tmp_path / "cmp" / "compare.md").read_text()


def _text_of(html: str, tag: str) -> str:
    """The text inside <p><tag>...</tag></p>, HTML's escapes undone."""
    assert html.startswith(f"<p>{tag}") and html.endswith(f"{tag.replace('<', '</')}</p>\n"), html
    inner = html[len(f"<p>{tag}"):-len(f"{tag.replace('<', '</')}</p>\n")]
    assert "<" not in inner, html  # no tag of the text's own
    return inner.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


@pytest.mark.parametrize("text", [PAYLOAD, "`", "``a`", "a|b", "x\r\ny", "<b>bold</b>", "*em* _em_ ~~s~~",
                                  "a\\b &amp; &#60;", "# not a heading", "1. not a list",
                                  "intra_op=2 a_b_ _c"])
def test_escaped_and_code_render_as_the_text_itself(text):
    one_line = " ".join(text.split())
    assert _text_of(_html(escaped(text)), "") == one_line
    verbatim = text.replace("\r\n", " ").replace("\n", " ")
    shown = _text_of(_html(code(text)), "<code>")
    assert shown == (verbatim if not (verbatim.startswith("`") or verbatim.endswith("`")) else verbatim.strip())


def test_a_table_cell_keeps_a_pipe_in_text_and_in_code():
    from crossgrad.reporting.report_text import table

    markdown = table(["a", "b"], [[escaped("x | y\nz"), code("p | q\nr")], ["a\nb", "c|d"]])
    assert _bad_table_rows(markdown) == [] and _bad_table_rows("| a | b |\n| x | y | z |") == ["| x | y | z |"]
    html = _html(markdown)
    assert html.count("<td>") == 4 and "x | y z" in html and "<code>p | q r</code>" in html


@pytest.mark.parametrize("cells", [
    ["a\r", "\nb", "c"],              # a CRLF split across two cells: two spaces, not one
    ["x\x00y", "|", "\u2028"],        # a cell holding the joiner table() uses inside a row
    [1, None, -0.0, "nan"],            # not text: str() of each, as ever
    [],
])
def test_a_table_row_is_its_cells_made_one_line_each(cells):
    """table() makes a whole row one line at once; the text is that of each cell alone."""
    from crossgrad.reporting.report_text import _LINE_BREAKS, table

    def one(cell):
        return _LINE_BREAKS.sub(" ", str(cell)).replace("|", "\\|")
    expected = "| " + " | ".join(one(c) for c in cells) + " |"
    assert table(cells, [cells]).splitlines()[2] == expected


def test_prose_keeps_code_spans_and_escapes_the_rest():
    html = _html(prose("relu spelled `torch.clamp(z, min=0)` <b>x</b> [l](javascript:0)"))
    assert "<code>torch.clamp(z, min=0)</code>" in html and "<b>" not in html and "href" not in html
    assert _html(prose("an odd ` backtick <i>")).count("<code>") == 0


def test_a_fence_outlasts_the_backticks_inside():
    block = fenced("print('```')\n# ````\n", "python")
    html = _html(block + "\n\n<script>after</script>\n")
    assert html.count("<pre>") == 1 and "print('```')" in html


def test_a_recorded_spelling_stays_inside_its_code_span():
    """The spelling section quotes env.json's spelling of the base op (a stranger's text)."""
    from crossgrad.reporting.spellings_report import _verdict_lines

    agree = {"framework": "torch", "base_spelling": PAYLOAD, "spelling": "torch.clamp({0}, min=0)",
             "differ": [], "one_sided": []}
    odd = dict(agree, spelling=PAYLOAD, differ=[1])
    for entries in ([agree], [agree, odd]):
        html = _html(_verdict_lines(entries))
        assert "<img" not in html and "<script" not in html and "alert(1)" in html
