"""conv2d, conv_transpose2d and their 1-D versions: worked examples, loops vs fast, adjointness.

Oracles: worked examples from cited references (d2l, Dumoulin & Visin); the plain loop
versions; the adjoint identity <conv2d(x), y> = <x, conv_transpose2d(y)>; numpy's own
``np.correlate`` / ``np.convolve`` in one dimension; splitting groups by hand. PyTorch is
compared in test_torch_oracle_conv.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from conftest import conv_cases, pair
from hypothesis import given, settings
from hypothesis import strategies as st
from tconv.conv import (
    _conv_args,
    _conv_transpose_args,
    _correlate,
    _pad,
    _scatter_matmul,
    _shifted_products,
    _subpixel,
    conv2d_loop,
    conv_transpose2d_loop,
)

EXAMPLES = settings(max_examples=50, deadline=None)

# The 2x2 example of the article the book starts from (D. Mishra, "Transposed Convolution
# Demystified", 2020) and of d2l, "Dive into Deep Learning", section 14.10 (Transposed
# Convolution): X = [[0, 1], [2, 3]], K = [[0, 1], [2, 3]].
X2 = np.array([[0, 1], [2, 3]])
K2 = np.array([[0, 1], [2, 3]])


# Worked examples -----------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [tconv.conv_transpose2d, conv_transpose2d_loop])
def test_transpose_article_example_stride_1(fn):
    # d2l 14.10.1: [[0, 0, 1], [0, 4, 6], [4, 12, 9]], integers in, integers out
    y = fn(X2, K2)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, [[0, 0, 1], [0, 4, 6], [4, 12, 9]])


@pytest.mark.parametrize("fn", [tconv.conv_transpose2d, conv_transpose2d_loop])
def test_transpose_article_example_stride_2(fn):
    # d2l 14.10.2: stride 2 spreads the four scaled kernels apart into a 4x4 output
    np.testing.assert_array_equal(fn(X2, K2, stride=2),
                                  [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]])


@pytest.mark.parametrize("fn", [tconv.conv_transpose2d, conv_transpose2d_loop])
def test_transpose_article_example_padding_1(fn):
    # d2l 14.10.2: padding 1 removes the first and last row and column: [[4]]
    np.testing.assert_array_equal(fn(X2, K2, padding=1), [[4]])


@pytest.mark.parametrize("fn", [tconv.conv2d, conv2d_loop])
def test_conv_d2l_cross_correlation_examples(fn):
    # d2l 7.2.1: X = arange(9) as 3x3, K = [[0, 1], [2, 3]] -> [[19, 25], [37, 43]];
    # d2l 14.10.3: the same X with K = [[1, 2], [3, 4]] -> [[27, 37], [57, 67]]
    X = np.arange(9).reshape(3, 3)
    np.testing.assert_array_equal(fn(X, [[0, 1], [2, 3]]), [[19, 25], [37, 43]])
    np.testing.assert_array_equal(fn(X, [[1, 2], [3, 4]]), [[27, 37], [57, 67]])


# Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016), figures 2.1-2.7
# and 5.1: (input size, kernel, stride, padding, dilation, output size) of a convolution...
DUMOULIN_CONV = [(4, 3, 1, 0, 1, 2), (5, 4, 1, 2, 1, 6), (5, 3, 1, 1, 1, 5), (5, 3, 1, 2, 1, 7),
                 (5, 3, 2, 0, 1, 2), (5, 3, 2, 1, 1, 3), (6, 3, 2, 1, 1, 3), (7, 3, 1, 0, 2, 3)]
# ... and figures 4.1-4.7: the transposed convolution of each, back to the input size, with
# output_padding (their a) 1 in figure 4.7: (input, kernel, stride, padding, output_padding, out)
DUMOULIN_TRANSPOSE = [(2, 3, 1, 0, 0, 4), (6, 4, 1, 2, 0, 5), (5, 3, 1, 1, 0, 5),
                      (7, 3, 1, 2, 0, 5), (2, 3, 2, 0, 0, 5), (3, 3, 2, 1, 0, 5),
                      (3, 3, 2, 1, 1, 6)]


@pytest.mark.parametrize("i, k, s, p, d, o", DUMOULIN_CONV)
def test_conv_output_size_dumoulin_visin(i, k, s, p, d, o):
    x, w = np.ones((i, i)), np.ones((k, k))
    assert tconv.conv2d(x, w, stride=s, padding=p, dilation=d).shape == (o, o)
    assert tconv.conv1d(x[0], w[0], stride=s, padding=p, dilation=d).shape == (o,)


@pytest.mark.parametrize("i, k, s, p, a, o", DUMOULIN_TRANSPOSE)
def test_transpose_output_size_dumoulin_visin(i, k, s, p, a, o):
    x, w = np.ones((i, i)), np.ones((k, k))
    assert tconv.conv_transpose2d(x, w, stride=s, padding=p, output_padding=a).shape == (o, o)
    assert tconv.conv_transpose1d(x[0], w[0], stride=s, padding=p, output_padding=a).shape == (o,)


# The loops and the fast versions agree -------------------------------------------------------

@EXAMPLES
@given(conv_cases())
def test_conv2d_fast_equals_loop(case):
    np.testing.assert_array_equal(tconv.conv2d(case.x, case.w, case.b, **case.kwargs),
                                  conv2d_loop(case.x, case.w, case.b, **case.kwargs))


@EXAMPLES
@given(conv_cases(transposed=True))
def test_conv_transpose2d_fast_equals_loop(case):
    np.testing.assert_array_equal(tconv.conv_transpose2d(case.x, case.w, case.b, **case.kwargs),
                                  conv_transpose2d_loop(case.x, case.w, case.b, **case.kwargs))


@EXAMPLES
@given(conv_cases(), st.sampled_from([0, 10**6]))
def test_both_fast_conv2d_paths_equal_loop(case, few_channels):
    # conv2d picks im2col or shifted products over phases by shape; each must be right on every
    # case, with the column shifts done by adds (few_channels 0) or by shifted copies (10**6)
    from tconv import conv as conv_module

    a = _conv_args(case.x, case.w, None, **case.kwargs)
    want = conv2d_loop(case.x, case.w, **case.kwargs)
    got = np.empty_like(want)
    saved, conv_module._FEW_CHANNELS = conv_module._FEW_CHANNELS, few_channels
    try:
        _shifted_products(a, got)
    finally:
        conv_module._FEW_CHANNELS = saved
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(
        _correlate(_pad(a.x, a.padding), a.w, a.stride, a.dilation, a.groups, a.out_size), want)


@pytest.mark.parametrize("stride", [1, 2])
def test_left_over_scratch_values_never_reach_the_output(stride):
    # the fast conv2d reuses its temporaries; poison them and the result must not change
    from tconv import conv as conv_module

    rng = np.random.default_rng(stride)
    x = rng.standard_normal((2, 3, 9, 8))
    w = rng.standard_normal((4, 3, 4, 3))
    want = conv2d_loop(x, w, stride=stride, padding=1)
    tconv.conv2d(x, w, stride=stride, padding=1)  # makes this thread's scratch arrays
    for array in conv_module._SCRATCH.arrays.values():
        array[...] = 0xFF  # all bits set: NaN in every float type
    np.testing.assert_allclose(tconv.conv2d(x, w, stride=stride, padding=1), want, atol=1e-12)


@EXAMPLES
@given(conv_cases(transposed=True))
def test_both_fast_conv_transpose2d_paths_equal_loop(case):
    # conv_transpose2d picks the scatter or the sub-pixel phases by shape; both must be right
    kw = case.kwargs
    a = _conv_transpose_args(case.x, case.w, None, kw["stride"], kw["padding"],
                             kw["output_padding"], kw["dilation"], kw["groups"])
    want = conv_transpose2d_loop(case.x, case.w, **kw)
    np.testing.assert_array_equal(_scatter_matmul(a), want)
    np.testing.assert_array_equal(_subpixel(a), want)


@EXAMPLES
@given(conv_cases(transposed=True, dtype=np.float32))
def test_float32_stays_float32_and_matches_loop(case):
    y = tconv.conv_transpose2d(case.x, case.w, case.b, **case.kwargs)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, conv_transpose2d_loop(case.x, case.w, case.b, **case.kwargs))


# Shapes ---------------------------------------------------------------------------------------

@EXAMPLES
@given(conv_cases())
def test_conv2d_shape_follows_formula(case):
    k = case.w.shape[2:]
    kw = {key: case.kwargs[key] for key in ("stride", "padding", "dilation")}
    expected = (case.x.shape[0], case.w.shape[0],
                *tconv.conv_output_size(case.x.shape[2:], k, **kw))
    assert tconv.conv2d(case.x, case.w, **case.kwargs).shape == expected


@EXAMPLES
@given(conv_cases(transposed=True))
def test_conv_transpose2d_shape_follows_formula(case):
    k = case.w.shape[2:]
    kw = {key: case.kwargs[key] for key in ("stride", "padding", "dilation", "output_padding")}
    expected = (case.x.shape[0], case.w.shape[1] * case.kwargs["groups"],
                *tconv.conv_transpose_output_size(case.x.shape[2:], k, **kw))
    assert tconv.conv_transpose2d(case.x, case.w, **case.kwargs).shape == expected


# The adjoint identity: conv_transpose2d is the transpose of conv2d ----------------------------

@EXAMPLES
@given(conv_cases(), st.integers(0, 2**32 - 1))
def test_adjoint_identity(case, seed):
    x, w, kw = case.x, case.w, case.kwargs
    y_shape = tconv.conv2d(x, w, **kw).shape
    z = np.random.default_rng(seed).integers(-5, 6, y_shape)
    # the transposed convolution maps the output shape back onto exactly the input's shape:
    # output_padding restores the rows/columns the stride skipped
    output_padding = tuple(
        i - ((o - 1) * s - 2 * p + d * (k - 1) + 1)
        for i, o, s, p, d, k in zip(x.shape[2:], y_shape[2:], pair(kw["stride"]),
                                    pair(kw["padding"]), pair(kw["dilation"]), w.shape[2:],
                                    strict=True))
    xt = tconv.conv_transpose2d(z, w, output_padding=output_padding, **kw)
    assert xt.shape == x.shape
    assert np.sum(tconv.conv2d(x, w, **kw) * z) == np.sum(x * xt)  # exact: integers


# Layouts, groups, bias, dtypes -------------------------------------------------------------------

# a case for either operation: (function, case)
EITHER = st.sampled_from([(tconv.conv2d, False), (tconv.conv_transpose2d, True)]).flatmap(
    lambda ft: conv_cases(transposed=ft[1]).map(lambda case: (ft[0], case)))


@EXAMPLES
@given(EITHER)
def test_unbatched_and_bare_layouts_match_batched(fn_case):
    fn, case = fn_case
    batched = fn(case.x, case.w, case.b, **case.kwargs)
    np.testing.assert_array_equal(fn(case.x[0], case.w, case.b, **case.kwargs), batched[0])
    # a bare (H, W) image with a bare (kH, kW) kernel: one channel, one group
    single = {k: v for k, v in case.kwargs.items() if k != "groups"}
    np.testing.assert_array_equal(fn(case.x[0, 0], case.w[0, 0], **single),
                                  fn(case.x[:1, :1], case.w[:1, :1], **single)[0, 0])


@EXAMPLES
@given(EITHER)
def test_groups_are_independent_convolutions(fn_case):
    # groups=G is G separate operations on consecutive slices of the channels and the weight
    fn, case = fn_case
    kw = dict(case.kwargs)
    G = kw.pop("groups")
    parts = zip(np.split(case.x, G, axis=1), np.split(case.w, G, axis=0), strict=True)
    joined = np.concatenate([fn(x, w, **kw) for x, w in parts], axis=1)
    np.testing.assert_array_equal(fn(case.x, case.w, groups=G, **kw), joined)


@pytest.mark.parametrize("fn", [tconv.conv2d, conv2d_loop, tconv.conv_transpose2d,
                                conv_transpose2d_loop])
def test_bias_is_added_per_output_channel(fn):
    rng = np.random.default_rng(0)
    x, w, b = rng.integers(-5, 6, (2, 3, 4, 5)), rng.integers(-5, 6, (3, 3, 2, 2)), [1, -2, 7]
    np.testing.assert_array_equal(fn(x, w, b), fn(x, w) + np.array(b)[:, None, None])


@pytest.mark.parametrize("fn", [tconv.conv2d, tconv.conv_transpose2d, tconv.conv1d,
                                tconv.conv_transpose1d])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64])
def test_integers_give_int64_without_overflow(fn, dtype):
    x = np.full((1, 2) + (3,) * (fn.__name__.endswith("2d") + 1), 100, dtype)
    w = np.full((2, 2) + (2,) * (fn.__name__.endswith("2d") + 1), 100, dtype)
    y = fn(x, w)
    assert y.dtype == np.int64
    assert y.max() == 100 * 100 * 2 * (4 if fn.__name__.endswith("2d") else 2)


@pytest.mark.parametrize("fn", [tconv.conv2d, tconv.conv_transpose2d, conv2d_loop,
                                conv_transpose2d_loop])
def test_float32_in_float32_out_and_mixed_promotes(fn):
    # the rule of tconv._checks: the widest float given; integers take the float's type
    x, w = np.ones((1, 2, 4, 4), np.float32), np.ones((2, 2, 3, 3), np.float32)
    assert fn(x, w).dtype == np.float32
    assert fn(x, w, np.zeros(2)).dtype == np.float64  # a float64 bias: the widest float
    assert fn(x.astype(int), w).dtype == np.float32  # int64 + float32 -> float32, as PyTorch
    assert fn(x.astype(np.uint64), w.astype(np.int8)).dtype == np.int64  # integers: int64


def test_ints_and_pairs_are_the_same_setting():
    rng = np.random.default_rng(1)
    x, w = rng.integers(-5, 6, (1, 2, 7, 7)), rng.integers(-5, 6, (2, 2, 3, 3))
    np.testing.assert_array_equal(tconv.conv2d(x, w, stride=2, padding=1, dilation=2),
                                  tconv.conv2d(x, w, stride=(2, 2), padding=[1, 1],
                                               dilation=(2, 2)))
    np.testing.assert_array_equal(
        tconv.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
        tconv.conv_transpose2d(x, w, stride=(2, 2), padding=(1, 1), output_padding=(1, 1)))


def test_lists_are_accepted_and_inputs_are_not_modified():
    x, w = np.arange(16.0).reshape(1, 1, 4, 4), np.ones((1, 1, 2, 2))
    x0, w0 = x.copy(), w.copy()
    y = tconv.conv_transpose2d(x, w, np.array([1.0]), stride=2, padding=1)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(y, tconv.conv_transpose2d(x.tolist(), w.tolist(), [1.0],
                                                            stride=2, padding=1))


# One dimension: numpy's correlate and convolve as oracles -----------------------------------

@EXAMPLES
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=8),
       st.lists(st.integers(-5, 5), min_size=1, max_size=3),
       st.integers(1, 3), st.integers(0, 2), st.integers(1, 2))
def test_conv1d_is_strided_dilated_correlate(x, w, s, p, d):
    span = d * (len(w) - 1) + 1
    if span > len(x) + 2 * p:
        with pytest.raises(ValueError, match="kernel_size"):
            tconv.conv1d(x, w, stride=s, padding=p, dilation=d)
        return
    w_dilated = np.zeros(span, int)
    w_dilated[::d] = w
    expected = np.correlate(np.pad(x, p), w_dilated, "valid")[::s]
    np.testing.assert_array_equal(tconv.conv1d(x, w, stride=s, padding=p, dilation=d), expected)


@EXAMPLES
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=8),
       st.lists(st.integers(-5, 5), min_size=1, max_size=3),
       st.integers(1, 3), st.integers(0, 1), st.data())
def test_conv_transpose1d_is_convolve_of_zero_inserted_input(x, w, s, p, data):
    op = data.draw(st.integers(0, s - 1))
    out = (len(x) - 1) * s - 2 * p + len(w) + op
    if out <= 0:
        with pytest.raises(ValueError, match="padding"):
            tconv.conv_transpose1d(x, w, stride=s, padding=p, output_padding=op)
        return
    spread = np.zeros((len(x) - 1) * s + 1, int)
    spread[::s] = x  # s - 1 zeros between the inputs
    full = np.concatenate([np.convolve(spread, w), np.zeros(op, int)])
    np.testing.assert_array_equal(
        tconv.conv_transpose1d(x, w, stride=s, padding=p, output_padding=op),
        full[p:p + out])


@EXAMPLES
@given(conv_cases())
def test_conv1d_sums_bare_correlations_over_channels(case):
    # batched 1-D with groups=1: output channel o of sample n sums its channels' bare results
    x, w = case.x[:, :, 0, :], case.w[:, :, 0, :]
    kw = {k: pair(v)[1] for k, v in case.kwargs.items() if k != "groups"}
    x, w = x[:, : w.shape[1]], w  # groups=1: the weight sees the first C_in/G channels
    try:
        y = tconv.conv1d(x, w, **kw)
    except ValueError:
        return
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            expected = sum(tconv.conv1d(x[n, c], w[o, c], **kw) for c in range(x.shape[1]))
            np.testing.assert_array_equal(y[n, o], expected)
    np.testing.assert_array_equal(tconv.conv1d(x[0], w, **kw), y[0])  # unbatched (C, L)


@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 1), (2, 0), (2, 1)])
def test_views_with_odd_strides_are_read_correctly(stride, padding):
    # reversed, transposed and broadcast (read-only) inputs are not contiguous arrays
    rng = np.random.default_rng(2)
    x = rng.integers(-5, 6, (3, 2, 7, 6)).transpose(1, 0, 3, 2)[..., ::-1]  # (2, 3, 6, 7)
    w = np.broadcast_to(rng.integers(-5, 6, (1, 3, 3, 3)), (4, 3, 3, 3))
    kw = dict(stride=stride, padding=padding)
    xc, wc = np.ascontiguousarray(x), np.ascontiguousarray(w)
    np.testing.assert_array_equal(tconv.conv2d(x, w, **kw), conv2d_loop(xc, wc, **kw))
    wt = np.broadcast_to(rng.integers(-5, 6, (3, 1, 3, 3)), (3, 2, 3, 3))
    np.testing.assert_array_equal(tconv.conv_transpose2d(x, wt, **kw),
                                  conv_transpose2d_loop(xc, np.ascontiguousarray(wt), **kw))


# Large calls split the batch over threads; the split must not change a single number ---------

@pytest.mark.parametrize("n", [2, 3, 5])
def test_batch_split_over_threads_matches_one_pass(monkeypatch, n):
    from tconv import conv as conv_module
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(n)
    x = rng.integers(-5, 6, (n, 4, 7, 6))
    w = rng.integers(-5, 6, (6, 2, 3, 3))  # groups=2: 4 -> 6 channels
    wt = rng.integers(-5, 6, (4, 3, 4, 4))  # transposed, groups=2: 4 -> 6 channels
    b = rng.integers(-5, 6, 6)
    kw = dict(stride=2, padding=1, groups=2)
    want_y = conv2d_loop(x, w, b, **kw)
    want_t = conv_transpose2d_loop(x, wt, b, output_padding=1, **kw)
    gy = rng.integers(-5, 6, want_y.shape)
    want_g = tconv.conv2d_backward(gy, x, w, **kw)  # small: one pass
    calls = []
    original = conv_module._POOL.map
    monkeypatch.setattr(conv_module, "_PARALLEL_WORK", 0)  # split every batch of 2 or more
    monkeypatch.setattr(conv_module, "_THREADS", 2)
    monkeypatch.setattr(conv_module._POOL, "map",
                        lambda fn, chunks: calls.append(len(chunks)) or original(fn, chunks))
    with threadpool_limits(limits=2, user_api="blas"):
        np.testing.assert_array_equal(tconv.conv2d(x, w, b, **kw), want_y)
        np.testing.assert_array_equal(
            tconv.conv_transpose2d(x, wt, b, output_padding=1, **kw), want_t)
        for got, want in zip(tconv.conv2d_backward(gy, x, w, **kw), want_g, strict=True):
            np.testing.assert_array_equal(got, want)
    if conv_module._BLAS_LIBS:  # with a BLAS to limit, the calls above really were split
        assert calls and all(c == 2 for c in calls)
