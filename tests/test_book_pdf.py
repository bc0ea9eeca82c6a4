"""``make pdf``: both printed editions of the shared book build (scripts/print_book.py).

The editions are printed once per test run (one xdist worker, the ``pdf`` group) from the
book the browser tests share, and read back with pypdf: what a reader of the PDF gets.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from browser_support import chromium_path, toc_docnames
from bs4 import BeautifulSoup
from filelock import FileLock
from script_support import load_script

pytest_plugins = ["browser_support"]
pytestmark = pytest.mark.xdist_group("pdf")

PAGE_BUDGET = (100, 220)  # pages of one edition (about 150 today)
SIZE_BUDGET = 12_000_000  # bytes of one edition (about 5-6 MB today)
# What the players' and the toggles' controls say on screen (lib/tconv/show/player.py,
# myst-nb, sphinx-togglebutton): none of it belongs on paper.
CONTROL_TEXT = ("« First", "‹ Prev", "Next ›", "Last »", "Show code cell source",
                "Hide code cell source", "Click to show", "Click to hide")
RAW_TEX = ("\\(", "\\)", "\\[", "\\frac", "\\mathrm", "$$")


print_book = load_script("print_book")


def squeeze(text: str) -> str:
    """Text compared as a PDF gives it back: NFKC (ligatures), no whitespace, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


# --- printing, once per run ------------------------------------------------------------------


@pytest.fixture(scope="session")
def editions(book_html, tmp_path_factory, worker_id) -> dict[str, dict]:
    """Both editions printed from the shared build: {edition: {path, pages, size, ...}}."""
    if chromium_path() is None:
        pytest.skip("Chromium is not installed: run `apt-get update && apt-get install -y "
                    "chromium`")
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    out, record = shared / "pdf", shared / "pdf.json"
    with FileLock(str(shared / "pdf.lock")):
        if not record.exists():
            made = print_book.print_editions(book_html, out)
            record.write_text(json.dumps({m.edition: {
                "path": str(m.path), "pages": m.pages, "size": m.size, "seconds": m.seconds,
                "solutions": m.solutions, "headings": m.headings,
                "players": m.players} for m in made}))
    return json.loads(record.read_text())


@pytest.fixture(scope="session")
def readers(editions):
    from pypdf import PdfReader

    return {name: PdfReader(info["path"]) for name, info in editions.items()}


@pytest.fixture(scope="session")
def texts(readers) -> dict[str, list[str]]:
    """Each edition's text, page by page."""
    return {name: [page.extract_text() for page in reader.pages]
            for name, reader in readers.items()}


@pytest.fixture(scope="session")
def book_pages(book_html) -> dict[str, BeautifulSoup]:
    """The article of every page in the table of contents, parsed."""
    return {doc: BeautifulSoup((book_html / f"{doc}.html").read_text(encoding="utf-8"),
                               "html.parser").select_one("article.bd-article")
            for doc in toc_docnames()}


def title_of(article) -> str:
    h1 = copy.copy(article.find("h1"))
    for link in h1.select("a.headerlink"):
        link.decompose()
    return " ".join(h1.get_text(" ").split())


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("edition", print_book.EDITIONS)
def test_edition_is_printed_within_budget(editions, edition):
    info = editions[edition]
    assert PAGE_BUDGET[0] <= info["pages"] <= PAGE_BUDGET[1], info["pages"]
    assert info["size"] <= SIZE_BUDGET, info["size"]
    assert Path(info["path"]).name == print_book.pdf_name(edition, "en")


def test_the_instructor_edition_is_the_student_edition_plus_solutions(editions, book_pages):
    solutions = sum(len(a.select("div.solution")) for a in book_pages.values())
    assert solutions > 0
    assert editions["instructor"]["solutions"] == solutions
    assert editions["student"]["solutions"] == 0
    assert editions["instructor"]["pages"] > editions["student"]["pages"]


@pytest.mark.parametrize("edition", print_book.EDITIONS)
def test_cover_names_the_book_the_edition_and_the_licence(texts, book_pages, edition):
    cover = squeeze(texts[edition][0])
    assert squeeze(title_of(book_pages[toc_docnames()[0]])) in cover
    assert squeeze(print_book.STRINGS["en"][edition]) in cover
    assert squeeze("CC BY 4.0") in cover and "mit" in cover
    assert "version" in cover


@pytest.mark.parametrize("edition", print_book.EDITIONS)
def test_every_page_title_is_printed(texts, book_pages, edition):
    whole = squeeze("".join(texts[edition]))
    missing = [doc for doc, article in book_pages.items()
               if squeeze(title_of(article)) not in whole]
    assert missing == []


