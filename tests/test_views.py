"""The four views of a transposed convolution agree, and the matrix view behaves like a matrix.

Oracles: ``tconv.conv_transpose2d`` / ``tconv.conv2d`` (themselves tested against PyTorch in
their own test files), PyTorch directly when installed, linear-algebra identities, and the
worked 2×2 example of D. Mishra, "Transposed Convolution Demystified" (2020; references.bib key
``mishra2020transposed``), the article the book starts from.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tconv.views import (
    conv_matrix,
    conv_transpose2d_gradient,
    conv_transpose2d_matrix,
    conv_transpose2d_scatter,
    conv_transpose2d_zero_insertion,
    deconvolve_least_squares,
    deconvolve_tikhonov,
    insert_zeros,
    rotate180,
    zero_insertion_input,
)

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # torch is an optional oracle
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed (optional oracle)")
EXAMPLES = settings(max_examples=40, deadline=None)


# Strategies ----------------------------------------------------------------------------------

def _setting(draw, lo, hi):
    """An int, or a pair of ints, in [lo, hi]."""
    pair = (draw(st.integers(lo, hi)), draw(st.integers(lo, hi)))
    return pair[0] if draw(st.booleans()) else pair


def _pair(value):
    return value if isinstance(value, tuple) else (value, value)


@st.composite
def transpose_cases(draw, dtype="int"):
    """(x, kernel, settings) for a transposed convolution whose output is non-empty."""
    H, W = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    kH, kW = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, padding, dilation = _setting(draw, 1, 3), _setting(draw, 0, 3), _setting(draw, 1, 3)
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    output_padding = (draw(st.integers(0, max(sh, dh) - 1)), draw(st.integers(0, max(sw, dw) - 1)))
    if output_padding[0] == output_padding[1] and draw(st.booleans()):
        output_padding = output_padding[0]
    kw = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
    oH, oW = (_output_length(n, k, s, p, op, d) for n, k, s, p, op, d in zip(
        (H, W), (kH, kW), _pair(stride), _pair(padding), _pair(output_padding),
        _pair(dilation), strict=True))
    assume(oH > 0 and oW > 0)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dtype == "int":
        x, kernel = rng.integers(-5, 6, (H, W)), rng.integers(-5, 6, (kH, kW))
    else:
        x, kernel = rng.standard_normal((H, W)), rng.standard_normal((kH, kW))
    return x, kernel, kw


def _output_length(n, k, s, p, op, d):
    """The transposed-convolution length formula, written out independently of tconv.shapes."""
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


def torch_conv_transpose2d(x, kernel, stride=1, padding=0, output_padding=0, dilation=1):
    """PyTorch's answer for a bare 2-D input and kernel, in float64."""
    t = F.conv_transpose2d(torch.from_numpy(np.asarray(x, float))[None, None],
                           torch.from_numpy(np.asarray(kernel, float))[None, None],
                           stride=stride, padding=padding, output_padding=output_padding,
                           dilation=dilation)
    return t[0, 0].numpy()


def torch_conv2d(x, kernel, stride=1, padding=0, dilation=1):
    """PyTorch's conv2d (cross-correlation) for a bare 2-D input and kernel, in float64."""
    t = F.conv2d(torch.from_numpy(np.asarray(x, float))[None, None],
                 torch.from_numpy(np.asarray(kernel, float))[None, None],
                 stride=stride, padding=padding, dilation=dilation)
    return t[0, 0].numpy()


# The worked example of Mishra (2020): 2×2 input, 2×2 kernel, stride 1 ---------------------

ARTICLE_X = np.array([[0, 1], [2, 3]])
ARTICLE_KERNEL = np.array([[0, 1], [2, 3]])
ARTICLE_Y = np.array([[0, 0, 1], [0, 4, 6], [4, 12, 9]])

VIEWS = [conv_transpose2d_scatter, conv_transpose2d_zero_insertion, conv_transpose2d_matrix,
         conv_transpose2d_gradient]
view_ids = pytest.mark.parametrize("view", VIEWS, ids=lambda f: f.__name__.rsplit("_", 1)[-1])


# Building blocks -----------------------------------------------------------------------------

def test_insert_zeros_puts_stride_minus_one_zeros_between_values():
    z = insert_zeros(np.array([[1, 2], [3, 4]]), 3)
    assert z.shape == (4, 4)
    assert z.tolist() == [[1, 0, 0, 2], [0, 0, 0, 0], [0, 0, 0, 0], [3, 0, 0, 4]]


