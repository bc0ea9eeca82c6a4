"""The shared argument rules of tconv._checks, seen through the public operations.

Integers of every kind (Python, numpy scalars, 0-d arrays) are accepted wherever an int is,
bools never; one dtype rule for every operation; sizes are checked before anything is
allocated; numpy's floating-point warnings never reach the reader.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tconv
from hypothesis import given, settings
from hypothesis import strategies as st
from tconv import _checks, fixed_kernels, metrics, nn
from tconv.conv import conv2d_loop, conv_transpose2d_loop
from tconv.placements import placements
from tconv.roundtrip import conv_input_sizes, output_padding_for, padding_for_same

EXAMPLES = settings(max_examples=40, deadline=None)

# Integers ------------------------------------------------------------------------------------

INTEGERS = [2, np.int64(2), np.int8(2), np.uint16(2), np.array(2), np.array(2, np.uint8)]


@pytest.mark.parametrize("two", INTEGERS, ids=lambda v: f"{type(v).__name__}")
def test_numpy_integers_and_0d_arrays_are_integers_everywhere(two):
    x, w = np.arange(16.0).reshape(1, 1, 4, 4), np.ones((1, 1, 3, 3))
    np.testing.assert_array_equal(tconv.conv2d(x, w, stride=two, padding=two, dilation=two),
                                  tconv.conv2d(x, w, stride=2, padding=2, dilation=2))
    np.testing.assert_array_equal(tconv.conv_transpose2d(x, w, stride=two, groups=np.array(1)),
                                  tconv.conv_transpose2d(x, w, stride=2))
    np.testing.assert_array_equal(tconv.conv1d(x[0, 0, 0], w[0, 0, 0], stride=two),
                                  tconv.conv1d(x[0, 0, 0], w[0, 0, 0], stride=2))
    np.testing.assert_array_equal(tconv.conv_transpose1d(x[0, 0, 0], w[0, 0, 0], stride=two),
                                  tconv.conv_transpose1d(x[0, 0, 0], w[0, 0, 0], stride=2))
    np.testing.assert_array_equal(tconv.max_pool2d(x, two, dilation=np.array(1)),
                                  tconv.max_pool2d(x, 2))
    np.testing.assert_array_equal(tconv.upsample_nearest(x, two), tconv.upsample_nearest(x, 2))
    np.testing.assert_array_equal(tconv.pixel_shuffle(np.ones((4, 2, 2)), two),
                                  tconv.pixel_shuffle(np.ones((4, 2, 2)), 2))
    assert tconv.conv_output_size(np.array([5, 6]), two, stride=two) == (2, 3)
    assert tconv.conv_transpose_output_size(np.int32(3), two, stride=two) == 6
    assert conv_input_sizes(np.array(4), 3, two, 1) == (7, 8)
    assert output_padding_for(np.int64(8), 3, two, 1) == 1
    assert padding_for_same(np.array(3), two) == (1, 1)
    np.testing.assert_array_equal(placements(x[0, 0], w[0, 0], stride=two).output,
                                  tconv.conv_transpose2d(x[0, 0], w[0, 0], stride=2))
    assert nn.Conv2d(1, two, 3, stride=two).stride == (2, 2)


@pytest.mark.parametrize("bad", [True, np.True_, np.array(True), 2.0, np.float64(2.0),
                                 np.array(2.0), "2", None, np.array([[2]])])
def test_bools_floats_and_other_things_are_not_integers(bad):
    with pytest.raises((TypeError, ValueError), match="stride"):
        tconv.conv2d(np.ones((4, 4)), np.ones((2, 2)), stride=bad)


ILLEGAL = st.one_of(st.booleans(), st.floats(allow_nan=True), st.text(max_size=3), st.none(),
                   st.complex_numbers(), st.lists(st.integers(1, 3), min_size=3, max_size=3),
                   st.integers(-10**6, -1))
ILLEGAL_SCALE = st.one_of(st.booleans(), st.floats(max_value=0.0), st.just(float("nan")),
                         st.just(float("inf")), st.text(max_size=3), st.none(),
                         st.lists(st.integers(1, 3), min_size=3, max_size=3),
                         st.integers(-10**6, 0))
X4, K2 = np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2))
OPS = [  # (operation taking the setting as a keyword, the settings it checks)
    (lambda **kw: tconv.conv2d(X4, K2, **kw), ["stride", "padding", "dilation", "groups"]),
    (lambda **kw: conv2d_loop(X4, K2, **kw), ["stride", "padding", "dilation", "groups"]),
    (lambda **kw: tconv.conv_transpose2d(X4, K2, **kw),
     ["stride", "padding", "output_padding", "dilation", "groups"]),
    (lambda **kw: tconv.conv1d(X4[0], K2[0], **kw), ["stride", "padding", "dilation"]),
    (lambda **kw: tconv.conv_transpose1d(X4[0], K2[0], **kw), ["stride", "padding"]),
    (lambda **kw: tconv.conv2d_backward(np.ones((1, 1, 3, 3)), X4, K2, **kw), ["groups"]),
    (lambda **kw: tconv.max_pool2d(X4, **{"kernel_size": 2, **kw}),
     ["kernel_size", "padding", "dilation"]),
    (lambda **kw: placements(X4[0, 0], K2[0, 0], **kw), ["stride", "padding", "dilation"]),
    (lambda **kw: tconv.insert_zeros(X4[0, 0], **kw), ["stride"]),
    (lambda **kw: tconv.pixel_shuffle(np.ones((4, 2, 2)), **kw), ["upscale_factor"]),
]
SCALED = [tconv.upsample_nearest, tconv.upsample_bilinear, tconv.bed_of_nails,
          tconv.upsample_nearest_loop, fixed_kernels.nearest_kernel]


@EXAMPLES
@given(st.data())
def test_random_illegal_settings_raise_naming_the_parameter(data):
    op, names = data.draw(st.sampled_from(OPS))
    name = data.draw(st.sampled_from(names))
    value = data.draw(ILLEGAL.filter(lambda v: not (name == "padding" and v in ("same",))))
    with pytest.raises((TypeError, ValueError), match=name):
        op(**{name: value})


@EXAMPLES
@given(st.sampled_from(SCALED), ILLEGAL_SCALE)
def test_random_illegal_scale_factors_raise_naming_the_parameter(fn, value):
    args = () if fn is fixed_kernels.nearest_kernel else (np.ones((2, 2)),)
    with pytest.raises((TypeError, ValueError), match="scale_factor"):
        fn(*args, value)


def test_real_numbers_take_0d_arrays_but_not_bools():
    assert _checks.as_real(np.array(0.5), "lr") == 0.5
    assert nn.SGD([nn.Parameter(np.zeros(1))], lr=np.float32(0.5)).lr == 0.5
    assert metrics.psnr(np.zeros(2), np.ones(2), data_range=np.array(1.0)) == 0.0
    for bad in (True, np.array(True), "1", None):
        with pytest.raises(TypeError, match="data_range must be a number"):
            metrics.psnr(np.zeros(2), np.ones(2), data_range=bad)


# The dtype rule ------------------------------------------------------------------------------

INTS = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]


@pytest.mark.parametrize("a", INTS)
@pytest.mark.parametrize("b", INTS)
def test_any_mix_of_integers_computes_in_int64(a, b):
    # int64 + uint64 would be float64 in numpy (losing precision); the rule says int64
    x, w = np.full((1, 1, 3, 3), 7, a), np.full((1, 1, 2, 2), 3, b)
    for fn in (tconv.conv2d, tconv.conv_transpose2d, conv2d_loop, conv_transpose2d_loop):
        y = fn(x, w)
        assert y.dtype == np.int64
        assert y.max() == 7 * 3 * 4
    assert placements(x[0, 0], w[0, 0]).output.dtype == np.int64
    grads = tconv.conv2d_backward(np.ones((1, 1, 2, 2), a), x, w)
    assert all(g.dtype == np.int64 for g in grads)


@pytest.mark.parametrize("fn", [tconv.conv2d, tconv.conv_transpose2d, conv2d_loop,
                                conv_transpose2d_loop])
def test_uint64_values_beyond_int64_are_refused_not_wrapped(fn):
    big = np.full((1, 1, 2, 2), 2**63, np.uint64)
    with pytest.raises(ValueError, match="input holds 9223372036854775808, more than int64"):
        fn(big, np.ones((1, 1, 1, 1), np.int64))
    with pytest.raises(ValueError, match="weight holds"):
        fn(np.ones((1, 1, 2, 2), np.int8), big)
    # the same values as floats are fine: the rule takes the float
    assert fn(big, np.ones((1, 1, 1, 1))).dtype == np.float64
    fits = np.full((1, 1, 2, 2), 2**63 - 1, np.uint64)
    assert fn(fits, np.ones((1, 1, 1, 1), np.uint8)).max() == 2**63 - 1


@pytest.mark.parametrize("ints, floats, want", [
    ([np.int64], [np.float32], np.float32), ([np.uint64], [np.float16, np.float32], np.float32),
    ([np.int8], [np.float64], np.float64), ([], [np.float32, np.float64], np.float64),
    ([np.int8, np.uint64], [], np.int64)])
def test_result_dtype_is_the_widest_float_or_int64(ints, floats, want):
    arrays = [np.zeros(1, t) for t in ints + floats]
    assert _checks.result_dtype(*arrays) == want


# Sizes ---------------------------------------------------------------------------------------

HUGE = [
    (lambda: tconv.conv_transpose2d(np.ones((9, 9)), np.ones((3, 3)), stride=10**6),
     "conv_transpose2d's output would have shape 1×1×8000003×8000003", "stride 1000000"),
    (lambda: tconv.conv_transpose2d(np.ones((9, 9)), np.ones((3, 3)), dilation=10**7),
     "conv_transpose2d's output", "dilation 10000000"),
    (lambda: tconv.conv_transpose1d(np.ones(3), np.ones(3), stride=10**10),
     "conv_transpose1d's output would have shape 1×1×20000000003", "stride 10000000000"),
    (lambda: tconv.conv2d(np.ones((3, 3)), np.ones((3, 3)), padding=10**6),
     "conv2d's output", "padding 1000000"),
    (lambda: conv2d_loop(np.ones((3, 3)), np.ones((3, 3)), stride=10**6, padding=10**6),
     "conv2d's padded input", "padding 1000000"),
    (lambda: tconv.conv_transpose2d(np.ones((3, 3)), np.ones((3, 3)), stride=10**18),
     "more than numpy can index", "stride 1000000000000000000"),
    (lambda: tconv.upsample_nearest(np.ones((3, 3)), 10**6), "the upsampled output",
     "scale_factor 1000000"),
    (lambda: tconv.upsample_bilinear(np.ones((3, 3)), (10**6, 1e6 + 0.5)), "the upsampled output",
     "scale_factor"),
    (lambda: tconv.bed_of_nails(np.ones((3, 3)), 10**6), "the upsampled output", "scale_factor"),
    (lambda: tconv.max_unpool2d(np.ones((3, 3)), np.zeros((3, 3), int), 2, stride=10**7),
     "max_unpool2d's output", "stride"),
    (lambda: placements(np.ones((3, 3)), np.ones((3, 3)), stride=10**6),
     "the placements' canvas", "stride 1000000"),
    (lambda: tconv.insert_zeros(np.ones((3, 3)), 10**6), "the zero-inserted input",
     "stride 1000000"),
    (lambda: tconv.conv_matrix((3000, 3000), np.ones((1, 1))), "the convolution matrix",
     "input_shape"),
    (lambda: tconv.views.conv_transpose2d_zero_insertion(np.ones((3, 3)), np.ones((3, 3)),
                                                         stride=10**6),
     "the output would have shape 2000003×2000003", "stride"),
    (lambda: fixed_kernels.nearest_kernel(10**6), "the kernel", "scale_factor"),
    (lambda: conv_input_sizes(1, 1, 10**9), "stride 1000000000 makes", "stride"),
    (lambda: tconv.deconvolve_least_squares(np.ones((58, 58)), np.ones((3, 3)), (60, 60)),
     "input_shape 60×60 is too large", "32×32"),
]


@pytest.mark.parametrize("call, what, setting", HUGE)
def test_arrays_too_large_are_refused_at_once_naming_the_settings(call, what, setting):
    # each of these would need terabytes (or more cells than numpy can index): a ValueError
    # before anything is allocated, saying which array and which setting
    with pytest.raises(ValueError, match=what) as err:
        call()
    assert setting.split()[0] in str(err.value)


def test_the_budget_is_a_quarter_of_the_memory_and_is_what_decides(monkeypatch):
    assert _checks.memory_budget() == _checks.machine_memory() // 4
    x, w = np.ones((1, 1, 10, 10)), np.ones((1, 1, 3, 3))
    tconv.conv_transpose2d(x, w, stride=10)  # 1×1×93×93 float64: 69 KB
    monkeypatch.setattr(_checks, "memory_budget_override", 60_000)
    with pytest.raises(ValueError, match=r"69.2 KB|67.6 KiB") as err:
        tconv.conv_transpose2d(x, w, stride=10)
    assert "more than a quarter of this machine's memory allows (58.6 KiB)" in str(err.value)
    assert "input (1 image of 10×10) and kernel_size 3, stride 10" in str(err.value)


# Floating-point warnings -------------------------------------------------------------------

SPECIAL = np.array([[np.inf, -np.inf, np.nan], [1e308, -1e308, 0.0], [1.0, 2.0, 3.0]])
QUIET_CALLS = [
    lambda x: tconv.conv2d(x, x),
    lambda x: tconv.conv2d(x, x, padding=1, stride=2),
    lambda x: tconv.conv_transpose2d(x, x, stride=2),
    lambda x: tconv.conv_transpose2d(x[None].repeat(9, 0), np.ones((9, 2, 3, 3))),
    lambda x: conv2d_loop(x, x),
    lambda x: conv_transpose2d_loop(x, x),
    lambda x: tconv.conv2d_backward(x[:1, :1], x, x),
    lambda x: tconv.conv1d(x[0], x[1]),
    lambda x: tconv.upsample_bilinear(x, 1.5),
    lambda x: tconv.max_pool2d(x, 2, 1),
    lambda x: placements(x, x).output,
    lambda x: tconv.gather(x, x, (1, 1)),
    lambda x: tconv.conv_transpose2d_matrix(x, x),
    lambda x: tconv.conv_transpose2d_zero_insertion(x, x, stride=2),
    lambda x: metrics.mse(x, -x),
    lambda x: nn.ReLU()(x),
    lambda x: nn.MSELoss()(x, x),
    lambda x: nn.Upsample(2, "bilinear")(x[None, None]),
]


@pytest.mark.parametrize("call", QUIET_CALLS)
def test_inf_and_nan_raise_no_numpy_warning(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning fails the test
        call(SPECIAL.copy())


def test_warnings_stay_quiet_in_the_worker_threads(monkeypatch):
    from tconv import conv as conv_module

    monkeypatch.setattr(conv_module, "_PARALLEL_WORK", 0)
    monkeypatch.setattr(conv_module, "_THREADS", 2)
    x = np.full((4, 2, 6, 6), np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = tconv.conv2d(x, -np.ones((2, 2, 3, 3)), padding=1)
    assert np.isnan(y).any() or np.isinf(y).all()
