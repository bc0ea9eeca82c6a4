"""The facts issue #22 states, re-measured on the real frameworks, and the ones found since.

Each test measures with the frameworks themselves (which window of the full output each one
keeps, by search; which PyTorch pairs match, by trying them all) and then checks that
``tconv.frameworks`` says the same. Inputs as in the issue: random 1×2×H×W, 2 -> 3 channels.
"""

from __future__ import annotations

import numpy as np
import pytest
from framework_runners import (  # release_compiled_code: an autouse fixture
    TOL,
    full_output,
    measured_cuts,
    need,
    need_all,
    release_compiled_code,  # noqa: F401
    run_flax,
    run_jax,
    run_keras,
    run_onnx,
    run_torch,
)
from tconv import frameworks as fw

torch, jax = need_all()
need("flax.linen")


def layer(size, k, seed=0):
    """x (1, 2, H, W) and w (2, 3, k, k), float32, as in the issue."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 2, *size)).astype(np.float32)
    w = rng.standard_normal((2, 3, k, k)).astype(np.float32)
    return x, w


def only_cut(x, w, y, stride, dilation=1):
    """The one window of the full output that y is (the search must find exactly one)."""
    cuts = measured_cuts(full_output(x, w, stride, dilation), y)
    assert len(cuts) == 1, cuts
    return tuple(tuple(c) for c in cuts[0])


def torch_pairs_matching(x, w, y, stride, dilation=1):
    """Every valid PyTorch (padding, output_padding) whose output equals y."""
    found = []
    for p in range(0, 4):
        for a in range(max(stride, dilation)):
            try:
                want = run_torch(x, w, None, stride=stride, padding=p, output_padding=a,
                                 dilation=dilation)
            except RuntimeError:
                continue  # the padding crops everything
            if want.shape == y.shape and np.allclose(want, y, **TOL):
                found.append((p, a))
    return found


def keras_same(x, w, s):
    return run_keras(x, w, None, kernel_size=w.shape[2:], strides=s, padding="same")


def jax_same(x, w, s):
    return run_jax(x, w, strides=(s, s), padding="SAME", transpose_kernel=True)


def onnx(x, w, s, runtime="ort", **attrs):
    return run_onnx(x, w, None, dict(kernel_shape=list(w.shape[2:]), strides=[s, s], **attrs),
                    runtime)


# ---------------------------------------------------------------------------------------
# The stated facts
# ---------------------------------------------------------------------------------------


def test_keras_same_k3_s2_is_no_pytorch_pair():
    x, w = layer((4, 4), 3)
    y = keras_same(x, w, 2)
    assert y.shape[2:] == (8, 8)
    assert torch_pairs_matching(x, w, y, 2) == []
    assert fw.from_keras(3, 2, "same").torch_pair is None


def test_keras_same_k4_s2_is_padding_1():
    x, w = layer((4, 4), 4)
    y = keras_same(x, w, 2)
    assert torch_pairs_matching(x, w, y, 2) == [(1, 0)]
    assert fw.from_keras(4, 2, "same").torch_pair == ((1, 1), (0, 0))


def test_same_keeps_the_first_8_of_9_rows_pytorch_the_last_8():
    x, w = layer((4, 4), 3)
    first8, last8 = ((0, 1), (0, 1)), ((1, 0), (1, 0))
    assert full_output(x, w, 2, 1).shape[2:] == (9, 9)
    assert only_cut(x, w, keras_same(x, w, 2), 2) == first8
    assert only_cut(x, w, jax_same(x, w, 2), 2) == first8
    for runtime in ("ort", "reference"):
        assert only_cut(x, w, onnx(x, w, 2, runtime, auto_pad="SAME_UPPER"), 2) == first8
    torch_same = run_torch(x, w, None, stride=2, padding=1, output_padding=1)
    assert only_cut(x, w, torch_same, 2) == last8
    assert torch_same.shape == keras_same(x, w, 2).shape  # same shape, shifted by one pixel
    assert not np.allclose(torch_same, keras_same(x, w, 2), **TOL)
    np.testing.assert_allclose(torch_same[:, :, :-1, :-1], keras_same(x, w, 2)[:, :, 1:, 1:],
                               **TOL)
    # tconv.frameworks says the same
    assert fw.kept_cells(fw.from_keras(3, 2, "same"), 4) == (fw.Kept(0, 8, 9),) * 2
    assert fw.kept_cells(fw.from_jax((3, 3), 2, "SAME"), 4) == (fw.Kept(0, 8, 9),) * 2
    assert fw.kept_cells(fw.from_onnx(3, 2, auto_pad="SAME_UPPER"), 4) == (fw.Kept(0, 8, 9),) * 2
    assert fw.kept_cells(fw.from_torch(3, 2, 1, 1), 4) == (fw.Kept(1, 9, 9),) * 2


def test_onnx_same_lower_is_pytorch_padding_1_output_padding_1_same_upper_none():
    x, w = layer((4, 4), 3)
    for runtime in ("ort", "reference"):
        lower = onnx(x, w, 2, runtime, auto_pad="SAME_LOWER")
        upper = onnx(x, w, 2, runtime, auto_pad="SAME_UPPER")
        assert torch_pairs_matching(x, w, lower, 2) == [(1, 1)]
        assert torch_pairs_matching(x, w, upper, 2) == []
    assert fw.from_onnx(3, 2, auto_pad="SAME_LOWER").torch_pair == ((1, 1), (1, 1))
    assert fw.from_onnx(3, 2, auto_pad="SAME_UPPER").torch_pair is None


def test_jax_kernel_flip_and_transpose_kernel():
    x, w = layer((4, 5), 3, seed=1)
    want = run_torch(x, w, None, stride=2)
    nchw = ("NCHW", "OIHW", "NCHW")

    def lax(kernel, transpose_kernel):
        y = jax.lax.conv_transpose(x, kernel, (2, 2), "VALID", dimension_numbers=nchw,
                                   transpose_kernel=transpose_kernel)
        return np.asarray(y, dtype=np.float64)

    # transpose_kernel=False: the kernel (C_out, C_in) must be PyTorch's flipped in H and W
    as_correlation = np.ascontiguousarray(w.transpose(1, 0, 2, 3))
    assert not np.allclose(lax(as_correlation, False), want, **TOL)
    np.testing.assert_allclose(lax(as_correlation[:, :, ::-1, ::-1].copy(), False), want, **TOL)
    # transpose_kernel=True: PyTorch's weight read as the forward conv's OIHW, unflipped
    np.testing.assert_allclose(lax(w, True), want, **TOL)
    np.testing.assert_array_equal(fw.jax_kernel(w, False, "OIHW"),
                                  as_correlation[:, :, ::-1, ::-1])
    np.testing.assert_array_equal(fw.jax_kernel(w, True, "OIHW"), w)


def test_valid_is_padding_0_only_while_the_stride_does_not_outrun_the_kernel():
    """Corrects the issue: Keras "valid" and JAX "VALID" pad to size*stride when s > span."""
    x, w1 = layer((4, 4), 1)
    _, w2 = layer((4, 4), 2)
    seen = []
    for w, s in [(w1, 1), (w1, 2), (w2, 2), (w2, 3), (w1, 4)]:
        spn = w.shape[2]
        keras_valid = run_keras(x, w, None, kernel_size=w.shape[2:], strides=s, padding="valid")
        jax_valid = run_jax(x, w, strides=(s, s), padding="VALID", transpose_kernel=True)
        onnx_valid = onnx(x, w, s, auto_pad="VALID")
        zeros = max(s - spn, 0)
        for y in (keras_valid, jax_valid):
            assert torch_pairs_matching(x, w, y, s) == [(0, zeros)]
            assert y.shape[2:] == (4 * s + max(spn - s, 0),) * 2
        assert torch_pairs_matching(x, w, onnx_valid, s) == [(0, 0)]
        assert fw.from_keras(spn, s, "valid").torch_pair == ((0, 0), (zeros, zeros))
        assert fw.from_jax((spn, spn), s, "VALID").torch_pair == ((0, 0), (zeros, zeros))
        assert fw.from_onnx(spn, s, auto_pad="VALID").torch_pair == ((0, 0), (0, 0))
        seen.append(zeros)
    assert seen == [0, 1, 0, 1, 3]  # k=1 s=2, k=2 s=3, k=1 s=4 differ from padding=0


# ---------------------------------------------------------------------------------------
# Found while building the translations
# ---------------------------------------------------------------------------------------


def test_keras_output_padding_is_not_pytorchs():
    """Keras "same" with output_padding=1 (k=3, s=2) keeps the first 8 rows, like no op."""
    x, w = layer((4, 4), 3)
    y = run_keras(x, w, None, kernel_size=(3, 3), strides=2, padding="same", output_padding=1)
    assert only_cut(x, w, y, 2) == ((0, 1), (0, 1))
    assert torch_pairs_matching(x, w, y, 2) == []
    assert fw.keras_cut(3, 2, "same", 1) == ((0, 1), (0, 1))


def test_onnx_same_upper_with_output_padding_is_pytorchs_same():
    """ONNX SAME_UPPER + output_padding=1 (k=3, s=2) equals PyTorch padding=1, output_padding=1."""
    x, w = layer((4, 4), 3)
    for runtime in ("ort", "reference"):
        y = onnx(x, w, 2, runtime, auto_pad="SAME_UPPER", output_padding=[1, 1])
        assert torch_pairs_matching(x, w, y, 2) == [(1, 1)]
    assert fw.from_onnx(3, 2, auto_pad="SAME_UPPER", output_padding=1).torch_pair == \
        ((1, 1), (1, 1))


def test_flax_defaults_to_same():
    x, w = layer((4, 4), 3)
    nn = need("flax.linen")
    default = nn.ConvTranspose(features=3, kernel_size=(3, 3), strides=(2, 2), use_bias=False)
    y = default.apply({"params": {"kernel": fw.flax_kernel(w)}}, fw.relayout(x, "NCHW", "NHWC"))
    y = fw.relayout(np.asarray(y, dtype=np.float64), "NHWC", "NCHW")
    np.testing.assert_allclose(y, keras_same(x, w, 2), **TOL)
    assert fw.from_flax((3, 3), 2) == fw.from_keras(3, 2, "same")
    np.testing.assert_allclose(run_flax(x, w, None, kernel_size=(3, 3), strides=2,
                                        padding="SAME"), y, **TOL)


def test_onnx_same_with_stride_past_the_kernel_is_undefined_and_runtimes_disagree():
    """k=1, s=2: SAME would need pads of -1. onnxruntime keeps the full output (7 of 4*2 rows);
    the reference evaluator gives 8, adding the zero row first (SAME_UPPER) or last (LOWER)."""
    x, w = layer((4, 4), 1)
    ort = onnx(x, w, 2, "ort", auto_pad="SAME_UPPER")
    assert only_cut(x, w, ort, 2) == ((0, 0), (0, 0))
    upper = onnx(x, w, 2, "reference", auto_pad="SAME_UPPER")
    lower = onnx(x, w, 2, "reference", auto_pad="SAME_LOWER")
    assert (-1, 0) in [c[0] for c in measured_cuts(full_output(x, w, 2, 1), upper)]
    assert (0, -1) in [c[0] for c in measured_cuts(full_output(x, w, 2, 1), lower)]
    with pytest.raises(ValueError, match="negative pads"):
        fw.from_onnx(1, 2, auto_pad="SAME_UPPER")


def test_onnx_runtimes_reject_output_padding_past_the_stride():
    """The spec allows output_padding < stride or dilation; both runtimes need < stride."""
    x, w = layer((4, 4), 2)
    attrs = dict(dilations=[3, 3], output_padding=[1, 1], pads=[0, 0, 0, 0])
    for runtime in ("ort", "reference"):
        with pytest.raises(Exception):  # noqa: B017 (each runtime raises its own type)
            onnx(x, w, 1, runtime, **attrs)
    want = run_torch(x, w, None, stride=1, output_padding=1, dilation=3)  # PyTorch allows it
    assert want.shape[2:] == (8, 8)
    with pytest.raises(ValueError, match="smaller than strides"):
        fw.to_onnx(fw.from_torch(2, 1, 0, 1, 3))


def test_onnx_reference_evaluator_limits():
    """onnx's ReferenceEvaluator: group > 1 gives wrong numbers or fails, and so does
    output_shape without auto_pad; onnxruntime gets both right. (If this starts failing, the
    reference has been fixed: draw those settings for it in test_fw_onnx.py too.)"""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 4, 3, 3)).astype(np.float32)
    w = rng.standard_normal((4, 1, 3, 3)).astype(np.float32)
    attrs = dict(kernel_shape=[3, 3], strides=[2, 2], group=2)
    want = run_torch(x, w, None, stride=2, groups=2)
    np.testing.assert_allclose(run_onnx(x, w, None, attrs, "ort"), want, **TOL)
    try:
        wrong = not np.allclose(run_onnx(x, w, None, attrs, "reference"), want, **TOL)
    except ValueError:
        wrong = True
    assert wrong
    x, w = layer((4, 4), 3)
    attrs = dict(kernel_shape=[3, 3], strides=[2, 2], output_shape=[8, 8])
    want = run_torch(x, w, None, stride=2, padding=1, output_padding=1)  # the spec's pads
    np.testing.assert_allclose(run_onnx(x, w, None, attrs, "ort"), want, **TOL)
    assert fw.from_onnx(3, 2, output_shape=(8, 8), size=4).torch_pair == ((1, 1), (1, 1))
    with pytest.raises(ValueError):
        run_onnx(x, w, None, attrs, "reference")
