"""Records: the public data format of a run folder. Keep column names stable.

One record per scalar element. Values are written as Python's round-trip
`repr` (so -0.0, nan and inf read back exactly) plus `bits`, the hex bit pattern
in the computed dtype at its own width (crossgrad.core.dtypes.bits: 0x3f80 for
bfloat16 1.0), for comparisons that must not trust `==` (-0.0 == 0.0); whether two
values are the same is decided in one place, crossgrad.core.same_value.

records.jsonl is appended line by line, flushed, while a run goes on;
gradients.csv is built from it at the end. Reading never evaluates anything.
Since schema 3 a vector quantity is one line of records.jsonl
(crossgrad.core.packed_rows); reading gives back one row per element.
"""
from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from operator import methodcaller
from pathlib import Path

from crossgrad.core.names import NAME_RULE, is_valid_name
from crossgrad.core.packed_rows import ELEMENT_FIELDS, unpacked
from crossgrad.core.same_value import parse_value
from crossgrad.core.row_check import GRADIENT_RULES, frame_fault, row_fault
from crossgrad.core.dtypes import bits  # noqa: F401  (part of this module's interface: records carry bits)
from crossgrad.core.rows import GRADIENT_COLUMNS, READABLE_VERSIONS, SCHEMA_VERSION  # noqa: F401 (re-exported)



def _readable() -> str:
    return ", ".join(map(str, READABLE_VERSIONS))


class RecordFormatError(ValueError):
    """A run folder's file is malformed; the message names the file and line."""


def fmt(value: float | None) -> str:
    """Round-trip text of a float: repr keeps -0.0, nan, inf and every digit
    (read back by crossgrad.core.same_value.parse_value, the one reading)."""
    return "" if value is None else repr(float(value))


class WriteFailed(OSError):
    """A file of a run folder could not be written (a full disk, a quota, a removed
    folder); the message names the file. The run ends with its own exit status."""


