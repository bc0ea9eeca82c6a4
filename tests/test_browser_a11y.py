"""Accessibility of the built book: axe-core in every page, in the light and the dark theme.

axe-core (from the npm registry, bundled by the ``axe-playwright-python`` wheel pinned in
requirements.txt) is injected into each page served by ``browser_support``; no page may have
a violation of any impact (minor included), and neither may our own widgets
(``.tconv-player``, ``.tconv-error``) in any of their frames. Every image must carry a real
description in ``alt``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser_support import PLAYER_PAGES, SITE_PAGES, toc_docnames, zh_docnames

pytest_plugins = ["browser_support"]

DOCNAMES = toc_docnames()
# Every rule in the light theme; in the dark one only what the theme changes: colours.
THEMES = {"light": None, "dark": ["color-contrast"]}


def axe_script() -> str:
    """The text of axe.min.js shipped inside the axe-playwright-python wheel."""
    package = pytest.importorskip(
        "axe_playwright_python", reason="axe-playwright-python is not installed (requirements.txt)"
    )
    return (Path(package.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def set_theme(page, theme: str) -> None:
    """Switch the pydata theme the way its own button does, with its fade turned off.

    The theme fades colours in over a few hundred milliseconds; on a loaded machine a fixed
    wait could let axe read a colour halfway through the fade. Transitions are switched off
    first, so the new colours apply at once, and two animation frames let styles settle.
    """
    page.evaluate(
        """theme => new Promise(done => {
            if (!document.getElementById('tcd-no-fade')) {
                const style = document.createElement('style');
                style.id = 'tcd-no-fade';
                style.textContent = '*, *::before, *::after {transition: none !important;' +
                                    ' animation: none !important}';
                document.head.append(style);
            }
            document.documentElement.dataset.mode = theme;
            document.documentElement.dataset.theme = theme;
            requestAnimationFrame(() => requestAnimationFrame(done));
        })""",
        theme,
    )


def axe_violations(page, rules: list[str] | None = None, within: list[str] | None = None
                   ) -> list[dict]:
    """axe-core's violations on the open page (all rules, or only these), injected once.

    ``within``: CSS selectors; only elements inside what they match are checked.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    context = {"include": [[sel] for sel in within]} if within else "document"
    results = page.evaluate("([context, options]) => axe.run(context === 'document' ? "
                            "document : context, options)", [context, options])
    return results["violations"]


OWN_WIDGETS = (".tconv-player", ".tconv-error")


# Every frame of every player, side by side: the module draws one frame at a time, so each
# frame is drawn in turn and a copy of the player showing it is kept (its ids renamed, and the
# references to them) beside the original. Every editor is open and one shows its error box.
REVEAL = """() => {
    const roots = Array.from(document.querySelectorAll('.tconv-player'));
    let copies = 0;
    const copy = (root, k) => {
        const c = root.cloneNode(true);
        c.classList.add('tconv-copy');
        const rename = (v) => v.split(' ').map(id => id ? id + '-copy' + k : id).join(' ');
        [c, ...c.querySelectorAll('[id]')].forEach(e => { e.id = rename(e.id); });
        for (const a of ['aria-controls', 'aria-describedby', 'aria-labelledby', 'for']) {
            c.querySelectorAll(`[${a}]`).forEach(e => e.setAttribute(a, rename(e.getAttribute(a))));
        }
        root.parentNode.insertBefore(c, root.nextSibling);
        copies++;
    };
    document.querySelectorAll('[data-action=edit][aria-expanded=false]').forEach(b => b.click());
    const field = document.querySelector('.tconv-edit input[type=number]');
    if (field) { field.value = '-1'; field.dispatchEvent(new Event('input', {bubbles: true})); }
    let k = 0;
    for (const root of roots) {
        const n = +root.dataset.frames, slider = root.querySelector('input[data-action=seek]');
        const selects = Array.from(root.querySelectorAll('select[data-param]'));
        for (let i = n - 1; i >= 0; i--) {
            if (slider) {
                slider.value = i;
                slider.dispatchEvent(new Event('input', {bubbles: true}));
            } else if (selects.length) {
                let rest = i;
                for (let s = selects.length - 1; s >= 0; s--) {
                    selects[s].selectedIndex = rest % selects[s].options.length;
                    rest = Math.floor(rest / selects[s].options.length);
                }
                selects[0].dispatchEvent(new Event('change', {bubbles: true}));
            }
            if (i > 0) copy(root, k++);
        }
    }
    return {players: roots.length, errors: document.querySelectorAll('.tconv-error').length,
            frames: roots.reduce((t, r) => t + +r.dataset.frames, 0), copies};
}"""


