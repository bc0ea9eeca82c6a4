"""The companion of ``chapters/fixed-upsampling.ipynb``: its experiment, interactive pieces
and figures.

- :func:`round_trip`: shrink an image by a factor and grow it back with one fixed upsampler
  (library calls only, no new math), the experiment both the picker and the chapter measure;
- :class:`MaxUnpoolStepper`: max pooling that records where each maximum came from, then max
  unpooling that puts every value back there, one window per frame (a
  :class:`~tconv.show.SequenceView`: live widget plus static player);
- :class:`UpsamplePicker`: the reader picks a method and a factor and sees the round trip on a
  photograph (a :class:`~tconv.show.ChooserView`);
- :func:`as_transposed_conv` and :func:`border_distance`: a fixed upsampler done by
  ``conv_transpose2d`` with its frozen kernel (:mod:`tconv.fixed_kernels`), and how far each
  output cell is from the border, to show where bilinear and its tent kernel differ;
- figures: :func:`image_row` (grey-level images side by side), :func:`sample_points_figure`
  (where bilinear samples the input, for both ``align_corners`` settings) and
  :func:`tent_border_figure` (bilinear against its tent-kernel transposed convolution).

May import: the operations (:mod:`tconv`), the toolkit (:mod:`tconv.show`) and the shared
data sets (:mod:`tconv.book.data`).
"""

from __future__ import annotations

import io
from html import escape

import numpy as np

from .._checks import all_finite, as_array, as_int, as_tuple, check_ndim, check_nonempty
from ..conv import conv_transpose2d
from ..fixed_kernels import MODES, fixed_upsampler
from ..metrics import psnr
from ..pool import max_pool2d, max_unpool2d
from ..show.player import budget_message, image_frame
from ..show.text import N_, _, tr
from ..show.widgets import ChooserView, SequenceView, check_fmt, grid_html, panel_html
from ..upsample import bed_of_nails, bilinear_source_coords, upsample_bilinear, upsample_nearest
from .data import downsample_box

# ---------------------------------------------------------------------------------------
# Down and up again
# ---------------------------------------------------------------------------------------

METHODS = ("nearest", "bilinear", "bed_of_nails", "max_unpool")
"""The four fixed upsamplers, as ``round_trip`` names them."""

METHOD_NAMES = {"nearest": N_("nearest neighbour"), "bilinear": N_("bilinear"),
                "bed_of_nails": N_("bed of nails"), "max_unpool": N_("max-unpooling")}
"""How the chapters write each method's name."""


def round_trip(image, method, factor, align_corners=False):
    """Shrink a (H, W) image ``factor`` times and grow it back: (low (H/f, W/f), up (H, W)).

    ``max_unpool`` shrinks with ``max_pool2d`` (it needs the indices); the others with the
    mean of each ``factor×factor`` block (:func:`tconv.book.data.downsample_box`). ``align_corners``
    is passed to bilinear upsampling and must stay False for the other methods.
    """
    x = as_array(image, "image")
    check_ndim(x, "image", (2,), "(H, W)")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    f = as_int(factor, "factor", minimum=1)
    if not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"align_corners must be True or False, got {align_corners!r}")
    if align_corners and method != "bilinear":
        raise ValueError(f"align_corners=True only applies to bilinear, not {method!r}")
    h, w = x.shape
    if h % f or w % f:
        raise ValueError(f"image height and width ({h}, {w}) must be divisible by factor ({f})")
    x = x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)
    if method == "max_unpool":
        low, indices = max_pool2d(x, f, return_indices=True)
        return low, max_unpool2d(low, indices, f)
    low = downsample_box(x[None, None], f)[0, 0]
    if method == "nearest":
        up = upsample_nearest(low, f)
    elif method == "bilinear":
        up = upsample_bilinear(low, f, align_corners=align_corners)
    else:
        up = bed_of_nails(low, f)
    return low, up


# ---------------------------------------------------------------------------------------
# The fixed upsamplers as transposed convolutions
# ---------------------------------------------------------------------------------------


