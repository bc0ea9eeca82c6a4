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
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tconv import arch

EXAMPLES = settings(max_examples=25, deadline=None)


def _torch():
    return pytest.importorskip("torch", reason="PyTorch not installed (optional oracle)")


# Shapes ----------------------------------------------------------------------------------

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




# Receptive field -----------------------------------------------------------------------------

def _depends_on(layers, h, w):
    """Bool (Ho, Wo, h, w): which input cells each output position depends on, found by running
    tconv's operations on one-hot images (all-ones kernels, so nothing cancels)."""
    x = np.eye(h * w).reshape(h * w, 1, h, w)  # one image per input cell
    for layer in layers:
        if isinstance(layer, arch.Conv2d):
            kh, kw = np.broadcast_to(layer.kernel_size, 2)
            x = tconv.conv2d(x, np.ones((1, 1, kh, kw)), stride=layer.stride,
                             padding=layer.padding)
        else:
            x = tconv.max_pool2d(x, layer.kernel_size, layer.stride, layer.padding)
    ho, wo = x.shape[2:]
    return (x[:, 0] > 0).reshape(h, w, ho, wo).transpose(2, 3, 0, 1)


LAYER = st.one_of(
    st.builds(lambda k, s, p: arch.Conv2d(1, k, s, min(p, k // 2)),
              st.integers(1, 4), st.integers(1, 3), st.integers(0, 2)),
    st.builds(lambda k, s: arch.MaxPool2d(k, s), st.integers(1, 3), st.integers(1, 3)),
)


def _span(field, r, c):
    """Input rows and columns of output (r, c)'s receptive field."""
    return tuple(range(field.start[a] + q * field.stride[a],
                       field.start[a] + q * field.stride[a] + field.size[a])
                 for a, q in ((0, r), (1, c)))


@settings(max_examples=60, deadline=None)
@given(layers=st.lists(LAYER, min_size=1, max_size=4), h=st.integers(12, 20),
       w=st.integers(12, 20))
@example(layers=[arch.MaxPool2d(2), arch.Conv2d(1, 3, padding=1)], h=12, w=12)
@example(layers=[arch.MaxPool2d(1, 2), arch.MaxPool2d(2, 1)], h=12, w=12)
def test_receptive_field_is_the_span_of_input_cells_an_output_depends_on(layers, h, w):
    try:
        arch.trace(layers, (1, h, w))
    except ValueError:
        return  # the input is too small for these layers
    field = arch.receptive_field(layers)
    depends = _depends_on(layers, h, w)
    no_gaps = all(np.all(np.broadcast_to(lay.stride or lay.kernel_size, 2)
                         <= np.broadcast_to(lay.kernel_size, 2)) for lay in layers)
    for r, c in np.ndindex(depends.shape[:2]):
        rows, cols = _span(field, r, c)
        inside = ([u for u in rows if 0 <= u < h], [v for v in cols if 0 <= v < w])
        want = np.zeros((h, w), bool)
        want[np.ix_(*inside)] = True
        assert not np.any(depends[r, c] & ~want), (r, c)  # nothing outside the field
        if not (rows[0] >= 0 and cols[0] >= 0 and rows[-1] < h and cols[-1] < w):
            continue  # at the border some cells are reached only through padding
        if no_gaps:  # every cell of the field counts
            assert np.array_equal(depends[r, c], want), (r, c)
        else:
            # a stride larger than its kernel skips cells, but the field's ends count
            u, v = np.nonzero(depends[r, c])
            assert (u.min(), u.max(), v.min(), v.max()) == (rows[0], rows[-1], cols[0],
                                                            cols[-1]), (r, c)


def test_receptive_field_of_the_chapter_classifier():
    # four 3×3 convolutions, each followed by a 2×2 pool: positions 16 apart, seeing 46 cells
    layers = [arch.Conv2d(8, 3, padding=1), arch.MaxPool2d(2)] * 4
    assert arch.receptive_field(layers) == arch.ReceptiveField((46, 46), (16, 16), (-15, -15))
    assert arch.receptive_field([arch.Conv2d(1, (3, 5), stride=(1, 2))]) == \
        arch.ReceptiveField((3, 5), (1, 2), (0, 0))


def test_receptive_field_rejects_layers_it_does_not_follow():
    with pytest.raises(TypeError, match="follows convolutions and max pooling only"):
        arch.receptive_field([arch.Conv2d(4, 3), arch.Upsample(2)])
    with pytest.raises(TypeError, match="layers must be a list"):
        arch.receptive_field(arch.Conv2d(4, 3))
    with pytest.raises(ValueError, match="layers must hold at least one"):
        arch.receptive_field([])