@EXAMPLES
@given(transpose_cases())
def test_insert_zeros_keeps_values_on_the_stride_grid(case):
    x, _, kw = case
    sh, sw = _pair(kw["stride"])
    z = insert_zeros(x, kw["stride"])
    assert z.shape == ((x.shape[0] - 1) * sh + 1, (x.shape[1] - 1) * sw + 1)
    assert np.array_equal(z[::sh, ::sw], x)
    assert z.sum() == x.sum() and np.count_nonzero(z) == np.count_nonzero(x)


def test_rotate180_reverses_rows_and_columns_and_is_its_own_inverse():
    k = np.arange(6).reshape(2, 3)
    assert rotate180(k).tolist() == [[5, 4, 3], [2, 1, 0]]
    assert np.array_equal(rotate180(rotate180(k)), k)


def test_zero_insertion_input_of_the_article_example_is_x_framed_by_zeros():
    # stride 1, padding 0, 2x2 kernel: one ring of zeros, dilation*(k-1) - padding = 1 wide
    z = zero_insertion_input(ARTICLE_X, ARTICLE_KERNEL)
    assert z.tolist() == [[0, 0, 0, 0], [0, 0, 1, 0], [0, 2, 3, 0], [0, 0, 0, 0]]


def test_zero_insertion_input_with_stride_2_and_output_padding():
    z = zero_insertion_input(np.array([[1, 2], [3, 4]]), np.ones((3, 3), int), stride=2,
                             padding=1, output_padding=1)
    # zeros inserted -> 3x3, then 2*(3-1)/2 - 1 = 1 zero each side, plus 1 at bottom/right
    assert z.tolist() == [[0, 0, 0, 0, 0, 0],
                          [0, 1, 0, 2, 0, 0],
                          [0, 0, 0, 0, 0, 0],
                          [0, 3, 0, 4, 0, 0],
                          [0, 0, 0, 0, 0, 0],
                          [0, 0, 0, 0, 0, 0]]


def test_zero_insertion_input_crops_when_padding_exceeds_the_kernel_reach():
    # a 1x1 kernel reaches dilation*(k-1) = 0 cells, so padding 1 removes one ring instead
    x = np.arange(9).reshape(3, 3)
    assert zero_insertion_input(x, [[2]], padding=1).tolist() == [[4]]
    assert conv_transpose2d_zero_insertion(x, [[2]], padding=1).tolist() == [[8]]


@EXAMPLES
@given(transpose_cases())
def test_zero_insertion_input_is_as_large_as_the_output_plus_the_kernel_span(case):
    x, kernel, kw = case
    out = tconv.conv_transpose2d(x, kernel, **kw).shape
    dh, dw = _pair(kw["dilation"])
    assert zero_insertion_input(x, kernel, **kw).shape == (
        out[0] + dh * (kernel.shape[0] - 1), out[1] + dw * (kernel.shape[1] - 1))


# The four views agree ------------------------------------------------------------------------

@view_ids
def test_every_view_gives_the_article_example(view):
    y = view(ARTICLE_X, ARTICLE_KERNEL)
    assert y.dtype == np.int64
    assert np.array_equal(y, ARTICLE_Y)


def test_the_library_gives_the_article_example():
    y = tconv.conv_transpose2d(ARTICLE_X, ARTICLE_KERNEL)
    assert y.dtype == np.int64 and np.array_equal(y, ARTICLE_Y)


@view_ids
@EXAMPLES
@given(case=transpose_cases())
def test_every_view_equals_conv_transpose2d_exactly_on_integers(view, case):
    x, kernel, kw = case
    y = view(x, kernel, **kw)
    expected = tconv.conv_transpose2d(x, kernel, **kw)
    assert y.dtype == expected.dtype == np.int64
    assert np.array_equal(y, expected)


@view_ids
@EXAMPLES
@given(case=transpose_cases(dtype="float"))
def test_every_view_equals_conv_transpose2d_on_floats(view, case):
    x, kernel, kw = case
    y = view(x, kernel, **kw)
    expected = tconv.conv_transpose2d(x, kernel, **kw)
    assert y.shape == expected.shape and y.dtype == expected.dtype
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


@view_ids
def test_every_view_keeps_float32(view):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    kernel = np.ones((2, 2), np.float32)
    assert view(x, kernel, stride=2).dtype == np.float32


