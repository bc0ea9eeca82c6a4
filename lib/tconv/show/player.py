"""Static HTML players: every frame pre-rendered, driven by a little inline JavaScript.

The built book has no Python kernel, so each interactive object also renders itself as one
self-contained ``<div class="tconv-player">``: inline CSS, inline JS, no network request, no
external file. Two kinds (the DOM is the contract the browser tests in
``tests/test_browser.py`` rely on):

- :func:`sequence_player`: frames stepped through with first/prev/play/next/last buttons, a
  slider and the keyboard (ArrowLeft/ArrowRight/Home/End; Space on the focused player plays);
- :func:`chooser_player`: frames keyed by the settings of several ``<select>`` controls.

A frame is an HTML fragment; :func:`image_frame` and :func:`figure_frame` wrap a PNG or a
matplotlib figure as one. Each frame has a caption, shown in ``<p class="tconv-caption">``.
:func:`error_box` is what an object with invalid settings shows instead of a player.

The script is the same in every player and runs once per page (``window.tconvPlayer``
guard); it listens on ``document``, so any number of players on a page work, including ones
added later. Ids are hashes of the content, so rebuilding a page gives identical HTML.

Its words (controls, and the titles and captions handed in, via :func:`tconv.show.text.tr`)
are in the reader's language.

May import: the standard library and :mod:`tconv.show.text` (a figure is handed in already
made); never :mod:`tconv.book`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
from collections.abc import Mapping, Sequence
from html import escape

from .text import _, tr

# Palette: explicit colours on an explicit background, a dark variant for the book's dark
# theme (pydata: html[data-theme=dark]) and JupyterLab's (body[data-jp-theme-light=false]).
# Text (--tc-fg) on every overlap shade --tc-n1..n4 keeps WCAG AA contrast (4.5:1) in both.
_LIGHT = ("--tc-bg:#fff;--tc-fg:#1b1b1b;--tc-mute:#595959;--tc-line:#949494;--tc-acc:#0a58ca;"
          "--tc-btn:#f1f3f5;--tc-hatch:rgba(0,0,0,.22);--tc-n1:#dbeafe;--tc-n2:#93c5fd;"
          "--tc-n3:#60a5fa;--tc-n4:#3b82f6;--tc-hi:#fde68a;--tc-err:#fdecea;--tc-errfg:#7a1010")
_DARK = ("--tc-bg:#16191d;--tc-fg:#ececec;--tc-mute:#b0b0b0;--tc-line:#6b6b6b;--tc-acc:#7cb7ff;"
         "--tc-btn:#2a2f36;--tc-hatch:rgba(255,255,255,.25);--tc-n1:#1c3352;--tc-n2:#1f4677;"
         "--tc-n3:#235aa2;--tc-n4:#2866cc;--tc-hi:#6b5310;--tc-err:#3b1414;--tc-errfg:#ffd2d2")
_SCOPES = ".tconv-player,.tconv-error,.tcv"
_DARK_SCOPES = ",".join(f"{root} {s}" for root in (
    "html[data-theme=dark]", "body[data-jp-theme-light=false]") for s in _SCOPES.split(","))
PALETTE_CSS = (
    f"{_SCOPES}{{{_LIGHT}}}{_DARK_SCOPES}{{{_DARK}}}"
    "@media (prefers-color-scheme:dark){"
    + ",".join(f"html:not([data-theme]) body:not([data-jp-theme-light]) {s}"
               for s in _SCOPES.split(","))
    + f"{{{_DARK}}}}}"
)
"""CSS custom properties (--tc-*) every tconv rendering uses, light and dark."""

PLAYER_CSS = PALETTE_CSS + (
    ".tconv-player{background:var(--tc-bg);color:var(--tc-fg);border:1px solid var(--tc-line);"
    "border-radius:6px;padding:.6em .8em;margin:1em 0;font:14px/1.4 system-ui,sans-serif;"
    "max-width:100%;overflow-x:auto;box-sizing:border-box}"
    ".tconv-player .tconv-title{font-weight:600;margin:0 0 .4em}"
    ".tconv-player .tconv-note{color:var(--tc-mute);font-size:90%;margin:.3em 0}"
    ".tconv-player .tconv-frame[hidden]{display:none!important}"
    ".tconv-player .tconv-caption{margin:.5em 0;min-height:1.4em}"
    ".tconv-player .tconv-controls{display:flex;flex-wrap:wrap;gap:.4em;align-items:center}"
    ".tconv-player button,.tconv-player select{font:inherit;color:var(--tc-fg);"
    "background:var(--tc-btn);border:1px solid var(--tc-line);border-radius:4px;"
    "padding:.2em .6em;cursor:pointer}"
    ".tconv-player label{display:inline-flex;gap:.3em;align-items:center;margin-right:.6em}"
    ".tconv-player input[type=range]{flex:1 1 8em;min-width:6em;accent-color:var(--tc-acc)}"
    ".tconv-player .tconv-count{color:var(--tc-mute);font-variant-numeric:tabular-nums}"
    ".tconv-player img{max-width:100%;height:auto}"
    ".tconv-player:focus-visible,.tconv-player :focus-visible{outline:3px solid var(--tc-acc);"
    "outline-offset:2px}"
    ".tconv-error{background:var(--tc-err);color:var(--tc-errfg);border:2px solid "
    "var(--tc-errfg);border-radius:6px;padding:.6em .8em;margin:1em 0;"
    "font:14px/1.4 system-ui,sans-serif}"
    # The book's dark theme puts a light backdrop (with padding) behind every HTML output, for
    # outputs drawn for a white page; a player has its own background, so it needs none.
    + ",".join(f"html[data-theme=dark] .bd-content div.cell_output div.output.text_html:has(> {s})"
               for s in ("div.tconv-player", "div.tconv-error"))
    + "{background:none;padding:0}"
)
"""The players' own CSS (layout, controls, focus, error box), palette included."""

