"""Round trips: the output_padding that restores a convolution's input size, and "same" sizes.

Oracles: ``tconv.conv_output_size`` / ``tconv.conv_transpose_output_size`` (tested against
PyTorch's formulas in their own tests), brute force over input lengths, the shapes the actual
``conv2d`` / ``conv_transpose2d`` produce, and PyTorch when installed.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tconv.roundtrip import (
    RoundTrip,
    conv_input_sizes,
    output_padding_for,
    padding_for_same,
    round_trip,
)

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # torch is an optional oracle
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed (optional oracle)")
EXAMPLES = settings(max_examples=60, deadline=None)

sizes = st.integers(1, 20)
kernels = st.integers(1, 5)
strides = st.integers(1, 4)
paddings = st.integers(0, 3)
dilations = st.integers(1, 3)


def _conv_size_or_none(i, k, s, p, d):
    try:
        return tconv.conv_output_size(i, k, s, p, d)
    except ValueError:
        return None


# conv_input_sizes --------------------------------------------------------------------------

@EXAMPLES
@given(st.integers(1, 8), kernels, strides, paddings, dilations)
def test_conv_input_sizes_are_exactly_the_lengths_conv_maps_to_output_size(o, k, s, p, d):
    brute = tuple(i for i in range(1, 60) if _conv_size_or_none(i, k, s, p, d) == o)
    assert conv_input_sizes(o, k, s, p, d) == brute


@EXAMPLES
@given(st.integers(1, 8), kernels, strides, dilations)
def test_without_padding_there_are_always_stride_input_sizes(o, k, s, d):
    found = conv_input_sizes(o, k, s, 0, d)
    assert len(found) == s
    assert found == tuple(range(found[0], found[0] + s))


def test_the_chapter_example_two_inputs_one_output():
    # conv k=3, s=2, p=1 maps 7 and 8 to 4
    assert conv_input_sizes(4, 3, 2, 1) == (7, 8)
    assert {tconv.conv_output_size(i, 3, 2, 1) for i in (7, 8)} == {4}


def test_conv_input_sizes_can_be_empty_when_padding_is_too_large():
    # one output cell from a 1-cell kernel with padding 2 needs i + 4 - 1 < 1: impossible
    assert conv_input_sizes(1, 1, 1, 2) == ()


@pytest.mark.parametrize("kwargs, error, name", [
    ({"output_size": 0}, ValueError, "output_size"),
    ({"kernel_size": 0}, ValueError, "kernel_size"),
    ({"stride": 0}, ValueError, "stride"),
    ({"padding": -1}, ValueError, "padding"),
    ({"dilation": 0}, ValueError, "dilation"),
    ({"stride": 1.5}, TypeError, "stride"),
])
def test_conv_input_sizes_names_the_bad_argument(kwargs, error, name):
    args = {"output_size": 4, "kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1} | kwargs
    with pytest.raises(error, match=name):
        conv_input_sizes(**args)


# output_padding_for and round_trip -----------------------------------------------------------

@EXAMPLES
@given(sizes, kernels, strides, paddings, dilations)
def test_output_padding_for_restores_the_size(i, k, s, p, d):
    o = _conv_size_or_none(i, k, s, p, d)
    if o is None:
        with pytest.raises(ValueError, match="kernel_size"):
            output_padding_for(i, k, s, p, d)
        return
    op = output_padding_for(i, k, s, p, d)
    assert 0 <= op < s
    assert tconv.conv_transpose_output_size(o, k, s, p, op, d) == i


@EXAMPLES
@given(st.integers(1, 8), kernels, strides, paddings)
def test_each_size_sharing_an_output_gets_its_own_output_padding(o, k, s, p):
    found = conv_input_sizes(o, k, s, p)
    ops = [output_padding_for(i, k, s, p) for i in found]
    assert len(set(ops)) == len(found)  # distinct: output_padding tells them apart


def test_output_padding_for_matches_the_guides_relationship():
    # Dumoulin & Visin, relationship 14: a = (i + 2p - k) mod s
    for i, k, s, p in [(5, 3, 2, 1), (6, 3, 2, 1), (7, 4, 3, 0), (8, 4, 3, 2)]:
        assert output_padding_for(i, k, s, p) == (i + 2 * p - k) % s


def test_output_padding_for_pairs():
    assert output_padding_for((7, 8), 3, 2, 1) == (0, 1)
    assert output_padding_for((7, 8), (3, 3), (2, 3), (1, 0)) == (0, 2)


@EXAMPLES
@given(st.integers(2, 9), st.integers(2, 9), st.integers(1, 3), st.integers(1, 3),
       st.integers(0, 1))
def test_the_real_operations_round_trip_the_shape(H, W, k, s, p):
    # conv2d shrinks (H, W); conv_transpose2d with output_padding_for gives (H, W) back
    assume(k <= min(H, W) + 2 * p)
    x = np.zeros((1, 1, H, W))
    w = np.ones((1, 1, k, k))
    y = tconv.conv2d(x, w, stride=s, padding=p)
    op = output_padding_for((H, W), k, s, p)
    back = tconv.conv_transpose2d(y, w, stride=s, padding=p, output_padding=op)
    assert back.shape == x.shape


def test_output_padding_for_rejects_an_invalid_convolution():
    with pytest.raises(ValueError, match="larger than the padded input"):
        output_padding_for(2, 5)


@EXAMPLES
@given(sizes, kernels, strides, paddings, dilations)
def test_round_trip_rows_restore_their_size(i, k, s, p, d):
    if _conv_size_or_none(i, k, s, p, d) is None:
        return
    row = round_trip(i, k, s, p, d)
    assert isinstance(row, RoundTrip)
    assert row.conv_size == tconv.conv_output_size(i, k, s, p, d)
    assert row.restored == row.size == i


def test_round_trip_needs_ints():
    with pytest.raises(TypeError, match="size"):
        round_trip((7, 8), 3)


# padding_for_same ----------------------------------------------------------------------------

@EXAMPLES
@given(kernels, strides, dilations, st.integers(1, 12))
def test_padding_for_same_gives_size_times_stride(k, s, d, i):
    try:
        p, op = padding_for_same(k, s, d)
    except ValueError as err:
        # only impossible when the excess is odd and output_padding must be 0
        assert s == 1 and d == 1 and (k - 1) % 2 == 1
        assert "output_padding must be smaller" in str(err)
        return
    assert op < max(s, d)
    assert tconv.conv_transpose_output_size(i, k, s, p, op, d) == i * s


def test_padding_for_same_known_cases():
    assert padding_for_same(3, 2) == (1, 1)  # the usual DCGAN-style "same" at stride 2
    assert padding_for_same(4, 2) == (1, 0)
    assert padding_for_same(1, 2) == (0, 1)  # a 1-cell kernel leaves a gap to fill
    assert padding_for_same((3, 4), 2) == ((1, 1), (1, 0))


def test_padding_for_same_is_impossible_for_an_even_kernel_at_stride_one():
    with pytest.raises(ValueError, match=r"output_padding must be smaller than stride \(1\)"):
        padding_for_same(2, 1)


@needs_torch
@pytest.mark.parametrize("k, s, d", [(3, 2, 1), (4, 2, 1), (5, 3, 1), (3, 2, 2), (1, 3, 1)])
def test_padding_for_same_in_pytorch(k, s, d):
    p, op = padding_for_same(k, s, d)
    x = torch.zeros(1, 1, 5, 6)
    w = torch.zeros(1, 1, k, k)
    y = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
    assert tuple(y.shape[2:]) == (5 * s, 6 * s)
