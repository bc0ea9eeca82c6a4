"""Matplotlib figures for the chapters: small grids with their numbers, placements, overlap.

Layout only: every number drawn comes from the caller (the ops or :mod:`tconv.placements`).
Each function returns the Figure (or the Axes for :func:`grid`), so a chapter cell ends with
the call and the figure shows, once: each figure is closed in pyplot as soon as it is made
(so Jupyter does not show it a second time and it is not kept open), and shows as the cell's
result. Meaning is never carried by colour alone: overlap counts are
written in the cells, the current window is outlined, cropped cells are hatched.

Every word drawn is in the reader's language (:mod:`tconv.show.text`): the figures' own words
through its message table, and the titles a caller passes through :func:`~tconv.show.text.tr`,
so a chapter's English code draws Chinese figures in the Chinese edition. Importing this
module sets matplotlib's fonts for that language.

May import: the operations (:mod:`tconv`), numpy, matplotlib and :mod:`tconv.show.text`;
never :mod:`tconv.book`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from ..placements import Placements, Term
from .text import _, language, ngettext, tr, use_fonts

if language() != "en":
    use_fonts()

CELL = 0.42  # inches per grid cell
SHADES = ["#ffffff", "#dbeafe", "#93c5fd", "#60a5fa", "#3b82f6"]  # overlap 0, 1, 2, 3, 4+
OUTLINE = "#0a58ca"
HIGHLIGHT = "#fde68a"


def _count(n: int, noun: str) -> str:
    """'1 title', '2 titles': for error messages, which stay English."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _text(v, fmt: str | None) -> str:
    """A cell's number as text: integers plainly, floats with 3 significant digits."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if fmt is not None:
        return format(v, fmt)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return format(float(v), ".3g")


def grid(ax, array, title=None, highlight=(), shade=None, fmt=None, *, hatch=(), dashed=(),
         fill=(), labels=True, write_counts=True, text=None, fontsize=10):
    """Draw a 2-D array as a grid of cells with its numbers; return ``ax``.

    ``highlight``: cells (r, c) outlined (e.g. the window being written); ``fill``: cells with
    a highlight background (e.g. the current input element); ``shade``: an array of overlap
    counts of the same shape, shading each cell and writing the count in its corner;
    ``hatch``: cells hatched as cropped; ``dashed``: cells with a dashed border;
    ``labels``: row/column numbers on the axes; ``write_counts=False`` shades without writing
    the counts (when the cell's number already is the count). ``array`` may hold None for
    blank cells, or strings. ``text``: an array of strings of the same shape written instead
    of the numbers (a None entry keeps the cell's number), e.g. ``"0+2+2+0"``; ``fontsize``
    is the size of the cells' text.
    """
    array = np.asarray(array)
    if array.ndim == 1:
        array = array[None, :]
    H, W = array.shape
    if text is not None:
        text = np.asarray(text, dtype=object)
        if text.size != H * W or text.ndim > 2:
            raise ValueError(f"text must have the shape of array, {(H, W)}, got {text.shape}")
        text = text.reshape(H, W)
    counts = None if shade is None else np.asarray(shade).reshape(H, W)
    highlight, fill, hatch, dashed = map(set, (highlight, fill, hatch, dashed))
    for r in range(H):
        for c in range(W):
            n = 0 if counts is None else int(counts[r, c])
            face = HIGHLIGHT if (r, c) in fill else SHADES[min(n, len(SHADES) - 1)]
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor=face, edgecolor="#6b6b6b",
                                   linewidth=0.8, hatch="///" if (r, c) in hatch else None))
            if (r, c) in dashed:
                ax.add_patch(Rectangle((c + 0.06, r + 0.06), 0.88, 0.88, fill=False,
                                       edgecolor="#1b1b1b", linestyle="--", linewidth=1.2))
            dark = n >= len(SHADES) - 1 and (r, c) not in fill
            v = array[r, c] if text is None or text[r, c] is None else str(text[r, c])
            ax.text(c + 0.5, r + 0.52, _text(v, fmt), ha="center", va="center",
                    fontsize=fontsize, family="monospace", color="white" if dark else "#1b1b1b",
                    weight="bold" if (r, c) in highlight or (r, c) in fill else "normal")
            if n > 0 and write_counts:
                ax.text(c + 0.93, r + 0.08, str(n), ha="right", va="top", fontsize=6.5,
                        color="white" if dark else "#1b1b1b")
    for r, c in highlight | fill:
        ax.add_patch(Rectangle((c + 0.04, r + 0.04), 0.92, 0.92, fill=False,
                               edgecolor=OUTLINE, linewidth=2.4))
    ax.set_xlim(-0.05, W + 0.05)  # a margin, so the outer cell borders are not clipped
    ax.set_ylim(H + 0.05, -0.05)
    ax.set_aspect("equal")
    for side in ax.spines.values():
        side.set_visible(False)
    if labels:
        ax.set_xticks(np.arange(W) + 0.5, [str(c) for c in range(W)], fontsize=7)
        ax.set_yticks(np.arange(H) + 0.5, [str(r) for r in range(H)], fontsize=7)
        ax.tick_params(length=0, labeltop=True, labelbottom=False, pad=2)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        ax.set_title(tr(title), fontsize=10, pad=14 if labels else 4)
    return ax


def new_figure(figsize) -> plt.Figure:
    """A constrained-layout figure already closed in pyplot: shown only when returned."""
    fig = plt.figure(figsize=figsize, layout="constrained")
    plt.close(fig)
    return fig


def _figure(shapes, titles_height=0.6):
    """A figure with one axes per grid shape, side by side, sized to the cells."""
    widths = [max(w, 1) for _, w in shapes]
    height = max(h for h, _ in shapes)
    fig = new_figure((CELL * (sum(widths) + 1.2 * len(shapes)),
                      CELL * height + titles_height + 0.4))
    axes = fig.subplots(1, len(shapes), squeeze=False, gridspec_kw={"width_ratios": widths})
    return fig, list(axes[0])


def grids_side_by_side(arrays, titles=None, fmt=None):
    """Several small 2-D arrays drawn as numbered grids in one row; returns the Figure."""
    arrays = [np.atleast_2d(np.asarray(a)) for a in arrays]
    titles = list(titles) if titles is not None else [None] * len(arrays)
    if len(titles) != len(arrays):
        raise ValueError(f"titles must have one entry per array: "
                         f"{_count(len(arrays), 'array')}, {_count(len(titles), 'title')}")
    fig, axes = _figure([a.shape for a in arrays])
    for ax, a, t in zip(axes, arrays, titles, strict=True):
        grid(ax, a, t, fmt=fmt)
    return fig


def _crop_marks(p: Placements):
    """Hatched (cropped) and dashed (output_padding's extra) canvas cells of ``p``."""
    crop = p.crop
    cells = list(np.ndindex(*crop.canvas_shape))
    hatch = [rc for rc in cells if not crop.kept(*rc)]
    extra_r = range(crop.extra_rows.start, crop.extra_rows.stop)
    extra_c = range(crop.extra_cols.start, crop.extra_cols.stop)
    dashed = [(r, c) for r, c in cells if crop.kept(r, c) and (r in extra_r or c in extra_c)]
    return hatch, dashed


def placement_figure(p: Placements, step: int, fmt=None):
    """One placement: input (element marked), kernel, element × kernel, running canvas."""
    q = p[step]
    i, j = q.index
    hatch, dashed = _crop_marks(p)
    after = _("out after step {step}") if not hatch and not dashed else \
        _("full canvas after step {step}")
    fig, axes = _figure([p.x.shape, p.kernel.shape, p.kernel.shape, p.crop.canvas_shape])
    grid(axes[0], p.x, _("input x"), fill=[q.index], fmt=fmt)
    grid(axes[1], p.kernel, _("kernel"), fmt=fmt, labels=False)
    grid(axes[2], q.contribution, _("x[{i},{j}] × kernel", i=i, j=j), fmt=fmt, labels=False)
    grid(axes[3], q.canvas, after.format(step=step + 1), highlight=q.footprint,
         shade=q.canvas_count, hatch=hatch, dashed=dashed, fmt=fmt)
    fig.suptitle(_("Step {step} of {steps}: x[{i},{j}] = {value} times the kernel",
                   step=step + 1, steps=len(p), i=i, j=j, value=_text(q.value, fmt)),
                 fontsize=11)
    return fig


def all_placements_figure(p: Placements, fmt=None):
    """Each placement's own contribution on the canvas, then their sum (the article's picture)."""
    hatch, dashed = _crop_marks(p)
    shapes = [p.crop.canvas_shape] * (len(p) + 1)
    fig, axes = _figure(shapes)
    for ax, q in zip(axes, p, strict=False):
        alone = np.full(p.crop.canvas_shape, None, dtype=object)
        for (r, c), v in zip(q.footprint, q.contribution.ravel(), strict=True):
            alone[r, c] = v
        i, j = q.index
        grid(ax, alone, _("x[{i},{j}] × kernel", i=i, j=j), highlight=q.footprint, hatch=hatch,
             dashed=dashed, fmt=fmt, labels=False)
    grid(axes[-1], p.canvas, _("sum"), shade=p.canvas_count, hatch=hatch, dashed=dashed,
         fmt=fmt, labels=False)
    return fig


def _tag(k: int) -> str:
    """The label pairing the k-th product's input and kernel cells: A, B, ..., Z, 27, 28 ..."""
    return chr(ord("A") + k) if k < 26 else str(k + 1)


def _sum_text(products, fmt) -> str:
    """'0 + 2 + (-1)': the products as a sum, negative ones in parentheses."""
    parts = [_text(v, fmt) for v in products]
    return " + ".join(f"({t})" if t.startswith("-") else t for t in parts)


def gather_figure(x, kernel, out_index, terms: list[Term], output, fmt=None):
    """One output cell as a gather: input and kernel with the cells used marked, the products.

    ``terms`` are :func:`tconv.placements.gather`'s terms for ``out_index`` = (r, c) and
    ``output`` is the result (its cell is outlined, its value written as the sum). Each
    product's input cell and kernel cell carry the same letter (A, B, ...), which also starts
    its line in the products panel.
    """
    x, kernel, output = (np.atleast_2d(np.asarray(a)) for a in (x, kernel, output))
    r, c = out_index
    if not (0 <= r < output.shape[0] and 0 <= c < output.shape[1]):
        raise ValueError(f"out_index {tuple(out_index)} is outside the output of shape "
                         f"{output.shape}")
    lines = [f"{_tag(k)}  x[{i},{j}] · k[{a},{b}] = {_text(t.value, fmt)} · "
             f"{_text(t.weight, fmt)} = {_text(t.product, fmt)}"
             for k, t in enumerate(terms) for (i, j), (a, b) in [(t.input_index, t.kernel_index)]]
    total = _text(output[r, c], fmt)
    lines.append(f"y[{r},{c}] = {_sum_text([t.product for t in terms], fmt)} = {total}" if terms
                 else _("y[{r},{c}] = {total}: no product reaches this cell", r=r, c=c,
                        total=total))
    # monospace 9 pt, in cells; a Chinese character is about twice as wide as a digit
    width = max(len(line) + sum(ord(ch) > 0x2e80 for ch in line)
                for line in lines) * 0.075 / CELL
    height = 0.5 * len(lines) + 0.5
    fig, axes = _figure([x.shape, kernel.shape, output.shape, (height, width)])
    ax_x, ax_k, ax_y, ax_t = axes
    grid(ax_x, x, _("input x"), fill=[t.input_index for t in terms], fmt=fmt)
    grid(ax_k, kernel, _("kernel k"), fill=[t.kernel_index for t in terms], fmt=fmt)
    grid(ax_y, output, _("output y, cell ({r},{c})", r=r, c=c), highlight=[(r, c)], fmt=fmt)
    for k, t in enumerate(terms):
        for ax, (i, j) in [(ax_x, t.input_index), (ax_k, t.kernel_index)]:
            ax.text(j + 0.13, i + 0.11, _tag(k), ha="left", va="top", fontsize=7,
                    weight="bold", color=OUTLINE)
    ax_t.set_axis_off()
    ax_t.set_title(ngettext("{n} product", "{n} products", len(terms)), fontsize=10, pad=14,
                   loc="left")
    ax_t.set_xlim(0, 1)
    ax_t.set_ylim(len(lines), 0)
    for k, line in enumerate(lines):
        ax_t.text(0, k + 0.5, line, ha="left", va="center", fontsize=9, family="monospace",
                  weight="bold" if k == len(lines) - 1 else "normal", color="#1b1b1b")
    return fig


def overlap_figure(counts, title=None):
    """How many placements cover each cell: a 1-D or 2-D count map, shaded and written."""
    counts = np.atleast_2d(np.asarray(counts))
    fig, axes = _figure([counts.shape])
    grid(axes[0], counts, _("overlap count") if title is None else title, shade=counts,
         labels=counts.shape[0] > 1, write_counts=False)
    return fig


def images_side_by_side(images, titles=None, cmap="gray", size=3.0):
    """Images (2-D grey or (H, W, 3) colour) in one row, each ``size`` inches wide."""
    images = [np.asarray(im) for im in images]
    titles = list(titles) if titles is not None else [None] * len(images)
    if len(titles) != len(images):
        raise ValueError(f"titles must have one entry per image: "
                         f"{_count(len(images), 'image')}, {_count(len(titles), 'title')}")
    fig = new_figure((size * len(images), size + 0.4))
    axes = fig.subplots(1, len(images), squeeze=False)
    for ax, im, t in zip(axes[0], images, titles, strict=True):
        ax.imshow(im, cmap=cmap if im.ndim == 2 else None, interpolation="nearest")
        ax.set_axis_off()
        if t:
            ax.set_title(tr(t), fontsize=10)
    return fig
