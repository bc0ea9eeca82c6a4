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

The module's own words (controls, the error box, and every title, legend, caption and panel
title it computes for an editable player, after each edit too) are shown in the reader's
language: the data carries their translations (:func:`player_words`, from tconv's catalog via
:mod:`.text`), and the module fills in their ``{names}``. The engine's error messages mirror
tconv's own ValueError/TypeError texts, which are English, and stay English.

May import: the standard library and :mod:`tconv.show.text` (a figure is handed in already
made); never :mod:`tconv.book`.
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

from .text import N_, SOURCE_LANGUAGE, Nn_, _, language

HERE = Path(__file__).resolve().parent
MODULE_PATH = HERE / "player.js"
CSS_PATH = HERE / "player.css"

BUDGET_BYTES = 150_000
"""What one player may put in a page, or draw in one frame: 150 KB of HTML."""
CELL_BYTES = 40
"""The HTML of one grid cell, about (a cell with its classes, number and count)."""


CONTROL_WORDS = (
    N_("First frame"),
    N_("First"),
    N_("Previous frame"),
    N_("Prev"),
    N_("Play"),
    N_("Next frame"),
    N_("Next"),
    N_("Last frame"),
    N_("Last"),
    N_("Frame (1 to {n})"),
    N_("Pause"),
    N_("{shown} key frames of {n}; the web edition steps through every one."),
    N_("Invalid settings:"),
    N_("Edit numbers"),
    N_("Reset"),
    N_("Link to these numbers"),
    N_("edited"),
    N_("{name} is {h}×{w}: this player edits grids of up to {size}×{size}"),
    N_("{name} holds {value}: this player takes values between -{most} and {most}"),
    N_("{name} {value} is more than this player shows (at most {most})"),
    N_("{name} (rows)"),
    N_("{name} (columns)"),
    N_("Numbers of both players"),
    N_("Numbers of this player"),
    N_("Numbers separated by spaces, rows by semicolons (1 2; 3 4); up to {size}×{size}, values "
       "up to {value} in size. The frames follow every change and start again at the first."),
    N_("Two views"),
    N_("output size {size}"),
    N_("Output size {size}."),
    N_("Settings"),
    N_("Whole numbers; the output size follows every change."),
)
"""The module's controls, its editors' labels, help and own bounds, the error box's label."""

VIEW_WORDS = (
    N_("{list}, {item}"),
    Nn_("{n} product", "{n} products"),
    N_("{lo} to {hi} products"),
    N_("stride {value}"),
    N_("padding {value}"),
    N_("output_padding {value}"),
    N_("dilation {value}"),
    N_("Transposed convolution, step by step"),
    N_("{h}×{w} input"),
    N_("{h}×{w} kernel"),
    N_("{head}: {details}"),
    N_(", "),
    N_("Outlined cells: where the current step adds. Small corner number: how many placements "
       "have added to that cell so far (darker shading = more)."),
    N_("Hatched cells: cropped away by padding {padding}; the output is the rest."),
    N_("Dashed cells: the rows/columns that output_padding {output_padding} keeps in the output."),
    N_("Start: each of the {n} elements of the {h}×{w} input x will add a scaled copy of the "
       "{kh}×{kw} kernel, stride {stride} apart, into a {fh}×{fw} canvas of zeros."),
    N_("Start: the single element of the {h}×{w} input x will add a scaled copy of the "
       "{kh}×{kw} kernel, stride {stride} apart, into a {fh}×{fw} canvas of zeros."),
    N_("Then padding {padding} crops {rows} from the top and the bottom and {cols} from the "
       "left and the right (hatched)."),
    Nn_("{n} row", "{n} rows"),
    Nn_("{n} column", "{n} columns"),
    N_("output_padding {output_padding} keeps {rows} at the bottom and {cols} at the right "
       "(dashed)."),
    Nn_("{n} more row", "{n} more rows"),
    Nn_("{n} more column", "{n} more columns"),
    N_("The output will be {h}×{w}."),
    N_("Step {step} of {steps}: x[{i},{j}] = {value} times the kernel, added to {where}."),
    N_("Step {step} of {steps}: x[{i},{j}] = {value} times the kernel, added to {where}, all of "
       "it cropped away."),
    N_("Step {step} of {steps}: x[{i},{j}] = {value} times the kernel, added to {where}, which "
       "is {kept}."),
    N_("Result: the {n} placements sum to the {h}×{w} output; each output cell received "
       "{products}."),
    N_("Result: the single placement makes the {h}×{w} output; each output cell received "
       "{products}."),
    N_("input x"),
    N_("kernel"),
    N_("x[{i},{j}] × kernel"),
    N_("x[u,v] × kernel"),
    N_("out"),
    N_("full (before cropping)"),
    N_("{name}, running sum"),
    N_("out (cropped)"),
    N_("out, cell ({r},{c})"),
    N_("out[{r},{c}] gathers no product: no kernel copy reaches it, so it is 0."),
    N_("out[{r},{c}] gathers {products}: {names} = {sum} = {value}."),
    N_("The gather view, one output cell per step"),
    N_("Highlighted: the input cells and the kernel cells whose products sum into the outlined "
       "output cell; the same letter marks the two cells of each product."),
    N_("Cᵀ (row {i} shaded)"),
    N_("out[{r},{c}] = row {i} of Cᵀ · x = 0: no kernel copy covers this cell, so the whole row "
       "is 0."),
    Nn_("column {list}", "columns {list}"),
    N_("out[{r},{c}] = row {i} of Cᵀ · x = {products} = {value}. Row {i} holds kernel values in "
       "{where}, the inputs whose kernel copies cover out[{r},{c}], and 0 elsewhere."),
    N_("Each output cell is one row of Cᵀ times x"),
    N_("Cᵀ has one row per output cell ({rows}) and one column per input cell ({cols}, "
       "row-major). Highlighted: the input cells whose kernel copies cover the current output "
       "cell (outlined in out), the kernel cells they use, and their entries in the current row "
       "of Cᵀ; the rest of that row (shaded) is 0."),
    Nn_("{n} zero around it", "{n} zeros around it"),
    Nn_("{n} cell cropped from each side", "{n} cells cropped from each side"),
    N_("{pad} (and {n} more at the bottom and the right, for output_padding)"),
    N_("d(k − 1) − p zeros around it (a negative amount crops; output_padding adds at the "
       "bottom and right)"),
    Nn_("{n} zero", "{n} zeros"),
    N_("stride − 1 zeros"),
    N_("z: the input with {between} between neighbours and {pad}; grey numbers are zeros put "
       "in. The kernel is turned by 180° and slides over z one cell at a time: outlined, the "
       "cells it covers for the current output cell; highlighted, the input values it meets "
       "there."),
    N_("out[{r},{c}]: the turned kernel over z[{rows}, {cols}]"),
    N_("{where} meets no input value, only zeros, so it is 0."),
    N_("{where}: {n} of its {cells} cells meet input values, {products} = {value}."),
    N_("z: x with zeros put in, padded"),
    N_("kernel turned 180°"),
    N_("Direct convolution, one output cell per step"),
)
"""What the module computes for an editable player, in the reader's language after every edit:
titles, legends, captions, panel titles (the engine's errors mirror tconv's and stay English)."""