@view_ids
def test_every_view_handles_output_padding_beyond_the_stride(view):
    # output_padding may reach dilation - 1 when dilation > stride; the convolution of an
    # output-sized input then has one more row and column than x
    x, kernel = np.arange(6).reshape(2, 3), np.array([[1, -2], [3, 4]])
    kw = dict(stride=1, padding=1, output_padding=(1, 2), dilation=3)
    assert np.array_equal(view(x, kernel, **kw), tconv.conv_transpose2d(x, kernel, **kw))


@needs_torch
@view_ids
@EXAMPLES
@given(case=transpose_cases(dtype="float"))
def test_every_view_matches_pytorch(view, case):
    x, kernel, kw = case
    np.testing.assert_allclose(view(x, kernel, **kw), torch_conv_transpose2d(x, kernel, **kw),
                               rtol=1e-10, atol=1e-10)


@view_ids
@EXAMPLES
@given(case=transpose_cases())
def test_every_view_is_the_adjoint_of_conv2d(view, case):
    # <conv2d(z), x> = <z, conv_transpose2d(x)> for every z of the output's shape
    x, kernel, kw = case
    y = view(x, kernel, **kw)
    z = np.random.default_rng(int(np.abs(x).sum())).integers(-5, 6, y.shape)
    conv = tconv.conv2d(z, kernel, stride=kw["stride"], padding=kw["padding"],
                        dilation=kw["dilation"])
    h, w = x.shape  # when output_padding >= stride, conv2d(z) has extra rows that x lacks
    assert np.sum(conv[:h, :w] * x) == np.sum(z * y)


# 3. The matrix -------------------------------------------------------------------------------

@st.composite
def conv_cases(draw, dtype="int"):
    """(x, kernel, settings) for a convolution whose kernel fits in the padded input."""
    x, kernel, kw = draw(transpose_cases(dtype))
    settings_ = dict(stride=kw["stride"], padding=kw["padding"], dilation=kw["dilation"])
    for n, k, p, d in zip(x.shape, kernel.shape, _pair(kw["padding"]), _pair(kw["dilation"]),
                          strict=True):
        assume(d * (k - 1) + 1 <= n + 2 * p)
    return x, kernel, settings_


def test_conv_matrix_of_the_article_kernel_on_a_3x3_input():
    # each row is one output cell: the kernel laid over the flattened 3x3 input
    C = conv_matrix((3, 3), ARTICLE_KERNEL)
    assert C.dtype == np.int64
    assert C.tolist() == [[0, 1, 0, 2, 3, 0, 0, 0, 0],
                          [0, 0, 1, 0, 2, 3, 0, 0, 0],
                          [0, 0, 0, 0, 1, 0, 2, 3, 0],
                          [0, 0, 0, 0, 0, 1, 0, 2, 3]]
    # the article example is C.T applied to the flattened 2x2 input
    assert np.array_equal((C.T @ ARTICLE_X.ravel()).reshape(3, 3), ARTICLE_Y)


@EXAMPLES
@given(conv_cases())
def test_conv_matrix_times_x_is_conv2d(case):
    x, kernel, kw = case
    expected = tconv.conv2d(x, kernel, **kw)
    C = conv_matrix(x.shape, kernel, **kw)
    assert C.shape == (expected.size, x.size)
    assert np.array_equal((C @ x.ravel()).reshape(expected.shape), expected)


@needs_torch
@EXAMPLES
@given(conv_cases(dtype="float"))
def test_conv_matrix_times_x_is_pytorch_conv2d(case):
    x, kernel, kw = case
    expected = torch_conv2d(x, kernel, **kw)
    C = conv_matrix(x.shape, kernel, **kw)
    np.testing.assert_allclose((C @ x.ravel()).reshape(expected.shape), expected, atol=1e-12)


@EXAMPLES
@given(conv_cases())
def test_c_transpose_times_y_is_conv_transpose2d(case):
    # conv2d maps shape z.shape to y's shape; the transposed convolution with the same settings
    # maps y's shape back, with output_padding restoring the rows the stride's floor dropped
    z, kernel, kw = case
    C = conv_matrix(z.shape, kernel, **kw)
    y_shape = tconv.conv2d(z, kernel, **kw).shape
    y = np.random.default_rng(int(np.abs(z).sum())).integers(-5, 6, y_shape)
    output_padding = tuple(
        (n + 2 * p - d * (k - 1) - 1) % s for n, k, s, p, d in zip(
            z.shape, kernel.shape, _pair(kw["stride"]), _pair(kw["padding"]),
            _pair(kw["dilation"]), strict=True))
    out = tconv.conv_transpose2d(y, kernel, output_padding=output_padding, **kw)
    assert np.array_equal(out, (C.T @ y.ravel()).reshape(z.shape))


