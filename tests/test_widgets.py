"""The interactive objects on the Python side: their data, errors, budgets, the live widget.

What the module draws from that data, frame by frame, is checked in a real browser against
the library (tests/test_browser_players.py). Here: each object hands the module the right
numbers and settings, invalid settings give the library's message in both renderings (once),
what a player would draw is bounded before anything large is computed, options are checked
when an object is built, and display never raises.
"""

from __future__ import annotations

import json
import re
import tracemalloc
from html.parser import HTMLParser

import numpy as np
import pytest
import tconv
from tconv.show.player import CSS_PATH, MODULE_PATH, error_box, static_html
from tconv.show.widgets import (
    BOUNDS,
    EDITABLE,
    ChooserView,
    DirectStepper,
    GatherStepper,
    SequenceView,
    Stepper,
    View,
    grid_html,
    widget_class,
)
from test_player import assert_self_contained, find, parse_html

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
X = [[1, 2], [3, 4]]
K = [[1, 3], [4, 2]]


@pytest.fixture(autouse=True)
def live_widgets(monkeypatch):
    monkeypatch.delenv("TCONV_STATIC", raising=False)


class _Tables(HTMLParser):
    """Every ``<table>``: rows of cells (classes, value text, overlap count, letter tag).

    Header cells are left out: ``<th>`` row and column numbers and the empty corner cell
    (``<td class=c>``) of a table with headers. Also reads the tables the module draws.
    """

    def __init__(self):
        super().__init__()
        self.tables, self.cell, self.inside = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag == "td" and dict(attrs).get("class") == "c":
            self.cell = None
        elif tag == "td":
            self.cell = {"cls": (dict(attrs).get("class") or "").split(), "text": "",
                         "count": None, "tag": None}
            self.tables[-1][-1].append(self.cell)
        elif tag == "th":
            self.cell = None
        elif tag in ("i", "b"):
            self.inside = tag

    def handle_endtag(self, tag):
        if tag in ("i", "b"):
            self.inside = None
        elif tag == "table":
            self.cell = None

    def handle_data(self, data):
        if self.cell is None:
            return
        if self.inside == "i":
            self.cell["count"] = int(data)
        elif self.inside == "b":
            self.cell["tag"] = data
        else:
            self.cell["text"] += data


def tables(html: str) -> list[list[list[dict]]]:
    """The tables of ``html``, each a list of rows of cells (see :class:`_Tables`)."""
    parser = _Tables()
    parser.feed(html)
    return [[row for row in t if row] for t in parser.tables]


def values(table) -> np.ndarray:
    """A table's numbers (blank cells as 0)."""
    return np.array([[float(c["text"]) if c["text"] else 0 for c in row] for row in table])


def cells_with(table, cls: str) -> set[tuple[int, int]]:
    """The (row, column) of every cell with the class ``cls``."""
    return {(r, c) for r, row in enumerate(table) for c, cell in enumerate(row)
            if cls in cell["cls"]}


def data_of(html: str) -> dict:
    (script,) = find(parse_html(html), "script", "tconv-data")
    return json.loads(script.text)


# Both renderings -----------------------------------------------------------------------------

def test_mimebundle_has_the_live_widget_and_the_page_copy_of_the_same_data():
    s = Stepper(X, K)
    bundle = s._repr_mimebundle_()
    assert set(bundle) == {WIDGET_VIEW, "text/html", "text/plain"}
    assert bundle[WIDGET_VIEW]["model_id"] == s.widget.model_id
    assert "VBox" not in bundle["text/plain"]  # never a bare widget's repr
    assert data_of(bundle["text/html"]) == s.widget.data == s.data()
    assert_self_contained(bundle["text/html"])


def test_the_live_widget_runs_the_same_module_and_stylesheet():
    cls = widget_class()
    assert cls is widget_class()  # built once
    w = Stepper(X, K).widget
    assert w._esm == MODULE_PATH.read_text(encoding="utf-8")
    assert w._css == CSS_PATH.read_text(encoding="utf-8")
    assert {"data", "state"} <= set(w.keys)  # synced with the browser


def test_static_only_mode_creates_no_widget(monkeypatch):
    monkeypatch.setenv("TCONV_STATIC", "1")
    s = Stepper(X, K)
    bundle = s._repr_mimebundle_()
    assert WIDGET_VIEW not in bundle and "text/html" in bundle
    assert s._widget is None


