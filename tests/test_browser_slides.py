"""The lecture slides (`make slides`): one deck per chapter, cut from the built book, offline.

Each edition has its own decks, cut from its own pages: the English ones from ``book_html``,
the Chinese ones (issue 16) from ``book_html/zh``, in Chinese. The cheap checks (a deck per
chapter, its parts, its files, its figures, the instructors' links) run on both editions;
in Chromium every English deck is stepped through, and the longest Chinese one.

The decks are written from the shared test build (``book_html``) into a folder of their own
and served alone, so a deck that needed anything outside its folder (the book's _static,
_images, a CDN) would show a failed request. In Chromium each deck is stepped through slide
by slide with the keyboard: no console error, no request off the host, no text under 24 px
at the slide's size, nothing spilling off the slide; a player in a deck steps with its own
keys while the deck stays put.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browser_support import is_local, serve_book_module
from bs4 import BeautifulSoup
from filelock import FileLock
from script_support import load_script

pytest_plugins = ["browser_support"]


slides = load_script("slides")
CHAPTERS = slides.chapter_docnames()
MIN_FONT_PX = 24  # at the slide's own size, 1280×720
SLIDE_HEIGHT = 720
EDITIONS = {"en": "", "zh": "zh/"}  # DECK_WORDS key -> the edition's folder in the site
# In Chromium: every English deck, and the Chinese deck with the most slides (two players).
ZH_DECK = "chapters/fixed-upsampling"
BROWSER_DECKS = [("en", c) for c in CHAPTERS] + [("zh", ZH_DECK)]


def name_of(docname: str) -> str:
    return f"{docname.split('/')[-1]}.html"


@pytest.fixture(scope="session")
def edition_decks(book_html, tmp_path_factory, worker_id):
    """``decks(lang)``: (folder, deck files) of that edition, cut from its pages once per run
    (under pytest-xdist the first worker that needs them cuts them, the others read them)."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent  # the run's folder
    made = {}

    def decks(lang):
        if lang not in made:
            out, record = shared / f"decks-{lang}" / "slides", shared / f"decks-{lang}.json"
            with FileLock(str(shared / f"decks-{lang}.lock")):
                if not record.exists():
                    written = slides.build(book_html / EDITIONS[lang], out)
                    record.write_text(json.dumps([str(p) for p in written]), encoding="utf-8")
            made[lang] = out, [Path(p) for p in json.loads(record.read_text(encoding="utf-8"))]
        return made[lang]

    return decks


@pytest.fixture(scope="session")
def decks(edition_decks):
    return edition_decks("en")


@pytest.fixture(scope="session")
def deck_servers(edition_decks):
    """``url(lang)``: where that edition's deck folder is served, alone."""
    servers, urls = [], {}

    def url(lang):
        if lang not in urls:
            server = serve_book_module().BackgroundServer(
                edition_decks(lang)[0], compress_missing=False, codings=("gzip",))
            urls[lang] = server.__enter__()
            servers.append(server)
        return urls[lang]

    yield url
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture(scope="session")
def deck_server(deck_servers):
    return deck_servers("en")