# player.js's own words (its ``tw(...)`` calls) in the output-size calculator's "same layer in
# ..." table, for the translated editions; the notes are tconv.frameworks.CALL_NOTES and the
# rules are the messages to_keras and to_onnx raise, with {placeholders}.
FRAMEWORK_WORDS = (
    N_("The same layer in other frameworks"),
    N_("Framework"),
    N_("Call"),
    N_("weight (C_in, C_out, kH, kW); x in NCHW"),
    N_("kernel = weight.transpose(2, 3, 1, 0); x in NHWC"),
    N_('w = weight[:, :, ::-1, ::-1], flipped; or w = weight with "OIHW" and '
       'transpose_kernel=True'),
    N_("kernel = weight[:, :, ::-1, ::-1].transpose(2, 3, 0, 1), flipped; x in NHWC"),
    N_("W = weight as it is; x in NCHW"),
    N_("Keras' Conv2DTranspose does not allow strides > 1 with dilation_rate > 1, got stride "
       "{stride} and dilation {dilation}"),
    N_("Keras cannot add {n} zero cells at the end along {axis}: output_padding must be smaller "
       "than strides ({strides})"),
    N_("ONNX (onnxruntime) cannot add {n} zero cells at the end along {axis}: output_padding must "
       "be smaller than strides ({strides})"),
)

MODULE_WORDS = CONTROL_WORDS + VIEW_WORDS + FRAMEWORK_WORDS
"""Every message player.js writes itself (its ``tw(...)`` and ``tn(...)`` calls), as tconv's
catalog knows them: a string, or a count message as (singular, plural)."""


def player_words() -> dict[str, str]:
    """The module's words translated into the current language ({} in English).

    A count message's translation (Chinese has one form) stands for its singular and plural.
    """
    if language() == SOURCE_LANGUAGE:
        return {}
    words = {}
    for message in MODULE_WORDS:
        forms = message if isinstance(message, tuple) else (message,)
        if (t := _(forms[0])) != forms[0]:
            words.update(dict.fromkeys(forms, t))
    return words


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
           f"<strong>{escape(_('Invalid settings:'))}</strong> {escape(str(message))}</div>")
    return f'<div class="tconv-widget">{_style()}{box}</div>' if style else box


def _json_for_script(data) -> str:
    """JSON with ``<`` escaped, so it can sit inside a ``<script>`` element as it is."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace(
        "<", "\\u003c")


# Imports the module once per page (from the shared copy the book's extension loads, else from
# the copy in this output, a JSON string) and mounts this output's player with a stand-in model.
# The book loads the shared copy deferred (it must not hold up the page's first paint), so a
# player met while the page is still parsed, with neither copy there yet, waits for
# DOMContentLoaded, by which time deferred scripts have run.
BOOT = (
    "(function(s){var el=s.parentNode,sha=el.getAttribute('data-tconv-module');"
    "function go(){var M=window.tconvModules=window.tconvModules||{};"
    "if(!M[sha]){var t=(window.tconvModuleText||{})[sha],c=el.querySelector('script.tconv-module');"
    "if(!t&&c)t=JSON.parse(c.textContent);"
    "M[sha]=import(URL.createObjectURL(new Blob([t],{type:'text/javascript'})));}"
    "M[sha].then(function(m){m.mount(el,JSON.parse(el.querySelector('script.tconv-data')"
    ".textContent));},function(e){console.error('tconv player:',e);});}"
    "if(!(window.tconvModuleText||{})[sha]&&!el.querySelector('script.tconv-module')"
    "&&document.readyState==='loading')document.addEventListener('DOMContentLoaded',go);"
    "else go();"
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
