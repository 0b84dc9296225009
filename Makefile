# The two commands a newcomer needs: `make book` and `make test`.
# Both create .venv and install the exact pins of requirements.txt first.
# The scripts in tools/ run as modules of the root: `python -m tools.NAME`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Notebook kernels ("python3") resolve to the first python on PATH: make it .venv's.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
# Pages that are notebooks too (they read saved benchmark results): verified alike.
PAGES := $(sort $(wildcard book/*.ipynb))
# nbval compares every output; cells that print results of long float32 training
# declare a tolerance, with its reason, in their source (tests/nbval_tolerance.py,
# loaded by conftest.py). NBVAL_REPORT=FILE saves what every cell printed.
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	$(if $(NBVAL_REPORT),--nbval-numbers-report=$(NBVAL_REPORT))
# What make test's nbval printed: the numerics matrix compares its settings with it.
DEFAULT_REPORT := _build/numerics/default.json
# The unit tests, and the examples in glowlab's docstrings (doctests).
UNIT := tests --doctest-modules glowlab
# -W: any warning fails the build; -n: every cross-reference must resolve.
# --all: every page is written again (about 10 s), and with it the site's CSS,
# script and extension (book/_static, book/_ext), which Sphinx does not watch.
BUILD := $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going --all

# MathJax, served from the site so that maths typesets offline: an exact version
# from the npm registry, checked against its hash.
MATHJAX_VERSION := 3.2.2
MATHJAX_SHA256 := 1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09
MATHJAX := _vendor/mathjax/tex-chtml-full.js

.PHONY: install book test test-fast nbval test-numerics spread test-lowest test-colab execute lint format clean lock lab setup-cells linkcheck mathjax bench publish

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
book: install $(MATHJAX)
	$(BIN)/python -m pytest -q tests/test_notebooks_stored.py
	$(BUILD)
	@echo
	@echo "The book is built. Open: file://$(CURDIR)/_build/html/index.html"

# The browser test and the publishing test run after the build they check: the
# browser test skips, saying so, where no Chromium is installed (.ci/run installs
# Debian's); the publishing test's `make publish` reuses this build (its `make
# book` finds nothing out of date).
AFTER_BUILD := tests/site tests/test_publish.py
test: install lint $(MATHJAX)
	$(BIN)/python -m pytest -q -n auto $(UNIT) --ignore=tests/colab \
		$(addprefix --ignore=,$(AFTER_BUILD))
	$(MAKE) --no-print-directory nbval NBVAL_REPORT=$(or $(NBVAL_REPORT),$(DEFAULT_REPORT))
	$(BUILD)
	$(BIN)/python -m pytest -q -rs $(AFTER_BUILD)

# The inner loop: ruff and the tests not marked slow (those start kernels, build
# environments or execute notebooks); `make test` runs everything.
test-fast: install lint
	$(BIN)/python -m pytest -q -n auto -m "not slow" $(UNIT) --ignore=tests/site

# Re-executes every notebook and notebook page and compares each output with the
# stored one (within a cell's declared tolerance, exactly everywhere else).
nbval: install
	$(BIN)/python -m pytest -q $(NBVAL) $(NOTEBOOKS) $(PAGES)

# `make nbval` under settings that stand in for other machines (OpenBLAS kernels,
# XLA instruction sets, one core): see tools/numerics_matrix.py. SETTINGS=... picks
# some of them; CI runs all but the default, which make test has just run.
test-numerics: install
	$(BIN)/python -m tools.numerics_matrix $(if $(SETTINGS),--only $(SETTINGS))

# The evidence for each tolerance: every training notebook re-run TRIALS times
# (default 6) with a last-bit change in its first optimiser update; prints how
# far each compared cell moved, as a share of its tolerance, and fails if one
# moved past it or an exactly compared cell changed. See tools/training_spread.py.
# Slow (about 25 minutes on 2 cores); run by hand when a training cell changes.
TRAINING := $(filter-out notebooks/00_% notebooks/01_%,$(NOTEBOOKS))
spread: install
	$(BIN)/python -m tools.training_spread --trials $(or $(TRIALS),6) $(TRAINING)

# The declared lower bounds, checked: a new environment with the lowest versions
# pyproject.toml allows (uv's lowest-direct resolution), the unit tests, and every
# chapter run top to bottom (errors fail; outputs differ, so are not compared).
LOWEST := _build/lowest-venv
# --seed installs pip, which the setup cell's test runs.
test-lowest: install
	rm -rf $(LOWEST)
	$(BIN)/uv venv --quiet --seed --python $(PYTHON) $(LOWEST)
	$(BIN)/uv pip install --quiet --python $(LOWEST)/bin/python \
		--resolution lowest-direct ".[notebooks,test]"
	PATH=$(CURDIR)/$(LOWEST)/bin:$$PATH $(LOWEST)/bin/python -m pytest -q -n auto \
		-p no:cacheprovider -m "not slow" $(UNIT) --ignore=tests/site --ignore=tests/colab
	PATH=$(CURDIR)/$(LOWEST)/bin:$$PATH $(LOWEST)/bin/python -m tools.run_chapters \
		--jobs 2 $(NOTEBOOKS)

# Every chapter as Colab runs it: Python 3.12, Colab's preinstalled packages
# (newest, and an older jax), the real setup cell under a stub of google.colab.
# See tests/colab/test_colab_path.py. COLAB=newest (or older-jax) runs one variant.
test-colab: install
	$(BIN)/python -m pytest -q -s -p no:cacheprovider tests/colab $(if $(COLAB),-k $(COLAB))

# Re-executes every notebook in place, deterministically; see tools/execute.py.
execute: install
	$(BIN)/python -m tools.execute $(NOTEBOOKS) $(PAGES)

$(MATHJAX):
	rm -rf _vendor/mathjax .mathjax-download && mkdir -p .mathjax-download _vendor
	cd .mathjax-download && npm pack --silent mathjax@$(MATHJAX_VERSION) > /dev/null
	echo "$(MATHJAX_SHA256)  .mathjax-download/mathjax-$(MATHJAX_VERSION).tgz" | sha256sum --check --quiet
	tar -xzf .mathjax-download/mathjax-$(MATHJAX_VERSION).tgz -C .mathjax-download
	mkdir -p _vendor/mathjax
	# The CommonHTML output only: the pages never load the SVG output (1.3 MB).
	mkdir -p _vendor/mathjax/output
	cd .mathjax-download/package/es5 && cp -r tex-chtml-full.js input ui a11y ../../../_vendor/mathjax/
	cd .mathjax-download/package/es5/output && cp -r chtml chtml.js ../../../../_vendor/mathjax/output/
	rm -rf .mathjax-download

mathjax: $(MATHJAX)

# Rewrites every notebook's Colab setup cell from _config.yml (repository url, branch).
setup-cells: install
	$(BIN)/python -m tools.setup_cells

# Publishing by hand, Jupyter Book's ghp-import route: the built book becomes the
# gh-pages branch of REMOTE (default origin), which GitHub Pages serves when the
# repository's Pages source is that branch. --no-jekyll adds .nojekyll, without
# which Pages would hide the _static and _images folders. The other route, a
# pushed tag v*, is .github/workflows/book.yml; CONTRIBUTING.md has both.
REMOTE ?= origin
publish: book
	$(BIN)/ghp-import --no-jekyll --push --force --remote $(REMOTE) _build/html

# External links need a network, which the test machines lack: run this by hand.
linkcheck: install
	$(BIN)/jupyter-book build . --builder linkcheck

# Timings, not tests: run by hand on a quiet machine; results feed the
# performance page (book/performance.ipynb).
bench: install
	cd benchmarks && ../$(BIN)/python bench_glow_level.py && \
		../$(BIN)/python bench_conv1x1.py && ../$(BIN)/python bench_glow.py

WORKFLOWS := $(wildcard .github/workflows/*.yml .github/workflows/*.yaml)
# ruff, and actionlint on the GitHub workflows (with shellcheck on their `run:`
# scripts; both are pinned in requirements.txt).
# book/*.ipynb (pages that are notebooks) at the chapters' 70 columns.
PAGE_RUFF := --config book/notebooks.ruff.toml $(PAGES)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ruff check $(PAGE_RUFF)
	$(BIN)/ruff format --check $(PAGE_RUFF)
	$(BIN)/actionlint -shellcheck=$(BIN)/shellcheck -pyflakes= $(WORKFLOWS)

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix $(PAGE_RUFF)
	$(BIN)/ruff format $(PAGE_RUFF)

lab: install
	cd notebooks && ../$(BIN)/jupyter lab

# Re-pins requirements.txt to what .venv holds now (after a deliberate upgrade).
lock: install
	{ sed -n '/^#/p' requirements.txt; $(BIN)/python -m pip freeze --all --exclude-editable | grep -v '^pip=='; } \
		> requirements.txt.new && mv requirements.txt.new requirements.txt

clean:
	rm -rf _build .pytest_cache _vendor/mathjax
