"""Print the built HTML book as one PDF per edition (``make pdf``).

The route: the pages of the built book (``_build/html``), in ``_toc.yml`` order, become ONE
HTML document (a cover, the contents, then every page's article), which Debian's Chromium
prints with Playwright's ``page.pdf()``, offline. One document rather than merged fragments,
so Chromium itself makes

- continuous page numbers (the ``@page`` margin boxes of ``print_book.css``),
- links between pages that jump inside the PDF: every link to another page of the book is
  rewritten to an anchor of the one document (``#d-<page>--<id>``), links to pages that are
  not printed (search, index, sources) become plain text, links off the site stay external.

The whole document is printed once; its named destinations (the anchors the contents link
to) give the page of every part, page and section, which the contents then show: only the
contents pages are printed again, and :mod:`pypdf` puts their drawing on the first print's
pages (same layout, so every link and destination stays where it was). pypdf also adds the
outline (bookmarks: part, chapter, section) and the document's metadata.

Editions (``--edition``): ``student`` leaves every solution out of the document;
``instructor`` prints every solution open (not left to sphinx-togglebutton, whose script is
not loaded). Language (``--lang``): the cover's and contents' words, the document's ``lang``
(line breaking, CJK fonts: ``fonts-noto-cjk`` on Debian) and the HTML folder (the Chinese
edition is built under ``_build/html/zh``).

The printer waits for what the pages use: MathJax's ``startup.promise`` when MathJax is on
the page (math written as MathML at build time, ``_ext/mathml.py``, needs nothing), the web
fonts, every image (``loading="lazy"`` is dropped first) and every player, which the
players' module draws in the browser; then it fires ``beforeprint``, as a browser's Print
does and Chromium's PDF printing does not, so each stepper lays out its frames (or key frames)
with their captions (``lib/tconv/show/player.js``, print rules in ``player.css``). A request
that would leave the machine is refused and reported, as is an image that did not load, math
left as TeX, a player not drawn or a stepper not laid out for print.

Usage: ``python scripts/print_book.py [--html _build/html] [--out _build/pdf]
[--edition student --edition instructor] [--lang en] [--copy-to _build/html/downloads]``.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import functools
import html
import http.server
import io
import logging
import re
import shutil
import subprocess
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import yaml
from bs4 import BeautifulSoup, Tag

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
BOOK_CSS = HERE / "print_book.css"
EDITIONS = ("student", "instructor")
BASENAME = "tconv-demystified"
DOCUMENT_PATH = "/__print__/book.html"  # where the server hands out the combined document

# Words of the cover and contents, per language of the edition.
STRINGS = {
    "en": {
        "html_lang": "en",
        "contents": "Contents",
        "student": "Student edition",
        "instructor": "Instructor edition, with the solutions to every exercise",
        "version": "Version {version}, {date}",
        "printed_from": "Printed from the web edition of the book; its players are shown as "
                        "the sequence of their steps.",
        "downloads": {
            "student": "The student edition (PDF, {pages} pages, {mb} MB), without solutions",
            "instructor": "The instructor edition (PDF, {pages} pages, {mb} MB), with solutions",
            "figures": "Every figure as SVG and PNG, with captions and licence (zip, {mb} MB)",
        },
    },
    "zh": {
        "html_lang": "zh-CN",
        "contents": "目录",
        "student": "学生版",
        "instructor": "教师版（含全部练习答案）",
        "version": "版本 {version}，{date}",
        "printed_from": "由本书网页版打印；交互演示以逐步的画面呈现。",
        "downloads": {
            "student": "学生版（PDF，{pages} 页，{mb} MB），不含答案",
            "instructor": "教师版（PDF，{pages} 页，{mb} MB），含答案",
            "figures": "全部插图，SVG 与 PNG 格式，附图注与许可（zip，{mb} MB）",
        },
    },
}

# Scripts of the web page that drive its chrome (sidebars, search, copy and toggle buttons,
# the theme switch); the printed document has none of it. Every other script is kept
# (MathJax, the players' modules, ...). Inline scripts in <head> are kept only for MathJax.
UI_SCRIPTS = ("togglebutton", "copybutton", "clipboard", "sphinx-book-theme", "pydata-sphinx-theme",
              "bootstrap", "fontawesome", "searchtools", "searchindex", "language_data", "doctools",
              "sphinx_highlight", "design-tabs", "documentation_options",
              "translations")  # Sphinx's UI words of a translated build (needs doctools)

logging.getLogger("pypdf").setLevel(logging.ERROR)  # Chromium's PDFs make it chatty

# Elements an anchor <span> goes before rather than into.
NO_CHILD_ANCHOR = ("img", "input", "br", "hr", "table", "thead", "tbody", "tr", "ul", "ol", "dl")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# --- the table of contents -------------------------------------------------------------------


@dataclass
class Doc:
    docname: str
    part: str  # the caption of its part in _toc.yml ("" for the root)
    numbered: bool

    @property
    def anchor(self) -> str:
        return "d-" + self.docname.replace("/", "-")


def read_toc(toc_path: Path = ROOT / "_toc.yml") -> list[Doc]:
    """The book's documents in reading order, each with its part's caption."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))

    def stem(name: str) -> str:
        return str(Path(name).with_suffix("")) if Path(name).suffix else name

    docs = [Doc(stem(str(toc["root"])), "", False)]

    def walk(entries, part, numbered):
        for entry in entries or []:
            if "file" in entry:
                docs.append(Doc(stem(str(entry["file"])), part, numbered))
            walk(entry.get("sections"), part, numbered)

    for part in toc.get("parts", []):
        walk(part.get("chapters"), str(part.get("caption", "")), bool(part.get("numbered")))
    walk(toc.get("chapters"), "", False)
    return docs