def reveal_every_frame(page) -> dict[str, int]:
    """Every frame of every player drawn into the page (see REVEAL); count what is there."""
    return page.evaluate(REVEAL)


def own_widget_violations(page) -> dict[str, list[dict]]:
    """Violations of any impact inside our widgets, every frame shown, per theme."""
    found = reveal_every_frame(page)
    within = [sel for sel, key in zip(OWN_WIDGETS, ("players", "errors"), strict=True)
              if found[key]]
    if not within:
        return {}
    by_theme = {}
    for theme, rules in THEMES.items():
        set_theme(page, theme)
        by_theme[theme] = axe_violations(page, rules, within)
    return by_theme


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} elements)")
        for node in v["nodes"][:5]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("docname", DOCNAMES + [p for p in SITE_PAGES if p != "index"]
                         + zh_docnames())
def test_no_axe_violation_of_any_impact_on_the_page(visit, docname):
    page = visit(docname)
    for theme, rules in THEMES.items():
        set_theme(page.page, theme)
        violations = axe_violations(page.page, rules)
        assert violations == [], f"{docname}, {theme} theme:\n{describe(violations)}"


@pytest.mark.parametrize("docname", DOCNAMES)
def test_no_axe_violation_of_any_impact_inside_our_widgets(visit, docname):
    page = visit(docname)
    for theme, violations in own_widget_violations(page.page).items():
        assert violations == [], f"{docname}, {theme} theme, every frame:\n{describe(violations)}"


def test_widget_check_sees_every_frame_and_minor_violations_in_them(visit):
    """The widget check can fail, and it looks at every frame: each player stands beside a
    copy of itself per frame, and an empty header cell (a minor violation for axe) planted in
    the copy of a frame that is not shown is reported."""
    page = visit(PLAYER_PAGES[0])
    found = reveal_every_frame(page.page)
    assert found["players"] >= 3 and found["copies"] == found["frames"] - found["players"]
    shown = page.page.evaluate("""() => Array.from(document.querySelectorAll('.tconv-copy'))
        .map(c => c.dataset.frame)""")
    assert len(shown) == found["copies"] and "0" not in shown  # frame 0 is the original's
    page.page.evaluate(
        """() => {
            const frame = document.querySelector('.tconv-copy .tconv-frame');
            const table = document.createElement('table');
            table.innerHTML = '<tr><th></th><th>1</th></tr><tr><th>1</th><td>5</td></tr>';
            frame.appendChild(table);
        }"""
    )
    light = axe_violations(page.page, None, [".tconv-player", ".tconv-error"])
    assert [(v["id"], v["impact"]) for v in light] == [("empty-table-header", "minor")]


def _rgb_luminance(css_rgb: str) -> float:
    """WCAG relative luminance of a computed ``rgb(r, g, b)`` colour."""
    channels = [int(v) / 255 for v in re.findall(r"\d+", css_rgb)[:3]]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("theme", list(THEMES))
