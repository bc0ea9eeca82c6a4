"""The companion of ``chapters/in-practice.ipynb``: two real decoders, read layer by layer.

1. **The decoders.** :func:`dcgan_generator` builds the generator of DCGAN as PyTorch's DCGAN
   example lays it out (:func:`dcgan_layout`: transposed convolutions with ``k = 4``,
   ``s = 2``, ``p = 1`` from a 1×1 code to an image), in :mod:`tconv.nn` layers;
   :class:`UNetUp` is one up block of the original U-Net (a ×2 transposed convolution, the
   encoder's features cropped and concatenated, two unpadded 3×3 convolutions);
   :func:`unet_sizes` follows the original U-Net's sizes level by level. :mod:`tconv.nn` has
   no batch norm and no tanh: the generator leaves them out (neither changes a shape), and
   :func:`batchnorm_parameters` counts what PyTorch's batch norms would add.
2. **Reading them.** :func:`run_layers` runs layers on an input and records a :class:`Row`
   per layer (the call as PyTorch writes it, the output shape, the weight shape, the
   parameters); :func:`rows_table` prints the rows; :func:`size_arithmetic` writes the
   output-size formula filled in for one layer.
3. **Choosing an upsampler.** :func:`upsampler_rows` gives, for each upsampler the book
   compares, its cost (:func:`tconv.book.checkerboard.upsampling_cost`) and whether a flat
   input stays flat at initialisation, over several seeds (:func:`flat_spread`).
4. **Figures.** :func:`decoder_figure` (a decoder's feature maps as boxes, with each layer's
   weight shape) and :func:`flat_input_figure` (:func:`flat_outputs`: a ``k = 4``, ``s = 2``,
   ``p = 1`` layer on a flat input, even overlap, yet a pattern from random weights).
5. **The same layer in four frameworks**, from :mod:`tconv.frameworks`:
   :func:`weight_layouts` (each framework's weight, its flip found by comparing values),
   :func:`window_rows` (the window of the full output each framework's call keeps),
   :func:`translation_rows` (PyTorch layers as Keras, JAX and ONNX calls), their tables,
   :func:`grouped_as_separate` (groups ported as one layer per group) and
   :func:`windows_figure`.

May import: the operations (:mod:`tconv`, :mod:`tconv.nn`, :mod:`tconv.frameworks`), the
toolkit (:mod:`tconv.show`) and the checkerboard chapter's companion, whose counts and costs
this chapter reuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import frameworks as fw
from .. import nn
from .._checks import as_array, as_int, check_ndim
from ..conv import conv_transpose2d
from ..shapes import conv_output_size, conv_transpose_output_size
from ..show.draw import grid, new_figure
from ..show.table import Table
from ..show.text import N_, tr
from .checkerboard import overlap_count, upsampling_cost, upsampling_layer

# ---------------------------------------------------------------------------------------
# 1. The decoders
# ---------------------------------------------------------------------------------------


def dcgan_layout(latent=100, width=64, channels=3, size=64) -> list[tuple[int, ...]]:
    """DCGAN's transposed convolutions: ``(C_in, C_out, k, s, p)`` per layer, first to last.

    The layout of PyTorch's DCGAN example: ``k = 4``, ``s = 1``, ``p = 0`` turns the 1×1 code
    into 4×4 maps of ``width·size/8`` channels; each further layer, ``k = 4``, ``s = 2``,
    ``p = 1``, doubles the size and halves the channels, down to ``width`` at ``size/2``; the
    last makes ``channels`` at ``size``. ``size`` is 4·2ⁿ with n ≥ 1.
    """
    latent = as_int(latent, "latent", minimum=1)
    width = as_int(width, "width", minimum=1)
    channels = as_int(channels, "channels", minimum=1)
    size = as_int(size, "size", minimum=8)
    doublings = (size // 4).bit_length() - 1
    if size != 4 * 2**doublings:
        raise ValueError(f"size must be 4 times a power of 2 (8, 16, 32, 64, ...), got {size}")
    widths = [width * 2 ** (doublings - 1 - j) for j in range(doublings)] + [channels]
    return ([(latent, widths[0], 4, 1, 0)]
            + [(widths[j - 1], widths[j], 4, 2, 1) for j in range(1, len(widths))])


def dcgan_generator(latent=100, width=64, channels=3, size=64, *, rng=None,
                    dtype=np.float32) -> nn.Sequential:
    """DCGAN's generator in tconv.nn: (N, latent, 1, 1) -> (N, channels, size, size).

    The transposed convolutions of :func:`dcgan_layout`, without biases, a ReLU after every
    one but the last. PyTorch's version puts a batch norm before each ReLU and a tanh at the
    end; tconv.nn has neither, and neither changes a shape.
    """
    layout = dcgan_layout(latent, width, channels, size)
    rng = np.random.default_rng(rng)
    layers = []
    for j, (c_in, c_out, k, s, p) in enumerate(layout):
        layers.append(nn.ConvTranspose2d(c_in, c_out, k, s, p, bias=False, rng=rng, dtype=dtype))
        if j < len(layout) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def batchnorm_parameters(generator) -> int:
    """What PyTorch's batch norms add to :func:`dcgan_generator`: 2·C_out per normalised layer.

    Each ``BatchNorm2d(C)`` learns a scale and a shift per channel (its running mean and
    variance are buffers, not parameters); the DCGAN generator normalises the output of every
    transposed convolution but the last.
    """
    if not isinstance(generator, nn.Sequential):
        raise TypeError(f"generator must be a tconv.nn.Sequential, got {type(generator).__name__}")
    convs = [layer for layer in generator.layers if isinstance(layer, nn.ConvTranspose2d)]
    return sum(2 * layer.out_channels for layer in convs[:-1])


def center_crop(x, size) -> np.ndarray:
    """The central ``size×size`` cells of a batch: (N, C, H, W) -> (N, C, size, size).

    U-Net's "copy and crop": the encoder's map is larger than the decoder's, because every
    unpadded convolution since it was copied has trimmed a border; the margins cut must be
    equal, so ``H - size`` and ``W - size`` must be even.
    """
    x = as_array(x, "x")
    check_ndim(x, "x", (4,), "(N, C, H, W)")
    size = as_int(size, "size", minimum=1)
    H, W = x.shape[2:]
    if size > min(H, W) or (H - size) % 2 or (W - size) % 2:
        raise ValueError(f"size ({size}) must fit in the map ({H}×{W}) and leave equal margins "
                         f"(H - size and W - size even)")
    top, left = (H - size) // 2, (W - size) // 2
    return x[:, :, top:top + size, left:left + size]


class UNetUp(nn.Module):
    """One up block of U-Net (forward only): x (N, C, h, w), skip (N, C/2, H, W) -> (N, C/2, ·, ·).

    The "up-convolution", a transposed convolution with ``k = 2``, ``s = 2`` that halves the
    channels (C -> C/2) and doubles the size; the skip (the encoder's map of the same level)
    cropped to that size and concatenated in front of it (C channels); two unpadded 3×3
    convolutions (C -> C/2 -> C/2), each followed by a ReLU, which trim 2 cells each.
    """

    def __init__(self, in_channels, *, rng=None, dtype=np.float32):
        c = as_int(in_channels, "in_channels", minimum=2)
        if c % 2:
            raise ValueError(f"in_channels must be even (the block halves them), got {c}")
        rng = np.random.default_rng(rng)
        opts = dict(rng=rng, dtype=dtype)
        self.in_channels = c
        self.up = nn.ConvTranspose2d(c, c // 2, 2, stride=2, **opts)
        self.cat = nn.Concat()
        self.conv1 = nn.Conv2d(c, c // 2, 3, **opts)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(c // 2, c // 2, 3, **opts)
        self.relu2 = nn.ReLU()

    def forward(self, x, skip):
        return self.trace(x, skip)[0]

    def trace(self, x, skip) -> tuple[np.ndarray, list[Row]]:
        """The block's output, and a :class:`Row` for each input and each step."""
        skip = as_array(skip, "skip")
        check_ndim(skip, "skip", (4,), "(N, C/2, H, W)")
        if skip.shape[1] != self.in_channels // 2:
            raise ValueError(f"skip must have in_channels/2 = {self.in_channels // 2} channels, "
                             f"got shape {skip.shape}")
        up = self.up(x)
        cropped = center_crop(skip, up.shape[2])
        rows = [_row("input x", x), _row(describe(self.up), up, self.up),
                _row(N_("skip from the encoder"), skip, side=True),
                _row(N_("crop skip {a} → {b}").format(a=skip.shape[2], b=up.shape[2]), cropped,
                     side=True)]
        y = self.cat(cropped, up)
        rows.append(_row(describe(self.cat), y))
        for layer in (self.conv1, self.relu1, self.conv2, self.relu2):
            y = layer(y)
            rows.append(_row(describe(layer), y, layer))
        return y, rows


class UNetLevel(NamedTuple):
    """One up block of the original U-Net: the sizes (one axis) it meets and makes."""

    size_in: int  # the map coming up from the level below
    skip: int  # the encoder's map, copied before its level's pooling
    up: int  # the transposed convolution's output
    crop: int  # cells cut from each side of the skip
    out: int  # after the block's two unpadded convolutions


def unet_sizes(size=572, depth=4) -> tuple[list[UNetLevel], int]:
    """The original U-Net's sizes: the up blocks (deepest first) and the output size.

    Each encoder level applies two unpadded 3×3 convolutions (keeping the map as the skip)
    and a 2×2 max pool with stride 2; the bottom level two convolutions; each up block a
    transposed convolution with ``k = 2``, ``s = 2``, a crop of the skip to its size, and two
    unpadded 3×3 convolutions. Sizes from :func:`tconv.conv_output_size` and
    :func:`tconv.conv_transpose_output_size`; a size that would be pooled unevenly or
    cropped by an odd margin is an error.
    """
    size = as_int(size, "size", minimum=1)
    depth = as_int(depth, "depth", minimum=1)

    def two_convs(n: int) -> int:
        for _ in range(2):
            if n < 3:
                raise ValueError(f"size {size} is too small for {depth} levels: a map of {n} "
                                 "cells meets a 3×3 convolution")
            n = conv_output_size(n, 3)
        return n

    n, skips = size, []
    for _ in range(depth):
        n = two_convs(n)
        if n % 2:
            raise ValueError(f"size {size} pools a map of odd size {n}: U-Net needs every "
                             "pooled size even")
        skips.append(n)
        n = conv_output_size(n, 2, stride=2)
    n = two_convs(n)
    levels = []
    for skip in reversed(skips):
        up = conv_transpose_output_size(n, 2, stride=2)
        if (skip - up) % 2:
            raise ValueError(f"size {size}: the skip ({skip}) and the up-convolution's output "
                             f"({up}) differ by an odd number of cells")
        levels.append(UNetLevel(n, skip, up, (skip - up) // 2, two_convs(up)))
        n = levels[-1].out
    return levels, n


# ---------------------------------------------------------------------------------------
# 2. Reading a decoder: a row per layer
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One step of a decoder: its description, output shape (C, H, W), weight and parameters.

    ``side`` marks a second input (U-Net's skip) that joins the main path at the next step.
    """

    layer: str
    out_shape: tuple[int, int, int]
    weight_shape: tuple[int, ...] | None = None
    params: int = 0
    side: bool = False


def describe(layer) -> str:
    """A tconv.nn layer as PyTorch's call, e.g. ``"ConvTranspose2d(512, 256, 4, 2, 1)"``."""
    if isinstance(layer, (nn.ConvTranspose2d, nn.Conv2d)):
        k = layer.weight.data.shape[2:]
        args = [layer.in_channels, layer.out_channels, k[0] if k[0] == k[1] else k]
        settings = [layer.stride, layer.padding]
        if isinstance(layer, nn.ConvTranspose2d):
            settings.append(layer.output_padding)
        # positional settings, shortest form: drop the trailing defaults, a pair as one int
        defaults = [(1, 1), (0, 0), (0, 0)]
        while settings and settings[-1] == defaults[len(settings) - 1]:
            settings.pop()
        args += [v[0] if v[0] == v[1] else v for v in settings]
        extra = "" if layer.groups == 1 else f", groups={layer.groups}"
        return f"{type(layer).__name__}({', '.join(map(str, args))}{extra})"
    if isinstance(layer, nn.ReLU):
        return "ReLU()"
    if isinstance(layer, nn.Concat):
        return "cat([skip, up], dim=1)"
    if isinstance(layer, nn.Upsample):
        return f"Upsample({layer.scale[0]}, {layer.mode!r})"
    if isinstance(layer, nn.PixelShuffle):
        return f"PixelShuffle({layer.r})"
    raise TypeError(f"layer must be a tconv.nn layer of a decoder, got {type(layer).__name__}")


def parameter_count(layer) -> int:
    """Weights and biases of a tconv.nn layer (0 for a layer without any)."""
    if not isinstance(layer, nn.Module):
        raise TypeError(f"layer must be a tconv.nn Module, got {type(layer).__name__}")
    return sum(p.data.size for p in layer.parameters())


def _row(name: str, y, layer=None, side: bool = False) -> Row:
    weight = getattr(layer, "weight", None)
    return Row(name, tuple(np.shape(y)[1:]), None if weight is None else weight.data.shape,
               0 if layer is None else parameter_count(layer), side)


def run_layers(layers, x, name: str = "input") -> tuple[np.ndarray, list[Row]]:
    """Run ``layers`` (a Sequential or a list) on ``x`` (N, C, H, W): the output and the rows.

    The first row is the input itself, named ``name``.
    """
    layers = layers.layers if isinstance(layers, nn.Sequential) else list(layers)
    if not layers:
        raise ValueError("layers must hold at least one layer")
    x = as_array(x, "x")
    check_ndim(x, "x", (4,), "(N, C, H, W)")
    rows = [_row(name, x)]
    for layer in layers:
        x = layer(x)
        rows.append(_row(describe(layer), x, layer))
    return x, rows


def _shape_text(shape) -> str:
    return "—" if shape is None else "×".join(map(str, shape))


def rows_table(rows) -> str:
    """The rows as a fixed-width table: layer, output C×H×W, weight shape, parameters, total."""
    rows = list(rows)
    if not rows or not all(isinstance(r, Row) for r in rows):
        raise TypeError("rows must be a non-empty list of Row (from run_layers or UNetUp.trace)")
    w = max(len("layer"), *(len(r.layer) for r in rows))
    head = f"{'layer':<{w}}  {'output':<12} {'weight':<15} {'parameters':>10}"
    lines = [head, "-" * len(head)]
    for r in rows:
        params = f"{r.params:,}" if r.weight_shape is not None else ""
        lines.append(f"{r.layer:<{w}}  {_shape_text(r.out_shape):<12} "
                     f"{_shape_text(r.weight_shape) if r.weight_shape else '':<15} {params:>10}")
    lines.append(f"{'total':<{w}}  {'':<12} {'':<15} {sum(r.params for r in rows):>10,}")
    return "\n".join(lines)


def size_arithmetic(layer, size) -> str:
    """The output-size formula of one layer filled in for an input of ``size`` (one axis).

    For a transposed convolution ``(i - 1)·s - 2p + d·(k - 1) + a + 1 = o``; for a
    convolution ``⌊(i + 2p - d·(k - 1) - 1)/s⌋ + 1 = o``; ``o`` from :mod:`tconv.shapes`.
    """
    i = as_int(size, "size", minimum=1)
    if not isinstance(layer, (nn.ConvTranspose2d, nn.Conv2d)):
        raise TypeError(f"layer must be a tconv.nn ConvTranspose2d or Conv2d, "
                        f"got {type(layer).__name__}")
    k = layer.weight.data.shape[2]
    s, p, d = layer.stride[0], layer.padding[0], layer.dilation[0]
    if isinstance(layer, nn.ConvTranspose2d):
        a = layer.output_padding[0]
        o = conv_transpose_output_size(i, k, s, p, a, d)
        return f"({i} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {a} + 1 = {o}"
    o = conv_output_size(i, k, s, p, d)
    return f"⌊({i} + 2·{p} − {d}·({k} − 1) − 1)/{s}⌋ + 1 = {o}"


# ---------------------------------------------------------------------------------------
# 3. Which upsampler: what each costs, and what it does to a flat input at the start
# ---------------------------------------------------------------------------------------

UPSAMPLERS = (
    ("nearest_conv", 3, "default", "nearest ×2, conv 3×3"),
    ("bilinear_conv", 3, "default", "bilinear ×2, conv 3×3"),
    ("conv_transpose", 4, "default", "transposed 4×4, random"),
    ("conv_transpose", 4, "bilinear", "transposed 4×4, bilinear"),
    ("subpixel", 3, "default", "sub-pixel 3×3, random"),
    ("subpixel_icnr", 3, "default", "sub-pixel 3×3, ICNR"),
)
"""The upsamplers the chapter lists: (method of the checkerboard companion, kernel size,
start, label). ``bilinear`` starts each channel as bilinear upsampling
(:func:`tconv.nn.bilinear_weight`)."""


def upsampler_layer(method, kernel_size, start, channels, *, rng=None) -> nn.Sequential:
    """One ×2 upsampling layer, ``channels`` -> ``channels``, no bias, as the chapter starts it."""
    layer = upsampling_layer(method, channels, channels, kernel_size, 2, rng=rng)
    if start == "bilinear":
        if method != "conv_transpose":
            raise ValueError(f"start 'bilinear' is for a transposed convolution, not {method!r}")
        layer[0].weight.data[...] = nn.bilinear_weight(channels, kernel_size)
    elif start != "default":
        raise ValueError(f"start must be 'default' or 'bilinear', got {start!r}")
    return layer


def flat_spread(layer, channels, size=8, margin=2) -> float:
    """How far a flat input's output is from flat: spread of the 2×2 phase means, relative.

    ``layer`` gets an input of ones, (1, channels, size, size); away from ``margin`` cells of
    every border, each output channel's four phases (positions inside a 2×2 block) are
    averaged, and the largest difference between phases of a channel is divided by the mean
    absolute output. 0 means the interior stays flat.
    """
    y = layer(np.ones((1, channels, size, size)))[0]
    inner = y[:, margin:y.shape[1] - margin, margin:y.shape[2] - margin]
    phases = np.stack([inner[:, a::2, b::2].mean(axis=(1, 2)) for a in (0, 1) for b in (0, 1)])
    scale = np.abs(inner).mean()
    return float((phases.max(axis=0) - phases.min(axis=0)).max() / scale) if scale else 0.0


class UpsamplerRow(NamedTuple):
    """One upsampler: label, multiply-adds per output pixel, parameters, flat spreads per seed."""

    label: str
    macs_per_pixel: float
    params: int
    spreads: tuple[float, ...]

    @property
    def stays_flat(self) -> bool:
        """Whether a flat input came out flat in the interior from every seed."""
        return max(self.spreads) < 1e-9


def upsampler_rows(channels=64, seeds=range(5), flat_channels=4) -> list[UpsamplerRow]:
    """The cost of a ``channels`` -> ``channels`` ×2 layer of each of :data:`UPSAMPLERS`, and
    its :func:`flat_spread` at initialisation from each seed (``flat_channels`` channels)."""
    c = as_int(channels, "channels", minimum=1)
    fc = as_int(flat_channels, "flat_channels", minimum=1)
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    rows = []
    for method, k, start, label in UPSAMPLERS:
        cost = upsampling_cost(method, c, k)
        spreads = tuple(flat_spread(upsampler_layer(method, k, start, fc, rng=seed), fc)
                        for seed in seeds)
        rows.append(UpsamplerRow(label, cost.macs_per_pixel, cost.params, spreads))
    return rows


def upsampler_table(rows) -> str:
    """The rows as a fixed-width table: cost, parameters, and the seeds that kept flat flat."""
    rows = list(rows)
    if not rows or not all(isinstance(r, UpsamplerRow) for r in rows):
        raise TypeError("rows must be a non-empty list of UpsamplerRow (from upsampler_rows)")
    w = max(len("upsampler"), *(len(r.label) for r in rows))
    head = f"{'upsampler':<{w}}  {'mult-adds/pixel':>15}  {'parameters':>10}  flat stays flat"
    lines = [head, "-" * len(head)]
    for r in rows:
        flat = f"{sum(s < 1e-9 for s in r.spreads)} of {len(r.spreads)} seeds"
        lines.append(f"{r.label:<{w}}  {r.macs_per_pixel:>15,.0f}  {r.params:>10,}  {flat}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# 4. Figures
# ---------------------------------------------------------------------------------------

BOX = "#dbeafe"
SIDE = "#fde68a"
EDGE = "#1b1b1b"


def _weight_text(shape) -> str:
    return "" if shape is None else "w " + "×".join(map(str, shape))


def decoder_figure(rows, title: str = "", fontsize: float = 9.5):
    """A decoder's feature maps as boxes, left to right, with each layer's weight shape.

    A box's height is proportional to the map's height H, its width grows with the channels
    C; under it, the layer that made it and its weight shape. Shape-keeping steps without
    weights (ReLU) are left out. ``side`` rows (a skip) run in an upper lane and join the
    main path, with an arrow, at the step that follows them.
    """
    import matplotlib.pyplot as plt

    rows = list(rows)
    if not rows or not all(isinstance(r, Row) for r in rows):
        raise TypeError("rows must be a non-empty list of Row (from run_layers or UNetUp.trace)")
    shown, previous = [], None
    for r in rows:
        if r.side or r.weight_shape is not None or previous is None or r.out_shape != previous:
            shown.append(r)
        if not r.side:
            previous = r.out_shape
    top_h = max(r.out_shape[1] for r in shown)
    top_c = max(r.out_shape[0] for r in shown)
    main = [r for r in shown if not r.side]
    two_lanes = len(main) < len(shown)
    slot, lane_y = 1.6, 1.8
    left, right = -0.75, (len(main) - 1) * slot + 0.75
    bottom, top = -1.45, (lane_y + 1.3 if two_lanes else 0.6)
    inch = 0.92  # inches per data unit
    fig = new_figure(((right - left) * inch, (top - bottom) * inch + (0.3 if title else 0)))
    ax = fig.subplots()
    arrow = dict(arrowstyle="->", color=EDGE, lw=0.9)
    pending, j = [], 0
    for r in shown:
        if r.side:
            pending.append(r)
            continue
        x = j * slot
        for n, s in enumerate(pending):  # the last side row sits above this box
            x_side = x - (len(pending) - 1 - n) * slot
            _box(ax, plt, x_side, lane_y, s, top_h, top_c, SIDE, fontsize, above=True)
            if n < len(pending) - 1:
                ax.annotate("", (x_side + slot - 0.5, lane_y), (x_side + 0.5, lane_y),
                            arrowprops=arrow)
            else:
                ax.annotate("", (x, 0.55), (x, lane_y - 0.55), arrowprops=arrow)
        pending = []
        _box(ax, plt, x, 0.0, r, top_h, top_c, BOX, fontsize, above=False)
        if j:
            ax.annotate("", (x - 0.5, 0), (x - slot + 0.5, 0), arrowprops=arrow)
        j += 1
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(tr(title), fontsize=fontsize + 2)
    return fig


def _wrap(text: str, width: int = 19) -> str:
    """A layer's description in short lines: a call's name on a line of its own."""
    import textwrap

    name, paren, args = text.partition("(")
    if paren and len(text) > width:
        return name + "\n" + "\n".join(textwrap.wrap("(" + args, width))
    return "\n".join(textwrap.wrap(text, width))


def _box(ax, plt, x, y, row, top_h, top_c, colour, fontsize, above):
    """One feature map: a box centred at (x, y), its shape, the layer and its weight."""
    h = max(0.9 * row.out_shape[1] / top_h, 0.03)
    w = 0.12 + 0.75 * np.sqrt(row.out_shape[0] / top_c)
    ax.add_patch(plt.Rectangle((x - w / 2, y - h / 2), w, h, facecolor=colour, edgecolor=EDGE,
                               linewidth=0.8))
    lines = [_shape_text(row.out_shape), _wrap(tr(row.layer)), _weight_text(row.weight_shape)]
    if above:
        ax.text(x, y + 0.5, "\n".join(t for t in lines[1:] + lines[:1] if t), ha="center",
                va="bottom", fontsize=fontsize)
    else:
        ax.text(x, y - 0.5, "\n".join(t for t in lines if t), ha="center", va="top",
                fontsize=fontsize)


def flat_outputs(seed=0, size=3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One ``k = 4``, ``s = 2``, ``p = 1`` layer (one channel) on a ``size×size`` input of ones.

    Three ``(2·size, 2·size)`` arrays: the overlap count (even inside, one short cell at each
    end); the output of the layer with PyTorch's random initialisation drawn from ``seed``
    (the four phases of each 2×2 block differ); the output with the bilinear kernel (flat
    inside, short at the edges).
    """
    n = as_int(size, "size", minimum=3)
    ones = np.ones((1, 1, n, n))
    counts = overlap_count((n, n), 4, 2, 1).count
    layer = nn.ConvTranspose2d(1, 1, 4, 2, 1, bias=False, rng=seed, dtype=np.float64)
    random = layer(ones)[0, 0]
    layer.weight.data[...] = nn.bilinear_weight(1, 4)
    return counts, random, layer(ones)[0, 0]


def flat_input_figure(seed=0, size=3):
    """The three arrays of :func:`flat_outputs` as grids, one 2×2 block outlined: a Figure."""
    counts, random, bilinear = flat_outputs(seed, size)
    block = [(r, c) for r in (2, 3) for c in (2, 3)]
    side = 0.44 * counts.shape[0]
    fig = new_figure((3 * side + 0.6, side + 0.5))
    axes = fig.subplots(1, 3)
    grid(axes[0], counts, "overlap count", shade=counts, write_counts=False, labels=False,
         highlight=block, fontsize=12)
    grid(axes[1], random, "random weights", fmt=".2f", labels=False, highlight=block,
         fontsize=9)
    grid(axes[2], bilinear, "bilinear kernel", fmt=".2f", labels=False, highlight=block,
         fontsize=9)
    for ax in axes:
        ax.title.set_fontsize(12)
    return fig


# ---------------------------------------------------------------------------------------
# 5. The same layer in PyTorch, Keras, JAX and ONNX (the translations of tconv.frameworks)
# ---------------------------------------------------------------------------------------

# Each framework's weight for a transposed convolution, in PyTorch's letters: I = C_in,
# O = C_out (per group), H and W the kernel's axes; and the converter from PyTorch's weight.
WEIGHT_LAYOUTS = (
    ("PyTorch `ConvTranspose2d.weight`", "IOHW", lambda w: w),
    ("Keras `Conv2DTranspose` kernel", "HWOI", fw.keras_kernel),
    ("JAX `lax.conv_transpose` (HWIO)", "HWIO", fw.jax_kernel),
    ("JAX, `transpose_kernel=True`", "HWOI", lambda w: fw.jax_kernel(w, transpose_kernel=True)),
    ("Flax `ConvTranspose` kernel", "HWIO", fw.flax_kernel),
    ("ONNX `ConvTranspose` input W", "IOHW", lambda w: w),
)
_LETTER = {"I": "C_in", "O": "C_out/g", "H": "kH", "W": "kW"}


class LayoutRow(NamedTuple):
    """One framework's weight: where it lives, its axes, its shape, and whether it is flipped."""

    where: str
    layout: str
    shape: tuple[int, ...]
    flipped: bool


def weight_layouts(in_channels=2, out_channels=3, kernel_size=(4, 5), seed=0) -> list[LayoutRow]:
    """Each framework's weight for one PyTorch weight (C_in, C_out, kH, kW), compared with it.

    ``flipped`` is found, not declared: the converted kernel, put back in PyTorch's axis order,
    equals PyTorch's weight either as it is (False) or turned in both spatial axes (True).
    """
    c_in = as_int(in_channels, "in_channels", minimum=1)
    c_out = as_int(out_channels, "out_channels", minimum=1)
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    w = np.random.default_rng(seed).standard_normal((c_in, c_out, as_int(kh, "kH", minimum=1),
                                                     as_int(kw, "kW", minimum=1)))
    rows = []
    for where, letters, convert in WEIGHT_LAYOUTS:
        kernel = convert(w)
        back = fw.relayout(kernel, letters, "IOHW")
        if np.array_equal(back, w):
            flipped = False
        elif np.array_equal(back[..., ::-1, ::-1], w):
            flipped = True
        else:  # pragma: no cover - a converter that is neither would be a bug in tconv
            raise AssertionError(f"{where}: the kernel is not PyTorch's weight, flipped or not")
        layout = "(" + ", ".join(_LETTER[c] for c in letters) + ")"
        rows.append(LayoutRow(where, layout, kernel.shape, flipped))
    return rows


def weight_layout_table(rows) -> Table:
    """The rows of :func:`weight_layouts` as a Markdown table."""
    rows = list(rows)
    if not rows or not all(isinstance(r, LayoutRow) for r in rows):
        raise TypeError("rows must be a non-empty list of LayoutRow (from weight_layouts)")
    return Table(["weight", "axes", "shape", "flipped in H and W"],
                 [(r.where, f"`{r.layout}`", _shape_text(r.shape), "yes" if r.flipped else "no")
                  for r in rows], align="lllc")


def _crop_text(crop) -> str:
    """A crop (H, W) of (begin, end) pairs as the slice that applies it."""
    parts = []
    for b, e in crop:
        parts.append(f"{b or ''}:{-e if e else ''}")
    return "y[..., " + ", ".join(parts) + "]"


# The calls of the window table: a label, a short label for the figure, and the layer the
# framework's arguments describe.
def _window_calls(kernel_size: int, stride: int, size: int):
    k, s, n = kernel_size, stride, size
    same = n * s
    return [
        ("PyTorch `padding=1, output_padding=1`", "PyTorch p=1, a=1", fw.from_torch(k, s, 1, 1)),
        ("PyTorch `padding=1`", "PyTorch p=1", fw.from_torch(k, s, 1, 0)),
        ("PyTorch `padding=0`", "PyTorch p=0", fw.from_torch(k, s, 0, 0)),
        ('Keras `padding="same"`', 'Keras "same"', fw.from_keras(k, s, "same")),
        ('Keras `padding="valid"`', 'Keras "valid"', fw.from_keras(k, s, "valid")),
        ('JAX `padding="SAME"`', 'JAX "SAME"', fw.from_jax(k, s, "SAME")),
        ('Flax `ConvTranspose` (default `"SAME"`)', "Flax", fw.from_flax((k, k), s)),
        ('ONNX `auto_pad="SAME_UPPER"`', "ONNX SAME_UPPER",
         fw.from_onnx(k, s, auto_pad="SAME_UPPER")),
        ('ONNX `auto_pad="SAME_LOWER"`', "ONNX SAME_LOWER",
         fw.from_onnx(k, s, auto_pad="SAME_LOWER")),
        (f"ONNX `output_shape=({same}, {same})`", "ONNX output_shape",
         fw.from_onnx(k, s, output_shape=(same, same), size=n)),
    ]


class WindowRow(NamedTuple):
    """A framework call, the cells (one axis) of the full output it keeps, and PyTorch's way."""

    call: str
    short: str
    translation: fw.Translation
    kept: fw.Kept
    out: int
    torch: str


def window_rows(size=4, kernel_size=3, stride=2) -> list[WindowRow]:
    """For one layer (square, one axis shown), the window of the full output each call keeps.

    ``torch`` is PyTorch's equivalent: its ``(padding, output_padding)`` when one exists, else
    ``padding=0`` and the slice :func:`tconv.frameworks.to_torch` says to cut.
    """
    n = as_int(size, "size", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    s = as_int(stride, "stride", minimum=1)
    rows = []
    for call, short, t in _window_calls(k, s, n):
        kept = fw.kept_cells(t, n)[0]
        pair = t.torch_pair
        if pair is not None:
            torch = f"`padding={pair[0][0]}, output_padding={pair[1][0]}`"
        else:
            crop = fw.to_torch(t).crop
            torch = f"none: `padding=0`, then `{_crop_text(crop)}`"
        rows.append(WindowRow(call, short, t, kept, kept.stop - kept.start, torch))
    return rows


def window_table(rows) -> Table:
    """The rows of :func:`window_rows` as a Markdown table."""
    rows = list(rows)
    if not rows or not all(isinstance(r, WindowRow) for r in rows):
        raise TypeError("rows must be a non-empty list of WindowRow (from window_rows)")
    full = rows[0].kept.full
    return Table(["call", f"keeps cells (of 0–{full - 1})", "size", "in PyTorch"],
                 [(r.call, f"{r.kept.start}–{r.kept.stop - 1}", r.out, r.torch) for r in rows],
                 align="lcrl")


def translation_rows(layers=((4, 2, 1, 0), (2, 2, 0, 0), (3, 2, 1, 1), (3, 2, 1, 0),
                             (3, 1, 1, 0))) -> list[tuple[str, str, str, str]]:
    """PyTorch layers ``(k, s, p, a)`` and the matching call in Keras, JAX and ONNX (Markdown).

    Every call is :func:`tconv.frameworks.same_layer_calls` (``to_keras``, ``to_jax``,
    ``to_onnx`` written out as the output-size calculator writes them); a Keras call that
    needs a crop after it is followed by its ``Cropping2D``.
    """
    rows = []
    for layer in layers:
        k, s, p, a = (as_int(v, name, minimum=0) for v, name in
                      zip(layer, ("kernel_size", "stride", "padding", "output_padding"),
                          strict=True))
        calls = fw.same_layer_calls(k, s, p, a)
        rows.append(tuple(", then ".join(f"`{line}`" for line in calls[name].code.splitlines())
                          if calls[name].code else calls[name].note
                          for name in ("PyTorch", "Keras", "JAX", "ONNX")))
    return rows


TRANSLATION_FRAMEWORKS = ("PyTorch", "Keras 3", "JAX", "ONNX")


def translation_table(rows) -> Table:
    """The rows of :func:`translation_rows` as a Markdown table: framework and call, a group of
    four lines per layer (PyTorch's first, in bold), so that long calls wrap instead of
    widening the page."""
    rows = list(rows)
    if not rows or not all(isinstance(r, tuple) and len(r) == 4 for r in rows):
        raise TypeError("rows must be a non-empty list of 4-tuples (from translation_rows)")
    lines = [(f"**{name}**" if name == "PyTorch" else name, call)
             for row in rows for name, call in zip(TRANSLATION_FRAMEWORKS, row, strict=True)]
    return Table(["framework", "call"], lines, align="ll")


def grouped_as_separate(x, weight, groups, **settings) -> np.ndarray:
    """A grouped transposed convolution run as ``groups`` ungrouped ones, concatenated.

    How to port ``groups`` to Keras' ``Conv2DTranspose`` or ``lax.conv_transpose``, which have
    none: group j's input channels and weight rows make its own layer. x (N, C_in, H, W),
    weight (C_in, C_out/g, kH, kW) -> (N, C_out, Ho, Wo).
    """
    x, weight = as_array(x, "x"), as_array(weight, "weight")
    check_ndim(x, "x", (4,), "(N, C_in, H, W)")
    check_ndim(weight, "weight", (4,), "(C_in, C_out/groups, kH, kW)")
    g = as_int(groups, "groups", minimum=1)
    if x.shape[1] % g or weight.shape[0] != x.shape[1]:
        raise ValueError(f"groups ({g}) must divide the input's {x.shape[1]} channels, and the "
                         f"weight must have {x.shape[1]} rows, got {weight.shape[0]}")
    c = x.shape[1] // g
    parts = [conv_transpose2d(x[:, j * c:(j + 1) * c], weight[j * c:(j + 1) * c], **settings)
             for j in range(g)]
    return np.concatenate(parts, axis=1)


def windows_example(size=4, kernel_size=3, stride=2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A small integer example: x (size×size), kernel (k×k) and their full output (padding 0)."""
    n = as_int(size, "size", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    x = (np.arange(n * n) % 3 + 1).reshape(n, n).astype(float)
    kernel = (np.arange(k * k) % 2 + 1).reshape(k, k).astype(float)
    return x, kernel, conv_transpose2d(x, kernel, stride=stride)


WINDOW_COLOURS = ("#0a58ca", "#c2410c", "#15803d", "#7e22ce")
WINDOW_STYLES = ("-", "--", ":", "-.")


def windows_figure(size=4, kernel_size=3, stride=2):
    """The full output of one layer, and the window of it each framework's call keeps: a Figure.

    Above: the full (uncropped) output of :func:`windows_example`, with the two ``"same"``-size
    windows outlined. Below, column under column: one axis of it, a row per distinct window,
    the kept cells shaded
    and numbered as the output cells they become, the dropped cells hatched, and the calls that
    keep that window written beside it.
    """
    from matplotlib.patches import Rectangle

    rows = window_rows(size, kernel_size, stride)
    _, _, full = windows_example(size, kernel_size, stride)
    groups: dict[tuple[int, int], list[str]] = {}
    for r in rows:
        groups.setdefault((r.kept.start, r.kept.stop), []).append(r.short)
    windows = sorted(groups, key=lambda w: (-(w[1] - w[0] == size * stride), w))
    n_full = full.shape[0]
    width = n_full + LABEL_CELLS  # both panels on one scale, so the columns line up
    fig = new_figure((CELL_IN * width + 0.4, CELL_IN * (n_full + len(windows)) + 1.3))
    left, right = fig.subplots(2, 1, gridspec_kw={"height_ratios": [n_full + 1,
                                                                    len(windows) + 1]})
    grid(left, full, fontsize=9)
    left.set_title(tr("full output (padding 0)"), loc="left", fontsize=10, pad=14)
    left.set_xlim(-0.05, width)
    for j, (start, stop) in enumerate(windows[:2]):
        inset = 0.08 + 0.1 * j
        left.add_patch(Rectangle((start + inset, start + inset), stop - start - 2 * inset,
                                 stop - start - 2 * inset, fill=False, linewidth=2.4,
                                 edgecolor=WINDOW_COLOURS[j], linestyle=WINDOW_STYLES[j]))
    cells = np.full((len(windows), n_full), "", dtype=object)
    shade = np.zeros((len(windows), n_full), dtype=int)
    hatch = []
    for i, (start, stop) in enumerate(windows):
        for c in range(n_full):
            if start <= c < stop:
                cells[i, c], shade[i, c] = str(c - start), 1
            else:
                hatch.append((i, c))
    grid(right, cells, shade=shade, hatch=hatch, write_counts=False, fontsize=9)
    right.set_title(tr("one axis: the cells each call keeps"), loc="left", fontsize=10, pad=14)
    right.set_yticks([])
    for i, (start, stop) in enumerate(windows):
        if i < 2:  # the windows outlined on the left, outlined the same way here
            right.add_patch(Rectangle((start + 0.08, i + 0.1), stop - start - 0.16, 0.8,
                                      fill=False, linewidth=2.2, edgecolor=WINDOW_COLOURS[i],
                                      linestyle=WINDOW_STYLES[i]))
        right.text(n_full + 0.3, i + 0.5, ", ".join(groups[(start, stop)]), ha="left",
                   va="center", fontsize=9, color=WINDOW_COLOURS[i] if i < 2 else EDGE)
    right.set_xlim(-0.05, width)
    return fig


LABEL_CELLS = 13  # room for the calls' names right of the strip, in cells
CELL_IN = 0.36  # inches per cell in windows_figure
