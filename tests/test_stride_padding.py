"""The stride-padding companion (tconv.book.stride_padding): the output-size calculator's
data, the round-trip table and the output_padding figure.

Oracles: ``tconv.conv_transpose_output_size`` (its messages and values, themselves checked
against PyTorch's formula), ``tconv.roundtrip`` and ``tconv.conv_transpose2d``. What the
calculator shows in a page is checked in the browser (tests/test_browser_players.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from tconv.book.stride_padding import (
    FORMULA,
    SETTINGS,
    OutputSizeCalculator,
    output_padding_figure,
    round_trip_table,
)
from tconv.roundtrip import round_trip
from test_draw import dashed, hatched
from test_player import assert_self_contained, find, parse_html

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PLAYER_BUDGET = 150_000


@pytest.fixture(autouse=True)
def live_widgets(monkeypatch):
    monkeypatch.delenv("TCONV_STATIC", raising=False)


def _lib_message(**settings) -> str | None:
    try:
        tconv.conv_transpose_output_size(*(settings[n] for n in SETTINGS))
    except ValueError as err:
        return str(err)
    return None


# The output-size calculator (drawn by the players' module: tests/test_browser_players.py) ------

def test_calculator_hands_the_module_its_settings_labels_and_formula():
    calc = OutputSizeCalculator(size=4, kernel_size=3, stride=2, padding=1, output_padding=1)
    d = calc.data()
    assert d["kind"] == "size" and [d[n] for n in SETTINGS] == [4, 3, 2, 1, 1, 1]
    assert list(d["labels"]) == list(SETTINGS) and FORMULA in d["note"]
    html = calc.to_html()
    assert_self_contained(html)
    assert len(html.encode()) <= PLAYER_BUDGET
    assert WIDGET_VIEW in calc._repr_mimebundle_() and calc.widget.data == d


def test_calculator_initial_settings_give_the_library_size():
    calc = OutputSizeCalculator(size=7, kernel_size=3, stride=2, padding=1, output_padding=1)
    assert calc.output_size == 14 == tconv.conv_transpose_output_size(7, 3, 2, 1, 1)
    assert calc.formula.endswith("= 14") and calc.message is None


def test_calculator_with_invalid_initial_settings_keeps_the_library_message():
    calc = OutputSizeCalculator(size=4, kernel_size=3, stride=2, padding=1, output_padding=2)
    expected = "output_padding (2) must be smaller than stride (2) or dilation (1)"
    assert calc.output_size is None and calc.message == expected == _lib_message(
        size=4, kernel_size=3, stride=2, padding=1, output_padding=2, dilation=1)
    assert calc.error is None  # the module shows it, once, in its error box


@pytest.mark.parametrize("kwargs, message", [
    ({"stride": 2.5}, "stride must be an integer, got 2.5"),
    ({"size": 0}, "size must be positive, got 0"),
])
def test_calculator_with_bad_argument_types_is_an_error_box_in_both_renderings(kwargs, message):
    calc = OutputSizeCalculator(**kwargs)
    assert calc.error.startswith(message)
    els = parse_html(calc.to_html())
    (box,) = find(els, "div", "tconv-error")
    assert message in box.text and not find(els, "script")
    assert calc.widget.data == {"kind": "error", "message": calc.error}


def test_calculator_live_settings_follow_the_reader():
    calc = OutputSizeCalculator()
    assert calc.settings() == dict(size=4, kernel_size=3, stride=2, padding=1,
                                   output_padding=0, dilation=1)
    calc.widget.state = dict(size=11, kernel_size=3, stride=2, padding=1, output_padding=1,
                             dilation=1)
    assert calc.settings()["size"] == 11


def test_calculator_static_mode_has_no_widget(monkeypatch):
    monkeypatch.setenv("TCONV_STATIC", "1")
    calc = OutputSizeCalculator()
    assert WIDGET_VIEW not in calc._repr_mimebundle_() and calc._widget is None


def test_calculator_uses_the_books_letters():
    assert FORMULA == "o = (i − 1)·s − 2·p + d·(k − 1) + a + 1"
    calc = OutputSizeCalculator(size=4, kernel_size=3, stride=2, padding=1, output_padding=1)
    assert calc.formula == "o = (4 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 8"
    assert calc.data()["labels"]["output_padding"] == "output_padding a"


# The round-trip table -------------------------------------------------------------------------

def test_round_trip_table_has_one_line_per_round_trip_with_its_numbers():
    rows = [round_trip(8, 3, 2, 1), round_trip(11, 3, 3, 0), round_trip(8, 3, 2, 2, 2)]
    lines = round_trip_table(rows).text().splitlines()
    assert "output padding $a$" in lines[0] and lines[1] == "|" + "---:|" * 8
    for line, r in zip(lines[2:], rows, strict=True):
        cells = [int(v) for v in line.strip("| ").split(" | ")]
        assert cells == [r.size, r.kernel_size, r.stride, r.padding, r.dilation, r.conv_size,
                         r.output_padding, r.restored]
        assert tconv.conv_output_size(cells[0], *cells[1:4], dilation=cells[4]) == cells[5]
        assert tconv.conv_transpose_output_size(cells[5], *cells[1:4], cells[6],
                                                cells[4]) == cells[7] == cells[0]


def test_round_trip_table_refuses_rows_that_are_not_round_trips():
    with pytest.raises(TypeError, match=r"rows\[0\] must be a RoundTrip"):
        round_trip_table([(8, 3, 2, 1)])


# The output_padding figure --------------------------------------------------------------------

def test_output_padding_figure_hatches_the_crop_and_dashes_what_output_padding_keeps():
    x, ones = np.array([[1, 2], [3, 4]]), np.ones((3, 3), int)
    fig = output_padding_figure(x, ones, stride=2, padding=1, output_padding=1)
    canvas_ax, out_ax = fig.axes
    assert canvas_ax.get_title() == "canvas (6×6)" and out_ax.get_title() == "output (4×4)"
    # the canvas is 5 rows of copies plus the row output_padding asks for; padding 1 crops
    # row and column 0 and the last row and column, output_padding keeps row and column 4
    ring = {(r, c) for r in range(6) for c in range(6) if r in (0, 5) or c in (0, 5)}
    assert hatched(canvas_ax) == ring
    kept = {(r, c) for r in range(1, 5) for c in range(1, 5) if r == 4 or c == 4}
    assert dashed(canvas_ax) == kept
    assert dashed(out_ax) == {(r - 1, c - 1) for r, c in kept}
    out = tconv.conv_transpose2d(x, ones, stride=2, padding=1, output_padding=1)
    shown = [t.get_text() for t in out_ax.texts if t.get_fontsize() == 10]
    assert [int(v) for v in shown] == out.ravel().tolist()