def test_keyboard_focus_on_player_controls_is_visible(visit, theme):
    """Tabbing from a player onto its controls draws a solid outline of at least 2 px whose
    colour stands out from the player's background by 3:1 (WCAG non-text contrast)."""
    page = visit(PLAYER_PAGES[0]).page
    set_theme(page, theme)
    page.locator(".tconv-player").first.focus()
    seen = []
    for _ in range(8):  # the root, Edit, Reset, then first, prev, play, next and last
        state = page.evaluate(
            """() => {
                const e = document.activeElement, s = getComputedStyle(e);
                const root = e.closest('.tconv-player');
                return {what: e.getAttribute('data-action') || e.className,
                        visible: e.matches(':focus-visible'), style: s.outlineStyle,
                        width: parseFloat(s.outlineWidth), colour: s.outlineColor,
                        background: root && getComputedStyle(root).backgroundColor};
            }"""
        )
        assert state["background"], f"focus left the player: {state}"
        hi, lo = sorted((_rgb_luminance(state["colour"]), _rgb_luminance(state["background"])),
                        reverse=True)
        assert state["visible"] and state["style"] == "solid" and state["width"] >= 2, state
        assert (hi + 0.05) / (lo + 0.05) >= 3, state
        seen.append(state["what"])
        page.keyboard.press("Tab")
    assert seen[1:] == ["edit", "reset", "first", "prev", "play", "next", "last"]


def test_axe_finds_a_planted_violation(visit):
    """The check can fail: an unlabelled image button is a critical violation for axe."""
    page = visit(DOCNAMES[0])
    page.page.evaluate(
        """() => {
            const button = document.createElement('button');
            button.id = 'planted';
            button.appendChild(document.createElement('span'));
            document.querySelector('main').appendChild(button);
        }"""
    )
    found = {(v["id"], v["impact"]) for v in axe_violations(page.page)}
    assert ("button-name", "critical") in found


# --- alt text, read from the built HTML -----------------------------------------------------

FILENAME_LIKE = re.compile(r"(^|/)[^\s/]+\.(png|jpe?g|svg|gif|webp)$", re.IGNORECASE)


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


def images_of(html: str) -> list[dict[str, str | None]]:
    parser = _Images()
    parser.feed(html)
    return parser.images


def bad_alt(image: dict[str, str | None]) -> str | None:
    """Why this image's alt text is not a description, or None when it is one."""
    alt = (image.get("alt") or "").strip()
    if image.get("role") == "presentation" or image.get("aria-hidden") == "true":
        return None
    if not alt:
        return "no alt text"
    if FILENAME_LIKE.search(alt):
        return f"alt text is a file name ({alt!r})"
    return None


def test_alt_check_rejects_missing_and_filename_alts():
    assert bad_alt({"src": "a.png"}) == "no alt text"
    assert bad_alt({"src": "a.png", "alt": "  "}) == "no alt text"
    assert bad_alt({"src": "a.png", "alt": "../_images/abc123.png"}).startswith("alt text is")
    assert bad_alt({"src": "a.png", "alt": "A 3×3 grid of counts"}) is None


def test_every_image_in_the_book_has_alt_text(book_html):
    problems = []
    pages = sorted(p for p in book_html.glob("**/*.html") if "_static" not in p.parts)
    assert pages
    for path in pages:
        for image in images_of(path.read_text(encoding="utf-8")):
            reason = bad_alt(image)
            if reason:
                src = (image.get("src") or "")[:80]
                problems.append(f"{path.relative_to(book_html)}: <img src={src!r}>: {reason}")
    assert problems == []


# Lighthouse's SEO audit "links are crawlable": an <a> with no href is not a link (the
# players' "Link to these numbers" had none until its first use; SEO 91 on three chapters).
UNLINKED = """() => [...document.querySelectorAll('a')]
    .filter(a => !a.getAttribute('href') || a.getAttribute('href').startsWith('javascript:'))
    .map(a => a.outerHTML.slice(0, 120))"""


@pytest.mark.parametrize("docname", DOCNAMES)
def test_every_link_on_the_page_has_an_href_once_the_players_are_drawn(visit, docname):
    page = visit(docname)
    assert page.page.evaluate(UNLINKED) == []
