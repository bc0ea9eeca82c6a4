"""The output-size calculator (tconv.book.stride_padding): both renderings, numbers, errors.

Oracles: ``tconv.conv_transpose_output_size`` (its messages and values, themselves checked
against PyTorch's formula). The numbers each frame shows are read back out of its HTML.
"""

from __future__ import annotations

import re
from itertools import product

import numpy as np
import pytest
import tconv
from tconv.book.stride_padding import GRID, SETTINGS, OutputSizeCalculator
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


# The output-size calculator ------------------------------------------------------------------

def test_calculator_static_player_has_a_labelled_select_per_setting():
    html = OutputSizeCalculator().to_html()
    els = parse_html(html)
    (root,) = find(els, "div", "tconv-player")
    assert root.attrs["data-frames"] == str(np.prod([len(v) for v in GRID.values()]))
    selects = find(els, "select", data_param=None)
    assert [s.attrs["data-param"] for s in selects] == list(SETTINGS)
    assert all(s.within("tconv-player") and any(p.tag == "label" for p in s.parents)
               for s in selects)
    assert_self_contained(html)
    assert len(html.encode()) <= PLAYER_BUDGET


def test_calculator_frames_show_the_library_size_or_its_error_for_every_setting():
    calc = OutputSizeCalculator()
    els = parse_html(calc.to_html())
    frames = find(els, "div", "tconv-frame")
    errors = find(els, "div", "tconv-error")
    n_errors = 0
    for combo in product(*GRID.values()):
        settings = dict(zip(SETTINGS, combo, strict=True))
        frame = frames[calc.index(**settings)]
        message = _lib_message(**settings)
        if message is not None:
            n_errors += 1
            (box,) = [e for e in errors if frame in e.parents]
            assert box.attrs["role"] == "alert" and message in box.text
            assert frame.attrs["data-caption"] == message
            continue
        out = tconv.conv_transpose_output_size(*combo)
        i, k, s, p, a, d = combo
        # the formula with the numbers filled in, and its value
        numbers = re.findall(r"\d+", frame.text.split("=")[-2] + "=" + frame.text.split("=")[-1])
        assert [int(v) for v in numbers] == [i, 1, s, 2, p, d, k, 1, a, 1, out]
        assert f"output size {out}" in frame.text
        assert frame.attrs["data-caption"] == f"Output size {out}."
    assert 0 < n_errors < len(frames)  # the grid shows both kinds


def test_calculator_initial_settings_are_shown_first_and_added_to_the_grid():
    calc = OutputSizeCalculator(size=7, kernel_size=3, stride=2, padding=1, output_padding=1)
    assert calc.params["size"] == sorted(set(GRID["size"]) | {7})
    els = parse_html(calc.to_html())
    (root,) = find(els, "div", "tconv-player")
    assert root.attrs["data-frame"] == str(calc.index())
    assert calc.output_size == 14 == tconv.conv_transpose_output_size(7, 3, 2, 1, 1)
    assert calc.formula.endswith("= 14") and calc.message is None
    (shown,) = [f for f in find(els, "div", "tconv-frame") if "hidden" not in f.attrs]
    assert "output size 14" in shown.text


def test_calculator_with_invalid_initial_settings_shows_the_library_message():
    calc = OutputSizeCalculator(size=4, kernel_size=3, stride=2, padding=1, output_padding=2)
    expected = "output_padding (2) must be smaller than stride (2) or dilation (1)"
    assert calc.output_size is None and calc.message == expected
    els = parse_html(calc.to_html())
    (shown,) = [f for f in find(els, "div", "tconv-frame") if "hidden" not in f.attrs]
    assert expected in shown.text
    assert WIDGET_VIEW in calc._repr_mimebundle_()
    assert expected in calc.frame_view.value


@pytest.mark.parametrize("kwargs, message", [
    ({"stride": 2.5}, "stride must be an integer, got 2.5"),
    ({"size": 0}, "size must be positive, got 0"),
    ({"grid": {"size": [1]}}, "grid must give values for exactly"),
])
def test_calculator_with_bad_argument_types_is_an_error_box_in_both_renderings(kwargs, message):
    calc = OutputSizeCalculator(**kwargs)
    assert calc.error.startswith(message)
    els = parse_html(calc.to_html())
    (box,) = find(els, "div", "tconv-error")
    assert message in box.text and not find(els, "div", "tconv-player")
    assert WIDGET_VIEW in calc._repr_mimebundle_()
    assert message in calc.widget.value


def test_calculator_live_sliders_recompute_beyond_the_static_grid():
    calc = OutputSizeCalculator()
    assert WIDGET_VIEW in calc._repr_mimebundle_()
    calc.sliders["size"].value = 11  # not in the static grid
    calc.sliders["output_padding"].value = 1
    assert calc.settings() == dict(size=11, kernel_size=3, stride=2, padding=1,
                                   output_padding=1, dilation=1)
    assert "<b>22</b>" in calc.frame_view.value
    assert tconv.conv_transpose_output_size(11, 3, 2, 1, 1) == 22
    calc.sliders["output_padding"].value = 3
    assert "tconv-error" in calc.frame_view.value
    assert "output_padding (3) must be smaller" in calc.caption_view.value


def test_calculator_static_mode_has_no_widget(monkeypatch):
    monkeypatch.setenv("TCONV_STATIC", "1")
    calc = OutputSizeCalculator()
    assert WIDGET_VIEW not in calc._repr_mimebundle_() and calc._widget is None
