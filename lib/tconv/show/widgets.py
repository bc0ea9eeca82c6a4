"""Interactive objects: one Python object, a live ipywidget and a static player for the book.

Every object here has ``_repr_mimebundle_`` returning both
``application/vnd.jupyter.widget-view+json`` (the live widget, built on first display) and
``text/html`` (a self-contained player from :mod:`tconv.show.player`, every frame pre-rendered,
for pages with no kernel). Invalid settings never raise at display time: the object keeps
the library's message in ``.error`` and both renderings show it in a ``tconv-error`` box.

- :class:`Stepper`: the scatter of a transposed convolution, one placement per step.
- :class:`SequenceView`: any list of frames (HTML fragments or images) with captions.
- :class:`ChooserView`: frames computed from a few settings picked from lists.

Frames are HTML: small tables with the numbers as text (see :func:`grid_html`), or images from
:func:`tconv.show.player.figure_frame`. Building another interactive piece takes a few lines::

    from tconv import conv_transpose_output_size
    from tconv.show import ChooserView

    def size(n, k, s, p):
        out = conv_transpose_output_size(n, k, s, p)  # raises ValueError for bad settings
        return f"<b>{out}</b>", f"(n-1)s - 2p + k = ({n}-1)*{s} - 2*{p} + {k} = {out}"

    ChooserView({"n": [2, 3, 4], "k": [2, 3, 4], "s": [1, 2], "p": [0, 1]}, size,
                title="Output size")

Setting the environment variable ``TCONV_STATIC=1`` (e.g. for the book build) leaves out the
live widget: no widget is created, so no widget state is saved into executed notebooks.

May import: the operations (:mod:`tconv`), numpy, :mod:`tconv.show.player`,
:mod:`tconv.show.text`, and ipywidgets (only when a live widget is first built); never
:mod:`tconv.book`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from html import escape

import numpy as np

from ..placements import Placements, check_scatter, placements_of
from .player import (
    PALETTE_CSS,
    PLAYER_CSS,
    chooser_index,
    chooser_player,
    count_text,
    error_box,
    product_of,
    sequence_player,
)
from .text import _, tr

GRID_CSS = (
    ".tcv{display:flex;flex-wrap:wrap;gap:.8em 1.4em;align-items:flex-start;"
    "color:var(--tc-fg);font:14px/1.3 system-ui,sans-serif}"
    ".tcv .pn{display:flex;flex-direction:column;gap:.25em}"
    ".tcv .pt{font-size:85%;color:var(--tc-mute)}"
    ".tcv .g{margin:0;border-collapse:collapse;font:13px/1 ui-monospace,Menlo,Consolas,monospace;"
    "font-variant-numeric:tabular-nums}"
    ".tcv .g td{border:1px solid var(--tc-line);min-width:2.4em;height:2.3em;padding:0 .5em;"
    "text-align:center;vertical-align:middle;position:relative;box-sizing:border-box;"
    "background-color:var(--tc-bg);color:var(--tc-fg)}"
    ".tcv .g th{font-weight:400;font-size:75%;color:var(--tc-mute);padding:0 .3em}"
    ".tcv .g .c{border:0;min-width:0;height:auto;background:none}"
    ".tcv .g i{position:absolute;top:1px;right:2px;font-size:65%;font-style:normal}"
    ".tcv .g .n1{background-color:var(--tc-n1)}.tcv .g .n2{background-color:var(--tc-n2)}"
    ".tcv .g .n3{background-color:var(--tc-n3)}.tcv .g .n4{background-color:var(--tc-n4)}"
    ".tcv .g .h{background-color:var(--tc-hi)}"
    ".tcv .h,.tcv .w{outline:3px solid var(--tc-acc);outline-offset:-3px;font-weight:700}"
    ".tcv .k{background-image:repeating-linear-gradient(135deg,transparent 0 4px,"
    "var(--tc-hatch) 4px 6px);color:var(--tc-mute)}"
    ".tcv .g .e{border:2px dashed var(--tc-fg)}"
)
"""CSS of the grids drawn by :func:`grid_html` (cell classes h, w, k, e, n1..n4)."""


def static_only() -> bool:
    """Whether to leave the live widget out (environment variable ``TCONV_STATIC`` set)."""
    return os.environ.get("TCONV_STATIC", "") not in ("", "0")


# Grids as HTML tables ------------------------------------------------------------------------

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
    """A 2-D array as a compact ``<table class="g">``, numbers as text.

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


