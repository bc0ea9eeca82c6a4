# Transposed Convolution, Demystified: build, test and read the book.
# Quick start: `make book`, then `make test`. Needs Python 3.11+ and make; nothing else.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed
HTML   := _build/html

# Tests that need the built book share one build (tests/browser_support.py); they run on
# their own, after the fast tests. Name new ones tests/test_book*.py or tests/test_browser*.py.
BOOK_TESTS := $(sort $(wildcard tests/test_book*.py tests/test_browser*.py))
NOTEBOOKS  := $(sort $(wildcard chapters/*.ipynb))
LINT_PATHS := $(wildcard lib tests benchmarks scripts _ext)

.PHONY: help venv book test test-fast test-notebooks test-book lab student serve lint bench \
        readme-figure clean distclean

help:
	@echo "make book           build the HTML book (executes the notebooks, warnings are errors)"
	@echo "make test           the whole suite: lint, unit tests, notebooks, book build, browser"
	@echo "make lab            JupyterLab on the chapters (MyST rendered, live widgets), offline"
	@echo "make student        copies of the chapters without solutions, in _build/student"
	@echo "make serve          serve the built book on http://127.0.0.1:8000"
	@echo "make lint           ruff"
	@echo "make bench          run the benchmarks in benchmarks/"
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

# Unit tests and static checks of the sources, on both cores.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q $(addprefix --ignore=,$(BOOK_TESTS)) tests

# Every chapter notebook executed by nbval; claims are asserted inside the cells.
test-notebooks: $(STAMP)
ifneq ($(NOTEBOOKS),)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q --nbval-lax --nbval-current-env $(NOTEBOOKS)
else
	@echo "test-notebooks: no chapters/*.ipynb yet"
endif

# Builds the whole book once (reusing the jupyter-cache), then checks it in the browser, one
# Chromium per core. Then the chapters in a real JupyterLab, on their own: those tests time
# the live widgets, which means nothing while the other core builds the book.
LAB_TESTS := $(wildcard tests/test_browser_lab*.py)
test-book: $(STAMP)
	@status=0; \
	$(BIN)/python -m pytest -n 2 -q $(filter-out $(LAB_TESTS),$(BOOK_TESTS)) || status=1; \
	$(if $(LAB_TESTS),$(BIN)/python -m pytest -q $(LAB_TESTS) || status=1;) \
	exit $$status

# JupyterLab on chapters/, offline, opening on the first chapter; its settings come from
# jupyter/ (scripts/lab.py). Extra options: make lab LAB_ARGS="--no-browser --port=8899".
lab: $(STAMP)
	$(BIN)/python scripts/lab.py $(LAB_ARGS)

# Chapters to hand out: no solutions, no answer checks (scripts/student.py).
student: $(STAMP)
	$(BIN)/python scripts/student.py _build/student

serve: book
	@echo "Serving the book on http://127.0.0.1:8000/ (Ctrl+C to stop)"
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory $(HTML)

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

readme-figure: $(STAMP)
	$(BIN)/python scripts/readme_figure.py docs/readme-figure.png

clean:
	rm -rf _build

distclean: clean
	rm -rf $(VENV)