def parse(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("lang", EDITIONS)
def test_one_deck_per_chapter(edition_decks, lang):
    out, written = edition_decks(lang)
    assert sorted(p.name for p in written) == sorted(name_of(c) for c in CHAPTERS)
    assert all((p.with_name(p.name + ".gz")).is_file() for p in written)


@pytest.mark.parametrize("lang", EDITIONS)
def test_the_instructors_page_links_every_deck(book_html, edition_decks, lang):
    """Each edition's page for instructors links its own decks (zh/slides/ from zh/)."""
    _, written = edition_decks(lang)
    page = parse(book_html / EDITIONS[lang] / "instructors.html")
    links = [a["href"] for a in page.select("article a[href^='slides/']")]
    assert sorted(links) == sorted(f"slides/{p.name}" for p in written)
    assert len(links) == len(CHAPTERS)


def english_deck_words() -> list[str]:
    """The English deck's own words (the parts of DECK_WORDS["en"] around its {fields})."""
    english = slides.DECK_WORDS["en"]
    texts = [v for k, v in english.items() if isinstance(v, str) and k not in ("book", "html_lang")]
    texts += list(english["controls"].values())
    fragments = {part.strip(" .,;:") for text in texts for part in re.split(r"\{\w+\}", text)}
    return sorted(f for f in fragments if len(f) >= 5)


@pytest.mark.parametrize("docname", CHAPTERS)
def test_the_chinese_deck_is_in_chinese(edition_decks, book_html, docname):
    """Everything the deck writes itself is Chinese: its language, title, kicker, slide
    titles, hints, notes' labels, the arrows' labels; its chapter title is the page's."""
    out, _ = edition_decks("zh")
    words = slides.DECK_WORDS["zh"]
    path = out / name_of(docname)
    soup = parse(path)
    assert soup.html["lang"] == "zh-Hans"
    page = parse(book_html / "zh" / f"{docname}.html")
    number = page.select_one("article h1 .section-number").get_text().strip().rstrip(".")
    title = soup.select_one('section[data-kind="title"]')
    assert title.select_one(".deck-kicker").get_text() == f"第 {number} 章"
    assert soup.title.get_text().startswith(f"第 {number} 章：{title.h1.get_text()} · 幻灯片")
    assert soup.select_one(".reveal")["aria-label"].endswith("，幻灯片")
    headings = {s["data-kind"]: s.h2.get_text() for s in soup.select(".slides > section")
                if s.h2 is not None}
    assert headings["objectives"].startswith(words["objectives"])
    assert headings["summary"].startswith(words["summary"])
    assert headings["exercise"].startswith(f"{words['exercise']} {number}.")
    # what is read: the text (notes and <title> included), labels and the arrows' labels
    read = " ".join([soup.get_text(" ")] + [tag[attr] for attr in ("aria-label", "alt", "title",
                                                                   "data-control-labels")
                                            for tag in soup.find_all(attrs={attr: True})])
    left = [w for w in english_deck_words() if w in read]
    assert left == [], left


@pytest.mark.parametrize("lang", EDITIONS)
@pytest.mark.parametrize("docname", CHAPTERS)
def test_deck_has_the_parts_of_a_lecture(edition_decks, lang, docname):
    out, _ = edition_decks(lang)
    soup = parse(out / name_of(docname))
    kinds = [s["data-kind"] for s in soup.select(".slides > section")]
    assert kinds[0] == "title" and kinds[1] == "objectives" and kinds[-1] == "summary"
    assert {"figure", "player"} & set(kinds), kinds
    assert "exercise" in kinds
    # every slide but the summary has speaker notes with some text
    for section in soup.select(".slides > section:not([data-kind=summary])"):
        notes = section.find("aside", class_="notes")
        assert notes is not None and len(notes.get_text(strip=True)) > 20, section.get("data-kind")
    # the exercise slides carry the statement, not the notebook's answer-check snippet
    for section in soup.select('section[data-kind="exercise"]'):
        assert "check(" not in section.select_one(".deck-body").get_text()
        assert slides.DECK_WORDS[lang]["solution"] in section.find("aside").get_text()


@pytest.mark.parametrize("lang", EDITIONS)
@pytest.mark.parametrize("docname", CHAPTERS)
def test_deck_loads_only_its_own_files(edition_decks, lang, docname):
    out, _ = edition_decks(lang)
    soup = parse(out / name_of(docname))
    urls = ([s["src"] for s in soup.find_all("script", src=True)]
            + [link["href"] for link in soup.find_all("link", href=True)]
            + [img["src"] for img in soup.find_all("img")])
    assert urls
    for url in urls:
        assert not url.startswith(("http:", "https:", "//", "/", "..")), url
        if not url.startswith("data:"):
            assert (out / url.split("?")[0]).is_file(), url


@pytest.mark.parametrize("lang", EDITIONS)
@pytest.mark.parametrize("docname", CHAPTERS)
def test_deck_figures_are_the_books(edition_decks, book_html, lang, docname):
    """A figure in a slide is the file the chapter's page (of that edition) shows, byte for
    byte: the Chinese deck shows the Chinese edition's figures, drawn with Chinese text."""
    out, _ = edition_decks(lang)
    site = book_html / EDITIONS[lang]
    page = (site / f"{docname}.html").read_text(encoding="utf-8")
    soup = parse(out / name_of(docname))
    figures = soup.select("section[data-kind=figure] figure img")
    for img in figures:
        name = img["src"].split("/")[-1]
        assert f"_images/{name}" in page
        assert (out / img["src"]).read_bytes() == (site / "_images" / name).read_bytes()


# --- in the browser ------------------------------------------------------------------------


class DeckVisit:
    def __init__(self, browser, url):
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 720})
        self.page = self.context.new_page()

        def route(route_, request):
            if is_local(request.url):
                route_.continue_()
            else:
                self.problems.append(f"request leaving 127.0.0.1: {request.url}")
                route_.abort()

        def on_console(message):
            if message.type in ("error", "warning"):
                self.problems.append(f"console [{message.type}]: {message.text}")

        self.context.route("**/*", route)
        self.page.on("console", on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"exception: {error}"))
        self.page.on("requestfailed", lambda r: self.problems.append(
            f"failed request: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(
            f"HTTP {r.status} {r.url}"))
        self.page.goto(url, wait_until="networkidle")
        self.page.wait_for_function("() => window.Reveal && Reveal.isReady()")

    def indices(self):
        return self.page.evaluate("() => Reveal.getIndices()")

    def close(self):
        self.context.close()


