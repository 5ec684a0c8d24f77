"""report.md rendering from a handful of synthetic rows: no framework needed."""
import re

from crossgrad.case import UNDEFINED, Case, Point, exact, subgradients
from crossgrad.judging.judge import judge_rows
from crossgrad.reporting.report import render_pages, render_report, write_report


def relu(ops, x, w, b):
    return ops.relu(x * w + b)


CASES = {"relu": Case("relu", relu, (
    Point("smooth", 3.0, 2.0, 1.0, exact(7.0), exact(1.0), exact(0.0)),
    Point("kink", -1.0, 1.0, 1.0, exact(0.0), subgradients(0.0, 1.0), UNDEFINED)),
    "relu(x*w + b)")}
PRIMITIVE = {"torch": "torch.relu", "jax": "jax.nn.relu", "tensorflow": "tf.nn.relu"}
SPELLING = {"torch": {"relu": "torch.relu({0})"}}  # jax deliberately without one
ENV = {"python": "3.11.7", "cpu": "Test CPU", "cpu_count": 2,
       "frameworks": {"torch": {"version": "2.9.9", "spelling": SPELLING["torch"],
                                "threads": {"intra_op": 2}},
                      "jax": {"version": "0.4.99"}, "tensorflow": {"version": "2.99"}}}


def row(fw, mode, point, value, seed="1.0", ad="reverse", outcome="ok", detail=""):
    p = CASES["relu"].point(point)
    return {"framework": fw, "framework_version": ENV["frameworks"][fw]["version"],
            "mode": mode, "device": "cpu", "dtype": "float32", "case": "relu", "point": point,
            "ad": ad, "wrt": "" if ad == "none" else "w",
            "cotangent": seed if ad in ("reverse", "second") else "", "tangent": "",
            "index": 0, "value": value, "outcome": outcome, "detail": detail,
            "primitive": PRIMITIVE[fw], "x": repr(p.x), "w": repr(p.w), "b": repr(p.b)}


def rows():
    out = []
    for fw, mode, kink in (("torch", "eager", "-0.0"), ("torch", "compiled", "-0.0"),
                           ("jax", "eager", "0.0"), ("jax", "compiled", "0.0"),
                           ("tensorflow", "eager", "0.0")):
        out += [row(fw, mode, "smooth", "7.0", ad="none"), row(fw, mode, "smooth", "3.0"),
                row(fw, mode, "kink", kink)]
    out.append(row("jax", "eager", "kink", "nan", seed="-1.0"))
    out.append(row("torch", "eager", "kink", "0.0", seed="-1.0"))
    out.append(row("torch", "compiled", "kink", None, seed="-1.0", outcome="crashed",
                   detail="killed by signal SIGSEGV (11)"))
    return judge_rows(out, CASES)


def matrix_line(text, point, seed):
    """The matrix row of `point` and `seed` (reverse, w)."""
    for line in text.splitlines():
        if re.match(rf"\| {point} \| reverse \| {re.escape(seed)} \| w \|", line):
            return line
    raise AssertionError(f"no matrix row for {point} {seed}")


def page(rs=None) -> str:
    return render_pages(rows() if rs is None else rs, ENV, CASES)["relu"]


def test_negative_zero_is_printed_as_such_and_marked_odd():
    text = page()
    line = matrix_line(text, "kink", "1.0")
    assert "**`-0.0`** ◆ ±0 ∈" in line       # torch: bold, the odd one out (1 vote against 2)
    assert "`0.0` ∈" in line and "**`0.0`**" not in line
    assert line.rstrip(" |").endswith("differ only in the sign of zero")
    assert "`[-1.0, 0.0]`" in line           # the truth column


def test_row_verdicts_for_value_difference_and_errors():
    text = page()
    line = matrix_line(text, "kink", "-1.0")
    assert "**`nan`** ◆ invalid ✗" in line  # an invalid value is never the majority
    assert "crashed E1" in line
    assert "some errored; others differ in value" in line
    assert matrix_line(text, "smooth", "1.0").rstrip(" |").endswith("all agree")
    text = render_report(rows(), ENV, {"status": "complete"}, CASES)
    assert "- **E1** `crashed` in torch compiled" in text
    assert "`killed by signal SIGSEGV (11)`" in text