# Generic bases -------------------------------------------------------------------------------

class View:
    """Base of every interactive object: ``.widget`` (live), ``.to_html()`` (static), ``.error``."""

    title: str = ""
    error: str | None = None
    _widget = None

    def to_html(self) -> str:
        """The static rendering: a self-contained player, or the error box."""
        return error_box(self.error) if self.error else self._static_html()

    @property
    def widget(self):
        """The live ipywidget (built once, on first use)."""
        if self._widget is None:
            import ipywidgets as w
            self._widget = (w.HTML(error_box(self.error)) if self.error
                            else self._build_widget())
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        bundle = {"text/plain": repr(self), "text/html": self.to_html()}
        if not static_only():
            live = self.widget._repr_mimebundle_(**kwargs) or {}
            bundle.update({k: v for k, v in live.items() if k != "text/plain"})
        return bundle

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"<{name}: {self.error}>" if self.error else f"<{name}: {self.title}>"

    def _static_html(self) -> str:
        raise NotImplementedError

    def _build_widget(self):
        raise NotImplementedError


class SequenceView(View):
    """Frames stepped through in order, one caption each.

    ``frames`` are HTML fragments (grids from :func:`grid_html`, or images from
    :func:`tconv.show.player.figure_frame`); ``note`` is HTML shown once above them (a legend);
    ``css`` extra CSS the frames need. Live: Play, a slider, first/prev/next/last buttons.
    Subclasses may override ``__len__``, ``frame(i)`` and ``caption(i)`` to render lazily.
    """

    def __init__(self, frames: Sequence[str], captions: Sequence[str], title: str = "", *,
                 note: str = "", css: str = "", interval: int = 900):
        if len(frames) != len(captions) or not frames:
            raise ValueError(f"frames and captions must be non-empty and of equal length, got "
                             f"{count_text(len(frames), 'frame')} and "
                             f"{count_text(len(captions), 'caption')}")
        self._frames, self._captions = list(frames), list(captions)
        self.title, self.note, self.css, self.interval = title, note, css, interval

    def __len__(self) -> int:
        return len(self._frames)

    def frame(self, i: int) -> str:
        """The HTML of frame ``i``."""
        return self._frames[i]

    def caption(self, i: int) -> str:
        """The sentence describing frame ``i`` (plain text)."""
        return self._captions[i]

    def _static_html(self) -> str:
        n = len(self)
        return sequence_player([self.frame(i) for i in range(n)],
                               [self.caption(i) for i in range(n)], self.title,
                               note=self.note, css=self.css, interval=self.interval)

    def _build_widget(self):
        import ipywidgets as w
        n = len(self)
        head = f"<style>{PALETTE_CSS}{self.css}</style>"
        if self.title:
            head += f"<b>{escape(self.title)}</b>"
        if self.note:
            head += f'<div style="font-size:90%">{self.note}</div>'
        self.frame_view = w.HTML(self.frame(0))
        self.caption_view = w.HTML(f"<p>{escape(self.caption(0))}</p>")
        self.slider = w.IntSlider(value=0, min=0, max=n - 1, description="Frame",
                                  continuous_update=True)
        self.play = w.Play(value=0, min=0, max=n - 1, interval=self.interval,
                           description="Play", show_repeat=False)
        w.jslink((self.play, "value"), (self.slider, "value"))
        self.buttons = {}
        for action, label, tip in [("first", "« First", "First frame"),
                                   ("prev", "‹ Prev", "Previous frame"),
                                   ("next", "Next ›", "Next frame"),
                                   ("last", "Last »", "Last frame")]:
            button = w.Button(description=label, tooltip=tip,
                              layout=w.Layout(width="auto"))
            button.on_click(lambda _, a=action: self._act(a))
            self.buttons[action] = button
        self.slider.observe(lambda change: self._show(change["new"]), names="value")
        controls = w.HBox([self.buttons["first"], self.buttons["prev"], self.play,
                           self.buttons["next"], self.buttons["last"], self.slider])
        return w.VBox([w.HTML(head), self.frame_view, self.caption_view, controls])

    def _act(self, action: str) -> None:
        i, last = self.slider.value, len(self) - 1
        self.slider.value = {"first": 0, "prev": max(i - 1, 0), "next": min(i + 1, last),
                             "last": last}[action]

    def _show(self, i: int) -> None:
        self.frame_view.value = self.frame(i)
        self.caption_view.value = f"<p>{escape(self.caption(i))}</p>"


