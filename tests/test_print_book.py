"""scripts/print_book.py without a browser: how the pages become one document.

A two-page site written here stands in for the built book; the printed editions themselves
are checked in tests/test_book_pdf.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from script_support import load_script

ROOT = Path(__file__).resolve().parents[1]


print_book = load_script("print_book")

HEAD = """<head><meta charset="utf-8">
<link rel="stylesheet" href="{up}_static/styles/theme.css">
<link rel="stylesheet" href="{up}_static/print.css">
<script src="{up}_static/togglebutton.js"></script>
<script src="{up}_static/scripts/pydata-sphinx-theme.js"></script>
<script>let toggleOpenOnPrint = 'true';</script>
<script>window.MathJax = {{"options": {{}}}}</script>
<script defer src="{up}_static/mathjax/tex-chtml.js"></script>
<script src="{up}_static/players.js"></script>
</head>"""

INTRO = """<!DOCTYPE html><html lang="en">{head}<body><main><article class="bd-article">
<section id="the-book"><span id="intro"></span>
<h1>The Book<a class="headerlink" href="#the-book">#</a></h1>
<p>Read <a class="reference internal" href="chapters/one.html">chapter one</a>,
its <a href="chapters/one.html#details">details</a>, <a href="#more">more here</a>,
the <a href="genindex.html">index</a> or <a href="https://example.org/x">elsewhere</a>.</p>
<section id="more"><h2>More<a class="headerlink" href="#more">#</a></h2>
<img src="_images/a.png" alt="a" loading="lazy"></section>
</section></article></main>
<footer><p class="tcd-licence">Text:
<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.</p></footer>
</body></html>"""

ONE = """<!DOCTYPE html><html lang="en">{head}<body><main><article class="bd-article">
<section id="one"><h1><span class="section-number">1. </span>One</h1>
<section id="details"><h2><span class="section-number">1.1. </span>Details</h2>
<div class="exercise" id="ex-one-1"><p>Find it.</p></div>
<div class="solution dropdown admonition" id="chapters/one-solution-1">
<p class="admonition-title">Solution to <a href="#ex-one-1">Exercise 1.1</a></p>
<p>The secret answer.</p></div>
<p>See <a href="#chapters/one-solution-1">the solution</a> and
<a href="../intro.html#more">more</a>.</p>
<img src="../_images/b.png" alt="b">
</section></section></article></main></body></html>"""


@pytest.fixture
def site(tmp_path) -> Path:
    (tmp_path / "chapters").mkdir()
    (tmp_path / "intro.html").write_text(INTRO.format(head=HEAD.format(up="")))
    (tmp_path / "chapters" / "one.html").write_text(ONE.format(head=HEAD.format(up="../")))
    return tmp_path


DOCS = [print_book.Doc("intro", "", False), print_book.Doc("chapters/one", "Part A", True)]


def combine(site, edition="instructor", lang="en"):
    combined = print_book.combine(site, DOCS, edition=edition, lang=lang, version="v1",
                                  date="2026-12-04")
    return combined, BeautifulSoup(combined.html, "html.parser")


def test_links_between_pages_become_anchors_of_the_one_document(site):
    _, soup = combine(site)
    hrefs = {a.get_text(): a["href"] for a in soup.select("section.tcd-doc a[href]")}
    assert hrefs["chapter one"] == "#d-chapters-one"
    assert hrefs["details"] == "#d-chapters-one--details"
    assert hrefs["more here"] == "#d-intro--more"
    assert hrefs["more"] == "#d-intro--more"
    assert hrefs["elsewhere"] == "https://example.org/x"
    assert "index" not in hrefs  # genindex is not printed: its link is plain text now
    assert "index" in soup.get_text()
    ids = {el["id"] for el in soup.find_all(id=True)}
    for href in hrefs.values():
        if href.startswith("#"):
            assert href[1:] in ids, href
    assert not soup.select("a.headerlink")


def test_images_load_from_the_site_root_and_not_lazily(site):
    _, soup = combine(site)
    images = soup.select("section.tcd-doc img")
    assert [img["src"] for img in images] == ["/_images/a.png", "/_images/b.png"]
    assert all(not img.has_attr("loading") for img in images)


def test_scripts_of_the_web_chrome_are_left_out_the_others_kept(site):
    _, soup = combine(site)
    sources = [s["src"] for s in soup.head.find_all("script", src=True)]
    assert sources == ["/_static/mathjax/tex-chtml.js", "/_static/players.js"]
    inline = [s.string for s in soup.head.find_all("script", src=False)]
    assert inline == ['window.MathJax = {"options": {}}']
    styles = [s["href"] for s in soup.head.find_all("link")]
    assert styles == ["/_static/styles/theme.css", "/_static/print.css"]


def test_the_student_edition_has_no_solution_and_no_link_to_one(site):
    combined, soup = combine(site, "student")
    assert combined.solutions == 0
    assert "secret answer" not in combined.html
    assert not soup.select("div.solution")
    assert "the solution" in soup.get_text()  # its link is plain text now
    assert not [a for a in soup.find_all("a", href=True) if "solution" in a["href"]]
    assert "Student edition" in soup.select_one(".tcd-cover").get_text()


def test_the_instructor_edition_prints_every_solution_open(site):
    combined, soup = combine(site, "instructor")
    assert combined.solutions == 1
    assert "secret answer" in soup.select_one("div.solution").get_text()
    assert not soup.find("script", src=lambda s: s and "togglebutton" in s)


def test_cover_contents_and_headings(site):
    combined, soup = combine(site)
    cover = soup.select_one(".tcd-cover").get_text(" ")
    assert "The Book" in cover and "v1" in cover and "CC BY 4.0" in cover
    assert combined.headings == [
        (1, "The Book", "d-intro"), (2, "More", "d-intro--more"),
        (0, "Part A", "d-chapters-one-part"),
        (1, "1. One", "d-chapters-one"), (2, "1.1. Details", "d-chapters-one--details")]
    toc = soup.select(".tcd-toc a")
    assert [a["href"] for a in toc] == ["#" + anchor for _, _, anchor in combined.headings]
    numbered = print_book.contents_html(combined.headings, {"d-chapters-one": 7})
    assert '<span class="tcd-num">1</span> One</span><span class="tcd-toc-page">7<' in numbered


def test_language_is_a_parameter(site):
    _, soup = combine(site, lang="zh")
    assert soup.html["lang"] == "zh-CN"
    assert print_book.STRINGS["zh"]["contents"] in soup.select_one(".tcd-contents").get_text()
    with pytest.raises(KeyError):
        combine(site, lang="xx")


def test_downloads_are_linked_only_when_present(tmp_path):
    page = tmp_path / "intro.html"
    page.write_text('<p>Files:</p><div class="tcd-downloads"></div><p>end</p>')
    docs = [print_book.Doc("intro", "", False)]
    assert print_book.link_downloads(tmp_path, docs=docs) == 0
    assert '<div class="tcd-downloads"></div>' in page.read_text()
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "tconv-demystified-figures.zip").write_bytes(b"PK")
    assert print_book.link_downloads(tmp_path, docs=docs) == 1
    assert print_book.link_downloads(tmp_path, docs=docs) == 1  # replaces, does not add
    written = page.stat().st_mtime_ns
    assert print_book.link_downloads(tmp_path, docs=docs) == 1
    assert page.stat().st_mtime_ns == written  # the same links: the page is not written again
    text = page.read_text()
    assert text.count('href="downloads/tconv-demystified-figures.zip"') == 1
    assert text.endswith("<p>end</p>")


def test_linking_downloads_refreshes_the_compressed_copies(tmp_path):
    """``make serve`` and static hosts send ``page.html.gz``/``.br``: they must carry the links."""
    import gzip

    page = tmp_path / "intro.html"
    page.write_text('<div class="tcd-downloads"></div>' + "<p>text</p>" * 50)
    stale = gzip.compress(page.read_bytes())
    (tmp_path / "intro.html.gz").write_bytes(stale)
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "tconv-demystified-figures.zip").write_bytes(b"PK")
    print_book.link_downloads(tmp_path, docs=[print_book.Doc("intro", "", False)])
    assert gzip.decompress((tmp_path / "intro.html.gz").read_bytes()) == page.read_bytes()
    assert b"tconv-demystified-figures.zip" in page.read_bytes()
    assert not (tmp_path / "intro.html.br").exists()  # only copies the build made are refreshed


def test_a_glyph_shared_by_a_radical_and_an_ideograph_reads_as_the_ideograph():
    """Chromium maps the glyph of 生 back to the Kangxi radical ⽣ (U+2F63): rewritten."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    cmap = ("begincmap\n2 beginbfchar\n<01> <2F63>\n<04> <0041>\nendbfchar\n"
            "1 beginbfrange\n<02> <03> <2F63>\nendbfrange\nendcmap\n")
    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    stream = DecodedStreamObject()
    stream.set_data(cmap.encode())
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/ToUnicode"): writer._add_object(stream)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/F1"): writer._add_object(font)})})
    assert print_book.unify_radicals(writer) == 3
    fixed = font["/ToUnicode"].get_object().get_data().decode()
    assert "<01> <751F>" in fixed and "<04> <0041>" in fixed  # 生; A untouched
    assert "<02> <03> [<751F> <7528>]" in fixed  # 生 用
    assert print_book.unify_radicals(writer) == 0


def test_parts_are_named_as_the_built_navigation_names_them():
    """A translated build translates _toc.yml's part captions in its navigation."""
    nav = ('<nav class="bd-docs-nav"><p class="caption"><span class="caption-text">甲部分'
           '</span></p></nav>')
    root = BeautifulSoup(f"<html><body>{nav}</body></html>", "html.parser")
    docs = [print_book.Doc("intro", "", False), print_book.Doc("chapters/one", "Part A", True)]
    assert [d.part for d in print_book.with_built_part_captions(docs, root)] == ["", "甲部分"]
    unrelated = BeautifulSoup("<html><body></body></html>", "html.parser")
    assert print_book.with_built_part_captions(docs, unrelated) == docs
