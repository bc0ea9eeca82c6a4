"""The companion of ``chapters/why-upsample.ipynb``: the chapter's two designs and its figures.

- :func:`same_padding_net` and :func:`encoder_decoder` build the two designs the chapter
  compares from the same list of channel widths, as :mod:`tconv.arch` layer descriptions, so
  their convolutions have the same kernels and channels and differ only in the resolution
  they run at;
- :func:`shapes_scene`: the chapter's example of dense prediction, a noisy image of three
  shapes and its label map;
- figures: :func:`label_figure` (an image and its per-pixel labels), :func:`trace_figure`
  (the activations of a traced network as boxes, from :func:`tconv.arch.trace`) and
  :func:`receptive_field_figure` (the cell one position of a coarse map sits on, and the
  larger field it sees, from :func:`tconv.arch.receptive_field`).

May import: the operations (:mod:`tconv`, :mod:`tconv.arch`) and the toolkit
(:mod:`tconv.show`).
"""

from __future__ import annotations

import numpy as np

from .._checks import as_int, as_tuple
from ..arch import UPSAMPLE_MODES, Conv2d, MaxPool2d, Upsample, receptive_field, trace
from .data import shape_mask

# ---------------------------------------------------------------------------------------
# Two designs of the same depth
# ---------------------------------------------------------------------------------------


