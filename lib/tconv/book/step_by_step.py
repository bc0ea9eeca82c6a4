"""The companion of ``chapters/step-by-step.ipynb``: sums written out, and two figures.

- :func:`sum_text`: the products that make one output cell, as ``"2 + 8 + 9 + 4 = 23"``;
- :func:`cell_sums`: that sum in every output cell several products reach (for a figure);
- :func:`result_figure`: input, kernel and output, the overlapping cells showing their sums;
- :func:`strides_figure`: the overlap counts of one input and kernel at several strides.

Every number comes from the operations (:func:`tconv.conv_transpose2d`,
:func:`tconv.placements.gather`, :func:`tconv.placements.placements`); this module lays them
out. May import: the operations (:mod:`tconv`) and the toolkit (:mod:`tconv.show`).
"""

from __future__ import annotations

import numpy as np

from .._checks import as_int
from ..conv import conv_transpose2d
from ..placements import gather, placements
from ..show import draw
from ..show.text import _


def sum_text(x, kernel, out_index, stride=1, sep=" + ") -> str:
    """Output cell ``out_index`` = (r, c) as its products and their sum: ``'2 + 8 = 10'``."""
    terms = gather(x, kernel, out_index, stride=stride)
    total = sum(t.product for t in terms)
    if not terms:
        return "0"
    return sep.join(str(t.product) for t in terms) + f" = {total}"


def cell_sums(x, kernel, stride=1) -> np.ndarray:
    """Per output cell, its sum written out ("2+8\\n= 10") where several products meet, or None."""
    y = conv_transpose2d(np.asarray(x), np.asarray(kernel), stride=stride)
    text = np.full(y.shape, None, dtype=object)
    for r, c in np.ndindex(*y.shape):
        terms = gather(x, kernel, (r, c), stride=stride)
        if len(terms) > 1:
            text[r, c] = "+".join(str(t.product) for t in terms) + f"\n= {y[r, c]}"
    return text


def result_figure(x, kernel, stride=1):
    """Input, kernel and output side by side; cells reached by several products show the sum."""
    x, kernel = np.asarray(x), np.asarray(kernel)
    y = conv_transpose2d(x, kernel, stride=stride)
    (h, w), (kh, kw), (oh, ow) = x.shape, kernel.shape, y.shape
    figure = draw.new_figure((6.2, 2.7))
    axes = figure.subplots(1, 3, gridspec_kw={"width_ratios": [w, kw, 2.7 * ow / 1.5]})
    draw.grid(axes[0], x, _("input x ({h}×{w})", h=h, w=w))
    draw.grid(axes[1], kernel, _("kernel ({h}×{w})", h=kh, w=kw))
    draw.grid(axes[2], y, _("output y ({h}×{w})", h=oh, w=ow), text=cell_sums(x, kernel, stride),
              fontsize=10)
    return figure


def strides_figure(x, kernel, strides=(1, 2, 3)):
    """The overlap count of every output cell, one grid per stride, side by side."""
    strides = [as_int(s, "stride", minimum=1) for s in strides]
    if not strides:
        raise ValueError("strides must name at least one stride")
    counts = [placements(x, kernel, stride=s).overlap for s in strides]
    figure = draw.new_figure((6.4, 2.7))
    axes = figure.subplots(1, len(strides), squeeze=False,
                           gridspec_kw={"width_ratios": [c.shape[1] for c in counts]})[0]
    for ax, s, count in zip(axes, strides, counts, strict=True):
        h, w = count.shape
        draw.grid(ax, count, _("stride {s}: {h}×{w}", s=s, h=h, w=w), shade=count,
                  write_counts=False)
    return figure
