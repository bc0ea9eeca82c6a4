"""The fixed upsamplers are transposed convolutions with fixed kernels; max-unpooling is not.

Oracles: ``tconv.upsample_nearest``, ``tconv.bed_of_nails`` and ``tconv.upsample_bilinear``
(tested against PyTorch in tests/test_upsample.py), and ``tconv.conv_transpose2d``.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from tconv.fixed_kernels import (
    bed_of_nails_kernel,
    bilinear_kernel,
    fixed_upsampler,
    nearest_kernel,
    tent,
)

EXAMPLES = settings(max_examples=40, deadline=None)

images = st.tuples(st.integers(1, 5), st.integers(1, 5)).flatmap(
    lambda shape: arrays(np.int64, shape, elements=st.integers(-9, 9)))
scales = st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4)))


def _pair(s):
    return s if isinstance(s, tuple) else (s, s)


def _apply(up, x):
    return tconv.conv_transpose2d(x, up.kernel, stride=up.stride, padding=up.padding)


@EXAMPLES
@given(images, scales)
def test_nearest_is_a_transposed_convolution_with_an_all_ones_kernel(x, s):
    up = fixed_upsampler("nearest", s)
    np.testing.assert_array_equal(up.kernel, np.ones(_pair(s)))
    np.testing.assert_array_equal(_apply(up, x), tconv.upsample_nearest(x, s))


@EXAMPLES
@given(images, scales)
def test_bed_of_nails_is_a_transposed_convolution_with_a_delta_kernel(x, s):
    up = fixed_upsampler("bed_of_nails", s)
    assert up.kernel.sum() == 1 and up.kernel[0, 0] == 1
    np.testing.assert_array_equal(_apply(up, x), tconv.bed_of_nails(x, s))


@EXAMPLES
@given(images, scales)
def test_bilinear_tent_kernel_matches_upsample_bilinear_away_from_the_border(x, s):
    up = fixed_upsampler("bilinear", s)
    y = _apply(up, x)
    ref = tconv.upsample_bilinear(x, s)
    assert y.shape == ref.shape == (x.shape[0] * _pair(s)[0], x.shape[1] * _pair(s)[1])
    bh, bw = _pair(s)[0] // 2, _pair(s)[1] // 2
    inner = (slice(bh, y.shape[0] - bh), slice(bw, y.shape[1] - bw))
    np.testing.assert_allclose(y[inner], ref[inner], atol=1e-12)


@pytest.mark.parametrize("s", [2, 3, 4])
def test_bilinear_border_differs_where_the_kernel_meets_the_zeros_outside(s):
    x = np.arange(1, 17, dtype=float).reshape(4, 4)
    up = fixed_upsampler("bilinear", s)
    y, ref = _apply(up, x), tconv.upsample_bilinear(x, s)
    b = s // 2
    assert not np.allclose(y[:b], ref[:b])  # top border rows
    assert not np.allclose(y[-b:], ref[-b:])  # bottom border rows
    # at the border the transposed convolution loses weight to the zeros beyond the edge
    assert np.all(y[0, b:-b] < ref[0, b:-b])


def test_bilinear_kernel_at_scale_two_is_the_familiar_tent():
    np.testing.assert_allclose(tent(2), [0.25, 0.75, 0.75, 0.25])
    np.testing.assert_allclose(tent(3), [1 / 3, 2 / 3, 1, 2 / 3, 1 / 3])
    assert bilinear_kernel(2).shape == (4, 4)
    assert fixed_upsampler("bilinear", 2).padding == (1, 1)
    assert fixed_upsampler("bilinear", (3, 4)).padding == (1, 2)


@pytest.mark.parametrize("s", [1, 2, 3, 4, 5])
def test_tent_weights_from_every_input_sum_to_one_per_output_cell(s):
    # interior output cells receive weights summing to 1 (a partition of unity)
    sums = np.zeros(8 * s + len(tent(s)))
    for i in range(8):
        sums[i * s:i * s + len(tent(s))] += tent(s)
    k = len(tent(s))
    np.testing.assert_allclose(sums[k:8 * s], 1)


def test_kernels_are_integers_where_they_can_be():
    assert nearest_kernel(2).dtype == np.int64
    assert bed_of_nails_kernel((2, 3)).shape == (2, 3)


def test_max_unpooling_is_not_a_fixed_kernel():
    # two inputs with the same pooled values: unpooling puts them in different places, but any
    # transposed convolution of the same pooled values gives one and the same output
    a = np.array([[5, 0], [0, 0]])
    b = np.array([[0, 0], [0, 5]])
    (pa, ia), (pb, ib) = (tconv.max_pool2d(v, 2, return_indices=True) for v in (a, b))
    np.testing.assert_array_equal(pa, pb)
    ua, ub = tconv.max_unpool2d(pa, ia, 2), tconv.max_unpool2d(pb, ib, 2)
    assert not np.array_equal(ua, ub)


@pytest.mark.parametrize("mode, error", [("cubic", ValueError), (3, TypeError)])
def test_fixed_upsampler_rejects_unknown_modes(mode, error):
    with pytest.raises(error, match="mode"):
        fixed_upsampler(mode, 2)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (1.5, ValueError), ((1, 2, 3), ValueError),
                                        ("2", TypeError), (10**6, ValueError)])
def test_scale_factor_is_checked(bad, error):
    # whole numbers only (a kernel has whole cells); 10**6 makes a kernel too large to allocate
    for fn in (nearest_kernel, bed_of_nails_kernel, bilinear_kernel,
               lambda s: fixed_upsampler("bilinear", s)):
        with pytest.raises(error, match="scale_factor"):
            fn(bad)


def test_whole_float_and_numpy_scale_factors_are_integers():
    assert np.array_equal(nearest_kernel(2.0), nearest_kernel(2))
    assert np.array_equal(bilinear_kernel(np.array(3)), bilinear_kernel(3))
    assert fixed_upsampler("nearest", (np.int64(2), 3.0)).stride == (2, 3)
