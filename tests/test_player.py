"""The players' assets and the self-contained text/html copy that runs them with no kernel.

The HTML is parsed with the standard library's ``html.parser`` into a flat list of elements,
each knowing its ancestors. What the module draws is checked in a real browser
(tests/test_browser_players.py); here: the page copy carries the object's data, the module and
the stylesheet, needs no network, and the stylesheet's palette keeps its contrast.
"""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

import matplotlib
import pytest
from tconv.show.player import (
    BOOT,
    BUDGET_BYTES,
    CELL_BYTES,
    budget_message,
    chooser_index,
    count_text,
    css_text,
    digest,
    error_box,
    figure_frame,
    image_frame,
    module_text,
    player_id,
    product_of,
    static_html,
)

matplotlib.use("Agg")

# Elements whose end tag the renderers may leave out; they are not pushed on the stack.
_UNCLOSED = {"input", "img", "br", "meta", "link", "td", "th", "tr", "hr", "col"}


class Element:
    def __init__(self, tag, attrs, parents):
        self.tag, self.attrs, self.parents, self.text = tag, dict(attrs), parents, ""

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def within(self, cls: str) -> bool:
        return any(cls in p.classes for p in self.parents)


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements, self.stack = [], []

    def handle_starttag(self, tag, attrs):
        el = Element(tag, attrs, list(self.stack))
        self.elements.append(el)
        if tag not in _UNCLOSED:
            self.stack.append(el)

    def handle_endtag(self, tag):
        if tag in _UNCLOSED:
            return
        assert self.stack and self.stack[-1].tag == tag, f"unbalanced </{tag}>"
        self.stack.pop()

    def handle_data(self, data):
        for el in self.stack:
            el.text += data


def parse_html(html: str) -> list[Element]:
    """Every element of ``html`` in document order; asserts the closed tags balance."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    assert not parser.stack, f"unclosed: {[e.tag for e in parser.stack]}"
    return parser.elements


def find(elements, tag=None, cls=None, **attrs) -> list[Element]:
    """Elements matching a tag, a class and attribute values (None: attribute present)."""
    out = []
    for el in elements:
        if tag and el.tag != tag or cls and cls not in el.classes:
            continue
        if all(k.replace("_", "-") in el.attrs and (v is None or el.attrs[k.replace("_", "-")] == v)
               for k, v in attrs.items()):
            out.append(el)
    return out


def assert_self_contained(html: str) -> None:
    """No request of any kind: no URL, no external script or stylesheet."""
    lowered = html.lower()
    for bad in ("http://", "https://", "<script src", "<link", "@import"):
        assert bad not in lowered, bad
    assert not re.search(r"\burl\(", lowered), "a CSS url()"


DATA = {"kind": "frames", "id": "tcp-0", "title": "A <title> </script>", "note": "",
        "css": "", "interval": 900, "frames": ["<b>one</b>", "<!-- two -->"],
        "captions": ["first", 'second "frame"']}


# The text/html copy --------------------------------------------------------------------------

def test_static_html_carries_the_data_the_module_and_the_stylesheet():
    html = static_html(DATA)
    els = parse_html(html)
    (root,) = find(els, "div", "tconv-widget")
    assert root.attrs["data-tconv-module"] == digest(module_text())
    (data,) = find(els, "script", "tconv-data")
    assert data.attrs["type"] == "application/json" and json.loads(data.text) == DATA
    (module,) = find(els, "script", "tconv-module")
    assert module.attrs["data-sha"] == digest(module_text())
    assert json.loads(module.text) == module_text()  # a JSON string: imported from a Blob URL
    (style,) = find(els, "style", "tconv-css")
    assert style.text == css_text() and style.attrs["data-sha"] == digest(css_text())
    (boot,) = [s for s in find(els, "script") if "class" not in s.attrs]
    assert boot.text == BOOT and "m.mount(el," in BOOT and "createObjectURL" in BOOT
    assert all(e.within("tconv-widget") for e in (data, module, style, boot))
    assert_self_contained(html)


def test_text_inside_the_scripts_cannot_end_them_early():
    html = static_html(DATA)
    # the data's "</script>" and "<!--" are escaped; only the four real closing tags remain
    assert html.count("</script>") == 3 and "<!--" not in html
    assert "\\u003c/script>" in html


def test_the_module_is_an_es_module_with_anywidgets_shape_and_no_url():
    text = module_text()
    assert "export default {render}" in text and "export function render({model, el})" in text
    assert "export function mount(el, data)" in text
    assert not re.search(r"https?://|import\s*\(|\bfetch\(|XMLHttpRequest", text)
    for method in ("get", "set", "on", "off", "save_changes"):  # the stand-in model's
        assert re.search(rf"\b{method}: ", text), method


def test_same_content_gives_identical_html_and_different_content_a_different_id():
    assert static_html(DATA) == static_html(dict(DATA))
    assert player_id("a", "b") != player_id("ab")
    assert re.fullmatch(r"tcp-[0-9a-f]{12}", player_id("x"))


# The stylesheet ------------------------------------------------------------------------------

def test_dark_theme_backdrop_is_cleared_only_behind_players_and_error_boxes():
    # pydata's dark theme gives every HTML cell output a light backdrop with padding; a player
    # brings its own background, so its CSS removes the backdrop there, and only there
    rules = re.findall(r"([^{}]*)\{\s*background:none;padding:0\}", css_text())
    assert len(rules) == 1
    selector = " ".join(re.sub(r"/\*.*?\*/", "", rules[0], flags=re.S).split())
    assert selector.startswith("html[data-theme=dark] .bd-content div.cell_output")
    assert selector.endswith(":has(.tconv-widget,.tconv-error)")


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` or ``#rgb`` colour."""
    if len(colour) == 4:
        colour = "#" + "".join(ch * 2 for ch in colour[1:])
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _palettes() -> dict[str, dict[str, str]]:
    """The light and the dark palette (``--tc-*`` custom properties) declared in player.css."""
    blocks = re.findall(r"\{([^{}]*--tc-bg:[^{}]*)\}", css_text())
    palettes = [dict(re.findall(r"--tc-([\w-]+):([^;}\s]+)", block)) for block in blocks]
    assert len(palettes) == 3  # light, dark (by the theme's attribute), dark (by the system)
    assert palettes[1] == palettes[2] != palettes[0]
    return {"light": palettes[0], "dark": palettes[1]}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_on_every_palette_background_meets_wcag_aa(theme):
    # grids write their numbers in --tc-fg on the page background, on an overlap shade, on a
    # highlighted cell, a button or a field; the error box writes --tc-errfg on --tc-err
    p = _palettes()[theme]
    pairs = [("fg", bg) for bg in ("bg", "btn", "hi", "n1", "n2", "n3", "n4", "field")]
    pairs += [("mute", "bg"), ("errfg", "err"), ("acc", "bg")]
    low = {f"{fg} on {bg}": round(_contrast(p[fg], p[bg]), 2) for fg, bg in pairs
           if _contrast(p[fg], p[bg]) < 4.5}
    assert low == {}
    assert _contrast("#3b7be0", "#ececec") < 4.5  # the check can fail (an old dark n4)


