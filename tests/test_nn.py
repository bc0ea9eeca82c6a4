"""tconv.nn: every layer's backward matches central differences, training lowers the loss.

Oracles: central finite differences in float64 (independent of the backward code), the
linear-algebra identities of the layers (ICNR starts as nearest upsampling, a bilinear kernel
makes a transposed convolution bilinear upsampling, the bilinear matrix is the map), hand
computations of the optimisers, and ``torch.nn`` when PyTorch is installed.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from hypothesis import given, settings
from hypothesis import strategies as st
from tconv import nn
from tconv.book import data

try:
    import torch
except ImportError:  # torch is an optional oracle
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed (optional oracle)")
F64 = np.float64


def numerical_grad(f, a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to every element of ``a``."""
    grad = np.zeros_like(a, dtype=F64)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + eps
        up = f()
        a[i] = old - eps
        down = f()
        a[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def check_layer_gradients(layer, x: np.ndarray, seed: int = 0, tol: float = 1e-6):
    """Backward of ``layer`` at ``x`` against central differences of L = sum(y * g)."""
    rng = np.random.default_rng(seed)
    y = layer.forward(x)
    g = rng.standard_normal(y.shape)
    layer.zero_grad()
    grad_x = layer.backward(g)

    def loss():
        return float(np.sum(layer.forward(x) * g))

    np.testing.assert_allclose(grad_x, numerical_grad(loss, x), atol=tol, rtol=tol)
    for p in layer.parameters():
        np.testing.assert_allclose(p.grad, numerical_grad(loss, p.data), atol=tol, rtol=tol)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# Gradient checks, layer by layer ---------------------------------------------------------------

CONV_SETTINGS = [  # (kernel_size, stride, padding, dilation, groups)
    (3, 1, 0, 1, 1),
    (3, 2, 1, 1, 1),
    ((2, 3), (1, 2), (1, 0), 1, 2),
    (3, 1, 2, 2, 1),
    (1, 1, 0, 1, 2),
]


@pytest.mark.parametrize("k, s, p, d, groups", CONV_SETTINGS)
def test_conv2d_backward_matches_central_differences(k, s, p, d, groups):
    layer = nn.Conv2d(2, 4, k, s, p, d, groups, rng=1, dtype=F64)
    check_layer_gradients(layer, randn(2, 2, 6, 5))


TRANSPOSE_SETTINGS = [  # (kernel_size, stride, padding, output_padding, groups, dilation)
    (3, 1, 0, 0, 1, 1),
    (4, 2, 1, 0, 1, 1),
    (3, 2, 1, 1, 2, 1),
    ((2, 3), (3, 2), (0, 1), (2, 1), 1, 1),
    (3, 1, 1, 1, 1, 2),  # output_padding >= stride, allowed because dilation > stride
    (6, 2, 2, 0, 2, 1),
    (3, 1000, (1499, 1999), 0, 1, 1),  # a huge stride, the output cropped to 5×5
    (3, 1, 1000, 0, 2, 1000),  # a huge dilation, likewise
]


@pytest.mark.parametrize("k, s, p, op, groups, d", TRANSPOSE_SETTINGS)
def test_conv_transpose2d_backward_matches_central_differences(k, s, p, op, groups, d):
    layer = nn.ConvTranspose2d(2, 4, k, s, p, op, groups, dilation=d, rng=2, dtype=F64)
    check_layer_gradients(layer, randn(2, 2, 4, 5))


@pytest.mark.parametrize("k, s, p, op, groups, d", TRANSPOSE_SETTINGS)
def test_transpose_weight_grad_is_conv2d_backward_with_roles_swapped(k, s, p, op, groups, d):
    # y = conv_transpose2d(x, w) is the input-gradient of a convolution that maps y-shaped
    # arrays to x-shaped ones, so its weight gradient is that convolution's weight gradient
    layer = nn.ConvTranspose2d(4, 2, k, s, p, op, groups, dilation=d, rng=3, dtype=F64)
    x = randn(2, 4, 4, 5)
    g = randn(*layer.forward(x).shape, seed=1)
    ours = nn.conv_transpose2d_weight_grad(x, g, layer.weight.data.shape, layer.stride,
                                           layer.padding, layer.output_padding, groups,
                                           layer.dilation)
    if op == 0:  # then conv2d(g) has exactly x's shape and conv2d_backward accepts x as is
        _, swapped, _ = tconv.conv2d_backward(x, g, layer.weight.data, s, p, d, groups)
        np.testing.assert_allclose(ours, swapped, atol=1e-12)
    assert ours.shape == layer.weight.data.shape


def test_relu_backward_matches_central_differences():
    x = randn(2, 3, 4, 4)
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink, where the derivative jumps
    check_layer_gradients(nn.ReLU(), x)


def test_relu_passes_gradient_only_where_input_was_positive():
    relu = nn.ReLU()
    relu.forward(np.array([[[[-1.0, 0.0, 2.0]]]]))
    np.testing.assert_array_equal(relu.backward(np.ones((1, 1, 1, 3))), [[[[0, 0, 1]]]])


def test_relu_keeps_nan_and_passes_its_gradient_as_pytorch_does():
    # torch.relu(nan) is nan and its gradient there is 1 (it masks where the output is <= 0)
    relu = nn.ReLU()
    y = relu.forward(np.array([np.nan, -np.inf, np.inf, -1.0, 2.0]))
    np.testing.assert_array_equal(y, [np.nan, 0.0, np.inf, 0.0, 2.0])
    np.testing.assert_array_equal(relu.backward(np.ones(5)), [1, 0, 1, 0, 1])


@pytest.mark.parametrize("decoder", nn.SegmentationNet.DECODERS)
def test_a_nan_in_the_batch_makes_the_loss_nan_at_once(decoder):
    # before: ReLU turned NaN into 0, so the loss stayed finite (and fell) while the NaN
    # reached the weights through the gradients
    net = nn.SegmentationNet(decoder, width=4, rng=0, dtype=np.float64)
    x = randn(2, 1, 8, 8)
    t = np.random.default_rng(0).integers(0, 4, (2, 8, 8))
    x[1, 0, 3, 5] = np.nan
    loss = nn.CrossEntropyLoss()
    assert np.isnan(loss.forward(net.forward(x), t))
    assert np.isnan(nn.MSELoss().forward(net.forward(x), np.zeros((2, 4, 8, 8))))
    net.backward(loss.backward())
    assert any(np.isnan(p.grad).any() for p in net.parameters())  # not silently clean


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("scale", [2, 3, (2, 3), 2.0, 1.5, (2.5, 0.75)])
def test_upsample_backward_matches_central_differences(mode, scale):
    check_layer_gradients(nn.Upsample(scale, mode), randn(2, 2, 3, 4))


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_upsample_forward_is_tconv_upsampling(mode):
    x = randn(1, 2, 3, 5)
    fixed = tconv.upsample_nearest if mode == "nearest" else tconv.upsample_bilinear
    np.testing.assert_array_equal(nn.Upsample(2, mode).forward(x), fixed(x, 2))


def test_pixel_shuffle_backward_matches_central_differences():
    check_layer_gradients(nn.PixelShuffle(2), randn(2, 8, 3, 2))


def test_sequential_backward_matches_central_differences():
    net = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1, rng=4, dtype=F64), nn.ReLU(),
                        nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1, rng=5, dtype=F64),
                        nn.Upsample(2, "bilinear"), nn.Conv2d(2, 4, 1, rng=6, dtype=F64),
                        nn.PixelShuffle(2))
    check_layer_gradients(net, randn(2, 1, 3, 3) + 0.3)
    assert len(net.parameters()) == 6