def as_transposed_conv(image, mode, factor):
    """``mode`` upsampling of a (H, W) image by ``conv_transpose2d`` with its fixed kernel:
    (H·s, W·s).

    ``mode`` is one of :data:`tconv.fixed_kernels.MODES`; kernel, stride and padding come
    from :func:`tconv.fixed_kernels.fixed_upsampler`.
    """
    x = as_array(image, "image")
    check_ndim(x, "image", (2,), "(H, W)")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    kernel, stride, padding = fixed_upsampler(mode, factor)
    if mode == "bilinear" and not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return conv_transpose2d(x, kernel, stride=stride, padding=padding)


def border_distance(shape) -> np.ndarray:
    """How many cells each cell of a (H, W) grid lies from the nearest border: int (H, W)."""
    h, w = as_tuple(shape, "shape", 2, minimum=1)
    rows = np.minimum(np.arange(h), np.arange(h)[::-1])
    cols = np.minimum(np.arange(w), np.arange(w)[::-1])
    return np.minimum.outer(rows, cols)


# ---------------------------------------------------------------------------------------
# The max-unpooling stepper
# ---------------------------------------------------------------------------------------


STEPPER_CSS = ".tcv .pn>.g{align-self:flex-start}"
"""Keeps each grid as narrow as its cells, whatever the width of its panel's title."""


def _blank(shape) -> np.ndarray:
    """An object array of Nones: a grid drawn with empty cells."""
    return np.full(shape, None, dtype=object)


def _partial(values: np.ndarray, shown: int) -> np.ndarray:
    """The first ``shown`` cells of ``values`` in row-major order, the rest blank."""
    out = _blank(values.shape)
    out.flat[:shown] = list(values.flat[:shown])
    return out


