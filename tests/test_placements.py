"""The placement model: the scatter of a transposed convolution, recorded step by step.

Oracles: the transposed convolution itself (``tconv.conv_transpose2d``, and PyTorch's when
installed), the overlap count as the transposed convolution of ones with ones,
and the article's worked 2×2 example (x = kernel = [[0, 1], [2, 3]] -> [[0, 0, 1], [0, 4, 6],
[4, 12, 9]], four placements).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tconv import conv_transpose2d
from tconv.placements import Crop, gather, placements

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # torch is an optional oracle
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed (optional oracle)")
EXAMPLES = settings(max_examples=40, deadline=None)

X = [[0, 1], [2, 3]]
K = [[0, 1], [2, 3]]


# Strategies ----------------------------------------------------------------------------------

def _pair(value):
    return value if isinstance(value, tuple) else (value, value)


@st.composite
def cases(draw):
    """(x, kernel, settings) for a transposed convolution with a non-empty output."""
    H, W = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kH, kW = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3) | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = draw(st.integers(0, 2) | st.tuples(st.integers(0, 2), st.integers(0, 2)))
    dilation = draw(st.integers(1, 2) | st.tuples(st.integers(1, 2), st.integers(1, 2)))
    (sh, sw), (dh, dw), (ph, pw) = _pair(stride), _pair(dilation), _pair(padding)
    output_padding = (draw(st.integers(0, max(sh, dh) - 1)),
                      draw(st.integers(0, max(sw, dw) - 1)))
    oH = (H - 1) * sh - 2 * ph + dh * (kH - 1) + output_padding[0] + 1
    oW = (W - 1) * sw - 2 * pw + dw * (kW - 1) + output_padding[1] + 1
    assume(oH > 0 and oW > 0)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.integers(-5, 6, size=(H, W))
    kernel = rng.integers(-5, 6, size=(kH, kW))
    return x, kernel, dict(stride=stride, padding=padding, output_padding=output_padding,
                           dilation=dilation)


def _torch_conv_transpose2d(x, kernel, **kw):
    y = F.conv_transpose2d(torch.from_numpy(np.asarray(x, np.float64))[None, None],
                           torch.from_numpy(np.asarray(kernel, np.float64))[None, None], **kw)
    return y[0, 0].numpy()


# The article's example, pinned ---------------------------------------------------------------

def test_article_example_has_four_placements_in_row_major_order():
    p = placements(X, K)
    assert len(p) == 4
    assert [q.index for q in p] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [q.value for q in p] == [0, 1, 2, 3]
    assert [q.step for q in p] == [0, 1, 2, 3]


def test_article_example_windows_and_contributions():
    p = placements(X, K)
    assert [(q.rows, q.cols) for q in p] == [
        (slice(0, 2), slice(0, 2)), (slice(0, 2), slice(1, 3)),
        (slice(1, 3), slice(0, 2)), (slice(1, 3), slice(1, 3))]
    assert p[1].contribution.tolist() == [[0, 1], [2, 3]]
    assert p[2].contribution.tolist() == [[0, 2], [4, 6]]
    assert p[3].contribution.tolist() == [[0, 3], [6, 9]]


def test_article_example_running_output_and_final_result():
    p = placements(X, K)
    assert p[0].output.tolist() == [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert p[1].output.tolist() == [[0, 0, 1], [0, 2, 3], [0, 0, 0]]
    assert p[2].output.tolist() == [[0, 0, 1], [0, 4, 3], [4, 6, 0]]
    assert p[3].output.tolist() == [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
    assert p.output.tolist() == [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
    assert p.output.dtype == np.int64


def test_article_example_overlap_counts():
    p = placements(X, K)
    assert p[1].overlap.tolist() == [[1, 2, 1], [1, 2, 1], [0, 0, 0]]
    assert p.overlap.tolist() == [[1, 2, 1], [2, 4, 2], [1, 2, 1]]


def test_article_example_centre_cell_gathers_four_products():
    terms = gather(X, K, (1, 1))
    assert [(t.input_index, t.kernel_index, t.product) for t in terms] == [
        ((0, 0), (1, 1), 0), ((0, 1), (1, 0), 2), ((1, 0), (0, 1), 2), ((1, 1), (0, 0), 0)]
    assert sum(t.product for t in terms) == 4


def test_arrays_are_read_only():
    p = placements(X, K)
    with pytest.raises(ValueError):
        p[0].canvas[0, 0] = 1
    with pytest.raises(ValueError):
        p.output[0, 0] = 1


# Padding, output_padding, dilation: the canvas and the crop ----------------------------------

def test_padding_crops_the_canvas_symmetrically():
    p = placements(np.ones((4, 4), int), np.ones((4, 4), int), stride=2, padding=1)
    assert p.crop == Crop(full_shape=(10, 10), padding=(1, 1), output_padding=(0, 0))
    assert p.crop.canvas_shape == (10, 10)
    assert p.crop.out_shape == (8, 8) == p.output.shape
    assert (p.crop.rows, p.crop.cols) == (slice(1, 9), slice(1, 9))
    assert not p.crop.kept(0, 5) and p.crop.kept(1, 1) and not p.crop.kept(9, 9)
    assert p.crop.extra_rows == slice(9, 9)  # no output_padding: nothing extra


def test_output_padding_extends_the_canvas_with_cells_no_placement_reaches():
    p = placements(np.ones((2, 2), int), np.ones((3, 3), int), stride=2, output_padding=1)
    assert p.crop.full_shape == (5, 5) and p.crop.canvas_shape == (6, 6)
    assert p.crop.extra_rows == slice(5, 6) and p.crop.extra_cols == slice(5, 6)
    assert p.output.shape == (6, 6)
    assert not p.output[5].any() and not p.output[:, 5].any()
    assert p.overlap[5].sum() == 0


def test_output_padding_with_padding_keeps_computed_values():
    p = placements(np.ones((2, 2), int), np.ones((3, 3), int), stride=2, padding=1,
                   output_padding=1)
    assert p.crop.rows == slice(1, 5) and p.crop.extra_rows == slice(4, 5)
    assert p.output[-1].tolist() == [1, 2, 1, 1]  # canvas row 4: computed, not zeros


def test_dilation_spreads_the_footprint():
    p = placements([[1, 2]], [[1, 1], [1, 1]], dilation=2)
    assert p[0].rows == slice(0, 3, 2) and p[0].cols == slice(0, 3, 2)
    assert p[0].footprint == ((0, 0), (0, 2), (2, 0), (2, 2))
    assert p[1].footprint == ((0, 1), (0, 3), (2, 1), (2, 3))
    assert p.output.tolist() == [[1, 2, 1, 2], [0, 0, 0, 0], [1, 2, 1, 2]]


def test_float_inputs_give_float_outputs():
    p = placements(np.array([[0.5]]), [[2, 4]])
    assert p.output.dtype == np.float64 and p.output.tolist() == [[1.0, 2.0]]
    assert isinstance(p[0].value, float)


# Properties against the transposed convolution -----------------------------------------------

@EXAMPLES
@given(cases())
def test_every_step_adds_value_times_kernel_on_its_footprint(case):
    x, kernel, kw = case
    p = placements(x, kernel, **kw)
    assert len(p) == x.size
    previous = np.zeros(p.crop.canvas_shape, np.int64)
    for q in p:
        assert q.value == x[q.index]
        np.testing.assert_array_equal(q.contribution, x[q.index] * kernel)
        step = q.canvas - previous
        added = np.zeros_like(step)
        for (r, c), v in zip(q.footprint, q.contribution.ravel(), strict=True):
            added[r, c] = v
        np.testing.assert_array_equal(step, added)
        np.testing.assert_array_equal(q.output, q.canvas[p.crop.rows, p.crop.cols])
        previous = q.canvas


@EXAMPLES
@given(cases())
def test_final_output_equals_conv_transpose2d(case):
    x, kernel, kw = case
    p = placements(x, kernel, **kw)
    np.testing.assert_array_equal(p[-1].output, conv_transpose2d(x, kernel, **kw))
    np.testing.assert_array_equal(p.output, conv_transpose2d(x, kernel, **kw))


@EXAMPLES
@given(cases())
def test_overlap_counts_equal_conv_transpose2d_of_ones(case):
    x, kernel, kw = case
    p = placements(x, kernel, **kw)
    ones = conv_transpose2d(np.ones(x.shape, int), np.ones(kernel.shape, int), **kw)
    np.testing.assert_array_equal(p.overlap, ones)
    np.testing.assert_array_equal(p[-1].overlap, ones)


@needs_torch
@EXAMPLES
@given(cases())
def test_final_output_and_overlap_equal_torch(case):
    x, kernel, kw = case
    p = placements(x, kernel, **kw)
    np.testing.assert_array_equal(p.output, _torch_conv_transpose2d(x, kernel, **kw))
    ones = _torch_conv_transpose2d(np.ones(x.shape), np.ones(kernel.shape), **kw)
    np.testing.assert_array_equal(p.overlap, ones)


@EXAMPLES
@given(cases(), st.data())
def test_gather_terms_sum_to_the_output_cell(case, data):
    x, kernel, kw = case
    p = placements(x, kernel, **kw)
    r = data.draw(st.integers(0, p.output.shape[0] - 1))
    c = data.draw(st.integers(0, p.output.shape[1] - 1))
    terms = gather(x, kernel, (r, c), **kw)
    assert sum(t.product for t in terms) == p.output[r, c]
    assert len(terms) == p.overlap[r, c]
    for t in terms:
        assert t.value == x[t.input_index] and t.weight == kernel[t.kernel_index]
        assert t.product == t.value * t.weight
        # the placement of that input element covers this cell with that kernel cell
        q = p[t.input_index[0] * x.shape[1] + t.input_index[1]]
        kH, kW = kernel.shape
        cell = q.footprint[t.kernel_index[0] * kW + t.kernel_index[1]]
        assert cell == (r + p.padding[0], c + p.padding[1])
    assert [t.input_index for t in terms] == sorted(t.input_index for t in terms)


# Bad input: the library's own messages -------------------------------------------------------

@pytest.mark.parametrize("kw, error, message", [
    (dict(stride=0), ValueError, "stride must be positive, got 0"),
    (dict(stride=1.5), TypeError, "stride must be an integer"),
    (dict(padding=-1), ValueError, "padding must be non-negative, got -1"),
    (dict(dilation=0), ValueError, "dilation must be positive"),
    (dict(stride=2, output_padding=2), ValueError,
     "output_padding (2) must be smaller than stride (2) or dilation (1)"),
    (dict(padding=3), ValueError, "padding (3) crops away the whole output"),
    (dict(stride=(1, 2, 3)), ValueError, "stride must be an integer or 2 integers"),
])
def test_bad_settings_raise_the_library_message(kw, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        placements(X, K, **kw)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        gather(X, K, (0, 0), **kw)


@pytest.mark.parametrize("x, kernel, error, message", [
    ([[[1]]], K, ValueError, "x must have shape (H, W)"),
    (X, [1, 2], ValueError, "kernel must have shape (kH, kW)"),
    ([["a"]], K, TypeError, "x must be a numeric array"),
    (X, [[True]], TypeError, "kernel must be a numeric array"),
    (np.zeros((0, 2)), K, ValueError, "x must not have an empty dimension"),
    ([[1, 2], [3]], K, TypeError, "x must be a rectangular numeric array"),
])
def test_bad_arrays_raise_naming_the_argument(x, kernel, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        placements(x, kernel)


@pytest.mark.parametrize("out_index, error, message", [
    ((3, 0), ValueError, r"out_index \(3, 0\) is outside the output of shape \(3, 3\)"),
    ((0, -1), ValueError, "out_index must be non-negative"),
    ((0, 0.5), TypeError, "out_index must be an integer"),
    ((0, 1, 2), ValueError, "out_index must be an integer or 2 integers"),
])
def test_gather_checks_the_output_cell(out_index, error, message):
    with pytest.raises(error, match=message):
        gather(X, K, out_index)


def test_gather_accepts_one_int_for_both_coordinates():
    assert [t.input_index for t in gather(X, K, 1)] == [(0, 0), (0, 1), (1, 0), (1, 1)]


# A step stores its block, not a canvas -----------------------------------------------------
#
# The running sums are made when asked for, with the loop's additions in the loop's order, so
# float sums are the loop's to the bit; 100×100 placements of a 1×1 kernel took 1.5 GiB when
# every step kept a canvas.

def running_sums_by_the_loop(x, kernel, stride, dilation, canvas_shape):
    """Every step's canvas, by the plain loop: canvas[window] += x[i, j] * kernel."""
    canvas, sums = np.zeros(canvas_shape), []
    kH, kW = kernel.shape
    for i, j in np.ndindex(x.shape):
        canvas[i * stride[0]:i * stride[0] + dilation[0] * (kH - 1) + 1:dilation[0],
               j * stride[1]:j * stride[1] + dilation[1] * (kW - 1) + 1:dilation[1]] += \
            x[i, j] * kernel
        sums.append(canvas.copy())
    return sums


