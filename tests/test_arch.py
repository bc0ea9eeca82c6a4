"""Shapes and costs of layer stacks (tconv.arch).

Oracles: running the real tconv operations on an array and reading the shapes; the sum of a
convolution of all-ones arrays (each output value is then the count of its multiply-adds);
PyTorch's ``FlopCounterMode`` (2 FLOPs per multiply-add) and its layers' parameter counts
when PyTorch is installed (skipped with a reason otherwise).
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from hypothesis import given, settings
from hypothesis import strategies as st
from tconv import arch

EXAMPLES = settings(max_examples=25, deadline=None)


def _torch():
    return pytest.importorskip("torch", reason="PyTorch not installed (optional oracle)")


def _run(layers, x, rng):
    """Apply ``layers`` to ``x`` (C, H, W) with tconv's operations and random weights."""
    for layer in layers:
        c = x.shape[0]
        if isinstance(layer, arch.Conv2d):
            w = rng.standard_normal((layer.out_channels, c, *np.broadcast_to(layer.kernel_size, 2)))
            x = tconv.conv2d(x, w, stride=layer.stride, padding=layer.padding)
        elif isinstance(layer, arch.ConvTranspose2d):
            w = rng.standard_normal((c, layer.out_channels, *np.broadcast_to(layer.kernel_size, 2)))
            x = tconv.conv_transpose2d(x, w, stride=layer.stride, padding=layer.padding,
                                       output_padding=layer.output_padding)
        elif isinstance(layer, arch.MaxPool2d):
            x = tconv.max_pool2d(x, layer.kernel_size, layer.stride, layer.padding)
        elif layer.mode == "nearest":
            x = tconv.upsample_nearest(x, layer.scale_factor)
        else:
            x = tconv.upsample_bilinear(x, layer.scale_factor)
    return x


# Shapes ----------------------------------------------------------------------------------

def test_encoder_decoder_shapes_go_down_and_back_up():
    steps = arch.trace(arch.encoder_decoder((16, 32, 64), out_channels=4), (3, 32, 32))
    shapes = [s.out_shape for s in steps]
    assert shapes == [(16, 32, 32), (16, 16, 16), (32, 16, 16), (32, 8, 8), (64, 8, 8),
                      (64, 16, 16), (32, 16, 16), (32, 32, 32), (16, 32, 32), (4, 32, 32)]
    assert [s.in_shape for s in steps[1:]] == shapes[:-1]


def test_same_padding_net_keeps_full_resolution_everywhere():
    steps = arch.trace(arch.same_padding_net((16, 32, 64), out_channels=4, kernel_size=5),
                       (3, 20, 24))
    assert [s.out_shape[0] for s in steps] == [16, 32, 64, 32, 16, 4]
    assert all(s.out_shape[1:] == (20, 24) for s in steps)


@EXAMPLES
@given(widths=st.lists(st.integers(1, 4), min_size=1, max_size=3), h=st.integers(1, 3),
       w=st.integers(1, 3), cin=st.integers(1, 3), mode=st.sampled_from(arch.UPSAMPLE_MODES))
def test_traced_shapes_equal_the_shapes_of_running_the_layers(widths, h, w, cin, mode):
    f = 2 ** (len(widths) - 1)
    layers = arch.encoder_decoder(widths, out_channels=2, mode=mode)
    layers += [arch.ConvTranspose2d(3, 4, stride=2, padding=1, output_padding=1),
               arch.Conv2d(2, (3, 1), stride=(2, 1)), arch.MaxPool2d(3, 1, 1)]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((cin, h * f, w * f))
    steps = arch.trace(layers, x.shape)
    for k, s in enumerate(steps):
        x = _run(layers[k:k + 1], x, rng)
        assert s.out_shape == x.shape


# Multiply-adds and parameters --------------------------------------------------------------

@EXAMPLES
@given(cin=st.integers(1, 3), cout=st.integers(1, 3), h=st.integers(3, 7), w=st.integers(3, 7),
       k=st.integers(1, 3), s=st.integers(1, 3))
def test_conv_macs_equal_the_sum_of_an_all_ones_convolution(cin, cout, h, w, k, s):
    # Every output value of ones * ones counts its own products: the sum counts them all.
    y = tconv.conv2d(np.ones((cin, h, w), np.int64), np.ones((cout, cin, k, k), np.int64),
                     stride=s)
    assert arch.step(arch.Conv2d(cout, k, s), (cin, h, w)).macs == y.sum()


@EXAMPLES
@given(cin=st.integers(1, 3), cout=st.integers(1, 3), h=st.integers(1, 5), w=st.integers(1, 5),
       k=st.integers(1, 4), s=st.integers(1, 3))
