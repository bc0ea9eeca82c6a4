"""The robustness rules against PyTorch (an optional oracle, skipped without it).

Huge strides, dilations and paddings; inf and NaN; batches of no images; padding="same" and
"valid"; fractional scale factors; max pooling with dilation and ceil_mode; pixel shuffles with
several batch dimensions; the dtype rule for floats. Same arguments, same numbers (NaN where
PyTorch has NaN, inf where it has inf).
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from conftest import conv_cases, pair
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from tconv import _checks

torch = pytest.importorskip("torch", reason="PyTorch not installed (optional oracle)")
F = torch.nn.functional
torch.set_num_threads(1)  # tiny arrays: threads only add overhead

EXAMPLES = settings(max_examples=60, deadline=None)


def t(a, dtype=np.float64):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=dtype))


# Huge stride, dilation and padding -----------------------------------------------------------

@st.composite
def sparse_cases(draw):
    """A transposed convolution with possibly huge stride/dilation, cropped to a small output."""
    size = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    big = st.one_of(st.integers(1, 3), st.integers(100, 10**5))
    stride, dilation = (draw(big), draw(big)), (draw(big), draw(big))
    full = [(i - 1) * s + d * (k - 1) + 1 for i, s, d, k in
            zip(size, stride, dilation, kernel, strict=True)]
    padding = tuple(draw(st.integers(max(0, (f - 200) // 2), (f - 1) // 2)) for f in full)
    groups = draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-5, 6, (draw(st.integers(0, 2)), 2 * groups, *size)).astype(np.float64)
    w = rng.integers(-5, 6, (2 * groups, 2, *kernel)).astype(np.float64)
    return x, w, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


@EXAMPLES
@given(sparse_cases())
def test_huge_settings_match_torch(case):
    x, w, kw = case
    want = F.conv_transpose2d(t(x), t(w), **kw).numpy()
    np.testing.assert_array_equal(tconv.conv_transpose2d(x, w, **kw), want)
    # the adjoint convolution and its gradients, at the transposed convolution's output size
    xc = np.random.default_rng(1).integers(-5, 6, want.shape[:1] + (w.shape[1] * kw["groups"],)
                                           + want.shape[2:]).astype(np.float64)
    wc = w.reshape(kw["groups"], 2, 2, *w.shape[2:]).transpose(0, 2, 1, 3, 4).reshape(
        2 * kw["groups"], 2, *w.shape[2:])  # (C_out, C_in/g, kH, kW) for x's channels
    xt, wt = t(xc).requires_grad_(), t(wc).requires_grad_()
    yt = F.conv2d(xt, wt, **kw)
    y = tconv.conv2d(xc, wc, **kw)
    np.testing.assert_array_equal(y, yt.detach().numpy())
    gy = np.random.default_rng(2).integers(-5, 6, y.shape).astype(np.float64)
    yt.backward(t(gy))
    dx, dw, _ = tconv.conv2d_backward(gy, xc, wc, **kw)
    np.testing.assert_array_equal(dx, xt.grad.numpy())
    np.testing.assert_array_equal(dw, wt.grad.numpy())


def test_the_issue_case_matches_torch():
    x, w = np.ones((1, 1, 1, 1)), np.arange(9.0).reshape(1, 1, 3, 3)
    np.testing.assert_array_equal(tconv.conv_transpose2d(x, w, stride=10_000),
                                  F.conv_transpose2d(t(x), t(w), stride=10_000).numpy())


# inf and NaN -----------------------------------------------------------------------------------

SPECIAL = st.sampled_from([np.inf, -np.inf, np.nan])


def _spoil(arr, rng, values):
    arr = arr.copy()
    flat = arr.reshape(-1)
    picks = rng.choice(flat.size, size=min(len(values), flat.size), replace=False)
    flat[picks] = values[:len(picks)]
    return arr


EITHER = st.booleans().flatmap(lambda tr: conv_cases(transposed=tr, dtype=np.float64).map(
    lambda case: (tr, case)))


@EXAMPLES
@given(EITHER, st.lists(SPECIAL, min_size=1, max_size=2), st.integers(0, 2**32 - 1),
       st.sampled_from(["x", "w", "both"]), st.sampled_from([np.float64, np.float32]))
def test_inf_and_nan_land_where_torch_puts_them(transposed_case, values, seed, where, dtype):
    # The reference is PyTorch in float64 (im2col, like the definition: the padding's zeros
    # are multiplied too, so inf times padding is NaN). Its float32 CPU convolution (oneDNN)
    # skips the padding instead and gives 0 there: PyTorch disagrees with itself, and tconv
    # keeps one rule for every dtype.
    transposed, case = transposed_case
    rng = np.random.default_rng(seed)
    x = _spoil(case.x, rng, values) if where != "w" else case.x
    w = _spoil(case.w, rng, values) if where != "x" else case.w
    ours, theirs = ((tconv.conv_transpose2d, F.conv_transpose2d) if transposed
                    else (tconv.conv2d, F.conv2d))
    want = theirs(t(x), t(w), **case.kwargs).numpy()
    got = ours(x.astype(dtype), w.astype(dtype), **case.kwargs)
    # finite values may differ by float32 rounding; inf and NaN must be in the same cells
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-3)


@EXAMPLES
@given(conv_cases(dtype=np.float64), st.lists(SPECIAL, min_size=1, max_size=2),
       st.integers(0, 2**32 - 1), st.sampled_from(["x", "w", "gy"]))
def test_gradients_with_inf_and_nan_match_autograd(case, values, seed, where):
    rng = np.random.default_rng(seed)
    x, w = case.x.copy(), case.w.copy()
    gy = rng.integers(-5, 6, tconv.conv2d(x, w, **case.kwargs).shape).astype(np.float64)
    x, w, gy = (_spoil(a, rng, values) if where == name else a
                for a, name in ((x, "x"), (w, "w"), (gy, "gy")))
    xt, wt = t(x).requires_grad_(), t(w).requires_grad_()
    F.conv2d(xt, wt, **case.kwargs).backward(t(gy))
    dx, dw, _ = tconv.conv2d_backward(gy, x, w, **case.kwargs)
    np.testing.assert_array_equal(dx, xt.grad.numpy())  # NaN == NaN here
    np.testing.assert_array_equal(dw, wt.grad.numpy())


# A batch of no images ----------------------------------------------------------------------

EMPTY = [
    ("conv2d", lambda m, x: m.conv2d(x, np.ones((3, 2, 3, 3)), stride=2),
     lambda x: F.conv2d(x, t(np.ones((3, 2, 3, 3))), stride=2)),
    ("conv_transpose2d", lambda m, x: m.conv_transpose2d(x, np.ones((2, 3, 3, 3)), stride=2),
     lambda x: F.conv_transpose2d(x, t(np.ones((2, 3, 3, 3))), stride=2)),
    ("conv1d", lambda m, x: m.conv1d(x[..., 0, :], np.ones((3, 2, 3)), padding="same"),
     lambda x: F.conv1d(x[..., 0, :], t(np.ones((3, 2, 3))), padding="same")),
    ("conv_transpose1d", lambda m, x: m.conv_transpose1d(x[..., 0, :], np.ones((2, 3, 3))),
     lambda x: F.conv_transpose1d(x[..., 0, :], t(np.ones((2, 3, 3))))),
    ("max_pool2d", lambda m, x: m.max_pool2d(x, 2, return_indices=True),
     lambda x: F.max_pool2d(x, 2, return_indices=True)),
    ("max_unpool2d", lambda m, x: m.max_unpool2d(x, np.zeros(x.shape, np.int64), 2),
     lambda x: F.max_unpool2d(x, torch.zeros(x.shape, dtype=torch.long), 2)),
    ("nearest", lambda m, x: m.upsample_nearest(x, 1.5),
     lambda x: F.interpolate(x, scale_factor=1.5, mode="nearest")),
    ("bilinear", lambda m, x: m.upsample_bilinear(x, 2),
     lambda x: F.interpolate(x, scale_factor=2, mode="bilinear")),
    ("pixel_shuffle", lambda m, x: m.pixel_shuffle(x, 1), lambda x: F.pixel_shuffle(x, 1)),
]


@pytest.mark.parametrize("name, ours, theirs", EMPTY, ids=[e[0] for e in EMPTY])
def test_an_empty_batch_gives_torchs_empty_shape(name, ours, theirs):
    x = np.zeros((0, 2, 5, 5))
    got, want = ours(tconv, x), theirs(t(x))
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert [g.shape for g in got] == [tuple(w.shape) for w in want]


def test_pixel_unshuffle_of_an_empty_batch_has_its_rules_shape():
    # PyTorch 2.13 returns an empty input to pixel_unshuffle unchanged, (0, 2, 5, 5) here,
    # whatever the factor; the rule (and pixel_shuffle, its inverse) says (0, 50, 1, 1)
    x = np.zeros((0, 2, 5, 5))
    assert tconv.pixel_unshuffle(x, 5).shape == (0, 50, 1, 1)
    assert tuple(F.pixel_shuffle(t(np.zeros((0, 50, 1, 1))), 5).shape) == (0, 2, 5, 5)


def test_the_gradients_of_an_empty_batch_match_torch():
    x, w = np.zeros((0, 2, 5, 5)), np.ones((3, 2, 3, 3))
    want = torch.ops.aten.convolution_backward(t(np.zeros((0, 3, 2, 2))), t(x), t(w), [3], [2, 2],
                                               [0, 0], [1, 1], False, [0, 0], 1,
                                               [True, True, True])
    got = tconv.conv2d_backward(np.zeros((0, 3, 2, 2)), x, w, stride=2)
    for g, want_g in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, want_g.numpy())


# padding="same" and "valid" ------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")  # torch's own note
@EXAMPLES
@given(conv_cases(dtype=np.float64), st.sampled_from(["same", "valid"]))
def test_padding_modes_match_torch(case, mode):
    kw = dict(case.kwargs, stride=1, padding=mode)
    try:
        want = F.conv2d(t(case.x), t(case.w), t(case.b), **kw).numpy()
    except RuntimeError:  # "valid" with a kernel larger than the input
        with pytest.raises(ValueError, match="kernel_size"):
            tconv.conv2d(case.x, case.w, case.b, **kw)
        return
    np.testing.assert_array_equal(tconv.conv2d(case.x, case.w, case.b, **kw), want)
    x1, w1 = case.x[:, :, 0], case.w[:, :, 0]
    kw1 = dict(kw, dilation=pair(kw["dilation"])[1])
    try:
        want1 = F.conv1d(t(x1), t(w1), t(case.b), **kw1).numpy()
    except RuntimeError:
        return
    np.testing.assert_array_equal(tconv.conv1d(x1, w1, case.b, **kw1), want1)


@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")  # torch's own note
@EXAMPLES
@given(conv_cases(dtype=np.float64), st.integers(0, 2**32 - 1))
def test_padding_same_gradients_match_autograd(case, seed):
    kw = dict(case.kwargs, stride=1, padding="same")
    xt, wt = t(case.x).requires_grad_(), t(case.w).requires_grad_()
    yt = F.conv2d(xt, wt, **kw)
    gy = np.random.default_rng(seed).integers(-5, 6, tuple(yt.shape)).astype(np.float64)
    yt.backward(t(gy))
    dx, dw, _ = tconv.conv2d_backward(gy, case.x, case.w, **kw)
    np.testing.assert_array_equal(dx, xt.grad.numpy())
    np.testing.assert_array_equal(dw, wt.grad.numpy())


def test_padding_same_with_a_stride_is_refused_by_both():
    x, w = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    with pytest.raises(RuntimeError, match="not supported for strided"):
        F.conv2d(t(x), t(w), stride=2, padding="same")
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        tconv.conv2d(x, w, stride=2, padding="same")


# Fractional scale factors ----------------------------------------------------------------------

FRACTIONS = st.floats(0.25, 5.0).filter(lambda f: not float(f).is_integer())


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(0, 2), st.integers(1, 2), st.integers(1, 13),
                                    st.integers(1, 13)), elements=st.floats(-100, 100)),
       st.one_of(FRACTIONS, st.tuples(FRACTIONS, FRACTIONS), st.sampled_from([2.0, 3.0])),
       st.booleans(), st.sampled_from([np.float64, np.float32]))
def test_scale_factors_follow_interpolate(x, f, align_corners, dtype):
    x = x.astype(dtype)
    try:
        want = F.interpolate(torch.from_numpy(x), scale_factor=f, mode="nearest").numpy()
    except RuntimeError:  # an output of no pixels
        with pytest.raises(ValueError, match="scale_factor"):
            tconv.upsample_nearest(x, f)
        return
    np.testing.assert_array_equal(tconv.upsample_nearest(x, f), want)  # exact: a copy
    want = F.interpolate(torch.from_numpy(x), scale_factor=f, mode="bilinear",
                         align_corners=align_corners).numpy()
    got = tconv.upsample_bilinear(x, f, align_corners=align_corners)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10 if dtype == np.float64 else 1e-3)


# max_pool2d with dilation and ceil_mode; max_unpool2d after it -----------------------------

@st.composite
def pooling(draw):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    kw = dict(kernel_size=k, stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
              padding=(draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2))),
              dilation=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
              ceil_mode=draw(st.booleans()))
    shape = (draw(st.integers(0, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 8)),
             draw(st.integers(1, 8)))
    x = draw(arrays(np.float64, shape,
                    elements=st.sampled_from([-1.0, 0.0, 1.0, 2.0, -np.inf, np.nan])))
    return x, kw


@settings(max_examples=200, deadline=None)
@given(pooling(), st.sampled_from([np.float64, np.float32, np.int64, np.uint8]))
def test_max_pool2d_with_dilation_and_ceil_mode_matches_torch(case, dtype):
    x, kw = case
    if np.issubdtype(dtype, np.integer):
        x = np.nan_to_num(x, nan=3.0, neginf=0.0).astype(dtype)
    try:
        want_y, want_i = F.max_pool2d(torch.from_numpy(x), return_indices=True, **kw)
    except RuntimeError:
        for pool in (tconv.max_pool2d, tconv.max_pool2d_loop):
            with pytest.raises(ValueError, match="padded input"):
                pool(x, return_indices=True, **kw)
        return
    for pool in (tconv.max_pool2d, tconv.max_pool2d_loop):
        y, i = pool(x, return_indices=True, **kw)
        np.testing.assert_array_equal(y, want_y.numpy())
        np.testing.assert_array_equal(i, want_i.numpy())
        assert y.dtype == x.dtype
    # unpooling puts each maximum back where it was, at the input's size (floats: PyTorch has
    # no integer max_unpool2d)
    k, s, p = kw["kernel_size"], kw["stride"], kw["padding"]
    assume(np.issubdtype(dtype, np.floating))
    assume(np.all(want_i.numpy() >= 0) and np.all(want_i.numpy() < x.shape[2] * x.shape[3]))
    try:
        want = F.max_unpool2d(want_y, want_i, k, s, p, output_size=x.shape[2:]).numpy()
    except ValueError:  # the input's size is too far from unpooling's own (dilation, ceil)
        with pytest.raises(ValueError, match="output_size .* inconsistent"):
            tconv.max_unpool2d(want_y.numpy(), want_i.numpy(), k, s, p, output_size=x.shape[2:])
        return
    np.testing.assert_array_equal(
        tconv.max_unpool2d(want_y.numpy(), want_i.numpy(), k, s, p, output_size=x.shape[2:]),
        want)


# Pixel shuffles on several batch dimensions ---------------------------------------------------

@EXAMPLES
@given(st.lists(st.integers(0, 3), max_size=3), st.integers(1, 2), st.integers(0, 3),
       st.integers(1, 3), st.integers(1, 3))
def test_pixel_shuffles_with_leading_dimensions_match_torch(lead, c, h, w, r):
    x = np.arange(int(np.prod((*lead, c * r * r, h, w)))).reshape(*lead, c * r * r, h, w)
    y = F.pixel_shuffle(torch.from_numpy(x), r)
    np.testing.assert_array_equal(tconv.pixel_shuffle(x, r), y.numpy())
    np.testing.assert_array_equal(tconv.pixel_shuffle_loop(x, r), y.numpy())
    if y.numel():  # see test_pixel_unshuffle_of_an_empty_batch_has_its_rules_shape
        np.testing.assert_array_equal(tconv.pixel_unshuffle(y.numpy(), r),
                                      F.pixel_unshuffle(y, r).numpy())


# The dtype rule: floats as PyTorch promotes them ----------------------------------------------

@pytest.mark.parametrize("a, b", [(np.int64, np.float32), (np.uint8, np.float64),
                                  (np.float32, np.float64), (np.int32, np.float16),
                                  (np.float16, np.float32)])
def test_a_float_result_has_torchs_promoted_dtype(a, b):
    want = torch.result_type(torch.zeros(1, dtype=getattr(torch, np.dtype(a).name)),
                             torch.zeros(1, dtype=getattr(torch, np.dtype(b).name)))
    got = _checks.result_dtype(np.zeros(1, a), np.zeros(1, b))
    assert str(want).removeprefix("torch.") == got.name
    y = tconv.conv2d(np.ones((1, 1, 3, 3), a), np.ones((1, 1, 2, 2), b))
    assert y.dtype == got
