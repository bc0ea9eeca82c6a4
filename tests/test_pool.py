"""Max pooling with indices, and max unpooling.

Oracles: ``torch.nn.functional.max_pool2d`` / ``max_unpool2d`` when PyTorch is installed
(skipped with a reason when it is not); the loop versions; properties of the pair (each
maximum goes back to its argmax, pooling the unpooled map gives the maxima again); and small
worked examples computed by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

EXAMPLES = settings(max_examples=40, deadline=None)
POOLS = [tconv.max_pool2d, tconv.max_pool2d_loop]
UNPOOLS = [tconv.max_unpool2d, tconv.max_unpool2d_loop]


def _torch():
    """``(torch, torch.nn.functional)``, or skip the test: PyTorch is an optional oracle."""
    torch = pytest.importorskip("torch", reason="PyTorch not installed (optional oracle)")
    import torch.nn.functional as F

    return torch, F


# Strategies ----------------------------------------------------------------------------------

@st.composite
def pooling(draw, dtype=np.float64, lo=-3, hi=3):
    """An NCHW array of few distinct values (so ties happen) and valid pooling settings."""
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    h = draw(st.integers(max(1, kh - 2 * ph), 7))
    w = draw(st.integers(max(1, kw - 2 * pw), 7))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w)
    x = draw(arrays(dtype, shape, elements=st.integers(lo, hi)))
    square = kh == kw and sh == sw and ph == pw and draw(st.booleans())
    k, s, p = (kh, sh, ph) if square else ((kh, kw), (sh, sw), (ph, pw))
    if s == k and draw(st.booleans()):
        s = None  # stride defaults to kernel_size
    return x, k, s, p


def _pairs(k, s, p):
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    return pair(k), pair(k if s is None else s), pair(p)


# Against PyTorch -----------------------------------------------------------------------------

@EXAMPLES
@given(case=pooling(), dtype=st.sampled_from([np.float64, np.float32, np.int64, np.int32]))
def test_max_pool2d_values_and_indices_match_torch(case, dtype):
    torch, F = _torch()
    x, k, s, p = case
    x = x.astype(dtype)
    want_y, want_i = F.max_pool2d(torch.from_numpy(x), k, s, p, return_indices=True)
    for pool in POOLS:
        y, i = pool(x, k, s, p, return_indices=True)
        assert y.dtype == x.dtype and i.dtype == np.int64
        np.testing.assert_array_equal(y, want_y.numpy())
        np.testing.assert_array_equal(i, want_i.numpy())  # ties: the first in the window
        np.testing.assert_array_equal(pool(x[0], k, s, p), want_y.numpy()[0])  # unbatched


@EXAMPLES
@given(case=pooling(), use_size=st.sampled_from([None, "hw", "full"]))
def test_max_unpool2d_matches_torch(case, use_size):
    torch, F = _torch()
    x, k, s, p = case
    y, i = F.max_pool2d(torch.from_numpy(x), k, s, p, return_indices=True)
    (kh, kw), (sh, sw), (ph, pw) = _pairs(k, s, p)
    default = ((y.shape[2] - 1) * sh - 2 * ph + kh, (y.shape[3] - 1) * sw - 2 * pw + kw)
    if use_size is None and min(default) <= 0:
        # PyTorch returns an empty map here and silently drops the values; we refuse.
        with pytest.raises(ValueError, match="padding"):
            tconv.max_unpool2d(y.numpy(), i.numpy(), k, s, p)
        return
    if use_size is None:
        try:  # the default size can be too small for indices into a larger input
            want = F.max_unpool2d(y, i, k, s, p).numpy()
        except RuntimeError:
            with pytest.raises(ValueError, match="indices"):
                tconv.max_unpool2d(y.numpy(), i.numpy(), k, s, p)
            return
        size = None
    else:
        size = list(x.shape) if use_size == "full" else list(x.shape[2:])
        want = F.max_unpool2d(y, i, k, s, p, output_size=size).numpy()
    for unpool in UNPOOLS:
        np.testing.assert_array_equal(unpool(y.numpy(), i.numpy(), k, s, p, size), want)


def test_nan_wins_and_its_index_matches_torch():
    torch, F = _torch()
    x = np.array([[[[1.0, np.nan, 2.0], [np.nan, 0.0, 5.0], [3.0, 4.0, np.nan]]]])
    want_y, want_i = F.max_pool2d(torch.from_numpy(x), 2, 1, 0, return_indices=True)
    for pool in POOLS:
        y, i = pool(x, 2, 1, 0, return_indices=True)
        np.testing.assert_array_equal(y, want_y.numpy())  # NaN == NaN for this helper
        np.testing.assert_array_equal(i, want_i.numpy())
    assert np.isnan(tconv.max_pool2d(x, 2, 1)).all()


# Properties that need no oracle ---------------------------------------------------------------

@EXAMPLES
@given(case=pooling(dtype=np.int64, lo=-50, hi=50))
def test_loop_and_vectorized_agree(case):
    x, k, s, p = case
    y, i = tconv.max_pool2d(x, k, s, p, return_indices=True)
    y2, i2 = tconv.max_pool2d_loop(x, k, s, p, return_indices=True)
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(i, i2)
    np.testing.assert_array_equal(tconv.max_pool2d(x, k, s, p), y)  # without indices too
    np.testing.assert_array_equal(tconv.max_unpool2d(y, i, k, s, p, x.shape),
                                  tconv.max_unpool2d_loop(y, i, k, s, p, x.shape))


@EXAMPLES
@given(case=pooling(dtype=np.int64, lo=-50, hi=50))
def test_each_max_comes_from_its_window_at_its_index(case):
    x, k, s, p = case
    (kh, kw), (sh, sw), (ph, pw) = _pairs(k, s, p)
    y, i = tconv.max_pool2d(x, k, s, p, return_indices=True)
    n, c, h, w = x.shape
    rows, cols = np.divmod(i, w)
    planes = x.reshape(n, c, h * w)
    np.testing.assert_array_equal(np.take_along_axis(planes, i.reshape(n, c, -1), 2),
                                  y.reshape(n, c, -1))
    top = (np.arange(y.shape[2]) * sh - ph)[:, None]
    left = (np.arange(y.shape[3]) * sw - pw)[None, :]
    assert ((top <= rows) & (rows < top + kh) & (left <= cols) & (cols < left + kw)).all()


@EXAMPLES
@given(case=pooling(dtype=np.int64, lo=-50, hi=50))
def test_unpool_puts_each_max_back_at_its_argmax_and_zeros_elsewhere(case):
    x, k, s, p = case
    y, i = tconv.max_pool2d(x, k, s, p, return_indices=True)
    u = tconv.max_unpool2d(y, i, k, s, p, output_size=x.shape)
    assert u.shape == x.shape and u.dtype == x.dtype
    n, c = x.shape[:2]
    flat_u, flat_x = u.reshape(n, c, -1), x.reshape(n, c, -1)
    hit = np.zeros(flat_u.shape, dtype=bool)
    np.put_along_axis(hit, i.reshape(n, c, -1), True, axis=2)
    np.testing.assert_array_equal(flat_u[hit], flat_x[hit])  # the max, where it was
    assert not flat_u[~hit].any()


@EXAMPLES
@given(case=pooling(dtype=np.int64, lo=-50, hi=50))
def test_pooling_the_unpooled_map_gives_the_maxima_again(case):
    # Every value unpooled into a window came from that window, so none exceeds its max; only
    # the zeros left between maxima can win, and only over a negative maximum.
    x, k, s, p = case
    y, i = tconv.max_pool2d(x, k, s, p, return_indices=True)
    again = tconv.max_pool2d(tconv.max_unpool2d(y, i, k, s, p, output_size=x.shape), k, s, p)
    assert (again >= y).all()
    np.testing.assert_array_equal(again[y >= 0], y[y >= 0])
    nonneg = np.abs(x)
    y, i = tconv.max_pool2d(nonneg, k, s, p, return_indices=True)
    again = tconv.max_pool2d(tconv.max_unpool2d(y, i, k, s, p, output_size=x.shape), k, s, p)
    np.testing.assert_array_equal(again, y)


@EXAMPLES
@given(case=pooling())
def test_unpool_default_output_size_formula(case):
    x, k, s, p = case
    (kh, kw), (sh, sw), (ph, pw) = _pairs(k, s, p)
    y = tconv.max_pool2d(x, k, s, p)
    ho, wo = y.shape[2:]
    want = ((ho - 1) * sh - 2 * ph + kh, (wo - 1) * sw - 2 * pw + kw)
    if min(want) <= 0:
        return
    zeros = np.zeros(y.shape, dtype=np.int64)  # index 0 is valid in every plane
    assert tconv.max_unpool2d(y, zeros, k, s, p).shape[2:] == want


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int16, np.float32])
def test_dtypes_are_kept(dtype):
    x = np.arange(16, dtype=dtype).reshape(1, 1, 4, 4)
    for pool in POOLS:
        y, i = pool(x, 2, return_indices=True)
        assert y.dtype == dtype and i.dtype == np.int64
        np.testing.assert_array_equal(y, [[[[5, 7], [13, 15]]]])
        for unpool in UNPOOLS:
            assert unpool(y, i, 2).dtype == dtype
    # uint8 padding: the padded cells must never beat a real 0.
    y, i = tconv.max_pool2d(np.zeros((2, 2), np.uint8), 3, 1, 1, return_indices=True)
    np.testing.assert_array_equal(i, [[0, 0], [0, 0]])


@pytest.mark.parametrize("pool", POOLS)
def test_bare_and_unbatched_images_keep_their_layout(pool):
    x = np.arange(2 * 5 * 4).reshape(1, 2, 5, 4) % 7
    y, i = pool(x, 2, 1, 1, return_indices=True)
    y3, i3 = pool(x[0], 2, 1, 1, return_indices=True)
    y2, i2 = pool(x[0, 1], 2, 1, 1, return_indices=True)
    np.testing.assert_array_equal(y3, y[0])
    np.testing.assert_array_equal(i3, i[0])
    np.testing.assert_array_equal(y2, y[0, 1])
    np.testing.assert_array_equal(i2, i[0, 1])
    for unpool in UNPOOLS:
        u = unpool(y, i, 2, 1, 1, output_size=(5, 4))
        np.testing.assert_array_equal(unpool(y3, i3, 2, 1, 1, output_size=(2, 5, 4)), u[0])
        np.testing.assert_array_equal(unpool(y2, i2, 2, 1, 1, output_size=(5, 4)), u[0, 1])


# Worked examples (by hand) -------------------------------------------------------------------

X4 = np.array([[1, 2, 5, 3],
               [4, 0, 1, 6],
               [7, 8, 2, 2],
               [0, 9, 3, 1]])


@pytest.mark.parametrize("pool", POOLS)
def test_worked_max_pool_2x2_of_a_4x4(pool):
    # Windows [[1,2],[4,0]] [[5,3],[1,6]] [[7,8],[0,9]] [[2,2],[3,1]]; maxima 4, 6, 9, 3 at
    # (1,0), (1,3), (3,1), (3,2), i.e. flat indices row*4 + col = 4, 7, 13, 14.
    y, i = pool(X4, 2, return_indices=True)
    np.testing.assert_array_equal(y, [[4, 6], [9, 3]])
    np.testing.assert_array_equal(i, [[4, 7], [13, 14]])
    assert np.issubdtype(y.dtype, np.integer)


@pytest.mark.parametrize("unpool", UNPOOLS)
def test_worked_max_unpool_of_the_4x4(unpool):
    u = unpool(np.array([[4, 6], [9, 3]]), np.array([[4, 7], [13, 14]]), 2)
    np.testing.assert_array_equal(u, [[0, 0, 0, 0], [4, 0, 0, 6], [0, 0, 0, 0], [0, 9, 3, 0]])


@pytest.mark.parametrize("pool", POOLS)
def test_worked_max_pool_with_padding_and_overlap(pool):
    # [[1,2],[3,4]], 2×2 windows, stride 1, padding 1: nine windows, the corner ones hold a
    # single real cell; indices point into the unpadded 2×2 plane.
    y, i = pool(np.array([[1, 2], [3, 4]]), 2, 1, 1, return_indices=True)
    np.testing.assert_array_equal(y, [[1, 2, 2], [3, 4, 4], [3, 4, 4]])
    np.testing.assert_array_equal(i, [[0, 1, 1], [2, 3, 3], [2, 3, 3]])


@pytest.mark.parametrize("pool", POOLS)
def test_ties_pick_the_first_cell_in_row_major_order(pool):
    y, i = pool(np.array([[1, 3, 3], [3, 0, 3], [0, 0, 0]]), 3, return_indices=True)
    assert (y.item(), i.item()) == (3, 1)
    # All -inf: the first real cell of each window, never a padded one.
    _, i = pool(np.full((3, 3), -np.inf), 2, 1, 1, return_indices=True)
    np.testing.assert_array_equal(i, [[0, 0, 1, 2], [0, 0, 1, 2], [3, 3, 4, 5], [6, 6, 7, 8]])


# Bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("kwargs, error, name", [
    ({"kernel_size": 0}, ValueError, "kernel_size"),
    ({"kernel_size": -2}, ValueError, "kernel_size"),
    ({"kernel_size": 1.5}, TypeError, "kernel_size"),
    ({"kernel_size": (2, 2, 2)}, ValueError, "kernel_size"),
    ({"kernel_size": 2, "stride": 0}, ValueError, "stride"),
    ({"kernel_size": 2, "stride": 2.0}, TypeError, "stride"),
    ({"kernel_size": 2, "padding": -1}, ValueError, "padding"),
    ({"kernel_size": 3, "padding": 2}, ValueError, "padding .* at most half of kernel_size"),
    ({"kernel_size": (2, 3), "padding": (1, 2)}, ValueError, "padding"),
    ({"kernel_size": 5}, ValueError, "kernel_size"),  # larger than the 4×4 input
    ({"kernel_size": 2, "return_indices": "yes"}, TypeError, "return_indices"),
])
def test_bad_pool_settings_are_named(pool, kwargs, error, name):
    with pytest.raises(error, match=name):
        pool(np.ones((1, 1, 4, 4)), **kwargs)


@pytest.mark.parametrize("f", POOLS + UNPOOLS)
@pytest.mark.parametrize("bad, error", [
    (np.array([["a", "b"], ["c", "d"]]), TypeError),
    (np.ones((2, 2), dtype=bool), TypeError),
    ([[1, 2], [3]], TypeError),
    (np.ones(4), ValueError),
    (np.ones((1, 1, 1, 2, 2)), ValueError),
    (np.ones((1, 1, 2, 0)), ValueError),
])
def test_bad_input_is_named(f, bad, error):
    args = (bad, np.zeros((2, 2), np.int64), 1) if f in UNPOOLS else (bad, 1)
    with pytest.raises(error, match="input"):
        f(*args)


Y = np.array([[[[4.0, 6.0], [9.0, 3.0]]]])
I = np.array([[[[4, 7], [13, 14]]]])  # noqa: E741


@pytest.mark.parametrize("unpool", UNPOOLS)
@pytest.mark.parametrize("indices, error, match", [
    (I.astype(np.float64), TypeError, "indices must be an integer array"),
    (I.astype(bool), TypeError, "indices"),
    (np.array([["a"]]), TypeError, "indices"),
    (I[..., :1], ValueError, "indices must have the same shape as input"),
    (I[0], ValueError, "indices must have the same shape as input"),
    (I - 5, ValueError, r"indices must lie in \[0, 16\).* got -1"),
    (I + 2, ValueError, r"indices must lie in \[0, 16\).* got 16"),
])
def test_bad_indices_are_named(unpool, indices, error, match):
    with pytest.raises(error, match=match):
        unpool(Y, indices, 2)


@pytest.mark.parametrize("unpool", UNPOOLS)
@pytest.mark.parametrize("kwargs, error, match", [
    ({"kernel_size": 0}, ValueError, "kernel_size"),
    ({"kernel_size": 2.5}, TypeError, "kernel_size"),
    ({"kernel_size": 2, "stride": -1}, ValueError, "stride"),
    ({"kernel_size": 2, "padding": -1}, ValueError, "padding"),
    ({"kernel_size": 1, "stride": 1, "padding": 1}, ValueError, "padding"),  # size 0
    ({"kernel_size": 2, "output_size": (0, 4)}, ValueError, "output_size must be positive"),
    ({"kernel_size": 2, "output_size": (6, 4)}, ValueError, "output_size .* inconsistent"),
    ({"kernel_size": 2, "output_size": (4, 2)}, ValueError, "output_size .* inconsistent"),
    ({"kernel_size": 2, "output_size": (4,)}, ValueError, "output_size"),
    ({"kernel_size": 2, "output_size": (1, 1, 1, 4, 4)}, ValueError, "output_size"),
    ({"kernel_size": 2, "output_size": (2, 1, 4, 4)}, ValueError, "output_size .* disagrees"),
    ({"kernel_size": 2, "output_size": (4.0, 4)}, TypeError, "output_size"),
    ({"kernel_size": 2, "output_size": 4}, TypeError, "output_size"),
])
def test_bad_unpool_settings_are_named(unpool, kwargs, error, match):
    with pytest.raises(error, match=match):
        unpool(Y, np.zeros_like(I), **kwargs)


@pytest.mark.parametrize("unpool", UNPOOLS)
def test_output_size_may_be_hw_or_the_whole_shape(unpool):
    for size in [(4, 4), (1, 1, 4, 4), (5, 5), [1, 1, 5, 5], np.array([3, 3])]:
        u = unpool(Y, np.zeros_like(I), 2, output_size=size)
        assert u.shape == (1, 1) + tuple(int(v) for v in size[-2:])


# dilation and ceil_mode, PyTorch's signature -------------------------------------------------

@st.composite
def dilated_pooling(draw, dtype=np.float64):
    """NCHW values with ties, NaN and -inf, and settings with dilation and ceil_mode."""
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    d = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    ceil_mode = draw(st.booleans())
    shape = (draw(st.integers(0, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 8)),
             draw(st.integers(1, 8)))
    values = st.sampled_from([-1.0, 0.0, 1.0, 2.0, -np.inf] + ([np.nan] if dtype == np.float64
                                                                else []))
    x = draw(arrays(dtype, shape, elements=values if dtype == np.float64 else
                    st.integers(-3, 3)))
    return x, dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode)


def _pool_or_error(pool, x, kw):
    try:
        return pool(x, return_indices=True, **kw)
    except ValueError as err:
        return str(err)


@settings(max_examples=150, deadline=None)
@given(dilated_pooling(), st.booleans())
def test_dilation_and_ceil_mode_fast_equals_loop(case, ints):
    x, kw = case
    x = np.nan_to_num(x, nan=5.0, neginf=-9.0).astype(np.int64) if ints else x
    want = _pool_or_error(tconv.max_pool2d_loop, x, kw)
    got = _pool_or_error(tconv.max_pool2d, x, kw)
    if isinstance(want, str):
        assert got == want and "spans more than the padded input" in want
        return
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


@settings(max_examples=60, deadline=None)
@given(dilated_pooling())
def test_both_pooling_paths_agree(case):
    # one strided view per kernel cell, or one window per output cell: the same numbers
    from tconv.pool import _pool_args, _pool_by_kernel_cell, _pool_by_window

    x, kw = case
    try:
        x4, _, k, s, p, d, out = _pool_args(x, **kw, return_indices=True)
    except ValueError:
        return
    by_cell = _pool_by_kernel_cell(x4, k, s, p, d, out, True)
    by_window = _pool_by_window(x4, k, s, p, d, out)
    np.testing.assert_array_equal(by_cell[0], by_window[0])
    np.testing.assert_array_equal(np.broadcast_to(by_cell[1], by_cell[0].shape), by_window[1])


def test_the_fifth_argument_is_dilation_as_in_pytorch():
    x = np.arange(49.0).reshape(7, 7)
    np.testing.assert_array_equal(tconv.max_pool2d(x, 3, 1, 1, 2),
                                  tconv.max_pool2d(x, 3, stride=1, padding=1, dilation=2))
    assert tconv.max_pool2d(x, 3, 1, 1, 2).shape == (5, 5)  # PyTorch: 5×5, [24, 25, 26, ...]
    np.testing.assert_array_equal(tconv.max_pool2d(x, 3, 1, 1, 2)[0, :3], [24, 25, 26])
    y, i = tconv.max_pool2d(x, 2, 2, 0, 1, True, True)  # ceil_mode, return_indices
    np.testing.assert_array_equal(i[-1], [43, 45, 47, 48])  # the last, partial windows


def test_a_kernel_larger_than_the_output_costs_its_windows(monkeypatch):
    from tconv import pool

    def per_kernel_cell(*args):  # 250,000 strided views here: the loop it must not run
        raise AssertionError("a loop over the kernel's cells for a 2×2 output")

    monkeypatch.setattr(pool, "_pool_by_kernel_cell", per_kernel_cell)
    x = np.random.default_rng(0).standard_normal((1, 1, 600, 600))
    y, i = tconv.max_pool2d(x, 500, stride=100, return_indices=True)  # 2×2 windows of 250,000
    assert y.shape == (1, 1, 2, 2)
    assert y[0, 0, 0, 0] == x[0, 0, :500, :500].max()
    r, c = divmod(int(np.argmax(x[0, 0, 100:, 100:])), 500)  # the last window's largest
    assert i[0, 0, 1, 1] == (r + 100) * 600 + c + 100


@pytest.mark.parametrize("kwargs, error, match", [
    ({"kernel_size": 2, "dilation": 0}, ValueError, "dilation must be positive"),
    ({"kernel_size": 2, "dilation": 1.5}, TypeError, "dilation must be an integer"),
    ({"kernel_size": 2, "ceil_mode": 1}, TypeError, "ceil_mode must be True or False"),
    ({"kernel_size": 2, "dilation": 4}, ValueError, "spans more than the padded input"),
])
def test_bad_dilation_and_ceil_mode_are_named(kwargs, error, match):
    for pool in POOLS:
        with pytest.raises(error, match=match):
            pool(np.ones((1, 1, 4, 4)), **kwargs)


def test_an_empty_batch_gives_empty_results():
    for pool in POOLS:
        y, i = pool(np.ones((0, 2, 4, 4)), 2, return_indices=True)
        assert y.shape == i.shape == (0, 2, 2, 2)
        for unpool in UNPOOLS:
            assert unpool(y, i, 2).shape == (0, 2, 4, 4)