def test_every_host_is_styled_the_same_way():
    css = css_text()
    for host in ("html[data-theme=dark]", "body[data-jp-theme-light=false]",
                 "@media (prefers-color-scheme:dark)"):
        assert host in css, host  # the book's dark theme, JupyterLab's, a dark system
    assert ":focus-visible" in css and "url(" not in css and "@import" not in css


# Budgets, counts, frames ---------------------------------------------------------------------

def test_budget_message_is_none_within_the_budget_and_says_what_to_change_beyond():
    cells = BUDGET_BYTES // CELL_BYTES
    assert budget_message(cells, "x") is None
    message = budget_message(cells + 1, "use a smaller input")
    assert message == (f"this player would draw {cells + 1} grid cells a frame (about 150 KB "
                       f"of HTML), more than its budget of 150 KB ({cells} cells): use a "
                       f"smaller input")


def test_count_text_puts_the_noun_in_the_plural_unless_the_count_is_one():
    assert [count_text(n, "frame") for n in (0, 1, 2)] == ["0 frames", "1 frame", "2 frames"]
    assert count_text(1, "more row") == "1 more row"
    assert count_text(3, "matrix", "matrices") == "3 matrices"


PARAMS = {"method": ["nearest", "bilinear"], "factor": [2, 3, 4]}


def test_product_and_index_agree_first_parameter_slowest():
    combos = product_of(PARAMS)
    assert combos[:4] == [{"method": "nearest", "factor": 2}, {"method": "nearest", "factor": 3},
                          {"method": "nearest", "factor": 4}, {"method": "bilinear", "factor": 2}]
    assert [chooser_index(PARAMS, c) for c in combos] == list(range(6))


# Error box and image frames ------------------------------------------------------------------

def test_error_box_is_an_alert_with_the_escaped_message():
    els = parse_html(error_box("stride must be positive, got <0>"))
    (box,) = find(els, "div", "tconv-error")
    assert box.attrs["role"] == "alert"
    assert box.text == "Invalid settings: stride must be positive, got <0>"
    (style,) = find(els, "style", "tconv-css")
    assert style.text == css_text()
    assert not find(parse_html(error_box("m", style=False)), "style")


