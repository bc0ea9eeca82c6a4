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

May import: the operations (:mod:`tconv`, :mod:`tconv.nn`), the toolkit (:mod:`tconv.show`)
and the checkerboard chapter's companion, whose counts and costs this chapter reuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import nn
from .._checks import as_array, as_int, check_ndim
from ..shapes import conv_output_size, conv_transpose_output_size
from ..show.draw import grid, new_figure
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
                _row("skip from the encoder", skip, side=True),
                _row(f"crop skip {skip.shape[2]} → {up.shape[2]}", cropped, side=True)]
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
        ax.set_title(title, fontsize=fontsize + 2)
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
    lines = [_shape_text(row.out_shape), _wrap(row.layer), _weight_text(row.weight_shape)]
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