class ChooserView(View):
    """Frames computed from settings, each chosen from a list: ``render(**settings)``.

    ``params`` maps each setting's name to its possible values; ``render`` returns
    ``(html, caption)`` for one combination. A ValueError or TypeError from ``render`` (the
    library rejecting the settings) becomes that frame's error box, not a crash. Live, the
    settings are dropdowns and ``render`` runs on every change; the static player
    pre-renders every combination, at most ``max_frames`` of them.
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

    def _static_html(self) -> str:
        rendered = [self.frame_and_caption(**s) for s in product_of(self.params)]
        return chooser_player(self.params, [f for f, _ in rendered], [c for _, c in rendered],
                              self.title, labels=self.labels, initial=self.initial,
                              note=self.note, css=self.css)

    def _build_widget(self):
        import ipywidgets as w
        head = f"<style>{PLAYER_CSS}{self.css}</style>"
        if self.title:
            head += f"<b>{escape(self.title)}</b>"
        if self.note:
            head += f'<div style="font-size:90%">{self.note}</div>'
        self.dropdowns = {
            name: w.Dropdown(options=[(str(v), v) for v in values], value=self.initial[name],
                             description=self.labels.get(name, name),
                             style={"description_width": "initial"},
                             layout=w.Layout(width="auto"))
            for name, values in self.params.items()}
        html, caption = self.frame_and_caption(**self.initial)
        self.frame_view = w.HTML(html)
        self.caption_view = w.HTML(f"<p>{escape(caption)}</p>")
        for dropdown in self.dropdowns.values():
            dropdown.observe(lambda _: self._show(), names="value")
        return w.VBox([w.HTML(head), w.HBox(list(self.dropdowns.values())), self.frame_view,
                       self.caption_view])

    def settings(self) -> dict:
        """The live widget's current settings (the initial ones before it is built)."""
        if self._widget is None or self.error:
            return dict(self.initial)
        return {name: d.value for name, d in self.dropdowns.items()}

    def index(self, **settings) -> int:
        """The static player's frame index for ``settings``."""
        return chooser_index(self.params, self.initial | settings)

    def _show(self) -> None:
        html, caption = self.frame_and_caption(**self.settings())
        self.frame_view.value = html
        self.caption_view.value = f"<p>{escape(caption)}</p>"


# The stepper ---------------------------------------------------------------------------------

def _setting(pair: tuple[int, int]) -> str:
    """(2, 2) -> '2', (1, 2) -> '(1, 2)'."""
    return str(pair[0]) if pair[0] == pair[1] else str(pair)


def _count_range(lo: int, hi: int, noun: str) -> str:
    """(0, 1, 'product') -> '0 to 1 products', (1, 1, 'product') -> '1 product'."""
    return count_text(lo, noun) if lo == hi else f"{lo} to {hi} {noun}s"


def _slice_text(s: slice) -> str:
    """slice(0, 2) -> '0:2', slice(0, 3, 2) -> '0:3:2'."""
    return f"{s.start}:{s.stop}" + (f":{s.step}" if s.step not in (None, 1) else "")