def same_padding_net(widths, out_channels, kernel_size=3) -> list:
    """Convolutions of ``widths`` then back down (mirrored), all at full resolution.

    ``widths=(16, 32, 64)`` gives conv 16, 32, 64, 32, 16, then ``out_channels``: every
    convolution has odd ``kernel_size`` and padding ``kernel_size // 2`` ("same"), stride 1.
    """
    ws = _widths(widths)
    out_channels = as_int(out_channels, "out_channels", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd for 'same' padding, got {k}")
    chans = ws + ws[-2::-1] + (out_channels,)
    return [Conv2d(c, k, padding=k // 2) for c in chans]


def encoder_decoder(widths, out_channels, kernel_size=3, factor=2, mode="nearest") -> list:
    """The same convolutions as :func:`same_padding_net`, with pooling between them.

    Encoder: conv ``widths[0]``, then for each further width a ``factor×factor`` max pool and
    a conv. Decoder: for each width back down, an upsampling by ``factor`` (``mode``) and a
    conv; a last conv to ``out_channels`` at full resolution.
    """
    ws = _widths(widths)
    out_channels = as_int(out_channels, "out_channels", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd for 'same' padding, got {k}")
    f = as_int(factor, "factor", minimum=2)
    if mode not in UPSAMPLE_MODES:
        raise ValueError(f"mode must be one of {UPSAMPLE_MODES}, got {mode!r}")
    layers = [Conv2d(ws[0], k, padding=k // 2)]
    for w in ws[1:]:
        layers += [MaxPool2d(f), Conv2d(w, k, padding=k // 2)]
    for w in ws[-2::-1]:
        layers += [Upsample(f, mode), Conv2d(w, k, padding=k // 2)]
    return layers + [Conv2d(out_channels, k, padding=k // 2)]


def _widths(widths) -> tuple[int, ...]:
    if not isinstance(widths, (list, tuple)) or not widths:
        raise TypeError(f"widths must be a non-empty list of channel counts, got {widths!r}")
    return tuple(as_int(w, "widths", minimum=1) for w in widths)


# ---------------------------------------------------------------------------------------
# The example scene
# ---------------------------------------------------------------------------------------

SCENE_NAMES = ("background", "disc", "square", "triangle")
"""The classes of :func:`shapes_scene`, by label number."""


def shapes_scene(size: int = 64, noise: float = 0.08, seed: int = 0):
    """A noisy grey image of a disc, a square and a triangle, and its labels: two (size, size).

    Returns ``(image, labels)``: float grey levels (background 0.2, each shape its own level,
    plus Gaussian noise of standard deviation ``noise``) and int64 class numbers, 0 for the
    background and ``SCENE_NAMES.index(kind)`` for each shape.
    """
    size = as_int(size, "size", minimum=16)
    if not (isinstance(noise, (int, float)) and noise >= 0):
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")
    labels = np.zeros((size, size), dtype=np.int64)
    image = np.full((size, size), 0.2)
    scale = size / 64
    for label, (row, col), grey in [(1, (20, 44), 0.9), (2, (44, 18), 0.6),
                                    (3, (45, 46), 0.75)]:
        mask = shape_mask(SCENE_NAMES[label], size, (row * scale, col * scale), 9.0 * scale,
                          angle=0.3)
        labels[mask], image[mask] = label, grey
    image += noise * np.random.default_rng(seed).standard_normal((size, size))
    return image, labels


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------


def label_figure(image, labels, names):
    """A grey-level image beside its label map, the class names on the colour bar: a Figure."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    image, labels = np.asarray(image), np.asarray(labels)
    if image.shape != labels.shape or image.ndim != 2:
        raise ValueError(f"image and labels must be 2-D arrays of one shape, got {image.shape} "
                         f"and {labels.shape}")
    colours = ["#f1f3f5", "#0a58ca", "#c2410c", "#15803d", "#7e22ce", "#a16207"][:len(names)]
    if len(colours) < len(names):
        raise ValueError(f"names must list at most 6 classes, got {len(names)}")
    fig, (a, b) = plt.subplots(1, 2, figsize=(5.6, 2.5))
    a.imshow(image, cmap="gray", interpolation="nearest")
    a.set_title(f"input image, {image.shape[0]}×{image.shape[1]}", fontsize=9)
    shown = b.imshow(labels, cmap=ListedColormap(colours), vmin=-0.5, vmax=len(names) - 0.5,
                     interpolation="nearest")
    b.set_title(f"one label per pixel, {labels.shape[0]}×{labels.shape[1]}", fontsize=9)
    bar = fig.colorbar(shown, ax=b, ticks=range(len(names)), fraction=0.05)
    bar.ax.set_yticklabels(names, fontsize=8)
    for ax in (a, b):
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout(pad=0.4)
    return fig


def trace_figure(steps, title: str = "", ax=None, fontsize: float = 7.5):
    """A traced network (from :func:`tconv.arch.trace`) as boxes, one per layer output.

    A box's height is proportional to the output's height H, its width grows with the number
    of channels C; each box is labelled with the layer and ``C×H×W``.
    """
    import matplotlib.pyplot as plt

    steps = list(steps)
    if not steps:
        raise ValueError("steps must hold at least one traced layer")
    if ax is None:
        fig, ax = plt.subplots(figsize=(min(1.0 + 0.5 * len(steps), 8.0), 3.0))
    else:
        fig = ax.figure
    top_h = max(max(s.out_shape[1] for s in steps), steps[0].in_shape[1])
    top_c = max(max(s.out_shape[0] for s in steps), steps[0].in_shape[0])
    x = 0.0
    shapes = [(None, steps[0].in_shape)] + [(s.layer.describe(), s.out_shape) for s in steps]
    for label, (c, h, w) in shapes:
        height = h / top_h
        width = 0.15 + 0.45 * np.sqrt(c / top_c)
        colour = "#f1f3f5" if label is None else "#dbeafe"
        ax.add_patch(plt.Rectangle((x, 0.5 - height / 2), width, height, facecolor=colour,
                                   edgecolor="#1b1b1b", linewidth=0.8))
        ax.text(x + width / 2, 0.5 + height / 2 + 0.04, f"{c}×{h}×{w}", ha="center",
                va="bottom", fontsize=fontsize, rotation=90)
        ax.text(x + width / 2, 0.5 - height / 2 - 0.04, label or "input", ha="center",
                va="top", fontsize=fontsize, rotation=90)
        x += width + 0.12
    ax.set_xlim(-0.1, x)
    ax.set_ylim(-0.95, 1.95)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize + 1.5)
    return fig


def receptive_field_figure(layers, input_size, position, ax=None):
    """One position of a coarse map on the input grid: the cell it sits on and what it sees.

    ``layers`` are convolutions and max pools (:func:`tconv.arch.receptive_field`), applied to
    a square input of ``input_size`` pixels; ``position`` is the output cell ``(r, c)``. Draws
    the input, the grid of the output's cells (one per position, ``stride`` pixels apart), the
    cell of ``position`` filled and its receptive field outlined (dashed where it leaves the
    input).
    """
    import matplotlib.pyplot as plt

    size = as_int(input_size, "input_size", minimum=1)
    field = receptive_field(layers)
    out = trace(layers, (1, size, size))[-1].out_shape[1:]
    r, c = as_tuple(position, "position", 2, minimum=0)
    if r >= out[0] or c >= out[1]:
        raise ValueError(f"position ({r}, {c}) is outside the {out[0]}×{out[1]} output")
    (sh, sw), (fh, fw) = field.stride, field.size
    if ax is None:
        fig, ax = plt.subplots(figsize=(3.6, 3.6))
    else:
        fig = ax.figure
    ax.add_patch(plt.Rectangle((0, 0), size, size, facecolor="#f1f3f5", edgecolor="#1b1b1b",
                               linewidth=1))
    for t in range(1, out[0]):
        ax.plot([0, size], [t * sh, t * sh], color="#adb5bd", linewidth=0.5)
    for t in range(1, out[1]):
        ax.plot([t * sw, t * sw], [0, size], color="#adb5bd", linewidth=0.5)
    ax.add_patch(plt.Rectangle((c * sw, r * sh), sw, sh, facecolor="#0a58ca", alpha=0.8,
                               label=f"its cell, {sh}×{sw}"))
    top, left = field.start[0] + r * sh, field.start[1] + c * sw
    ax.add_patch(plt.Rectangle((left, top), fw, fh, facecolor="none", edgecolor="#c2410c",
                               linewidth=2, linestyle="--",
                               label=f"its receptive field, {fh}×{fw}"))
    inside = (max(left, 0), max(top, 0), min(left + fw, size), min(top + fh, size))
    ax.add_patch(plt.Rectangle(inside[:2], inside[2] - inside[0], inside[3] - inside[1],
                               facecolor="#c2410c", alpha=0.15, edgecolor="#c2410c",
                               linewidth=2))
    pad = max(0, -top, -left, top + fh - size, left + fw - size) + 2
    ax.set_xlim(-pad, size + pad)
    ax.set_ylim(size + pad, -pad)
    ax.set_aspect("equal")
    ax.set_xticks([0, size])
    ax.set_yticks([0, size])
    ax.tick_params(labelsize=8)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), fontsize=8, frameon=False,
              ncol=1)
    ax.set_title(f"output position ({r}, {c}) of the {out[0]}×{out[1]} map", fontsize=9)
    fig.tight_layout(pad=0.3)
    return fig