def test_conv_transpose_is_not_the_inverse_of_conv():
    x = np.arange(9).reshape(3, 3)
    C = conv_matrix(x.shape, ARTICLE_KERNEL)
    assert C.shape == (4, 9)
    assert not np.array_equal(C.T @ C, np.eye(9, dtype=int))
    assert not np.array_equal(C.T @ (C @ x.ravel()), x.ravel())
    # ...even when C can be inverted on its range (padding 1: 9x4, full column rank)
    C = conv_matrix((2, 2), ARTICLE_KERNEL, padding=1)
    assert np.linalg.matrix_rank(C) == 4
    assert not np.array_equal(C.T @ C, np.eye(4, dtype=int))
    y = tconv.conv2d(ARTICLE_X, ARTICLE_KERNEL, padding=1)
    back = tconv.conv_transpose2d(y, ARTICLE_KERNEL, padding=1)
    assert back.shape == ARTICLE_X.shape and not np.array_equal(back, ARTICLE_X)


# Undoing a convolution -----------------------------------------------------------------------

def test_least_squares_undoes_the_padded_article_convolution():
    y = tconv.conv2d(ARTICLE_X, ARTICLE_KERNEL, padding=1)
    x = deconvolve_least_squares(y, ARTICLE_KERNEL, ARTICLE_X.shape, padding=1)
    np.testing.assert_allclose(x, ARTICLE_X, atol=1e-10)


@EXAMPLES
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 2), st.integers(0, 2**32 - 1))
def test_least_squares_recovers_x_from_a_full_convolution(H, W, kH, kW, dilation, seed):
    # stride 1 and padding dilation*(k-1) is the "full" convolution: polynomial multiplication
    # by the kernel, which loses nothing, so C has full column rank and x comes back
    rng = np.random.default_rng(seed)
    x, kernel = rng.standard_normal((H, W)), rng.standard_normal((kH, kW))
    kw = dict(padding=(dilation * (kH - 1), dilation * (kW - 1)), dilation=dilation)
    C = conv_matrix(x.shape, kernel, **kw)
    assert np.linalg.matrix_rank(C) == x.size
    assume(np.linalg.cond(C) < 1e6)
    y = tconv.conv2d(x, kernel, **kw)
    np.testing.assert_allclose(deconvolve_least_squares(y, kernel, x.shape, **kw), x,
                               rtol=1e-6, atol=1e-6)


@EXAMPLES
@given(conv_cases(dtype="float"))
def test_least_squares_always_reproduces_y(case):
    # even when x itself is lost (e.g. stride > kernel size skips pixels), the estimate
    # convolves to the same y
    x, kernel, kw = case
    y = tconv.conv2d(x, kernel, **kw)
    x_hat = deconvolve_least_squares(y, kernel, x.shape, **kw)
    assert x_hat.shape == x.shape
    np.testing.assert_allclose(tconv.conv2d(x_hat, kernel, **kw), y, rtol=1e-6, atol=1e-6)


def test_least_squares_cannot_recover_skipped_pixels():
    # stride 3 with a 1x1 kernel never looks at most pixels: they come back as 0
    x = np.arange(1, 17, dtype=float).reshape(4, 4)
    y = tconv.conv2d(x, [[2.0]], stride=3)
    x_hat = deconvolve_least_squares(y, [[2.0]], x.shape, stride=3)
    np.testing.assert_allclose(x_hat[::3, ::3], x[::3, ::3])
    assert x_hat[1, 1] == 0 and x[1, 1] != 0



def _ridge_by_svd(C, y, alpha):
    """(C.T C + alpha I)^-1 C.T y from the SVD of C: singular value s becomes s/(s²+alpha)."""
    U, s, Vt = np.linalg.svd(C, full_matrices=False)
    return Vt.T @ ((s / (s**2 + alpha)) * (U.T @ y))


TIKHONOV_CASES = [
    ((5, 6), (3, 3), dict(padding=2)),                       # "full": tall C
    ((6, 5), (3, 2), dict(stride=2, padding=1)),             # strided: wide C
    ((7, 7), (2, 3), dict(stride=(2, 1), dilation=2)),
]


