"""Interactive objects: one Python object, one module that draws it live and in the book.

Every object here is shown by the players' module (:mod:`tconv.show.player`, ``player.js``)
from the object's *data* (a JSON-able dict): in JupyterLab as a live anywidget
(:func:`widget_class`; Python sees each edit in ``.edits``), in the book from the ``text/html``
copy of the same output. So the live widget and the book's player look and behave alike by
construction. ``_repr_mimebundle_`` gives both renderings and never raises: invalid settings,
and anything else that goes wrong, show the ``tconv-error`` box with the message.

- :class:`Stepper`: the scatter of a transposed convolution, one placement per step;
- :class:`GatherStepper`: the same output gathered one output cell at a time;
- :class:`DirectStepper`: the direct convolution, the turned kernel sliding over the
  zero-inserted input, one output cell per step (beside the scatter by default);
- :class:`SequenceView`: any list of pre-rendered frames (HTML or images) with captions;
- :class:`ChooserView`: one pre-rendered frame per combination of settings.

The steppers are *editable*: the reader changes the input, the kernel and the settings in the
page, and the module recomputes every frame in the browser (its engine mirrors
:mod:`tconv.placements` and is tested against it). Each player stays within a budget of
150 KB of HTML (:data:`tconv.show.player.BUDGET_BYTES`): beyond it, the error box says what
to change. Presentation options (``fmt``, ``interval``, ``max_steps``, ``edit``, ...) are
checked when the object is built.

Setting the environment variable ``TCONV_STATIC=1`` (e.g. for the book build) leaves out the
live widget: no widget is created, so no widget state is saved into executed notebooks.

Titles, captions, labels and panel titles are shown in the reader's language
(:func:`tconv.show.text.tr`), and so are the module's own words (:func:`.player.player_words`).

May import: the operations (:mod:`tconv`), numpy, :mod:`tconv.show.player`,
:mod:`tconv.show.text`, :mod:`tconv.show.editions`, and anywidget (only when a live widget is
first built); never :mod:`tconv.book`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from html import escape

import numpy as np

from .._checks import as_array, as_int, as_tuple, check_ndim, check_nonempty
from ..placements import Placements, placements
from ..shapes import conv_transpose_output_size
from . import editions
from .player import (
    BUDGET_BYTES,
    CSS_PATH,
    MODULE_PATH,
    budget_message,
    chooser_index,
    count_text,
    error_box,
    player_id,
    player_words,
    product_of,
    static_html,
)
from .text import SOURCE_LANGUAGE, language, tr, tr_html


def static_only() -> bool:
    """Whether to leave the live widget out (environment variable ``TCONV_STATIC`` set)."""
    return os.environ.get("TCONV_STATIC", "") not in ("", "0")


@cache
def widget_class():
    """The live widget: an anywidget running ``player.js`` with ``player.css`` (built once)."""
    import anywidget
    import traitlets

    class PlayerWidget(anywidget.AnyWidget):
        """A tconv player in JupyterLab: ``data`` in, the reader's ``state`` out."""

        _esm = MODULE_PATH
        _css = CSS_PATH
        data = traitlets.Dict().tag(sync=True)
        state = traitlets.Dict().tag(sync=True)

    return PlayerWidget


# Grids as HTML tables (for pre-rendered frames) -----------------------------------------------

FORMAT = re.compile(r"\.\d{1,2}[fge]")
"""The number formats a player takes: '.2f', '.3g', '.1e' (the module writes them too)."""


def check_fmt(fmt) -> str | None:
    """``fmt`` if it is None or a format :data:`FORMAT` allows; else TypeError/ValueError."""
    if fmt is None:
        return None
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format such as '.2f' or None, got {fmt!r}")
    if not FORMAT.fullmatch(fmt):
        raise ValueError(f"fmt must be '.Nf', '.Ng' or '.Ne' (N at most 99), got {fmt!r}")
    return fmt