def _kept_slice(s: slice, lo: int, hi: int) -> slice | None:
    """The part of canvas slice ``s`` inside [lo, hi), shifted by -lo; None if empty."""
    kept = [r - lo for r in range(s.start, s.stop, s.step or 1) if lo <= r < hi]
    if not kept:
        return None
    return slice(kept[0], kept[-1] + 1, s.step)


class Stepper(SequenceView):
    """The scatter of ``conv_transpose2d(x, kernel, ...)`` on a bare 2-D input, step by step.

    Frame 0 is the empty canvas, frames 1..n add one placement each (x[u, v] times the
    kernel), the last frame is the result. Each frame shows the input with the current element
    highlighted, the kernel, the contribution x[u, v] * kernel, and the canvas with the window
    being written outlined, the running sums in the cells, and the overlap count in each cell's
    corner (also as shading). With padding the whole canvas is shown and the cropped cells are
    hatched; output_padding's extra rows/columns are dashed. Invalid settings give ``.error``
    (the library's message) instead of an exception.
    """

    def __init__(self, x, kernel, stride=1, padding=0, output_padding=0, dilation=1,
                 title: str | None = None, *, fmt: str | None = None, interval: int = 900,
                 max_steps: int = 64):
        self.fmt, self.interval, self.css = fmt, interval, GRID_CSS
        self.placements: Placements | None = None
        self.error = None
        try:
            scatter = check_scatter(x, kernel, stride, padding, output_padding, dilation)
            n = scatter[0].size
            if n > max_steps:  # checked before recording n snapshots of the canvas
                raise ValueError(f"x has {count_text(n, 'element')}, so "
                                 f"{count_text(n, 'placement')}: more than a stepper "
                                 f"shows (max_steps={max_steps}); use a smaller input")
            self.placements = placements_of(scatter)
        except (ValueError, TypeError) as err:
            self.error = str(err)
            self.title, self.note = title or "Transposed convolution", ""
            return
        self.title = title or self._default_title()
        self.note = self._legend()
        self._frame = lru_cache(maxsize=None)(self._render_frame)

    # Text ---------------------------------------------------------------------------------

    def _trivial_crop(self) -> bool:
        p = self.placements
        return p.padding == (0, 0) and p.output_padding == (0, 0)

    def _canvas_name(self) -> str:
        return "out" if self._trivial_crop() else "full"

    def _default_title(self) -> str:
        p = self.placements
        (H, W), (kH, kW) = p.x.shape, p.kernel.shape
        title = f"Transposed convolution, step by step: {H}×{W} input, {kH}×{kW} kernel"
        for name in ("stride", "padding", "output_padding", "dilation"):
            value = getattr(p, name)
            if value != ((1, 1) if name in ("stride", "dilation") else (0, 0)) or name == "stride":
                title += f", {name} {_setting(value)}"
        return title

    def _legend(self) -> str:
        p = self.placements
        text = _("Outlined cells: where the current step adds. Small corner number: how many "
                 "placements have added to that cell so far (darker shading = more).")
        if p.padding != (0, 0):
            text += " " + _("Hatched cells: cropped away by padding {padding}; the output is "
                            "the rest.", padding=_setting(p.padding))
        if p.output_padding != (0, 0):
            text += " " + _("Dashed cells: the rows/columns that output_padding "
                            "{output_padding} keeps in the output.",
                            output_padding=_setting(p.output_padding))
        return escape(text)

    def __len__(self) -> int:
        return len(self.placements) + 2 if self.placements is not None else 0

    def caption(self, i: int) -> str:
        """The sentence for frame i: the start, step i of n, or the result."""
        p, n = self.placements, len(self.placements)
        (H, W), (kH, kW), crop = p.x.shape, p.kernel.shape, p.crop
        fH, fW = crop.full_shape
        oH, oW = crop.out_shape
        if i == 0:
            each = f"each of the {n} elements" if n > 1 else "the single element"
            text = (f"Start: {each} of the {H}×{W} input x will add a scaled "
                    f"copy of the {kH}×{kW} kernel, stride {_setting(p.stride)} apart, into a "
                    f"{fH}×{fW} canvas of zeros.")
            if p.padding != (0, 0):
                text += (f" Then padding {_setting(p.padding)} crops "
                         f"{count_text(p.padding[0], 'row')} from the top and the bottom and "
                         f"{count_text(p.padding[1], 'column')} from the left and the right "
                         f"(hatched).")
            if p.output_padding != (0, 0):
                text += (f" output_padding {_setting(p.output_padding)} keeps "
                         f"{count_text(p.output_padding[0], 'more row')} at the bottom and "
                         f"{count_text(p.output_padding[1], 'more column')} at the right "
                         f"(dashed).")
            return text + f" The output will be {oH}×{oW}."
        if i <= n:
            q = p[i - 1]
            v = format_value(q.value, self.fmt)
            text = (f"Step {i} of {n}: x[{q.index[0]},{q.index[1]}] = {v} times the kernel, "
                    f"added to {self._canvas_name()}[{_slice_text(q.rows)}, "
                    f"{_slice_text(q.cols)}]")
            if not self._trivial_crop():
                rows = _kept_slice(q.rows, crop.rows.start, crop.rows.stop)
                cols = _kept_slice(q.cols, crop.cols.start, crop.cols.stop)
                if rows is None or cols is None:
                    text += ", all of it cropped away"
                else:
                    text += f", which is out[{_slice_text(rows)}, {_slice_text(cols)}]"
            return text + "."
        counts = p.overlap
        summed = f"the {n} placements sum to" if n > 1 else "the single placement makes"
        return (f"Result: {summed} the {oH}×{oW} output; each output cell received "
                f"{_count_range(int(counts.min()), int(counts.max()), 'product')}.")

    # Frames -------------------------------------------------------------------------------

    def frame(self, i: int) -> str:
        """The HTML of frame i (cached)."""
        return self._frame(i)

    def _render_frame(self, i: int) -> str:
        p, n, fmt = self.placements, len(self.placements), self.fmt
        crop = p.crop
        q = p[i - 1] if 1 <= i <= n else None
        blank = np.full(p.kernel.shape, None, dtype=object)
        panels = [
            panel_html("input x", grid_html(
                p.x, (lambda r, c: "h" if (r, c) == q.index else "") if q else None,
                headers=True, fmt=fmt)),
            panel_html("kernel", grid_html(p.kernel, fmt=fmt)),
            panel_html(f"x[{q.index[0]},{q.index[1]}] × kernel" if q else "x[u,v] × kernel",
                       grid_html(q.contribution, fmt=fmt) if q else grid_html(blank)),
        ]
        if q is not None:
            canvas, counts, written = q.canvas, q.canvas_count, set(q.footprint)
        elif i == 0:
            canvas, counts, written = np.zeros_like(p.canvas), None, set()
        else:
            canvas, counts, written = p.canvas, p.canvas_count, set()
        trivial = self._trivial_crop()
        extra_r = range(crop.extra_rows.start, crop.extra_rows.stop)
        extra_c = range(crop.extra_cols.start, crop.extra_cols.stop)

        def classes(r, c):
            cls = "w" if (r, c) in written else ""
            if not trivial:
                if not crop.kept(r, c):
                    cls += " k"
                elif r in extra_r or c in extra_c:
                    cls += " e"
            return cls.strip()

        name = "out" if trivial else "full (before cropping)"
        panels.append(panel_html(f"{name}, running sum" if i <= n else name,
                                 grid_html(canvas, classes, counts, headers=True, fmt=fmt)))
        if i == n + 1 and not trivial:
            panels.append(panel_html("out (cropped)", grid_html(
                p.output, lambda r, c: "e" if (r + crop.rows.start in extra_r or
                                              c + crop.cols.start in extra_c) else "",
                headers=True, fmt=fmt)))
        return '<div class="tcv">' + "".join(panels) + "</div>"