# --- one document from the pages -------------------------------------------------------------


def _local_path(url: str) -> str | None:
    """The site path ("chapters/x.html") of a resolved same-site URL, or None if external."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.netloc != "site":
        return None
    return unquote(parts.path.lstrip("/"))


@dataclass
class Combined:
    """The one HTML document, and what the PDF's contents and outline are made from."""

    html: str
    title: str = ""
    # (level, title, anchor): level 0 part, 1 document, 2 section
    headings: list[tuple[int, str, str]] = field(default_factory=list)
    solutions: int = 0


def _text(tag: Tag) -> str:
    tag = copy.copy(tag)
    for junk in tag.select("a.headerlink"):
        junk.decompose()
    return " ".join(tag.get_text(" ").split())


def _strip_number(title: str) -> tuple[str, str]:
    """'3.2. One placement' -> ('3.2', 'One placement'); no number -> ('', title)."""
    m = re.match(r"^(\d+(?:\.\d+)*)\.\s+(.*)$", title)
    return (m.group(1), m.group(2)) if m else ("", title)


def combine(html_dir: Path, docs: list[Doc], *, edition: str, lang: str, version: str,
            date: str) -> Combined:
    """The pages of ``docs`` (read from ``html_dir``) as one document for ``edition``."""
    words = STRINGS[lang]
    by_path = {f"{d.docname}.html": d for d in docs}
    soups = {d.docname: BeautifulSoup((html_dir / f"{d.docname}.html").read_text(encoding="utf-8"),
                                      "html.parser") for d in docs}
    root = soups[docs[0].docname]
    title = _text(root.select_one("article.bd-article h1"))
    licence = root.select_one(".tcd-licence")
    docs = with_built_part_captions(docs, root)

    # <head>: every stylesheet, style and script of the pages, once, in order, with absolute
    # paths from the site root (the document is served from the same server).
    head_items: list[str] = []
    seen: set[str] = set()
    for d in docs:
        base = f"http://site/{d.docname}.html"
        for el in soups[d.docname].head.find_all(["link", "style", "script"]):
            el = copy.copy(el)
            if el.name == "link":
                if "stylesheet" not in (el.get("rel") or []):
                    continue
                el["href"] = "/" + (_local_path(urljoin(base, el["href"])) or "")
                key = el["href"]
            elif el.name == "script" and el.get("src"):
                src = el["src"]
                if any(name in src for name in UI_SCRIPTS):
                    continue
                el["src"] = "/" + (_local_path(urljoin(base, src)) or "")
                key = el["src"]
            elif el.name == "script":
                if "MathJax" not in (el.string or ""):
                    continue
                key = el.string
            else:
                key = el.string or ""
            if key not in seen:
                seen.add(key)
                head_items.append(str(el))
    head_items.append(f"<style>{BOOK_CSS.read_text(encoding='utf-8')}</style>")

    # Pass 1 over the articles: every link's target, resolved to (docname, fragment).
    articles = {}
    wanted: dict[str, set[str]] = {d.docname: set() for d in docs}
    for d in docs:
        article = soups[d.docname].select_one("article.bd-article")
        if article is None:
            raise SystemExit(f"{d.docname}.html has no <article class='bd-article'>")
        if edition == "student":
            for solution in article.select("div.solution"):
                solution.decompose()
        articles[d.docname] = article
        base = f"http://site/{d.docname}.html"
        for a in article.find_all("a", href=True):
            path = _local_path(urljoin(base, a["href"]))
            if path is None:
                continue
            fragment = urlsplit(urljoin(base, a["href"])).fragment
            target = by_path.get(path.split("#")[0])
            if target is not None and fragment:
                wanted[target.docname].add(unquote(fragment))

    # Anchors: every section's, and every id a link points at, under the page's prefix.
    made: set[str] = set()
    for d in docs:
        for el in articles[d.docname].find_all(id=True):
            if el["id"] in wanted[d.docname] or el.name == "section":
                anchor_id = f"{d.anchor}--{el['id']}"
                if anchor_id in made:
                    continue
                made.add(anchor_id)
                anchor = soups[d.docname].new_tag("span", attrs={"class": "tcd-anchor",
                                                                 "id": anchor_id})
                if el.name in NO_CHILD_ANCHOR:
                    el.insert_before(anchor)
                else:
                    el.insert(0, anchor)

    combined = Combined("", title)
    body: list[str] = [
        _cover(title, licence, words, edition, version, date),
        '<nav class="tcd-contents" id="tcd-contents" aria-labelledby="tcd-contents-title">'
        f'<h1 id="tcd-contents-title">{html.escape(words["contents"])}</h1>'
        '<div class="tcd-toc-list"><!--CONTENTS--></div></nav>',
    ]
    previous_part = None
    for d in docs:
        article = articles[d.docname]
        base = f"http://site/{d.docname}.html"
        combined.solutions += len(article.select("div.solution"))
        for junk in article.select("a.headerlink"):
            junk.decompose()
        for a in article.find_all("a", href=True):
            resolved = urljoin(base, a["href"])
            path = _local_path(resolved)
            if path is None:  # off the site: stays as it is
                continue
            fragment = unquote(urlsplit(resolved).fragment)
            target = by_path.get(path.split("#")[0])
            anchor_id = f"{target.anchor}--{fragment}" if target and fragment else None
            if target is None or (anchor_id is not None and anchor_id not in made):
                a.unwrap()  # a page or file that is not printed, or a solution left out
                continue
            a["href"] = "#" + (anchor_id or target.anchor)
        for el in article.find_all(src=True):
            el["src"] = _site_url(base, el["src"])
            if el.get("loading") == "lazy":
                del el["loading"]
        for el in article.find_all(srcset=True):
            el["srcset"] = ", ".join(
                " ".join([_site_url(base, part.split()[0]), *part.split()[1:]])
                for part in el["srcset"].split(","))

        h1 = article.find("h1")
        if d.part != previous_part and d.part:
            combined.headings.append((0, d.part, f"{d.anchor}-part"))
            body.append(f'<div class="tcd-part" id="{d.anchor}-part">'
                        f'<p class="tcd-part-title">{html.escape(d.part)}</p></div>')
        previous_part = d.part
        combined.headings.append((1, _text(h1) if h1 else d.docname, d.anchor))
        for top in article.find_all("section", recursive=False):
            for section in top.find_all("section", recursive=False):
                h2 = section.find("h2", recursive=False)
                if h2 is not None and section.get("id"):
                    combined.headings.append((2, _text(h2), f"{d.anchor}--{section['id']}"))
        classes = "tcd-doc tcd-numbered" if d.numbered else "tcd-doc"
        body.append(f'<section class="{classes}" id="{d.anchor}" data-docname="{d.docname}">'
                    f"{article.decode_contents()}</section>")

    # The contents as the first print sees them: every line in place, page numbers unknown.
    body[1] = body[1].replace("<!--CONTENTS-->", contents_html(combined.headings, {}))
    html_lang = words["html_lang"]
    combined.html = (
        f'<!DOCTYPE html><html lang="{html_lang}" data-theme="light" data-mode="light" '
        f'class="tcd-print tcd-{edition}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>{''.join(head_items)}</head>"
        f'<body data-default-mode="light"><div class="bd-content"><article class="bd-article">'
        f"{''.join(body)}</article></div></body></html>")
    return combined