class MaxUnpoolStepper(SequenceView):
    """Max pooling with saved indices, then max unpooling, one window per frame, on a 2-D ``x``.

    Frame 0 shows the input. Then one frame per pooling window: the window is outlined, its
    maximum highlighted, and the maximum and its index ``row·W + col`` (PyTorch's convention)
    are written into the pooled and index grids. Then one frame per pooled value: it goes back
    to the cell its index names in an output of zeros. The last frame sets the output beside
    the input. The numbers come from :func:`tconv.max_pool2d` and :func:`tconv.max_unpool2d`.
    Invalid settings give ``.error`` (the library's message) instead of an exception.
    """

    def __init__(self, x, kernel_size=2, stride=None, title: str | None = None, *,
                 fmt: str | None = None, interval: int = 900, max_steps: int = 36):
        self.fmt, self.css = check_fmt(fmt), STEPPER_CSS
        self.interval = as_int(interval, "interval", minimum=1)
        max_steps = as_int(max_steps, "max_steps", minimum=1)
        self.title, self.note, self.error = title or "Max pooling, then max unpooling", "", None
        try:
            x = as_array(x, "x")
            check_ndim(x, "x", (2,), "(H, W) (the stepper shows one channel)")
            too_big = budget_message(2 * x.size, "use a smaller input")  # input and output
            if too_big:
                raise ValueError(too_big)
            self.kernel_size = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
            self.stride = self.kernel_size if stride is None else as_tuple(
                stride, "stride", 2, minimum=1)
            self.pooled, self.indices = max_pool2d(x, self.kernel_size, self.stride,
                                                   return_indices=True)
            self.output = max_unpool2d(self.pooled, self.indices, self.kernel_size, self.stride,
                                       output_size=x.shape)
        except (ValueError, TypeError) as err:
            self.error = str(err)
            return
        self.x = x
        if self.pooled.size > max_steps:
            self.error = (f"pooling x gives {self.pooled.size} windows, more than a stepper "
                          f"shows (max_steps={max_steps}); use a smaller input")
            return
        if title is None:
            (h, w), (kh, kw) = x.shape, self.kernel_size
            self.title = (f"Max pooling a {h}×{w} grid with {kh}×{kw} windows, stride "
                          f"{_pair_text(self.stride)}, then max unpooling it")
        self.note = escape(N_(
            "Outlined cells: the pooling window, or the cell being written. Highlighted: the "
            "maximum being recorded or put back. The index grid stores r·W + c, the position "
            "(row r, column c) of each maximum in the flattened input."))

    # Geometry -----------------------------------------------------------------------------

    @property
    def n_windows(self) -> int:
        """How many pooling windows (and so pooled values) there are."""
        return self.pooled.size

    def _window(self, k: int) -> tuple[int, int, range, range]:
        """Pooled cell (i, j) of window k and the input rows and columns it covers."""
        i, j = divmod(k, self.pooled.shape[1])
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        return i, j, range(i * sh, i * sh + kh), range(j * sw, j * sw + kw)

    def _source(self, k: int) -> tuple[int, int]:
        """The input cell (row, col) that index k points at."""
        return divmod(int(self.indices.flat[k]), self.x.shape[1])

    def __len__(self) -> int:
        return 0 if self.error else 2 * self.n_windows + 2

    # Text ---------------------------------------------------------------------------------

    def caption(self, i: int) -> str:
        """The sentence for frame i."""
        n, (h, w) = self.n_windows, self.x.shape
        ph, pw = self.pooled.shape
        if i == 0:
            return (f"Start: pooling keeps the largest value of each of the {n} windows of the "
                    f"{h}×{w} input and, beside it, where that value was; unpooling will use "
                    f"those {n} indices to put the values back into a {h}×{w} grid of zeros.")
        if i <= n:
            k = i - 1
            pi, pj, rows, cols = self._window(k)
            r, c = self._source(k)
            v = self._text(self.pooled.flat[k])
            window = self.x[rows.start:rows.stop, cols.start:cols.stop]
            ties = int(np.sum(window == self.pooled.flat[k]))
            tie = (f" ({ties} cells share the maximum; the first in reading order wins)"
                   if ties > 1 else "")
            return (f"Pooling step {i} of {n}: window rows {rows.start}–{rows.stop - 1}, "
                    f"columns {cols.start}–{cols.stop - 1}; its maximum is x[{r},{c}] = "
                    f"{v}{tie}. pooled[{pi},{pj}] = {v}, indices[{pi},{pj}] = "
                    f"{r}·{w} + {c} = {int(self.indices.flat[k])}.")
        if i <= 2 * n:
            k = i - n - 1
            pi, pj, _, _ = self._window(k)
            r, c = self._source(k)
            idx = int(self.indices.flat[k])
            return (f"Unpooling step {k + 1} of {n}: pooled[{pi},{pj}] = "
                    f"{self._text(self.pooled.flat[k])} goes to index {idx}, that is row "
                    f"{idx} // {w} = {r}, column {idx} % {w} = {c} of the output.")
        kept = int(np.count_nonzero(self._written(n)))
        return (f"Result: {kept} of the {h * w} output cells hold a maximum, at the place it "
                f"came from; the other {h * w - kept} are 0. Unpooling restores where the "
                f"maxima were, not the values pooling discarded.")

    def _text(self, v) -> str:
        fmt = self.fmt
        if fmt is None and np.issubdtype(np.asarray(v).dtype, np.integer):
            return str(int(v))
        return format(float(v), fmt or ".3g")

    def _written(self, shown: int) -> np.ndarray:
        """Which output cells the first ``shown`` unpooling steps have written: bool (H, W)."""
        mask = np.zeros(self.x.size, dtype=bool)
        mask[self.indices.flat[:shown]] = True
        return mask.reshape(self.x.shape)

    # Frames -------------------------------------------------------------------------------

    def frame(self, i: int) -> str:
        """The HTML of frame i."""
        n, fmt = self.n_windows, self.fmt
        shape = self.pooled.shape
        window = source = None
        pooled_shown = min(max(i, 0), n)
        current = None  # the pooled cell of this step, highlighted
        if 1 <= i <= n:
            pi, pj, rows, cols = self._window(i - 1)
            window, source, current = (rows, cols), self._source(i - 1), (pi, pj)
        elif n < i <= 2 * n:
            pi, pj, _, _ = self._window(i - n - 1)
            source, current = self._source(i - n - 1), (pi, pj)

        def x_classes(r, c):
            cls = []
            if window and r in window[0] and c in window[1]:
                cls.append("w")
            if i <= n and source == (r, c):
                cls.append("h")
            return " ".join(cls)

        def pooled_classes(r, c):
            return "h" if current == (r, c) else ""

        panels = [
            panel_html("input x", grid_html(self.x, x_classes, headers=True, fmt=fmt)),
            panel_html("pooled", grid_html(
                _partial(self.pooled, pooled_shown) if i <= n else self.pooled,
                pooled_classes, fmt=fmt) if pooled_shown else grid_html(_blank(shape))),
            panel_html("indices (r·W + c)", grid_html(
                _partial(self.indices, pooled_shown) if i <= n else self.indices,
                pooled_classes) if pooled_shown else grid_html(_blank(shape))),
        ]
        if i <= n:
            out = grid_html(_blank(self.x.shape), headers=True)
        else:
            written = self._written(min(i - n, n))
            canvas = np.where(written, self.output, 0).astype(self.output.dtype)

            def out_classes(r, c):
                if i <= 2 * n and source == (r, c):
                    return "w h"
                return "h" if i > 2 * n and written[r, c] else ""

            out = grid_html(canvas, out_classes, headers=True, fmt=fmt)
        panels.append(panel_html("unpooled output", out))
        return '<div class="tcv">' + "".join(panels) + "</div>"