def format_value(v, fmt: str | None = None) -> str:
    """A number as short text: integers plainly, floats with 3 significant digits or ``fmt``."""
    if fmt is not None:
        return format(v, fmt)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return format(float(v), ".3g")


def grid_html(values, classes: Callable[[int, int], str] | None = None,
              counts: np.ndarray | None = None, headers: bool = False,
              fmt: str | None = None) -> str:
    """A 2-D array as a compact ``<table class="g">``, numbers as text (the module's grids).

    ``values`` may be None for blank cells of that shape (give ``counts`` or a shape-like
    array). ``classes(r, c)`` returns a cell's CSS classes (h: highlighted element, w: being
    written, k: cropped, e: extra from output_padding, n1..n4: overlap shading).
    ``counts`` writes a small count in each cell whose count is positive and shades it.
    ``headers`` adds row and column numbers (header cells; the corner is an empty data cell).
    """
    values = np.asarray(values)
    H, W = values.shape
    rows = []
    if headers:
        # the corner is a data cell: a header cell must have text (axe: empty-table-header)
        rows.append("<tr><td class=c>" + "".join(f"<th>{c}" for c in range(W)))
    for r in range(H):
        cells = [f"<th>{r}"] if headers else []
        for c in range(W):
            cls = classes(r, c) if classes else ""
            text = format_value(values[r, c], fmt) if values.dtype != object else (
                "" if values[r, c] is None else escape(str(values[r, c])))
            if counts is not None and counts[r, c] > 0:
                n = int(counts[r, c])
                cls = f"{cls} n{min(n, 4)}".strip()
                text += f"<i>{n}</i>"
            cells.append(f'<td class="{cls}">{text}' if " " in cls else
                         f"<td class={cls}>{text}" if cls else f"<td>{text}")
        rows.append("<tr>" + "".join(cells))
    return '<table class="g">' + "".join(rows) + "</table>"


def panel_html(title: str, body: str) -> str:
    """A titled panel: ``<div class="pn"><div class="pt">title</div>body</div>``.

    The title is shown in the reader's language (:func:`tconv.show.text.tr`).
    """
    return f'<div class="pn"><div class="pt">{tr(title)}</div>{body}</div>'


# The base -----------------------------------------------------------------------------------

class View:
    """Base of every interactive object: ``data()``, ``.widget`` (live), ``.to_html()``, ``.error``.

    Subclasses implement :meth:`data`, which returns the module's data for the object or raises
    ValueError/TypeError (then shown as the error box, live and in the book alike).
    """

    title: str = ""
    error: str | None = None
    _widget = None

    def data(self) -> dict:
        """What the players' module draws: a JSON-able dict with a ``kind``."""
        raise NotImplementedError

    def _resolved(self) -> dict:
        """:meth:`data`, or the error's data (the message is kept in ``.error``)."""
        if self.error is None:
            try:
                return localized(self.data())
            except (ValueError, TypeError) as err:
                self.error = str(err)
        return {"kind": "error", "message": self.error}

    def to_html(self) -> str:
        """The static rendering: a self-contained player, or the error box."""
        data = self._resolved()
        return error_box(self.error) if data["kind"] == "error" else static_html(data)

    @property
    def widget(self):
        """The live widget (built once, on first use)."""
        if self._widget is None:
            self._widget = widget_class()(data=self._resolved())
        return self._widget

    @property
    def edits(self) -> dict:
        """What the reader changed in the live widget ({} when nothing, or before display)."""
        return dict(self._widget.state) if self._widget is not None else {}

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        try:
            bundle = {"text/plain": repr(self), "text/html": self.to_html()}
            made = editions.copies(lambda: {"text/html": self.to_html()})
            if made:  # the same player made in the book's other editions (issue 16)
                bundle[editions.MIME] = made
            if not static_only():
                live = self.widget._repr_mimebundle_(**kwargs) or {}
                if isinstance(live, tuple):  # (data, metadata), as anywidget gives it
                    live = live[0]
                bundle.update({k: v for k, v in live.items() if k != "text/plain"})
            return bundle
        except Exception as err:  # display never raises: whatever failed is shown instead
            message = f"{type(err).__name__}: {err}"
            return {"text/plain": f"<{type(self).__name__}: {message}>",
                    "text/html": error_box(message)}

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"<{name}: {self.error}>" if self.error else f"<{name}: {self.title}>"


