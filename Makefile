# Transposed Convolution, Demystified: build, test and read the book.
# Quick start: `make book`, then `make test`. Needs Python 3.11+ and make; nothing else.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed
HTML   := _build/html
# pytest's temporary folders, one per stage, inside this checkout (not the shared
# /tmp/pytest-of-<user>, where another checkout's run would prune them mid-run).
TMP    := _build/pytest

# Tests that need the built book share one build (tests/browser_support.py); they run on
# their own, after the fast tests. Name new ones tests/test_book*.py or tests/test_browser*.py.
BOOK_TESTS := $(sort $(wildcard tests/test_book*.py tests/test_browser*.py))
NOTEBOOKS  := $(sort $(wildcard chapters/*.ipynb))
LINT_PATHS := $(wildcard lib tests benchmarks scripts _ext)

# The real-framework stage (make test-frameworks) has its own venv and requirements file.
FW_VENV  := .venv-frameworks
FW_BIN   := $(FW_VENV)/bin
FW_STAMP := $(FW_VENV)/.requirements-installed
# Test modules with an optional PyTorch oracle (they skip without torch, as in make test-fast);
# the framework stage runs them with it.
TORCH_ORACLE_TESTS := $(shell grep -l "PyTorch not installed" tests/test_*.py)

.PHONY: help venv venv-frameworks book test test-fast test-notebooks test-book test-frameworks \
        lab student slides serve lint bench bench-web readme-figure clean distclean

help:
	@echo "make book           build the HTML book (executes the notebooks, warnings are errors)"
	@echo "make test           the whole suite: lint, unit tests, notebooks, book build, browser"
	@echo "make test-frameworks  tconv.frameworks against PyTorch, Keras, JAX, Flax and ONNX"
	@echo "                    (own venv .venv-frameworks from requirements-frameworks.txt)"
	@echo "make lab            JupyterLab on the chapters (MyST rendered, live widgets), offline"
	@echo "make student        copies of the chapters without solutions, in _build/student"
	@echo "make slides         a reveal.js deck per chapter, in _build/html/slides (builds the book)"
	@echo "make serve          serve the built book on http://127.0.0.1:8000"
	@echo "make lint           ruff"
	@echo "make bench          run the benchmarks in benchmarks/"
	@echo "make bench-web      Lighthouse (mobile) on every page of the book, served gzipped"
	@echo "make readme-figure  redraw docs/readme-figure.png"
	@echo "make clean          remove _build (including the execution cache)"
	@echo "make distclean      clean, and remove the virtual environment"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the requirements or the package metadata change.
$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

venv: $(STAMP)

$(FW_BIN)/python:
	$(PYTHON) -m venv $(FW_VENV)

$(FW_STAMP): requirements-frameworks.txt pyproject.toml | $(FW_BIN)/python
	$(FW_BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-frameworks.txt
	@touch $@

venv-frameworks: $(FW_STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo
	@echo "The book is built. Open this file in a browser:"
	@echo "    $(abspath $(HTML)/index.html)"

# Each stage runs even when an earlier one failed; the target fails if any stage failed.
test: $(STAMP)
	@status=0; \
	$(MAKE) --no-print-directory lint || status=1; \
	$(MAKE) --no-print-directory test-fast || status=1; \
	$(MAKE) --no-print-directory test-notebooks || status=1; \
	$(MAKE) --no-print-directory test-book || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED (see the stages above)"; fi; \
	exit $$status

# Unit tests and static checks of the sources, on both cores. No deep-learning framework:
# tests/frameworks/ belongs to test-frameworks, and the PyTorch oracles skip without torch.
test-fast: $(STAMP)
	@mkdir -p $(TMP)
	$(BIN)/python -m pytest -n 2 -q --basetemp=$(TMP)/fast $(addprefix --ignore=,$(BOOK_TESTS)) \
		--ignore=tests/frameworks tests

# Every chapter notebook executed by nbval; claims are asserted inside the cells.
test-notebooks: $(STAMP)
ifneq ($(NOTEBOOKS),)
	@mkdir -p $(TMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q --basetemp=$(TMP)/notebooks --nbval-lax --nbval-current-env $(NOTEBOOKS)
else
	@echo "test-notebooks: no chapters/*.ipynb yet"
endif

# Builds the whole book once (reusing the jupyter-cache), then checks it in the browser, one
# Chromium per core. Then the chapters in a real JupyterLab, on their own: those tests time
# the live widgets, which means nothing while the other core builds the book.
LAB_TESTS := $(wildcard tests/test_browser_lab*.py)
test-book: $(STAMP)
	@mkdir -p $(TMP); status=0; \
	$(BIN)/python -m pytest -n 2 -q --basetemp=$(TMP)/book $(filter-out $(LAB_TESTS),$(BOOK_TESTS)) || status=1; \
	$(if $(LAB_TESTS),$(BIN)/python -m pytest -q --basetemp=$(TMP)/lab $(LAB_TESTS) || status=1;) \
	exit $$status

# Every translation in tconv.frameworks against the frameworks themselves, plus the PyTorch
# oracle tests. TCONV_REQUIRE_FRAMEWORKS=1 turns a "not installed" skip into a failure.
test-frameworks: $(FW_STAMP)
	@mkdir -p $(TMP)
	TCONV_REQUIRE_FRAMEWORKS=1 KERAS_BACKEND=jax $(FW_BIN)/python -m pytest -n 2 -q \
		--basetemp=$(TMP)/frameworks tests/frameworks $(TORCH_ORACLE_TESTS)

# JupyterLab on chapters/, offline, opening on the first chapter; its settings come from
# jupyter/ (scripts/lab.py). Extra options: make lab LAB_ARGS="--no-browser --port=8899".
lab: $(STAMP)
	$(BIN)/python scripts/lab.py $(LAB_ARGS)

# Chapters to hand out: no solutions, no answer checks (scripts/student.py).
student: $(STAMP)
	$(BIN)/python scripts/student.py _build/student

# A reveal.js deck per chapter, cut from the built book (scripts/slides.py): offline, linked
# from the instructors' page.
slides: book
	$(BIN)/python scripts/slides.py --html $(HTML)

# Served as a static host serves it: the precompressed .gz/.br copies the build writes.
serve: book
	$(BIN)/python scripts/serve_book.py $(HTML) --port 8000

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)

# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE, set on some machines, pick a slower OpenBLAS kernel for
# numpy than its own detection would (benchmarks/README.md); the benchmarks run without them.
bench: $(STAMP)
	@set -e; found=0; \
	for script in $(sort $(wildcard benchmarks/bench_*.py)); do \
		found=1; echo "== $$script"; \
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python $$script; \
	done; \
	if [ $$found -eq 0 ]; then echo "bench: no benchmarks/bench_*.py yet"; fi

# Lighthouse 12 from npm, installed here (gitignored), driving Debian's chromium; the table goes
# into benchmarks/README.md. BENCH_WEB_ARGS="--runs 3" or "--page chapters/checkerboard".
NODE_DIR   := benchmarks/.node
LIGHTHOUSE := $(NODE_DIR)/node_modules/.bin/lighthouse

$(LIGHTHOUSE):
	npm install --no-audit --no-fund --loglevel=error --prefix $(NODE_DIR) lighthouse@12

bench-web: book $(LIGHTHOUSE)
	$(BIN)/python benchmarks/web_pages.py --html $(HTML) --lighthouse $(LIGHTHOUSE) $(BENCH_WEB_ARGS)

readme-figure: $(STAMP)
	$(BIN)/python scripts/readme_figure.py docs/readme-figure.png

clean:
	rm -rf _build

distclean: clean
	rm -rf $(VENV) $(FW_VENV)