# Per slide: text smaller than MIN_FONT_PX, and how far the content reaches below the slide.
SLIDE_CHECK = """(minPx) => {
  const slide = Reveal.getCurrentSlide();
  const small = [];
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || el.closest('aside.notes')) continue;
    if (!el.getClientRects().length) continue;            // not shown (hidden frame)
    const size = parseFloat(getComputedStyle(el).fontSize);
    // sub- and superscripts in a formula are set smaller on purpose (MathML's script level)
    const math = el.closest('math');
    const script = math && el !== math &&
      el.closest('msub, msup, msubsup, munder, mover, munderover, mfrac, mroot');
    if (script && size >= 0.7 * parseFloat(getComputedStyle(math).fontSize)) continue;
    if (size < minPx - 0.01) small.push(`${size}px: ${node.textContent.trim().slice(0, 40)}`);
  }
  // a box that scrolls or clips its content (a player squeezed by the slide) hides part of it
  const clipped = [...slide.querySelectorAll('*')].filter((el) => {
    if (el.closest('aside.notes') || !el.getClientRects().length) return false;
    const overflow = getComputedStyle(el).overflowY;
    return overflow !== 'visible' && el.scrollHeight > el.clientHeight + 2;
  }).map((el) => `${el.tagName.toLowerCase()}.${el.className}: ` +
                 `${el.scrollHeight} px in ${el.clientHeight}`);
  return {small, clipped, bottom: slide.scrollHeight, index: Reveal.getIndices()};
}"""


CONTROL_LABELS = """() => Object.fromEntries([...document.querySelectorAll('.controls button')]
    .map((b) => [b.classList[0], b.getAttribute('aria-label')]))"""


HELP = """() => ({
    title: document.querySelector('.r-overlay-help .title')?.textContent,
    heads: [...document.querySelectorAll('.r-overlay-help th')].map((th) => th.textContent),
    actions: [...document.querySelectorAll('.r-overlay-help tr td:nth-child(2)')]
        .map((td) => td.textContent)})"""


def test_the_chinese_decks_own_help_and_jump_box_are_in_chinese(browser, deck_servers):
    """reveal.js writes its help overlay (?) and its jump box (G) in English: deck.js puts
    the deck's words (DECK_WORDS["zh"]["help"]) in their place."""
    words = slides.DECK_WORDS["zh"]["help"]
    visit = DeckVisit(browser, f"{deck_servers('zh')}{name_of(ZH_DECK)}")
    try:
        page = visit.page
        page.keyboard.press("Shift+Slash")
        page.wait_for_selector(".r-overlay-help td")
        shown = page.evaluate(HELP)
        assert shown["title"] == words["Keyboard Shortcuts"]
        assert shown["heads"] == [words["KEY"], words["ACTION"]]
        assert len(shown["actions"]) >= 5 and set(shown["actions"]) <= set(words.values()), \
            shown["actions"]  # every action in Chinese, the speaker notes' (a plugin's) too
        assert words["Speaker notes view"] in shown["actions"]
        page.keyboard.press("Escape")
        page.keyboard.press("g")
        page.wait_for_selector(".jump-to-slide-input")
        assert page.get_attribute(".jump-to-slide-input", "placeholder") == words["Jump to slide"]
        assert visit.problems == []
    finally:
        visit.close()


@pytest.mark.parametrize("lang, docname", BROWSER_DECKS)
def test_deck_steps_through_every_slide_by_keyboard(browser, deck_servers, lang, docname):
    visit = DeckVisit(browser, f"{deck_servers(lang)}{name_of(docname)}")
    try:
        page = visit.page
        total = page.evaluate("() => Reveal.getTotalSlides()")
        assert total >= 5
        seen, small, overflowing = [], [], []
        for step in range(total):
            state = page.evaluate(SLIDE_CHECK, MIN_FONT_PX)
            seen.append((state["index"]["h"], state["index"]["v"]))
            small += [f"slide {step + 1}: {s}" for s in state["small"]]
            if state["bottom"] > SLIDE_HEIGHT:
                overflowing.append(f"slide {step + 1}: {state['bottom']} px tall")
            overflowing += [f"slide {step + 1}: {c}" for c in state["clipped"]]
            if step < total - 1:
                page.keyboard.press("ArrowRight")
        assert len(set(seen)) == total, seen  # every press went to a new slide
        # reveal.js's arrows carry the deck's words (deck.js), not reveal.js's English
        assert page.evaluate(CONTROL_LABELS) == slides.DECK_WORDS[lang]["controls"]
        assert page.evaluate("() => Reveal.isLastSlide()")
        page.keyboard.press("Home")
        assert visit.indices()["h"] == 0
        assert small == [], small
        assert overflowing == [], overflowing
        assert visit.problems == []
    finally:
        visit.close()