def test_error_box_is_the_one_the_module_draws():
    text = module_text()
    assert "`<strong>${esc(tw('Invalid settings:'))}</strong> ${esc(message)}`" in text
    assert "h('div', {class: 'tconv-error', role: 'alert'}" in text


def test_image_frame_embeds_the_bytes_as_a_data_uri():
    (img,) = find(parse_html(image_frame(b"\x89PNG fake", "a picture")), "img")
    assert img.attrs["alt"] == "a picture"
    prefix = "data:image/png;base64,"
    assert img.attrs["src"].startswith(prefix)
    assert base64.b64decode(img.attrs["src"][len(prefix):]) == b"\x89PNG fake"


def test_figure_frame_is_a_png_of_the_figure():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1])
    (img,) = find(parse_html(figure_frame(fig, "a line", dpi=30)), "img")
    plt.close(fig)
    data = base64.b64decode(img.attrs["src"].split(",", 1)[1])
    assert data.startswith(b"\x89PNG")


def test_the_modules_words_are_translated_in_the_data_and_the_error_box(monkeypatch):
    """In the Chinese edition the module's controls come with their translations (issue 16)."""
    from tconv.show import text
    from tconv.show.player import MODULE_WORDS, player_words

    assert set(module_messages(module_text())) == set(MODULE_WORDS)
    monkeypatch.setattr(text, "language", lambda: "en")
    assert player_words() == {}
    monkeypatch.setattr(text, "language", lambda: "zh_CN")
    import tconv.show.player as player

    monkeypatch.setattr(player, "language", lambda: "zh_CN")
    words = player_words()
    assert words["Play"] != "Play" and text.has_cjk(words["Play"])
    english = {form for m in MODULE_WORDS for form in (m if isinstance(m, tuple) else (m,))}
    assert set(words) <= english
    # a count message's one Chinese form stands for both English forms
    assert words["{n} product"] == words["{n} products"] and text.has_cjk(words["{n} products"])


# A JS string literal, a concatenation of them, and the module's message calls.
_LITERAL = r"'(?:[^'\\]|\\.)*'"
_JOINED = rf"{_LITERAL}(?:\s*\+\s*{_LITERAL})*"
_CALL = re.compile(rf"\b(tw|tn|tw_html)\(\s*({_JOINED})?(?:\s*,\s*({_JOINED}))?")


def module_messages(source: str) -> list:
    """The messages of player.js's ``tw``/``tw_html`` (a string) and ``tn`` (a pair) calls,
    literals joined; fails on a call whose message is not a literal (outside the helpers)."""
    def join(text):
        return "".join(lit[1:-1].replace("\\'", "'") for lit in re.findall(_LITERAL, text))

    found = []
    for match in _CALL.finditer(source):
        kind, first, second = match.groups()
        line = source[source.rfind("\n", 0, match.start()) + 1:source.find("\n", match.end())]
        if first is None:  # tw(message) inside the helpers that define tw, tn and tw_html
            assert re.match(r"\s*(const (tn|tw_html) =|esc\(tw\(message\)\))", line) or \
                "tw(n === 1 ? one : many" in line, f"a message that is not a literal: {line}"
            continue
        found.append((join(first), join(second)) if kind == "tn" else join(first))
    return found


def test_module_messages_reads_joined_literals_and_count_pairs():
    source = ("x = tw('a ' +\n  'b {n}', {n}); y = tn('{n} row', '{n} rows', k);"
              " z = tw_html('output size {size}', {size});")
    assert module_messages(source) == ["a b {n}", ("{n} row", "{n} rows"), "output size {size}"]
    assert module_messages("tw('Keras\\' layer')") == ["Keras' layer"]
    with pytest.raises(AssertionError, match="not a literal"):
        module_messages("const f = () => tw(words[k]);")


def test_every_english_word_of_the_editable_players_goes_through_the_table():
    """The views' titles, legends, captions and panel titles: no English phrase is written
    outside ``tw``/``tn``, except the engine's errors, which mirror tconv's (English) ones."""
    module = module_text()
    code = module[module.index("// ---- the scatter (Stepper)"):module.index("export const VIEWS")]
    code = re.sub(r"/\*\*.*?\*/|//[^\n]*", "", code, flags=re.S)  # comments
    code = re.sub(r"throw valueError\(.*?\);", "", code, flags=re.S)  # the engine's errors
    code = _CALL.sub(lambda m: m.group(1) + "(", code)  # the table's messages
    literals = re.findall(r"'[^'\n]*'|`[^`\n]*`", code)
    shown = (re.sub(r"<[^>]*>|\$\{[^}]*\}", "", s) for s in literals)  # tags, ${...}
    phrases = [s for s in shown if re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", s)]
    assert phrases == []
