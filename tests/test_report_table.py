"""report_text.table: a table made in blocks of rows is the same as made cell by cell."""
from __future__ import annotations

from crossgrad.reporting.report_text import table


def test_table_is_the_same_made_in_blocks_or_row_by_row():
    """report_text.table makes blocks of rows one line each at once; a cell holding its
    separators goes row by row: both give each cell on one line, `|` escaped."""
    body = [[f"v{i}", "a|b", "two\nlines"] for i in range(600)]
    text = table(["x", "y", "z"], body)
    assert text.splitlines()[2] == "| v0 | a\\|b | two lines |"
    assert len(text.splitlines()) == 602
    odd = table(["x"], [["a\x00b"], ["c\x01d"]])
    assert odd.splitlines()[2:] == ["| a\x00b |", "| c\x01d |"]
