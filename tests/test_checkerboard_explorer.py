"""The overlap explorer (its frames, numbers, errors, size) and the chapter figures.

The numbers each frame shows are read back out of its HTML tables and compared with
tconv.book.checkerboard.stack_overlap, itself checked against the placements and a direct loop
in test_checkerboard.py; the players' module draws the frames (tests/test_browser_players.py).
"""

from __future__ import annotations

import json
import tracemalloc

import matplotlib
import numpy as np
import pytest
from tconv.book import checkerboard
from tconv.book.checkerboard import (
    OverlapExplorer,
    count_rows_figure,
    count_table_html,
    explorer_input_size,
    image_grid,
    spectrum_grid,
)
from tconv.show.player import product_of
from test_player import assert_self_contained, find, parse_html
from test_widgets import tables, values

matplotlib.use("Agg")

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(autouse=True)
def live_widgets(monkeypatch):
    monkeypatch.delenv("TCONV_STATIC", raising=False)


@pytest.fixture(scope="module")
def explorer():
    return OverlapExplorer()


def border_cells(table) -> np.ndarray:
    return np.array([[c["cls"][0].startswith("b") if c["cls"] else False for c in row]
                     for row in table])


# the static player -----------------------------------------------------------------------------

def test_the_player_gets_every_frame_and_fits_the_budget(explorer):
    html = explorer.to_html()
    (script,) = find(parse_html(html), "script", "tconv-data")
    data = json.loads(script.text)
    combos = product_of(explorer.params)
    assert data["kind"] == "chooser" and len(data["frames"]) == len(combos) == 60
    assert data["initial"] == explorer.index(kernel_size=3, stride=2, padding=0, layers=1)
    assert data["title"] == "Overlap explorer" and list(data["params"]) == list(explorer.params)
    assert data["labels"]["kernel_size"] == "Kernel size k"
    assert len(json.dumps(data).encode()) <= 150_000
    assert_self_contained(html)


@pytest.mark.parametrize("settings", product_of(OverlapExplorer().params)[::7])
def test_each_frame_shows_the_library_counts_and_marks_the_border(explorer, settings):
    html, caption = explorer.frame_and_caption(**settings)
    stack = [(settings["kernel_size"], settings["stride"], settings["padding"])]
    stack = stack * settings["layers"]
    n = explorer_input_size(stack)
    row, square = checkerboard.stack_overlap(n, stack), checkerboard.stack_overlap((n, n), stack)
    row_table, square_table = tables(html)
    if len(row.count) > explorer.max_cols:  # a long row is cut, ending in "…"
        assert row_table[0][-1]["text"] == "…"
        row_table = [row_table[0][:-1]]
    shown = values(row_table)[0]
    assert len(shown) == min(len(row.count), explorer.max_cols)
    np.testing.assert_array_equal(shown, row.count[:len(shown)])
    np.testing.assert_array_equal(border_cells(row_table)[0], ~row.interior[:len(shown)])
    # the 2-D window is a square piece of the 2-D count, starting on the diagonal
    grid = values(square_table)
    w = grid.shape[0]
    starts = [a for a in range(len(square.count) - w + 1)
              if np.array_equal(square.count[a:a + w, a:a + w], grid)]
    assert starts, "the 2-D table is not a diagonal window of the 2-D count"
    a = starts[0]
    np.testing.assert_array_equal(border_cells(square_table), ~square.interior[a:a + w, a:a + w])
    assert w == min(len(square.count), explorer.window)
    assert square.interior[a:a + w, a:a + w].any(), "the window shows no interior cell"
    assert caption.startswith(f"kernel {settings['kernel_size']}" if settings["layers"] == 1
                              else f"{settings['layers']} layers of kernel")


@pytest.mark.parametrize("k, s, rule", [(3, 2, "uneven: 2 does not divide 3"),
                                        (4, 2, "even: 2 divides 4"),
                                        (6, 3, "even: 3 divides 6"),
                                        (5, 3, "uneven: 3 does not divide 5")])
def test_captions_state_the_rule_for_one_layer(explorer, k, s, rule):
    _, caption = explorer.frame_and_caption(kernel_size=k, stride=s, padding=0, layers=1)
    assert rule in caption
    short = int((~checkerboard.overlap_count(explorer_input_size([(k, s)]), k, s).interior).sum())
    assert (f"{short} cells near the edges get fewer terms" in caption if short > 1 else
            "1 cell near the edges gets fewer terms" in caption if short == 1 else
            "no cell near the edges gets fewer terms" in caption)


