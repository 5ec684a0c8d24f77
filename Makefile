# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 3

.PHONY: run full test install unit docs clean

# uv installs the ~2 GB of frameworks in seconds where pip takes over a minute.
# It does not read pip's configuration: where pip finds wheels on local disk
# (its find-links, from PIP_FIND_LINKS or pip.conf: a folder of CPU torch wheels,
# say), uv is told to look too. Without it uv would fetch torch's CUDA build.
PIP_FIND_LINKS ?= $(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null)
ifneq ($(strip $(PIP_FIND_LINKS)),)
export UV_FIND_LINKS ?= $(PIP_FIND_LINKS)
endif

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt uv
	$(BIN)/uv pip install -q --python $(BIN)/python -c constraints.txt -e '.[frameworks,test,drift]'
	touch $(STAMP)

install: $(STAMP)

# The quick scope (cases/scope.py): every case eager in float32/float64, a stated
# subset compiled and in 16 bits, then the timings. `make full` runs everything.
run: $(STAMP)
	$(BIN)/crossgrad run --scope quick

full: $(STAMP)
	$(BIN)/crossgrad run

# crossgrad's own suite (two workers: the machine has two cores), then the
# example user project's suite, which uses crossgrad.testing as a user would.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2
	cd examples/squareplus && ../../$(BIN)/python -m pytest --benchmark-disable -q

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not integration"

# README's figures regenerated from the committed runs (scripts/readme_figures.py;
# tests/test_readme_figures.py fails when README and the data disagree).
docs: $(STAMP)
	$(BIN)/python scripts/readme_figures.py

clean:
	rm -rf $(VENV)
