"""The overlap explorer and the figures of the chapter on checkerboard artifacts.

- :class:`OverlapExplorer`: pick a kernel size, a stride, a padding and how many layers; see
  how many kernel copies land on each output cell, in 1-D and in 2-D, with the cells near the
  edges marked (a :class:`~tconv.widgets.ChooserView`: live widget plus static player).
- figures: :func:`count_rows_figure` (1-D overlap counts, one row per setting),
  :func:`image_grid` (grey-level images in rows and columns) and :func:`spectrum_grid` (their
  power spectra with the stride-period frequencies ringed).

Every number comes from :mod:`tconv.artifacts`; this module only lays it out.
"""

from __future__ import annotations

import numpy as np

from . import artifacts
from ._checks import as_int
from .draw import grid, new_figure
from .widgets import ChooserView

# ---------------------------------------------------------------------------------------
# Counts as compact HTML tables
# ---------------------------------------------------------------------------------------

EXPLORER_CSS = (
    ".tco{display:flex;flex-direction:column;align-items:flex-start;gap:.35em;color:var(--tc-fg);"
    "font:13px/1.3 system-ui,sans-serif}"
    ".tco .pt{font-size:85%;color:var(--tc-mute);margin-top:.3em}"
    ".tco table{margin:0;border-collapse:collapse;font:12px/1 ui-monospace,Menlo,Consolas,"
    "monospace;font-variant-numeric:tabular-nums}"
    ".tco td{border:1px solid var(--tc-line);min-width:1.6em;height:1.6em;padding:0 .15em;"
    "text-align:center;vertical-align:middle;box-sizing:border-box;"
    "background-color:var(--tc-n4);color:var(--tc-fg)}"
    ".tco .q0,.tco .b0{background-color:var(--tc-bg)}"
    + "".join(f".tco .q{i},.tco .b{i}{{background-color:var(--tc-n{i})}}" for i in range(1, 4))
    + ".tco .b4{background-color:var(--tc-n4)}"
    + ".tco [class^=b]{background-image:repeating-linear-gradient(135deg,transparent 0 3px,"
    "var(--tc-hatch) 3px 5px);font-style:italic;text-decoration:underline dotted}"
    ".tco td.x{border:none;background:none;color:var(--tc-mute)}"
)
"""CSS of the explorer's count tables: shading by count (q0..q4 interior cells, q4 being
the default, b0..b4 border cells, which are also hatched, italic and underlined)."""

NOTE = ("Each cell shows how many products of an input cell and a kernel cell add up there "
        "(through a stack: how many paths lead there); darker cells get more. "
        "<i>Hatched, italic, dotted-underlined</i> cells lie near an edge: the input ends "
        "before all their terms arrive, so they get fewer than an endless input would give.")


def count_table_html(count, interior, max_cols: int | None = None) -> str:
    """A 1-D or 2-D count as a compact ``<table>``: shaded by count, border cells marked.

    ``max_cols`` cuts long rows, ending them with a "…" cell.
    """
    count = np.atleast_2d(np.asarray(count))
    interior = np.atleast_2d(np.asarray(interior))
    top = max(int(count.max()), 1)
    cut = max_cols is not None and count.shape[1] > max_cols
    rows = []
    for r in range(count.shape[0]):
        cells = []
        for c in range(min(count.shape[1], max_cols) if cut else count.shape[1]):
            n = int(count[r, c])
            level = 0 if n == 0 else max(1, round(4 * n / top))
            cls = ("q" if interior[r, c] else "b") + str(level)
            # the most common cell, an interior one at the top level, needs no class
            cells.append(f"<td>{n}" if cls == "q4" else f"<td class={cls}>{n}")
        if cut:
            cells.append("<td class=x>…")
        rows.append("<tr>" + "".join(cells))
    return "<table>" + "".join(rows) + "</table>"


# ---------------------------------------------------------------------------------------
# The explorer
# ---------------------------------------------------------------------------------------


def _levels_text(levels) -> str:
    """(1, 2, 4) -> '1, 2 and 4'."""
    words = [str(v) for v in levels]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def explorer_input_size(layers, max_size: int = 40) -> int:
    """The shortest input (at least 2) whose 1-D output has two whole periods of interior."""
    artifacts.stack_overlap(max_size, layers)  # the library's checks of every setting
    for n in range(2, max_size + 1):
        try:
            o = artifacts.stack_overlap(n, layers)
        except ValueError:  # padding crops all of this short input's output: try a longer one
            continue
        if o.interior.sum() >= 2 * o.period[0] + 1:
            return n
    raise ValueError(f"no input of up to {max_size} cells gives these layers an interior of two "
                     f"periods: {layers}")