def _pair_text(pair) -> str:
    """(2, 2) -> '2', (1, 2) -> '(1, 2)'."""
    return str(pair[0]) if pair[0] == pair[1] else str(tuple(pair))


# ---------------------------------------------------------------------------------------
# The method picker
# ---------------------------------------------------------------------------------------

PICKER_CSS = (".tcx{display:flex;flex-wrap:wrap;gap:.6em 1.2em;color:var(--tc-fg);"
              "font:14px/1.3 system-ui,sans-serif}"
              ".tcx figure{margin:0}.tcx figcaption{font-size:85%;color:var(--tc-mute)}"
              ".tcx img{width:12em;height:12em;image-rendering:pixelated;"
              "border:1px solid var(--tc-line)}")
"""CSS of the picker's images: one display size whatever their resolution, pixels kept."""


def png_bytes(image) -> bytes:
    """A grey-level image with values in [0, 1] as 8-bit PNG bytes: (H, W) -> bytes."""
    from PIL import Image  # Pillow comes with matplotlib

    x = as_array(image, "image")
    check_ndim(x, "image", (2,), "(H, W)")
    check_nonempty(x, "image")
    if not all_finite(x):
        raise ValueError("image must hold finite grey levels (no NaN or infinity) to be drawn")
    grey = np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(grey, mode="L").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _figure_html(image, caption: str, alt: str) -> str:
    return (f"<figure>{image_frame(png_bytes(image), alt)}"
            f"<figcaption>{escape(caption)}</figcaption></figure>")


MAX_PICKER_PIXELS = 128 * 128
"""The largest image a picker takes: its PNGs, one pair per frame, must fit a player's budget."""