@pytest.mark.parametrize("edition", print_book.EDITIONS)
def test_no_controls_no_hidden_code_no_raw_tex(texts, edition):
    whole = "\n".join(texts[edition])
    flat = unicodedata.normalize("NFKC", whole)
    assert [t for t in CONTROL_TEXT if unicodedata.normalize("NFKC", t) in flat] == []
    assert [t for t in RAW_TEX if t in whole] == []
    # the players' frame counters ("3 / 6") are controls too
    assert not re.search(r"^\s*\d+ / \d+\s*$", whole, re.M)


def solution_fragments(book_pages) -> dict[str, list[str]]:
    """For each solution, the sentences and code lines found nowhere else in the book."""
    pages = {doc: copy.copy(article) for doc, article in book_pages.items()}
    solutions = {}
    for article in pages.values():
        for solution in article.select("div.solution"):
            solutions[solution["id"]] = solution.extract()
    elsewhere = squeeze("".join(article.get_text() for article in pages.values()))
    found = {}
    for key, solution in solutions.items():
        code = [line for pre in solution.select("pre") for line in pre.get_text().splitlines()]
        for junk in solution.select(".math, .admonition-title, div.highlight, pre, code"):
            junk.replace_with(" | ")  # math and code come out of a PDF differently: cut there
        prose = re.split(r"\||(?<=[.;:!?])\s", " ".join(solution.get_text().split()))
        found[key] = [text.strip() for text in prose + code
                      if len(text.strip()) >= 25 and squeeze(text) not in elsewhere]
    return found


def test_solutions_are_in_the_instructor_edition_only(texts, book_pages):
    student = squeeze("".join(texts["student"]))
    instructor = squeeze("".join(texts["instructor"]))
    fragments = solution_fragments(book_pages)
    assert fragments, "no solution in the book, so nothing is checked"
    assert [k for k, found in fragments.items() if not found] == [], (
        "solutions with no text of their own to look for")
    leaked = {k: [f for f in found if squeeze(f) in student] for k, found in fragments.items()}
    absent = {k: [f for f in found if squeeze(f) not in instructor]
              for k, found in fragments.items()}
    assert {k: v for k, v in leaked.items() if v} == {}
    assert {k: v for k, v in absent.items() if v} == {}
    assert squeeze("Solution to") not in student


def link_annotations(reader):
    for number, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link":
                yield number, annot


@pytest.mark.parametrize("edition", print_book.EDITIONS)
def test_every_internal_link_resolves_inside_the_pdf(readers, edition):
    reader = readers[edition]
    names = {str(name): dest for name, dest in reader.named_destinations.items()}
    internal, external, broken = 0, [], []
    for number, annot in link_annotations(reader):
        action = annot.get("/A")
        if action is not None and action.get("/S") == "/URI":
            external.append(str(action["/URI"]))
            continue
        dest = annot.get("/Dest") if action is None else action.get("/D")
        if dest is None:
            broken.append((number + 1, "no destination"))
            continue
        dest = dest.get_object() if hasattr(dest, "get_object") else dest
        if isinstance(dest, str):
            resolved = names.get(dest) or names.get("/" + dest.lstrip("/"))
            if resolved is None:
                broken.append((number + 1, dest))
                continue
            target = reader.get_destination_page_number(resolved)
        else:
            target = reader.get_page_number(dest[0].get_object())
        if not 0 <= target < len(reader.pages):
            broken.append((number + 1, str(dest)))
        internal += 1
    assert broken == []
    assert internal > 200  # the contents, cross-references, glossary terms, citations
    assert [u for u in external if not u.startswith(("https://", "http://", "mailto:"))] == []
    assert [u for u in external if re.match(r"https?://(127\.|localhost|site/)", u)] == []


def outline_entries(reader, entries=None, depth=0):
    for entry in reader.outline if entries is None else entries:
        if isinstance(entry, list):
            yield from outline_entries(reader, entry, depth + 1)
        else:
            yield depth, entry.title, reader.get_destination_page_number(entry) + 1


@pytest.mark.parametrize("edition", print_book.EDITIONS)
def test_outline_has_one_entry_per_page_of_the_book(readers, texts, book_pages, edition):
    entries = list(outline_entries(readers[edition]))
    titles = [title_of(article) for article in book_pages.values()]
    for title in titles:
        matches = [(depth, page) for depth, text, page in entries if text == title]
        assert len(matches) == 1, (title, matches)
        depth, page = matches[0]
        assert depth <= 1
        assert squeeze(title) in squeeze(texts[edition][page - 1]), (title, page)
    order = [text for depth, text, _ in entries if text in titles]
    assert order == titles
    assert any(depth == 2 for depth, _, _ in entries), "no section in the outline"