class OverlapExplorer(ChooserView):
    """Overlap counts of a stack of identical transposed convolutions, in 1-D and 2-D.

    Settings: ``kernel_size``, ``stride``, ``padding`` and the number of ``layers``, each
    picked from the given lists. Every frame shows the 1-D count of an input just long enough
    for two periods of interior (rows longer than ``max_cols`` are cut) and the top-left
    corner (at most ``window``×``window``) of the 2-D count of a square input of that side;
    when the edge is too wide for that corner to reach a whole period, the 2-D window starts
    where the interior does. Computed with :func:`tconv.artifacts.stack_overlap`.
    """

    def __init__(self, kernel_sizes=(2, 3, 4, 5, 6), strides=(2, 3), paddings=(0, 1),
                 layers=(1, 2, 3), title: str | None = None, *, initial=None,
                 max_cols: int = 40, window: int = 9):
        self.max_cols = as_int(max_cols, "max_cols", minimum=4)
        self.window = as_int(window, "window", minimum=2)
        params = {"kernel_size": list(kernel_sizes), "stride": list(strides),
                  "padding": list(paddings), "layers": list(layers)}
        labels = {"kernel_size": "Kernel size k", "stride": "Stride s", "padding": "Padding p",
                  "layers": "Layers"}
        # the usual first view where it is offered (the first choice otherwise); settings the
        # caller asks for are checked by ChooserView
        usual = {"kernel_size": 3, "stride": 2, "padding": 0, "layers": 1}
        initial = {name: value for name, value in usual.items()
                   if value in params[name]} | dict(initial or {})
        super().__init__(params, self._render, title or "Overlap explorer", labels=labels,
                         initial=initial, note=NOTE, css=EXPLORER_CSS)

    def _render(self, kernel_size, stride, padding, layers) -> tuple[str, str]:
        stack = [(kernel_size, stride, padding)] * as_int(layers, "layers", minimum=1)
        n = explorer_input_size(stack)
        row = artifacts.stack_overlap(n, stack)
        square = artifacts.stack_overlap((n, n), stack)
        period = row.period[0]
        side = len(row.count)
        first = int(np.argmax(row.interior))  # the first interior cell
        w = min(side, self.window)
        start = 0 if first + min(period, w) <= w else min(first, side - w)
        win = slice(start, start + w)
        where = (f"top-left {w}×{w}" if start == 0 else
                 f"rows and columns {start}–{start + w - 1}")
        shown = "" if side <= self.max_cols else f", first {self.max_cols} shown"
        html = (
            '<div class="tco">'
            f'<div class="pt">1-D: an input of {n} cells gives {side} output cells{shown}</div>'
            + count_table_html(row.count, row.interior, self.max_cols)
            + f'<div class="pt">2-D: an input of {n}×{n} gives {side}×{side}; {where}</div>'
            + count_table_html(square.count[win, win], square.interior[win, win])
            + "</div>")
        return html, self._caption(kernel_size, stride, padding, layers, row, square)

    @staticmethod
    def _caption(k, s, p, layers, row, square) -> str:
        what = (f"kernel {k}, stride {s}, padding {p}" if layers == 1 else
                f"{layers} layers of kernel {k}, stride {s}, padding {p}")
        levels = row.interior_levels
        if row.even:
            terms = "term" if levels[0] == 1 else "terms"
            inner = f"every interior cell gets {levels[0]} {terms} (even"
        else:
            inner = (f"the interior repeats every {row.period[0]} cells with counts "
                     f"{_levels_text(levels)} (uneven")
        if layers == 1:
            inner += f": {s} {'divides' if k % s == 0 else 'does not divide'} {k})"
        else:
            inner += ")"
        many = square.interior_levels
        flat = ("" if len(many) == 1 else f"; in 2-D {_levels_text(many)}" if len(many) <= 6
                else f"; in 2-D {len(many)} different counts, from {many[0]} to {many[-1]}")
        short = int((~row.interior).sum())
        edge = ("no cell near the edges gets fewer terms" if short == 0 else
                f"{short} cell{'s' if short > 1 else ''} near the edges "
                f"get{'s' if short == 1 else ''} fewer terms")
        return f"{what}: {inner}{flat}; {edge}."


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------


