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
from bs4 import BeautifulSoup

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


def test_each_notebook_executes_once_for_both_editions(built_book):
    """Neither edition's build executes a notebook: the one execution before them
    (scripts/execution_cache.py --run) drew every figure and player in Chinese too."""
    _fill, _, builds = built_book.log.partition("--- the English edition")
    assert builds, "the build log has no English edition part"
    assert "Executing notebook" not in builds


def test_no_figure_or_player_shows_english_prose_in_the_chinese_edition(book_html):
    """The execution that drew the Chinese copies logged every text a figure or a player looked
    up (tconv.show.text, TCONV_TEXT_LOG): none that reads as prose missed the catalog (the
    max-unpooling legend and the method picker's captions and alt texts did). Code stays."""
    from script_support import load_script

    i18n = load_script("i18n")
    logs = sorted(i18n.ZH_TEXTS.rglob("*.jsonl"))
    assert {log.relative_to(i18n.ZH_TEXTS).with_suffix("").as_posix() for log in logs} >= \
        {d for d in DOCNAMES if d.startswith("chapters/")}, "a chapter drew nothing logged"
    missed = {}
    for log in logs:
        for line in log.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if not record["translated"] and i18n.is_prose(record["text"]):
                missed.setdefault(record["doc"], []).append(record["text"][:80])
    assert missed == {}


def test_the_chinese_pages_show_the_figures_drawn_in_chinese(book_html):
    """Every picture a page's code drew differs from the English page's (its words are
    Chinese): the Chinese copies, not the English outputs, reached the Chinese pages."""
    import hashlib

    def pictures(html_path):
        html = html_path.read_text(encoding="utf-8")
        return [hashlib.sha256((html_path.parent / src).read_bytes()).hexdigest()
                for src in re.findall(r'<img[^>]*\bsrc="(?!data:)([^"]+\.png)"', html)]

    seen = 0
    for doc in toc_docnames():
        english, chinese = pictures(book_html / f"{doc}.html"), \
            pictures(book_html / "zh" / f"{doc}.html")
        assert len(english) == len(chinese), doc
        assert not set(english) & set(chinese), doc
        seen += len(english)
    assert seen >= 40  # 49 today


@pytest.mark.parametrize("docname", DOCNAMES)
def test_english_page_links_to_its_chinese_page_and_back(book_html, docname):
    english = book_html / f"{docname}.html"
    [to_zh] = links(english.read_text(encoding="utf-8"))
    chinese = (english.parent / to_zh).resolve()
    assert chinese == (book_html / "zh" / f"{docname}.html").resolve()
    assert chinese.is_file()
    [back] = links(chinese.read_text(encoding="utf-8"))
    assert (chinese.parent / back).resolve() == english.resolve()


def test_the_chinese_instructors_page_links_its_own_chinese_decks(book_html):
    """Each edition has its own decks in its own slides/ folder (scripts/slides.py cuts the
    Chinese ones from the Chinese pages into zh/slides/): the Chinese page links the same
    decks as the English one, in zh/slides/, each by its chapter's Chinese number and title."""
    def decks(page):
        html = page.read_text(encoding="utf-8")
        return re.findall(r'<a href="(slides/[^"#]+)">([^<]+)</a>', html)

    english = decks(book_html / "instructors.html")
    chinese = decks(book_html / "zh" / "instructors.html")
    assert len(english) >= 8
    assert [href for href, _ in chinese] == [href for href, _ in english]
    for href, text in chinese:  # zh/slides/<name>.html: the deck of zh/chapters/<name>.html
        page = BeautifulSoup(read(book_html, f"zh/chapters/{href.split('/')[-1]}"), "lxml")
        h1 = page.select_one("article h1")
        for link in h1.select("a.headerlink"):
            link.decompose()
        assert text == " ".join(h1.get_text().split()), href  # "6. 棋盘格伪影"
        assert CJK.search(text), text


def test_every_chinese_page_has_the_licence_in_chinese(book_html):
    """The footer's licence statement (which the printed edition's cover shows too) is the
    Chinese edition's own, with the same licences and links as the English."""
    def licence(path):
        found = re.search(r'<p class="tcd-licence">(.*?)</p>', read(book_html, path), re.S)
        assert found, path
        return found.group(1)

    english = licence("intro.html")
    for docname in DOCNAMES:
        chinese = licence(f"zh/{docname}.html")
        # outside the licences' names (links) and the files' (code), all of it is Chinese
        words = re.sub(r"<(a|code)\b.*?</\1>", " ", chinese, flags=re.S)
        assert CJK.search(words) and not LATIN_WORD.search(words), (docname, words)
        assert re.findall(r'href="([^"]+)"', chinese) == re.findall(r'href="([^"]+)"', english)
        assert re.findall(r"<code>(\w[\w-]*)</code>", chinese) == \
            re.findall(r"<code>(\w[\w-]*)</code>", english)


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