def test_the_reader_edits_reach_python():
    s = Stepper(X, K)
    assert s.edits == {}
    s.widget.state = {"x": [[5]], "stride": [2, 2]}  # what the module sends after an edit
    assert s.edits == {"x": [[5]], "stride": [2, 2]}


# The data the module draws -------------------------------------------------------------------

def test_stepper_data_holds_the_example_and_the_editor_settings():
    d = Stepper(X, K, stride=2, title="Stride 2").data()
    assert d["kind"] == "editable" and d["views"] == ["scatter"]
    assert (d["x"], d["kernel"], d["x_float"], d["kernel_float"]) == (X, K, False, False)
    assert (d["stride"], d["padding"], d["output_padding"], d["dilation"]) == (
        [2, 2], [0, 0], [0, 0], [1, 1])
    assert d["titles"] == ["Stride 2"] and d["edit"] == list(EDITABLE)
    assert d["bounds"] == BOUNDS and d["fmt"] is None and d["interval"] == 900
    assert re.fullmatch(r"tcp-[0-9a-f]{12}", d["id"])
    assert d["id"] == Stepper(X, K, stride=2, title="Stride 2").data()["id"]  # deterministic
    assert d["id"] != Stepper(X, K, stride=3, title="Stride 2").data()["id"]


def test_floats_are_flagged_and_rectangular_settings_kept():
    d = Stepper([[0.5, 1.0]], [[2, 3]], stride=(1, 2), padding=(0, 1)).data()
    assert d["x"] == [[0.5, 1.0]] and d["x_float"] and not d["kernel_float"]
    assert d["stride"] == [1, 2] and d["padding"] == [0, 1]


def test_numpy_integers_are_settings_and_leave_as_plain_ints():
    d = Stepper(np.array(X, np.int32), K, stride=np.int64(2)).data()
    assert d["stride"] == [2, 2] and type(d["stride"][0]) is int
    assert json.dumps(d)


def test_the_editor_bounds_widen_to_the_example():
    d = Stepper(np.ones((7, 2), int), [[12000]], stride=5, dilation=4, output_padding=4).data()
    b = d["bounds"]
    assert (b["size"], b["value"], b["stride"], b["dilation"], b["output_padding"]) == (
        7, 12000, 5, 4, 4)
    assert b["padding"] == BOUNDS["padding"]


@pytest.mark.parametrize("cls, views, frames", [
    (Stepper, ["scatter"], 6), (GatherStepper, ["gather"], 9),
    (DirectStepper, ["direct", "scatter"], 9),
])
def test_each_stepper_names_its_views_and_counts_its_frames(cls, views, frames):
    s = cls(X, K)
    assert s.data()["views"] == views and len(s) == frames
    assert np.array_equal(s.placements.output, tconv.conv_transpose2d(np.array(X), np.array(K)))


def test_the_direct_player_can_stand_alone():
    s = DirectStepper(X, K, title="Direct", beside_scatter=False)
    assert s.data()["views"] == ["direct"] and s.data()["titles"] == ["Direct"]
    with pytest.raises(TypeError, match="beside_scatter must be True or False"):
        DirectStepper(X, K, beside_scatter="yes")


def test_the_edit_list_can_be_narrowed():
    assert Stepper(X, K, edit=("x", "stride")).data()["edit"] == ["x", "stride"]


# Errors: the library's message, once, never a traceback --------------------------------------

@pytest.mark.parametrize("kw", [
    dict(stride=0), dict(padding=-1), dict(stride=2, output_padding=2), dict(padding=3),
    dict(dilation=1.5), dict(stride=(1, 2, 3)),
])
@pytest.mark.parametrize("cls", [Stepper, GatherStepper, DirectStepper])
def test_invalid_settings_show_the_library_message_in_both_renderings(cls, kw):
    with pytest.raises((ValueError, TypeError)) as lib:
        tconv.placements(np.array(X), np.array(K), **kw)
    s = cls(X, K, **kw)  # does not raise
    assert s.error == str(lib.value) and len(s) == 0
    html = s._repr_mimebundle_()["text/html"]
    els = parse_html(html)
    (box,) = find(els, "div", "tconv-error")
    assert box.attrs["role"] == "alert" and box.text == f"Invalid settings: {lib.value}"
    assert not find(els, "script")  # nothing else: the message is shown once
    assert s.widget.data == {"kind": "error", "message": str(lib.value)}  # the same box, live