PLAYER_JS = """(function(){
if(window.tconvPlayer)return;
var P=window.tconvPlayer={};
function root(el){return el&&el.closest?el.closest('.tconv-player'):null;}
P.show=function(r,i){
 var fs=r.querySelector('.tconv-frames').children,n=fs.length;
 i=Math.max(0,Math.min(n-1,i|0));
 for(var k=0;k<n;k++)fs[k].hidden=(k!==i);
 r.setAttribute('data-frame',i);
 var c=r.querySelector('.tconv-caption');if(c)c.textContent=fs[i].getAttribute('data-caption');
 var s=r.querySelector('input[data-action=seek]');if(s)s.value=i;
 var t=r.querySelector('.tconv-count');if(t)t.textContent=(i+1)+' / '+n;
 return i;
};
P.label=function(b,k,pressed){
 var l=b.getAttribute('data-'+k)||(k==='play'?'Play':'Pause');
 b.textContent=l;b.setAttribute('aria-label',l);b.setAttribute('aria-pressed',pressed);
};
P.stop=function(r){
 if(r.tconvTimer){clearInterval(r.tconvTimer);r.tconvTimer=null;}
 var b=r.querySelector('[data-action=play]');
 if(b)P.label(b,'play','false');
};
P.play=function(r){
 var n=+r.getAttribute('data-frames'),b=r.querySelector('[data-action=play]');
 if(+r.getAttribute('data-frame')>=n-1)P.show(r,0);
 if(b)P.label(b,'pause','true');
 r.tconvTimer=setInterval(function(){
  var i=+r.getAttribute('data-frame');if(i>=n-1)P.stop(r);else P.show(r,i+1);
 },+r.getAttribute('data-interval')||900);
};
P.act=function(r,a){
 var i=+r.getAttribute('data-frame'),n=+r.getAttribute('data-frames');
 if(a==='play'){if(r.tconvTimer)P.stop(r);else P.play(r);return;}
 P.stop(r);
 P.show(r,a==='first'?0:a==='last'?n-1:a==='prev'?i-1:a==='next'?i+1:i);
};
P.choose=function(r){
 var i=0;
 r.querySelectorAll('select[data-param]').forEach(function(s){i=i*s.options.length+s.selectedIndex;});
 P.show(r,i);
};
document.addEventListener('click',function(e){
 var b=e.target.closest&&e.target.closest('button[data-action]'),r=root(b);
 if(r)P.act(r,b.getAttribute('data-action'));
});
document.addEventListener('input',function(e){
 var t=e.target,r=root(t);
 if(r&&t.matches('input[data-action=seek]')){P.stop(r);P.show(r,+t.value);}
});
document.addEventListener('change',function(e){
 var t=e.target,r=root(t);if(r&&t.matches('select[data-param]'))P.choose(r);
});
document.addEventListener('keydown',function(e){
 var t=e.target,r=root(t),k=e.key;
 if(!r||!r.querySelector('[data-action=seek]')||e.altKey||e.ctrlKey||e.metaKey)return;
 if(t.matches('input[data-action=seek]'))return;
 var a={ArrowRight:'next',ArrowLeft:'prev',Home:'first',End:'last'}[k];
 if(!a&&t===r&&(k===' '||k==='Enter'))a='play';
 if(a){e.preventDefault();P.act(r,a);}
});
})();"""
"""The players' script; identical in every player, it does its work once per page."""


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


