"""``make pdf``: both printed editions of the shared book build (scripts/print_book.py), in
English and in Chinese (issue 16; the shared build makes both languages).

The editions are printed once per test run and language (one xdist worker, the ``pdf``
group) from the book the browser tests share, and read back with pypdf: what a reader of the
PDF gets. Most tests run once per language (the session fixture ``lang``).
"""

from __future__ import annotations

import copy
import gzip
import json
import re
import shutil
import unicodedata
from collections import Counter
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
LANGS = ("en", "zh")
# Han ideographs (and their compatibility forms), CJK punctuation, full-width forms: what
# needs a CJK font. Kangxi radicals: what Chromium's PDFs map some ideographs' glyphs back to.
CJK = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                 "\uff00-\uffef]")
# Fonts with Chinese glyphs, as the PDF names them (FontName of the embedded font).
CJK_FONTS = re.compile(r"CJK|SourceHan|WenQuanYi|WQY|MicroHei|ZenHei|DroidSansFallback|SimSun|"
                       r"SimHei|PingFang", re.I)


print_book = load_script("print_book")


def squeeze(text: str) -> str:
    """Text compared as a PDF gives it back: NFKC (ligatures), no whitespace, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


# --- printing, once per run and language ---------------------------------------------------


@pytest.fixture(scope="session", params=LANGS)
def lang(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def site_html(book_html, lang) -> Path:
    """The HTML of the edition in ``lang``: the site, or its Chinese edition under zh/."""
    html = book_html if lang == "en" else book_html / lang
    if not (html / f"{toc_docnames()[0]}.html").is_file():
        pytest.fail(f"the shared build has no {lang} edition in {html}")
    return html


@pytest.fixture(scope="session")
def editions(site_html, lang, tmp_path_factory, worker_id) -> dict[str, dict]:
    """Both editions in ``lang`` printed from the shared build: {edition: {path, pages, ...}}."""
    if chromium_path() is None:
        pytest.skip("Chromium is not installed: run `apt-get update && apt-get install -y "
                    "chromium`")
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    out, record = shared / "pdf", shared / f"pdf-{lang}.json"
    with FileLock(str(shared / f"pdf-{lang}.lock")):
        if not record.exists():
            made = print_book.print_editions(site_html, out, lang=lang)
            record.write_text(json.dumps({m.edition: {
                "path": str(m.path), "pages": m.pages, "size": m.size, "seconds": m.seconds,
                "solutions": m.solutions, "headings": m.headings,
                "players": m.players} for m in made}))
    return json.loads(record.read_text())


@pytest.fixture(scope="session")
def readers(editions):
    from pypdf import PdfReader

    return {name: PdfReader(info["path"]) for name, info in editions.items()}


def font_name(font) -> str:
    """The embedded font's name without its subset tag ("AAAAAA+"); a Type 3 font (Chromium
    embeds CFF-based fonts such as Noto Sans CJK that way) is named by its descriptor."""
    descriptor = font.get("/FontDescriptor")
    name = descriptor.get_object().get("/FontName") if descriptor is not None else None
    return re.sub(r"^/?[A-Z]{6}\+", "", str(name or font.get("/BaseFont") or "?"))


@pytest.fixture(scope="session")
def extracted(readers) -> dict[str, tuple[list[str], Counter]]:
    """Each edition's text, page by page, and how many CJK characters each font draws."""
    found = {}
    for name, reader in readers.items():
        fonts: Counter = Counter()

        def visit(text, cm, tm, font, size, fonts=fonts):
            if n := len(CJK.findall(text)):
                fonts[font_name(font) if font is not None else "?"] += n

        found[name] = ([page.extract_text(visitor_text=visit) for page in reader.pages], fonts)
    return found


@pytest.fixture(scope="session")
def texts(extracted) -> dict[str, list[str]]:
    """Each edition's text, page by page."""
    return {name: pages for name, (pages, _) in extracted.items()}


@pytest.fixture(scope="session")
def book_pages(site_html) -> dict[str, BeautifulSoup]:
    """The article of every page in the table of contents, parsed."""
    return {doc: BeautifulSoup((site_html / f"{doc}.html").read_text(encoding="utf-8"),
                               "html.parser").select_one("article.bd-article")
            for doc in toc_docnames()}