@pytest.mark.parametrize("x, message", [
    ([["a"]], "x must be a numeric array"),
    ([1, 2], "x must have shape (H, W), got 1-D shape (2,)"),
    ([[]], "x must not have an empty dimension"),
    ([[np.inf]], "x holds inf or NaN: a player shows finite numbers only"),
    ([[2 ** 40]], "x and kernel hold integers too large for a browser to add exactly"),
])
def test_invalid_arrays_show_a_message_naming_them(x, message):
    s = Stepper(x, [[2 ** 20]] if message.startswith("x and") else K)
    assert s.error.startswith(message)


# Budgets: bounded before anything large is computed ----------------------------------------

@pytest.mark.parametrize("cls, x, kernel, kw", [
    (Stepper, np.ones((2, 2)), np.ones((2, 2)), dict(stride=1000)),  # 30 MB of HTML before
    (Stepper, np.ones((1, 1)), np.ones((1000, 1000)), {}),           # 81 MB before
    (GatherStepper, np.ones((2, 2)), np.ones((3, 3)), dict(dilation=100)),
    (DirectStepper, np.ones((3, 3)), np.ones((2, 2)), dict(stride=100, padding=1)),
])
def test_a_player_over_its_budget_is_an_error_box_made_without_computing_it(cls, x, kernel, kw):
    tracemalloc.start()
    s = cls(x, kernel, **kw)
    html = s.to_html()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert s.error.startswith("this player would draw ")
    assert "more than its budget of 150 KB" in s.error
    assert s.error.endswith("use a smaller input or kernel, or a smaller stride, padding or "
                            "dilation")
    assert s.placements is None and peak < 2_000_000 + x.nbytes + kernel.nbytes
    assert len(html.encode()) < 30_000


def test_a_player_at_its_budget_is_drawn():
    s = Stepper(np.ones((2, 2)), np.ones((2, 2)), stride=40)  # a 42×42 canvas: 3,514 cells
    assert s.error is None


def test_too_many_placements_is_an_error_not_a_huge_page():
    s = Stepper(np.ones((9, 9)), np.ones((2, 2)))
    assert "81 placements" in s.error and "max_steps=64" in s.error
    assert Stepper(np.ones((9, 9)), np.ones((2, 2)), max_steps=81).error is None


# Options are checked when an object is built ------------------------------------------------

@pytest.mark.parametrize("kw, error, message", [
    (dict(fmt=2), TypeError, "fmt must be a format such as '.2f' or None, got 2"),
    (dict(fmt="d"), ValueError, "fmt must be '.Nf', '.Ng' or '.Ne'"),
    (dict(interval="fast"), TypeError, "interval must be an integer, got 'fast'"),
    (dict(interval=0), ValueError, "interval must be positive, got 0"),
    (dict(max_steps=2.5), TypeError, "max_steps must be an integer"),
    (dict(max_steps=0), ValueError, "max_steps must be positive"),
    (dict(edit=("x", "bias")), ValueError, "edit must list names from"),
    (dict(edit="x"), ValueError, "edit must list names from"),
    (dict(title=3), TypeError, "title must be a string or None"),
])
def test_bad_options_raise_when_the_object_is_built(kw, error, message):
    with pytest.raises(error, match=re.escape(message)):
        Stepper(X, K, **kw)


def test_sequence_and_chooser_options_are_checked_when_built():
    with pytest.raises(TypeError, match="interval must be an integer"):
        SequenceView(["a"], ["b"], interval="slow")
    with pytest.raises(TypeError, match="max_frames must be an integer"):
        ChooserView({"n": [1]}, _size, max_frames="many")


# Display never raises ------------------------------------------------------------------------

class Broken(View):
    title = "broken"

    def data(self):
        raise MemoryError("Unable to allocate 400 GiB")


def test_display_shows_whatever_went_wrong_instead_of_raising():
    bundle = Broken()._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    (box,) = find(parse_html(bundle["text/html"]), "div", "tconv-error")
    assert box.text == "Invalid settings: MemoryError: Unable to allocate 400 GiB"


# Pre-rendered frames -------------------------------------------------------------------------

def test_sequence_view_hands_its_frames_to_the_module():
    v = SequenceView([grid_html([[1]]), '<img src="data:image/png;base64,AA==" alt="a">'],
                     ["a grid", "an image"], "Two frames", note="<i>legend</i>", css=".q{}")
    d = v.data()
    assert d["kind"] == "frames" and d["captions"] == ["a grid", "an image"]
    assert d["frames"][0] == grid_html([[1]]) and (d["note"], d["css"]) == ("<i>legend</i>", ".q{}")
    assert data_of(v.to_html()) == d == v.widget.data
    with pytest.raises(ValueError, match="got 2 frames and 1 caption$"):
        SequenceView(["a", "b"], ["c"])


