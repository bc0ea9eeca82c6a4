"""The built book in a real browser: Debian's Chromium, headless, driven by Playwright.

Each page is served from 127.0.0.1 and must load with a clean console and no failed or
outside request; math must be shown as MathML (written when the book is built); every player
must step on click, on the keyboard and with its slider, and every editable one take new
numbers, with no kernel and no network.
Skipped, with the command to install it, when Chromium is absent.
"""

from __future__ import annotations

import pytest
from browser_support import (
    PAGE_BUDGET_BYTES,
    PLAYER_BUDGET_BYTES,
    SITE_PAGES,
    player_docnames,
    toc_docnames,
    zh_docnames,
)

pytest_plugins = ["browser_support"]

DOCNAMES = toc_docnames()
PLAYER = ".tconv-player"


@pytest.mark.parametrize("docname", DOCNAMES + [p for p in SITE_PAGES if p != "index"]
                         + zh_docnames() + ["zh/search"])
def test_page_loads_cleanly(visit, docname):
    page = visit(docname)
    assert page.problems() == []
    assert 0 < page.document_bytes <= PAGE_BUDGET_BYTES


def test_site_root_opens_the_introduction_cleanly(visit):
    page = visit("index")
    assert page.page.url.endswith(f"/{DOCNAMES[0]}.html")
    # The redirect may cancel the root page's own favicon request: that abort is expected.
    aborted = [r for r in page.failed_requests if r.endswith("(net::ERR_ABORTED)")]
    assert [p for p in page.problems() if p.removeprefix("failed request: ") not in aborted] == []


def test_math_is_shown_offline(visit, book_html):
    """Every formula shown on a page is MathML that the browser lays out as math (no script,
    no web font), and no TeX is left as text (see also tests/test_book_speed.py)."""
    math_pages = [
        d for d in DOCNAMES if 'class="math' in (book_html / f"{d}.html").read_text("utf-8")
    ]
    assert math_pages, "no page has math, so nothing shows that math renders offline"
    for docname in math_pages:
        page = visit(docname)
        found = page.page.evaluate(
            r"""() => {
                const shown = [...document.querySelectorAll('.math')]
                    .filter(el => el.getClientRects().length);
                const laidOut = shown.filter(el => {
                    const m = el.querySelector(':scope > math');
                    return m && getComputedStyle(m).display.includes('math')
                        && m.getBoundingClientRect().width > 0;
                });
                const tex = shown.filter(el => /\\[a-zA-Z]+|\\\(/.test(el.innerText));
                return {shown: shown.length, laid_out: laidOut.length, tex: tex.length};
            }"""
        )
        assert found["shown"] > 0 and found["laid_out"] == found["shown"], (docname, found)
        assert found["tex"] == 0, (docname, found)
        assert page.problems() == []


def frame(root) -> int:
    return int(root.get_attribute("data-frame"))


def wait_for_frame(root, value: int) -> None:
    from playwright.sync_api import expect

    expect(root).to_have_attribute("data-frame", str(value), timeout=30_000)


def exercise_sequence_player(page, root, frames: int) -> None:
    """Buttons, keyboard and slider each move the shown frame as the contract says."""
    caption = root.locator(".tconv-caption")
    assert caption.count() == 1 and caption.inner_text().strip(), "caption missing or empty"
    assert caption.get_attribute("aria-live") == "polite"
    for action in ("first", "prev", "play", "next", "last"):
        button = root.locator(f"button[data-action={action}]")
        assert button.count() == 1, f"no {action} button"
        assert button.get_attribute("aria-label"), f"{action} button has no aria-label"
    slider = root.locator("input[type=range][data-action=seek]")
    assert slider.count() == 1 and slider.get_attribute("aria-label"), "slider missing"
    assert int(slider.get_attribute("max")) == frames - 1

    root.locator("button[data-action=first]").click()
    wait_for_frame(root, 0)
    before = caption.inner_text()
    root.locator("button[data-action=next]").click()
    wait_for_frame(root, 1)
    assert caption.inner_text() != before, "the caption did not follow the frame"

    root.focus()
    page.keyboard.press("ArrowRight")
    wait_for_frame(root, min(2, frames - 1))
    page.keyboard.press("ArrowLeft")
    wait_for_frame(root, 1)
    page.keyboard.press("End")
    wait_for_frame(root, frames - 1)
    page.keyboard.press("Home")
    wait_for_frame(root, 0)

    slider.fill(str(frames - 1))
    wait_for_frame(root, frames - 1)
    root.locator("button[data-action=prev]").click()
    wait_for_frame(root, frames - 2)

    root.locator("button[data-action=first]").click()
    wait_for_frame(root, 0)
    root.locator("button[data-action=play]").click()
    page.wait_for_function(
        "el => el.dataset.frame !== '0'", arg=root.element_handle(), timeout=10_000
    )
    root.locator("button[data-action=play]").click()  # pause
    paused_at = frame(root)
    page.wait_for_timeout(1_500)
    assert frame(root) == paused_at, "the second click on play did not pause"