def test_caption_of_a_stack_names_the_period_and_the_levels(explorer):
    _, caption = explorer.frame_and_caption(kernel_size=3, stride=2, padding=0, layers=2)
    assert "the interior repeats every 4 cells with counts 1, 2 and 3 (uneven)" in caption
    assert "in 2-D 1, 2, 3, 4, 6 and 9" in caption
    _, caption = explorer.frame_and_caption(kernel_size=4, stride=2, padding=1, layers=3)
    assert "every interior cell gets 8 terms (even)" in caption


def test_input_is_just_long_enough_for_two_periods():
    for stack in ([(3, 2)], [(3, 2), (3, 2)], [(6, 3, 1)] * 3, [(2, 3, 1)]):
        n = explorer_input_size(stack)
        period = checkerboard.stack_overlap(n, stack).period[0]
        assert checkerboard.stack_overlap(n, stack).interior.sum() > 2 * period
        shorter = n - 1
        if shorter >= 2:
            try:
                assert checkerboard.stack_overlap(shorter, stack).interior.sum() <= 2 * period
            except ValueError:
                pass  # padding crops all of the shorter input's output


def test_invalid_settings_show_the_library_message():
    e = OverlapExplorer(kernel_sizes=[3], strides=[2, 0], paddings=[0], layers=[1])
    data = e.data()
    (box,) = find(parse_html(data["frames"][e.index(stride=0)]), "div", "tconv-error")
    assert "stride must be positive" in box.text
    assert data["captions"][e.index(stride=0)] == "stride must be positive, got 0"
    assert not find(parse_html(data["frames"][e.index(stride=2)]), "div", "tconv-error")


def test_a_deep_stack_is_refused_at_once_and_the_2d_window_is_made_from_1d_counts():
    tracemalloc.start()
    e = OverlapExplorer(kernel_sizes=[3], strides=[3], paddings=[0], layers=[10])
    data = e.data()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert data["captions"][0] == (
        "these 10 layers make a 1-D count of about 2361960 cells, more than the explorer "
        "computes (100000): use fewer layers or a smaller stride")
    assert peak < 5_000_000
    for k, s, p, layers in [(3, 2, 0, 1), (4, 2, 1, 2), (2, 3, 0, 1), (5, 3, 2, 3), (6, 2, 0, 2)]:
        stack = [(k, s, p)] * layers
        n = explorer_input_size(stack)
        row, square = checkerboard.stack_overlap(n, stack), checkerboard.stack_overlap((n, n),
                                                                                       stack)
        for win in (slice(0, 9), slice(3, 12)):
            mine = checkerboard._square_of(row, n, win)
            np.testing.assert_array_equal(mine.count, square.count[win, win])
            np.testing.assert_array_equal(mine.interior, square.interior[win, win])
            assert mine.interior_levels == square.interior_levels


def test_initial_settings_not_offered_fall_back_to_the_first_choice():
    e = OverlapExplorer(kernel_sizes=[4, 5], strides=[3])
    assert e.initial == {"kernel_size": 4, "stride": 3, "padding": 0, "layers": 1}
    e = OverlapExplorer(initial={"kernel_size": 5, "layers": 2})
    assert e.initial == {"kernel_size": 5, "stride": 2, "padding": 0, "layers": 2}
    with pytest.raises(ValueError, match="initial setting kernel_size=9 is not one of"):
        OverlapExplorer(initial={"kernel_size": 9})


def test_bad_display_sizes_are_named():
    with pytest.raises(ValueError, match="window must be at least 2"):
        OverlapExplorer(window=1)
    with pytest.raises(TypeError, match="max_cols must be an integer"):
        OverlapExplorer(max_cols=4.5)


# the live widget -------------------------------------------------------------------------------

def test_mimebundle_has_the_live_widget_and_the_static_player():
    e = OverlapExplorer(kernel_sizes=[3, 4], strides=[2], paddings=[0], layers=[1, 2])
    bundle = e._repr_mimebundle_()
    assert set(bundle) >= {WIDGET_VIEW, "text/html", "text/plain"}
    assert "VBox" not in bundle["text/plain"]