def test_frames_over_the_budget_are_an_error_and_rendering_stops_there():
    calls = []

    class Big(SequenceView):
        def __len__(self):
            return 1000

        def frame(self, i):
            calls.append(i)
            return "x" * 20_000

        def caption(self, i):
            return f"frame {i}"

    v = Big(["a"], ["b"])
    assert len(find(parse_html(v._repr_mimebundle_()["text/html"]), "div", "tconv-error")) == 1
    assert v.error.startswith("the 8 frames take 160 KB of HTML, more than a player's budget")
    assert len(calls) == 8  # not 1000


def _size(n, k, s, p):
    out = tconv.conv_transpose_output_size(n, k, s, p)
    return f"<b>{out}</b>", f"(n-1)s - 2p + k = {out}"


def test_chooser_view_precomputes_every_combination_with_errors_in_their_frames():
    v = ChooserView({"n": [1, 2], "k": [1, 3], "s": [1, 2], "p": [0, 1]}, _size, "Size",
                    initial={"n": 2, "k": 3}, labels={"n": "size n"})
    d = v.data()
    assert d["kind"] == "chooser" and len(d["frames"]) == 16
    assert d["initial"] == v.index(n=2, k=3, s=1, p=0) == 12
    assert d["params"] == {"n": ["1", "2"], "k": ["1", "3"], "s": ["1", "2"], "p": ["0", "1"]}
    assert d["labels"] == {"n": "size n", "k": "k", "s": "s", "p": "p"}
    bad = v.index(n=1, k=1, s=1, p=1)  # (1-1)*1 - 2 + 1 = -1
    with pytest.raises(ValueError) as lib:
        tconv.conv_transpose_output_size(1, 1, 1, 1)
    assert d["frames"][bad] == error_box(str(lib.value), style=False)
    assert d["captions"][bad] == str(lib.value)
    assert d["frames"][v.index(n=2, k=3, s=2, p=1)] == "<b>3</b>"


def test_chooser_view_live_settings_follow_the_reader():
    v = ChooserView({"n": [1, 2], "k": [1, 3]}, lambda n, k: (str(n * k), ""))
    assert v.settings() == {"n": 1, "k": 1}
    v.widget.state = {"settings": {"n": 1, "k": 1}}  # the indices the module sends
    assert v.settings() == {"n": 2, "k": 3}


def test_chooser_view_refuses_a_grid_too_large_or_a_bad_initial_setting():
    with pytest.raises(ValueError, match="400 combinations of settings: more than max_frames"):
        ChooserView({"a": list(range(20)), "b": list(range(20))}, _size)
    with pytest.raises(ValueError, match="initial setting n=5 is not one of the choices"):
        ChooserView({"n": [1, 2]}, _size, initial={"n": 5})
    with pytest.raises(ValueError, match="non-empty list"):
        ChooserView({"n": []}, _size)


# Grids for pre-rendered frames ---------------------------------------------------------------

def test_grid_headers_all_have_text_and_the_corner_is_an_empty_data_cell():
    """An empty ``<th>`` has no name for a screen reader (axe-core: empty-table-header)."""
    html = grid_html(np.arange(6).reshape(2, 3), headers=True)
    header_texts = re.findall(r"<th>([^<]*)", html)
    assert header_texts == ["0", "1", "2", "0", "1"]  # the columns, then each row
    assert html.startswith("<table class=\"g\"><tr><td class=c><th>0")
    assert "<th></th>" not in html and "<th><" not in html
    plain = grid_html(np.arange(6).reshape(2, 3))
    assert "<th" not in plain and "class=c" not in plain


def test_grid_writes_counts_and_shades_them():
    html = grid_html(np.array([[5, 6]]), counts=np.array([[0, 7]]))
    assert html == '<table class="g"><tr><td>5<td class=n4>6<i>7</i></table>'
    (table,) = tables(html)
    assert values(table).tolist() == [[5, 6]] and cells_with(table, "n4") == {(0, 1)}


def test_static_html_of_an_object_is_the_page_copy_of_its_data():
    s = GatherStepper(X, K)
    assert s.to_html() == static_html(s.data())
