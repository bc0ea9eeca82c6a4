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
LINT_PATHS := $(wildcard lib tests benchmarks scripts _ext chapters)

# The real-framework stage (make test-frameworks) has its own venv and requirements file.
FW_VENV  := .venv-frameworks
FW_BIN   := $(FW_VENV)/bin
FW_STAMP := $(FW_VENV)/.requirements-installed
# Test modules with an optional PyTorch oracle (they skip without torch, as in make test-fast);
# the framework stage runs them with it.
TORCH_ORACLE_TESTS := $(shell grep -l "PyTorch not installed" tests/test_*.py)

.PHONY: help venv venv-frameworks book book-en book-zh i18n-update i18n-stat pdf figures slides \
        test test-fast test-notebooks test-book test-frameworks lab student grade serve lint \
        bench bench-web bench-widgets bench-lab readme-figure clean distclean

help:
	@echo "make book           build the HTML book, English and Chinese (executes the notebooks,"
	@echo "                    warnings are errors); the Chinese edition needs a CJK font"
	@echo "make book-en        the English edition only (_build/html)"
	@echo "make book-zh        the Chinese edition only (_build/html/zh; scripts/i18n.py build)"
	@echo "make i18n-update    extract the English messages and update the Chinese catalogs"
	@echo "make i18n-stat      translated / fuzzy / untranslated entries of every catalog"
	@echo "make pdf            the printed editions (student, instructor) in _build/pdf, linked from the site;"
	@echo "                    the Chinese ones too (*-zh.pdf) when the Chinese edition is built"
	@echo "make figures        every figure as SVG and 300-dpi PNG, zipped, in _build/figures, linked"
	@echo "make test           the whole suite: lint, unit tests, notebooks, book build, browser"
	@echo "make test-frameworks  tconv.frameworks against PyTorch, Keras, JAX, Flax and ONNX"
	@echo "                    (own venv .venv-frameworks from requirements-frameworks.txt)"
	@echo "make lab            JupyterLab on the chapters (MyST rendered, live widgets), offline"
	@echo "make student        copies of the chapters without solutions, in _build/student;"
	@echo "                    ROSTER=ids.csv (or SEEDS=\"1 2 3\", SALT=term) adds one exercise"
	@echo "                    notebook per student and the key in _build/instructor"
	@echo "make grade SUBMITTED=dir  grade the students' exercise notebooks with that key"
	@echo "make slides         a reveal.js deck per chapter, in _build/html/slides (builds the book);"
	@echo "                    the Chinese ones in _build/html/zh/slides when the Chinese edition is built"
	@echo "make serve          serve the built book on http://127.0.0.1:8000"
	@echo "make lint           ruff"
	@echo "make bench          run the benchmarks in benchmarks/"
	@echo "make bench-web      Lighthouse (mobile) on every page of the book, served gzipped"
	@echo "make bench-widgets  the players' step and edit latency in Chromium, their weight"
	@echo "make bench-lab      the live players in JupyterLab: action -> redraw latency"
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

# The notebooks execute once, for both editions, one per core (scripts/execution_cache.py
# --run fills the execution cache; each figure and player is drawn in Chinese too). Then both
# editions are built at once, one per core: the English in _build/html, the Chinese (issue 16)
# in _build/zh (from the same execution; log in _build/zh/build.log), copied into
# _build/html/zh when both are done. Without a font with Chinese characters (Debian: apt-get
# install fonts-noto-cjk) the Chinese edition is skipped with a note, so a reader can still
# build the English one.
ZH_LOG := _build/zh/build.log
book: $(STAMP)
	@mkdir -p _build/zh; status=0; zh=""; \
	$(BIN)/python scripts/execution_cache.py --run || exit 1; \
	if $(BIN)/python scripts/i18n.py fonts; then \
		$(BIN)/python scripts/i18n.py build --no-copy > $(ZH_LOG) 2>&1 & zh=$$!; \
		echo "Building the Chinese edition alongside (log: $(ZH_LOG))"; \
	fi; \
	$(BIN)/jupyter-book build . -W -n --keep-going || status=1; \
	if [ -n "$$zh" ]; then \
		if wait $$zh; then $(BIN)/python scripts/i18n.py copy && \
			$(BIN)/python scripts/print_book.py --link-only --lang zh --html $(HTML)/zh; \
		else status=1; echo "The Chinese edition failed to build:"; tail -n 40 $(ZH_LOG); fi; \
	fi; \
	if [ $$status -ne 0 ]; then exit 1; fi; \
	$(BIN)/python scripts/print_book.py --link-only --html $(HTML) || exit 1; \
	echo; echo "The book is built. Open this file in a browser:"; \
	echo "    $(abspath $(HTML)/index.html)"; \
	if [ -n "$$zh" ]; then echo "    $(abspath $(HTML)/zh/index.html)  (中文版)"; fi

book-en: $(STAMP)
	$(BIN)/python scripts/execution_cache.py --run
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/python scripts/print_book.py --link-only --html $(HTML)

book-zh: $(STAMP)
	$(BIN)/python scripts/i18n.py build
	$(BIN)/python scripts/print_book.py --link-only --lang zh --html $(HTML)/zh

# After a chapter changes: the .pot files from the English sources (Sphinx's gettext builder,
# sharing the English execution cache), merged into locales/zh_CN/LC_MESSAGES/*.po by
# sphinx-intl (new entries empty, changed ones fuzzy) and into tconv's figure catalog.
i18n-update: $(STAMP)
	$(BIN)/python scripts/i18n.py extract
	$(BIN)/python scripts/i18n.py update

