"""What a report section gives back, and the one writer of the files sections give.

A section (crossgrad.reporting.sections) is a pure function: it returns a Part,
its markdown and the files it needs beside the page (a PNG, a case page,
findings.csv) as data, relative path -> text or bytes. Only `write_files`
touches the disk, and every path goes through run_folder.inside(): a name
built from a run folder's contents can never write outside the folder.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from crossgrad.core import run_folder
from crossgrad.core.records import atomic_write_bytes

# Files written at once: each atomic write ends in an fsync (the disk's wait, not Python's),
# so a full catalogue's 126 files took 0.5 s one after the other and 0.15 s side by side.
WRITERS = 8


@dataclass(frozen=True)
class Part:
    """A section's markdown ("" when it has nothing to say) and its files."""

    markdown: str = ""
    files: dict[str, str | bytes] = field(default_factory=dict)


def joined(texts) -> str:
    """Markdown blocks, the empty ones left out, a blank line between; one final newline."""
    return "\n\n".join(t for t in texts if t).rstrip() + "\n"


def write_files(folder: Path, files: dict[str, str | bytes]) -> None:
    """Write each file (relative path -> text as UTF-8, or bytes) into `folder`, atomically.
    Every path is checked (and its folder made) before any file is written."""
    paths = {}
    for name in files:
        path = paths[name] = run_folder.inside(folder, name)
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(name: str) -> None:
        content = files[name]
        atomic_write_bytes(paths[name], content if isinstance(content, bytes) else content.encode("utf-8"))
    if len(files) < 2:
        list(map(write, files))
        return
    with ThreadPoolExecutor(min(WRITERS, len(files))) as pool:
        list(pool.map(write, files))  # list(): the first failure (WriteFailed) is raised here