class UpsamplePicker(ChooserView):
    """Pick a fixed upsampler and a factor; see a photo shrunk by that factor and grown back.

    ``image`` is a grey-level (H, W) image in [0, 1] (a small crop keeps the static page
    light: every combination is pre-rendered as PNG). Each frame shows the low-resolution
    image, the result of the method, and the caption gives its PSNR against ``image``, which
    the note shows once. Computed with :func:`round_trip`.
    """

    def __init__(self, image, methods=METHODS, factors=(2, 4, 8), title: str | None = None):
        x = as_array(image, "image")
        check_ndim(x, "image", (2,), "(H, W)")
        check_nonempty(x, "image")
        if x.size > MAX_PICKER_PIXELS:  # every frame is two PNGs, within a player's budget
            raise ValueError(f"image has {x.shape[0]}×{x.shape[1]} pixels, more than a picker "
                             f"pre-renders ({MAX_PICKER_PIXELS} pixels, e.g. 128×128): pass a "
                             f"smaller crop")
        self.image = x
        if not methods or any(m not in METHODS for m in methods):
            raise ValueError(f"methods must be a non-empty list drawn from {METHODS}, "
                             f"got {methods!r}")
        labels = {"method": "Method", "factor": "Factor"}
        super().__init__({"method": list(methods), "factor": list(factors)}, self._render,
                         title or "Shrink, then upsample with a fixed method", labels=labels,
                         css=PICKER_CSS,
                         note=('<div class="tcv tcx">' + _figure_html(
                             x, _("original, {h}×{w}", h=x.shape[0], w=x.shape[1]),
                             _("The original crop of the photograph")) + "</div>"))

    def _render(self, method: str, factor: int) -> tuple[str, str]:
        low, up = round_trip(self.image, method, factor)
        name = tr(METHOD_NAMES[method])
        (h, w), (lh, lw) = self.image.shape, low.shape
        shrink = _("max pooling") if method == "max_unpool" else _("block means")
        score = psnr(up, self.image)
        html = ('<div class="tcv tcx">'
                + _figure_html(low, _("shrunk ×{factor} ({shrink}), {lh}×{lw}", factor=factor,
                                      shrink=shrink, lh=lh, lw=lw),
                               _("The crop shrunk {factor} times to {lh} by {lw} pixels",
                                 factor=factor, lh=lh, lw=lw))
                + _figure_html(up, _("{name} ×{factor}, {h}×{w}", name=name, factor=factor,
                                     h=h, w=w),
                               _("The shrunk crop grown back {factor} times by {name}",
                                 factor=factor, name=name))
                + "</div>")
        caption = _("{name} ×{factor}: {lh}×{lw} → {h}×{w}; PSNR against the original "
                    "{score} dB.", name=name, factor=factor, lh=lh, lw=lw, h=h, w=w,
                    score=f"{score:.1f}")
        return html, caption


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------


