"""Markdown pieces shared by every page crossgrad writes (report.md, case pages,
compare.md, history.md): tables, column labels, and the two ways free text enters
markdown. Values are never formatted here: callers pass their repr text.

Free text comes from a run folder (error details, versions, env.json's CPU, GPU,
command line, recorded spellings) or from a user's case (its description): a
stranger may have written it, and a page is read rendered (GitHub, an IDE). So it
enters a page either as `escaped(text)` (a sentence or a table cell: HTML and
markdown syntax shown as the characters they are) or as `code(text)` (a code span
with the text verbatim, whatever backticks it holds). Both are one line: a line
break in a value would end a table row or start a block (a heading, raw HTML).
Names (cases, points, frameworks: crossgrad.core.names) need neither: their
pattern admits no such character, and every reader checks it.
"""
from __future__ import annotations

import re
from itertools import repeat

# Markdown's inline syntax: escaped with a backslash (CommonMark: any ASCII punctuation may be).
# An underscore between two letters or digits (intra_op, torchinductor_root) starts no
# emphasis (CommonMark's flanking rule), so it stays as it is: texts keep their look.
_MARKDOWN = re.compile(r"([\\`*\[\]~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# HTML's, and the table's cell separator: as character references, which no parser reads as syntax.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;"}
# What makes a line a block (heading, list item, setext underline) when the text starts it.
_BLOCK_START = re.compile(r"^([0-9]{0,9})([.)]|#{1,6}|[-+=]+)(?=\s|$)")
_BREAKS = "\r\n\u2028\u2029\x0b\x0c\x85"  # what ends a line in a cell (str's search finds one faster than re)
_LINE_BREAKS = re.compile(f"[{_BREAKS}]+")


def escaped(text) -> str:
    """`text` as plain words in markdown: on one line, no link, emphasis, code or
    HTML it could start ("<script>" shows as <script>, "[x](javascript:...)" as
    those characters)."""
    return _escape(" ".join(str(text).split()))


def _escape(line: str) -> str:
    text = _MARKDOWN.sub(r"\\\1", "".join(_ENTITIES.get(c, c) for c in line))
    return _BLOCK_START.sub(r"\1\\\2", text)  # at a line's start: no heading, list, quote or rule


def code(text) -> str:
    """`text` as one code span, verbatim but for line breaks (spaces): the fence is
    one backtick longer than any run of backticks inside, so no value can close
    it early (CommonMark). "" for empty text."""
    text = _LINE_BREAKS.sub(" ", str(text))
    if not text.strip():
        return ""
    fence = "`" * (1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def prose(text) -> str:
    """Text whose `code spans` are meant (a case's description): each span kept as
    code(), the rest escaped(); with an unmatched backtick, all of it escaped()."""
    parts = " ".join(str(text).split()).split("`")
    if len(parts) % 2 == 0:
        return escaped(text)
    return "".join(code(p) if i % 2 else _escape(p) for i, p in enumerate(parts))


def fenced(source: str, language: str = "") -> str:
    """A fenced code block of `source` whose fence is longer than any run of
    backticks in it, so a value quoted in a snippet cannot end the block."""
    longest = max((len(run) for run in re.findall(r"`{3,}", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{source if source.endswith(chr(10)) else source + chr(10)}{fence}"


def inline(text) -> str:
    """A detail message as one line of inline code (code(): verbatim, fence-safe)."""
    return code(" ".join(str(text).split()))


def table(head: list, body: list) -> str:
    """A GitHub table; a `|` in a cell (in a code span too) is escaped so it stays one cell."""
    rows = [head, ["---"] * len(head), *body]
    return "\n".join(_lines(rows[start:start + _BLOCK]) for start in range(0, len(rows), _BLOCK))


# Rows made one line together: one regex pass and two replaces for a block of rows, not
# per cell (a case page has ~500,000 cells) nor per row, and not for a whole table at
# once (copies of a page's largest table took 14 MB more at the report's peak).
_BLOCK = 256


def _lines(rows: list) -> str:
    """The rows' lines: the same text as doing each cell alone, since neither replace
    touches _CELL_END or _ROW_END and a run of line breaks cannot reach across them. Rows
    whose cells hold either of them themselves go row by row, cell by cell."""
    # each row's cells as text joined by _CELL_END, in C (a catalogue's pages have 40,000 rows)
    lines = list(map(_CELL_END.join, map(map, repeat(str), rows)))
    inner = sum(map(len, rows)) - sum(map(bool, rows))  # the _CELL_ENDs joined in: a row's cells less one
    whole = _ROW_END.join(lines)
    if whole.count(_CELL_END) != inner or whole.count(_ROW_END) != len(lines) - 1:
        return "\n".join(_line(row) for row in rows)
    if any(map(whole.__contains__, _BREAKS)):  # most blocks hold no line break: no regex pass then
        whole = _one_line(whole)
    text = whole.replace("|", "\\|").replace(_CELL_END, " | ")
    return "| " + text.replace(_ROW_END, " |\n| ") + " |"


_CELL_END = "\x00"  # joins a row's cells while they are made one line: no line break, no `|`
_ROW_END = "\x01"  # joins a table's rows likewise


def _line(cells) -> str:
    return "| " + " | ".join(_one_line(c).replace("|", "\\|") for c in map(str, cells)) + " |"


def _one_line(cell) -> str:
    return _LINE_BREAKS.sub(" ", str(cell))


def col_label(col, cols) -> str:
    """"torch eager", with the device when the run has several."""
    fw, mode, device = col
    several = len({c[2] for c in cols}) > 1
    return f"{fw} {mode}" + (f" {device}" if several else "")


def distinct(items) -> list:
    return [i for i in dict.fromkeys(items) if i not in (None, "")]