def title_of(article) -> str:
    h1 = copy.copy(article.find("h1"))
    for link in h1.select("a.headerlink"):
        link.decompose()
    return " ".join(h1.get_text(" ").split())


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("edition", print_book.EDITIONS)
def test_edition_is_printed_within_budget(editions, lang, edition):
    info = editions[edition]
    assert PAGE_BUDGET[0] <= info["pages"] <= PAGE_BUDGET[1], info["pages"]
    assert info["size"] <= SIZE_BUDGET, info["size"]
    assert Path(info["path"]).name == print_book.pdf_name(edition, lang)


def test_the_instructor_edition_is_the_student_edition_plus_solutions(editions, book_pages):
    solutions = sum(len(a.select("div.solution")) for a in book_pages.values())
    assert solutions > 0
    assert editions["instructor"]["solutions"] == solutions
    assert editions["student"]["solutions"] == 0
    assert editions["instructor"]["pages"] > editions["student"]["pages"]


@pytest.mark.parametrize("edition", print_book.EDITIONS)
def test_cover_names_the_book_the_edition_and_the_licence(texts, book_pages, site_html, lang,
                                                          edition):
    cover = squeeze(texts[edition][0])
    words = print_book.STRINGS[lang]
    assert squeeze(title_of(book_pages[toc_docnames()[0]])) in cover
    assert squeeze(words[edition]) in cover
    assert squeeze(words["printed_from"]) in cover
    assert squeeze("CC BY 4.0") in cover and "mit" in cover
    assert squeeze(words["version"].split("{")[0]) in cover
    # the licence statement is the edition's own (its pages' footer), whole, in its language:
    # in a translated edition only the licences' and the files' names stay English
    page = BeautifulSoup((site_html / f"{toc_docnames()[0]}.html").read_text(encoding="utf-8"),
                         "html.parser")
    licence = page.select_one(".tcd-licence")
    assert squeeze(licence.get_text()) in cover
    if lang != "en":
        for name in licence.select("a, code"):
            name.decompose()
        said = licence.get_text()
        assert CJK.search(said) and not re.search(r"[A-Za-z]{2,}", said), said


@pytest.mark.parametrize("edition", print_book.EDITIONS)
def test_every_page_title_is_printed(texts, book_pages, edition):
    whole = squeeze("".join(texts[edition]))
    missing = [doc for doc, article in book_pages.items()
               if squeeze(title_of(article)) not in whole]
    assert missing == []


def control_text(lang: str, book_pages) -> tuple[str, ...]:
    """CONTROL_TEXT, and in a translated edition the same controls in its language: the
    players' buttons as tconv's catalog words them, the code toggles as the pages do."""
    from tconv.show import text as tconv_text

    tconv_text.set_language(lang)
    try:
        buttons = ("« " + tconv_text._("First"), "‹ " + tconv_text._("Prev"),
                   tconv_text._("Next") + " ›", tconv_text._("Last") + " »")
    finally:
        tconv_text.set_language(None)
    toggles = {" ".join(p.get_text().split()) for article in book_pages.values()
               for p in article.select("summary p.collapsed, summary p.expanded")}
    return tuple(dict.fromkeys(CONTROL_TEXT + buttons + tuple(sorted(toggles))))


@pytest.mark.parametrize("edition", print_book.EDITIONS)
def test_no_controls_no_hidden_code_no_raw_tex(texts, book_pages, lang, edition):
    whole = "\n".join(texts[edition])
    flat = squeeze(whole)
    controls = control_text(lang, book_pages)
    assert len(controls) > len(CONTROL_TEXT) or lang == "en"
    assert [t for t in controls if squeeze(t) in flat] == []
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
        prose = re.split(r"\||(?<=[.;:!?])\s|(?<=[。；：！？])",
                         " ".join(solution.get_text().split()))
        found[key] = [text.strip() for text in prose + code
                      if len(text.strip()) >= (12 if CJK.search(text) else 25)
                      and squeeze(text) not in elsewhere]
    return found


def solution_titles(book_pages) -> list[str]:
    """Every solution's title ("Solution to Exercise 1.1", "解答 练习 1.1")."""
    return [" ".join(solution.select_one(".admonition-title").get_text().split())
            for article in book_pages.values() for solution in article.select("div.solution")]


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
    titles = solution_titles(book_pages)
    assert [t for t in titles if squeeze(t) in student] == []
    assert [t for t in titles if squeeze(t) not in instructor] == []


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
    # NFKC: ligatures, and the Kangxi radicals some ideographs come back as
    contents = unicodedata.normalize("NFKC", "\n".join(texts[edition][1:6]))
    for title, page in entries:
        number, name = unicodedata.normalize("NFKC", title).split(". ", 1)
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


