"""Interactive pieces for the chapters on sizes and names, built on :mod:`tconv.widgets`.

- :class:`OutputSizeCalculator`: the output size of a transposed convolution for chosen
  input size, kernel size, stride, padding, output_padding and dilation, with the formula's
  numbers filled in, or the library's own error message. Live: sliders. Static: a chooser
  over a small grid of settings.
- :class:`MatrixRowStepper`: the output of a transposed convolution cell by cell, each cell
  shown as what the scatter puts there *and* as one row of the matrix ``C.T`` applied to the
  flattened input: the "transposed" view and the scatter in step.

Every number shown comes from the library (:func:`tconv.conv_transpose_output_size`,
:func:`tconv.views.conv_matrix`, :func:`tconv.placements.gather`); this module only lays
them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

import numpy as np

from ._checks import as_int
from .placements import _check_args, gather, placements
from .shapes import conv_output_size, conv_transpose_output_size
from .views import conv_matrix
from .widgets import (
    GRID_CSS,
    PLAYER_CSS,
    ChooserView,
    SequenceView,
    format_value,
    grid_html,
    panel_html,
)

# The output-size calculator ------------------------------------------------------------------

SETTINGS = ("size", "kernel_size", "stride", "padding", "output_padding", "dilation")
LABELS = {"size": "input size i", "kernel_size": "kernel size k", "stride": "stride s",
          "padding": "padding p", "output_padding": "output_padding p_out",
          "dilation": "dilation d"}
MINIMUM = {"size": 1, "kernel_size": 1, "stride": 1, "padding": 0, "output_padding": 0,
           "dilation": 1}
SLIDER_MAX = {"size": 16, "kernel_size": 7, "stride": 4, "padding": 4, "output_padding": 3,
              "dilation": 3}
GRID = {"size": (2, 4, 5), "kernel_size": (2, 3, 4), "stride": (1, 2, 3),
        "padding": (0, 1, 2), "output_padding": (0, 1, 2), "dilation": (1, 2)}
"""The settings the static calculator offers (486 combinations)."""

CALCULATOR_CSS = (
    ".tcsz{font:14px/1.5 system-ui,sans-serif;color:var(--tc-fg);margin:.4em 0}"
    ".tcsz b{font-size:130%}"
    ".tcsz code{font:13px ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap}"
)


FORMULA = "o = (i − 1)·s − 2·p + d·(k − 1) + p_out + 1"
"""The output-size formula in the calculator's letters (PyTorch's ConvTranspose2d formula)."""


def size_formula(size, kernel_size, stride, padding, output_padding, dilation) -> tuple[int, str]:
    """The output length and :data:`FORMULA` with the numbers in, as plain text.

    Raises the library's ValueError/TypeError for invalid settings.
    """
    out = conv_transpose_output_size(size, kernel_size, stride, padding, output_padding,
                                     dilation)
    i, k, s, p, op, d = size, kernel_size, stride, padding, output_padding, dilation
    return out, f"o = ({i} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {op} + 1 = {out}"


def _render_size(**settings) -> tuple[str, str]:
    """One calculator frame (HTML) and its caption; raises for invalid settings."""
    out, text = size_formula(**settings)
    html = f"<div class=tcsz>output size <b>{out}</b><br><code>{escape(text)}</code></div>"
    return html, f"Output size {out}."


class OutputSizeCalculator(ChooserView):
    """The output size of ``conv_transpose2d`` for one setting of each parameter.

    Shows the size, the formula ``o = (i-1)s - 2p + d(k-1) + p_out + 1`` with the numbers filled
    in, or, for invalid settings, the error message :func:`tconv.conv_transpose_output_size`
    raises. Live: one slider per setting (any value in range). Static: a select per setting
    over ``grid`` (default :data:`GRID`; the initial values are added if missing).
    ``.output_size``/``.message`` give the result for the initial settings.
    """

    def __init__(self, size=4, kernel_size=3, stride=2, padding=1, output_padding=0,
                 dilation=1, title: str = "Output size of a transposed convolution", *,
                 grid: Mapping[str, Sequence[int]] | None = None):
        initial = dict(zip(SETTINGS, (size, kernel_size, stride, padding, output_padding,
                                      dilation), strict=True))
        self.title, self.note, self.css, self.error = title, "", CALCULATOR_CSS, None
        try:
            for name, value in initial.items():
                initial[name] = as_int(value, name, minimum=MINIMUM[name])
            grid = dict(GRID if grid is None else grid)
            if set(grid) != set(SETTINGS):
                raise ValueError(f"grid must give values for exactly {SETTINGS}, got "
                                 f"{tuple(grid)}")
            params = {name: sorted({as_int(v, name, minimum=MINIMUM[name]) for v in grid[name]}
                                   | {initial[name]}) for name in SETTINGS}
        except (ValueError, TypeError) as err:
            self.error = str(err)
            self.initial = initial
            return
        note = (f"<code>{escape(FORMULA)}</code>, for an input of size i; an (i, i) input "
                f"gives an (o, o) output.")
        super().__init__(params, _render_size, title, labels=LABELS, initial=initial,
                         note=note, css=CALCULATOR_CSS, max_frames=1000)
        self.output_size, self.formula, self.message = None, None, None
        try:
            self.output_size, self.formula = size_formula(**initial)
        except (ValueError, TypeError) as err:
            self.message = str(err)

    def _build_widget(self):
        import ipywidgets as w
        head = (f"<style>{PLAYER_CSS}{self.css}</style><b>{escape(self.title)}</b>"
                f'<div style="font-size:90%">{self.note}</div>')
        self.sliders = {
            name: w.IntSlider(value=self.initial[name], min=MINIMUM[name],
                              max=max(SLIDER_MAX[name], self.initial[name]),
                              description=LABELS[name], continuous_update=True,
                              style={"description_width": "initial"})
            for name in SETTINGS}
        html, caption = self.frame_and_caption(**self.initial)
        self.frame_view = w.HTML(html)
        self.caption_view = w.HTML(f"<p>{escape(caption)}</p>")
        for slider in self.sliders.values():
            slider.observe(lambda _: self._show(), names="value")
        return w.VBox([w.HTML(head), w.VBox(list(self.sliders.values())), self.frame_view,
                       self.caption_view])

    def settings(self) -> dict:
        """The live widget's current settings (the initial ones before it is built)."""
        if self._widget is None or self.error:
            return dict(self.initial)
        return {name: s.value for name, s in self.sliders.items()}


