"""records.jsonl's lines parsed a distinct piece at a time, not a line at a time (issue 19).

crossgrad writes every gradient line with json.dumps' separators, the run's labels first:
`{"framework": .., "mode": .., "case": .., "ad": .., "point": .., "b": .., "index": .., ...}`.
Cut before `"case"`, `"point"` and `"index"`, a line is four pieces: the worker's labels
(framework .. mode), the quantity's case (case .. ad), its point (point .. b) and the
element (index .. schema_version). The full check's 227,759 lines hold 5,363 distinct
pieces: each is parsed once (json.loads of every line was 1.5 s of its report), leaving
the cutting, done by str methods over chunks of the file: each cut's ", " replaced by a
line break and a mark, then one split gives every line's pieces in order (_Reader._in_place).

Why the pieces read as the line would: if X + "}", "{" + Y + "}" (each middle piece) and
"{" + Z each parse as a JSON object with at least one member, then X + ", " + Y + ", " + Z
is one JSON object whose members are theirs in order (the grammar of an object), and
json.loads sets a line's members in order, a repeated name keeping the last value: the
pieces' dicts merged, a later one winning, whatever field each cut came before (TensorFlow's
lines hold index before point). A line that does not cut in four, or a piece that does not
parse so (a cut inside something nested), is parsed whole with json.loads, as before.
"""
from __future__ import annotations

import json
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

from crossgrad.core.records import RecordFormatError

_MARK = "\x1e"  # a control character: never raw in valid JSON; a chunk holding one is read line by line
# A cut's ", " becomes a line break and _MARK: one split cuts the lines and their pieces alike,
# and a piece that starts with _MARK is known to start at a cut, not a line.
_CUTS = tuple((f', "{name}": ', f'\n{_MARK}"{name}": ') for name in ("case", "point", "index"))  # same length: fast
_PIECES = len(_CUTS) + 1
# Characters cut at once. Small on purpose: glibc gives a freed block back to the system only
# if it was mapped apart (mmap), and after freeing such a block it maps apart only blocks
# larger than it; a chunk or code list as large as a column (crossgrad.core.gradient_columns)
# freed here would leave the columns in the heap, kept resident after finish_run frees them.
_CHUNK = 1 << 16  # ASCII text: 64 KiB, under glibc's first threshold (128 KiB)
_WRAP = (lambda t: t + "}", *[lambda t: "{" + t[1:] + "}"] * (len(_CUTS) - 1), lambda t: "{" + t[1:])  # as an object


class BadLine(ValueError):
    """A line json.loads refuses, or one that is not an object: the caller's reader words it."""


class Lines(NamedTuple):
    """The non-blank lines of the file in order (a torn last line left out) as pieces: line i
    is parts[pieces[0][i]], parts[pieces[1][i]], ... merged, a later one winning; a line parsed
    whole is its part, then parts[0] ({}) for each other piece."""

    parts: list
    pieces: tuple  # np.ndarray of each line's part per position, head first


def parse_file(path: Path, shared: dict) -> Lines:
    """Lines of a records.jsonl file, read and decoded a chunk at a time (_text_chunks);
    `shared`: each distinct text's one copy (json.loads makes new strings for each piece).
    Raises BadLine where json.loads would fail on a line, or give no object, except a last
    line cut mid-write (no newline after it, no closing brace); RecordFormatError as
    records.read_text does where the file is not UTF-8."""
    reader = _Reader(shared)
    for chunk, last in _text_chunks(Path(path)):
        reader.add(chunk, torn_ok=last)  # the text after the last line break: may be torn
    return Lines(reader.parts, tuple(np.frombuffer(codes, dtype=np.int64) for codes in reader.codes))


def _text_chunks(path: Path) -> Iterator[tuple[str, bool]]:
    """(text, whether it is the last) of consecutive lines of the file, _CHUNK bytes or more
    each, the line break after each left out; the last is the text after the file's last
    line break ("" where it ends with one). Neither the file's bytes nor its text exist
    whole (95 MB each for a full check: making and freeing them was ~0.1 s of CPU). A
    line break is never inside a UTF-8 sequence, so each chunk decodes alone, its first
    bad byte the file's: refused as records.read_text refuses it, with its line."""
    done, rest = 0, b""  # bytes of the file in the chunks given so far; bytes read after them
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK):
            data = rest + block
            end = data.rfind(b"\n")
            if end < 0:
                rest = data
                continue
            yield _decoded(path, data[:end], done), False
            done, rest = done + end + 1, data[end + 1:]
    yield _decoded(path, rest, done), True


