"""The static HTML players keep the DOM contract of PLAYER-CONTRACT.md and need no network.

The HTML is parsed with the standard library's ``html.parser`` into a flat list of elements,
each knowing its ancestors; the tests ask that list the questions a browser test would ask.
(Clicking in a real browser is the book's browser tests' job.)
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import matplotlib
import pytest
from tconv.show.player import (
    PLAYER_CSS,
    PLAYER_JS,
    chooser_index,
    chooser_player,
    count_text,
    error_box,
    figure_frame,
    image_frame,
    player_id,
    product_of,
    sequence_player,
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
    for bad in ("http://", "https://", "<script src", "<link", "@import", "url("):
        assert bad not in lowered, bad


FRAMES = ["<b>one</b>", "<b>two</b>", "<b>three</b>"]
CAPTIONS = ["first <frame>", 'second "frame"', "third & last"]


# Sequence player -----------------------------------------------------------------------------

def test_sequence_player_root_has_the_contract_attributes():
    els = parse_html(sequence_player(FRAMES, CAPTIONS, "A <title>"))
    (root,) = find(els, "div", "tconv-player")
    assert root.attrs["role"] == "group"
    assert root.attrs["aria-label"] == "A <title>"
    assert root.attrs["data-frame"] == "0" and root.attrs["data-frames"] == "3"
    assert root.attrs["tabindex"] == "0"
    assert re.fullmatch(r"tcp-[0-9a-f]{12}", root.attrs["id"])


def test_sequence_player_has_labelled_buttons_and_a_slider():
    els = parse_html(sequence_player(FRAMES, CAPTIONS, "t"))
    buttons = find(els, "button")
    assert [b.attrs["data-action"] for b in buttons] == ["first", "prev", "play", "next", "last"]
    assert all(b.attrs["type"] == "button" and b.attrs["aria-label"] for b in buttons)
    (slider,) = find(els, "input", data_action="seek")
    assert slider.attrs["type"] == "range" and slider.attrs["aria-label"]
    assert (slider.attrs["min"], slider.attrs["max"], slider.attrs["value"]) == ("0", "2", "0")
    assert all(el.within("tconv-player") for el in buttons + [slider])


def test_sequence_player_holds_every_frame_with_its_caption_only_the_first_shown():
    els = parse_html(sequence_player(FRAMES, CAPTIONS, "t"))
    frames = find(els, "div", "tconv-frame")
    assert [f.text for f in frames] == ["one", "two", "three"]
    assert [f.attrs["data-caption"] for f in frames] == CAPTIONS  # escaped, then unescaped
    assert ["hidden" in f.attrs for f in frames] == [False, True, True]
    (caption,) = find(els, "p", "tconv-caption")
    assert caption.attrs["aria-live"] == "polite" and caption.text == CAPTIONS[0]


def test_sequence_player_carries_its_style_and_the_guarded_script():
    html = sequence_player(FRAMES, CAPTIONS, "t", css=".extra{color:red}", note="legend")
    els = parse_html(html)
    (style,) = find(els, "style")
    assert ":focus-visible" in style.text and ".extra{color:red}" in style.text
    assert "data-theme=dark" in style.text  # a dark palette
    (script,) = find(els, "script")
    assert script.text == PLAYER_JS and "if(window.tconvPlayer)return;" in script.text
    assert [p.text for p in find(els, "p", "tconv-note")] == ["legend"]
    assert_self_contained(html)


def test_script_handles_the_contract_actions_and_keys():
    for needle in ("data-frame", "ArrowRight", "ArrowLeft", "Home", "End", "'next'", "'prev'",
                   "'first'", "'last'", "'play'", "select[data-param]", "data-caption",
                   "aria-pressed"):
        assert needle in PLAYER_JS, needle


def test_same_content_gives_identical_html_and_different_content_a_different_id():
    a = sequence_player(FRAMES, CAPTIONS, "t")
    assert a == sequence_player(FRAMES, CAPTIONS, "t")
    b = sequence_player(FRAMES[:2] + ["<b>3</b>"], CAPTIONS, "t")
    ids = [find(parse_html(h), "div", "tconv-player")[0].attrs["id"] for h in (a, b)]
    assert ids[0] != ids[1]
    assert player_id("a", "b") != player_id("ab")


@pytest.mark.parametrize("frames, captions, message", [
    ([], [], "frames must not be empty"),
    (FRAMES, CAPTIONS[:2], "captions must have one entry per frame: 3 frames, 2 captions"),
])
def test_sequence_player_rejects_mismatched_frames(frames, captions, message):
    with pytest.raises(ValueError, match=message):
        sequence_player(frames, captions, "t")


# Chooser player ------------------------------------------------------------------------------

PARAMS = {"method": ["nearest", "bilinear"], "factor": [2, 3, 4]}


def _chooser(**kw):
    combos = product_of(PARAMS)
    frames = [f"<i>{c['method']}-{c['factor']}</i>" for c in combos]
    captions = [f"{c['method']} x{c['factor']}" for c in combos]
    return chooser_player(PARAMS, frames, captions, "Pick", **kw)


def test_dark_theme_backdrop_is_cleared_only_behind_players_and_error_boxes():
    # pydata's dark theme gives every HTML cell output a light backdrop with padding; a player
    # brings its own background, so its CSS removes the backdrop there, and only there
    rules = re.findall(r"([^{}]*)\{background:none;padding:0\}", PLAYER_CSS)
    assert len(rules) == 1
    selectors = rules[0].split(",")
    assert all(sel.startswith("html[data-theme=dark] ") and "div.cell_output" in sel
               for sel in selectors)
    assert {sel.rsplit(":has(> ", 1)[1] for sel in selectors} == {"div.tconv-player)",
                                                                   "div.tconv-error)"}
    assert PLAYER_CSS in error_box("bad")


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
    """The light and the dark palette (``--tc-*`` custom properties) declared in PLAYER_CSS."""
    blocks = re.findall(r"\{((?:--tc-[\w-]+:[^;}]+;?)+)\}", PLAYER_CSS)
    palettes = [dict(re.findall(r"--tc-([\w-]+):([^;}]+)", block)) for block in blocks]
    assert len({tuple(p.items()) for p in palettes}) == 2  # light, dark (declared twice)
    return {"light": palettes[0], "dark": palettes[1]}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_on_every_palette_background_meets_wcag_aa(theme):
    # grids write their numbers in --tc-fg on the page background, on an overlap shade, on a
    # highlighted cell or a button; the error box writes --tc-errfg on --tc-err
    p = _palettes()[theme]
    pairs = [("fg", bg) for bg in ("bg", "btn", "hi", "n1", "n2", "n3", "n4")]
    pairs += [("mute", "bg"), ("errfg", "err")]
    low = {f"{fg} on {bg}": round(_contrast(p[fg], p[bg]), 2) for fg, bg in pairs
           if _contrast(p[fg], p[bg]) < 4.5}
    assert low == {}
    assert _contrast("#3b7be0", "#ececec") < 4.5  # the check can fail (an old dark n4)


def test_count_text_puts_the_noun_in_the_plural_unless_the_count_is_one():
    assert [count_text(n, "frame") for n in (0, 1, 2)] == ["0 frames", "1 frame", "2 frames"]
    assert count_text(1, "more row") == "1 more row"
    assert count_text(3, "matrix", "matrices") == "3 matrices"
    with pytest.raises(ValueError, match="one entry per frame: 1 frame, 2 captions"):
        sequence_player(["a"], ["b", "c"], "t")


def test_product_and_index_agree_first_parameter_slowest():
    combos = product_of(PARAMS)
    assert combos[:4] == [{"method": "nearest", "factor": 2}, {"method": "nearest", "factor": 3},
                          {"method": "nearest", "factor": 4}, {"method": "bilinear", "factor": 2}]
    assert [chooser_index(PARAMS, c) for c in combos] == list(range(6))


def test_chooser_has_a_labelled_select_per_parameter():
    els = parse_html(_chooser(labels={"factor": "scale factor"}))
    selects = find(els, "select")
    assert [s.attrs["data-param"] for s in selects] == ["method", "factor"]
    for s in selects:
        assert s.parents[-1].tag == "label"  # the label wraps its select
    assert [lab.text.strip().split()[0] for lab in find(els, "label")] == ["method", "scale"]
    assert [o.text for o in find(els, "option")] == ["nearest", "bilinear", "2", "3", "4"]


def test_chooser_holds_one_frame_per_combination_and_starts_at_initial():
    els = parse_html(_chooser(initial={"method": "bilinear", "factor": 3}))
    (root,) = find(els, "div", "tconv-player")
    assert root.attrs["data-frames"] == "6" and root.attrs["data-frame"] == "4"
    frames = find(els, "div", "tconv-frame")
    assert [f.text for f in frames][4] == "bilinear-3"
    assert ["hidden" in f.attrs for f in frames] == [True, True, True, True, False, True]
    assert [o.text for o in find(els, "option") if "selected" in o.attrs] == ["bilinear", "3"]
    assert find(els, "p", "tconv-caption")[0].text == "bilinear x3"
    assert_self_contained(_chooser())


def test_chooser_rejects_a_frame_count_that_is_not_the_product():
    with pytest.raises(ValueError, match="6 combinations, 5 frames"):
        chooser_player(PARAMS, ["f"] * 5, ["c"] * 5, "t")


# Error box and image frames ------------------------------------------------------------------

def test_error_box_is_an_alert_with_the_escaped_message():
    els = parse_html(error_box("stride must be positive, got <0>"))
    (box,) = find(els, "div", "tconv-error")
    assert box.attrs["role"] == "alert"
    assert "stride must be positive, got <0>" in box.text
    assert not find(parse_html(error_box("m", style=False)), "style")


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
