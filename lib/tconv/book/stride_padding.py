"""The companion of ``chapters/stride-padding.ipynb``: the calculator, a table, a figure.

- :class:`OutputSizeCalculator`: the output size of a transposed convolution for chosen input
  size, kernel size, stride, padding, output_padding and dilation, with the formula's numbers
  filled in, or the library's own error message, editable in the page and live alike; under
  it, the same layer as each framework's call (:func:`tconv.frameworks.same_layer_calls`).
- :func:`round_trip_table`: rows of :func:`tconv.roundtrip.round_trip` as a table.
- :func:`output_padding_figure`: the canvas with the cells ``padding`` crops hatched and the
  ones ``output_padding`` keeps dashed, beside the output.

Every number shown comes from the library (:func:`tconv.conv_transpose_output_size`,
:func:`tconv.placements`, :mod:`tconv.roundtrip`, :mod:`tconv.frameworks`); this module only
lays them out. May import: the operations (:mod:`tconv`) and the toolkit (:mod:`tconv.show`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

from .. import frameworks
from .._checks import as_int
from ..placements import placements
from ..roundtrip import RoundTrip
from ..shapes import conv_transpose_output_size
from ..show import draw
from ..show.player import player_id
from ..show.table import Table
from ..show.text import _
from ..show.widgets import View

# The output-size calculator ------------------------------------------------------------------

SETTINGS = ("size", "kernel_size", "stride", "padding", "output_padding", "dilation")
LABELS = {"size": "input size i", "kernel_size": "kernel size k", "stride": "stride s",
          "padding": "padding p", "output_padding": "output_padding a",
          "dilation": "dilation d"}
MINIMUM = {"size": 1, "kernel_size": 1, "stride": 1, "padding": 0, "output_padding": 0,
           "dilation": 1}

CALCULATOR_CSS = (
    ".tcsz{font:14px/1.5 system-ui,sans-serif;color:var(--tc-fg);margin:.4em 0}"
    ".tcsz b{font-size:130%}"
    ".tcsz code{font:13px ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap}"
)


FORMULA = "o = (i − 1)·s − 2·p + d·(k − 1) + a + 1"
"""The output-size formula in the book's letters (PyTorch's ConvTranspose2d formula)."""


def size_formula(size, kernel_size, stride, padding, output_padding, dilation) -> tuple[int, str]:
    """The output length and :data:`FORMULA` with the numbers in, as plain text.

    Raises the library's ValueError/TypeError for invalid settings. The players' module has
    the same function (``size_formula`` in ``player.js``).
    """
    out = conv_transpose_output_size(size, kernel_size, stride, padding, output_padding,
                                     dilation)
    i, k, s, p, op, d = size, kernel_size, stride, padding, output_padding, dilation
    return out, f"o = ({i} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {op} + 1 = {out}"


class OutputSizeCalculator(View):
    """The output size of ``conv_transpose2d`` for one setting of each parameter.

    Shows the size and the formula ``o = (i-1)s - 2p + d(k-1) + a + 1`` with the numbers filled
    in, or, for invalid settings, the error message :func:`tconv.conv_transpose_output_size`
    raises, once. Under a valid size, a table of the same layer in PyTorch, Keras, JAX, Flax
    and ONNX (:func:`tconv.frameworks.same_layer_calls`; the players' module writes the same
    texts). The reader types any whole numbers into the fields; the players' module
    recomputes at once, live and in the book alike, and a link keeps the numbers.
    ``.output_size``/``.formula``/``.message``/``.calls`` give the result for the initial
    settings.
    """

    def __init__(self, size=4, kernel_size=3, stride=2, padding=1, output_padding=0,
                 dilation=1, title: str = "Output size of a transposed convolution"):
        initial = dict(zip(SETTINGS, (size, kernel_size, stride, padding, output_padding,
                                      dilation), strict=True))
        self.title, self.error = title, None
        self.output_size, self.formula, self.message, self.calls = None, None, None, None
        try:
            for name, value in initial.items():
                initial[name] = as_int(value, name, minimum=MINIMUM[name])
        except (ValueError, TypeError) as err:
            self.error = str(err)
        self.initial = initial
        if self.error:
            return
        try:
            self.output_size, self.formula = size_formula(**initial)
        except (ValueError, TypeError) as err:
            self.message = str(err)
            return
        self.calls = frameworks.same_layer_calls(
            *(initial[n] for n in SETTINGS[1:]))

    def data(self) -> dict:
        note = escape(_("{formula}, for an input of size i; an (i, i) input gives an (o, o) "
                        "output.")).replace("{formula}", f"<code>{escape(FORMULA)}</code>")
        pid = player_id("size", self.title, *map(str, self.initial.values()))
        return {"kind": "size", "id": pid,
                "title": self.title, "note": note, "css": CALCULATOR_CSS, "labels": LABELS,
                **self.initial}

    def settings(self) -> dict:
        """The settings shown: the live widget's, once the reader changed them."""
        return dict(self.initial) | self.edits


# The round-trip table ------------------------------------------------------------------------

ROUND_TRIP_HEADER = ("input $i$", "kernel $k$", "stride $s$", "padding $p$", "dilation $d$",
                     "conv output", "output padding $a$", "transposed output")


def round_trip_table(rows: Sequence[RoundTrip]) -> Table:
    """Rows of :func:`tconv.roundtrip.round_trip`, one line each, as a Markdown table."""
    rows = list(rows)
    for i, row in enumerate(rows):
        if not isinstance(row, RoundTrip):
            raise TypeError(f"rows[{i}] must be a RoundTrip (from tconv.roundtrip.round_trip), "
                            f"got {type(row).__name__}")
    return Table(ROUND_TRIP_HEADER,
                 [(r.size, r.kernel_size, r.stride, r.padding, r.dilation, r.conv_size,
                   r.output_padding, r.restored) for r in rows],
                 align="r" * len(ROUND_TRIP_HEADER))


# The output_padding figure -------------------------------------------------------------------

def output_padding_figure(x, kernel, stride, padding, output_padding, dilation=1):
    """The canvas (cropped cells hatched, cells kept by output_padding dashed) and the output.

    The corner of each canvas cell counts the kernel copies that cover it. Returns the Figure.
    """
    steps = placements(x, kernel, stride=stride, padding=padding,
                       output_padding=output_padding, dilation=dilation)
    crop = steps.crop
    cells = list(np.ndindex(*crop.canvas_shape))
    cropped = [rc for rc in cells if not crop.kept(*rc)]
    extra = [(r, c) for r, c in cells if crop.kept(r, c)
             and (r in range(crop.extra_rows.start, crop.extra_rows.stop)
                  or c in range(crop.extra_cols.start, crop.extra_cols.stop))]
    (ch, cw), (oh, ow) = crop.canvas_shape, steps.output.shape
    fig = draw.new_figure((6.2, 3.6))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [cw, ow]})
    draw.grid(left, steps.canvas, _("canvas ({h}×{w})", h=ch, w=cw), shade=steps.canvas_count,
              hatch=cropped, dashed=extra)
    draw.grid(right, steps.output, _("output ({h}×{w})", h=oh, w=ow),
              dashed=[(r - crop.rows.start, c - crop.cols.start) for r, c in extra])
    return fig
