"""Figure helpers: the right number of panels, every number written, marks where asked.

Structure, not pixels: the tests read the texts and patches matplotlib holds.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.patches import Rectangle
from tconv import conv_transpose2d, gather, placements
from tconv.show import draw

matplotlib.use("Agg")

X = [[0, 1], [2, 3]]
K = [[0, 1], [2, 3]]


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def outlined(ax) -> set[tuple[int, int]]:
    """Cells with the outline drawn by ``highlight``/``fill`` (an unfilled inset rectangle)."""
    return {(round(p.get_y()), round(p.get_x())) for p in ax.patches
            if isinstance(p, Rectangle) and not p.get_fill() and p.get_linestyle() == "solid"}


def hatched(ax) -> set[tuple[int, int]]:
    return {(round(p.get_y()), round(p.get_x())) for p in ax.patches
            if isinstance(p, Rectangle) and p.get_hatch()}


def dashed(ax) -> set[tuple[int, int]]:
    return {(round(p.get_y()), round(p.get_x())) for p in ax.patches
            if isinstance(p, Rectangle) and p.get_linestyle() == "--"}


def test_grid_writes_every_number_and_the_counts():
    fig = draw.new_figure((2, 2))
    ax = draw.grid(fig.subplots(), [[1, 22], [-3, 0.5]], "g", shade=[[0, 1], [2, 5]])
    assert texts(ax) == ["1", "22", "1", "-3", "2", "0.5", "5"]  # numbers, counts after them
    assert ax.get_title() == "g"
    cells = [p for p in ax.patches if p.get_fill()]
    assert len(cells) == 4
    colours = {tuple(p.get_facecolor()) for p in cells}
    assert len(colours) == 4  # shading differs with the count


def test_grid_marks_highlight_fill_hatch_and_dashed_cells():
    fig = draw.new_figure((2, 2))
    ax = draw.grid(fig.subplots(), np.zeros((3, 3), int), highlight=[(0, 0), (0, 1)],
                   fill=[(2, 2)], hatch=[(1, 0)], dashed=[(1, 1), (1, 2)])
    assert outlined(ax) == {(0, 0), (0, 1), (2, 2)}
    assert hatched(ax) == {(1, 0)}
    assert dashed(ax) == {(1, 1), (1, 2)}


def test_grid_leaves_none_cells_blank():
    fig = draw.new_figure((2, 2))
    ax = draw.grid(fig.subplots(), np.array([[None, 4]], dtype=object), labels=False)
    assert texts(ax) == ["", "4"]


def test_grid_writes_given_text_instead_of_the_numbers():
    fig = draw.new_figure((2, 2))
    text = np.array([["0+1", None], ["a", "2+2=4"]], dtype=object)
    ax = draw.grid(fig.subplots(), [[1, 7], [3, 4]], text=text, fontsize=7)
    assert texts(ax) == ["0+1", "7", "a", "2+2=4"]  # None keeps the number
    assert {t.get_fontsize() for t in ax.texts} == {7}
    # a plain string array works too, as values or as text
    ax = draw.grid(fig.subplots(), np.array([["x", "y"]]), labels=False)
    assert texts(ax) == ["x", "y"]
    ax = draw.grid(fig.subplots(), [5, 6], text=["five", "six"], labels=False)
    assert texts(ax) == ["five", "six"]
    with pytest.raises(ValueError, match=r"text must have the shape of array, \(2, 2\)"):
        draw.grid(fig.subplots(), np.zeros((2, 2)), text=["a", "b", "c"])


def test_gather_figure_marks_the_used_cells_and_writes_products_and_sum():
    y = conv_transpose2d(np.array(X), np.array(K))
    terms = gather(X, K, (1, 1))
    fig = draw.gather_figure(X, K, (1, 1), terms, y)
    assert len(fig.axes) == 4
    ax_x, ax_k, ax_y, ax_t = fig.axes
    assert [ax.get_title() for ax in (ax_x, ax_k, ax_y)] == ["input x", "kernel k",
                                                            "output y, cell (1,1)"]
    assert ax_t.get_title(loc="left") == "4 products"
    assert outlined(ax_x) == outlined(ax_k) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert outlined(ax_y) == {(1, 1)}
    # one letter per product pairs an input cell with a kernel cell: x[0,0] with k[1,1] ...
    tag = {ax: {t.get_text(): (round(t.get_position()[1]), round(t.get_position()[0]))
                for t in ax.texts if t.get_text() in ("A", "B", "C", "D")} for ax in (ax_x, ax_k)}
    assert [(tag[ax_x][c], tag[ax_k][c]) for c in "ABCD"] == [
        (t.input_index, t.kernel_index) for t in terms]
    assert texts(ax_t) == ["A  x[0,0] · k[1,1] = 0 · 3 = 0", "B  x[0,1] · k[1,0] = 1 · 2 = 2",
                           "C  x[1,0] · k[0,1] = 2 · 1 = 2", "D  x[1,1] · k[0,0] = 3 · 0 = 0",
                           "y[1,1] = 0 + 2 + 2 + 0 = 4"]


def test_gather_figure_of_a_cell_no_product_reaches_and_of_negative_products():
    y = conv_transpose2d(np.array(X), np.array(K), stride=3)
    fig = draw.gather_figure(X, K, (2, 2), gather(X, K, (2, 2), stride=3), y)
    assert fig.axes[3].get_title(loc="left") == "0 products"
    assert texts(fig.axes[3]) == ["y[2,2] = 0: no product reaches this cell"]
    assert not outlined(fig.axes[0]) and not outlined(fig.axes[1])
    xn = [[1, -2]]
    fig = draw.gather_figure(xn, [[1, 1]], (0, 1), gather(xn, [[1, 1]], (0, 1)),
                             conv_transpose2d(np.array(xn), np.array([[1, 1]])))
    assert texts(fig.axes[3])[-1] == "y[0,1] = 1 + (-2) = -1"
    with pytest.raises(ValueError, match=r"out_index \(3, 0\) is outside the output"):
        draw.gather_figure(X, K, (3, 0), [], conv_transpose2d(np.array(X), np.array(K)))


def test_placement_figure_has_the_four_panels_of_a_step():
    p = placements(X, K)
    fig = draw.placement_figure(p, 1)
    ax_x, ax_k, ax_c, ax_out = fig.axes
    assert [ax.get_title() for ax in fig.axes] == ["input x", "kernel", "x[0,1] × kernel",
                                                  "out after step 2"]
    assert outlined(ax_x) == {(0, 1)}
    assert texts(ax_c) == ["0", "1", "2", "3"]
    assert outlined(ax_out) == {(0, 1), (0, 2), (1, 1), (1, 2)}
    numbers = [t for t in texts(ax_out)]
    assert numbers[:4] == ["0", "1", "0", "2"]  # value, count, value, count ...
    assert "Step 2 of 4: x[0,1] = 1 times the kernel" in fig._suptitle.get_text()


def test_placement_figure_with_padding_hatches_the_cropped_border():
    p = placements(np.ones((2, 2), int), np.ones((3, 3), int), stride=2, padding=1,
                   output_padding=1)
    ax_out = draw.placement_figure(p, 0).axes[3]
    assert ax_out.get_title() == "full canvas after step 1"
    border = {(r, c) for r in range(6) for c in range(6) if r in (0, 5) or c in (0, 5)}
    assert hatched(ax_out) == border
    assert dashed(ax_out) == {(4, c) for c in range(1, 5)} | {(r, 4) for r in range(1, 5)}


def test_all_placements_figure_draws_each_contribution_then_the_sum():
    p = placements(X, K)
    fig = draw.all_placements_figure(p)
    assert len(fig.axes) == 5
    assert [t for t in texts(fig.axes[1]) if t] == ["0", "1", "2", "3"]
    assert outlined(fig.axes[2]) == {(1, 0), (1, 1), (2, 0), (2, 1)}  # x[1,0]
    values = [t for t in texts(fig.axes[-1])]
    assert [values[k] for k in (0, 2, 4)] == ["0", "0", "1"]  # first row of the sum
    assert "12" in values


def test_overlap_figure_writes_each_count_once():
    fig = draw.overlap_figure([[1, 2], [2, 4]])
    (ax,) = fig.axes
    assert texts(ax) == ["1", "2", "2", "4"]
    assert len(draw.overlap_figure([1, 2, 1]).axes) == 1


def test_grids_and_images_side_by_side():
    fig = draw.grids_side_by_side([[[1, 2]], np.eye(3)], ["a", "b"])
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    fig = draw.images_side_by_side([np.zeros((4, 4)), np.ones((4, 4, 3))], ["grey", "rgb"])
    assert [ax.get_title() for ax in fig.axes] == ["grey", "rgb"]
    assert all(len(ax.images) == 1 for ax in fig.axes)
    with pytest.raises(ValueError, match="one entry per image: 1 image, 2 titles"):
        draw.images_side_by_side([np.zeros((2, 2))], ["a", "b"])
    with pytest.raises(ValueError, match="one entry per array"):
        draw.grids_side_by_side([[[1]]], ["a", "b"])


def test_figures_are_not_left_open_in_pyplot():
    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    draw.placement_figure(placements(X, K), 0)
    draw.images_side_by_side([np.zeros((2, 2))])
    draw.gather_figure(X, K, (0, 0), gather(X, K, (0, 0)), np.zeros((3, 3), int))
    assert plt.get_fignums() == before