def image_row(images, titles, *, size: float = 1.9, vmin: float = 0.0, vmax: float = 1.0):
    """Grey-level images side by side, each pixel a crisp square: a matplotlib Figure."""
    from ..show.draw import plt

    images = list(images)
    if len(titles) != len(images) or not images:
        raise ValueError(f"titles must name each of the {len(images)} images, "
                         f"got {len(titles)} titles")
    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images), size * 1.12),
                             squeeze=False)
    for ax, im, title in zip(axes[0], images, titles, strict=True):
        ax.imshow(np.asarray(im), cmap="gray", vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(tr(title), fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout(pad=0.4)
    return fig


def sample_points_figure(in_size: int = 4, out_size: int = 8):
    """Where bilinear upsampling samples a row of ``in_size`` pixels, for both align_corners.

    Each panel draws the input pixels as cells with their centres at 0, 1, …, and marks the
    positions :func:`tconv.bilinear_source_coords` gives for the ``out_size`` output pixels.
    """
    from ..show.draw import plt

    in_size = as_int(in_size, "in_size", minimum=1)
    out_size = as_int(out_size, "out_size", minimum=1)
    fig, axes = plt.subplots(2, 1, figsize=(7.0, 3.8), sharex=True)
    for ax, ac in zip(axes, (False, True), strict=True):
        src = bilinear_source_coords(in_size, out_size, align_corners=ac)
        for c in range(in_size):
            ax.add_patch(plt.Rectangle((c - 0.5, 0.55), 1, 0.4, facecolor="#dbeafe",
                                       edgecolor="#1b1b1b", linewidth=1))
            ax.text(c, 0.86, _("in {c}", c=c), ha="center", va="center", fontsize=8)
        # the output cells, drawn where they fall on the input's axis
        step = in_size / out_size if not ac else (
            (in_size - 1) / (out_size - 1) if out_size > 1 else 1.0)
        first = -0.5 if not ac else -step / 2
        for j in range(out_size):
            ax.add_patch(plt.Rectangle((first + j * step, -0.45), step, 0.4, facecolor="none",
                                       edgecolor="#595959", linewidth=0.8))
            ax.text(first + (j + 0.5) * step, -0.25, f"{j}", ha="center", va="center",
                    fontsize=8, color="#595959")
        ax.plot(src, np.full_like(src, 0.2), "v", color="#c2410c", markersize=6)
        for s in src:
            ax.plot([s, s], [0.2, 0.55], color="#c2410c", linewidth=0.8, linestyle=":")
        ax.plot(np.arange(in_size), np.full(in_size, 0.68), "o", color="#0a58ca",
                markersize=3)
        ax.set_title(_("align_corners={ac}: output centres at {centres}", ac=ac,
                       centres=", ".join(f"{s:.2f}" for s in src)), fontsize=9, loc="left")
        ax.set_ylim(-0.55, 1.05)
        ax.set_yticks([0.75, -0.25], [_("input"), _("output")], fontsize=9)
        ax.spines[["top", "right", "left"]].set_visible(False)
    lo = min(-0.5, -0.5 * ((in_size - 1) / max(out_size - 1, 1)))
    axes[1].set_xlim(lo - 0.1, in_size - 0.5 - lo * 0 + 0.4)
    axes[1].set_xlabel(_("position in input pixels (pixel centres at integers)"), fontsize=9)
    axes[1].tick_params(labelsize=8)
    fig.tight_layout(pad=0.3, h_pad=1.2)
    return fig


def tent_border_figure(image, factor: int):
    """Bilinear upsampling of a (H, W) image against the tent-kernel transposed convolution.

    Left: where they differ, |difference| on the top-left corner of the output (4·factor
    cells square), the band of ``factor // 2`` cells along the border marked. Right: the
    middle output row of both, with the border bands shaded.
    """
    from ..show.draw import plt

    x = as_array(image, "image")
    check_ndim(x, "image", (2,), "(H, W)")
    s = as_int(factor, "factor", minimum=2)
    bilinear = upsample_bilinear(x, s)
    tent = as_transposed_conv(x, "bilinear", s)
    diff = np.abs(tent - bilinear)
    band = s // 2
    h, w = bilinear.shape
    corner = min(4 * s, h, w)
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.6, 3.4),
                               gridspec_kw={"width_ratios": [1, 1.6]})
    shown = a.imshow(diff[:corner, :corner], cmap="magma", interpolation="nearest")
    fig.colorbar(shown, ax=a, fraction=0.046, pad=0.03).ax.tick_params(labelsize=7)
    a.axhline(band - 0.5, color="#4dabf7", linewidth=1, linestyle="--")
    a.axvline(band - 0.5, color="#4dabf7", linewidth=1, linestyle="--")
    a.set_title(_("|difference|, top-left {n}×{n}", n=corner), fontsize=9)
    a.set_xticks(range(0, corner, s))
    a.set_yticks(range(0, corner, s))
    a.tick_params(labelsize=7)
    row = h // 2
    cols = np.arange(w)
    b.axvspan(-0.5, band - 0.5, color="#adb5bd", alpha=0.4, linewidth=0)
    b.axvspan(w - band - 0.5, w - 0.5, color="#adb5bd", alpha=0.4, linewidth=0,
              label=_("{n} cells from the border", n=band))
    b.plot(cols, bilinear[row], color="#0a58ca", linewidth=1.6, label="upsample_bilinear")
    b.plot(cols, tent[row], color="#c2410c", linewidth=1.2, linestyle="--",
           label=_("conv_transpose2d, tent kernel"))
    b.set_title(_("output row {row}", row=row), fontsize=9)
    b.set_xlabel(_("output column c"), fontsize=9)
    b.tick_params(labelsize=8)
    b.legend(fontsize=7.5, loc="lower center", frameon=False)
    b.spines[["top", "right"]].set_visible(False)
    fig.tight_layout(pad=0.4)
    return fig