@pytest.mark.parametrize("alpha", [1e-3, 0.1, 10.0])
@pytest.mark.parametrize(("shape", "kshape", "kw"), TIKHONOV_CASES)
def test_tikhonov_is_the_ridge_solution_of_the_svd(shape, kshape, kw, alpha):
    rng = np.random.default_rng(3)
    kernel = rng.standard_normal(kshape)
    y = tconv.conv2d(rng.standard_normal(shape), kernel, **kw) + rng.standard_normal(
        tconv.conv_output_size(shape, kshape, **kw))
    C = conv_matrix(shape, kernel, **kw)
    x = deconvolve_tikhonov(y, kernel, shape, alpha=alpha, **kw)
    assert x.shape == shape
    np.testing.assert_allclose(x.ravel(), _ridge_by_svd(C, y.ravel(), alpha), atol=1e-9)


@pytest.mark.parametrize(("shape", "kshape", "kw"), TIKHONOV_CASES)
def test_tikhonov_makes_the_gradient_of_its_objective_zero(shape, kshape, kw):
    # d/dx (|conv2d(x) - y|² + alpha |x|²) / 2 = conv2d's adjoint of the residual + alpha x,
    # computed here with the library's own conv2d_backward rather than the matrix
    rng = np.random.default_rng(4)
    kernel = rng.standard_normal(kshape)
    y = rng.standard_normal(tconv.conv_output_size(shape, kshape, **kw))
    x = deconvolve_tikhonov(y, kernel, shape, alpha=0.5, **kw)
    residual = tconv.conv2d(x, kernel, **kw) - y
    grad_x, _, _ = tconv.conv2d_backward(residual, x, kernel, **kw)
    np.testing.assert_allclose(grad_x + 0.5 * x, 0, atol=1e-9)


def test_tikhonov_tends_to_least_squares_as_alpha_vanishes():
    rng = np.random.default_rng(5)
    x, kernel = rng.standard_normal((6, 6)), rng.standard_normal((3, 3))
    y = tconv.conv2d(x, kernel, padding=2)
    np.testing.assert_allclose(deconvolve_tikhonov(y, kernel, x.shape, padding=2, alpha=1e-12),
                               deconvolve_least_squares(y, kernel, x.shape, padding=2),
                               atol=1e-6)


def test_tikhonov_caps_the_noise_gain_where_least_squares_does_not():
    # an ill-conditioned blur: least squares magnifies pure noise by 1/smallest singular
    # value; ridge by at most 1/(2 sqrt(alpha))
    blur = np.outer([1, 2, 1], [1, 2, 1]) / 16
    shape, kw, alpha = (12, 12), dict(padding=2), 1e-2
    noise = np.random.default_rng(6).standard_normal(tconv.conv_output_size(shape, 3, **kw))
    s = np.linalg.svd(conv_matrix(shape, blur, **kw), compute_uv=False)
    assert s.max() / s.min() > 1e3
    ls = deconvolve_least_squares(noise, blur, shape, **kw)
    ridge = deconvolve_tikhonov(noise, blur, shape, alpha=alpha, **kw)
    assert np.linalg.norm(ls) > 10 * np.linalg.norm(noise)
    assert np.linalg.norm(ridge) <= np.linalg.norm(noise) / (2 * np.sqrt(alpha)) + 1e-9
    assert np.linalg.norm(ridge) < np.linalg.norm(ls) / 10


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    (dict(alpha=0), ValueError, "alpha must be a positive finite number, got 0"),
    (dict(alpha=-1.0), ValueError, "alpha must be a positive finite number"),
    (dict(alpha=float("nan")), ValueError, "alpha must be a positive finite number"),
    (dict(alpha="0.1"), TypeError, "alpha must be a number"),
    (dict(alpha=True), TypeError, "alpha must be a number"),
    (dict(alpha=0.1, y=np.ones((3, 3))), ValueError,
     r"y must have the shape conv2d gives .* \(2, 2\), got \(3, 3\)"),
    (dict(alpha=0.1, y=[["a"]]), TypeError, "y must be a numeric array"),
    (dict(alpha=0.1, input_shape=(3,)), ValueError,
     "input_shape must be an integer or 2 integers"),
    (dict(alpha=0.1, input_shape=(65, 64), y=np.ones((64, 63))), ValueError,
     "input_shape 65×64 has 4160 cells, more than the 4096"),
    (dict(alpha=0.1, dilation=0), ValueError, "dilation must be positive"),
], ids=lambda v: None)
def test_tikhonov_rejects_bad_arguments(kwargs, error, message):
    kwargs = dict(kwargs)
    y, shape = kwargs.pop("y", np.ones((2, 2))), kwargs.pop("input_shape", (3, 3))
    with pytest.raises(error, match=message):
        deconvolve_tikhonov(y, np.ones((2, 2)), shape, **kwargs)