# --- the players after an edit ----------------------------------------------------------------

# The pages with editable players: steppers (scatter, gather, direct beside scatter, rows of Cᵀ)
# and the output-size calculator.
EDITABLE_PAGES = ("chapters/step-by-step", "chapters/stride-padding", "chapters/many-names")


def english_player_words() -> set[str]:
    """The English words of the players' own messages (player.py's MODULE_WORDS) that no
    Chinese translation keeps: a code name such as output_padding is one token and stays."""
    from tconv.show.player import MODULE_WORDS
    from tconv.show.text import LOCALES, read_po

    token = re.compile(r"[A-Za-z_]{4,}")
    english = {w for m in MODULE_WORDS for form in (m if isinstance(m, tuple) else (m,))
               for w in token.findall(form)}
    kept = {w for e in read_po(LOCALES / "zh_CN.po") for f in e.msgstr for w in token.findall(f)}
    return english - kept


# Edits every editable player of a page (its stride, one more), then reads what each player
# shows: titles, legends, help, panel titles, and the caption of every frame.
EDIT_AND_READ = """() => {
  const found = [];
  const outer = '.tconv-widget:not(.tconv-widget .tconv-widget)';  // not the host inside
  for (const widget of document.querySelectorAll(outer)) {
    const input = widget.querySelector('input[name=stride], input[name=stride_h]');
    if (!input) continue;
    input.value = String(+input.value + 1);
    input.dispatchEvent(new Event('input', {bubbles: true}));
    const error = widget.querySelector('.tconv-error');
    const texts = {error: error && !error.hidden ? error.textContent : null, titles: [],
                   notes: [], captions: [], panels: [], help: [], buttons: []};
    const read = (sel, key) => widget.querySelectorAll(sel).forEach((e) => {
      if (e.textContent.trim()) texts[key].push(e.textContent.trim()); });
    read('.tconv-title', 'titles'); read('.tconv-note', 'notes'); read('.tconv-help', 'help');
    read('.tconv-editbar button', 'buttons'); read('.tcsz', 'captions');
    for (const root of widget.querySelectorAll('.tconv-player')) {
      const slider = root.querySelector('input[data-action=seek]');
      const frames = slider ? +root.dataset.frames : 1;
      for (let i = 0; i < frames; i++) {
        if (slider) { slider.value = i; slider.dispatchEvent(new Event('input', {bubbles: true})); }
        texts.captions.push(root.querySelector('.tconv-caption').textContent.trim());
        root.querySelectorAll('.pt').forEach((e) => texts.panels.push(e.textContent.trim()));
      }
    }
    found.push(texts);
  }
  return found;
}"""


INDEXED = re.compile(r"\b[A-Za-z_]+\[[^\]]*\]")


@pytest.mark.parametrize("docname", EDITABLE_PAGES)
def test_players_speak_chinese_after_an_edit(visit, docname):
    """A reader who changes a player's stride on a Chinese page gets Chinese titles, legends,
    captions and panel titles, recomputed in the page (player.js through its words table);
    the same edit on the English page shows the English words this test looks for."""
    english_words = english_player_words()
    token = re.compile(r"[A-Za-z_]{4,}")
    # "kernel" is no longer here: the calculator's Chinese notes keep it as code (kernel = ...)
    assert {"Step", "Result", "placements"} <= english_words

    chinese = visit(f"zh/{docname}").page.evaluate(EDIT_AND_READ)
    assert chinese, f"zh/{docname}: no editable player"
    for player in chinese:
        assert player["error"] is None, player["error"]
        for key in ("titles", "captions", "buttons"):
            assert player[key], f"{key}: nothing shown"
        for key in ("titles", "notes", "captions", "help", "buttons"):
            for text in player[key]:
                assert CJK.search(text), f"{key} not Chinese: {text!r}"
        for key, texts in player.items():
            for text in texts if isinstance(texts, list) else ():
                words = token.findall(INDEXED.sub("", text))  # kernel[0,1] names an array
                left = set(words) & english_words
                assert not left, f"{key}: English {sorted(left)} in {text!r}"

    english = visit(docname).page.evaluate(EDIT_AND_READ)
    shown = " ".join(t for p in english for k, ts in p.items() if isinstance(ts, list) for t in ts)
    assert set(token.findall(shown)) & english_words, "the English page shows none of the words"
