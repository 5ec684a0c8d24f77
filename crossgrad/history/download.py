"""What a cell's install will download, found before it installs (issue 25).

uv resolves the cell's specs for the cell's interpreter without installing
(`uv pip compile --format pylock.toml`): the lock names the one file per
distribution the installer would fetch, with the size the package index states
for it (PEP 691's `size`, PEP 751's `size`). Their sum is what the session prints
before installing: for torch's default Linux wheels, the CUDA libraries
(`nvidia-*`) are most of it. Standard library only (the noxfile imports it).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass

CUDA_PREFIX = "nvidia-"  # the distributions torch's default Linux wheels pull in


@dataclass(frozen=True)
class Download:
    name: str
    version: str
    size: int | None  # bytes, as the index states it; None where it states none (a local folder)


def resolve_command(uv: str, python, specs: list, options: list) -> list:
    """uv's resolution of `specs` for `python`'s platform, as a PEP 751 lock on stdout."""
    return [uv, "pip", "compile", "-", "--python", str(python), "--format", "pylock.toml", "-q", *options]


def downloads(lock_text: str) -> list[Download] | None:
    """Each distribution of a pylock.toml with the file the installer takes: its wheel
    (the lock holds only those that fit the interpreter), else its source archive;
    None where the text is no lock."""
    try:
        packages = tomllib.loads(lock_text).get("packages", [])
    except tomllib.TOMLDecodeError:
        return None
    out = []
    for package in packages:
        files = package.get("wheels") or [package.get("sdist") or {}]
        out.append(Download(package["name"], package.get("version", "?"), files[0].get("size")))
    return out


def human(size: int) -> str:
    """1234567 -> "1.2 MB" (decimal units, as uv and the index print them)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def summary(files: list[Download]) -> str:
    """One line: the total, how many files, the CUDA libraries' share, what has no stated size."""
    known = [f for f in files if f.size is not None]
    text = f"{human(sum(f.size for f in known))} in {len(files)} distributions"
    cuda = [f for f in known if f.name.startswith(CUDA_PREFIX)]
    if cuda:
        text += f", of which {len(cuda)} {CUDA_PREFIX}* CUDA libraries: {human(sum(f.size for f in cuda))}"
    unknown = [f.name for f in files if f.size is None]
    if unknown:
        text += f"; no size stated for {', '.join(unknown)}"
    return text


def total_bytes(files: list[Download]) -> int:
    return sum(f.size for f in files if f.size is not None)
