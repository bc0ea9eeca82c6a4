"""The two designs of "Why upsample?" and its figures (tconv.book.why_upsample).

Oracles: running the real tconv operations on an array and reading the shapes (the traced
shapes must equal them), the cost counts of tconv.arch (tested in test_arch.py), and the
figures' own artists read back.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
import tconv
from hypothesis import given, settings
from hypothesis import strategies as st
from tconv import arch
from tconv.book import data
from tconv.book.why_upsample import (
    SCENE_NAMES,
    encoder_decoder,
    label_figure,
    receptive_field_figure,
    same_padding_net,
    shapes_scene,
    trace_figure,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

EXAMPLES = settings(max_examples=25, deadline=None)


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


# The two designs -----------------------------------------------------------------------

def test_encoder_decoder_shapes_go_down_and_back_up():
    steps = arch.trace(encoder_decoder((16, 32, 64), out_channels=4), (3, 32, 32))
    shapes = [s.out_shape for s in steps]
    assert shapes == [(16, 32, 32), (16, 16, 16), (32, 16, 16), (32, 8, 8), (64, 8, 8),
                      (64, 16, 16), (32, 16, 16), (32, 32, 32), (16, 32, 32), (4, 32, 32)]
    assert [s.in_shape for s in steps[1:]] == shapes[:-1]


def test_same_padding_net_keeps_full_resolution_everywhere():
    steps = arch.trace(same_padding_net((16, 32, 64), out_channels=4, kernel_size=5),
                       (3, 20, 24))
    assert [s.out_shape[0] for s in steps] == [16, 32, 64, 32, 16, 4]
    assert all(s.out_shape[1:] == (20, 24) for s in steps)


@EXAMPLES
@given(widths=st.lists(st.integers(1, 4), min_size=1, max_size=3), h=st.integers(1, 3),
       w=st.integers(1, 3), cin=st.integers(1, 3), mode=st.sampled_from(arch.UPSAMPLE_MODES))
def test_traced_shapes_equal_the_shapes_of_running_the_layers(widths, h, w, cin, mode):
    f = 2 ** (len(widths) - 1)
    layers = encoder_decoder(widths, out_channels=2, mode=mode)
    layers += [arch.ConvTranspose2d(3, 4, stride=2, padding=1, output_padding=1),
               arch.Conv2d(2, (3, 1), stride=(2, 1)), arch.MaxPool2d(3, 1, 1)]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((cin, h * f, w * f))
    steps = arch.trace(layers, x.shape)
    for k, s in enumerate(steps):
        x = _run(layers[k:k + 1], x, rng)
        assert s.out_shape == x.shape


@EXAMPLES
@given(widths=st.lists(st.integers(1, 64), min_size=2, max_size=4), cout=st.integers(1, 8),
       k=st.sampled_from([1, 3, 5]))
def test_encoder_decoder_has_the_same_weights_but_costs_less(widths, cout, k):
    size = (3, 64, 64)
    full = arch.trace(same_padding_net(widths, cout, k), size)
    ed = arch.trace(encoder_decoder(widths, cout, k), size)
    assert arch.total_params(ed) == arch.total_params(full)
    assert arch.total_macs(ed) < arch.total_macs(full)
    # the convolutions' outputs shrink too: the middle ones are stored at lower resolution
    conv_values = sum(s.activations for s in ed if isinstance(s.layer, arch.Conv2d))
    assert conv_values < arch.total_activations(full)


def test_one_width_means_no_pooling_and_the_same_cost():
    full = arch.trace(same_padding_net([8], 2), (1, 16, 16))
    ed = arch.trace(encoder_decoder([8], 2), (1, 16, 16))
    assert arch.total_macs(ed) == arch.total_macs(full)
    assert [s.layer for s in ed] == [s.layer for s in full]


def test_builders_check_their_arguments():
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        same_padding_net([8], 2, kernel_size=4)
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        encoder_decoder([8], 2, kernel_size=2)
    with pytest.raises(TypeError, match="widths must be a non-empty list"):
        encoder_decoder([], 2)
    with pytest.raises(ValueError, match="widths must be positive"):
        same_padding_net([8, 0], 2)
    with pytest.raises(ValueError, match="factor must be at least 2"):
        encoder_decoder([8, 16], 2, factor=1)
    with pytest.raises(ValueError, match="mode must be one of"):
        encoder_decoder([8, 16], 2, mode="area")


# Figures -------------------------------------------------------------------------------------

def test_trace_figure_draws_a_box_per_layer_and_the_input():
    steps = arch.trace(encoder_decoder((4, 8), 2), (1, 16, 16))
    fig = trace_figure(steps, "net")
    boxes = [p for p in fig.axes[0].patches if isinstance(p, matplotlib.patches.Rectangle)]
    assert len(boxes) == len(steps) + 1
    heights = [b.get_height() for b in boxes]
    assert heights[0] == 1.0 and min(heights) == 0.5  # 16 rows, then 8 at the bottleneck
    plt.close(fig)
    with pytest.raises(ValueError, match="steps must hold at least one"):
        trace_figure([])


def test_label_figure_names_every_class_on_the_colour_bar():
    labels = np.array([[0, 1], [2, 3]])
    fig = label_figure(np.zeros((2, 2)), labels, ["bg", "a", "b", "c"])
    bar = fig.axes[-1]
    assert [t.get_text() for t in bar.get_yticklabels()] == ["bg", "a", "b", "c"]
    plt.close(fig)
    with pytest.raises(ValueError, match="must be 2-D arrays of one shape"):
        label_figure(np.zeros((2, 3)), labels, ["bg"])
    with pytest.raises(ValueError, match="at most 6 classes"):
        label_figure(np.zeros((2, 2)), labels, list("abcdefg"))


# The scene and the receptive-field figure ----------------------------------------------------

def test_shapes_scene_labels_every_pixel_of_each_shape():
    image, labels = shapes_scene()
    assert image.shape == labels.shape == (64, 64)
    assert set(np.unique(labels)) == {0, 1, 2, 3}
    for label, kind in enumerate(SCENE_NAMES[1:], start=1):
        mask = labels == label
        # each shape has the area tconv.book.data gives it (a disc of radius 9) and its own
        # grey level
        area = data.shape_mask(kind, 64, (32, 32), 9.0, 0.3).sum()
        assert abs(mask.sum() - area) <= 0.05 * area
        assert abs(image[mask].mean() - (0.9, 0.6, 0.75)[label - 1]) < 0.03
    assert abs(image[labels == 0].mean() - 0.2) < 0.01
    again, _ = shapes_scene()
    assert np.array_equal(image, again)  # seeded
    big, big_labels = shapes_scene(size=128, noise=0)
    assert big.shape == (128, 128) and set(np.unique(big_labels)) == {0, 1, 2, 3}
    with pytest.raises(ValueError, match="noise must be a number"):
        shapes_scene(noise=-1)


def test_receptive_field_figure_draws_the_cell_and_the_field_of_the_position():
    layers = [arch.Conv2d(4, 3, padding=1), arch.MaxPool2d(2)] * 4
    fig = receptive_field_figure(layers, 128, (2, 3))
    boxes = [p for p in fig.axes[0].patches if isinstance(p, matplotlib.patches.Rectangle)]
    cell = next(b for b in boxes if b.get_label().startswith("its cell"))
    field = next(b for b in boxes if b.get_label().startswith("its receptive field"))
    assert (cell.get_x(), cell.get_y(), cell.get_width()) == (48, 32, 16)
    # the field: 15 more pixels on each side of the cell, 46 in all
    assert (field.get_x(), field.get_y(), field.get_width()) == (33, 17, 46)
    plt.close(fig)
    with pytest.raises(ValueError, match=r"position \(8, 0\) is outside the 8×8 output"):
        receptive_field_figure(layers, 128, (8, 0))