@pytest.mark.parametrize("edition", print_book.EDITIONS)
def test_contents_give_each_chapter_its_page(readers, texts, edition):
    entries = [(title, page) for depth, title, page in outline_entries(readers[edition])
               if re.match(r"\d+\. ", title)]
    assert len(entries) >= 8
    contents = "\n".join(texts[edition][1:6])
    for title, page in entries:
        number, name = title.split(". ", 1)
        line = rf"^{re.escape(number)}\s+{re.escape(name)}\s+{page}\s*$"
        assert re.search(line, contents, re.M), (title, page)


def test_steppers_print_every_frame_and_choosers_their_default(editions, texts):
    """The players are drawn in the browser: what they print is read from the document's DOM
    after they were laid out for print (print_book.PLAYERS_JS), then looked for in the PDF."""
    players = editions["student"]["players"]
    pages = [squeeze(t) for t in texts["student"]]
    whole = "".join(pages)
    steppers = [p for p in players if p["kind"] == "stepper"]
    choosers = [p for p in players if p["kind"] == "chooser"]
    assert steppers and choosers, [p["kind"] for p in players]
    for p in steppers:
        where = (p["doc"], p["title"])
        numbers = [int(c.split(".", 1)[0]) for c in p["printed"]]
        # every frame, or (a long stepper) its key frames from the first to the last
        assert len(numbers) == min(p["frames"], 12), (where, numbers, p["frames"])
        assert numbers == sorted(set(numbers)) and numbers[0] == 1, where
        assert numbers[-1] == p["frames"], where
        assert p["shown"] == [], where  # the on-screen frame is not printed besides
        captions = [squeeze(c) for c in p["printed"]]
        assert [c for c in captions if c not in whole] == [], where
        # no title left alone at the foot of a page: it shares a page with frame 1
        title = squeeze(p["title"])
        assert any(title in page and captions[0] in page for page in pages), where
    for p in choosers:
        assert p["printed"] == [] and len(p["shown"]) == 1, (p["doc"], p["title"])
        assert squeeze(p["shown"][0]) in whole, (p["doc"], p["title"])


def test_the_pages_link_the_downloads_only_once_they_exist(book_html, editions, tmp_path):
    """A site built without the PDFs links none; ``make pdf`` copies them in and links them."""
    docs = print_book.read_toc()
    marked = [d for d in docs
              if 'class="tcd-downloads"' in (book_html / f"{d.docname}.html").read_text()]
    assert {d.docname for d in marked} >= {"intro", "instructors"}
    site = tmp_path / "html"
    for doc in marked:
        text = (book_html / f"{doc.docname}.html").read_text(encoding="utf-8")
        assert not re.search(r'href="[^"]*downloads/', text), (
            f"{doc.docname} links downloads that may not exist")
        (site / doc.docname).parent.mkdir(parents=True, exist_ok=True)
        (site / f"{doc.docname}.html").write_text(text, encoding="utf-8")
    assert print_book.link_downloads(site, docs=marked) == 0
    folder = site / print_book.DOWNLOADS
    folder.mkdir()
    for info in editions.values():
        shutil.copy2(info["path"], folder)
    assert print_book.link_downloads(site, docs=marked) == 2 * len(marked)
    for doc in marked:
        page = site / f"{doc.docname}.html"
        hrefs = re.findall(r'href="([^"]*downloads/[^"]*)"', page.read_text(encoding="utf-8"))
        assert sorted(Path(h).name for h in hrefs) == sorted(
            print_book.pdf_name(e, "en") for e in print_book.EDITIONS)
        assert all((page.parent / h).resolve().is_file() for h in hrefs)
    # linking again replaces the list, it does not add a second one
    print_book.link_downloads(site, docs=marked)
    assert (site / "intro.html").read_text().count("downloads/") == 2


def test_the_document_is_one_file_with_pdf_metadata(readers):
    for edition, reader in readers.items():
        meta = reader.metadata
        assert "Transposed Convolution" in meta.title
        assert print_book.STRINGS["en"][edition] in meta.subject
        assert reader.trailer["/Root"].get("/Lang") == "en"
        assert reader.trailer["/Root"].get("/PageMode") == "/UseOutlines"


def test_a_chinese_edition_is_a_parameter_away():
    """``--lang zh``: its own words, ``lang`` for line breaking and fonts, its own files."""
    zh, en = print_book.STRINGS["zh"], print_book.STRINGS["en"]
    assert set(zh) == set(en) and set(zh["downloads"]) == set(en["downloads"])
    assert zh["html_lang"].startswith("zh")
    assert ":lang(zh)" in print_book.BOOK_CSS.read_text(encoding="utf-8")
    assert "Noto Sans CJK" in print_book.BOOK_CSS.read_text(encoding="utf-8")
    names = {print_book.pdf_name(e, lang) for e in print_book.EDITIONS for lang in ("en", "zh")}
    assert len(names) == 4