i18n-stat: $(STAMP)
	@$(BIN)/python scripts/i18n.py stat

# The printed editions: the built book printed by Chromium as one PDF per edition
# (scripts/print_book.py), copied into the site's downloads/ folder and linked from the pages
# that have a place for them (intro, instructors). PDF_ARGS e.g. "--edition student --paper Letter".
# The Chinese edition, when built (it needs a CJK font), is printed too: its PDFs (*-zh.pdf)
# go into its own downloads/ folder (_build/html/zh/downloads), linked from its own pages.
pdf: book
	$(BIN)/python scripts/print_book.py --html $(HTML) --out _build/pdf \
		--copy-to $(HTML)/downloads $(PDF_ARGS)
	@if [ -f $(HTML)/zh/intro.html ]; then \
		echo $(BIN)/python scripts/print_book.py --lang zh --html $(HTML)/zh --out _build/pdf \
			--copy-to $(HTML)/zh/downloads $(PDF_ARGS); \
		$(BIN)/python scripts/print_book.py --lang zh --html $(HTML)/zh --out _build/pdf \
			--copy-to $(HTML)/zh/downloads $(PDF_ARGS); \
	else echo "No Chinese edition in $(HTML)/zh (make book builds it when a CJK font is installed): no Chinese PDFs."; fi

# Every figure of the book as SVG and PNG (300 dpi) in one zip (scripts/figures.py), from the
# files the book's execution keeps in its cache when asked (--figure-files: a notebook
# executed without them is executed again, once, for the book and the archive); copied into
# the site's downloads/ folder and linked.
FIGURE_DPI := 300
figures: $(STAMP)
	$(BIN)/python scripts/execution_cache.py --run --figure-files $(FIGURE_DPI)
	$(MAKE) --no-print-directory book
	$(BIN)/python scripts/figures.py --html $(HTML) --out _build/figures \
		--copy-to $(HTML)/downloads

# Each stage runs even when an earlier one failed; the target fails if any stage failed.
# Every chapter executes once: nbval runs the chapters the execution cache holds (the build
# only reads them), the book stage executes the others (for both editions, before it builds),
# and a failing claim fails the build (scripts/execution_cache.py). `make test-notebooks`
# alone runs nbval on every chapter.
test: $(STAMP)
	@status=0; \
	$(MAKE) --no-print-directory lint || status=1; \
	$(MAKE) --no-print-directory test-fast || status=1; \
	warm=$$($(BIN)/python scripts/execution_cache.py --figure-files $(FIGURE_DPI) $(NOTEBOOKS) \
		| tr '\n' ' ') || status=1; \
	if [ -n "$$warm" ]; then $(MAKE) --no-print-directory test-notebooks NOTEBOOKS="$$warm" || status=1; \
	else echo "test-notebooks: no chapter is cached, so the book build below executes each once"; fi; \
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
# Chromium per core; tests marked xdist_group (the printed editions, the figure archive) stay
# on one worker each (--dist loadgroup), so what they make is made once. Then the chapters in a
# real JupyterLab, on their own: those tests time the live widgets, which means nothing while
# the other core builds the book.
LAB_TESTS := $(wildcard tests/test_browser_lab*.py)
test-book: $(STAMP)
	@mkdir -p $(TMP); status=0; \
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q --basetemp=$(TMP)/book $(filter-out $(LAB_TESTS),$(BOOK_TESTS)) || status=1; \
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

# Chapters to hand out: no solutions, no answer checks (scripts/student.py). With ROSTER (a
# CSV of student ids) or SEEDS, also one exercise notebook per student with their own numbers
# in _build/student/exercises, and the instructor's key in _build/instructor (not handed out).
student: $(STAMP)
	$(BIN)/python scripts/student.py _build/student $(if $(ROSTER),--roster "$(ROSTER)") \
		$(if $(SEEDS),--seeds $(SEEDS)) $(if $(SALT),--salt "$(SALT)")

# The submitted exercise notebooks in SUBMITTED, graded with _build/instructor/seeds.csv:
# writes _build/instructor/grades.csv (student, exercise, right, feedback).
grade: $(STAMP)
	@test -n "$(SUBMITTED)" || { echo "make grade SUBMITTED=<folder of .ipynb>"; exit 2; }
	$(BIN)/python scripts/student.py grade $(SUBMITTED)/*.ipynb

# A reveal.js deck per chapter, cut from the built book (scripts/slides.py): offline, linked
# from the instructors' page. The Chinese edition, when built, gets its own decks, in Chinese,
# cut from its own pages into _build/html/zh/slides, linked from its own instructors' page.
slides: book
	$(BIN)/python scripts/slides.py --html $(HTML)
	@if [ -f $(HTML)/zh/intro.html ]; then \
		echo $(BIN)/python scripts/slides.py --lang zh --html $(HTML)/zh; \
		$(BIN)/python scripts/slides.py --lang zh --html $(HTML)/zh; \
	else echo "No Chinese edition in $(HTML)/zh (make book builds it when a CJK font is installed): no Chinese decks."; fi

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

# The players' latency on their own: in a Chromium page (step and edit, weights), and live in
# JupyterLab (click, slider, edit, choice -> redraw; starts JupyterLab as `make lab` does).
bench-widgets: $(STAMP)
	$(BIN)/python benchmarks/bench_widgets.py

bench-lab: $(STAMP)
	$(BIN)/python benchmarks/bench_lab.py

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