def localized(data: dict) -> dict:
    """``data`` with its title, captions and labels in the reader's language, and the module's
    own words (unchanged in English)."""
    if language() == SOURCE_LANGUAGE:
        return data
    data = dict(data)
    if isinstance(data.get("title"), str):
        data["title"] = tr(data["title"])
    if isinstance(data.get("note"), str):  # HTML: whole, else text by text (tr_html)
        data["note"] = tr_html(data["note"])
    if isinstance(data.get("titles"), list):  # an editable player's own titles (None: computed)
        data["titles"] = [tr(t) for t in data["titles"]]
    if isinstance(data.get("captions"), list):
        data["captions"] = [tr(c) for c in data["captions"]]
    if isinstance(data.get("labels"), dict):
        data["labels"] = {name: tr(label) for name, label in data["labels"].items()}
    data["words"] = player_words()
    return data


def _check_options(interval) -> int:
    return as_int(interval, "interval", minimum=1)


def _pre_rendered(frames: list[str], captions: list[str], *extra: str) -> None:
    """Raise the budget error when pre-rendered frames (and their extras) exceed it."""
    size = sum(len(s.encode("utf-8")) for s in (*frames, *captions, *extra))
    if size > BUDGET_BYTES:
        raise ValueError(f"the {count_text(len(frames), 'frame')} take "
                         f"{round(size / 1000)} KB of HTML, more than a player's budget of "
                         f"{BUDGET_BYTES // 1000} KB: show fewer or smaller frames")


class SequenceView(View):
    """Frames stepped through in order, one caption each.

    ``frames`` are HTML fragments (grids from :func:`grid_html`, or images from
    :func:`tconv.show.player.figure_frame`); ``note`` is HTML shown once above them (a legend);
    ``css`` extra CSS the frames need. Play, a slider, first/prev/next/last buttons.
    Subclasses may override ``__len__``, ``frame(i)`` and ``caption(i)`` to render lazily.
    """

    def __init__(self, frames: Sequence[str], captions: Sequence[str], title: str = "", *,
                 note: str = "", css: str = "", interval: int = 900):
        if len(frames) != len(captions) or not frames:
            raise ValueError(f"frames and captions must be non-empty and of equal length, got "
                             f"{count_text(len(frames), 'frame')} and "
                             f"{count_text(len(captions), 'caption')}")
        self._frames, self._captions = list(frames), list(captions)
        self.title, self.note, self.css = title, note, css
        self.interval = _check_options(interval)

    def __len__(self) -> int:
        return len(self._frames)

    def frame(self, i: int) -> str:
        """The HTML of frame ``i``."""
        return self._frames[i]

    def caption(self, i: int) -> str:
        """The sentence describing frame ``i`` (plain text)."""
        return self._captions[i]

    def data(self) -> dict:
        frames, captions, size = [], [], 0
        for i in range(len(self)):  # stop rendering as soon as the budget is spent
            frames.append(self.frame(i))
            captions.append(self.caption(i))
            size += len(frames[-1]) + len(captions[-1])
            if size > BUDGET_BYTES:
                break
        _pre_rendered(frames, captions, self.note, self.css)
        return {"kind": "frames", "id": player_id("seq", self.title, *captions),
                "title": self.title, "note": self.note, "css": self.css,
                "interval": self.interval, "frames": frames, "captions": captions}