def count_rows_figure(overlaps, titles):
    """1-D overlap counts, one row each, border cells hatched: a matplotlib Figure."""
    overlaps = list(overlaps)
    if len(titles) != len(overlaps) or not overlaps:
        raise ValueError(f"titles must name each of the {len(overlaps)} overlaps, "
                         f"got {len(titles)} titles")
    width = max(len(o.count) for o in overlaps)
    fig = new_figure((0.3 * width + 0.6, 0.62 * len(overlaps) + 0.2))
    axes = fig.subplots(len(overlaps), 1, squeeze=False)[:, 0]
    for ax, o, title in zip(axes, overlaps, titles, strict=True):
        row = np.asarray(o.count)[None, :]
        border = [(0, c) for c in range(row.shape[1]) if not o.interior[c]]
        grid(ax, row, None, shade=row, hatch=border, labels=False, write_counts=False)
        ax.set_xlim(-0.05, width + 0.05)
        ax.set_title(title, fontsize=9, loc="left", pad=3)
    return fig


def image_grid(images, row_titles, titles, *, size: float = 1.25, cmap: str = "gray",
               vmin: float | None = None, vmax: float | None = None):
    """Images in rows and columns: a matplotlib Figure.

    ``images`` is a list of rows, each a list of 2-D arrays (None leaves a slot empty).
    ``titles`` is one title per column (shown above the first row), or a list of rows of
    titles, one per image. ``row_titles`` label the rows (None or "" for no label). Each
    image is shown on its own range of values unless ``vmin``/``vmax`` fix one for all.
    """
    rows = [list(r) for r in images]
    cols = len(rows[0]) if rows else 0
    per_image = bool(titles) and isinstance(titles[0], (list, tuple))
    shape_ok = (rows and len(row_titles) == len(rows) and all(len(r) == cols for r in rows)
                and (len(titles) == len(rows) and all(len(t) == cols for t in titles)
                     if per_image else len(titles) == cols))
    if not shape_ok:
        raise ValueError(f"need rows of equal length, one row title per row and one title per "
                         f"column (or per image): rows of {[len(r) for r in rows]}, "
                         f"{len(row_titles)} row titles, titles {titles!r}")
    fig = new_figure((size * cols + 0.3, (size + 0.25) * len(rows) + 0.1))
    axes = fig.subplots(len(rows), cols, squeeze=False)
    for i, row in enumerate(rows):
        for j, im in enumerate(row):
            ax = axes[i, j]
            if im is None:
                ax.set_axis_off()
                continue
            ax.imshow(np.asarray(im), cmap=cmap, interpolation="nearest", vmin=vmin, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            title = titles[i][j] if per_image else titles[j] if i == 0 else None
            if title:
                ax.set_title(title, fontsize=8)
            if j == 0 and row_titles[i]:
                ax.set_ylabel(row_titles[i], fontsize=8)
    return fig


def spectrum_grid(images, titles, period: int, *, size: float = 1.6, cols: int | None = None):
    """Log power spectra of images, zero frequency in the middle, stride frequencies ringed.

    Each image must be whole periods of ``period`` pixels (see
    :func:`tconv.artifacts.crop_for_period`); the rings sit on the bins
    :func:`tconv.artifacts.stride_frequencies` marks.
    """
    images = [np.asarray(im) for im in images]
    if len(titles) != len(images) or not images:
        raise ValueError(f"titles must name each of the {len(images)} images, "
                         f"got {len(titles)} titles")
    cols = cols or len(images)
    nrows = -(-len(images) // cols)
    fig = new_figure((size * cols, (size + 0.3) * nrows))
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    for ax, im, title in zip(axes, images, titles, strict=False):
        spectrum = artifacts.log_power_spectrum(im)
        mask = np.fft.fftshift(artifacts.stride_frequencies(im.shape, period))
        ax.imshow(spectrum, cmap="magma", interpolation="nearest",
                  vmin=spectrum.max() - 9, vmax=spectrum.max())
        rr, cc = np.nonzero(mask)
        ax.scatter(cc, rr, s=70, facecolors="none", edgecolors="#7cf2ff", linewidths=0.9)
        ax.set_title(title, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[len(images):]:
        ax.set_axis_off()
    return fig

