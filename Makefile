# The two commands a newcomer needs: `make book` and `make test`.
# Both create .venv and install the exact pins of requirements.txt first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Notebook kernels ("python3") resolve to the first python on PATH: make it .venv's.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# -W: any warning fails the build; -n: every cross-reference must resolve.
BUILD := $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

.PHONY: install book test execute lint format clean lock lab

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# No build isolation: glowlab is built with the pinned setuptools.
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# Checks that every notebook is stored executed (what the site shows is what
# nbval verifies in `make test`), then builds the site from those outputs.
book: install
	$(BIN)/python -m pytest -q tests/test_notebooks_stored.py
	$(BUILD)
	@echo
	@echo "The book is built. Open: file://$(CURDIR)/_build/html/index.html"

test: install lint
	$(BIN)/python -m pytest -q tests
	$(BIN)/python -m pytest -q $(NBVAL) $(NOTEBOOKS)
	$(BUILD)

# Re-executes every notebook in place, deterministically; see tools/execute.py.
execute: install
	$(BIN)/python tools/execute.py $(NOTEBOOKS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lab: install
	cd notebooks && ../$(BIN)/jupyter lab

# Re-pins requirements.txt to what .venv holds now (after a deliberate upgrade).
lock: install
	{ sed -n '/^#/p' requirements.txt; $(BIN)/python -m pip freeze --all --exclude-editable | grep -v '^pip=='; } \
		> requirements.txt.new && mv requirements.txt.new requirements.txt

clean:
	rm -rf _build .pytest_cache