def with_built_part_captions(docs: list[Doc], root: BeautifulSoup) -> list[Doc]:
    """``docs`` with their parts named as the built site's navigation names them (a
    translated build translates ``_toc.yml``'s captions); unchanged when the navigation does
    not list the same number of parts."""
    nav = root.select_one("nav.bd-docs-nav")
    built = [_text(c) for c in nav.select("p.caption .caption-text")] if nav else []
    parts = list(dict.fromkeys(d.part for d in docs if d.part))
    if len(built) != len(parts):
        return docs
    names = dict(zip(parts, built, strict=True))
    return [Doc(d.docname, names.get(d.part, d.part), d.numbered) for d in docs]


def _site_url(base: str, url: str) -> str:
    path = _local_path(urljoin(base, url))
    return url if path is None else "/" + path


def _cover(title: str, licence: Tag | None, words: dict, edition: str, version: str,
           date: str) -> str:
    licence_html = licence.decode_contents() if licence is not None else ""
    stamp = words["version"].format(version=version, date=date)
    return (
        '<div class="tcd-cover">'
        f'<p class="tcd-cover-title">{html.escape(title)}</p>'
        f'<p class="tcd-cover-edition">{html.escape(words[edition])}</p>'
        f'<p class="tcd-cover-version">{html.escape(stamp)}</p>'
        f'<div class="tcd-cover-licence">{licence_html}</div>'
        f'<p class="tcd-cover-note">{html.escape(words["printed_from"])}</p>'
        "</div>")