def test_the_pages_link_the_downloads_only_once_they_exist(site_html, lang, editions, tmp_path):
    """A site built without the PDFs links none; ``make pdf`` copies them in and links them
    (a translated edition: its own PDFs, in its own downloads/ folder)."""
    docs = print_book.read_toc()
    marked = [d for d in docs
              if 'class="tcd-downloads"' in (site_html / f"{d.docname}.html").read_text()]
    assert {d.docname for d in marked} >= {"intro", "instructors"}
    site = tmp_path / "html"
    for doc in marked:
        text = (site_html / f"{doc.docname}.html").read_text(encoding="utf-8")
        assert not re.search(r'href="[^"]*downloads/', text), (
            f"{doc.docname} links downloads that may not exist")
        (site / doc.docname).parent.mkdir(parents=True, exist_ok=True)
        (site / f"{doc.docname}.html").write_text(text, encoding="utf-8")
        for suffix in (".gz", ".br"):  # the build's compressed copies, to be refreshed
            (site / f"{doc.docname}.html{suffix}").write_bytes(b"stale")
    assert print_book.link_downloads(site, lang, docs=marked) == 0
    folder = site / print_book.DOWNLOADS
    folder.mkdir()
    for info in editions.values():
        shutil.copy2(info["path"], folder)
    assert print_book.link_downloads(site, lang, docs=marked) == 2 * len(marked)
    for doc in marked:
        page = site / f"{doc.docname}.html"
        text = page.read_text(encoding="utf-8")
        hrefs = re.findall(r'href="([^"]*downloads/[^"]*)"', text)
        assert sorted(Path(h).name for h in hrefs) == sorted(
            print_book.pdf_name(e, lang) for e in print_book.EDITIONS)
        assert all((page.parent / h).resolve().is_file() for h in hrefs)
        # a link's words are the edition's own: "学生版（PDF，157 页，7.9 MB）..."
        words = print_book.STRINGS[lang]["downloads"]["student"].split("{")[0]
        assert words in text
        gz = page.with_name(page.name + ".gz").read_bytes()
        assert gz != b"stale" and gzip.decompress(gz).decode("utf-8") == text
    # linking again replaces the list, it does not add a second one
    print_book.link_downloads(site, lang, docs=marked)
    assert (site / "intro.html").read_text().count("downloads/") == 2


def test_the_document_is_one_file_with_pdf_metadata(readers, book_pages, lang):
    words = print_book.STRINGS[lang]
    for edition, reader in readers.items():
        meta = reader.metadata
        assert title_of(book_pages[toc_docnames()[0]]) in meta.title
        assert words[edition] in meta.subject
        assert reader.trailer["/Root"].get("/Lang") == words["html_lang"]
        assert reader.trailer["/Root"].get("/PageMode") == "/UseOutlines"


@pytest.mark.parametrize("edition", print_book.EDITIONS)
def test_every_chinese_character_is_drawn_with_a_cjk_font(extracted, book_pages, lang, edition):
    """No tofu: each CJK character the PDF draws comes from an embedded font with Chinese
    glyphs (a missing glyph would be drawn by another font, as a box). In the Chinese
    edition, every page title has Chinese in it, so the titles test covers them."""
    pages, fonts = extracted[edition]
    assert {name: n for name, n in fonts.items() if not CJK_FONTS.search(name)} == {}
    # the text a reader copies or searches is 页, not the radical ⻚ drawn with the same glyph
    assert re.findall("[\u2e80-\u2fdf]", "".join(pages)) == []
    if lang == "zh":
        assert sum(fonts.values()) > 10_000, fonts
        assert [doc for doc, article in book_pages.items()
                if not CJK.search(title_of(article))] == []


def test_a_chinese_edition_is_a_parameter_away():
    """``--lang zh``: its own words, ``lang`` for line breaking and fonts, its own files."""
    zh, en = print_book.STRINGS["zh"], print_book.STRINGS["en"]
    assert set(zh) == set(en) and set(zh["downloads"]) == set(en["downloads"])
    assert zh["html_lang"].startswith("zh")
    assert ":lang(zh)" in print_book.BOOK_CSS.read_text(encoding="utf-8")
    assert "Noto Sans CJK" in print_book.BOOK_CSS.read_text(encoding="utf-8")
    names = {print_book.pdf_name(e, lang) for e in print_book.EDITIONS for lang in ("en", "zh")}
    assert len(names) == 4
