"""The Chinese edition (issue 16) in the built site: linked both ways, Chinese, searchable.

Read from the same build as tests/test_book.py (``built_book`` builds both editions, as
``make book`` does); tests/test_browser.py and tests/test_browser_a11y.py check the Chinese
pages in Chromium with the English ones. ``test_page_is_mostly_chinese`` fails for a page
whose catalog is not translated yet: it passes once its translator has finished it.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from browser_support import toc_docnames

pytest_plugins = ["browser_support"]

DOCNAMES = toc_docnames()
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class _Visible(HTMLParser):
    """The text of a page's article a reader sees (no code, no math, no script or style)."""

    SKIP = {"script", "style", "pre", "code", "math", "svg", "kbd"}
    # math, code outputs, and the bibliography's entries (works cited keep their own titles)
    SKIP_CLASSES = {"math", "cell_output", "citation"}

    def __init__(self):
        super().__init__()
        self.depth, self.skip, self.parts = 0, 0, []

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag == "article" or self.depth:
            self.depth += 1
        if self.depth and (tag in self.SKIP or set(classes.split()) & self.SKIP_CLASSES):
            self.skip += 1
        elif self.skip:
            self.skip += 1

    def handle_endtag(self, tag):
        if self.skip:
            self.skip -= 1
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


def chinese_share(text: str) -> float:
    """Chinese characters / (Chinese characters + English words × 2), a word ≈ two characters."""
    chinese = len(CJK.findall(text))
    english = len(LATIN_WORD.findall(text))
    return chinese / max(chinese + 2 * english, 1)


def read(book_html, path: str) -> str:
    return (book_html / path).read_text(encoding="utf-8")


def links(html: str, rel_class: str = "tcd-edition-link") -> list[str]:
    return re.findall(rf'<a class="[^"]*{rel_class}[^"]*" href="([^"]+)"', html)


@pytest.mark.parametrize("docname", DOCNAMES)
def test_english_page_links_to_its_chinese_page_and_back(book_html, docname):
    english = book_html / f"{docname}.html"
    [to_zh] = links(english.read_text(encoding="utf-8"))
    chinese = (english.parent / to_zh).resolve()
    assert chinese == (book_html / "zh" / f"{docname}.html").resolve()
    assert chinese.is_file()
    [back] = links(chinese.read_text(encoding="utf-8"))
    assert (chinese.parent / back).resolve() == english.resolve()


@pytest.mark.parametrize("docname", DOCNAMES)
def test_chinese_page_says_its_language(book_html, docname):
    html = read(book_html, f"zh/{docname}.html")
    assert re.search(r'<html[^>]* lang="zh[-_]CN"', html), "the page's lang attribute"
    assert 'hreflang="en"' in html


def test_the_share_of_chinese_is_measured_on_what_a_reader_sees():
    page = ('<html><article><h1>转置卷积</h1><p>Stride two.</p><pre>conv_transpose2d(x)</pre>'
            '<span class="math">o = i</span><div class="citation"><p>Dumoulin, V. A guide.</p>'
            '</div></article><p>Footer text</p></html>')
    shown = visible_text(page)
    assert "conv_transpose2d" not in shown and "Footer" not in shown and "o = i" not in shown
    assert "Dumoulin" not in shown
    assert chinese_share(shown) == pytest.approx(4 / (4 + 2 * 2))
    assert chinese_share("the English page") == 0


@pytest.mark.parametrize("docname", DOCNAMES)
def test_page_is_mostly_chinese(book_html, docname):
    """At least half of what a reader sees in the page's article is Chinese."""
    share = chinese_share(visible_text(read(book_html, f"zh/{docname}.html")))
    assert share >= 0.5, f"zh/{docname}.html: {share:.0%} of its visible text is Chinese"


def test_chinese_search_index_has_chinese_terms(book_html):
    """Sphinx's Chinese search (jieba) indexes the edition's words, e.g. 卷积."""
    index = read(book_html, "zh/searchindex.js")
    terms = json.loads(index[index.index("(") + 1:index.rindex(")")])["terms"]
    chinese = [term for term in terms if CJK.search(term)]
    assert "卷积" in chinese or "转置" in chinese, f"Chinese terms: {chinese[:20]}"


FOOTNOTE_REF = re.compile(r'class="footnote-reference[^"]*" href="#([^"]+)"')


@pytest.mark.parametrize("docname", DOCNAMES)
def test_translated_paragraphs_keep_their_footnotes(book_html, docname):
    """A ``[^label]`` in a translated paragraph links to the same footnote as in English."""
    english, chinese = read(book_html, f"{docname}.html"), read(book_html, f"zh/{docname}.html")
    assert FOOTNOTE_REF.findall(chinese) == FOOTNOTE_REF.findall(english)
    assert "[^" not in visible_text(chinese)


ALT = re.compile(r'<img [^>]*?alt="([^"]{40,})"')


@pytest.mark.parametrize("docname", DOCNAMES)
def test_figure_alt_texts_are_chinese(book_html, docname):
    """Alt text describes the figure to a screen reader: in Chinese on a Chinese page, including
    the figures a cell draws (myst-nb adds those after Sphinx translates the page)."""
    alts = ALT.findall(read(book_html, f"zh/{docname}.html"))
    english = [alt[:60] for alt in alts if not CJK.search(alt)]
    assert english == [], f"{len(english)} of {len(alts)} alt texts not translated: {english}"