# The scatter and the rows of C.T, in step -----------------------------------------------------

class MatrixRowStepper(SequenceView):
    """Each output cell of ``conv_transpose2d(x, kernel, ...)`` as a row of ``C.T`` times x.

    ``C`` is the matrix of the convolution with the same kernel, stride, padding and dilation
    (:func:`tconv.views.conv_matrix`) on an input of the output's shape, so
    ``out.ravel() == C.T @ x.ravel()``. Frame ``r·oW + c`` shows output cell (r, c): the
    input cells whose kernel copies land on it (the scatter, via :func:`tconv.gather`), the
    kernel cells they use, row ``r·oW + c`` of ``C.T`` (non-zero only in those columns) and the
    output filled in up to that cell. Invalid settings give ``.error``.
    """

    def __init__(self, x, kernel, stride=1, padding=0, output_padding=0, dilation=1,
                 title: str | None = None, *, fmt: str | None = None, interval: int = 900,
                 max_cells: int = 36):
        self.fmt, self.interval, self.error = fmt, interval, None
        self.css = GRID_CSS + ".tcv .g .r{background-color:var(--tc-n1)}"
        self.title = title or "Each output cell is one row of Cᵀ times x"
        self.note = ""
        try:
            x, kernel, stride, padding, output_padding, dilation, crop = _check_args(
                x, kernel, stride, padding, output_padding, dilation)
            self.out_shape = crop.out_shape
            n = self.out_shape[0] * self.out_shape[1]
            if n > max_cells:
                raise ValueError(f"the output has {n} cells, more than this view shows "
                                 f"(max_cells={max_cells}); use a smaller input or kernel")
        except (ValueError, TypeError) as err:
            self.error = str(err)
            return
        self.x, self.kernel = x, kernel
        self._kw = dict(stride=stride, padding=padding, output_padding=output_padding,
                        dilation=dilation)
        self.output = placements(x, kernel, **self._kw).output
        self.CT = conv_matrix(self.out_shape, kernel, stride, padding, dilation).T
        # With output_padding >= stride (possible when dilation > stride) the convolution of an
        # output-shaped input has an extra row/column that x does not feed: x counts as 0 there.
        conv_shape = conv_output_size(self.out_shape, kernel.shape, stride, padding, dilation)
        self.x_padded = np.zeros(conv_shape, self.output.dtype)
        self.x_padded[:x.shape[0], :x.shape[1]] = x
        self.note = escape(
            f"Cᵀ has one row per output cell ({self.CT.shape[0]}) and one column per input "
            f"cell ({self.CT.shape[1]}, row-major). Highlighted: the input cells whose kernel "
            f"copies cover the current output cell (outlined in out), the kernel cells they "
            f"use, and their entries in the current row of Cᵀ; the rest of that row (shaded) "
            f"is 0.")

    def __len__(self) -> int:
        return 0 if self.error else self.CT.shape[0]

    def _cell(self, i: int):
        """Output cell (r, c) of frame i and the scatter terms that sum into it."""
        r, c = divmod(i, self.out_shape[1])
        return (r, c), gather(self.x, self.kernel, (r, c), **self._kw)

    def _text(self, v) -> str:
        return format_value(v, self.fmt)

    def caption(self, i: int) -> str:
        """out[r,c] = row i of Cᵀ · x, written as its non-zero-structure terms."""
        (r, c), terms = self._cell(i)
        value = self._text(self.output[r, c])
        if not terms:
            return (f"out[{r},{c}] = row {i} of Cᵀ · x = 0: no kernel copy covers this cell, "
                    f"so the whole row is 0.")
        W = self.x_padded.shape[1]
        products = " + ".join(f"{self._text(t.weight)}·x[{t.input_index[0]},"
                              f"{t.input_index[1]}]" for t in terms)
        columns = [str(t.input_index[0] * W + t.input_index[1]) for t in terms]
        where = f"column {columns[0]}" if len(columns) == 1 else f"columns {', '.join(columns)}"
        return (f"out[{r},{c}] = row {i} of Cᵀ · x = {products} = {value}. Row {i} holds "
                f"kernel values in {where}, the inputs whose kernel copies cover out[{r},{c}], "
                f"and 0 elsewhere.")

    def frame(self, i: int) -> str:
        """The HTML of frame i: x, kernel, Cᵀ with row i outlined, and the output so far."""
        (r, c), terms = self._cell(i)
        fmt = self.fmt
        inputs = {t.input_index for t in terms}
        weights = {t.kernel_index for t in terms}
        W = self.x_padded.shape[1]
        columns = {a * W + b for a, b in inputs}
        out = np.full(self.out_shape, None, dtype=object)
        out.flat[:i + 1] = [self._text(v) for v in self.output.flat[:i + 1]]

        def row_classes(a, b):
            return ("h" if b in columns else "r") if a == i else ""

        panels = [
            panel_html("input x", grid_html(
                self.x_padded, lambda a, b: "h" if (a, b) in inputs else "", headers=True,
                fmt=fmt)),
            panel_html("kernel", grid_html(
                self.kernel, lambda a, b: "h" if (a, b) in weights else "", fmt=fmt)),
            panel_html(f"Cᵀ (row {i} shaded)", grid_html(self.CT, row_classes, headers=True,
                                                          fmt=fmt)),
            panel_html("out = Cᵀ x", grid_html(
                out, lambda a, b: "w" if (a, b) == (r, c) else "", headers=True, fmt=fmt)),
        ]
        return '<div class="tcv">' + "".join(panels) + "</div>"