def contents_html(headings: list[tuple[int, str, str]], pages: dict[str, int]) -> str:
    """The contents list: parts, pages and their sections, linked, with their page numbers."""
    rows = []
    for level, title, anchor in headings:
        number = pages.get(anchor)
        shown = "" if number is None else str(number)
        num, text = _strip_number(title)
        label = html.escape(text)
        if num:
            label = f'<span class="tcd-num">{html.escape(num)}</span> {label}'
        rows.append(f'<li class="tcd-toc-{level}"><a href="#{anchor}"><span class="tcd-toc-title">'
                    f'{label}</span><span class="tcd-toc-page">{shown}</span></a></li>')
    return '<ol class="tcd-toc">' + "".join(rows) + "</ol>"


# --- printing --------------------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    document = b""

    def do_GET(self):  # noqa: N802 - the stdlib's name
        if self.path.split("?")[0] == DOCUMENT_PATH:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(self.document)))
            self.end_headers()
            self.wfile.write(self.document)
        else:
            super().do_GET()

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


@dataclass
class Printed:
    pdf: bytes  # the whole document, as first printed (the contents without page numbers)
    contents_pdf: bytes  # the contents pages again, numbered
    contents_pages: tuple[int, int]  # their first and last page (1-based)
    pages: dict[str, int]  # anchor -> 1-based page number
    problems: list[str]
    seconds: float
    players: list[dict] = field(default_factory=list)  # PLAYERS_JS: what each player prints


WAIT_JS = """async () => {
  const problems = [];
  const wait = ms => new Promise(done => setTimeout(done, ms));
  for (const img of document.images) { img.loading = 'eager'; }
  await Promise.all([...document.images].map(img => img.complete ? null : new Promise(done => {
    img.addEventListener('load', done); img.addEventListener('error', done); })));
  for (const img of document.images) {
    if (!img.naturalWidth) problems.push('image did not load: ' + img.src.slice(0, 120));
  }
  if (document.querySelector('script[src*="mathjax" i]')) {
    const ready = () => window.MathJax && MathJax.startup && MathJax.startup.promise;
    for (let i = 0; i < 1200 && !ready(); i++) await wait(50);
    if (!ready()) problems.push('MathJax did not start');
    else await MathJax.startup.promise;
    const raw = [...document.querySelectorAll('.math')].filter(
        el => !el.querySelector('mjx-container') && !el.closest('mjx-container'));
    if (raw.length) problems.push(raw.length + ' math elements were not typeset, e.g. '
                                  + raw[0].textContent.slice(0, 60));
  } else {
    // math written at build time: every formula is MathML (_ext/mathml.py)
    const raw = [...document.querySelectorAll('.math')].filter(el => !el.querySelector('math'));
    if (raw.length) problems.push(raw.length + ' math elements are not MathML, e.g. '
                                  + raw[0].textContent.slice(0, 60));
  }
  // The players are drawn in the browser (lib/tconv/show/player.js): wait until each is, then
  // fire beforeprint as a browser's Print does (Chromium's PDF printing does not), so every
  // stepper lays out its frames, or key frames, with their captions.
  const widgets = [...document.querySelectorAll('.tconv-widget[data-tconv-module]')];
  const drawn = w => w.querySelector('.tconv-player, .tconv-pair, .tconv-error');
  for (let i = 0; i < 1200 && !widgets.every(drawn); i++) await wait(50);
  const blank = widgets.filter(w => !drawn(w));
  if (blank.length) problems.push(blank.length + ' players were not drawn (see script errors)');
  window.dispatchEvent(new Event('beforeprint'));
  const bare = [...document.querySelectorAll('.tconv-seq')].filter(
      p => !p.querySelector(':scope > .tconv-paper > .tconv-pframe'));
  if (bare.length) problems.push(bare.length + ' steppers were not laid out for print, e.g. '
                                 + bare[0].getAttribute('aria-label'));
  await document.fonts.ready;
  return problems;
}"""

