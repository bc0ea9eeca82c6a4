"""Fixtures and helpers for the tests that need the built book (a pytest plugin).

Test modules load it with ``pytest_plugins = ["browser_support"]``, so the session fixtures
below are shared: the book is built once per test run (once in all, when pytest-xdist runs
the tests on several workers), and one browser per worker serves every test.

- ``built_book``: builds the whole book with ``-W -n --keep-going`` into a temporary folder,
  reusing the repository's jupyter-cache so unchanged notebooks are not executed again.
- ``book_server``: the built HTML served by a stdlib HTTP server on 127.0.0.1 (free port).
- ``browser``: Debian's Chromium driven by Playwright; skipped with a reason when absent.
- ``visit(docname)``: opens one page and records everything that went wrong while loading it
  (console errors and warnings, uncaught exceptions, failed requests, HTTP errors, requests
  that leave 127.0.0.1). Later checks (e.g. accessibility with axe-core) take the returned
  ``PageVisit`` and run on its still-open ``page``.

Test modules also import names from it before pytest loads it as a plugin, so it opts out of
assertion rewriting (PYTEST_DONT_REWRITE) and keeps its checks in the test modules.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from filelock import FileLock
from script_support import load_script

ROOT = Path(__file__).resolve().parents[1]
TOC = ROOT / "_toc.yml"
CACHE = ROOT / "_build" / ".jupyter_cache"
FIGURE_DPI = 300  # the figure archive's PNGs, drawn by the build's execution (make figures)

PAGE_BUDGET_BYTES = 750_000  # HTML of one page
PLAYER_BUDGET_BYTES = 150_000  # HTML of one static player
# The chapters that show static players (tests/test_browser.py steps every one of them and
# checks that no other page has one); the first is the one the accessibility tests visit.
PLAYER_PAGES = ("chapters/step-by-step", "chapters/fixed-upsampling", "chapters/stride-padding",
                "chapters/many-names", "chapters/checkerboard")
# Pages of the site that are not in the table of contents: the root redirect, search, index.
SITE_PAGES = ("index", "search", "genindex")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = "Chromium is not installed: run `apt-get update && apt-get install -y chromium`"


# --- the table of contents ----------------------------------------------------------------


def _toc_entries(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        if "file" in node:
            found.append(str(node["file"]))
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []) or []:
                found.extend(_toc_entries(child))
    return found


def toc_docnames() -> list[str]:
    """Every document in _toc.yml, root first, without file extension."""
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    names = [str(toc["root"])] + _toc_entries(toc)
    return [str(Path(name).with_suffix("")) if Path(name).suffix else name for name in names]


def zh_docnames() -> list[str]:
    """The Chinese edition's pages, as docnames of the English site (``zh/intro``)."""
    return [f"zh/{name}" for name in toc_docnames()]


def player_docnames() -> list[str]:
    """The pages in the table of contents that must contain a static player."""
    return [name for name in toc_docnames() if name in PLAYER_PAGES]


# --- building ------------------------------------------------------------------------------


@dataclass
class BuiltBook:
    returncode: int
    log: str
    html: Path
    seconds: float  # the English edition's build
    zh_seconds: float = 0.0  # the Chinese edition's, built alongside (from the same start)

    def page(self, docname: str) -> Path:
        return self.html / f"{docname}.html"

    def warnings(self) -> list[str]:
        """Sphinx's warnings and errors ("WARNING: ...", "ERROR: ..."), nothing else."""
        return [line for line in self.log.splitlines() if re.search(r"\b(WARNING|ERROR):", line)]

    def failure_report(self) -> str:
        """The build's warnings, its tail and any notebook execution reports."""
        parts = ["\n".join(self.warnings()), self.log[-4000:]]
        for report in sorted((self.html / "reports").glob("**/*.log")):
            parts.append(f"--- {report.name}\n{report.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)


def jupyter_book_command() -> list[str]:
    beside = Path(sys.executable).with_name("jupyter-book")
    exe = str(beside) if beside.exists() else shutil.which("jupyter-book")
    if exe is None:
        pytest.fail("jupyter-book is not installed: run `make test` (it installs requirements)")
    return [exe]


def build_book(out_root: Path) -> BuiltBook:
    """Build the book from scratch into out_root/_build/html, sharing the jupyter-caches.

    As ``make book`` builds it: the notebooks the checkout's ``_build/.jupyter_cache`` lacks are
    executed first, one per core, drawing each figure and player in Chinese too, and keeping
    each figure's files for the figure archive (``scripts/execution_cache.py --run
    --figure-files 300``, as ``make figures`` does); then both editions at once, one per core: the
    English reading that cache, the Chinese (issue 16) into ``out_root/zh`` reading the
    checkout's ``_build/zh/.jupyter_cache``, made from the English one with the Chinese copies
    in place, then copied into ``html/zh``. Neither build executes a notebook; after a change
    to ``lib/tconv`` the cache is emptied (_ext/library_cache.py) and refilled once.
    """
    build_dir = out_root / "_build"
    build_dir.mkdir(parents=True, exist_ok=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    (build_dir / ".jupyter_cache").symlink_to(CACHE, target_is_directory=True)
    env = {**os.environ, "NO_COLOR": "1"}
    start = time.perf_counter()
    fill = subprocess.run([sys.executable, str(ROOT / "scripts" / "execution_cache.py"), "--run",
                           "--figure-files", str(FIGURE_DPI)],
                          cwd=ROOT, capture_output=True, text=True, env=env)
    fill_log = ("--- the notebooks, executed once for both editions (execution_cache.py --run)\n"
                + fill.stdout + fill.stderr)
    if fill.returncode:
        (out_root / "build.log").write_text(fill_log, encoding="utf-8")
        return BuiltBook(fill.returncode, fill_log, build_dir / "html",
                         time.perf_counter() - start)
    zh_log = out_root / "zh-build.log"
    zh_log.parent.mkdir(parents=True, exist_ok=True)
    with zh_log.open("w", encoding="utf-8") as zh_out:
        zh = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "i18n.py"), "build", "--no-copy",
             "--workdir", str(out_root / "zh")],
            cwd=ROOT, stdout=zh_out, stderr=subprocess.STDOUT, text=True, env=env,
        )
        command = jupyter_book_command() + [
            "build", str(ROOT), "--path-output", str(out_root), "-W", "-n", "--keep-going",
        ]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - start
        zh_status = zh.wait()
        zh_seconds = time.perf_counter() - start
    log = fill_log + "\n--- the English edition\n" + result.stdout + "\n" + result.stderr
    log += ("\n--- the Chinese edition (scripts/i18n.py build), built alongside\n"
            + zh_log.read_text(encoding="utf-8", errors="replace"))
    returncode = result.returncode or zh_status
    if zh_status == 0:
        site_zh = build_dir / "html" / "zh"
        if site_zh.exists():
            shutil.rmtree(site_zh)
        shutil.copytree(out_root / "zh" / "html", site_zh,
                        ignore=shutil.ignore_patterns(".buildinfo"))
    (out_root / "build.log").write_text(log, encoding="utf-8")
    return BuiltBook(returncode, log, build_dir / "html", seconds, zh_seconds)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory, worker_id) -> BuiltBook:
    """One build per test run; under pytest-xdist the first worker builds, the others wait."""
    if worker_id == "master":  # not under xdist
        return build_book(tmp_path_factory.mktemp("book"))
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, above each worker's
    out_root, record = shared / "book", shared / "book.json"
    with FileLock(str(shared / "book.lock")):
        if not record.exists():
            book = build_book(out_root)
            record.write_text(json.dumps({"returncode": book.returncode, "log": book.log,
                                          "seconds": book.seconds,
                                          "zh_seconds": book.zh_seconds}), encoding="utf-8")
        built = json.loads(record.read_text(encoding="utf-8"))
    return BuiltBook(built["returncode"], built["log"], out_root / "_build" / "html",
                     built["seconds"], built["zh_seconds"])