def test_findings_then_conventions_then_summary_linking_the_case_pages():
    text = render_report(rows(), ENV, {"status": "complete"}, CASES)
    assert text.index("## Findings") < text.index("## Conventions") < text.index("## Summary")
    assert "## Matrices" not in text and "## Matrices" in page()
    assert "| [relu](cases/relu.md) | float32 |" in text
    head = next(l for l in text.splitlines() if l.startswith("| case | dtype |"))
    assert head.split(" | ")[2:] == ["torch eager", "torch compiled", "jax eager", "jax compiled",
                                     "tensorflow eager |"]
    line = next(l for l in text.splitlines() if l.startswith("| [relu](cases/relu.md) | float32 |"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    # torch eager: exact at smooth, a subgradient at the kink, where its -0.0 is the
    # odd one by a zero's sign; jax eager adds a NaN; tensorflow is with the majority.
    # Benign verdicts (subgradient, undefined, close) are listed only where nothing
    # notable happened, so what differs shows first.
    assert cells[2] == "odd ±0 ×1"
    assert cells[4] == "NaN ×1"
    assert cells[6] == "subgradient ×1"  # nothing notable; the other two rows are exact
    assert "![summary heatmap](summary.png)" in text


def test_header_names_versions_and_where():
    text = render_report(rows(), ENV, {"status": "complete", "started": "2030-01-02T03:04:05"}, CASES)
    assert "torch 2.9.9 (eager, compiled)" in text and "jax 0.4.99 (eager, compiled)" in text
    assert "2030-01-02T03:04:05" in text and "Test CPU (2 cores)" in text
    assert "torch: intra_op=2" in text
    assert "PARTIAL RUN" not in text
    assert "Primitives used — torch: `torch.relu`; jax: `jax.nn.relu`" in page()


def test_partial_manifest_shows_the_banner_with_what_did_not_finish():
    text = render_report(rows(), ENV, {"status": "interrupted"}, CASES)
    banner = text.index("**PARTIAL RUN**")
    assert banner < text.index("## Summary")
    assert "status `interrupted`" in text
    assert "> - torch compiled, relu float32: **crashed** — `killed by signal SIGSEGV (11)`" in text
    text = render_report(rows(), ENV, {"status": "partial", "config": {
        "frameworks": ["torch", "jax", "mxnet"], "cases": ["relu", "abs"]}}, CASES)
    assert "> - no rows at all for frameworks: mxnet" in text
    assert "> - no rows at all for cases: abs" in text


def test_header_survives_an_empty_env():
    text = render_report(rows(), {}, {}, CASES)
    assert "torch 2.9.9" in text            # falls back to the rows' versions
    assert "status `unknown`" in text        # no status recorded: not claimed complete


def test_every_finding_has_a_snippet_on_its_case_page_and_a_link():
    text = render_report(rows(), ENV, {"status": "complete"}, CASES)
    table = [l for l in text.splitlines() if re.match(r"\| F\d+ \|", l)]
    kinds = [l.split(" | ")[1] for l in table]
    assert kinds == ["wrong value", "convention", "error"]  # most severe first; errors are findings too
    assert "jax: NaN where a valid value exists" in table[0] and "| jax | eager |" in table[0]
    assert "[snippet](cases/relu.md#f001)" in table[0] and "[snippet](cases/relu.md#f002)" in table[1]
    assert "torch: crashed: killed by signal SIGSEGV (11)" in table[2] and "| torch | compiled |" in table[2]
    relu_page = page()
    assert '<a id="f001"></a>' in relu_page and '<a id="f002"></a>' in relu_page
    # F002: torch's -0.0 at the kink; torch has a spelling, so its snippet is code
    f2 = relu_page[relu_page.index('<a id="f002"></a>'):relu_page.index('<a id="f003"></a>')]
    assert "torch.func.vjp(lambda w: relu(x, w, b), w)" in f2 and "# crossgrad recorded: -0.0" in f2
    # F001: jax has no spelling in this env: said so, not hidden
    f1 = relu_page[relu_page.index('<a id="f001"></a>'):relu_page.index('<a id="f002"></a>')]
    assert "No snippet: no spelling for jax in env.json" in f1


def test_report_findings_and_findings_csv_are_one_list(tmp_path):
    """report.md's table and findings.csv say the same: the same ids, categories and summaries."""
    import csv

    write_report(tmp_path, rows(), ENV, {"status": "complete"}, CASES)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    table = [l.split(" | ") for l in text.splitlines() if re.match(r"\| F\d+ \|", l)]
    with open(tmp_path / "findings.csv", newline="", encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    assert [(t[0].lstrip("| "), t[1], t[11]) for t in table] == [(r["id"], r["category"], r["summary"])
                                                                 for r in records]
    assert len(records) == 3


def test_write_report_writes_markdown_and_heatmap(tmp_path):
    path = write_report(tmp_path, rows(), ENV, {"status": "complete"}, CASES)
    assert path == tmp_path / "report.md"
    assert "`-0.0`" in path.read_text(encoding="utf-8")
    png = tmp_path / "summary.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
    assert not list(tmp_path.glob(".*tmp*"))  # atomic writes leave no temporary behind
    relu_page = (tmp_path / "cases" / "relu.md").read_text(encoding="utf-8")
    assert relu_page.startswith("# relu") and "[← report](../report.md)" in relu_page


def test_an_empty_run_still_renders(tmp_path):
    text = render_report([], {}, {"status": "interrupted"}, CASES)
    assert "No gradient rows were recorded." in text and "**PARTIAL RUN**" in text
    path = write_report(tmp_path, [], {}, {"status": "complete"}, CASES)
    assert path.exists() and not (tmp_path / "summary.png").exists()


def test_the_headers_seeds_are_each_rows_seed_once_in_run_order():
    """report_header._seeds keys text seeds by their (ad, tangent, cotangent) triple; float
    seeds go row by row, since a -0.0 would meet 0.0's entry in a dict."""
    from crossgrad.core.rows import seed_text
    from crossgrad.reporting.report_header import _labels, _seeds

    floats = [{"ad": "reverse", "cotangent": 0.0}, {"ad": "reverse", "cotangent": -0.0},
              {"ad": "forward", "tangent": 2.0, "cotangent": -0.0}]
    texts = [{"ad": "reverse", "cotangent": "-1.0"}, {"ad": "forward", "tangent": "2.0", "cotangent": "-1.0"},
             {"ad": "none"}, {"ad": "reverse", "cotangent": "-1.0"}, {"ad": "second", "cotangent": "1.0"}]
    for rows in (floats, texts):
        assert _seeds(rows, _labels(rows)) == [s for s in dict.fromkeys(seed_text(r) for r in rows) if s]
    assert _seeds(floats, _labels(floats)) == ["0.0", "-0.0", "2.0"]


def test_the_headers_labels_give_each_fields_distinct_values_in_run_order():
    """report_header._labels reads the six fields in one pass, as distinct tuples: each field's
    distinct values, read from them, are those of a pass over that field alone, in the same
    order, the first of equal values kept (1 and 1.0 meet in a dict); rows missing a field too."""
    from crossgrad.reporting.report_header import _LABELS, _labels

    full = [dict.fromkeys(_LABELS, "x") | {"case": c, "dtype": d, "device": 1.0 if d == "float16" else 1}
            for c, d in (("relu", "float32"), ("abs", "float32"), ("relu", "float16"), ("abs", "float64"),
                         ("sqrt", "float16"))]
    partial = [{"case": "relu"}, {"dtype": "float32"}, {"case": "abs", "dtype": "float32"}]
    for rows in (full, partial):
        labels = _labels(rows)
        for position, name in enumerate(_LABELS):
            got = list(dict.fromkeys(t[position] for t in labels))
            want = list(dict.fromkeys(r.get(name) for r in rows))
            assert got == want and list(map(type, got)) == list(map(type, want))
    assert [t[0] for t in _labels(full)] == ["relu", "abs", "relu", "abs", "sqrt"]
