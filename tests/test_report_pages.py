"""report_pages: what tells two cells apart (a zero's sign, a NaN's bits) tells them apart on
the page."""
from __future__ import annotations

from crossgrad.reporting.report import render_pages


def _row(fw, index, value, bits=""):
    return {"schema_version": 2, "framework": fw, "framework_version": "1", "device": "cpu",
            "dtype": "float64", "mode": "eager", "case": "user_f", "point": "p", "ad": "reverse",
            "wrt": "w", "cotangent": "1.0", "tangent": "", "index": index, "value": value, "bits": bits,
            "outcome": "ok", "detail": "", "primitive": "f", "x": "", "w": "", "b": "0.5", "truth": "",
            "verdict": ""}


def _cells(page):
    return [line.split(" | ")[6:8] for line in page.splitlines() if line.startswith("| p |")]


def test_float_values_keep_their_sign_of_zero():
    """Values handed in as floats: 0.0 and -0.0 are equal as dict keys, their cells are not."""
    rows = [_row(fw, i, v) for fw in ("fake_a", "fake_b") for i, v in enumerate([0.0, -0.0, 0.0])]
    assert [a for a, _ in _cells(render_pages(rows, {}, {})["user_f"])] == ["`0.0`", "`-0.0`", "`0.0`"]


def test_nan_bits_shown_only_where_the_row_s_nans_differ():
    rows = [_row("fake_a", 0, "nan", "0x7ff8000000000000"), _row("fake_b", 0, "nan", "0xfff8000000000000"),
            _row("fake_a", 1, "nan", "0x7ff8000000000000"), _row("fake_b", 1, "nan", "0x7ff8000000000000")]
    cells = _cells(render_pages(rows, {}, {})["user_f"])
    assert cells[0] == ["`nan` 0x7ff8000000000000", "`nan` 0xfff8000000000000"]
    assert cells[1] == ["`nan`", "`nan`"]
