"""The install is reproducible: requirements.lock pins every package `make` installs.

These read the repository's own files and the running environment; no network."""
from __future__ import annotations

import importlib.metadata
import re
import sys
import sysconfig
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
MAKE_EXTRAS = ("frameworks", "test", "drift", "study")  # what the Makefile's `make lock` resolves


def lock_requirements() -> list[Requirement]:
    lines = [line.split("#", 1)[0].strip() for line in LOCK.read_text().splitlines()]
    return [Requirement(line) for line in lines if line]


def pinned_here() -> dict[str, str]:
    """name -> version the lock pins for this interpreter and platform."""
    env = default_environment()
    pins = {}
    for req in lock_requirements():
        if req.marker is None or req.marker.evaluate(env):
            (spec,) = req.specifier
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_every_line_of_the_lock_is_one_exact_pin():
    requirements = lock_requirements()
    assert len(requirements) > 50  # the frameworks alone pull dozens
    for req in requirements:
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", str(req)


def test_every_dependency_make_installs_is_in_the_lock():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in MAKE_EXTRAS:
        wanted += project["optional-dependencies"][extra]
    env = default_environment()
    pinned = pinned_here()
    for text in wanted:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate(env):
            continue  # another platform's package (mlx on macOS)
        name = canonicalize_name(req.name)
        assert name in pinned, f"{name} is a dependency but requirements.lock does not pin it (run `make lock`)"
        assert req.specifier.contains(pinned[name], prereleases=True), (name, pinned[name], str(req.specifier))


def test_the_lock_keeps_the_framework_pins_of_constraints_txt():
    pinned = pinned_here()
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        name = canonicalize_name(req.name)
        if name in pinned:  # uv and setuptools are installed apart from the lock
            assert req.specifier.contains(pinned[name].split("+")[0]), (name, pinned[name], str(req.specifier))


def test_this_environment_is_exactly_the_lock():
    """What `make` installed is what the lock says, version for version; a package
    that is installed but not locked fails too (a forgotten transitive dependency)."""
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        pytest.skip(f"not the project's .venv ({sys.prefix}): another environment may differ on purpose")
    pinned = pinned_here()
    site = {Path(sysconfig.get_path(k)).resolve() for k in ("purelib", "platlib")}
    # Only what is installed in the environment: setuptools puts its vendored copies
    # (packaging, wheel, ... in setuptools/_vendor) on sys.path once it is imported.
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()
                 if Path(d.locate_file("")).resolve() in site}
    apart = {"crossgrad", "pip", "setuptools", "uv"}  # the project itself and the installers
    wrong = {n: (installed[n], v) for n, v in pinned.items() if n in installed and installed[n] != v}
    assert not wrong, f"installed versions differ from requirements.lock: {wrong}"
    assert not sorted(set(installed) - set(pinned) - apart), "installed but not in requirements.lock"
    assert not sorted(set(pinned) - set(installed)), "in requirements.lock but not installed"


def test_the_makefile_installs_from_the_lock_and_can_regenerate_it():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"uv pip install .*--no-deps -r \$\(LOCK\)", makefile)
    assert re.search(r"^lock:", makefile, re.M) and "uv pip compile" in makefile
    assert "make lock" in LOCK.read_text().splitlines()[1]  # the header names the command


def test_a_scheduled_job_runs_the_unit_tests_on_the_newest_releases():
    workflow = (ROOT / ".github" / "workflows" / "latest.yml").read_text()
    assert "schedule:" in workflow and "nox -s latest" in workflow
    noxfile = (ROOT / "noxfile.py").read_text()
    session = noxfile[noxfile.index("def latest("):]
    assert "requirements.lock" not in session.split('"""')[2]  # the session never installs the lock
    assert '"not integration"' in session