def exercise_chooser_player(root) -> None:
    """Changing any setting shows another frame."""
    selects = root.locator("select[data-param]")
    for i in range(selects.count()):
        select = selects.nth(i)
        assert select.evaluate("el => el.labels.length") >= 1, (
            f"select {select.get_attribute('data-param')} has no <label>"
        )
        values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        current = select.input_value()
        others = [v for v in values if v != current]
        if not others:
            continue
        before = frame(root)
        select.select_option(others[0])
        root.page.wait_for_function(
            "([el, f]) => el.dataset.frame !== String(f)",
            arg=[root.element_handle(), before],
            timeout=30_000,
        )


def exercise_editor(page, root) -> None:
    """An editable player: Edit opens labelled fields, a change recomputes from frame 0, Reset
    brings the example back."""
    box = root.locator("xpath=ancestor-or-self::*[contains(@class, 'tconv-pair')]")
    host = box if box.count() else root
    edit = host.locator("[data-action=edit]").first
    if not edit.is_visible():  # the calculator's fields are always open
        return
    frames_before = root.get_attribute("data-frames")
    root.locator("[data-action=last]").click()
    edit.click()
    assert edit.get_attribute("aria-expanded") == "true"
    fields = host.locator(".tconv-form input")
    assert fields.count() >= 2
    assert all(f.evaluate("el => el.labels.length") >= 1 for f in fields.all())
    x = host.locator("input[name=x]")
    x.fill(x.input_value() + "; " + " ".join(["1"] * len(x.input_value().split(";")[0].split())))
    assert host.locator(".tconv-error").is_hidden(), host.locator(".tconv-error").inner_text()
    wait_for_frame(root, 0)  # back to the start after a change
    assert root.get_attribute("data-frames") != frames_before
    host.locator("[data-action=reset]").click()
    assert root.get_attribute("data-frames") == frames_before
    edit.click()  # closed again


def exercise_players(page) -> int:
    """Check every static player on an open page; return how many there were."""
    roots = page.locator(PLAYER)
    for i in range(roots.count()):
        root = roots.nth(i)
        root.scroll_into_view_if_needed()
        assert root.get_attribute("role") == "group"
        assert root.get_attribute("aria-label"), "player has no aria-label"
        assert root.get_attribute("tabindex") == "0"
        size = len(root.evaluate("el => el.outerHTML").encode())
        assert size <= PLAYER_BUDGET_BYTES, f"player {i} is {size} bytes"
        frames = int(root.get_attribute("data-frames"))
        assert 0 <= frame(root) < frames
        if root.locator("[data-action=next]").count():
            assert frames >= 3, "a sequence player needs a few frames to step through"
            exercise_sequence_player(page, root, frames)
        if root.locator("select[data-param]").count():
            exercise_chooser_player(root)
        if root.get_attribute("class").split()[1] == "tconv-seq":
            exercise_editor(page, root)
    return roots.count()


# The Chinese pages too, but for two whose every player test_book_zh.py edits and reads again
# (stride-padding, many-names): the same module, and this walk is the suite's slowest part.
ZH_EDITED = ("chapters/stride-padding", "chapters/many-names")


@pytest.mark.parametrize("docname", player_docnames() +
                         [f"zh/{d}" for d in player_docnames() if d not in ZH_EDITED])
def test_the_chapter_player_steps_without_a_kernel(visit, docname):
    page = visit(docname)
    count = exercise_players(page.page)
    assert count >= 1, f"{docname} should show at least one static player"
    assert page.problems() == []


def test_the_pages_stepped_above_are_the_pages_with_players(book_html):
    """A page that gains a player must join PLAYER_PAGES, so the test above steps it (this
    was a loop over the others that matched a class name no page has any more: a skip)."""
    shown = {d for d in DOCNAMES
             if 'class="tconv-widget"' in (book_html / f"{d}.html").read_text("utf-8")}
    assert shown == set(player_docnames())