def _decoded(path: Path, data: bytes, start: int) -> str:
    """The text of `data`, the file's bytes from `start` on."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        with open(path, "rb") as fh:  # the lines before the bad byte are counted only here
            line = fh.read(start + exc.start).count(b"\n") + 1
        raise RecordFormatError(f"{path}:{line}: not UTF-8 text (byte {data[exc.start]:#04x})") from None


def _cut(text: str) -> str:
    """The text with a line break and _MARK in place of the ", " before each cut's name."""
    for old, new in _CUTS:
        text = text.replace(old, new)
    return text


class _Reader:
    def __init__(self, shared: dict):
        self.shared = shared
        self.parts: list = [{}]
        self.known: tuple = tuple({} for _ in range(_PIECES))  # piece text -> its part (-1: no), per position
        self.codes: tuple = tuple(array("q") for _ in range(_PIECES))  # grown in place (_CHUNK), never copied

    def add(self, chunk: str, torn_ok: bool) -> None:
        found = self._in_place(chunk)
        if found is None:
            found = self._line_by_line(chunk, torn_ok)
        for codes, new in zip(self.codes, found):
            codes.extend(new)

    def _in_place(self, chunk: str) -> list | None:
        """Each position's parts of the chunk's lines, taken a position at a time, where every
        piece of the chunk is in its place and parses (_part); else None. One split cuts lines
        and pieces alike (_cut): a piece that starts with _MARK began at a cut, any other began
        a line, so with every first piece (a line's) at a line's start and every other one at
        a cut, each line is exactly its four pieces."""
        if _MARK in chunk:  # a line that holds _MARK is not JSON (a raw control character)
            return None
        pieces = _cut(chunk).split("\n")
        if len(pieces) % _PIECES:
            return None
        found = [self._parts(pieces[p::_PIECES], p) for p in range(_PIECES)]
        return None if any(-1 in codes for codes in found) else found

    def _line_by_line(self, chunk: str, torn_ok: bool) -> tuple:
        """Each position's parts of the chunk's lines, a line at a time: a line cut in four
        pieces that parse, or parsed whole; blank lines left out."""
        found: tuple = tuple([] for _ in range(_PIECES))
        lines = chunk.split("\n")
        for number, line in enumerate(lines, start=1):
            pieces = _cut(line).split("\n") if _MARK not in line else ()
            codes = [self._part(piece, p) for p, piece in enumerate(pieces)] if len(pieces) == _PIECES else [-1]
            if -1 in codes:
                if not line.strip():
                    continue
                codes = self._whole(line, torn_ok and number == len(lines))
                if codes is None:
                    break  # interrupted mid-write: everything before it is intact
            for position, code in zip(found, codes):
                position.append(code)
        return found

    def _parts(self, pieces: list, position: int) -> list:
        known = self.known[position]
        for piece in dict.fromkeys(pieces):
            if piece not in known:
                self._part(piece, position)
        return list(map(known.__getitem__, pieces))

    def _part(self, piece: str, position: int) -> int:
        """The part of a piece at its position in a line; -1 where it is not in its place (a line's
        first piece starts a line, every other one a cut: _MARK) or does not parse as one."""
        known = self.known[position]
        code = known.get(piece)
        if code is None:
            row = None
            if piece.startswith(_MARK) == (position > 0):
                try:
                    row = json.loads(_WRAP[position](piece))
                except ValueError:
                    pass
            code = known[piece] = self._add(row) if type(row) is dict and row else -1
        return code

    def _whole(self, line: str, torn_ok: bool):
        """(part, 0, 0, ...) of a line parsed whole; None for a torn last line."""
        try:
            row = json.loads(line)
        except ValueError:
            if torn_ok and not line.endswith("}"):
                return None
            raise BadLine(line) from None
        if type(row) is not dict:
            raise BadLine(line)
        return (self._add(row),) + (0,) * (_PIECES - 1)

    def _add(self, row: dict) -> int:
        keep = self.shared.setdefault
        self.parts.append({keep(k, k): (keep(v, v) if type(v) is str else v) for k, v in row.items()})
        return len(self.parts) - 1