def test_concat_backward_splits_the_gradient():
    cat = nn.Concat()
    a, b = randn(2, 1, 3, 3), randn(2, 2, 3, 3, seed=1)
    y = cat.forward(a, b)
    g = randn(*y.shape, seed=2)
    ga, gb = cat.backward(g)

    def loss():
        return float(np.sum(cat.forward(a, b) * g))

    np.testing.assert_allclose(ga, numerical_grad(loss, a), atol=1e-7)
    np.testing.assert_allclose(gb, numerical_grad(loss, b), atol=1e-7)


@pytest.mark.parametrize("decoder", nn.SegmentationNet.DECODERS)
def test_segmentation_net_backward_matches_central_differences(decoder):
    net = nn.SegmentationNet(decoder, width=2, num_classes=3, rng=7, dtype=F64)
    x = randn(1, 1, 8, 8)
    rng = np.random.default_rng(0)
    y = net.forward(x)
    g = rng.standard_normal(y.shape)
    net.zero_grad()
    grad_x = net.backward(g)

    def loss():
        return float(np.sum(net.forward(x) * g))

    np.testing.assert_allclose(grad_x, numerical_grad(loss, x), atol=1e-6)
    for p in net.parameters()[:3] + net.parameters()[-2:]:  # first and last layers
        np.testing.assert_allclose(p.grad, numerical_grad(loss, p.data), atol=1e-6)


