"""The interactive objects: both renderings, the frames' numbers, errors and size budgets.

The numbers a stepper shows are read back out of its HTML tables and compared with the
placement model (itself checked against ``tconv.conv_transpose2d``); the live widget is driven
through its ipywidgets objects, as a kernel would.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser

import numpy as np
import pytest
import tconv
from tconv.placements import placements
from tconv.show.widgets import ChooserView, SequenceView, Stepper, grid_html
from test_player import assert_self_contained, find, parse_html

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
X = [[0, 1], [2, 3]]
K = [[0, 1], [2, 3]]
ARTICLE_CAPTIONS = [
    "Start: each of the 4 elements of the 2×2 input x will add a scaled copy of the 2×2 kernel, "
    "stride 1 apart, into a 3×3 canvas of zeros. The output will be 3×3.",
    "Step 1 of 4: x[0,0] = 0 times the kernel, added to out[0:2, 0:2].",
    "Step 2 of 4: x[0,1] = 1 times the kernel, added to out[0:2, 1:3].",
    "Step 3 of 4: x[1,0] = 2 times the kernel, added to out[1:3, 0:2].",
    "Step 4 of 4: x[1,1] = 3 times the kernel, added to out[1:3, 1:3].",
    "Result: the 4 placements sum to the 3×3 output; each output cell received 1 to 4 products.",
]


def book_examples():
    """The steppers the book shows (issue 3/5), with values that make the widest cells."""
    rng = np.random.default_rng(0)
    return {
        "article 2x2": Stepper(X, K),
        "3x3 k3 s2": Stepper(rng.integers(-9, 10, (3, 3)), rng.integers(-9, 10, (3, 3)),
                             stride=2),
        "4x4 k4 s2 p1": Stepper(rng.integers(-9, 10, (4, 4)), rng.integers(-9, 10, (4, 4)),
                                stride=2, padding=1),
    }


@pytest.fixture(autouse=True)
def live_widgets(monkeypatch):
    monkeypatch.delenv("TCONV_STATIC", raising=False)


class _Tables(HTMLParser):
    """Every ``<table>``: rows of cells (classes, value text, overlap count or None).

    Header cells are left out: ``<th>`` row and column numbers and the empty corner cell
    (``<td class=c>``) of a table with headers.
    """

    def __init__(self):
        super().__init__()
        self.tables, self.cell, self.in_count = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag == "td" and dict(attrs).get("class") == "c":
            self.cell = None
        elif tag == "td":
            self.cell = {"cls": (dict(attrs).get("class") or "").split(), "text": "",
                         "count": None}
            self.tables[-1][-1].append(self.cell)
        elif tag == "th":
            self.cell = None
        elif tag == "i":
            self.in_count = True

    def handle_endtag(self, tag):
        if tag == "i":
            self.in_count = False
        elif tag == "table":
            self.cell = None

    def handle_data(self, data):
        if self.cell is None:
            return
        if self.in_count:
            self.cell["count"] = int(data)
        else:
            self.cell["text"] += data


def tables(html: str) -> list[list[list[dict]]]:
    parser = _Tables()
    parser.feed(html)
    return [[row for row in t if row] for t in parser.tables]


def values(table) -> np.ndarray:
    return np.array([[int(c["text"]) if c["text"] else 0 for c in row] for row in table])


def cells_with(table, cls: str) -> set[tuple[int, int]]:
    return {(r, c) for r, row in enumerate(table) for c, cell in enumerate(row)
            if cls in cell["cls"]}


# Both renderings -----------------------------------------------------------------------------

def test_mimebundle_has_the_live_widget_and_the_static_player():
    bundle = Stepper(X, K)._repr_mimebundle_()
    assert set(bundle) >= {WIDGET_VIEW, "text/html", "text/plain"}
    assert bundle[WIDGET_VIEW]["model_id"]
    assert "VBox" not in bundle["text/plain"]  # never a bare widget's repr
    assert find(parse_html(bundle["text/html"]), "div", "tconv-player")


def test_static_only_mode_creates_no_widget(monkeypatch):
    monkeypatch.setenv("TCONV_STATIC", "1")
    s = Stepper(X, K)
    bundle = s._repr_mimebundle_()
    assert WIDGET_VIEW not in bundle and "text/html" in bundle
    assert s._widget is None


def test_static_html_follows_the_contract_and_holds_every_frame():
    html = Stepper(X, K).to_html()
    els = parse_html(html)
    (root,) = find(els, "div", "tconv-player")
    assert root.attrs["data-frames"] == "6" and root.attrs["data-frame"] == "0"
    assert root.attrs["aria-label"].startswith("Transposed convolution, step by step")
    assert len(find(els, "button", data_action=None)) == 5
    assert len(find(els, "input", data_action="seek")) == 1
    frames = find(els, "div", "tconv-frame")
    assert len(frames) == 6
    assert [f.attrs["data-caption"] for f in frames] == ARTICLE_CAPTIONS
    assert find(els, "p", "tconv-caption")[0].text == ARTICLE_CAPTIONS[0]
    assert_self_contained(html)


def test_rendering_is_deterministic():
    assert Stepper(X, K).to_html() == Stepper(X, K).to_html()


# The numbers in the frames -------------------------------------------------------------------

@pytest.mark.parametrize("kw", [
    dict(), dict(stride=2), dict(stride=2, padding=1), dict(stride=2, output_padding=1),
    dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0)), dict(dilation=2),
])
def test_each_frame_shows_the_placement_model(kw):
    x = np.arange(1, 10).reshape(3, 3) - 4
    kernel = np.array([[1, -2, 3], [0, 2, 1]])
    s, p = Stepper(x, kernel, **kw), placements(x, kernel, **kw)
    assert s.error is None and len(s) == len(p) + 2
    for i, q in enumerate(p, start=1):
        t_input, t_kernel, t_contrib, t_canvas = tables(s.frame(i))
        np.testing.assert_array_equal(values(t_input), x)
        np.testing.assert_array_equal(values(t_kernel), kernel)
        np.testing.assert_array_equal(values(t_contrib), q.contribution)
        np.testing.assert_array_equal(values(t_canvas), q.canvas)
        counts = np.array([[c["count"] or 0 for c in row] for row in t_canvas])
        np.testing.assert_array_equal(counts, q.canvas_count)  # counts written as text
        assert cells_with(t_input, "h") == {q.index}
        assert cells_with(t_canvas, "w") == set(q.footprint)
        kept = {(r, c) for r in range(*p.crop.canvas_shape[:1]) for c in
                range(p.crop.canvas_shape[1]) if p.crop.kept(r, c)}
        every = {(r, c) for r in range(p.crop.canvas_shape[0])
                 for c in range(p.crop.canvas_shape[1])}
        if p.padding != (0, 0):
            assert cells_with(t_canvas, "k") == every - kept
        extra = {(r, c) for r, c in kept if r in range(p.crop.extra_rows.start,
                 p.crop.extra_rows.stop) or c in range(p.crop.extra_cols.start,
                                                       p.crop.extra_cols.stop)}
        assert cells_with(t_canvas, "e") == extra
    final = tables(s.frame(len(p) + 1))
    np.testing.assert_array_equal(values(final[-1]), tconv.conv_transpose2d(x, kernel, **kw))


def test_first_frame_is_the_empty_canvas():
    t_input, _, t_contrib, t_canvas = tables(Stepper(X, K).frame(0))
    assert not cells_with(t_input, "h") and not cells_with(t_canvas, "w")
    assert all(c["text"] == "" for row in t_contrib for c in row)
    assert not values(t_canvas).any()


def test_captions_with_padding_name_the_cropped_window():
    s = Stepper(np.ones((2, 2), int), np.ones((3, 3), int), stride=2, padding=1,
                output_padding=1)
    assert "Then padding 1 crops 1 row from the top" in s.caption(0)
    assert "output_padding 1 keeps 1 more row at the bottom" in s.caption(0)
    assert s.caption(1) == ("Step 1 of 4: x[0,0] = 1 times the kernel, added to full[0:3, 0:3], "
                            "which is out[0:2, 0:2].")
    assert s.caption(4).endswith("added to full[2:5, 2:5], which is out[1:4, 1:4].")


def test_caption_of_a_dilated_step_uses_a_stepped_slice():
    s = Stepper([[1, 2]], [[1, 1]], dilation=3)
    assert s.caption(2) == "Step 2 of 2: x[0,1] = 2 times the kernel, added to out[0:1, 1:5:3]."


def test_result_caption_counts_products_in_singular_and_plural():
    assert Stepper(X, K, stride=2).caption(5) == (
        "Result: the 4 placements sum to the 4×4 output; each output cell received 1 product.")
    # stride 3 leaves gaps: a range, always plural
    assert Stepper(X, K, stride=3).caption(5).endswith("each output cell received 0 to 1 products.")
    assert Stepper([[2, 3]], [[1, 1]], stride=1).caption(3).endswith("received 1 to 2 products.")


def test_captions_of_a_single_element_input_are_singular():
    s = Stepper([[5]], [[1, 2]])
    assert s.caption(0).startswith("Start: the single element of the 1×1 input x will add")
    assert s.caption(2) == ("Result: the single placement makes the 1×2 output; each output "
                            "cell received 1 product.")
    s = Stepper([[1, 2, 3]], [[1, 1]], padding=(0, 1))
    assert "crops 0 rows from the top and the bottom and 1 column from the left" in s.caption(0)


def test_float_values_are_rounded_for_display():
    s = Stepper([[0.125, 1 / 3]], [[2.0]])
    assert "x[0,1] = 0.333 times the kernel" in s.caption(2)
    assert Stepper([[0.125]], [[2.0]], fmt=".1f").caption(1).startswith(
        "Step 1 of 1: x[0,0] = 0.1 times")


def test_grid_headers_all_have_text_and_the_corner_is_an_empty_data_cell():
    """An empty ``<th>`` has no name for a screen reader (axe-core: empty-table-header)."""
    html = grid_html(np.arange(6).reshape(2, 3), headers=True)
    header_texts = re.findall(r"<th>([^<]*)", html)
    assert header_texts == ["0", "1", "2", "0", "1"]  # the columns, then each row
    assert html.startswith("<table class=\"g\"><tr><td class=c><th>0")
    assert "<th></th>" not in html and "<th><" not in html
    plain = grid_html(np.arange(6).reshape(2, 3))
    assert "<th" not in plain and "class=c" not in plain


# Errors: the library's message, never a traceback --------------------------------------------

@pytest.mark.parametrize("kw", [
    dict(stride=0), dict(padding=-1), dict(stride=2, output_padding=2), dict(padding=3),
    dict(dilation=1.5),
])
def test_invalid_settings_show_the_library_message(kw):
    with pytest.raises((ValueError, TypeError)) as lib:
        tconv.conv_transpose2d(np.array(X), np.array(K), **kw)
    s = Stepper(X, K, **kw)  # does not raise
    assert s.error == str(lib.value)
    html = s._repr_mimebundle_()["text/html"]
    (box,) = find(parse_html(html), "div", "tconv-error")
    assert box.attrs["role"] == "alert" and str(lib.value) in box.text
    assert not find(parse_html(html), "div", "tconv-player")
    assert str(lib.value) in s.widget.value  # the live widget shows the same box
    assert "tconv-error" in s.widget.value


def test_invalid_arrays_show_the_message_naming_them():
    s = Stepper([["a"]], K)
    assert s.error.startswith("x must be a numeric array")
    assert "x must be a numeric array" in s.to_html()


def test_too_many_placements_is_an_error_not_a_huge_page():
    s = Stepper(np.ones((9, 9)), np.ones((2, 2)))
    assert "81 placements" in s.error and "max_steps=64" in s.error
    assert len(s.to_html()) < 5_000


# The live widget -----------------------------------------------------------------------------

def test_live_buttons_and_slider_change_the_displayed_frame():
    s = Stepper(X, K)
    assert s.widget is s.widget  # built once
    assert s.frame_view.value == s.frame(0)
    s.buttons["next"].click()
    assert s.slider.value == 1 and s.frame_view.value == s.frame(1)
    assert ARTICLE_CAPTIONS[1] in s.caption_view.value
    s.slider.value = 3
    assert s.frame_view.value == s.frame(3) and ARTICLE_CAPTIONS[3] in s.caption_view.value
    s.buttons["prev"].click()
    assert s.frame_view.value == s.frame(2)
    s.buttons["last"].click()
    assert s.slider.value == 5 and s.frame_view.value == s.frame(5)
    s.buttons["next"].click()  # stays on the last frame
    assert s.slider.value == 5
    s.buttons["first"].click()
    s.buttons["prev"].click()
    assert s.slider.value == 0 and s.frame_view.value == s.frame(0)
    assert s.play.max == s.slider.max == 5


def test_live_controls_are_focusable_widgets_with_labels():
    import ipywidgets as w
    s = Stepper(X, K)
    controls = s.widget.children[-1].children
    assert [type(c) for c in controls] == [w.Button, w.Button, w.Play, w.Button, w.Button,
                                          w.IntSlider]
    assert all(b.tooltip for b in s.buttons.values())
    assert s.slider.description and s.play.description


# Size budget ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(book_examples()))
def test_book_examples_stay_within_150_kb(name):
    html = book_examples()[name].to_html()
    assert len(html.encode("utf-8")) <= 150_000
    assert_self_contained(html)


# The generic bases ---------------------------------------------------------------------------

def test_sequence_view_renders_given_frames_both_ways():
    v = SequenceView([grid_html([[1]]), '<img src="data:image/png;base64,AA==" alt="a">'],
                     ["a grid", "an image"], "Two frames")
    els = parse_html(v.to_html())
    assert [f.attrs["data-caption"] for f in find(els, "div", "tconv-frame")] == [
        "a grid", "an image"]
    assert WIDGET_VIEW in v._repr_mimebundle_()
    v.buttons["next"].click()
    assert v.frame_view.value == v.frame(1)
    with pytest.raises(ValueError, match="got 2 frames and 1 caption$"):
        SequenceView(["a", "b"], ["c"])


def _size(n, k, s, p):
    out = tconv.conv_transpose_output_size(n, k, s, p)
    return f"<b>{out}</b>", f"(n-1)s - 2p + k = {out}"


def test_chooser_view_precomputes_every_combination_with_errors_in_their_frames():
    v = ChooserView({"n": [1, 2], "k": [1, 3], "s": [1, 2], "p": [0, 1]}, _size, "Size",
                    initial={"n": 2, "k": 3})
    els = parse_html(v.to_html())
    (root,) = find(els, "div", "tconv-player")
    assert root.attrs["data-frames"] == "16"
    assert root.attrs["data-frame"] == str(v.index(n=2, k=3, s=1, p=0))
    frames = find(els, "div", "tconv-frame")
    bad = frames[v.index(n=1, k=1, s=1, p=1)]  # (1-1)*1 - 2 + 1 = -1
    (box,) = [e for e in find(els, "div", "tconv-error") if bad in e.parents]
    with pytest.raises(ValueError) as lib:
        tconv.conv_transpose_output_size(1, 1, 1, 1)
    assert str(lib.value) in box.text and bad.attrs["data-caption"] == str(lib.value)
    good = frames[v.index(n=2, k=3, s=2, p=1)]
    assert good.text == "3"


def test_chooser_view_live_dropdowns_render_on_change():
    v = ChooserView({"n": [1, 2], "k": [1, 3], "s": [1, 2], "p": [0, 1]}, _size)
    assert WIDGET_VIEW in v._repr_mimebundle_()
    assert v.frame_view.value == "<b>1</b>"
    v.dropdowns["n"].value = 2
    v.dropdowns["s"].value = 2
    assert v.settings() == {"n": 2, "k": 1, "s": 2, "p": 0}
    assert v.frame_view.value == "<b>3</b>" and "= 3" in v.caption_view.value
    v.dropdowns["n"].value = 1
    v.dropdowns["p"].value = 1
    assert "tconv-error" in v.frame_view.value and "crops away" in v.caption_view.value


def test_chooser_view_refuses_a_grid_too_large_or_a_bad_initial_setting():
    with pytest.raises(ValueError, match="400 combinations of settings: more than max_frames"):
        ChooserView({"a": list(range(20)), "b": list(range(20))}, _size)
    with pytest.raises(ValueError, match="initial setting n=5 is not one of the choices"):
        ChooserView({"n": [1, 2]}, _size, initial={"n": 5})
    with pytest.raises(ValueError, match="non-empty list"):
        ChooserView({"n": []}, _size)


# Arguments are checked once ---------------------------------------------------------------

def count_pair_checks(monkeypatch) -> list[str]:
    """Record the name of every setting any tconv module turns into a tuple from now on."""
    import tconv._checks as checks

    names, real = [], checks.as_tuple

    def counting(value, name, *args, **kwargs):
        names.append(name)
        return real(value, name, *args, **kwargs)

    for module in [m for k, m in sys.modules.items() if k == "tconv" or k.startswith("tconv.")]:
        if getattr(module, "as_tuple", None) is real:
            monkeypatch.setattr(module, "as_tuple", counting)
    return names


def test_stepper_turns_each_setting_into_a_pair_once(monkeypatch):
    names = count_pair_checks(monkeypatch)
    stepper = Stepper(np.ones((3, 3)), np.ones((3, 3)), stride=2, padding=1, output_padding=1,
                      dilation=1)
    stepper.to_html()
    assert stepper.error is None
    assert sorted(names) == ["dilation", "output_padding", "padding", "stride"]
