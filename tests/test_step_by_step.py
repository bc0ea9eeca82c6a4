"""tconv.book.step_by_step: the chapter's sums written out and its two composite figures."""

from __future__ import annotations

import numpy as np
import pytest
from tconv.book import step_by_step
from tconv.book.exercises import KERNEL, X


def test_sum_text_lists_the_products_of_one_cell_then_their_sum():
    assert step_by_step.sum_text(X, KERNEL, (1, 1)) == "2 + 8 + 9 + 4 = 23"
    assert step_by_step.sum_text(X, KERNEL, (2, 1)) == "6 + 16 = 22"
    assert step_by_step.sum_text(X, KERNEL, (0, 0)) == "1 = 1"
    assert step_by_step.sum_text(X, KERNEL, (2, 2), stride=3) == "0"  # a gap: nothing lands


def test_cell_sums_write_out_only_the_cells_several_products_reach():
    text = step_by_step.cell_sums(X, KERNEL)
    assert text[1, 1] == "2+8+9+4\n= 23" and text[0, 1] == "3+2\n= 5"
    assert [text[r, c] for r, c in [(0, 0), (0, 2), (2, 0), (2, 2)]] == [None] * 4
    assert (step_by_step.cell_sums(X, KERNEL, stride=2) == None).all()  # noqa: E711 - tiles


def test_result_figure_draws_input_kernel_and_output():
    figure = step_by_step.result_figure(X, KERNEL)
    titles = [ax.get_title() for ax in figure.axes]
    assert titles == ["input x (2×2)", "kernel (2×2)", "output y (3×3)"]
    texts = [t.get_text() for t in figure.axes[2].texts]
    assert "2+8+9+4\n= 23" in texts and "8" in texts


def test_strides_figure_draws_one_grid_per_stride():
    figure = step_by_step.strides_figure(X, KERNEL, strides=(1, 2, 3))
    assert [ax.get_title() for ax in figure.axes] == ["stride 1: 3×3", "stride 2: 4×4",
                                                      "stride 3: 5×5"]
    with pytest.raises(ValueError, match="stride must be positive"):
        step_by_step.strides_figure(X, KERNEL, strides=(0,))
    with pytest.raises(ValueError, match="at least one stride"):
        step_by_step.strides_figure(X, KERNEL, strides=())
    with pytest.raises(TypeError, match="stride must be an integer"):
        step_by_step.strides_figure(X, KERNEL, strides=(1.5,))
    assert np.array_equal(X, [[1, 2], [3, 4]])
