"""What a report section gives back, and the one writer of the files sections give.

A section (crossgrad.reporting.sections) is a pure function: it returns a Part,
its markdown and the files it needs beside the page (a PNG, a case page,
findings.csv) as data, relative path -> text or bytes. Only `write_files`
touches the disk, and every path goes through run_folder.inside(): a name
built from a run folder's contents can never write outside the folder.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crossgrad.core import run_folder
from crossgrad.core.records import atomic_write_bytes, atomic_write_text


@dataclass(frozen=True)
class Part:
    """A section's markdown ("" when it has nothing to say) and its files."""

    markdown: str = ""
    files: dict[str, str | bytes] = field(default_factory=dict)


def joined(texts) -> str:
    """Markdown blocks, the empty ones left out, a blank line between; one final newline."""
    return "\n\n".join(t for t in texts if t).rstrip() + "\n"


def write_files(folder: Path, files: dict[str, str | bytes]) -> None:
    """Write each file (relative path -> text or bytes) into `folder`, atomically."""
    for name, content in files.items():
        path = run_folder.inside(folder, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            atomic_write_bytes(path, content)
        else:
            atomic_write_text(path, content)