@pytest.fixture(scope="session")
def book_html(built_book) -> Path:
    """The HTML folder of a book that built cleanly (fails otherwise)."""
    if built_book.returncode != 0:
        pytest.fail("the book did not build cleanly:\n" + built_book.failure_report())
    return built_book.html


# --- serving -------------------------------------------------------------------------------


def serve_book_module():
    """scripts/serve_book.py, the server `make serve` and `make bench-web` use."""
    return load_script("serve_book")


@pytest.fixture(scope="session")
def book_server(book_html):
    """Base URL (http://127.0.0.1:PORT/) of the built book served from a background thread,
    as a static host with gzip serves it: from the .gz copies the build writes (none made on
    the fly, so a missing copy shows as an uncompressed response; the .br copies are smaller
    still, but the budgets hold with gzip)."""
    with serve_book_module().BackgroundServer(book_html, compress_missing=False,
                                              codings=("gzip",)) as url:
        yield url


# --- the browser ---------------------------------------------------------------------------


def chromium_path() -> str | None:
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    exe = chromium_path()
    if exe is None:
        pytest.skip(INSTALL_HINT)
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=exe, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@dataclass
class PageVisit:
    """One page opened in the browser, and what went wrong while it loaded."""

    docname: str
    url: str
    page: object  # playwright.sync_api.Page, still open during the test
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    document_bytes: int = 0
    transferred_bytes: int = 0

    def problems(self) -> list[str]:
        return (
            [f"console: {m}" for m in self.console]
            + [f"uncaught exception: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed_requests]
            + [f"HTTP error: {m}" for m in self.bad_responses]
            + [f"request leaving 127.0.0.1: {m}" for m in self.external_requests]
        )


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https") and parts.hostname == "127.0.0.1"


@pytest.fixture
def visit(browser, book_server):
    """Open a book page by docname, wait until it has settled, and record its problems."""
    contexts = []

    def open_page(docname: str, settle_ms: int = 300) -> PageVisit:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        url = book_server + f"{docname}.html"
        record = PageVisit(docname, url, page)

        def route(route_, request):
            if is_local(request.url):
                route_.continue_()
            else:
                record.external_requests.append(request.url)
                route_.abort()

        def on_console(message):
            if message.type in ("error", "warning"):
                record.console.append(f"[{message.type}] {message.text} {message.location}")

        responses = []

        def on_response(response):
            if response.status >= 400:
                record.bad_responses.append(f"{response.status} {response.url}")
            else:
                responses.append(response)

        context.route("**/*", route)
        page.on("console", on_console)
        page.on("pageerror", lambda error: record.page_errors.append(str(error)))
        page.on("requestfailed", lambda r: record.failed_requests.append(
            f"{r.url} ({r.failure})"))
        page.on("response", on_response)
        page.goto(url, wait_until="networkidle")
        page.wait_for_timeout(settle_ms)
        for response in responses:
            if 300 <= response.status < 400:
                continue
            try:
                size = len(response.body())
            except Exception:  # the page navigated away (e.g. the root's redirect)
                size = int(response.headers.get("content-length", 0))
            record.transferred_bytes += size
            if response.url == url:
                record.document_bytes = size
        return record

    yield open_page
    for context in contexts:
        context.close()
