"""The lecture slides (`make slides`): one deck per chapter, cut from the built book, offline.

The decks are written from the shared test build (``book_html``) into a folder of their own
and served alone, so a deck that needed anything outside its folder (the book's _static,
_images, a CDN) would show a failed request. In Chromium each deck is stepped through slide
by slide with the keyboard: no console error, no request off the host, no text under 24 px
at the slide's size, nothing spilling off the slide; a player in a deck steps with its own
keys while the deck stays put.
"""

from __future__ import annotations

import json

import pytest
from browser_support import is_local, serve_book_module
from bs4 import BeautifulSoup
from script_support import load_script

pytest_plugins = ["browser_support"]


slides = load_script("slides")
CHAPTERS = slides.chapter_docnames()
MIN_FONT_PX = 24  # at the slide's own size, 1280×720
SLIDE_HEIGHT = 720


@pytest.fixture(scope="session")
def decks(book_html, tmp_path_factory):
    out = tmp_path_factory.mktemp("decks") / "slides"
    written = slides.build(book_html, out)
    return out, written


@pytest.fixture(scope="session")
def deck_server(decks):
    out, _ = decks
    with serve_book_module().BackgroundServer(out, compress_missing=False,
                                              codings=("gzip",)) as url:
        yield url


def parse(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_one_deck_per_chapter(decks):
    out, written = decks
    assert sorted(p.name for p in written) == sorted(f"{c.split('/')[-1]}.html" for c in CHAPTERS)
    assert all((p.with_name(p.name + ".gz")).is_file() for p in written)


def test_the_instructors_page_links_every_deck(book_html, decks):
    _, written = decks
    page = parse(book_html / "instructors.html")
    links = [a["href"] for a in page.select("article a[href^='slides/']")]
    assert sorted(links) == sorted(f"slides/{p.name}" for p in written)
    assert len(links) == len(CHAPTERS)


@pytest.mark.parametrize("docname", CHAPTERS)
def test_deck_has_the_parts_of_a_lecture(decks, docname):
    out, _ = decks
    soup = parse(out / f"{docname.split('/')[-1]}.html")
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
        assert "Solution" in section.find("aside").get_text()


@pytest.mark.parametrize("docname", CHAPTERS)
def test_deck_loads_only_its_own_files(decks, docname):
    out, _ = decks
    soup = parse(out / f"{docname.split('/')[-1]}.html")
    urls = ([s["src"] for s in soup.find_all("script", src=True)]
            + [link["href"] for link in soup.find_all("link", href=True)]
            + [img["src"] for img in soup.find_all("img")])
    assert urls
    for url in urls:
        assert not url.startswith(("http:", "https:", "//", "/", "..")), url
        if not url.startswith("data:"):
            assert (out / url.split("?")[0]).is_file(), url


@pytest.mark.parametrize("docname", CHAPTERS)
def test_deck_figures_are_the_books(decks, book_html, docname):
    """A figure in a slide is the file the chapter's page shows, byte for byte."""
    out, _ = decks
    page = (book_html / f"{docname}.html").read_text(encoding="utf-8")
    soup = parse(out / f"{docname.split('/')[-1]}.html")
    figures = soup.select("section[data-kind=figure] figure img")
    for img in figures:
        name = img["src"].split("/")[-1]
        assert f"_images/{name}" in page
        assert (out / img["src"]).read_bytes() == (book_html / "_images" / name).read_bytes()


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


@pytest.mark.parametrize("docname", CHAPTERS)
def test_deck_steps_through_every_slide_by_keyboard(browser, deck_server, docname):
    visit = DeckVisit(browser, f"{deck_server}{docname.split('/')[-1]}.html")
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


@pytest.mark.parametrize("docname", CHAPTERS)
def test_deck_mounts_every_player_it_shows(browser, deck_server, decks, docname):
    """Each player's data in the deck is drawn by the players' module, as in the book."""
    name = f"{docname.split('/')[-1]}.html"
    expected = sum(1 for deck, _, _ in player_slides(decks[0]) if deck == name)
    visit = DeckVisit(browser, f"{deck_server}{name}")
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
