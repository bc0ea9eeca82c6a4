"""tconv.show.editions: one execution draws every edition (issue 16).

A figure made in English and then drawn as its Chinese copy must say what the same figure
made in Chinese says (and, where a layout engine lays it out, be the same picture); the
English figure must come back unchanged; a player's copy is the player made in Chinese; the
kernel's formatter makes the copies of any figure; the copies travel in an output's metadata
and the Chinese cache shows them.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from matplotlib.text import Text
from tconv import placements
from tconv.book.why_upsample import label_figure
from tconv.show import Stepper, draw, editions, text


def png(fig) -> str:
    """What the inline backend gives IPython: the figure as base64 PNG (tight box)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=60, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def shown_texts(fig) -> list[str]:
    """Every text a figure draws, its tick labels included (drawn once so they exist)."""
    fig.canvas.draw()
    return sorted(t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text())


@pytest.fixture
def editions_on(monkeypatch):
    monkeypatch.setenv(editions.ENV_EDITIONS, "zh_CN")
    monkeypatch.delenv(text.ENV_LANGUAGE, raising=False)
    text.set_language(None)
    yield
    text.set_language(None)


def scatter():
    return placements(np.array([[1, 2], [3, 4]]), np.ones((2, 2), dtype=int), stride=2)


FIGURES = {  # made by the chapters' own functions; the first two are laid out by an engine
    "placement": (lambda: draw.placement_figure(scatter(), 1), True),
    "grids": (lambda: draw.grids_side_by_side([np.eye(2), np.ones((2, 3))],
                                              ["input x (2×2)", "kernel 3, stride 2"]), True),
    "labels with tick labels": (lambda: label_figure(np.zeros((4, 5)), np.zeros((4, 5), int),
                                                     ["background", "object"]), False),
}


@pytest.mark.parametrize("name", FIGURES)
def test_a_figures_chinese_copy_is_the_figure_made_in_chinese(editions_on, name):
    make, laid_out_again = FIGURES[name]
    with editions.drawing_in("zh_CN"):
        native = make()
        native_texts, native_png = shown_texts(native), png(native)
    english = make()
    english_texts = shown_texts(english)
    with editions.figure_in(english, "zh_CN"):
        copy_texts = shown_texts(english)
    assert copy_texts == native_texts != english_texts
    assert any(text.has_cjk(t) for t in copy_texts)
    if laid_out_again:  # same texts, fonts and layout: the same picture
        assert editions.figure_copies(english, png) == {"zh_CN": {"image/png": native_png}}


def test_the_english_figure_comes_back_unchanged(editions_on):
    fig = FIGURES["labels with tick labels"][0]()
    before_texts, before = shown_texts(fig), png(fig)
    copies = editions.figure_copies(fig, png)
    assert copies["zh_CN"]["image/png"] != before
    assert shown_texts(fig) == before_texts and png(fig) == before
    assert text.language() == "en"


def test_no_copy_is_made_without_editions(monkeypatch):
    monkeypatch.delenv(editions.ENV_EDITIONS, raising=False)
    assert editions.other_editions() == []
    assert editions.figure_copies(draw.placement_figure(scatter(), 1), png) is None
    assert editions.MIME not in Stepper(np.eye(2), np.ones((2, 2)))._repr_mimebundle_()


def test_a_bad_edition_is_refused_by_name(monkeypatch):
    monkeypatch.setenv(editions.ENV_EDITIONS, "fr")
    with pytest.raises(ValueError, match="language must be one of"):
        editions.other_editions()


def test_a_players_chinese_copy_is_the_player_made_in_chinese(editions_on):
    def player():
        return Stepper(np.array([[1, 2], [3, 4]]), np.ones((2, 2)), stride=2,
                       title="Stride 2: 2×2 copies two cells apart")

    bundle = player()._repr_mimebundle_()
    with editions.drawing_in("zh_CN"):
        native = player().to_html()
    assert bundle[editions.MIME] == {"zh_CN": {"text/html": native}}
    assert bundle["text/html"] != native and "步幅" in native


def test_the_kernels_formatter_copies_every_figure_even_after_the_backend_resets(editions_on):
    """IPython's inline backend takes every formatter's Figure printer away when it starts
    (on the first figure); the copies must survive that, for figures made by pyplot too."""
    from IPython.core.formatters import DisplayFormatter
    from matplotlib.figure import Figure

    class Shell:  # what register() uses of a running kernel
        display_formatter = DisplayFormatter()

    shell = Shell()
    formatters = shell.display_formatter.formatters
    assert editions.register(shell) is True
    assert editions.register(shell) is False  # once only
    for formatter in formatters.values():  # what matplotlib-inline's select_figure_formats does
        formatter.pop(Figure, None)
    formatters["image/png"].for_type(Figure, png)
    data, _metadata = shell.display_formatter.format(draw.placement_figure(scatter(), 1))
    copy = data[editions.MIME]["zh_CN"]["image/png"]
    assert copy != data["image/png"] and base64.b64decode(copy).startswith(b"\x89PNG")
    data, _metadata = shell.display_formatter.format(np.eye(2))  # not a figure: no copy
    assert editions.MIME not in data


def test_the_copies_travel_in_the_outputs_metadata_and_the_chinese_cache_shows_them():
    output = {"output_type": "display_data", "metadata": {},
              "data": {"image/png": "EN", "text/plain": "<Figure>",
                       editions.MIME: {"zh_CN": {"image/png": "ZH"}}}}
    assert editions.keep_copies(output) == 1
    assert output["data"] == {"image/png": "EN", "text/plain": "<Figure>"}  # what a build sees
    assert editions.keep_copies(output) == 0
    chinese = {**output, "data": dict(output["data"]), "metadata": dict(output["metadata"])}
    assert editions.edition_output(chinese, "zh_CN") is True
    assert chinese == {"output_type": "display_data", "metadata": {},
                       "data": {"image/png": "ZH", "text/plain": "<Figure>"}}
    plain = {"output_type": "stream", "text": "3\n"}
    assert editions.keep_copies(plain) == 0 and editions.edition_output(plain, "zh_CN") is False
