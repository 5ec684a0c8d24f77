# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
export TF_CPP_MIN_LOG_LEVEL ?= 3

.PHONY: run full test install compiler bytecode unit lock latest docs clean

# uv installs the ~2 GB of frameworks in seconds where pip takes over a minute.
# torch is pinned to its CPU build (requirements.lock: torch==X+cpu on Linux
# x86_64), which PyTorch serves from its own CPU index, not from PyPI. uv does
# not read pip's configuration: where pip is configured with local wheel
# folders (find-links, from PIP_FIND_LINKS or pip.conf), uv looks there;
# otherwise uv fetches torch from PyTorch's CPU index (--torch-backend cpu).
PIP_FIND_LINKS ?= $(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null)
ifneq ($(strip $(PIP_FIND_LINKS)),)
export UV_FIND_LINKS ?= $(PIP_FIND_LINKS)
else
export UV_TORCH_BACKEND ?= cpu
endif

$(BIN)/uv: constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt uv

# --compile-bytecode: the frameworks' .pyc files written once here. Where
# PYTHONDONTWRITEBYTECODE is set (this machine, CI), Python never writes them
# itself, so every worker and test interpreter would compile torch's, jax's and
# TensorFlow's source again on import (TensorFlow's import: 2.5 times the CPU).
$(STAMP): $(LOCK) $(BIN)/uv
	$(BIN)/uv pip install -q --python $(BIN)/python --compile-bytecode --no-deps -r $(LOCK)
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps --build-constraints constraints.txt -e .
	$(BIN)/uv pip check -q --python $(BIN)/python
	touch $(STAMP)

# The lock: every package `make` installs, the transitive ones included, for
# Linux and macOS, resolved from pyproject.toml's ranges under constraints.txt's
# framework pins. Run after changing either; commit the result.
lock: $(BIN)/uv
	$(BIN)/uv pip compile -q pyproject.toml --extra frameworks --extra test --extra drift --extra study \
	  -c constraints.txt --universal --python-version 3.11 \
	  --custom-compile-command "make lock" -o $(LOCK)

install: $(STAMP) compiler

# crossgrad's own .pyc files (installed editable, so uv compiles none of it), for
# the same reason; quick when they are current, and rewritten after an edit.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q crossgrad frameworks cases

# tinygrad's CPU device compiles its kernels with clang (or $CC): installed here
# where the platform allows (root with apt-get), quietly; elsewhere skipped, and
# crossgrad reports tinygrad unavailable with the fix.
compiler:
	@if command -v "$${CC:-clang}" >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing clang (tinygrad's CPU device compiles with it)"; \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null 2>&1; }; } || \
	  echo "could not install clang: tinygrad will be reported unavailable"; \
	else echo "no clang, and no root apt-get to install it: tinygrad will be reported unavailable"; fi

# The quick scope (cases/scope.py): every case eager in float32/float64, a stated
# subset compiled and in 16 bits, then the timings. `make full` runs everything.
run: $(STAMP) compiler bytecode
	$(BIN)/crossgrad run --scope quick

full: $(STAMP) compiler bytecode
	$(BIN)/crossgrad run

# crossgrad's own suite (two workers: the machine has two cores), then the
# example user project's suite, which uses crossgrad.testing as a user would,
# then the example plug-in (examples/crossgrad-autograd, its own distribution with
# an entry point): installed into .venv without dependencies (autograd is in the
# lock), checked by `crossgrad test-adapter autograd` as its author would, and
# uninstalled again, so that `crossgrad run` here keeps to the built-in frameworks.
PLUGIN := examples/crossgrad-autograd
test: $(STAMP) compiler bytecode
	$(BIN)/python -m pytest -n 2
	cd examples/squareplus && ../../$(BIN)/python -m pytest --benchmark-disable -q
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps --build-constraints constraints.txt -e $(PLUGIN)
	$(BIN)/crossgrad test-adapter autograd -q; status=$$?; \
	  $(BIN)/uv pip uninstall -q --python $(BIN)/python crossgrad-autograd; exit $$status

# The newest releases pyproject.toml's ranges allow, in their own environment
# (never .venv), with the unit tests: what a user installing crossgrad today
# gets. CI runs it weekly (.github/workflows/latest.yml).
latest: $(STAMP) compiler bytecode
	$(BIN)/nox -s latest

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not integration"

# README's figures regenerated from the committed runs (scripts/readme_figures.py;
# tests/test_readme_figures.py fails when README and the data disagree).
docs: $(STAMP)
	$(BIN)/python scripts/readme_figures.py

clean:
	rm -rf $(VENV)
