"""The players' one module and one stylesheet, and how a page with no kernel runs them.

Every interactive object of :mod:`tconv.show.widgets` is drawn by one ES module,
``player.js`` beside this file, with anywidget's shape (``render({model, el})``), styled by
one stylesheet, ``player.css``. In JupyterLab the module runs as a live anywidget; in the book
(or any page) it runs from the ``text/html`` copy of the same output that :func:`static_html`
writes: the object's data as JSON, the module's text, the stylesheet and a small script that
imports the module (from a Blob URL, so the page's depth and ``file://`` do not matter) and
calls its ``mount(el, data)``, which passes a stand-in model to ``render``. No network, no
CDN. The book's ``_ext/players.py`` keeps one copy of the module and the stylesheet per site
(static files the pages share) instead of one per output.

The DOM the module draws is the contract the browser tests rely on: a ``.tconv-player`` with
``role=group``, an ``aria-label``, ``tabindex=0``, ``data-frame``/``data-frames``, buttons with
``data-action`` (first/prev/play/next/last, edit, reset), a slider, a ``.tconv-caption`` and,
for invalid settings, a ``.tconv-error`` box with ``role=alert``. On ``beforeprint`` each
stepper fills its ``.tconv-paper`` with every frame (or 12 key frames) as
``figure.tconv-pframe`` with a numbered caption; ``afterprint`` empties it (``player.css``
holds the print rules).

May import: the standard library only (a figure is handed in already made); never
:mod:`tconv.book`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
from collections.abc import Mapping, Sequence
from functools import cache
from html import escape
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULE_PATH = HERE / "player.js"
CSS_PATH = HERE / "player.css"

BUDGET_BYTES = 150_000
"""What one player may put in a page, or draw in one frame: 150 KB of HTML."""
CELL_BYTES = 40
"""The HTML of one grid cell, about (a cell with its classes, number and count)."""


# player.js's own words (its ``tw(...)`` calls) in the output-size calculator's "same layer in
# ..." table, for the translated editions; the notes are tconv.frameworks.CALL_NOTES and the
# rules are the messages to_keras and to_onnx raise, with {placeholders}.
FRAMEWORK_WORDS = (
    "The same layer in other frameworks",
    "Framework",
    "Call",
    "weight (C_in, C_out, kH, kW); x in NCHW",
    "kernel = weight.transpose(2, 3, 1, 0); x in NHWC",
    'w = weight[:, :, ::-1, ::-1], flipped; or w = weight with "OIHW" and transpose_kernel=True',
    "kernel = weight[:, :, ::-1, ::-1].transpose(2, 3, 0, 1), flipped; x in NHWC",
    "W = weight as it is; x in NCHW",
    "Keras' Conv2DTranspose does not allow strides > 1 with dilation_rate > 1, got stride "
    "{stride} and dilation {dilation}",
    "Keras cannot add {n} zero cells at the end along {axis}: output_padding must be smaller "
    "than strides ({strides})",
    "ONNX (onnxruntime) cannot add {n} zero cells at the end along {axis}: output_padding must "
    "be smaller than strides ({strides})",
)


@cache
def module_text() -> str:
    """The players' ES module (player.js)."""
    return MODULE_PATH.read_text(encoding="utf-8")


@cache
def css_text() -> str:
    """The players' stylesheet (player.css)."""
    return CSS_PATH.read_text(encoding="utf-8")


def digest(text: str) -> str:
    """The first 16 hex digits of the SHA-256 of ``text``: names a version of an asset."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def count_text(n: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun: (1, 'row') -> '1 row', (2, 'row') -> '2 rows', (0, ...) -> '0 rows'."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def player_id(*parts: str) -> str:
    """A deterministic id for a player: ``tcp-`` and a hash of its content."""
    h = hashlib.sha1()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return "tcp-" + h.hexdigest()[:12]


def budget_message(cells: int, advice: str) -> str | None:
    """The budget error for a frame of ``cells`` grid cells, or None within the budget.

    The same text as the module's ``check_budget``.
    """
    if cells * CELL_BYTES <= BUDGET_BYTES:
        return None
    return (f"this player would draw {cells} grid cells a frame (about "
            f"{round(cells * CELL_BYTES / 1000)} KB of HTML), more than its budget of "
            f"{BUDGET_BYTES // 1000} KB ({BUDGET_BYTES // CELL_BYTES} cells): {advice}")


def _style() -> str:
    """The stylesheet as an inline ``<style>`` the book's extension can share between outputs."""
    css = css_text()
    return f'<style class="tconv-css" data-sha="{digest(css)}">{css}</style>'


def error_box(message: str, style: bool = True) -> str:
    """The error display: ``<div class="tconv-error" role="alert">`` holding ``message``.

    ``style=False`` leaves out the stylesheet, for an error shown inside a player (which has it).
    The module draws the same box (``error_html``).
    """
    box = (f'<div class="tconv-error" role="alert">'
           f"<strong>Invalid settings:</strong> {escape(str(message))}</div>")
    return f'<div class="tconv-widget">{_style()}{box}</div>' if style else box


def _json_for_script(data) -> str:
    """JSON with ``<`` escaped, so it can sit inside a ``<script>`` element as it is."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace(
        "<", "\\u003c")


# Imports the module once per page (from the shared copy the book's extension loads, else from
# the copy in this output, a JSON string) and mounts this output's player with a stand-in model.
BOOT = (
    "(function(s){var el=s.parentNode,sha=el.getAttribute('data-tconv-module'),"
    "M=window.tconvModules=window.tconvModules||{};"
    "if(!M[sha]){var t=(window.tconvModuleText||{})[sha],c=el.querySelector('script.tconv-module');"
    "if(!t&&c)t=JSON.parse(c.textContent);"
    "M[sha]=import(URL.createObjectURL(new Blob([t],{type:'text/javascript'})));}"
    "M[sha].then(function(m){m.mount(el,JSON.parse(el.querySelector('script.tconv-data')"
    ".textContent));},function(e){console.error('tconv player:',e);});"
    "})(document.currentScript);"
)


def static_html(data: Mapping) -> str:
    """A self-contained ``text/html`` player: the data, the module, the stylesheet, the boot."""
    module = module_text()
    sha = digest(module)
    return (f'<div class="tconv-widget" data-tconv-module="{sha}">'
            + _style()
            + f'<script type="application/json" class="tconv-data">{_json_for_script(data)}'
            "</script>"
            + f'<script type="application/json" class="tconv-module" data-sha="{sha}">'
            + _json_for_script(module) + "</script>"
            + f"<script>{BOOT}</script></div>")


def image_frame(data: bytes, alt: str, mime: str = "image/png") -> str:
    """An ``<img>`` frame holding ``data`` (e.g. PNG bytes) as a data URI, with alt text."""
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img src="data:{mime};base64,{b64}" alt="{escape(alt)}">'


def figure_frame(fig, alt: str, dpi: int = 72) -> str:
    """A matplotlib figure saved as PNG into an ``<img>`` frame (the figure is not closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return image_frame(buf.getvalue(), alt)


def chooser_index(params: Mapping[str, Sequence], settings: Mapping) -> int:
    """The frame index of ``settings`` in the row-major product of ``params``' values."""
    index = 0
    for name, values in params.items():
        index = index * len(values) + list(values).index(settings[name])
    return index


def product_of(params: Mapping[str, Sequence]) -> list[dict]:
    """Every combination of ``params``' values as a dict, in the players' frame order."""
    names = list(params)
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*params.values())]