def test_live_dropdowns_show_the_frame_of_the_settings():
    e = OverlapExplorer(kernel_sizes=[3, 4], strides=[2], paddings=[0, 1], layers=[1, 2])
    e._repr_mimebundle_()
    assert e.widget.data == e.data()  # the same frames as the book's player
    e.widget.state = {"settings": {"kernel_size": 1, "stride": 0, "padding": 0, "layers": 1}}
    assert e.settings() == {"kernel_size": 4, "stride": 2, "padding": 0, "layers": 2}
    html, caption = e.frame_and_caption(**e.settings())
    assert e.widget.data["frames"][e.index(**e.settings())] == html
    assert "every interior cell gets 4 terms (even)" in caption


def test_static_only_mode_creates_no_widget(monkeypatch):
    monkeypatch.setenv("TCONV_STATIC", "1")
    e = OverlapExplorer(kernel_sizes=[3], strides=[2], paddings=[0], layers=[1])
    assert WIDGET_VIEW not in e._repr_mimebundle_() and e._widget is None


# count tables ----------------------------------------------------------------------------------

def test_count_table_shades_by_count_marks_the_border_and_cuts_long_rows():
    o = checkerboard.overlap_count(6, 3, 2)
    html = count_table_html(o.count, o.interior, max_cols=5)
    (row,) = tables(html)[0]
    assert [c["text"] for c in row] == ["1", "1", "2", "1", "2", "…"]
    # an interior cell at the top level is the default style: no class
    assert [c["cls"] for c in row[:5]] == [["b2"], ["q2"], [], ["q2"], []]
    holes = checkerboard.overlap_count(3, 1, 2)  # k < s: cells no product reaches
    (row,) = tables(count_table_html(holes.count, holes.interior))[0]
    assert [c["cls"] for c in row] == [[], ["q0"], [], ["q0"], []]


# figures ---------------------------------------------------------------------------------------

def test_count_rows_figure_hatches_exactly_the_border_cells():
    overlaps = [checkerboard.overlap_count(5, k, 2) for k in (2, 3, 4)]
    fig = count_rows_figure(overlaps, ["k=2", "k=3", "k=4"])
    assert len(fig.axes) == 3
    for ax, o in zip(fig.axes, overlaps, strict=True):
        hatched = [p for p in ax.patches if p.get_hatch()]
        assert len(hatched) == int((~o.interior).sum())
        assert [t.get_text() for t in ax.texts] == [str(v) for v in o.count]
    with pytest.raises(ValueError, match="titles must name each"):
        count_rows_figure(overlaps, ["one"])


def test_image_grid_lays_out_rows_and_columns():
    ims = [[np.zeros((4, 4)), np.ones((4, 4))], [np.eye(4), np.eye(4)]]
    fig = image_grid(ims, ["a", "b"], ["x", "y"])
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title() == "x" and fig.axes[2].get_ylabel() == "b"
    with pytest.raises(ValueError, match="one row title per row"):
        image_grid(ims, ["a"], ["x", "y"])
    shared = image_grid(ims, ["a", "b"], ["x", "y"], vmin=-2, vmax=2)
    assert all(ax.images[0].get_clim() == (-2, 2) for ax in shared.axes)
    assert fig.axes[2].images[0].get_clim() == (0, 1)  # otherwise each keeps its own range
    fig = image_grid([[np.eye(3), None]], [None], [["only", ""]])
    assert fig.axes[0].get_title() == "only" and not fig.axes[1].axison
    with pytest.raises(ValueError, match="one title per column"):
        image_grid(ims, ["a", "b"], [["x", "y"]])


def test_spectrum_grid_rings_the_stride_frequencies():
    i, j = np.indices((16, 16))
    checker = 1 + 0.5 * (-1.0) ** (i + j)
    fig = spectrum_grid([checker, checker, checker], ["a", "b", "c"], period=4, cols=2)
    assert len(fig.axes) == 4 and not fig.axes[3].axison
    rings = {tuple(int(v) for v in xy) for xy in fig.axes[0].collections[0].get_offsets()}
    # bins 0, 4, 8, 12 of 16 (multiples of 1/4 cycle per pixel) land on 8, 12, 0, 4 after the
    # shift that puts zero in the middle, at (8, 8), which is not ringed
    assert rings == {(c, r) for r in (0, 4, 8, 12) for c in (0, 4, 8, 12)} - {(8, 8)}
    with pytest.raises(ValueError, match="whole periods"):
        spectrum_grid([np.ones((10, 10))], ["a"], period=4)