def error_box(message: str, style: bool = True) -> str:
    """The error display: ``<div class="tconv-error" role="alert">`` holding ``message``.

    ``style=False`` leaves out the CSS, for an error shown inside a player (which has it).
    """
    css = f"<style>{PLAYER_CSS}</style>" if style else ""
    return (f'<div class="tconv-error" role="alert">{css}'
            f"<strong>Invalid settings:</strong> {escape(str(message))}</div>")


def image_frame(data: bytes, alt: str, mime: str = "image/png") -> str:
    """An ``<img>`` frame holding ``data`` (e.g. PNG bytes) as a data URI, with alt text."""
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img src="data:{mime};base64,{b64}" alt="{escape(alt)}">'


def figure_frame(fig, alt: str, dpi: int = 72) -> str:
    """A matplotlib figure saved as PNG into an ``<img>`` frame (the figure is not closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return image_frame(buf.getvalue(), alt)


def _frames_html(frames: Sequence[str], captions: Sequence[str], shown: int) -> str:
    """The frame stack: one div per frame, all but ``shown`` hidden, captions as attributes."""
    return '<div class="tconv-frames">' + "".join(
        f'<div class="tconv-frame" data-caption="{escape(cap)}"{"" if k == shown else " hidden"}>'
        f"{frame}</div>"
        for k, (frame, cap) in enumerate(zip(frames, captions, strict=True))) + "</div>"


def _root(kind: str, title: str, frames, captions, shown: int, extra: str) -> str:
    """The opening tag of a player's root div, with the contract's attributes."""
    pid = player_id(kind, title, *frames, *captions)
    return (f'<div class="tconv-player tconv-{kind}" id="{pid}" role="group" '
            f'aria-label="{escape(title)}" data-frame="{shown}" data-frames="{len(frames)}" '
            f'tabindex="0"{extra}>')


def _head(title: str, note: str, css: str) -> str:
    """Style, title and note shared by both kinds of player."""
    head = f"<style>{PLAYER_CSS}{css}</style>"
    if title:
        head += f'<p class="tconv-title">{escape(title)}</p>'
    if note:
        head += f'<p class="tconv-note">{note}</p>'
    return head


def _check_frames(frames, captions) -> tuple[list[str], list[str]]:
    frames, captions = list(frames), [tr(c) for c in captions]
    if not frames:
        raise ValueError("frames must not be empty")
    if len(captions) != len(frames):
        raise ValueError(f"captions must have one entry per frame: "
                         f"{count_text(len(frames), 'frame')}, "
                         f"{count_text(len(captions), 'caption')}")
    return frames, captions


def sequence_player(frames: Sequence[str], captions: Sequence[str], title: str, *,
                    note: str = "", css: str = "", interval: int = 900) -> str:
    """A static player stepping through ``frames`` (HTML fragments), one caption each.

    ``note`` is HTML shown under the title (e.g. a legend), ``css`` extra CSS for the frames,
    ``interval`` the time per frame when playing, in milliseconds.
    """
    frames, captions = _check_frames(frames, captions)
    title, n = tr(title), len(frames)
    play, pause = _("Play"), _("Pause")
    buttons = "".join(
        f'<button type="button" data-action="{action}" aria-label="{escape(label)}"'
        f'{pressed}>{text}</button>'
        for action, label, text, pressed in [
            ("first", _("First frame"), "&laquo; " + escape(_("First")), ""),
            ("prev", _("Previous frame"), "&lsaquo; " + escape(_("Prev")), ""),
            ("play", play, escape(play), f' aria-pressed="false" data-play="{escape(play)}"'
                                         f' data-pause="{escape(pause)}"'),
            ("next", _("Next frame"), escape(_("Next")) + " &rsaquo;", ""),
            ("last", _("Last frame"), escape(_("Last")) + " &raquo;", "")])
    slider = (f'<input type="range" data-action="seek" min="0" max="{n - 1}" value="0" '
              f'step="1" aria-label="{escape(_("Frame (1 to {n})", n=n))}">')
    return (_root("seq", title, frames, captions, 0, f' data-interval="{int(interval)}"')
            + _head(title, note, css)
            + _frames_html(frames, captions, 0)
            + f'<p class="tconv-caption" aria-live="polite">{escape(captions[0])}</p>'
            + f'<div class="tconv-controls">{buttons}{slider}'
            + f'<span class="tconv-count">1 / {n}</span></div>'
            + f"<script>{PLAYER_JS}</script></div>")


def chooser_index(params: Mapping[str, Sequence], settings: Mapping) -> int:
    """The frame index of ``settings`` in the row-major product of ``params``' values."""
    index = 0
    for name, values in params.items():
        index = index * len(values) + list(values).index(settings[name])
    return index


