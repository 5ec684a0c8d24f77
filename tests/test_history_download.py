"""A cell's download size, printed before it installs (issue 25, must-have 1), without
network: a recorded index answer (torch 2.3.1's default Linux wheels, resolved by uv
from PyPI) and a fake PEP 691 index on the loopback interface that a real uv installs from."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crossgrad.history import cells as cell_module
from crossgrad.history.download import downloads, human, summary, total_bytes
from crossgrad.history.grid import Cell

RECORDED = Path(__file__).parent / "fixtures" / "history" / "torch-2.3.1-default.pylock.toml"


def test_the_recorded_torch_wheels_sum_to_what_the_index_states():
    """uv's lock of torch==2.3.1 plus NumPy for CPython 3.11 on Linux x86_64, from PyPI: 23 files,
    12 of them CUDA libraries (sizes added by hand from the lock: 2,868,972,991 bytes in all;
    torch 779,156,414; nvidia-cudnn-cu12 731,725,872)."""
    files = downloads(RECORDED.read_text())
    assert len(files) == 23 and total_bytes(files) == 2_868_972_991
    by_name = {f.name: f.size for f in files}
    assert by_name["torch"] == 779_156_414 and by_name["nvidia-cudnn-cu12"] == 731_725_872
    line = summary(files)
    assert line.startswith("2.9 GB in 23 distributions, of which 12 nvidia-* CUDA libraries: "), line


def test_a_file_without_a_stated_size_is_named_and_a_non_lock_is_none():
    lock = 'lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\nwheels = [{ url = "file:///a.whl" }]\n'
    assert summary(downloads(lock)) == "0 B in 1 distributions; no size stated for a"
    assert downloads("warning: not a lock [") is None
    assert [human(999), human(1000), human(2_500_000)] == ["999 B", "1.0 kB", "2.5 MB"]


def wheel(name: str, version: str, requires: tuple = ()) -> bytes:
    """A minimal valid pure-Python wheel holding one module."""
    dist = f"{name}-{version}.dist-info"
    files = {f"{name}/__init__.py": b"",
             f"{dist}/METADATA": "\n".join(["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
                                            *(f"Requires-Dist: {r}" for r in requires)]).encode() + b"\n",
             f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = [f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
              f"{len(data)}" for path, data in files.items()] + [f"{dist}/RECORD,,"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in {**files, f"{dist}/RECORD": "\n".join(record).encode() + b"\n"}.items():
            archive.writestr(path, data)
    return buffer.getvalue()


# The fake index: a framework that pulls in a CUDA library, and a NumPy (every cell asks for one).
PROJECTS = {"fakefw": ("1.0", ("nvidia-fake-cu12",)), "nvidia-fake-cu12": ("12.1", ()), "numpy": ("1.0", ())}


@pytest.fixture
def fake_index():
    """A PEP 691 index on 127.0.0.1 serving PROJECTS; the sizes it states are the files' own."""
    files = {f"{name.replace('-', '_')}-{version}-py3-none-any.whl": wheel(name.replace("-", "_"), version, requires)
             for name, (version, requires) in PROJECTS.items()}

    class Index(BaseHTTPRequestHandler):
        def do_HEAD(self):  # uv asks before it fetches a wheel; no body, no byte ranges offered
            self.do_GET(head=True)

        def do_GET(self, head: bool = False):
            self.head = head
            parts = self.path.strip("/").split("/")
            if parts[0] == "files" and parts[-1] in files:
                self.answer(files[parts[-1]], "application/octet-stream")
            elif parts[0] == "simple" and len(parts) == 2 and parts[1] in PROJECTS:
                listed = [{"filename": f, "url": f"/files/{f}", "size": len(data),
                           "hashes": {"sha256": hashlib.sha256(data).hexdigest()}}
                          for f, data in files.items() if f.startswith(parts[1].replace("-", "_") + "-")]
                page = {"meta": {"api-version": "1.1"}, "name": parts[1], "files": listed,
                        "versions": [PROJECTS[parts[1]][0]]}
                self.answer(json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json")
            else:
                self.send_error(404)

        def answer(self, body: bytes, kind: str):
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not self.head:
                self.wfile.write(body)

        def log_message(self, *args):  # the test's output is the cell's log, not the server's
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple", {f: len(d) for f, d in files.items()}
    server.shutdown()


@pytest.mark.skipif(not shutil.which(cell_module.uv()) and not Path(cell_module.uv()).is_file(),
                    reason="uv is not installed (crossgrad's drift extra)")
def test_a_cell_prints_its_download_size_before_it_installs(fake_index, tmp_path, monkeypatch):
    url, sizes = fake_index
    monkeypatch.setenv("UV_INDEX_URL", url)
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))  # the fake NumPy stays out of the user's cache
    monkeypatch.setenv("UV_NO_CONFIG", "1")  # no uv.toml of the user's adds another index
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")  # the venv uses this interpreter's Python, no network
    for variable in ("UV_FIND_LINKS", "UV_EXTRA_INDEX_URL", "UV_TORCH_BACKEND", "UV_DEFAULT_INDEX", "UV_INDEX"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(cell_module, "ENVS", tmp_path / "envs")
    monkeypatch.setattr(cell_module, "smoke", lambda cell: (True, ""))  # the fake framework computes nothing
    events = []
    real_call = cell_module._call

    def call(command, *args, **kwargs):
        if command[1:3] == ["pip", "install"]:
            events.append("install starts")
        return real_call(command, *args, **kwargs)

    monkeypatch.setattr(cell_module, "_call", call)
    cell = Cell("mlx", "fakefw==1.0")
    result = cell_module.CellResult(cell.slug, cell.spec)
    assert cell_module.ensure_env(cell, result, log=events.append), result
    total = sum(sizes.values())
    said = [e for e in events if "download" in e]
    assert said and events.index(said[0]) < events.index("install starts"), events
    assert f"download {human(total)} in 3 distributions, of which 1 nvidia-* CUDA libraries: " in said[0], said
    assert result.download_bytes == total and result.status == "installed"
    assert (cell_module.env_dir(cell) / ".crossgrad-history-spec").read_text() == "fakefw==1.0"
