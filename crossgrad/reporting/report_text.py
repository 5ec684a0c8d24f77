"""Markdown pieces shared by report.md and its case pages: tables, column labels,
inline code. Values are never formatted here: callers pass their repr text."""
from __future__ import annotations


def table(head: list, body: list) -> str:
    def line(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"
    return "\n".join([line(head), line(["---"] * len(head))] + [line(r) for r in body])


def col_label(col, cols) -> str:
    """"torch eager", with the device when the run has several."""
    fw, mode, device = col
    several = len({c[2] for c in cols}) > 1
    return f"{fw} {mode}" + (f" {device}" if several else "")


def inline(text: str) -> str:
    """A detail message as one line of inline code (backticks and newlines removed)."""
    text = " ".join(str(text).split()).replace("`", "'")
    return f"`{text}`" if text else ""


def distinct(items) -> list:
    return [i for i in dict.fromkeys(items) if i not in (None, "")]