def test_transposed_conv_macs_equal_the_sum_of_an_all_ones_scatter(cin, cout, h, w, k, s):
    y = tconv.conv_transpose2d(np.ones((cin, h, w), np.int64),
                               np.ones((cin, cout, k, k), np.int64), stride=s)
    assert arch.step(arch.ConvTranspose2d(cout, k, s), (cin, h, w)).macs == y.sum()
    # cropping with padding discards results but not the work that made them
    cropped = arch.step(arch.ConvTranspose2d(cout, k, s, padding=(k - 1) // 2), (cin, h, w))
    assert cropped.macs == y.sum()


def test_pooling_and_nearest_cost_nothing_and_bilinear_four_per_output():
    assert arch.step(arch.MaxPool2d(2), (3, 8, 8)).macs == 0
    assert arch.step(arch.Upsample(2), (3, 8, 8)).macs == 0
    assert arch.step(arch.Upsample(2, "bilinear"), (3, 8, 8)).macs == 4 * 3 * 16 * 16
    assert all(arch.step(layer, (3, 8, 8)).params == 0
               for layer in (arch.MaxPool2d(2), arch.Upsample(2)))


@pytest.mark.parametrize(
    "layer, torch_layer",
    [
        (arch.Conv2d(5, 3, padding=1), ("Conv2d", 3, 5, 3, 1, 1)),
        (arch.Conv2d(4, (3, 5), stride=2), ("Conv2d", 3, 4, (3, 5), 2, 0)),
        (arch.ConvTranspose2d(5, 4, stride=2, padding=1), ("ConvTranspose2d", 3, 5, 4, 2, 1)),
    ],
)
def test_macs_and_params_match_torch(layer, torch_layer):
    torch = _torch()
    from torch.utils.flop_counter import FlopCounterMode

    kind, cin, cout, k, s, p = torch_layer
    module = getattr(torch.nn, kind)(cin, cout, k, stride=s, padding=p)
    x = torch.ones(1, cin, 9, 11)
    with FlopCounterMode(display=False) as counter:
        y = module(x)
    st_ = arch.step(layer, (cin, 9, 11))
    assert st_.out_shape == tuple(y.shape[1:])
    assert 2 * st_.macs == counter.get_total_flops()
    assert st_.params == sum(p.numel() for p in module.parameters())


def test_activations_count_every_output_value():
    steps = arch.trace([arch.Conv2d(8, 3, padding=1), arch.MaxPool2d(2)], (1, 6, 4))
    assert [s.activations for s in steps] == [8 * 6 * 4, 8 * 3 * 2]
    assert arch.total_activations(steps) == 8 * 24 + 8 * 6


@EXAMPLES
@given(widths=st.lists(st.integers(1, 64), min_size=2, max_size=4), cout=st.integers(1, 8),
       k=st.sampled_from([1, 3, 5]))
def test_encoder_decoder_has_the_same_weights_but_costs_less(widths, cout, k):
    size = (3, 64, 64)
    full = arch.trace(arch.same_padding_net(widths, cout, k), size)
    ed = arch.trace(arch.encoder_decoder(widths, cout, k), size)
    assert arch.total_params(ed) == arch.total_params(full)
    assert arch.total_macs(ed) < arch.total_macs(full)
    # the convolutions' outputs shrink too: the middle ones are stored at lower resolution
    conv_values = sum(s.activations for s in ed if isinstance(s.layer, arch.Conv2d))
    assert conv_values < arch.total_activations(full)


def test_one_width_means_no_pooling_and_the_same_cost():
    full = arch.trace(arch.same_padding_net([8], 2), (1, 16, 16))
    ed = arch.trace(arch.encoder_decoder([8], 2), (1, 16, 16))
    assert arch.total_macs(ed) == arch.total_macs(full)
    assert [s.layer for s in ed] == [s.layer for s in full]


def test_describe_labels():
    assert arch.Conv2d(32, 3, padding=1).describe() == "conv 3×3, 32"
    assert arch.Conv2d(8, 3, stride=2).describe() == "conv 3×3, 8, stride 2"
    assert arch.ConvTranspose2d(8, 4, 2).describe() == "tconv 4×4, 8, stride 2"
    assert arch.MaxPool2d(2).describe() == "max pool 2×2"
    assert arch.Upsample(2, "bilinear").describe() == "bilinear ×2"


# Errors ------------------------------------------------------------------------------------

def test_layer_settings_are_checked_when_built():
    with pytest.raises(ValueError, match="out_channels must be positive"):
        arch.Conv2d(0, 3)
    with pytest.raises(TypeError, match="kernel_size must be an integer"):
        arch.Conv2d(4, 2.5)
    with pytest.raises(ValueError, match="output_padding"):
        arch.ConvTranspose2d(4, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="stride must be positive"):
        arch.MaxPool2d(2, stride=0)
    with pytest.raises(ValueError, match="mode must be one of"):
        arch.Upsample(2, "bicubic")


def test_trace_names_the_layer_that_does_not_fit():
    layers = [arch.MaxPool2d(2), arch.MaxPool2d(2), arch.Conv2d(4, 5)]
    with pytest.raises(ValueError, match=r"layer 2 .* on input \(1, 2, 2\): kernel_size"):
        arch.trace(layers, (1, 8, 8))


def test_trace_rejects_bad_layers_and_shapes():
    with pytest.raises(TypeError, match="layer must be one of Conv2d"):
        arch.trace([arch.Conv2d(4, 3), "relu"], (1, 8, 8))
    with pytest.raises(TypeError, match="layers must be a list"):
        arch.trace(arch.Conv2d(4, 3), (1, 8, 8))
    with pytest.raises(ValueError, match="layers must hold at least one"):
        arch.trace([], (1, 8, 8))
    with pytest.raises(ValueError, match="input_shape must be an integer or 3 integers"):
        arch.trace([arch.Conv2d(4, 3)], (8, 8))
    with pytest.raises(ValueError, match="input_shape must be positive"):
        arch.trace([arch.Conv2d(4, 3)], (0, 8, 8))
    with pytest.raises(ValueError, match="padding .* must be at most half"):
        arch.trace([arch.MaxPool2d(2, padding=2)], (1, 8, 8))


def test_builders_check_their_arguments():
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        arch.same_padding_net([8], 2, kernel_size=4)
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        arch.encoder_decoder([8], 2, kernel_size=2)
    with pytest.raises(TypeError, match="widths must be a non-empty list"):
        arch.encoder_decoder([], 2)
    with pytest.raises(ValueError, match="widths must be positive"):
        arch.same_padding_net([8, 0], 2)
    with pytest.raises(ValueError, match="factor must be at least 2"):
        arch.encoder_decoder([8, 16], 2, factor=1)
    with pytest.raises(ValueError, match="mode must be one of"):
        arch.encoder_decoder([8, 16], 2, mode="area")
