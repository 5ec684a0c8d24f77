"""One run per folder: the output folder is claimed before anything is written into it.

A lock file (crossgrad.core.run_folder.LOCK, holding the writer's PID) is
flock-ed for as long as a run writes the folder, so a second crossgrad, or a
`crossgrad report` of a live run, is refused naming the first's PID; the kernel
drops the lock when its holder dies however it dies, so a stale file never
blocks. A folder that already holds anything is refused unless the user says
--overwrite (a run folder is emptied) or --resume (crossgrad.running.resume checks
that the folder holds an interrupted run of the same selection and versions).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from crossgrad.arguments import UsageError
from crossgrad.core.run_folder import LOCK, is_run_folder

try:
    import fcntl
except ImportError:  # Windows: no flock; O_EXCL on the lock file instead (a stale one needs removing)
    fcntl = None


class FolderLock:
    """The held lock of one output folder; release() unlocks and removes the file."""

    def __init__(self, path: Path, fd: int):
        self.path, self.fd = path, fd

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            self.path.unlink()
        except OSError:
            pass
        os.close(self.fd)
        self.fd = None


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "unknown"
    except OSError:
        return "unknown"


def lock_folder(folder: Path) -> FolderLock:
    """Take the folder's lock, or UsageError naming the PID that holds it."""
    path = Path(folder) / LOCK
    if fcntl is None:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise UsageError(f"{str(folder)!r} is being written by another crossgrad (PID {_holder(path)}); "
                             f"wait for it, or remove {LOCK} if no crossgrad runs") from None
    else:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise UsageError(f"{str(folder)!r} is being written by another crossgrad (PID {_holder(path)}); "
                             "wait for it to end, or choose another --out") from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return FolderLock(path, fd)


def writer_of(folder: Path) -> str | None:
    """The PID of the crossgrad writing `folder` now, or None (for `report`)."""
    path = Path(folder) / LOCK
    if not path.is_file():
        return None
    if fcntl is None:
        return _holder(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return _holder(path)
    finally:
        os.close(fd)
    return None


def contents(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.name != LOCK)


def claim(folder: Path, overwrite: bool = False, resume: bool = False) -> FolderLock:
    """Create and lock the output folder; refuse one that holds anything unless
    --overwrite (a run folder only: it is emptied) or --resume (checked by the caller)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = lock_folder(folder)
    except OSError as exc:
        raise UsageError(f"cannot write the output folder {str(folder)!r}: {exc.strerror or exc}") from None
    try:
        _check_contents(folder, overwrite, resume)
    except BaseException:
        lock.release()
        raise
    return lock


def _check_contents(folder: Path, overwrite: bool, resume: bool) -> None:
    held = contents(folder)
    if resume:
        if not is_run_folder(folder):
            raise UsageError(f"--resume: {str(folder)!r} holds no run to continue (no manifest.json)")
        return
    if not held:
        return
    if not overwrite:
        what = "a run" if is_run_folder(folder) else f"{len(held)} file(s), e.g. {held[0].name!r}"
        raise UsageError(f"the output folder {str(folder)!r} already holds {what}; choose another --out, "
                         "or --resume (continue an interrupted run of the same selection) or --overwrite")
    if not is_run_folder(folder):
        raise UsageError(f"--overwrite empties only a run folder, and {str(folder)!r} is none "
                         f"(no manifest.json; it holds {held[0].name!r})")
    for path in held:
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