class ChooserView(View):
    """Frames computed from settings, each chosen from a list: ``render(**settings)``.

    ``params`` maps each setting's name to its possible values; ``render`` returns
    ``(html, caption)`` for one combination. A ValueError or TypeError from ``render`` (the
    library rejecting the settings) becomes that frame's error box, not a crash. Every
    combination is pre-rendered, at most ``max_frames`` of them, within the player's budget;
    the settings are dropdowns, live and in the book alike.
    """

    def __init__(self, params: Mapping[str, Sequence], render: Callable[..., tuple[str, str]],
                 title: str = "", *, labels: Mapping[str, str] | None = None,
                 initial: Mapping | None = None, note: str = "", css: str = "",
                 max_frames: int = 200):
        self.params = {name: list(values) for name, values in params.items()}
        empty = [name for name, values in self.params.items() if not values]
        if not self.params or empty:
            raise ValueError(f"params must map each setting to a non-empty list of values "
                             f"(empty: {empty or 'no settings'})")
        max_frames = as_int(max_frames, "max_frames", minimum=1)
        combos = int(np.prod([len(v) for v in self.params.values()]))
        if combos > max_frames:
            raise ValueError(f"{count_text(combos, 'combination')} of settings: more than "
                             f"max_frames={max_frames} pre-rendered frames; offer fewer values")
        self.render, self.title, self.labels = render, title, dict(labels or {})
        self.initial = {n: v[0] for n, v in self.params.items()} | dict(initial or {})
        for name, value in self.initial.items():
            if name not in self.params or value not in self.params[name]:
                raise ValueError(f"initial setting {name}={value!r} is not one of the choices")
        self.note, self.css = note, css

    def frame_and_caption(self, **settings) -> tuple[str, str]:
        """``render(**settings)``, or the error box and message when it rejects them."""
        try:
            return self.render(**settings)
        except (ValueError, TypeError) as err:
            return error_box(str(err), style=False), str(err)

    def data(self) -> dict:
        frames, captions, size = [], [], 0
        for settings in product_of(self.params):
            frame, caption = self.frame_and_caption(**settings)
            frames.append(frame)
            captions.append(caption)
            size += len(frame) + len(caption)
            if size > BUDGET_BYTES:
                break
        _pre_rendered(frames, captions, self.note, self.css)
        return {"kind": "chooser", "id": player_id("choose", self.title, *captions),
                "title": self.title, "note": self.note, "css": self.css,
                "params": {n: [str(v) for v in vs] for n, vs in self.params.items()},
                "labels": {n: self.labels.get(n, n) for n in self.params},
                "initial": self.index(), "frames": frames, "captions": captions}

    def settings(self) -> dict:
        """The settings shown: the live widget's, once the reader changed them."""
        chosen = self.edits.get("settings")
        if not chosen:
            return dict(self.initial)
        return {name: self.params[name][int(k)] for name, k in chosen.items()}

    def index(self, **settings) -> int:
        """The frame index for ``settings`` (the rest as ``initial``)."""
        return chooser_index(self.params, self.initial | settings)


# The editable steppers ----------------------------------------------------------------------

EDITABLE = ("x", "kernel", "stride", "padding", "output_padding", "dilation")
"""What a reader may edit in a stepper, by default all of it."""
BOUNDS = {"size": 6, "value": 9999, "stride": 4, "padding": 4, "output_padding": 3,
          "dilation": 3}
"""The editor's bounds (grids up to 6×6, values up to 9999 in size, ...), widened to the
example's own numbers where they are larger."""
_EXACT = 2 ** 53  # integers a browser computes exactly


def _image(arr, name: str, layout: str) -> np.ndarray:
    """``arr`` as a non-empty numeric 2-D array, checked as tconv.placements checks it."""
    arr = as_array(arr, name)
    check_ndim(arr, name, (2,), layout)
    check_nonempty(arr, name)
    return arr


def _grid_data(arr: np.ndarray, name: str) -> tuple[list, bool]:
    """A grid as JSON lists and whether it holds floats; refuses what a browser cannot show."""
    is_float = bool(np.issubdtype(arr.dtype, np.floating))
    if is_float and not np.isfinite(arr).all():
        raise ValueError(f"{name} holds inf or NaN: a player shows finite numbers only")
    values = arr.astype(np.float64 if is_float else np.int64).tolist()
    return values, is_float


