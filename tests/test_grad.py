"""conv2d_backward: the gradients of a convolution, checked by central finite differences.

The loss is L = sum(grad_output * conv2d(x, w, b)), so dL/dy = grad_output. The convolution is
linear in each of x, w and b, so central differences are exact up to rounding in float64.
PyTorch's autograd is compared in test_torch_oracle_conv.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from conftest import conv_cases, pair
from hypothesis import given, settings
from hypothesis import strategies as st
from tconv.conv import _conv_args, conv_transpose2d_loop
from tconv.grad import _weight_grad_im2col, _weight_grad_shifted

EXAMPLES = settings(max_examples=40, deadline=None)


def numerical_gradient(loss, arr: np.ndarray, h: float = 0.5) -> np.ndarray:
    """Central differences of ``loss()`` with respect to every entry of ``arr`` (in place)."""
    grad = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        old = arr[idx]
        arr[idx] = old + h
        up = loss()
        arr[idx] = old - h
        down = loss()
        arr[idx] = old
        grad[idx] = (up - down) / (2 * h)
    return grad


@EXAMPLES
@given(conv_cases(dtype=np.float64, max_side=5), st.integers(0, 2**32 - 1))
def test_gradients_match_central_differences(case, seed):
    x, w, b, kw = case.x, case.w, case.b, case.kwargs
    gy = np.random.default_rng(seed).standard_normal(tconv.conv2d(x, w, **kw).shape)

    def loss():
        return np.sum(gy * tconv.conv2d(x, w, b, **kw))

    gx, gw, gb = tconv.conv2d_backward(gy, x, w, **kw)
    np.testing.assert_allclose(gx, numerical_gradient(loss, x), atol=1e-9)
    np.testing.assert_allclose(gw, numerical_gradient(loss, w), atol=1e-9)
    np.testing.assert_allclose(gb, numerical_gradient(loss, b), atol=1e-9)


@EXAMPLES
@given(conv_cases(), st.integers(0, 2**32 - 1))
def test_input_gradient_is_the_transposed_convolution(case, seed):
    # the "backward strided convolution" name: dL/dx = conv_transpose2d(dL/dy, w), with the
    # output_padding that restores the rows/columns the forward stride never reached
    x, w, kw = case.x, case.w, case.kwargs
    gy = np.random.default_rng(seed).integers(-5, 6, tconv.conv2d(x, w, **kw).shape)
    gx, gw, gb = tconv.conv2d_backward(gy, x, w, **kw)
    assert gx.shape == x.shape and gw.shape == w.shape and gb.shape == (w.shape[0],)
    assert gx.dtype == gw.dtype == gb.dtype == np.int64
    output_padding = tuple(  # may exceed the size without it, which can be <= 0 by itself
        i - ((o - 1) * s - 2 * p + d * (k - 1) + 1)
        for i, o, k, s, p, d in zip(x.shape[2:], gy.shape[2:], w.shape[2:], pair(kw["stride"]),
                                    pair(kw["padding"]), pair(kw["dilation"]), strict=True))
    np.testing.assert_array_equal(
        gx, tconv.conv_transpose2d(gy, w, output_padding=output_padding, **kw))


@EXAMPLES
@given(conv_cases(), st.integers(0, 2**32 - 1), st.sampled_from([0, 10**6]))
def test_both_weight_gradient_paths_agree(case, seed, few_channels):
    # conv2d_backward picks im2col or the shifted phases by shape; both must be exact, with the
    # column shifts done by adds (few_channels 0) or by shifted copies (10**6)
    from tconv import conv as conv_module

    a = _conv_args(case.x, case.w, None, **case.kwargs)
    gy = np.random.default_rng(seed).integers(-5, 6, (case.x.shape[0], case.w.shape[0],
                                                      *a.out_size))
    saved, conv_module._FEW_CHANNELS = conv_module._FEW_CHANNELS, few_channels
    try:
        got = _weight_grad_shifted(gy, a)
    finally:
        conv_module._FEW_CHANNELS = saved
    np.testing.assert_array_equal(got, _weight_grad_im2col(gy, a))


@EXAMPLES
@given(conv_cases())
def test_unbatched_and_bare_gradients_match_batched(case):
    x, w, kw = case.x[:1], case.w, case.kwargs
    gy = np.ones(tconv.conv2d(x, w, **kw).shape, np.int64)
    batched = tconv.conv2d_backward(gy, x, w, **kw)
    for got, want in zip(tconv.conv2d_backward(gy[0], x[0], w, **kw), batched, strict=True):
        np.testing.assert_array_equal(got, want if got.ndim == want.ndim else want[0])
    single = {k: v for k, v in kw.items() if k != "groups"}
    x1, w1 = x[:, :1], w[:1, :1]
    gy1 = np.ones(tconv.conv2d(x1, w1, **single).shape, np.int64)
    gx, gw, gb = tconv.conv2d_backward(gy1, x1, w1, **single)
    bx, bw, bb = tconv.conv2d_backward(gy1[0, 0], x1[0, 0], w1[0, 0], **single)
    np.testing.assert_array_equal(bx, gx[0, 0])
    np.testing.assert_array_equal(bw, gw[0, 0])
    np.testing.assert_array_equal(bb, gb)


def test_worked_example_by_hand():
    # y = conv2d(X, K) for the 3x3 X = arange(9) and a 2x2 K, with dL/dy all ones: dL/dK[i, j]
    # sums the 2x2 block of X starting at (i, j); dL/dX[cell] sums the kernel entries that
    # multiplied that cell in some window (4 windows cover the centre: 0 + 1 + 2 + 3)
    X = np.arange(9).reshape(3, 3)
    K = np.array([[0, 1], [2, 3]])
    gx, gw, gb = tconv.conv2d_backward(np.ones((2, 2), int), X, K)
    np.testing.assert_array_equal(gw, [[0 + 1 + 3 + 4, 1 + 2 + 4 + 5],
                                       [3 + 4 + 6 + 7, 4 + 5 + 7 + 8]])
    np.testing.assert_array_equal(gx, [[0, 1, 1], [2, 6, 4], [2, 5, 3]])
    np.testing.assert_array_equal(gb, [4])


def test_float32_stays_float32():
    x, w = np.ones((2, 3, 5, 5), np.float32), np.ones((4, 3, 3, 3), np.float32)
    grads = tconv.conv2d_backward(np.ones((2, 4, 2, 2), np.float32), x, w, stride=2)
    assert [g.dtype for g in grads] == [np.float32] * 3


@pytest.mark.parametrize("bad_shape", [(2, 4, 3, 3), (2, 5, 2, 2), (1, 4, 2, 2), (4, 2, 2)])
def test_grad_output_of_the_wrong_shape_is_refused(bad_shape):
    x, w = np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3))
    with pytest.raises(ValueError, match=r"grad_output must have the shape .*\(2, 4, 2, 2\)"):
        tconv.conv2d_backward(np.ones(bad_shape), x, w, stride=2)


def weight_grad_by_definition(gy, x, w_shape, stride, padding, dilation, groups):
    """dL/dw[o, c, a, b] = sum over n, i, j of gy[n, o, i, j] * padded x at the window cell."""
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # the padding's zeros are products too
    C_out, C_in_g = w_shape[:2]
    Ho, Wo = gy.shape[2:]
    grad = np.zeros(w_shape)
    for o, c, a, b in np.ndindex(*w_shape):
        ci = o // (C_out // groups) * C_in_g + c
        r, q = a * dh, b * dw
        cells = xp[:, ci, r:r + sh * (Ho - 1) + 1:sh, q:q + sw * (Wo - 1) + 1:sw]
        with np.errstate(all="ignore"):  # inf times the padding's zeros: NaN, as intended
            grad[o, c, a, b] = np.sum(gy[:, o] * cells)
    return grad


@EXAMPLES
@given(conv_cases(dtype=np.float64), st.integers(0, 2**32 - 1), st.sampled_from(["x", "w", "gy"]))
def test_inf_and_nan_gradients_are_the_definitions(case, seed, where):
    # the shifted layouts multiply zeros the definition lacks; inf there would make NaN, so a
    # non-finite value sends both gradients down the exact paths
    rng = np.random.default_rng(seed)
    x, w, kw = case.x.copy(), case.w.copy(), case.kwargs
    gy = rng.integers(-5, 6, tconv.conv2d(x, w, **kw).shape).astype(np.float64)
    target = {"x": x, "w": w, "gy": gy}[where]
    target.reshape(-1)[rng.integers(target.size)] = rng.choice([np.inf, -np.inf, np.nan])
    gx, gw, gb = tconv.conv2d_backward(gy, x, w, **kw)
    output_padding = tuple(
        i - ((o - 1) * s - 2 * p + d * (k - 1) + 1)
        for i, o, k, s, p, d in zip(x.shape[2:], gy.shape[2:], w.shape[2:], pair(kw["stride"]),
                                    pair(kw["padding"]), pair(kw["dilation"]), strict=True))
    np.testing.assert_array_equal(
        gx, conv_transpose2d_loop(gy, w, output_padding=output_padding, **kw))
    np.testing.assert_array_equal(gw, weight_grad_by_definition(gy, x, w.shape, **kw))
    np.testing.assert_array_equal(gb, gy.sum(axis=(0, 2, 3)))