@EXAMPLES
@given(cases(), st.integers(0, 2**32 - 1), st.booleans())
def test_running_sums_of_floats_are_the_loops_to_the_bit(case, seed, big_kernel):
    x, kernel, kw = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x.shape) * 10.0 ** rng.integers(-3, 4, x.shape)
    kernel = rng.standard_normal((4, 3) if big_kernel else kernel.shape)  # more cells than steps
    try:
        p = placements(x, kernel, **kw)
    except ValueError:
        return  # the bigger kernel's output may be cropped away by the padding
    want = running_sums_by_the_loop(x, kernel, _pair(kw["stride"]), _pair(kw["dilation"]),
                                    p.crop.canvas_shape)
    for q, canvas in zip(p, want, strict=True):
        np.testing.assert_array_equal(q.canvas, canvas)  # exact, not close
    np.testing.assert_array_equal(p.canvas, want[-1])
    assert p[-1].canvas is p.canvas  # the last step is the result


def test_memory_follows_the_canvas_not_the_steps():
    import tracemalloc

    tracemalloc.start()
    try:
        p = placements(np.ones((100, 100)), np.ones((1, 1)))
        middle = p[5000]
        assert middle.canvas.sum() == 5001 and len(p) == 10_000
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20  # a few canvases of 80 KB; it was 1.5 GiB


