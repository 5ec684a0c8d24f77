"""The torch adapter's compile_cache(): what a run's manifest says about inductor's caches.

TORCHINDUCTOR_CACHE_DIR moves inductor's cache but not its precompiled C++ header,
which stays in the default folder (torchinductor_<user> in the temporary folder):
a run with an empty cache folder is not wholly cold, and the sentence says so."""
from __future__ import annotations

import getpass
import tempfile

from frameworks.torch_adapter import ADAPTER


def _default_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path / "tmp" / f"torchinductor_{getpass.getuser()}"


def test_the_default_folder_alone_when_no_other_is_named(tmp_path, monkeypatch):
    default = _default_folder(tmp_path, monkeypatch)
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    assert ADAPTER.compile_cache() == f"cold: inductor cache {default} empty"
    (default / "precompiled_headers").mkdir(parents=True)
    (default / "precompiled_headers" / "c1.h.gch").write_bytes(b"")
    assert ADAPTER.compile_cache() == f"warm: inductor cache {default} holds 1 files"


def test_a_moved_cache_names_the_precompiled_headers_left_in_the_default_folder(tmp_path, monkeypatch):
    headers = _default_folder(tmp_path, monkeypatch) / "precompiled_headers"
    headers.mkdir(parents=True)
    for name in ("c1.h", "c1.h.gch"):
        (headers / name).write_bytes(b"")
    moved = tmp_path / "moved"
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(moved))
    assert ADAPTER.compile_cache() == (f"cold: inductor cache {moved} empty; "
                                       f"precompiled headers {headers}: 2 files")