class EditableView(View):
    """A transposed convolution of ``x`` (H, W) with ``kernel`` (kH, kW) the reader can edit.

    ``views`` are the module's views of it drawn side by side (``scatter``, ``gather``,
    ``rows``, ``direct``), one frame per step, sharing one editor for the names in ``edit``.
    The arguments are checked as :func:`tconv.placements` checks them; invalid ones give
    ``.error`` (the library's message) instead of an exception, and so does a frame that would
    draw more than the player's budget. ``.placements`` is the library's scatter of the
    example, the reference every view agrees with.
    """

    views: tuple[str, ...] = ()
    kind_title = "Transposed convolution"

    def __init__(self, x, kernel, stride=1, padding=0, output_padding=0, dilation=1,
                 title: str | None = None, *, fmt: str | None = None, interval: int = 900,
                 edit: Sequence[str] = EDITABLE, max_steps: int = 64, max_cells: int = 36,
                 titles: Sequence[str | None] | None = None):
        self.fmt = check_fmt(fmt)
        self.interval = _check_options(interval)
        self.max_steps = as_int(max_steps, "max_steps", minimum=1)
        self.max_cells = as_int(max_cells, "max_cells", minimum=1)
        if isinstance(edit, str) or not all(name in EDITABLE for name in edit):
            raise ValueError(f"edit must list names from {EDITABLE}, got {edit!r}")
        self.edit = tuple(edit)
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a string or None, got {title!r}")
        self.title = title or self.kind_title
        self._title, self._titles = title, list(titles or [title] + [None] * 3)
        self.placements: Placements | None = None
        try:
            self._check(x, kernel, stride, padding, output_padding, dilation)
        except (ValueError, TypeError) as err:
            self.error = str(err)

    def _check(self, x, kernel, stride, padding, output_padding, dilation) -> None:
        x, kernel = _image(x, "x", "(H, W)"), _image(kernel, "kernel", "(kH, kW)")
        out = conv_transpose_output_size(x.shape, kernel.shape, stride, padding,
                                         output_padding, dilation)
        pairs = {name: as_tuple(value, name, 2) for name, value in
                 zip(("stride", "padding", "output_padding", "dilation"),
                     (stride, padding, output_padding, dilation), strict=True)}
        for view in self.views:
            self._limit(view, x.shape, kernel.shape, out, pairs)
        (xs, x_float), (ks, k_float) = _grid_data(x, "x"), _grid_data(kernel, "kernel")
        if not (x_float or k_float):
            top = int(np.abs(x).max()) * int(np.abs(kernel).max()) * x.size
            if top >= _EXACT:
                raise ValueError("x and kernel hold integers too large for a browser to add "
                                 "exactly: use smaller values, or floats")
        self._settings = {"x": xs, "x_float": x_float, "kernel": ks, "kernel_float": k_float,
                          **{name: list(pair) for name, pair in pairs.items()}}
        self.placements = placements(x, kernel, stride, padding, output_padding, dilation)

    def _limit(self, view: str, x_shape, k_shape, out, pairs) -> None:
        """The module's limits of one view (same rules and messages as ``player.js``)."""
        (H, W), (kH, kW), (oH, oW) = x_shape, k_shape, out
        (ph, pw), (dh, dw), (sh, sw) = pairs["padding"], pairs["dilation"], pairs["stride"]
        if view == "scatter":
            if H * W > self.max_steps:
                n = H * W
                raise ValueError(f"x has {count_text(n, 'element')}, so "
                                 f"{count_text(n, 'placement')}: more than a stepper shows "
                                 f"(max_steps={self.max_steps}); use a smaller input")
            cells = H * W + 2 * kH * kW + (oH + 2 * ph) * (oW + 2 * pw) + oH * oW
        elif view == "gather":
            cells = H * W + kH * kW + 2 * oH * oW
        elif view == "rows":
            if oH * oW > self.max_cells:
                raise ValueError(f"the output has {oH * oW} cells, more than this view shows "
                                 f"(max_cells={self.max_cells}); use a smaller input or kernel")
            cH = (oH + 2 * ph - dh * (kH - 1) - 1) // sh + 1
            cW = (oW + 2 * pw - dw * (kW - 1) - 1) // sw + 1
            cells = cH * cW + kH * kW + oH * oW * cH * cW + oH * oW
        else:  # direct
            cells = (oH + dh * (kH - 1)) * (oW + dw * (kW - 1)) + kH * kW + oH * oW
        message = budget_message(cells, "use a smaller input or kernel, or a smaller stride, "
                                        "padding or dilation")
        if message:
            raise ValueError(message)

    def data(self) -> dict:
        s = self._settings
        bounds = dict(BOUNDS)
        bounds["size"] = max(bounds["size"], *np.shape(s["x"]), *np.shape(s["kernel"]))
        bounds["value"] = max(bounds["value"], *(abs(v) for v in np.ravel(s["x"])),
                              *(abs(v) for v in np.ravel(s["kernel"])))
        for name in ("stride", "padding", "output_padding", "dilation"):
            bounds[name] = max(bounds[name], *s[name])
        return {"kind": "editable", "views": list(self.views),
                "id": player_id("edit", *self.views, json.dumps(s, sort_keys=True),
                                self._title or ""),
                "title": self.title, "titles": self._titles[:len(self.views)],
                **s, "edit": list(self.edit), "bounds": bounds, "fmt": self.fmt,
                "interval": self.interval, "max_steps": self.max_steps,
                "max_cells": self.max_cells}

    def __len__(self) -> int:
        """The number of frames of the first view (0 with invalid settings)."""
        if self.error:
            return 0
        p = self.placements
        return len(p) + 2 if self.views[0] == "scatter" else p.output.size