def chooser_player(params: Mapping[str, Sequence], frames: Sequence[str],
                   captions: Sequence[str], title: str, *, labels: Mapping[str, str] | None = None,
                   initial: Mapping | None = None, note: str = "", css: str = "") -> str:
    """A static player showing one frame per combination of settings, chosen by selects.

    ``frames``/``captions`` are in the order of ``itertools.product(*params.values())`` (the
    first parameter varies slowest). ``labels`` maps a parameter to the text of its label;
    ``initial`` picks the settings shown first (default: the first value of each).
    """
    frames, captions = _check_frames(frames, captions)
    title = tr(title)
    combos = 1
    for values in params.values():
        combos *= len(values)
    if combos != len(frames):
        raise ValueError(f"frames must have one entry per combination of settings: "
                         f"{count_text(combos, 'combination')}, "
                         f"{count_text(len(frames), 'frame')}")
    labels = labels or {}
    initial = {name: values[0] for name, values in params.items()} | dict(initial or {})
    shown = chooser_index(params, initial)
    selects = "".join(
        f'<label>{escape(tr(labels.get(name, name)))} <select data-param="{escape(name)}">'
        + "".join(f'<option{" selected" if v == initial[name] else ""}>{escape(str(v))}</option>'
                  for v in values)
        + "</select></label>"
        for name, values in params.items())
    return (_root("choose", title, frames, captions, shown, "")
            + _head(title, note, css)
            + f'<div class="tconv-controls">{selects}</div>'
            + _frames_html(frames, captions, shown)
            + f'<p class="tconv-caption" aria-live="polite">{escape(captions[shown])}</p>'
            + f"<script>{PLAYER_JS}</script></div>")


def product_of(params: Mapping[str, Sequence]) -> list[dict]:
    """Every combination of ``params``' values as a dict, in the players' frame order."""
    names = list(params)
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*params.values())]