# Losses ----------------------------------------------------------------------------------------

def test_mse_loss_value_and_gradient():
    mse = nn.MSELoss()
    p, t = randn(2, 1, 3, 3), randn(2, 1, 3, 3, seed=1)
    assert mse.forward(p, t) == pytest.approx(np.mean((p - t) ** 2))
    np.testing.assert_allclose(mse.backward(), numerical_grad(lambda: mse.forward(p, t), p),
                               atol=1e-8)


def test_cross_entropy_gradient_matches_central_differences():
    ce = nn.CrossEntropyLoss()
    z = randn(2, 4, 3, 3) * 3
    t = np.random.default_rng(1).integers(0, 4, (2, 3, 3))
    ce.forward(z, t)
    np.testing.assert_allclose(ce.backward(), numerical_grad(lambda: ce.forward(z, t), z),
                               atol=1e-8)


def test_cross_entropy_of_uniform_scores_is_log_k_and_survives_huge_logits():
    ce = nn.CrossEntropyLoss()
    t = np.zeros((1, 2, 2), dtype=np.int64)
    assert ce.forward(np.zeros((1, 5, 2, 2)), t) == pytest.approx(np.log(5))
    z = np.zeros((1, 2, 2, 2))
    z[:, 0] = 1000.0  # the right class by a huge margin: loss 0, no overflow
    assert ce.forward(z, t) == pytest.approx(0.0)
    assert np.all(np.isfinite(ce.backward()))


# Optimisers ------------------------------------------------------------------------------------

def test_sgd_with_momentum_follows_its_update_rule():
    p = nn.Parameter(np.array([1.0, -2.0]))
    opt = nn.SGD([p], lr=0.1, momentum=0.5)
    p.grad[...] = [1.0, 2.0]
    opt.step()  # v = g, p -= 0.1 g
    np.testing.assert_allclose(p.data, [0.9, -2.2])
    opt.step()  # v = 0.5 g + g = 1.5 g
    np.testing.assert_allclose(p.data, [0.75, -2.5])


def test_adam_first_step_moves_each_parameter_by_lr():
    # after one step the bias-corrected ratio m/sqrt(v) is sign(g): a step of lr exactly
    p = nn.Parameter(np.array([1.0, 1.0, 1.0]))
    opt = nn.Adam([p], lr=0.01, eps=1e-12)
    p.grad[...] = [1e-3, -5.0, 100.0]
    opt.step()
    np.testing.assert_allclose(p.data, [0.99, 1.01, 0.99])


@pytest.mark.parametrize("make", [lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: nn.Adam(ps, lr=0.05)])
def test_optimisers_find_the_minimum_of_a_quadratic(make):
    target = np.array([3.0, -1.0])
    p = nn.Parameter(np.zeros(2))
    opt = make([p])
    for _ in range(300):
        opt.zero_grad()
        p.grad += 2 * (p.data - target)
        opt.step()
    np.testing.assert_allclose(p.data, target, atol=1e-2)


def test_training_steps_lower_the_loss_of_a_tiny_upsampler():
    rng = np.random.default_rng(0)
    hr = rng.random((4, 1, 8, 8))
    lr = data.downsample_box(hr, 2)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, rng=0, dtype=F64), nn.ReLU(),
                        nn.ConvTranspose2d(4, 1, 4, stride=2, padding=1, rng=1, dtype=F64))
    loss_fn, opt = nn.MSELoss(), nn.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        losses.append(loss_fn.forward(net.forward(lr), hr))
        net.zero_grad()
        net.backward(loss_fn.backward())
        opt.step()
    assert losses[-1] < 0.5 * losses[0]


def test_training_steps_lower_the_loss_of_a_segmentation_net():
    images, labels = data.shapes_dataset(4, size=16, rng=0)
    net = nn.SegmentationNet("skip", width=4, rng=0)
    loss_fn, opt = nn.CrossEntropyLoss(), nn.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(20):
        losses.append(loss_fn.forward(net.forward(images), labels))
        net.zero_grad()
        net.backward(loss_fn.backward())
        opt.step()
    assert losses[-1] < 0.7 * losses[0]