# What each player of the document prints, read from the DOM after the players were laid out
# for print: the page it is on, its title, how many frames it has, what it prints.
PLAYERS_JS = """() => [...document.querySelectorAll('.tconv-player')].map(p => ({
  doc: p.closest('section.tcd-doc').getAttribute('data-docname'),
  kind: p.classList.contains('tconv-seq') ? 'stepper'
      : p.classList.contains('tconv-choose') ? 'chooser' : 'other',
  title: p.querySelector('.tconv-title').textContent,
  frames: +p.getAttribute('data-frames'),
  printed: [...p.querySelectorAll(':scope > .tconv-paper > .tconv-pframe > figcaption')]
      .map(c => c.textContent),
  shown: [...p.querySelectorAll(':scope > .tconv-frames > .tconv-frame')]
      .filter(f => f.checkVisibility()).map(f => f.getAttribute('data-caption')),
}))"""


class Printer:
    """Chromium (via Playwright) and a local server for ``html_dir``: prints documents.

    Every request must stay on the local server; the others are refused and reported.
    """

    def __init__(self, html_dir: Path, *, paper: str = "A4"):
        self.html_dir, self.paper = html_dir, paper

    def __enter__(self) -> Printer:
        from playwright.sync_api import sync_playwright

        exe = shutil.which("chromium")
        if exe is None:
            raise SystemExit("Chromium is not installed: run `apt-get update && apt-get install "
                             "-y chromium` (Debian), then `make pdf` again.")
        self.handler = type("Handler", (_Handler,), {"document": b""})
        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(self.handler, directory=str(self.html_dir)))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS,
                                                        headless=True)
        return self

    def __exit__(self, *exc) -> None:
        self.browser.close()
        self._playwright.stop()
        self.server.shutdown()
        self.server.server_close()

    def print(self, combined: Combined) -> Printed:
        """Print the document: the whole, then the contents again with the page numbers the
        first print gave (same layout, so nothing moves)."""
        start = time.perf_counter()
        problems: list[str] = []
        self.handler.document = combined.html.replace(
            "</head>", f"<style>@page {{ size: {self.paper}; }}</style></head>", 1).encode()
        context = self.browser.new_context(color_scheme="light")
        origin = self.origin

        def route(route_, request):
            if request.url.startswith((origin + "/", "data:", "blob:")):
                route_.continue_()
            else:
                problems.append(f"refused a request off the machine: {request.url}")
                route_.abort()

        try:
            context.route("**/*", route)
            page = context.new_page()
            page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
            page.on("response", lambda r: r.status >= 400 and problems.append(
                f"HTTP {r.status}: {r.url}"))
            page.emulate_media(media="print")
            page.goto(origin + DOCUMENT_PATH, wait_until="load", timeout=300_000)
            problems.extend(page.evaluate(WAIT_JS))
            players = page.evaluate(PLAYERS_JS)
            options = dict(print_background=True, prefer_css_page_size=True)
            whole = page.pdf(**options)
            pages = destination_pages(whole)
            first = pages.get("tcd-contents-title", 2)
            last = min((pages[a] for _, _, a in combined.headings if a in pages),
                       default=first + 1) - 1
            page.evaluate("html => { document.querySelector('.tcd-toc-list').innerHTML = html; }",
                          contents_html(combined.headings, pages))
            contents = page.pdf(**options, page_ranges=f"{first}-{last}")
        finally:
            context.close()
        return Printed(whole, contents, (first, last), pages, problems,
                       time.perf_counter() - start, players)


