"""conv2d, conv_transpose2d and their 1-D versions: worked examples, loops vs fast, adjointness.

Oracles: worked examples from cited references (d2l, Dumoulin & Visin); the plain loop
versions; the adjoint identity <conv2d(x), y> = <x, conv_transpose2d(y)>; numpy's own
``np.correlate`` / ``np.convolve`` in one dimension; splitting groups by hand. PyTorch is
compared in test_torch_oracle_conv.py.
"""

from __future__ import annotations

import tracemalloc

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
    _scatter_direct,
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
    np.testing.assert_array_equal(  # the input read through index arrays, never padded
        _correlate(a.x, a.w, a.stride, a.dilation, a.groups, a.out_size, a.padding, gather=True),
        want)


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
    np.testing.assert_array_equal(_scatter_direct(a), want)


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


# Cost follows the work: huge stride, dilation or padding ------------------------------------
#
# The phases of the fast paths cost stride² (a 1×1 input, 3×3 kernel and stride 10,000 took
# 95 s and gigabytes for a 3×3 result); each call now picks the computation whose work fits.
# The oracles below add each product where the definition puts it, by brute force, which costs
# the input times the kernel: small here, whatever the settings.


def scatter_oracle(x, w, stride, padding, dilation, out_size):
    """conv_transpose2d of (N, C_in, H, W) by the definition, product by product.

    output_padding only makes the output larger: ``out_size`` says by how much.
    """
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    y = np.zeros((x.shape[0], w.shape[1], *out_size), np.result_type(x, w))
    for i, j, a, b in np.ndindex(*x.shape[2:], *w.shape[2:]):
        r, c = i * sh + a * dh - ph, j * sw + b * dw - pw
        if 0 <= r < out_size[0] and 0 <= c < out_size[1]:
            y[:, :, r, c] += np.einsum("nc,co->no", x[:, :, i, j], w[:, :, a, b])
    return y