class Stepper(EditableView):
    """The scatter of ``conv_transpose2d(x, kernel, ...)`` on a bare 2-D input, step by step.

    Frame 0 is the empty canvas, frames 1..n add one placement each (x[u, v] times the
    kernel), the last frame is the result. Each frame shows the input with the current element
    highlighted, the kernel, the contribution x[u, v] * kernel, and the canvas with the window
    being written outlined, the running sums in the cells, and the overlap count in each cell's
    corner (also as shading). With padding the whole canvas is shown and the cropped cells are
    hatched; output_padding's extra rows/columns are dashed. Editable in the page.
    """

    views = ("scatter",)
    kind_title = "Transposed convolution, step by step"


class GatherStepper(EditableView):
    """The gather view: each output cell of ``conv_transpose2d(x, kernel, ...)`` in turn.

    Frame ``r·oW + c`` shows output cell (r, c): the input cells and kernel cells whose
    products sum into it (the same letter on both cells of a product, as
    :func:`tconv.gather` lists them), the products and their sum, and the output filled in up
    to that cell. Editable in the page.
    """

    views = ("gather",)
    kind_title = "The gather view, one output cell per step"


class DirectStepper(EditableView):
    """The direct convolution: the turned kernel slides over the zero-inserted, padded input.

    One output cell per frame: ``z`` (:func:`tconv.zero_insertion_input`) with the window of
    the current cell outlined and the input values it meets highlighted, the kernel turned by
    180° (:func:`tconv.rotate180`), and the output filled in up to that cell. With
    ``beside_scatter`` (the default) the scatter stepper on the same numbers stands beside it,
    and one editor changes both. Editable in the page.
    """

    kind_title = "Direct convolution and scatter, on the same numbers"

    def __init__(self, x, kernel, stride=1, padding=0, output_padding=0, dilation=1,
                 title: str | None = None, *, beside_scatter: bool = True, **options):
        if not isinstance(beside_scatter, bool):
            raise TypeError(f"beside_scatter must be True or False, got {beside_scatter!r}")
        self.views = ("direct", "scatter") if beside_scatter else ("direct",)
        super().__init__(x, kernel, stride, padding, output_padding, dilation, title,
                         titles=options.pop("titles", None) or [None, None], **options)
        if not beside_scatter:
            self._titles = [title]