def destination_pages(pdf: bytes) -> dict[str, int]:
    """The PDF's named destinations (the anchors links point at) -> 1-based page numbers."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    found = {}
    for name, dest in reader.named_destinations.items():
        try:
            found[str(name).lstrip("/")] = reader.get_destination_page_number(dest) + 1
        except Exception:  # noqa: BLE001 - a destination pointing nowhere is simply not listed
            continue
    return found


# --- the PDF: outline and metadata ------------------------------------------------------------


def finish(printed: Printed, combined: Combined, *, title: str, edition: str,
           words: dict) -> bytes:
    """The printed PDF with an outline (part > chapter > section) and its metadata."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit, NameObject, TextStringObject

    reader = PdfReader(io.BytesIO(printed.pdf))
    writer = PdfWriter(clone_from=reader)
    dests = {str(name).lstrip("/"): dest for name, dest in reader.named_destinations.items()}

    # The contents pages with their numbers: the second print's drawing on the first print's
    # pages (same layout, so the links and destinations already there stay right).
    numbered = PdfReader(io.BytesIO(printed.contents_pdf))
    first, last = printed.contents_pages
    if len(numbered.pages) != last - first + 1:
        raise SystemExit(f"the contents were printed on {len(numbered.pages)} pages, "
                         f"expected {last - first + 1}")
    count = len(writer.pages)
    for k, page in enumerate(numbered.pages):
        added = writer.add_page(page)
        target = writer.pages[first - 1 + k]
        target[NameObject("/Contents")] = added.raw_get("/Contents")
        target[NameObject("/Resources")] = added.raw_get("/Resources")
    while len(writer.pages) > count:
        writer.remove_page(len(writer.pages) - 1)

    def fit(anchor: str):
        dest = dests.get(anchor)
        top = getattr(dest, "top", None) if dest is not None else None
        return Fit.xyz(left=0, top=float(top)) if top is not None else Fit.fit()

    writer.add_outline_item(title=words["contents"], page_number=first - 1)
    part_item = doc_item = None
    for level, heading, anchor in combined.headings:
        page = printed.pages.get(anchor)
        if page is None:
            raise SystemExit(f"the PDF has no destination for {anchor!r} ({heading})")
        if level == 0:
            part_item = writer.add_outline_item(title=heading, page_number=page - 1,
                                                 fit=fit(anchor))
            doc_item = None
        elif level == 1:
            # The root document (before any part) and unparted pages stay at the top level.
            parent = part_item if _in_part(combined, anchor) else None
            doc_item = writer.add_outline_item(title=heading, page_number=page - 1,
                                                parent=parent, fit=fit(anchor))
        else:
            writer.add_outline_item(title=heading, page_number=page - 1, parent=doc_item,
                                    fit=fit(anchor))
    unify_radicals(writer)
    writer.page_mode = "/UseOutlines"
    writer.add_metadata({"/Title": f"{title} ({words[edition]})", "/Subject": words[edition],
                         "/Creator": "scripts/print_book.py (Chromium, pypdf)"})
    writer._root_object[NameObject("/Lang")] = TextStringObject(words["html_lang"])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.cache
def radical_ideographs() -> dict[int, int]:
    """CJK radicals (U+2E80-U+2FDF) -> the ideograph drawn with the same glyph (and the
    figure dash -> the en dash, when the font draws both alike).

    A CJK font draws a radical and its ideograph (⻚ and 页, ⽣ and 生) with one glyph, and
    Chromium's PDF maps such a glyph back to the lower code point, the radical: the text a
    reader copies or searches would then not be 页 but ⻚. The table comes from the CJK font
    that prints Chinese here (fontconfig's choice for zh-CN; the Kangxi radicals' compatibility
    decompositions without one).
    """
    table = {cp: ord(unicodedata.normalize("NFKC", chr(cp))) for cp in range(0x2F00, 0x2FD6)}
    try:
        from fontTools.ttLib import TTFont

        found = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", "sans-serif:lang=zh-cn"],
                               capture_output=True, text=True, check=True).stdout.split("\n")
        font = TTFont(found[0], fontNumber=int(found[1] or 0), lazy=True)
        cmap = font.getBestCmap()
    except (ImportError, OSError, ValueError, IndexError, subprocess.CalledProcessError):
        return table
    by_glyph: dict[str, list[int]] = {}
    for cp, glyph in cmap.items():
        if 0x3400 <= cp <= 0x9FFF or 0x20000 <= cp <= 0x3FFFF:
            by_glyph.setdefault(glyph, []).append(cp)
    for cp in range(0x2E80, 0x2FE0):
        ideographs = by_glyph.get(cmap.get(cp), [])
        if len(ideographs) == 1:
            table[cp] = ideographs[0]
    if cmap.get(0x2012) is not None and cmap.get(0x2012) == cmap.get(0x2013):
        table[0x2012] = 0x2013  # the same glyph: the text's en dash (0–1), not a figure dash
    return table


_BFCHAR = re.compile(r"(beginbfchar)(.*?)(endbfchar)", re.S)
_BFRANGE = re.compile(r"(beginbfrange)(.*?)(endbfrange)", re.S)