# The players' data kinds (tconv.show.player): steppers step by ← →, choosers by their menus.
# A size player (number fields and a formula) has neither, so the keyboard test leaves it out.
PLAYER_KINDS = {"frames": "seq", "editable": "seq", "chooser": "choose", "size": "size"}


def player_slides(out) -> list[tuple[str, int, str]]:
    """(deck file, slide index, "seq", "choose" or "size") of every player in the decks, read
    from the data each player is drawn from in the browser."""
    found = []
    for deck in sorted(out.glob("*.html")):
        for index, section in enumerate(parse(deck).select(".slides > section")):
            data = section.select_one(".tconv-widget[data-tconv-module] script.tconv-data")
            if data is not None:
                found.append((deck.name, index, PLAYER_KINDS[json.loads(data.string)["kind"]]))
    return found


FOCUS_IN_PLAYER = "() => !!document.activeElement.closest('section.present .tconv-player')"
# the frame a player shows (a stepper's step, a chooser's combination), as the module sets it
SHOWN_FRAME = """() => document.querySelector('section.present .tconv-player')
    .getAttribute('data-frame')"""
MOUNTED = """() => {
  const widgets = [...document.querySelectorAll('.tconv-widget[data-tconv-module]')];
  return [widgets.length, widgets.filter((w) => w.querySelector('.tconv-player')).length];
}"""


@pytest.mark.parametrize("lang, docname", BROWSER_DECKS)
def test_deck_mounts_every_player_it_shows(browser, deck_servers, edition_decks, lang, docname):
    """Each player's data in the deck is drawn by the players' module, as in the book."""
    name = name_of(docname)
    expected = sum(1 for deck, _, _ in player_slides(edition_decks(lang)[0]) if deck == name)
    visit = DeckVisit(browser, f"{deck_servers(lang)}{name}")
    try:
        visit.page.wait_for_function(f"() => ({MOUNTED})()[1] >= {expected}", timeout=10_000)
        assert visit.page.evaluate(MOUNTED) == [expected, expected]
        assert visit.problems == []
    finally:
        visit.close()


def test_every_player_in_the_decks_works_from_the_keyboard(browser, deck_server, decks):
    """Tab into each player, step it (a stepper by →, a chooser by ↓ on a menu) while the deck
    stays on its slide; Esc hands the keys back and → goes on to the next slide."""
    out, _ = decks
    players = player_slides(out)
    assert {"seq", "choose"} <= {kind for _, _, kind in players}, players
    failures = []
    for name, index, kind in [p for p in players if p[2] != "size"]:
        visit = DeckVisit(browser, f"{deck_server}{name}#/{index}")
        try:
            page = visit.page
            assert visit.indices()["h"] == index
            page.wait_for_function(
                "() => !!document.querySelector('section.present .tconv-player')")
            for _ in range(12):  # Tab as a presenter would, until the player has the focus
                page.keyboard.press("Tab")
                tag = page.evaluate("() => document.activeElement.tagName")
                if page.evaluate(FOCUS_IN_PLAYER) and (kind == "seq" or tag == "SELECT"):
                    break
            if not page.evaluate(FOCUS_IN_PLAYER):
                failures.append(f"{name} slide {index}: Tab never reached the player")
                continue
            before = page.evaluate(SHOWN_FRAME)
            page.keyboard.press("ArrowRight" if kind == "seq" else "ArrowDown")
            if page.evaluate(SHOWN_FRAME) == before:
                failures.append(f"{name} slide {index}: the {kind} player did not change")
            if visit.indices()["h"] != index:
                failures.append(f"{name} slide {index}: the deck moved with the player's key")
            page.keyboard.press("Escape")
            page.keyboard.press("ArrowRight")
            if visit.indices()["h"] != index + 1:
                failures.append(f"{name} slide {index}: Esc did not hand the keys back")
            failures += [f"{name} slide {index}: {p}" for p in visit.problems]
        finally:
            visit.close()
    assert failures == []