def write_failed(path: Path, exc: OSError) -> WriteFailed:
    return WriteFailed(exc.errno, f"cannot write {path}: {exc.strerror or exc}")


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` as UTF-8, line endings as given (atomic_write_bytes)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write then rename, so a reader never sees half a file; on a failed write
    the temporary file is removed and WriteFailed raised."""
    atomic_write_pieces(path, (data,))


def atomic_write_text_pieces(path: Path, texts: Iterable[str]) -> None:
    """Write the texts one after the other as UTF-8 (atomic_write_pieces): a large file
    made a piece at a time never exists whole in memory, as text or as bytes."""
    atomic_write_pieces(path, map(methodcaller("encode", "utf-8"), texts))


def atomic_write_pieces(path: Path, pieces: Iterable[bytes]) -> None:
    """atomic_write_bytes of the pieces joined, each written as it comes; whatever makes
    them failing too (the temporary file removed, the error raised as it is)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            for data in pieces:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise write_failed(path, exc) from None
        raise


class JsonlAppender:
    """Appends one JSON object per line and flushes it to the operating system at
    once, so a killed crossgrad loses nothing it was sent; fsync (the disk itself)
    once, at close: an fsync per row cost a 40,000-row vector point minutes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fh = open(self.path, "a", encoding="utf-8")

    def append(self, record: dict) -> None:
        try:
            self._fh.write(json.dumps(record, allow_nan=False) + "\n")
            self._fh.flush()
        except OSError as exc:
            raise write_failed(self.path, exc) from None

    def close(self) -> None:
        if self._fh.closed:
            return
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError:  # the write that failed already said so; its buffer is lost with it
            pass
        finally:
            try:
                self._fh.close()
            except OSError:
                pass


def read_text(path: Path) -> str:
    """A run folder file's text; bytes that are not UTF-8 are refused with their line."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise RecordFormatError(f"{path}:{line}: not UTF-8 text (byte {data[exc.start]:#04x})") from None


def read_jsonl(path: Path, required: tuple[str, ...] = (), names: tuple[str, ...] = (),
               rules: dict | None = None) -> list[dict]:
    """Records of a .jsonl file; a torn last line (a killed writer) is skipped.
    `names`: fields that must be names (crossgrad.core.names), as case and point are;
    `rules`: each field's rule (crossgrad.core.row_check), checked on every line."""
    path = Path(path)
    rows = []
    known: set = set()  # (column, text) pairs that hold under `rules`: each checked once
    shared: dict = {}  # each distinct text once (interned_strings)
    lines = read_text(path).split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(lines) and not line.endswith("}"):
                break  # interrupted mid-write: everything before it is intact
            raise RecordFormatError(f"{path}:{number}: not a JSON object ({exc.msg})") from None
        rows.extend(checked_rows(interned_strings(row, shared), path, number, required, names, rules, known))
    return rows


def interned_strings(row, shared: dict):
    """The row with its keys and text values replaced by the one copy of each in `shared`:
    json.loads makes new strings for every line, so a run's rows held the same labels and
    keys hundreds of thousands of times (a 55,000-line records.jsonl: 141 MB of rows, 27 MB so)."""
    if type(row) is not dict:
        return row
    keep = shared.setdefault
    return {keep(k, k): (keep(v, v) if type(v) is str else v) for k, v in row.items()}


def checked_rows(line, path, number, required=(), names=(), rules=None, known: set | None = None) -> list[dict]:
    """The element rows of one JSON line (crossgrad.core.packed_rows.unpacked), each field
    checked: the labels once, each element's value and bits. `known`: row_check.row_fault's."""
    if isinstance(line, dict) and "elements" in line:
        labels = {k: v for k, v in line.items() if k != "elements"}
        _check_line(dict(labels, index=labels.get("index", 0), value=None, bits=None),
                    path, number, required, names, rules, known)
        try:
            rows = unpacked(line)
        except ValueError as exc:
            raise RecordFormatError(f"{path}:{number}: {exc}") from None
        for row in rows:
            fault = row_fault({k: row[k] for k in ELEMENT_FIELDS}, rules, known) if rules else None
            if fault:
                raise RecordFormatError(f"{path}:{number}: element {row['index']}: {fault}")
        return rows
    _check_line(line, path, number, required, names, rules, known)
    return [line]


def _check_line(row, path, number, required, names, rules, known=None) -> None:
    check_row(row, path, number, required)
    check_names(row, path, number, names)
    fault = row_fault(row, rules, known) if rules else None
    if fault:
        raise RecordFormatError(f"{path}:{number}: {fault}")


def check_row(row, path, number, required) -> None:
    if not isinstance(row, dict):
        raise RecordFormatError(f"{path}:{number}: expected a JSON object")
    version = row.get("schema_version")
    if version not in READABLE_VERSIONS:
        raise RecordFormatError(
            f"{path}:{number}: schema_version {version!r}, this crossgrad reads {_readable()}")
    missing = [c for c in required if c not in row]
    if missing:
        raise RecordFormatError(f"{path}:{number}: missing field(s) {', '.join(missing)}")


def check_names(row: dict, path, number, names: tuple[str, ...]) -> None:
    """A case or point name outside crossgrad.core.names' pattern is refused: it would
    become a file name (cases/<case>.md) or a selection key that cannot be typed."""
    for column in names:
        if not is_valid_name(row.get(column)):
            raise RecordFormatError(f"{path}:{number}: {column} name {row.get(column)!r} is not allowed "
                                    f"({NAME_RULE})")


def write_csv(path: Path, rows: list[dict], columns: tuple[str, ...]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")  # what csv.DictWriter writes, without its dict per row
    writer.writerow(columns)
    writer.writerows(["" if (v := row.get(c)) is None else v for c in columns] for row in rows)
    atomic_write_text(path, buf.getvalue())


def read_csv(path: Path, columns: tuple[str, ...], rules: dict | None = None) -> list[dict]:
    """Rows of a CSV written by write_csv, checked against `columns`, the schema and
    each field's rule (crossgrad.core.row_check)."""
    path = Path(path)
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    if reader.fieldnames is None:
        raise RecordFormatError(f"{path}:1: empty file (no header row)")
    missing = [c for c in columns if c not in reader.fieldnames]
    if missing:
        raise RecordFormatError(f"{path}:1: missing column(s) {', '.join(missing)}")
    rows = []
    for row in reader:
        number = reader.line_num
        if None in row or any(v is None for v in row.values()):
            raise RecordFormatError(f"{path}:{number}: wrong number of fields "
                                    f"(the header has {len(reader.fieldnames)})")
        if row["schema_version"] not in map(str, READABLE_VERSIONS):
            raise RecordFormatError(
                f"{path}:{number}: schema_version {row['schema_version']!r}, "
                f"this crossgrad reads {_readable()}")
        fault = row_fault(row, rules) if rules else None
        if fault:
            raise RecordFormatError(f"{path}:{number}: {fault}")
        rows.append(row)
    return rows


def read_gradients_csv(path: Path) -> list[dict]:
    """gradients.csv with `value` parsed back to float (exactly)."""
    rows = read_csv(path, GRADIENT_COLUMNS, GRADIENT_RULES)
    for row in rows:
        row["value"] = parse_value(row["value"])  # the rule admits float text only
    return rows


def read_csv_frame(path: Path, required: tuple[str, ...] = (), rules: dict | None = None, prepare=None):
    """A CSV of the run folder as a DataFrame of text, every field checked against its
    rule (crossgrad.core.row_check); the first fault is refused with its line.
    `prepare(frame)` runs first (an older schema's names mapped to today's).
    Text throughout, never parsed by pandas: "-0.0" and "nan" stay exactly as written."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        return pd.DataFrame()
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    header = next(reader, None)
    if not header:
        raise RecordFormatError(f"{path}:1: empty file (no header row)")
    rows, lines = [], []  # lines[i]: where row i ends (a quoted field may hold a newline)
    for row in reader:
        if len(row) != len(header):
            raise RecordFormatError(f"{path}:{reader.line_num}: wrong number of fields "
                                    f"({len(row)}; the header has {len(header)})")
        rows.append(row)
        lines.append(reader.line_num)
    frame = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
    frame = prepare(frame) if prepare else frame
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise RecordFormatError(f"{path}:1: missing column(s) {', '.join(missing)}")
    fault = frame_fault(frame, rules or {})
    if fault:
        raise RecordFormatError(f"{path}:{lines[fault[0]]}: {fault[1]}")
    return frame
