"""The one folder another environment's worker imports crossgrad from.

A worker under another interpreter (RunConfig.python: an environment holding an
older release) must see crossgrad's own package (its adapters and cases are
crossgrad.frameworks and crossgrad.cases) and nothing else of this environment:
putting crossgrad's site-packages on its PYTHONPATH would hand it this
environment's NumPy and pandas too. So the folder holds only a link to
`crossgrad`, made once per process in a temporary folder that is removed at exit.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import crossgrad

PACKAGES = (crossgrad,)


@lru_cache(maxsize=None)
def worker_path() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="crossgrad-worker-path-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for package in PACKAGES:
        source = Path(package.__file__).resolve().parent
        (folder / source.name).symlink_to(source, target_is_directory=True)
    return folder
