"""nox sessions: crossgrad's catalogue under other framework versions (issue 14).

    nox -s drift -- "jax==0.4.13"

builds (once per framework; nox reuses it) an environment with this checkout of crossgrad and
the given framework spec, runs the catalogue there for that framework
(`crossgrad run --no-timings --frameworks jax --out results/drift/jax-0.4.13/`),
runs it in the current environment too (results/drift/current-jax-<version>/,
reused while fresh: same crossgrad commit with a clean tree, same framework
version, a complete run), then `crossgrad compare`s the two and prints the
comparison folder. One process, one environment, one run folder: the folders are
merged afterwards, never the environments.

torch is only ever installed as its CPU build (checked by a dry run: PyTorch's CPU
index, else the local wheel folders in PIP_FIND_LINKS), and not at all for the other
frameworks' specs (each framework has its own environment).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
DRIFT = ROOT / "results" / "drift"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# The crossgrad framework a distribution belongs to.
FRAMEWORK_OF = {"torch": "torch", "jax": "jax", "jaxlib": "jax", "tensorflow": "tensorflow",
                "tensorflow-cpu": "tensorflow", "mlx": "mlx"}
# A line that imports the framework and computes with it: an install that pip
# accepts can still fail here (a jaxlib built against NumPy 1 under NumPy 2).
SMOKE = {"jax": "import jax.numpy as jnp; jnp.zeros(1).block_until_ready()",
         "torch": "import torch; torch.zeros(1); assert torch.version.cuda is None, 'a CUDA torch'",
         "tensorflow": "import tensorflow as tf; tf.zeros(1).numpy()",
         "mlx": "import mlx.core as mx; mx.eval(mx.zeros(1))"}

# Prints every installed distribution as name==version, sorted.
SHOW_VERSIONS = ("import importlib.metadata as m; "
                 "print(*sorted(f'{d.name}=={d.version}' for d in m.distributions()), sep='\\n')")

nox.options.sessions = ["drift"]


@nox.session(venv_backend="uv|virtualenv", reuse_venv=True)
@nox.parametrize("framework", sorted(set(FRAMEWORK_OF.values())))
def drift(session: nox.Session, framework: str) -> None:
    """Run the catalogue under the framework spec(s) in posargs and compare with this environment.

    One cached environment per framework (.nox/drift-framework-jax, ...): torch never lands
    in another framework's environment. The variants whose framework the specs do not name
    skip before installing anything."""
    specs = list(session.posargs)
    if not specs:
        session.error('give a framework spec: nox -s drift -- "jax==0.4.13"')
    if framework_of(specs, session) != framework:
        session.skip(f"the specs name another framework than {framework}")
    install(session, specs, framework)
    other = DRIFT / slug(specs)
    run_catalogue(session, [session.virtualenv.bin + "/python"], framework, other)
    version = version_in(sys.executable, framework)
    if not version:
        session.error(f"{framework} is not installed in the current environment ({sys.executable})")
    current = DRIFT / f"current-{framework}-{version}"
    run_catalogue(session, [sys.executable], framework, current)
    out = DRIFT / f"compare-{slug(specs)}"
    session.run(sys.executable, "-m", "crossgrad", "compare", str(current), str(other),
                "--out", str(out), external=True, success_codes=[0, 1])
    print(f"comparison: {out}")


def framework_of(specs: list[str], session) -> str:
    names = {re.split(r"[=<>!~\[; ]", s, maxsplit=1)[0].strip().lower() for s in specs}
    frameworks = {FRAMEWORK_OF[n] for n in names if n in FRAMEWORK_OF}
    if len(frameworks) != 1:
        session.error(f"the specs must name exactly one framework of {', '.join(sorted(set(FRAMEWORK_OF)))}; "
                      f"got {', '.join(specs)}")
    return frameworks.pop()


def slug(specs: list[str]) -> str:
    """'jax==0.4.13' -> 'jax-0.4.13' (a folder name)."""
    return "_".join(re.sub(r"[^A-Za-z0-9.]+", "-", s).strip("-") for s in specs)


def install(session, specs: list[str], framework: str) -> None:
    """crossgrad (this checkout, editable) and the spec; NumPy 1 only if the framework needs it."""
    stamp = Path(session.virtualenv.location) / ".crossgrad-drift-specs"
    wanted = "\n".join(specs)
    if stamp.is_file() and stamp.read_text() == wanted and smoke(session, framework):
        return  # the cached environment already holds exactly these specs
    extra = torch_cpu_options(session, specs) if framework == "torch" else []
    specs = [with_cpu_extra(s) for s in specs]
    session.install("-e", str(ROOT), *specs, *extra)
    if not smoke(session, framework):
        # Releases built before NumPy 2 import but fail on it; say so and pin.
        session.log(f"{framework} fails under the newest NumPy; retrying with numpy<2")
        session.install("-e", str(ROOT), *specs, "numpy<2", *extra)
        if not smoke(session, framework):
            session.error(f"{' '.join(specs)} installs but cannot compute here (see the error above)")
    stamp.write_text(wanted)


def with_cpu_extra(spec: str) -> str:
    """'jax==0.4.13' -> 'jax[cpu]==0.4.13': older jax releases do not depend on
    jaxlib at all; the cpu extra pins the matching jaxlib in every release."""
    name = re.split(r"[=<>!~\[; ]", spec, maxsplit=1)[0]
    if name.strip().lower() == "jax" and "[" not in spec:
        return "jax[cpu]" + spec[len(name):]
    return spec


def torch_cpu_options(session, specs: list[str]) -> list[str]:
    """Install options under which the specs resolve to a CPU build of torch, found by a dry
    run before anything is downloaded: PyTorch's CPU index (uv's --torch-backend cpu), else
    the local wheel folders pip is configured with (PIP_FIND_LINKS). Never a CUDA build."""
    candidates = [["--torch-backend", "cpu"] if session.venv_backend == "uv"
                  else ["--index-url", TORCH_CPU_INDEX, "--extra-index-url", "https://pypi.org/simple"]]
    candidates += [["--find-links", links] for links in os.environ.get("PIP_FIND_LINKS", "").split()]
    for options in candidates:
        if resolves_to_cpu_torch(session, specs, options):
            return options
    session.error(f"no source offers a CPU build of torch for {' '.join(specs)} "
                  f"(tried: {'; '.join(' '.join(c) for c in candidates)}); a CUDA build is never installed")


def resolves_to_cpu_torch(session, specs: list[str], options: list[str]) -> bool:
    python = session.virtualenv.bin + "/python"
    if session.venv_backend == "uv":
        from nox.virtualenv import UV

        command = [UV, "pip", "install", "--dry-run", "--python", python, *specs, *options]
    else:
        command = [python, "-m", "pip", "install", "--dry-run", *specs, *options]
    out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    text = out.stdout + out.stderr
    return out.returncode == 0 and "nvidia" not in text.lower() and re.search(r"torch[-=]=?\S*\+cpu", text) is not None


def smoke(session, framework: str) -> bool:
    python = session.virtualenv.bin + "/python"
    return subprocess.run([python, "-c", SMOKE[framework]], cwd=ROOT).returncode == 0


def version_in(python: str, framework: str) -> str:
    """The framework's version as crossgrad sees it under `python` ("" if not installed)."""
    code = f"from crossgrad.core.registry import frameworks; print(frameworks()[{framework!r}].version() or '')"
    out = subprocess.run([python, "-c", code], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip()


def run_catalogue(session, python: list[str], framework: str, out: Path) -> None:
    """`crossgrad run` of one framework into `out`, unless a fresh run is already there."""
    if is_fresh(out, framework, python[0]):
        session.log(f"reusing {out} (same commit and {framework} version, complete)")
        return
    if out.exists():
        shutil.rmtree(out)  # a run folder is appended to: never mix two runs
    session.run(*python, "-m", "crossgrad", "run", "--no-timings", "--frameworks", framework,
                "--out", str(out), external=True, success_codes=[0, 3])


def is_fresh(run_dir: Path, framework: str, python: str) -> bool:
    """A complete run made by this very commit (clean tree) with the framework version
    that `python`'s environment has now."""
    try:
        env = json.loads((run_dir / "env.json").read_text())
        manifest = json.loads((run_dir / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    commit = git_commit()
    info = (env.get("frameworks") or {}).get(framework) or {}
    return (manifest.get("status") == "complete" and bool(commit) and env.get("git_commit") == commit
            and info.get("version") == version_in(python, framework))


def git_commit() -> str:
    """HEAD, or "" for a tree with uncommitted changes (its runs are never reused)."""
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True)
    if head.returncode != 0 or dirty.stdout.strip():
        return ""
    return head.stdout.strip()


@nox.session(venv_backend="uv|virtualenv")
def latest(session: nox.Session) -> None:
    """The unit tests under the newest releases pyproject.toml's ranges allow (never the lock).

    requirements.lock pins what `make` installs, so a new NumPy, pandas, ml_dtypes or pytest
    that breaks crossgrad would otherwise be seen first by a user installing it with pip.
    CI runs this weekly (.github/workflows/latest.yml); locally `make latest`. A fresh
    environment each time (no reuse): the point is to resolve anew."""
    session.install("--upgrade", "-e", f"{ROOT}[test]")
    session.run("python", "-c", SHOW_VERSIONS)  # what was resolved, so a failure names the release
    session.run("python", "-m", "pytest", "-m", "not integration", "-q", "-p", "no:cacheprovider",
                *session.posargs, env={"TF_CPP_MIN_LOG_LEVEL": "3"})