def test_steps_are_made_on_demand_and_index_like_a_tuple():
    p = placements(X, K)
    assert [q.step for q in p] == [0, 1, 2, 3] == [q.step for q in p.steps]
    assert p[-1].index == (1, 1) and p[-4].index == (0, 0)
    assert [q.index for q in p[1:3]] == [(0, 1), (1, 0)]
    assert p[np.int64(2)].value == 2
    for bad in (4, -5):
        with pytest.raises(IndexError, match="out of range for 4 placements"):
            p[bad]
    assert "index=(0, 1)" in repr(p[1])
    with pytest.raises(ValueError):
        p[1].contribution[0, 0] = 5


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.integers(1, 5), st.integers(1, 5),
       st.integers(1, 4))
def test_large_inputs_cost_a_few_canvases_not_a_canvas_per_step(H, W, k, s, d):
    import tracemalloc

    tracemalloc.start()
    try:
        p = placements(np.ones((H, W)), np.ones((k, k)), stride=s, dilation=d)
        q = p[len(p) // 2]
        assert q.canvas_count.max() >= 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    canvas = 8 * int(np.prod(p.crop.canvas_shape))  # bytes of one float64 canvas
    assert peak <= 8 * canvas + 8 * H * W + 2**20, peak  # up to 90,000 steps
    np.testing.assert_array_equal(p.output, conv_transpose2d(np.ones((H, W)), np.ones((k, k)),
                                                             stride=s, dilation=d))