def unify_radicals(writer) -> int:
    """Rewrite the fonts' ToUnicode maps so glyphs shared by a radical and an ideograph give
    the ideograph (see :func:`radical_ideographs`). Returns the number of entries changed."""
    from pypdf.generic import NameObject

    changed = 0

    def code(hex_code: str) -> str:
        nonlocal changed
        table = radical_ideographs()
        value = int(hex_code, 16) if len(hex_code) == 4 else None
        if value in table:
            changed += 1
            return f"{table[value]:04X}"
        return hex_code

    def bfchar(m):
        body = re.sub(r"(<[0-9A-Fa-f]+>\s*)<([0-9A-Fa-f]+)>",
                      lambda e: f"{e.group(1)}<{code(e.group(2))}>", m.group(2))
        return m.group(1) + body + m.group(3)

    def bfrange(m):
        def entry(e):
            lo, hi, dst = int(e.group(1), 16), int(e.group(2), 16), e.group(3)
            table = radical_ideographs()
            if len(dst) != 4 or not any(int(dst, 16) + k in table for k in range(hi - lo + 1)):
                return e.group(0)
            codes = " ".join(f"<{code(f'{int(dst, 16) + k:04X}')}>" for k in range(hi - lo + 1))
            return f"<{e.group(1)}> <{e.group(2)}> [{codes}]"

        body = re.sub(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", entry, m.group(2))
        return m.group(1) + body + m.group(3)

    seen: set[int] = set()
    for page in writer.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            unicode_map = font.get("/ToUnicode")
            if unicode_map is None or id(unicode_map.get_object()) in seen:
                continue
            stream = unicode_map.get_object()
            seen.add(id(stream))
            text = stream.get_data().decode("latin-1")
            if not re.search(r"<(2[EFef][0-9A-Fa-f]{2}|2012)>|beginbfrange", text):
                continue  # nothing to rewrite (most fonts; every font of an English edition)
            fixed = _BFRANGE.sub(bfrange, _BFCHAR.sub(bfchar, text))
            if fixed != text:
                stream.set_data(fixed.encode("latin-1"))
                font[NameObject("/ToUnicode")] = unicode_map
    return changed


def _in_part(combined: Combined, anchor: str) -> bool:
    """True when the document at ``anchor`` comes after a part heading (it belongs to one)."""
    for level, _, a in combined.headings:
        if level == 0:
            return True
        if a == anchor:
            return False
    return False


# --- the web book links what was made ------------------------------------------------------

DOWNLOADS = "downloads"  # the site folder the PDFs and the figure archive are copied into
MARKER = re.compile(r'(<div class="tcd-downloads"[^>]*>)(.*?)(</div>)', re.S)


def download_names(lang: str = "en") -> dict[str, str]:
    """The files ``make pdf`` and ``make figures`` copy into the site's downloads folder."""
    suffix = "" if lang == "en" else f"-{lang}"
    return {"student": pdf_name("student", lang), "instructor": pdf_name("instructor", lang),
            "figures": f"{BASENAME}-figures{suffix}.zip"}


def link_downloads(html_dir: Path, lang: str = "en", docs: list[Doc] | None = None) -> int:
    """Fill each ``<div class="tcd-downloads">`` of the built pages with links to the files
    of ``html_dir/downloads`` that exist (none: the div stays empty, so a site built without
    them links nothing missing). Returns the number of links written."""
    from pypdf import PdfReader

    folder = html_dir / DOWNLOADS
    items = []
    for key, name in download_names(lang).items():
        path = folder / name
        if not path.is_file():
            continue
        pages = len(PdfReader(path).pages) if path.suffix == ".pdf" else 0
        label = STRINGS[lang]["downloads"][key].format(pages=pages,
                                                       mb=f"{path.stat().st_size / 1e6:.1f}")
        items.append((name, label))
    written = 0
    for doc in docs or read_toc():
        page = html_dir / f"{doc.docname}.html"
        if not page.is_file():
            continue
        text = page.read_text(encoding="utf-8")
        if not MARKER.search(text):
            continue
        prefix = "../" * doc.docname.count("/")
        links = "".join(f'<li><a href="{prefix}{DOWNLOADS}/{name}">{html.escape(label)}</a></li>'
                        for name, label in items)
        filled = f'<ul class="simple">{links}</ul>' if items else ""
        new = MARKER.sub(lambda m, filled=filled: m.group(1) + filled + m.group(3), text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            refresh_compressed_copies(page)
        written += len(items)
    return written


def refresh_compressed_copies(page: Path) -> None:
    """Write again the ``.gz``/``.br`` copies the build made of ``page`` (_ext/precompress.py),
    so a static host serving them (``make serve``) serves the page as it is now."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tcd_precompress",
                                                  ROOT / "_ext" / "precompress.py")
    precompress = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(precompress)
    data = page.read_bytes()
    for suffix, compress in precompress.compressors():
        copy_path = page.with_name(page.name + suffix)
        if copy_path.exists():
            copy_path.write_bytes(compress(data))


# --- the command -----------------------------------------------------------------------------


def version_and_date(root: Path = ROOT) -> tuple[str, str]:
    """The checkout's ``git describe`` and its commit date, or ("unversioned", today)."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        return git("describe", "--tags", "--always", "--dirty"), git("log", "-1", "--format=%cs")
    except (OSError, subprocess.CalledProcessError):
        return "unversioned", dt.date.today().isoformat()


def pdf_name(edition: str, lang: str) -> str:
    return f"{BASENAME}-{edition}{'' if lang == 'en' else '-' + lang}.pdf"


@dataclass
class Edition:
    edition: str
    path: Path
    pages: int
    size: int
    seconds: float
    solutions: int
    headings: list[tuple[int, str, str]]
    players: list[dict] = field(default_factory=list)  # what each player prints (PLAYERS_JS)


def print_editions(html_dir: Path, out_dir: Path, editions=EDITIONS, *, lang: str = "en",
                   paper: str = "A4") -> list[Edition]:
    """Print ``editions`` of the book built in ``html_dir`` into ``out_dir`` (one browser)."""
    for edition in editions:
        if edition not in EDITIONS:
            raise SystemExit(f"edition must be one of {', '.join(EDITIONS)}, got {edition!r}")
    if lang not in STRINGS:
        raise SystemExit(f"lang must be one of {', '.join(STRINGS)}, got {lang!r}")
    docs = read_toc()
    missing = [d.docname for d in docs if not (html_dir / f"{d.docname}.html").is_file()]
    if missing:
        raise SystemExit(f"{html_dir} lacks {', '.join(missing)}: build the book first "
                         "(`make book`)")
    version, date = version_and_date()
    words = STRINGS[lang]
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    with Printer(html_dir, paper=paper) as printer:
        for edition in editions:
            start = time.perf_counter()
            combined = combine(html_dir, docs, edition=edition, lang=lang, version=version,
                               date=date)
            printed = printer.print(combined)
            if printed.problems:
                raise SystemExit(f"printing the {edition} edition failed:\n  "
                                 + "\n  ".join(printed.problems))
            pdf = finish(printed, combined, title=combined.title, edition=edition, words=words)
            path = out_dir / pdf_name(edition, lang)
            path.write_bytes(pdf)
            from pypdf import PdfReader

            pages = len(PdfReader(io.BytesIO(pdf)).pages)
            made.append(Edition(edition, path, pages, len(pdf), time.perf_counter() - start,
                                combined.solutions, combined.headings, printed.players))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html",
                        help="the built HTML book (default: _build/html)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf",
                        help="where the PDFs go (default: _build/pdf)")
    parser.add_argument("--edition", action="append", choices=EDITIONS,
                        help="student and/or instructor (default: both)")
    parser.add_argument("--lang", default="en", choices=sorted(STRINGS),
                        help="the edition's language (default: en)")
    parser.add_argument("--paper", default="A4", help="A4 (default) or Letter")
    parser.add_argument("--copy-to", type=Path, default=None,
                        help="also copy the PDFs here (e.g. _build/html/downloads)")
    parser.add_argument("--link-only", action="store_true",
                        help="print nothing: link the files already in <html>/downloads from "
                             "the pages (make book: a page written again lists none)")
    args = parser.parse_args(argv)
    if args.link_only:
        if (args.html / DOWNLOADS).is_dir():
            print(f"{args.html}: {link_downloads(args.html, args.lang)} download links")
        return 0
    for made in print_editions(args.html, args.out, args.edition or EDITIONS, lang=args.lang,
                               paper=args.paper):
        print(f"{made.path}: {made.pages} pages, {made.size / 1e6:.1f} MB, "
              f"{made.solutions} solutions, {made.seconds:.1f} s")
        if args.copy_to is not None:
            args.copy_to.mkdir(parents=True, exist_ok=True)
            shutil.copy2(made.path, args.copy_to / made.path.name)
    if args.copy_to is not None and args.copy_to.resolve() == (args.html / DOWNLOADS).resolve():
        link_downloads(args.html, args.lang)
    return 0


if __name__ == "__main__":
    sys.exit(main())
