"""Bad arguments to the convolutions are refused with a message naming the parameter and rule.

ValueError for a bad value, TypeError for a bad type; never an IndexError, a broadcasting
error or a silently wrong result. Every rule is checked on the fast and the loop versions.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from tconv.conv import conv2d_loop, conv_transpose2d_loop


def conv2d_backward(x, w, bias=None, **kwargs):
    """conv2d_backward with a conv2d-like signature, to run it through the same rules."""
    try:
        grad_output = np.zeros(tconv.conv2d(x, w, **kwargs).shape)
    except (TypeError, ValueError):  # conv2d_backward must refuse the arguments by itself
        grad_output = np.zeros(1)
    return tconv.conv2d_backward(grad_output, x, w, **kwargs)


CONV = [tconv.conv2d, conv2d_loop, conv2d_backward]
TRANSPOSE = [tconv.conv_transpose2d, conv_transpose2d_loop]
ALL_2D = CONV + TRANSPOSE
WITH_BIAS = [tconv.conv2d, conv2d_loop] + TRANSPOSE

X = np.ones((2, 4, 6, 6))
W = np.ones((4, 2, 3, 3))  # conv: 4 out, 2 in per group; transposed: 4 in, 2 out per group


@pytest.mark.parametrize("fn", ALL_2D)
@pytest.mark.parametrize("name", ["stride", "dilation"])
@pytest.mark.parametrize("value", [0, -1, (1, 0), [2, -2]])
def test_stride_and_dilation_must_be_positive(fn, name, value):
    with pytest.raises(ValueError, match=f"{name} must be positive"):
        fn(X, W, **{name: value})


@pytest.mark.parametrize("fn", ALL_2D)
@pytest.mark.parametrize("name", ["stride", "padding", "dilation", "groups"])
@pytest.mark.parametrize("value", [1.5, "2", True, None])
def test_settings_must_be_integers(fn, name, value):
    if fn in CONV and name == "padding" and value == "2":  # strings name a mode: valid, same
        with pytest.raises(ValueError, match="padding must be an integer, a pair of integers, "
                                             "'valid' or 'same', got '2'"):
            fn(X, W, **{name: value})
        return
    with pytest.raises(TypeError, match=f"{name} must be an integer"):
        fn(X, W, **{name: value})


@pytest.mark.parametrize("fn", ALL_2D)
@pytest.mark.parametrize("name", ["stride", "padding", "dilation"])
def test_pairs_must_have_two_entries(fn, name):
    with pytest.raises(ValueError, match=f"{name} must be an integer or 2 integers"):
        fn(X, W, **{name: (1, 1, 1)})


@pytest.mark.parametrize("fn", ALL_2D)
@pytest.mark.parametrize("value", [-1, (0, -2)])
def test_padding_must_be_non_negative(fn, value):
    with pytest.raises(ValueError, match="padding must be non-negative"):
        fn(X, W, padding=value)


@pytest.mark.parametrize("fn", ALL_2D)
@pytest.mark.parametrize("value", [0, -2])
def test_groups_must_be_positive(fn, value):
    with pytest.raises(ValueError, match="groups must be positive"):
        fn(X, W, groups=value)


@pytest.mark.parametrize("fn", TRANSPOSE)
def test_output_padding_must_be_smaller_than_stride_or_dilation(fn):
    with pytest.raises(ValueError, match=r"output_padding \(2\) must be smaller than stride \(2\) "
                                         r"or dilation \(1\)"):
        fn(X, W, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"output_padding \(1\) must be smaller"):
        fn(X, W, output_padding=(0, 1))  # stride 1, dilation 1: no room at all
    with pytest.raises(ValueError, match="output_padding must be non-negative"):
        fn(X, W, stride=2, output_padding=-1)
    fn(X, W, stride=1, dilation=2, output_padding=1)  # allowed: smaller than the dilation


@pytest.mark.parametrize("fn", ALL_2D)
def test_input_channels_must_divide_into_groups(fn):
    with pytest.raises(ValueError, match=r"input channels \(4\) must be divisible by groups \(3\)"):
        fn(X, W, groups=3)


@pytest.mark.parametrize("fn", CONV)
def test_conv_output_channels_must_divide_into_groups(fn):
    with pytest.raises(ValueError, match=r"weight's output channels \(3\) must be divisible by "
                                         r"groups \(2\)"):
        fn(X, np.ones((3, 2, 3, 3)), groups=2)


@pytest.mark.parametrize("fn", CONV)
def test_conv_weight_must_match_input_channels(fn):
    with pytest.raises(ValueError, match=r"weight expects 2 input channels per group x 1 groups "
                                         r"= 2, but input has 4 channels"):
        fn(X, W)
    fn(X, W, groups=2)  # with two groups the same weight fits


@pytest.mark.parametrize("fn", TRANSPOSE)
def test_transpose_weight_must_match_input_channels(fn):
    with pytest.raises(ValueError, match=r"weight has 3 input channels \(its first dimension\) "
                                         r"but input has 4 channels"):
        fn(X, np.ones((3, 2, 3, 3)))


@pytest.mark.parametrize("fn", ALL_2D)
@pytest.mark.parametrize("shape", [(6,), (1, 2, 4, 6, 6)])
def test_input_must_have_2_to_4_dimensions(fn, shape):
    with pytest.raises(ValueError, match=r"input must have shape \(N, C, H, W\), \(C, H, W\) or "
                                         r"bare \(H, W\)"):
        fn(np.ones(shape), W)


@pytest.mark.parametrize("fn", ALL_2D)
@pytest.mark.parametrize("shape", [(3,), (2, 3, 3), (1, 4, 2, 3, 3)])
def test_weight_must_be_4d_for_batched_input(fn, shape):
    with pytest.raises(ValueError, match="weight must have shape"):
        fn(X, np.ones(shape))


@pytest.mark.parametrize("fn", ALL_2D)
def test_bare_input_needs_bare_weight_and_vice_versa(fn):
    with pytest.raises(ValueError, match=r"a bare \(H, W\) input needs a bare \(kH, kW\) weight"):
        fn(np.ones((5, 5)), np.ones((1, 1, 2, 2)))
    with pytest.raises(ValueError, match=r"a bare \(kH, kW\) weight needs a bare \(H, W\) input"):
        fn(np.ones((1, 5, 5)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"a bare \(kH, kW\) weight needs a bare \(H, W\) input"):
        fn(X, np.ones((2, 2)))


@pytest.mark.parametrize("fn", ALL_2D)
@pytest.mark.parametrize("name, x, w", [("input", np.ones((2, 4, 0, 6)), W),
                                        ("input", np.ones((2, 4, 6, 0)), W),
                                        ("weight", X, np.ones((4, 2, 0, 3))),
                                        ("weight", np.ones((5, 5)), np.ones((2, 0)))])
def test_empty_arrays_and_kernel_size_zero_are_refused(fn, name, x, w):
    with pytest.raises(ValueError, match=f"{name} must not have an empty dimension"):
        fn(x, w)


@pytest.mark.parametrize("fn", WITH_BIAS)
@pytest.mark.parametrize("bias", [np.ones(3), np.ones(5), np.ones((4, 1)), np.float64(1.0)])
def test_bias_needs_one_value_per_output_channel(fn, bias):
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        fn(X, W, bias, groups=2)


@pytest.mark.parametrize("fn", CONV)
def test_conv_kernel_larger_than_padded_input(fn):
    with pytest.raises(ValueError, match=r"kernel_size \(3, spanning 5 with dilation 2\) is larger "
                                         r"than the padded input \(2 \+ 2\*1 = 4\)"):
        fn(np.ones((2, 4, 2, 6)), W, padding=1, dilation=2, groups=2)
    with pytest.raises(ValueError, match="kernel_size"):
        fn(np.ones((2, 2)), np.ones((3, 1)))


@pytest.mark.parametrize("fn", TRANSPOSE)
def test_transpose_output_must_not_be_cropped_away(fn):
    # (1-1)*1 - 2*1 + 1*(2-1) + 0 + 1 = 0: padding removes everything
    with pytest.raises(ValueError, match=r"padding \(1\) crops away the whole output"):
        fn(np.ones((1, 1)), np.ones((2, 2)), padding=1)


@pytest.mark.parametrize("fn", ALL_2D)
@pytest.mark.parametrize("name", ["input", "weight"])
@pytest.mark.parametrize("bad", [np.array([["a"]]), np.ones((1, 1), bool),
                                 np.ones((1, 1), complex), np.array([[None]]),
                                 [[1, 2], [3]]])
def test_non_numeric_arrays_are_refused(fn, name, bad):
    args = {"input": np.ones((3, 3)), "weight": np.ones((1, 1))}
    args[name] = bad
    with pytest.raises(TypeError, match=f"{name} must be a"):
        fn(args["input"], args["weight"])


@pytest.mark.parametrize("fn", WITH_BIAS)
def test_non_numeric_bias_is_refused(fn):
    with pytest.raises(TypeError, match="bias must be a numeric array"):
        fn(X, W, ["a", "b", "c", "d"], groups=2)


# One dimension ---------------------------------------------------------------------------------

X1 = np.ones((2, 4, 6))
W1 = np.ones((4, 2, 3))
ONE_D = [tconv.conv1d, tconv.conv_transpose1d]


@pytest.mark.parametrize("fn", ONE_D)
@pytest.mark.parametrize("name, value, error, message", [
    ("stride", 0, ValueError, "stride must be positive"),
    ("dilation", -1, ValueError, "dilation must be positive"),
    ("padding", -1, ValueError, "padding must be non-negative"),
    ("stride", 1.0, TypeError, "stride must be an integer"),
    ("stride", (1, 1), ValueError, "stride must be an integer or 1 integers"),
    ("groups", 3, ValueError, r"input channels \(4\) must be divisible by groups \(3\)"),
])
def test_1d_settings(fn, name, value, error, message):
    with pytest.raises(error, match=message):
        fn(X1, W1, **{name: value})


@pytest.mark.parametrize("fn", ONE_D)
def test_1d_shapes(fn):
    with pytest.raises(ValueError, match=r"input must have shape \(N, C, L\), \(C, L\) or bare"):
        fn(np.ones((1, 2, 4, 6)), W1)
    with pytest.raises(ValueError, match=r"a bare \(L,\) input needs a bare \(k,\) weight"):
        fn(np.ones(6), W1)
    with pytest.raises(ValueError, match=r"a bare \(k,\) weight needs a bare \(L,\) input"):
        fn(X1, np.ones(3))
    with pytest.raises(ValueError, match=r"weight must have shape \(C_out, C_in/groups, k\)"):
        fn(X1, np.ones((4, 2, 3, 3)))
    with pytest.raises(TypeError, match="input must be a numeric array"):
        fn(["a", "b"], [1])
    with pytest.raises(ValueError, match=r"bias must have shape"):
        fn(X1, W1, np.ones(7), groups=2)


def test_1d_conv_kernel_larger_than_input():
    with pytest.raises(ValueError, match=r"kernel_size \(4, spanning 4 .*\(2 \+ 2\*0 = 2\)"):
        tconv.conv1d([1, 2], [1, 1, 1, 1])


def test_1d_transpose_output_padding_and_empty_output():
    with pytest.raises(ValueError, match=r"output_padding \(2\) must be smaller than stride \(2\) "
                                         r"or dilation \(1\)"):
        tconv.conv_transpose1d(X1, W1, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"padding \(1\) crops away the whole output"):
        tconv.conv_transpose1d([1], [1], padding=1)