# Bad arguments -------------------------------------------------------------------------------

BAD_TRANSPOSE_ARGS = [
    (dict(stride=0), ValueError, "stride must be positive"),
    (dict(stride=1.5), TypeError, "stride must be an integer"),
    (dict(stride=(1, 2, 3)), ValueError, "stride must be an integer or 2 integers"),
    (dict(padding=-1), ValueError, "padding must be non-negative"),
    (dict(dilation=0), ValueError, "dilation must be positive"),
    (dict(output_padding=2, stride=2), ValueError,
     r"output_padding \(2\) must be smaller than stride \(2\) or dilation \(1\)"),
    (dict(output_padding=-1, stride=2), ValueError, "output_padding must be non-negative"),
    (dict(padding=5), ValueError, "padding .* crops away the whole output"),
    (dict(x=np.ones((1, 2, 2))), ValueError, r"x must have shape \(H, W\)"),
    (dict(x=np.ones((0, 2))), ValueError, "x must not have an empty dimension"),
    (dict(x=[["a", "b"]]), TypeError, "x must be a numeric array"),
    (dict(x=[[1, 2], [3]]), TypeError, "x must be a rectangular numeric array"),
    (dict(x=np.ones((2, 2), bool)), TypeError, "x must be a numeric array"),
    (dict(kernel=np.ones(3)), ValueError, r"kernel must have shape \(kH, kW\)"),
    (dict(kernel=np.ones((1, 1, 2, 2))), ValueError, r"kernel must have shape \(kH, kW\)"),
    (dict(kernel=np.ones((2, 0))), ValueError, "kernel must not have an empty dimension"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_TRANSPOSE_ARGS)
@pytest.mark.parametrize("view", [*VIEWS, zero_insertion_input],
                         ids=lambda f: f.__name__)
def test_views_reject_bad_arguments(view, kwargs, error, message):
    kwargs = dict(kwargs)
    x, kernel = kwargs.pop("x", ARTICLE_X), kwargs.pop("kernel", ARTICLE_KERNEL)
    with pytest.raises(error, match=message):
        view(x, kernel, **kwargs)


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: insert_zeros(ARTICLE_X, 0), ValueError, "stride must be positive"),
    (lambda: insert_zeros(ARTICLE_X, "2"), TypeError, "stride must be an integer"),
    (lambda: insert_zeros(np.ones(3), 2), ValueError, r"x must have shape \(H, W\)"),
    (lambda: rotate180(np.ones((2, 2, 2))), ValueError, r"kernel must have shape \(kH, kW\)"),
    (lambda: rotate180([["a"]]), TypeError, "kernel must be a numeric array"),
    (lambda: conv_matrix((3,), ARTICLE_KERNEL), ValueError,
     "input_shape must be an integer or 2 integers"),
    (lambda: conv_matrix((0, 3), ARTICLE_KERNEL), ValueError, "input_shape must be positive"),
    (lambda: conv_matrix((3, 3.0), ARTICLE_KERNEL), TypeError,
     "input_shape must be an integer"),
    (lambda: conv_matrix((1, 3), ARTICLE_KERNEL), ValueError,
     "kernel_size .* is larger than the padded input"),
    (lambda: conv_matrix((3, 3), ARTICLE_KERNEL, stride=0), ValueError,
     "stride must be positive"),
    (lambda: conv_matrix((3, 3), ARTICLE_KERNEL, padding=-1), ValueError,
     "padding must be non-negative"),
    (lambda: conv_matrix((3, 3), np.ones(2)), ValueError, r"kernel must have shape \(kH, kW\)"),
    (lambda: deconvolve_least_squares(np.ones((3, 3)), ARTICLE_KERNEL, (3, 3)), ValueError,
     r"y must have the shape conv2d gives .* \(2, 2\), got \(3, 3\)"),
    (lambda: deconvolve_least_squares(np.ones(4), ARTICLE_KERNEL, (3, 3)), ValueError,
     r"y must have shape \(oH, oW\)"),
    (lambda: deconvolve_least_squares([["a"]], ARTICLE_KERNEL, (3, 3)), TypeError,
     "y must be a numeric array"),
    (lambda: deconvolve_least_squares(np.ones((2, 2)), ARTICLE_KERNEL, (3, 3), dilation=0),
     ValueError, "dilation must be positive"),
], ids=lambda v: None)
def test_building_blocks_reject_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()