# Initialisers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("s", [2, 4])
def test_bilinear_kernel_makes_transposed_conv_bilinear_upsampling(s):
    x = randn(1, 1, 6, 7)
    w = nn.bilinear_kernel(2 * s)[None, None]
    y = tconv.conv_transpose2d(x, w, stride=s, padding=s // 2)
    expected = tconv.upsample_bilinear(x, s)
    assert y.shape == expected.shape
    inner = (..., slice(s, -s), slice(s, -s))  # away from the border, where bilinear clamps
    np.testing.assert_allclose(y[inner], expected[inner], atol=1e-12)


def test_bilinear_kernel_for_scale_two_is_the_fcn_tent():
    np.testing.assert_allclose(nn.bilinear_kernel(4)[0], [1 / 16, 3 / 16, 3 / 16, 1 / 16])
    np.testing.assert_allclose(nn.bilinear_kernel(3), np.outer([.5, 1, .5], [.5, 1, .5]))


def test_bilinear_weight_upsamples_every_channel_on_its_own():
    x = randn(2, 3, 5, 5)
    y = tconv.conv_transpose2d(x, nn.bilinear_weight(3, 4), stride=2, padding=1)
    expected = tconv.upsample_bilinear(x, 2)
    np.testing.assert_allclose(y[..., 2:-2, 2:-2], expected[..., 2:-2, 2:-2], atol=1e-12)


@pytest.mark.parametrize("r", [2, 3])
def test_icnr_starts_as_convolution_then_nearest_upsampling(r):
    w = randn(2 * r * r, 3, 3, 3)
    x = randn(2, 3, 4, 5, seed=1)
    w_icnr = nn.icnr(w, r)
    shuffled = tconv.pixel_shuffle(tconv.conv2d(x, w_icnr, padding=1), r)
    nearest = tconv.upsample_nearest(tconv.conv2d(x, w[:: r * r], padding=1), r)
    np.testing.assert_allclose(shuffled, nearest, atol=1e-12)


@pytest.mark.parametrize("r, k, p", [(2, 3, 1), (3, 3, 1), (2, 1, 0), (2, 3, 0), (3, 2, 1)])
def test_subpixel_convolution_is_a_transposed_convolution(r, k, p):
    w = randn(2 * r * r, 3, k, k)
    x = randn(2, 3, 4, 5, seed=1)
    shuffled = tconv.pixel_shuffle(tconv.conv2d(x, w, padding=p), r)
    kernel = nn.subpixel_as_transposed(w, r)
    assert kernel.shape == (3, 2, r * k, r * k)
    transposed = tconv.conv_transpose2d(x, kernel, stride=r, padding=r * (k - 1 - p))
    np.testing.assert_allclose(transposed, shuffled, atol=1e-12)


def test_kaiming_normal_has_variance_two_over_fan_in():
    conv = nn.kaiming_normal(nn.Conv2d(64, 64, 3, dtype=F64), rng=0)
    assert conv.weight.data.std() == pytest.approx(np.sqrt(2 / (64 * 9)), rel=0.02)
    assert np.all(conv.bias.data == 0)
    up = nn.kaiming_normal(nn.ConvTranspose2d(64, 64, 4, stride=2, dtype=F64), rng=0)
    # each output of a stride-2, 4×4 transposed convolution sums 64 · 16 / 4 products
    assert up.weight.data.std() == pytest.approx(np.sqrt(2 / (64 * 4)), rel=0.02)
    with pytest.raises(TypeError, match="layer must be a Conv2d or ConvTranspose2d"):
        nn.kaiming_normal(nn.ReLU())


def test_segmentation_net_learned_decoders_start_as_bilinear_upsampling():
    x = np.random.default_rng(0).random((2, 1, 16, 16)).astype(np.float32)
    bilinear = nn.SegmentationNet("bilinear", rng=0).forward(x)
    inner = (..., slice(4, -4), slice(4, -4))  # away from the border, where bilinear clamps
    np.testing.assert_allclose(nn.SegmentationNet("transposed", rng=0).forward(x)[inner],
                               bilinear[inner], atol=1e-5)
    skip = nn.SegmentationNet("skip", rng=0)
    y = skip.forward(x)
    scores = skip.score.forward(skip.enc3.forward(skip.enc2.forward(skip.enc1.forward(x))))
    twice = tconv.upsample_bilinear(tconv.upsample_bilinear(scores, 2), 2)
    np.testing.assert_allclose(y[inner], twice[inner], atol=1e-5)


@pytest.mark.parametrize("size, s", [(1, 2), (5, 2), (4, 3)])
def test_bilinear_matrix_is_the_map(size, s):
    x = randn(size)
    A = nn.bilinear_matrix(size, s)
    y = tconv.upsample_bilinear(x[None, :, None], (s, 1))[0, :, 0]
    np.testing.assert_allclose(A @ x, y, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(cin=st.integers(1, 4), cout=st.integers(1, 4), k=st.integers(1, 4),
       s=st.integers(1, 3), p=st.integers(0, 2), h=st.integers(1, 5))
def test_layer_output_shapes_follow_the_formulas(cin, cout, k, s, p, h):
    x = np.zeros((2, cin, h, h + 1), dtype=np.float32)
    up = nn.ConvTranspose2d(cin, cout, k, s, p, rng=0)
    try:
        expected = tconv.conv_transpose_output_size((h, h + 1), k, s, p)
    except ValueError:  # padding crops the whole output: the layer must refuse as well
        with pytest.raises(ValueError, match="padding"):
            up.forward(x)
    else:
        assert up.forward(x).shape == (2, cout, *expected)
    if k <= h + 2 * p:
        down = nn.Conv2d(cin, cout, k, s, p, rng=0)
        assert down.forward(x).shape == (2, cout, *tconv.conv_output_size((h, h + 1), k, s, p))


def test_default_initialisation_is_pytorchs_bound_and_seeded():
    a = nn.Conv2d(4, 8, 3, rng=0)
    bound = 1 / np.sqrt(4 * 9)
    assert np.abs(a.weight.data).max() <= bound and np.abs(a.weight.data).max() > 0.8 * bound
    np.testing.assert_array_equal(a.weight.data, nn.Conv2d(4, 8, 3, rng=0).weight.data)
    assert a.weight.data.dtype == np.float32


# Segmentation metrics --------------------------------------------------------------------------

def test_iou_per_class_by_hand():
    pred = np.array([[0, 0, 1], [1, 1, 2]])
    true = np.array([[0, 1, 1], [1, 1, 1]])
    # class 0: 1 shared of 2; class 1: 3 of 5; class 2: 0 of 1; class 3 absent from both
    np.testing.assert_allclose(nn.iou_per_class(pred, true, 4), [0.5, 0.6, 0.0, np.nan])
    assert nn.mean_iou(pred, true, 4) == pytest.approx((0.5 + 0.6 + 0.0) / 3)
    assert nn.mean_iou(true, true, 4) == 1.0


# Bad input -------------------------------------------------------------------------------------

def test_backward_before_forward_says_so():
    with pytest.raises(RuntimeError, match="before forward"):
        nn.Conv2d(1, 1, 3).backward(np.zeros((1, 1, 1, 1)))
    with pytest.raises(RuntimeError, match="before forward"):
        nn.CrossEntropyLoss().backward()


@pytest.mark.parametrize("make, x, match", [
    (lambda: nn.Conv2d(3, 2, 3), np.zeros((1, 2, 5, 5)), "3 channels"),
    (lambda: nn.ConvTranspose2d(3, 2, 3), np.zeros((3, 5, 5)), "input must have shape"),
    (lambda: nn.Upsample(2), np.zeros((5, 5)), "input must have shape"),
    (lambda: nn.PixelShuffle(2), np.zeros((1, 3, 2, 2)), "divisible by upscale_factor"),
])
def test_bad_layer_inputs_are_named(make, x, match):
    with pytest.raises(ValueError, match=match):
        make().forward(x)


def test_grad_output_of_the_wrong_shape_is_named():
    layer = nn.ConvTranspose2d(1, 1, 4, stride=2, padding=1)
    layer.forward(np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="grad_output of ConvTranspose2d must have the shape"):
        layer.backward(np.zeros((1, 1, 3, 3)))


@pytest.mark.parametrize("make, error, match", [
    (lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, "divisible by groups"),
    (lambda: nn.Conv2d(0, 4, 3), ValueError, "in_channels must be positive"),
    (lambda: nn.Conv2d(1, 4, 2.5), TypeError, "kernel_size must be an integer"),
    (lambda: nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2), ValueError,
     "output_padding"),
    (lambda: nn.Upsample(2, mode="bicubic"), ValueError, "mode must be one of"),
    (lambda: nn.Upsample(0), ValueError, "scale_factor must be positive"),
    (lambda: nn.Upsample(-1.5), ValueError, "scale_factor must be positive"),
    (lambda: nn.Conv2d(1, 1, 3, stride=2, padding="same"), ValueError,
     "padding='same' needs stride 1"),
    (lambda: nn.Conv2d(1, 1, 3, padding="full"), ValueError, "'valid' or 'same'"),
    (lambda: nn.SGD([nn.Parameter(np.zeros(1))], lr=np.inf), ValueError,
     "lr must be positive and finite"),
    (lambda: nn.Sequential(nn.ReLU(), np.zeros(3)), TypeError, "layer 1 must be"),
    (lambda: nn.SGD([], lr=0.1), ValueError, "at least one Parameter"),
    (lambda: nn.SGD([nn.Parameter(1.0)], lr=0), ValueError, "lr must be positive"),
    (lambda: nn.SGD([nn.Parameter(1.0)], lr=0.1, momentum=1.0), ValueError, "momentum"),
    (lambda: nn.Adam([np.zeros(3)]), TypeError, r"params\[0\] must be"),
    (lambda: nn.Adam([nn.Parameter(1.0)], betas=(0.9,)), ValueError, "betas"),
    (lambda: nn.icnr(np.zeros((6, 1, 3, 3)), 2), ValueError, "divisible by upscale_factor"),
    (lambda: nn.SegmentationNet("deconv"), ValueError, "decoder must be one of"),
    (lambda: nn.Concat().forward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 2))), ValueError,
     "share batch size and image size"),
])
def test_bad_settings_are_named(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("z, t, error, match", [
    (np.zeros((1, 3, 2, 2)), np.zeros((1, 2, 2)), TypeError, "integer class indices"),
    (np.zeros((1, 3, 2, 2)), np.zeros((1, 2, 3), dtype=int), ValueError, "target must have"),
    (np.zeros((1, 3, 2, 2)), np.full((1, 2, 2), 3), ValueError, r"class indices in \[0, 2\]"),
    (np.zeros((3, 2, 2)), np.zeros((1, 2, 2), dtype=int), ValueError, "logits must have"),
])
def test_bad_cross_entropy_arguments_are_named(z, t, error, match):
    with pytest.raises(error, match=match):
        nn.CrossEntropyLoss().forward(z, t)


# PyTorch, when installed -----------------------------------------------------------------------

def _torch_layer_grads(module, x, g):
    xt = torch.tensor(x, requires_grad=True)
    yt = module(xt)
    yt.backward(torch.tensor(g))
    return yt.detach().numpy(), xt.grad.numpy()


@needs_torch
@pytest.mark.parametrize("k, s, p, op, groups, d", TRANSPOSE_SETTINGS)
def test_conv_transpose2d_layer_matches_torch(k, s, p, op, groups, d):
    ours = nn.ConvTranspose2d(2, 4, k, s, p, op, groups, dilation=d, rng=0, dtype=F64)
    theirs = torch.nn.ConvTranspose2d(2, 4, k, s, p, op, groups, dilation=d, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
        theirs.bias.copy_(torch.tensor(ours.bias.data))
    x = randn(2, 2, 4, 5)
    y = ours.forward(x)
    g = randn(*y.shape, seed=1)
    grad_x = ours.backward(g)
    y_t, grad_x_t = _torch_layer_grads(theirs, x, g)
    np.testing.assert_allclose(y, y_t, atol=1e-12)
    np.testing.assert_allclose(grad_x, grad_x_t, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), atol=1e-12)


@needs_torch
@pytest.mark.parametrize("k, s, p, d, groups", CONV_SETTINGS)
def test_conv2d_layer_matches_torch(k, s, p, d, groups):
    ours = nn.Conv2d(2, 4, k, s, p, d, groups, rng=0, dtype=F64)
    theirs = torch.nn.Conv2d(2, 4, k, s, p, d, groups, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
        theirs.bias.copy_(torch.tensor(ours.bias.data))
    x = randn(2, 2, 6, 5)
    y = ours.forward(x)
    g = randn(*y.shape, seed=1)
    grad_x = ours.backward(g)
    y_t, grad_x_t = _torch_layer_grads(theirs, x, g)
    np.testing.assert_allclose(y, y_t, atol=1e-12)
    np.testing.assert_allclose(grad_x, grad_x_t, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), atol=1e-12)


@needs_torch
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("scale", [(2, 3), (1.5, 2.5), 0.7])
def test_upsample_layer_gradient_matches_torch(mode, scale):
    x = randn(2, 3, 4, 5)
    ours = nn.Upsample(scale, mode)
    y = ours.forward(x)
    g = randn(*y.shape, seed=1)
    theirs = torch.nn.Upsample(scale_factor=scale, mode=mode)
    y_t, grad_x_t = _torch_layer_grads(theirs, x, g)
    np.testing.assert_allclose(y, y_t, atol=1e-12)
    np.testing.assert_allclose(ours.backward(g), grad_x_t, atol=1e-12)


@needs_torch
def test_cross_entropy_matches_torch():
    z = randn(2, 4, 3, 5) * 2
    t = np.random.default_rng(1).integers(0, 4, (2, 3, 5))
    ce = nn.CrossEntropyLoss()
    zt = torch.tensor(z, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(zt, torch.tensor(t))
    lt.backward()
    assert ce.forward(z, t) == pytest.approx(lt.item(), abs=1e-12)
    np.testing.assert_allclose(ce.backward(), zt.grad.numpy(), atol=1e-12)


@needs_torch
def test_adam_matches_torch_over_several_steps():
    w0 = randn(3, 4)
    grads = [randn(3, 4, seed=s) for s in range(1, 6)]
    p = nn.Parameter(w0.copy())
    ours = nn.Adam([p], lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    pt = torch.tensor(w0.copy(), requires_grad=True)
    theirs = torch.optim.Adam([pt], lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    for g in grads:
        p.grad[...] = g
        ours.step()
        pt.grad = torch.tensor(g)
        theirs.step()
    np.testing.assert_allclose(p.data, pt.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv2d_layer_takes_padding_modes(padding):
    layer = nn.Conv2d(2, 3, (4, 3), padding=padding, rng=0, dtype=np.float64)
    x = randn(2, 2, 6, 5)
    y = layer.forward(x)
    assert y.shape == ((2, 3, 6, 5) if padding == "same" else (2, 3, 3, 3))
    check_layer_gradients(layer, x)


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")  # torch's own note
def test_conv2d_layer_with_padding_same_matches_torch():
    layer = nn.Conv2d(2, 3, (4, 3), padding="same", dilation=(1, 2), rng=0, dtype=np.float64)
    theirs = torch.nn.Conv2d(2, 3, (4, 3), padding="same", dilation=(1, 2)).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(layer.weight.data))
        theirs.bias.copy_(torch.from_numpy(layer.bias.data))
    x = randn(2, 2, 6, 5)
    y_t, grad_x_t = _torch_layer_grads(theirs, x, randn(2, 3, 6, 5, seed=1))
    np.testing.assert_allclose(layer.forward(x), y_t, atol=1e-12)
    np.testing.assert_allclose(layer.backward(randn(2, 3, 6, 5, seed=1)), grad_x_t, atol=1e-12)


@needs_torch
def test_nan_travels_through_the_layers_as_in_torch():
    x = randn(1, 2, 5, 5)
    x[0, 1, 2, 2] = np.nan
    conv = nn.Conv2d(2, 2, 3, padding=1, rng=0, dtype=np.float64)
    ours = nn.ReLU().forward(conv.forward(x))
    t_conv = torch.nn.Conv2d(2, 2, 3, padding=1).double()
    with torch.no_grad():
        t_conv.weight.copy_(torch.from_numpy(conv.weight.data))
        t_conv.bias.copy_(torch.from_numpy(conv.bias.data))
        theirs = torch.relu(t_conv(torch.from_numpy(x))).numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-12)  # NaN where torch has NaN
    assert np.isnan(ours).sum() == 2 * 9


@pytest.mark.parametrize("make, what", [
    (lambda: nn.Conv2d(10**5, 10**5, 100), "the layer's weight"),
    (lambda: nn.ConvTranspose2d(1, 1, 10**6), "the layer's weight"),
    (lambda: nn.bilinear_weight(10**5, 64), "the weight"),
    (lambda: nn.bilinear_kernel(10**6), "the kernel"),
    (lambda: nn.interpolation_matrix(10**3, 10**7), "the interpolation matrix"),
    (lambda: nn.iou_per_class([0], [0], 10**9), "num_classes must be at most"),
])
def test_sizes_too_large_are_refused_before_allocating(make, what):
    with pytest.raises(ValueError, match=what):
        make()