def correlate_oracle(x, w, stride, padding, dilation, out_size):
    """conv2d of (N, C_in, H, W) by the definition, window by window (padding reads zeros)."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    H, W = x.shape[2:]
    y = np.zeros((x.shape[0], w.shape[0], *out_size), np.result_type(x, w))
    for o, q, a, b in np.ndindex(*out_size, *w.shape[2:]):
        r, c = o * sh + a * dh - ph, q * sw + b * dw - pw
        if 0 <= r < H and 0 <= c < W:
            y[:, :, o, q] += np.einsum("nc,oc->no", x[:, :, r, c], w[:, :, a, b])
    return y


def peak_memory(f, *args, **kwargs):
    """``f(*args, **kwargs)`` and the most memory (bytes) allocated at once while it ran.

    Cost is checked as memory, which is deterministic, not as time, which a loaded machine
    changes; benchmarks/bench_cost.py measures the time.
    """
    tracemalloc.start()
    try:
        result = f(*args, **kwargs)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@st.composite
def sparse_transposed(draw):
    """A transposed convolution whose stride, dilation or padding may be huge (output small)."""
    size = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    big = st.one_of(st.integers(1, 4), st.integers(10, 10**6))
    stride, dilation = (draw(big), draw(big)), (draw(big), draw(big))
    full = [(i - 1) * s + d * (k - 1) + 1 for i, s, d, k in
            zip(size, stride, dilation, kernel, strict=True)]
    # crop to at most ~300 cells per side, so the output (the work's other half) stays small
    padding = tuple(draw(st.integers(max(0, (f - 300) // 2), (f - 1) // 2)) for f in full)
    output_padding = tuple(draw(st.integers(0, min(max(s, d) - 1, 2)))
                           for s, d in zip(stride, dilation, strict=True))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-5, 6, (draw(st.integers(0, 2)), 2, *size)).astype(np.float64)
    w = rng.integers(-5, 6, (2, 3, *kernel)).astype(np.float64)
    return x, w, dict(stride=stride, padding=padding, output_padding=output_padding,
                      dilation=dilation)


@settings(max_examples=60, deadline=None)
@given(sparse_transposed())
def test_huge_stride_dilation_or_padding_cost_what_the_output_costs(case):
    x, w, kw = case
    y, peak = peak_memory(tconv.conv_transpose2d, x, w, **kw)
    out_size = y.shape[2:]
    # memory follows the work (every product, every output cell), not the settings: stride-
    # sized phases took gigabytes (and minutes: bench_cost.py measures the time)
    assert peak <= 4 * 8 * max(x.size * w[0].size, y.size) + 2**20, peak
    np.testing.assert_array_equal(y, scatter_oracle(x, w, kw["stride"], kw["padding"],
                                                    kw["dilation"], out_size))
    # the 1-D version and the input gradient of the convolution run the same code
    y1 = tconv.conv_transpose1d(x[:, :, 0], w[:, :, 0], stride=kw["stride"][1],
                                padding=kw["padding"][1], dilation=kw["dilation"][1],
                                output_padding=kw["output_padding"][1])
    np.testing.assert_array_equal(y1, scatter_oracle(
        x[:, :, :1], w[:, :, :1], (1, kw["stride"][1]), (0, kw["padding"][1]),
        (1, kw["dilation"][1]), (1, y1.shape[-1]))[:, :, 0])


@settings(max_examples=60, deadline=None)
@given(sparse_transposed())
def test_huge_settings_in_conv2d_and_its_gradient_cost_what_the_output_costs(case):
    z, w, kw = case  # the transposed case's output shape is a valid conv2d input shape
    settings_ = {k: kw[k] for k in ("stride", "padding", "dilation")}
    out = tconv.conv_transpose_output_size(z.shape[2:], w.shape[2:], **kw)
    x = np.random.default_rng(0).integers(-5, 6, (z.shape[0], 3, *out)).astype(np.float64)
    wc = w  # as a convolution's weight: (C_out=2, C_in=3, kH, kW), the adjoint of the case
    y, peak = peak_memory(tconv.conv2d, x, wc, **settings_)
    (dx, dw, db), peak_backward = peak_memory(tconv.conv2d_backward, y, x, wc, **settings_)
    work = 8 * (x.size + y.size * wc[0].size)  # bytes: the input, and each output's products
    assert max(peak, peak_backward) <= 4 * work + 2**20, (peak, peak_backward)
    assert y.shape[2:] == tconv.conv_output_size(out, w.shape[2:], **settings_)
    np.testing.assert_array_equal(y, correlate_oracle(x, wc, out_size=y.shape[2:], **settings_))
    np.testing.assert_array_equal(dx, scatter_oracle(y, wc, kw["stride"], kw["padding"],
                                                     kw["dilation"], out))
    assert dw.shape == wc.shape and db.shape == (2,)


def test_the_issue_case_costs_its_nine_cells_not_gigabytes():
    y, peak = peak_memory(tconv.conv_transpose2d, np.ones((1, 1)),
                          np.arange(9.0).reshape(3, 3), stride=10_000)
    assert peak < 2**20  # was 6.7 GB of phases (and ~95 s)
    np.testing.assert_array_equal(y, np.arange(9.0).reshape(3, 3))
    y = tconv.conv_transpose2d(np.ones((2, 2)), np.ones((3, 3)), dilation=10**5, padding=10**5)
    np.testing.assert_array_equal(y, np.ones((2, 2)))  # only the kernel centres land inside


# inf and NaN land where the definition puts them -----------------------------------------------
#
# The phase layouts multiply cells by zeros the definition does not have (empty phase cells,
# padding of the transposed convolution): inf times zero would be a NaN the definition lacks.
# With a non-finite value anywhere, the exact paths run; the loops are the definition.

def _with_specials(arr, rng):
    arr = arr.astype(np.float64)
    flat = arr.reshape(-1)
    picks = rng.choice(flat.size, size=min(2, flat.size), replace=False)
    flat[picks] = rng.choice([np.inf, -np.inf, np.nan], size=len(picks))
    return arr


@EXAMPLES
@given(EITHER, st.integers(0, 2**32 - 1), st.sampled_from(["x", "w", "both"]))
def test_inf_and_nan_give_what_the_loop_gives(fn_case, seed, where):
    fn, case = fn_case
    rng = np.random.default_rng(seed)
    x = _with_specials(case.x, rng) if where in ("x", "both") else case.x.astype(float)
    w = _with_specials(case.w, rng) if where in ("w", "both") else case.w.astype(float)
    loop = conv2d_loop if fn is tconv.conv2d else conv_transpose2d_loop
    np.testing.assert_array_equal(fn(x, w, **case.kwargs), loop(x, w, **case.kwargs))


def test_inf_outside_every_window_stays_out():
    # stride 2 never reads the last row and column: the phase layout would multiply them by
    # zeros and make NaN; PyTorch gives zeros, as the definition does
    x = np.zeros((1, 1, 6, 6))
    x[0, 0, 5, 5] = np.inf
    np.testing.assert_array_equal(tconv.conv2d(x, np.ones((1, 1, 3, 3)), stride=2),
                                  np.zeros((1, 1, 2, 2)))
    w = np.zeros((1, 1, 3, 3))
    w[0, 0, 0, 0] = np.inf  # lands on the corners of each 3×3 block only
    y = tconv.conv_transpose2d(np.ones((1, 1, 2, 2)), w, stride=2)
    assert np.isinf(y).sum() == 4 and not np.isnan(y).any()


# A batch of no images --------------------------------------------------------------------------

@pytest.mark.parametrize("fn, w, shape", [
    (tconv.conv2d, np.ones((3, 2, 3, 3)), (0, 3, 3, 3)),
    (conv2d_loop, np.ones((3, 2, 3, 3)), (0, 3, 3, 3)),
    (tconv.conv_transpose2d, np.ones((2, 3, 3, 3)), (0, 3, 7, 7)),
    (conv_transpose2d_loop, np.ones((2, 3, 3, 3)), (0, 3, 7, 7)),
])
def test_an_empty_batch_gives_an_empty_result_of_the_right_shape(fn, w, shape):
    # PyTorch: conv2d (0, 3, 3, 3); conv_transpose2d (0, 3, 7, 7) for this input
    y = fn(np.ones((0, 2, 5, 5), np.float32), w.astype(np.float32), np.ones(3))
    assert y.shape == shape and y.dtype == np.float64  # the float64 bias: the widest float
    y1 = (tconv.conv1d if fn in (tconv.conv2d, conv2d_loop) else tconv.conv_transpose1d)(
        np.ones((0, 2, 5)), w[:, :, 0])
    assert y1.shape == (0, 3, shape[-1])


def test_the_gradients_of_an_empty_batch():
    dx, dw, db = tconv.conv2d_backward(np.ones((0, 3, 2, 2)), np.ones((0, 2, 5, 5)),
                                       np.ones((3, 2, 3, 3)), stride=2)
    assert dx.shape == (0, 2, 5, 5) and not dw.any() and dw.shape == (3, 2, 3, 3)
    assert db.shape == (3,) and not db.any()


# padding="valid" and "same" ------------------------------------------------------------------

@EXAMPLES
@given(conv_cases(dtype=np.float64), st.data())
def test_padding_same_keeps_the_size_with_the_extra_cell_at_the_end(case, data):
    kw = dict(case.kwargs, stride=1, padding="same")
    y = tconv.conv2d(case.x, case.w, case.b, **kw)
    assert y.shape[2:] == case.x.shape[2:]
    # the definition: pad d(k-1) in all, half before (rounded down), the rest after
    totals = [d * (k - 1) for d, k in zip(pair(kw["dilation"]), case.w.shape[2:], strict=True)]
    x = np.pad(case.x, ((0, 0), (0, 0), *[(t // 2, t - t // 2) for t in totals]))
    explicit = {k: v for k, v in kw.items() if k != "padding"}
    np.testing.assert_array_equal(y, conv2d_loop(x, case.w, case.b, **explicit))
    np.testing.assert_array_equal(conv2d_loop(case.x, case.w, case.b, **kw), y)
    try:
        valid = tconv.conv2d(case.x, case.w, case.b, **dict(kw, padding=0))
    except ValueError:  # the kernel is larger than the input: "valid" refuses it too
        with pytest.raises(ValueError, match="kernel_size"):
            tconv.conv2d(case.x, case.w, case.b, **dict(kw, padding="valid"))
    else:
        np.testing.assert_array_equal(
            tconv.conv2d(case.x, case.w, case.b, **dict(kw, padding="valid")), valid)
    dx, dw, _ = tconv.conv2d_backward(np.ones_like(y), case.x, case.w, **kw)
    assert dx.shape == case.x.shape and dw.shape == case.w.shape


def test_padding_same_needs_stride_1_and_other_strings_are_refused():
    x, w = np.ones((1, 1, 5, 5)), np.ones((1, 1, 4, 4))
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        tconv.conv2d(x, w, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        tconv.conv1d(np.ones((1, 1, 5)), np.ones((1, 1, 4)), stride=(2,), padding="same")
    with pytest.raises(ValueError, match="'valid' or 'same', got 'full'"):
        tconv.conv2d(x, w, padding="full")
    with pytest.raises(TypeError, match="padding must be an integer"):
        tconv.conv_transpose2d(x, w, padding="same")  # as in PyTorch: no string modes there
