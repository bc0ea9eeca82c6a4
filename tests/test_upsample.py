"""Nearest, bilinear, bed-of-nails and pixel-shuffle upsampling.

Oracles: ``torch.nn.functional`` when PyTorch is installed (skipped with a reason when it is
not); properties that hold by definition (average pooling undoes nearest upsampling, strided
slicing undoes bed of nails, unshuffle undoes shuffle, bilinear reproduces affine images);
the loop versions; ``conv_transpose2d`` with an all-ones or a delta kernel; and small worked
examples computed by hand from the definitions.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

EXAMPLES = settings(max_examples=40, deadline=None)
SCALED = [tconv.upsample_nearest, tconv.upsample_nearest_loop, tconv.upsample_bilinear,
          tconv.upsample_bilinear_loop, tconv.bed_of_nails]


def _torch():
    """``(torch, torch.nn.functional)``, or skip the test: PyTorch is an optional oracle."""
    torch = pytest.importorskip("torch", reason="PyTorch not installed (optional oracle)")
    import torch.nn.functional as F

    return torch, F


# Strategies ----------------------------------------------------------------------------------

def nchw(dtype=np.float64, max_side=5, max_channels=3):
    """Small (N, C, H, W) arrays of small integers (exact in every dtype used here)."""
    shapes = st.tuples(st.integers(1, 2), st.integers(1, max_channels), st.integers(1, max_side),
                       st.integers(1, max_side))
    return shapes.flatmap(lambda s: arrays(dtype, s, elements=st.integers(-9, 9)))


def floats_nchw(max_side=5):
    """Small (N, C, H, W) float64 arrays with arbitrary (bounded) values."""
    shapes = st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, max_side),
                       st.integers(1, max_side))
    return shapes.flatmap(lambda s: arrays(np.float64, s, elements=st.floats(-100, 100)))


scales = st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4)))


def _pair(s):
    return (s, s) if isinstance(s, int) else s


# Against PyTorch -----------------------------------------------------------------------------

@EXAMPLES
@given(x=floats_nchw(), s=scales)
def test_nearest_matches_torch_interpolate(x, s):
    torch, F = _torch()
    want = F.interpolate(torch.from_numpy(x), scale_factor=_pair(s), mode="nearest").numpy()
    np.testing.assert_array_equal(tconv.upsample_nearest(x, s), want)
    np.testing.assert_array_equal(tconv.upsample_nearest_loop(x, s), want)


@EXAMPLES
@given(x=floats_nchw(), s=scales, align_corners=st.booleans())
def test_bilinear_matches_torch_interpolate_float64(x, s, align_corners):
    torch, F = _torch()
    want = F.interpolate(torch.from_numpy(x), scale_factor=_pair(s), mode="bilinear",
                         align_corners=align_corners).numpy()
    got = tconv.upsample_bilinear(x, s, align_corners=align_corners)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
    np.testing.assert_allclose(tconv.upsample_bilinear_loop(x, s, align_corners), want,
                               rtol=0, atol=1e-10)


@EXAMPLES
@given(x=floats_nchw(), s=scales, align_corners=st.booleans())
def test_bilinear_matches_torch_interpolate_float32(x, s, align_corners):
    torch, F = _torch()
    x = x.astype(np.float32)
    want = F.interpolate(torch.from_numpy(x), scale_factor=_pair(s), mode="bilinear",
                         align_corners=align_corners).numpy()
    got = tconv.upsample_bilinear(x, s, align_corners=align_corners)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-4)


@EXAMPLES
@given(x=nchw(max_channels=2), r=st.integers(1, 3))
def test_pixel_shuffle_and_unshuffle_match_torch(x, r):
    torch, F = _torch()
    x = np.concatenate([x] * (r * r), axis=1)  # channels divisible by r²
    x = x + np.arange(x.size).reshape(x.shape)  # distinct values: any misplacement shows
    want = F.pixel_shuffle(torch.from_numpy(x), r).numpy()
    np.testing.assert_array_equal(tconv.pixel_shuffle(x, r), want)
    np.testing.assert_array_equal(tconv.pixel_shuffle_loop(x, r), want)
    np.testing.assert_array_equal(
        tconv.pixel_unshuffle(want, r), F.pixel_unshuffle(torch.from_numpy(want), r).numpy()
    )
    unbatched = x[0]
    np.testing.assert_array_equal(tconv.pixel_shuffle(unbatched, r),
                                  F.pixel_shuffle(torch.from_numpy(unbatched), r).numpy())


# Properties that need no oracle ---------------------------------------------------------------

@EXAMPLES
@given(x=nchw(np.int64), s=scales)
def test_average_pooling_undoes_nearest_upsampling(x, s):
    sh, sw = _pair(s)
    y = tconv.upsample_nearest(x, s)
    n, c, h, w = x.shape
    assert y.shape == (n, c, h * sh, w * sw)
    np.testing.assert_array_equal(y.reshape(n, c, h, sh, w, sw).mean(axis=(3, 5)), x)
    # ... and every cell of an sH×sW block holds the same value.
    np.testing.assert_array_equal(np.ptp(y.reshape(n, c, h, sh, w, sw), axis=(3, 5)), 0)


@EXAMPLES
@given(x=nchw(np.int64), s=scales)
def test_strided_slicing_undoes_bed_of_nails_and_the_rest_is_zero(x, s):
    sh, sw = _pair(s)
    y = tconv.bed_of_nails(x, s)
    assert y.shape == (x.shape[0], x.shape[1], x.shape[2] * sh, x.shape[3] * sw)
    np.testing.assert_array_equal(y[..., ::sh, ::sw], x)
    rest = np.ones(y.shape, dtype=bool)
    rest[..., ::sh, ::sw] = False
    assert not y[rest].any()


@EXAMPLES
@given(x=nchw(np.int64, max_channels=8), r=st.integers(1, 3))
def test_unshuffle_inverts_shuffle_both_ways(x, r):
    x = np.concatenate([x] * (r * r), axis=1)
    np.testing.assert_array_equal(tconv.pixel_unshuffle(tconv.pixel_shuffle(x, r), r), x)
    np.testing.assert_array_equal(tconv.pixel_shuffle(tconv.pixel_unshuffle(
        tconv.upsample_nearest(x, r), r), r), tconv.upsample_nearest(x, r))


@EXAMPLES
@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 4), w=st.integers(1, 4),
       r=st.integers(1, 3))
def test_pixel_shuffle_loop_equals_vectorized(n, c, h, w, r):
    x = np.arange(n * c * r * r * h * w).reshape(n, c * r * r, h, w)  # all values distinct
    np.testing.assert_array_equal(tconv.pixel_shuffle_loop(x, r), tconv.pixel_shuffle(x, r))


@EXAMPLES
@given(x=floats_nchw(), s=scales, align_corners=st.booleans())
def test_bilinear_loop_equals_vectorized(x, s, align_corners):
    np.testing.assert_allclose(tconv.upsample_bilinear_loop(x, s, align_corners),
                               tconv.upsample_bilinear(x, s, align_corners), atol=1e-12)


@EXAMPLES
@given(x=floats_nchw(), s=scales)
def test_bilinear_with_align_corners_keeps_the_corner_values(x, s):
    y = tconv.upsample_bilinear(x, s, align_corners=True)
    for i, j in [(0, 0), (0, -1), (-1, 0), (-1, -1)]:
        np.testing.assert_allclose(y[..., i, j], x[..., i, j], rtol=0, atol=1e-12)


@EXAMPLES
@given(h=st.integers(1, 6), w=st.integers(1, 6), s=scales, align_corners=st.booleans(),
       a=st.integers(-5, 5), b=st.integers(-5, 5), c=st.integers(-5, 5))
def test_bilinear_reproduces_an_affine_image_at_the_source_coordinates(h, w, s, align_corners,
                                                                       a, b, c):
    # Linear interpolation is exact for affine functions, so the output is the affine
    # function evaluated where each output pixel samples (clamped to the image).
    sh, sw = _pair(s)
    i, j = np.mgrid[0:h, 0:w]
    x = (a * i + b * j + c).astype(np.int64)
    rows = np.clip(tconv.bilinear_source_coords(h, h * sh, align_corners), 0, h - 1)
    cols = np.clip(tconv.bilinear_source_coords(w, w * sw, align_corners), 0, w - 1)
    want = a * rows[:, None] + b * cols[None, :] + c
    np.testing.assert_allclose(tconv.upsample_bilinear(x, s, align_corners), want, atol=1e-10)


@EXAMPLES
@given(in_size=st.integers(1, 20), s=st.integers(1, 6))
def test_source_coords_spacing_and_ends(in_size, s):
    out = in_size * s
    ac = tconv.bilinear_source_coords(in_size, out, align_corners=True)
    assert ac.shape == (out,)
    assert ac[0] == 0
    np.testing.assert_allclose(ac[-1], in_size - 1 if out > 1 else 0, atol=1e-12)
    if out > 1:
        np.testing.assert_allclose(np.diff(ac), (in_size - 1) / (out - 1), atol=1e-12)
    half = tconv.bilinear_source_coords(in_size, out, align_corners=False)
    assert half.min() >= 0
    inside = half > 0  # away from the clamp, centres are 1/s apart and centred on the input
    np.testing.assert_allclose(np.diff(half[inside]), 1 / s, atol=1e-12)
    # Unclamped, output centre i sits at (i + 0.5)/s - 0.5: symmetric about the image centre.
    raw = (np.arange(out) + 0.5) / s - 0.5
    np.testing.assert_allclose(half, np.maximum(raw, 0), atol=1e-12)
    np.testing.assert_allclose(raw + raw[::-1], in_size - 1, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int16])
def test_copies_keep_the_integer_dtype_and_bilinear_returns_floats(dtype):
    x = np.arange(16, dtype=dtype).reshape(1, 4, 2, 2)
    for f in (tconv.upsample_nearest, tconv.upsample_nearest_loop, tconv.bed_of_nails):
        assert f(x, 2).dtype == dtype
    for f in (tconv.pixel_shuffle, tconv.pixel_shuffle_loop, tconv.pixel_unshuffle):
        assert f(x, 2 if f is not tconv.pixel_unshuffle else 1).dtype == dtype
    assert tconv.pixel_unshuffle(tconv.upsample_nearest(x, 2), 2).dtype == dtype
    for f in (tconv.upsample_bilinear, tconv.upsample_bilinear_loop):
        assert f(x, 2).dtype == np.float64


@pytest.mark.parametrize("f", SCALED)
def test_unbatched_and_bare_images_keep_their_layout(f):
    x = np.arange(2 * 3 * 4, dtype=np.float64).reshape(1, 2, 3, 4)
    y = f(x, (2, 3))
    np.testing.assert_array_equal(f(x[0], (2, 3)), y[0])
    np.testing.assert_array_equal(f(x[0, 1], (2, 3)), y[0, 1])


def test_pixel_shuffle_accepts_unbatched_input():
    x = np.arange(8 * 2 * 3).reshape(8, 2, 3)
    np.testing.assert_array_equal(tconv.pixel_shuffle(x, 2), tconv.pixel_shuffle(x[None], 2)[0])
    np.testing.assert_array_equal(tconv.pixel_unshuffle(x, 1), x)


# Worked examples (by hand, from the definitions) ---------------------------------------------

def test_worked_nearest_of_a_2x2_by_2():
    y = tconv.upsample_nearest(np.array([[1, 2], [3, 4]]), 2)
    np.testing.assert_array_equal(y, [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    assert np.issubdtype(y.dtype, np.integer)


def test_worked_bed_of_nails_of_a_2x2_by_2():
    y = tconv.bed_of_nails(np.array([[1, 2], [3, 4]]), 2)
    np.testing.assert_array_equal(y, [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]])


def test_worked_bilinear_of_a_two_pixel_row():
    # Input [0, 4] upsampled ×2 along the width. align_corners=False samples at
    # (i + 0.5)/2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (reads the last pixel);
    # align_corners=True samples at 0, 1/3, 2/3, 1.
    x = np.array([[0.0, 4.0]])
    np.testing.assert_allclose(tconv.bilinear_source_coords(2, 4), [0, 0.25, 0.75, 1.25])
    np.testing.assert_allclose(tconv.upsample_bilinear(x, (1, 2)), [[0, 1, 3, 4]])
    np.testing.assert_allclose(tconv.bilinear_source_coords(2, 4, True), [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(tconv.upsample_bilinear(x, (1, 2), align_corners=True),
                               [[0, 4 / 3, 8 / 3, 4]])


def test_worked_pixel_shuffle_channel_order():
    # Shi et al. 2016 (sub-pixel convolution): channel c·r² + i·r + j becomes offset (i, j) of
    # every r×r cell of output channel c. Channels 0..3 -> one 2×2 cell, read row by row.
    x = np.arange(8).reshape(8, 1, 1)
    np.testing.assert_array_equal(tconv.pixel_shuffle(x, 2), [[[0, 1], [2, 3]], [[4, 5], [6, 7]]])
    np.testing.assert_array_equal(tconv.pixel_unshuffle(np.array([[[0, 1], [2, 3]]]), 2),
                                  np.arange(4).reshape(4, 1, 1))


# Equal to a transposed convolution (one channel at a time: groups = C) -------------------------

@EXAMPLES
@given(x=nchw(np.int64), s=scales)
def test_nearest_equals_conv_transpose_with_an_all_ones_kernel(x, s):
    sh, sw = _pair(s)
    c = x.shape[1]
    ones = np.ones((c, 1, sh, sw), dtype=np.int64)
    y = tconv.conv_transpose2d(x, ones, stride=(sh, sw), groups=c)
    np.testing.assert_array_equal(tconv.upsample_nearest(x, s), y)


@EXAMPLES
@given(x=nchw(np.int64), s=scales)
def test_bed_of_nails_equals_conv_transpose_with_a_delta_kernel(x, s):
    sh, sw = _pair(s)
    c = x.shape[1]
    delta = np.zeros((c, 1, sh, sw), dtype=np.int64)
    delta[:, :, 0, 0] = 1
    y = tconv.conv_transpose2d(x, delta, stride=(sh, sw), groups=c)
    np.testing.assert_array_equal(tconv.bed_of_nails(x, s), y)


def test_bare_image_nearest_equals_conv_transpose_with_a_bare_kernel():
    x = np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(tconv.upsample_nearest(x, 2),
                                  tconv.conv_transpose2d(x, np.ones((2, 2), int), stride=2))


# Bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("f", SCALED)
@pytest.mark.parametrize("scale, error", [
    (0, ValueError), (-1, ValueError), ((2, 0), ValueError), ((2, 2, 2), ValueError),
    (0.0, ValueError), (-1.5, ValueError), (float("nan"), ValueError), (float("inf"), ValueError),
    (0.4, ValueError),  # 2 x 0.4 rounds down to no pixel
    ("2", TypeError), (True, TypeError), (None, TypeError), (np.array([2.0]), ValueError),
])
def test_bad_scale_factor_is_named(f, scale, error):
    with pytest.raises(error, match="scale_factor"):
        f(np.ones((2, 2)), scale)


@pytest.mark.parametrize("f", SCALED)
def test_whole_float_scale_factors_are_the_integers(f):
    x = np.arange(6.0).reshape(1, 2, 3)
    np.testing.assert_array_equal(f(x, 2.0), f(x, 2))
    np.testing.assert_array_equal(f(x, (np.float32(3.0), np.array(2))), f(x, (3, 2)))


def test_bed_of_nails_needs_whole_scale_factors():
    with pytest.raises(ValueError, match="scale_factor must be a whole number"):
        tconv.bed_of_nails(np.ones((2, 2)), 1.5)


@pytest.mark.parametrize("f", SCALED + [tconv.pixel_shuffle, tconv.pixel_unshuffle])
@pytest.mark.parametrize("bad, error", [
    (np.array([["a", "b"], ["c", "d"]]), TypeError),
    (np.ones((2, 2), dtype=bool), TypeError),
    (np.array([[1, None], [2, 3]], dtype=object), TypeError),
    ([[1, 2], [3]], TypeError),
    (np.ones(4), ValueError),
    (np.ones((1, 1, 1, 2, 2)), ValueError),  # fine for the shuffles: leading batch dimensions
    (np.ones((1, 1, 0, 2)), ValueError),  # fine for the shuffles, as in PyTorch
])
def test_bad_input_is_named(f, bad, error):
    if f in (tconv.pixel_shuffle, tconv.pixel_unshuffle) and getattr(bad, "ndim", 0) >= 4:
        assert f(bad, 1).shape == np.shape(bad)
        return
    with pytest.raises(error, match="input"):
        f(bad, 1)


@pytest.mark.parametrize("f", [tconv.upsample_bilinear, tconv.upsample_bilinear_loop])
@pytest.mark.parametrize("value", [None, 0, 1, "yes"])
def test_align_corners_must_be_a_bool(f, value):
    with pytest.raises(TypeError, match="align_corners"):
        f(np.ones((2, 2)), 2, value)


@pytest.mark.parametrize("f", [tconv.pixel_shuffle, tconv.pixel_shuffle_loop,
                               tconv.pixel_unshuffle])
def test_pixel_shuffle_refuses_a_bare_image(f):
    with pytest.raises(ValueError, match="input must have a channel axis"):
        f(np.ones((4, 4)), 2)


@pytest.mark.parametrize("f", [tconv.pixel_shuffle, tconv.pixel_shuffle_loop])
@pytest.mark.parametrize("r, error", [(0, ValueError), (-2, ValueError), (1.5, TypeError),
                                      ((2, 2), TypeError)])
def test_bad_upscale_factor_is_named(f, r, error):
    with pytest.raises(error, match="upscale_factor"):
        f(np.ones((4, 2, 2)), r)


@pytest.mark.parametrize("f", [tconv.pixel_shuffle, tconv.pixel_shuffle_loop])
def test_channels_must_be_divisible_by_the_square_of_upscale_factor(f):
    with pytest.raises(ValueError, match=r"channels \(6\) must be divisible by upscale_factor"):
        f(np.ones((1, 6, 2, 2)), 2)


@pytest.mark.parametrize("r, error", [(0, ValueError), (1.5, TypeError)])
def test_bad_downscale_factor_is_named(r, error):
    with pytest.raises(error, match="downscale_factor"):
        tconv.pixel_unshuffle(np.ones((1, 4, 4)), r)


def test_size_must_be_divisible_by_downscale_factor():
    with pytest.raises(ValueError, match=r"\(4, 3\) must be divisible by downscale_factor \(2\)"):
        tconv.pixel_unshuffle(np.ones((1, 4, 3)), 2)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"in_size": 0, "out_size": 2}, ValueError, "in_size"),
    ({"in_size": 2, "out_size": 0}, ValueError, "out_size"),
    ({"in_size": 2.0, "out_size": 2}, TypeError, "in_size"),
    ({"in_size": 2, "out_size": 4, "align_corners": "no"}, TypeError, "align_corners"),
])
def test_bad_source_coords_arguments_are_named(kwargs, error, name):
    with pytest.raises(error, match=name):
        tconv.bilinear_source_coords(**kwargs)


# Fractional scale factors (interpolate's rule), leading batch dimensions, empty batches ------

fractions = st.floats(0.3, 6.0).filter(lambda f: not float(f).is_integer())


@EXAMPLES
@given(x=floats_nchw(max_side=9), f=st.one_of(fractions, st.tuples(fractions, fractions)))
def test_fractional_nearest_copies_rows_by_interpolates_rule(x, f):
    fh, fw = _pair(f) if isinstance(f, tuple) else (f, f)
    h, w = x.shape[2:]
    out = int(np.floor(h * fh)), int(np.floor(w * fw))
    if min(out) < 1:
        with pytest.raises(ValueError, match="scale_factor .* rounds down to 0"):
            tconv.upsample_nearest(x, f)
        return
    y = tconv.upsample_nearest(x, f)
    assert y.shape[2:] == out

    def rows(n_in, n_out, scale):  # floor(i * float32(1/f)), capped; 1x and 2x exact
        if n_out in (n_in, 2 * n_in):
            return np.arange(n_out) * n_in // n_out
        step = np.float32(1 / scale)
        return np.minimum([int(np.floor(np.float32(i) * step)) for i in range(n_out)], n_in - 1)

    np.testing.assert_array_equal(y, x[:, :, rows(h, out[0], fh)][..., rows(w, out[1], fw)])


@EXAMPLES
@given(h=st.integers(1, 6), w=st.integers(1, 6), f=fractions, a=st.integers(-5, 5),
       b=st.integers(-5, 5))
def test_fractional_bilinear_reproduces_an_affine_image(h, w, f, a, b):
    i, j = np.mgrid[0:h, 0:w]
    x = (a * i + b * j).astype(np.float64)
    oh, ow = int(np.floor(h * f)), int(np.floor(w * f))
    if min(oh, ow) < 1:
        return
    rows = np.clip(tconv.bilinear_source_coords(h, oh, False, f), 0, h - 1)
    cols = np.clip(tconv.bilinear_source_coords(w, ow, False, f), 0, w - 1)
    if oh != h:  # spacing 1/f, from (0.5/f - 0.5) clamped at 0
        np.testing.assert_allclose(rows, np.clip((np.arange(oh) + 0.5) / f - 0.5, 0, h - 1))
    np.testing.assert_allclose(tconv.upsample_bilinear(x, f),
                               a * rows[:, None] + b * cols[None, :], atol=1e-10)


@EXAMPLES
@given(lead=st.lists(st.integers(0, 3), max_size=3), c=st.integers(1, 2), h=st.integers(0, 3),
       w=st.integers(1, 3), r=st.integers(1, 3))
def test_pixel_shuffle_takes_any_leading_batch_dimensions(lead, c, h, w, r):
    shape = (*lead, c * r * r, h, w)
    x = np.arange(int(np.prod(shape))).reshape(shape)
    y = tconv.pixel_shuffle(x, r)
    assert y.shape == (*lead, c, h * r, w * r)
    np.testing.assert_array_equal(tconv.pixel_shuffle_loop(x, r), y)
    np.testing.assert_array_equal(tconv.pixel_unshuffle(y, r), x)
    for index in np.ndindex(*lead):  # each leading index is a (C, H, W) image of its own
        np.testing.assert_array_equal(y[index], tconv.pixel_shuffle(x[index], r))


@pytest.mark.parametrize("f", SCALED)
def test_an_empty_batch_gives_an_empty_result(f):
    assert f(np.ones((0, 3, 2, 5)), 2).shape == (0, 3, 4, 10)
    assert tconv.upsample_nearest(np.ones((0, 3, 2, 5)), 1.5).shape == (0, 3, 3, 7)
