"""One execution, every edition: what a cell shows, drawn again in the book's other languages.

The book has an English and a Chinese edition built from the same notebooks, and each notebook
executes once (issue 16). While it executes for the book, ``TCONV_EDITIONS`` names the other
editions' languages (``scripts/execution_cache.py --run`` sets ``zh_CN``), and every output
tconv can draw again carries a copy in each of them, under one mime type of its own,
:data:`MIME`::

    {"zh_CN": {"image/png": "<base64>"}}           # a matplotlib figure
    {"zh_CN": {"text/html": "<div ...>"}}          # a player (tconv.show.widgets)

- A **figure** is drawn again with every text translated (:func:`tconv.show.text.tr`, which
  matches a finished text against the catalog's messages and their ``{names}``), its tick
  labels too, in the fonts :func:`tconv.show.text.use_fonts` picks for the language; then its
  texts and fonts are put back. A layout engine (``layout="constrained"`` or ``"tight"``)
  lays the translated texts out again, as it would have had the figure been made in that
  language.
- A **player** makes its data again in the language (:meth:`tconv.show.widgets.View.to_html`):
  its titles, captions and frames are drawn in it from the start.

With ``TCONV_FIGURE_FILES`` set (a resolution in dpi, e.g. ``300``) the same execution also
keeps each figure as the files of the book's figure archive (``scripts/figures.py``), under
:data:`FILES_MIME`: ``{"image/svg+xml": "<svg ...>", "image/png": "<base64>"}`` (SVG, and
PNG at that resolution), so the archive needs no execution of its own.

The execution cache keeps the copies in each output's metadata (:func:`keep_copies`), where a
build does not look; the Chinese build's cache is the English one with each output showing
its copy (:func:`edition_output`, used by ``scripts/i18n.py``). Nothing executes twice. With
``TCONV_EDITIONS`` unset (JupyterLab, nbval, a plain ``jupyter-book build``) nothing changes:
no copy is made.

May import: the standard library and :mod:`tconv.show.text`; matplotlib and IPython only when a
copy is made or the formatter registered, in a kernel executing for the book.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from .text import LANGUAGES, _check_language, language, set_language, tr

MIME = "application/vnd.tconv.editions+json"
"""The mime type of an output's copies in the other editions: {language: {mime: data}}."""
FILES_MIME = "application/vnd.tconv.figure-files+json"
"""The mime type of a figure's archive files: {"image/svg+xml": text, "image/png": base64}."""
COPIES = (MIME, FILES_MIME)
ENV_EDITIONS, ENV_FILES = "TCONV_EDITIONS", "TCONV_FIGURE_FILES"
SVG_SALT = "tconv-demystified"  # the SVG's ids from a fixed salt: the same figure, the same bytes


def other_editions() -> list[str]:
    """The languages ``TCONV_EDITIONS`` names beside the one being drawn ([] when unset).

    ``TCONV_EDITIONS`` is a comma-separated list such as ``zh_CN`` or ``en,zh_CN``.
    """
    names = [part.strip() for part in os.environ.get(ENV_EDITIONS, "").split(",") if part.strip()]
    wanted = [_check_language(name) for name in names]
    current = language()
    return [lang for lang in LANGUAGES if lang in wanted and lang != current]


@contextmanager
def drawing_in(lang: str) -> Iterator[None]:
    """Draw in ``lang`` inside the block (its messages and fonts); the language is put back."""
    import tconv.show.text as text

    before = text._language
    with warnings.catch_warnings():  # use_fonts turns a missing glyph into an error, here only
        set_language(lang)
        try:
            yield
        finally:
            set_language(before)


def _translating(formatter):
    """A tick formatter writing ``formatter``'s labels through :func:`tr`."""
    from matplotlib.ticker import Formatter

    class Translated(Formatter):
        def __call__(self, x, pos=None):
            return tr(formatter(x, pos))

        def format_ticks(self, values):
            return [tr(label) for label in formatter.format_ticks(values)]

        def get_offset(self):
            return tr(formatter.get_offset())

        def set_locs(self, locs):
            formatter.set_locs(locs)

    return Translated()


@contextmanager
def figure_in(fig, lang: str) -> Iterator[None]:
    """``fig`` with every text translated into ``lang`` and in its fonts, inside the block.

    Tick labels are written again at each draw, by the axes' formatters: those are wrapped.
    """
    import matplotlib as mpl
    from matplotlib.text import Text

    with drawing_in(lang):
        family = list(mpl.rcParams["font.family"])
        default = list(mpl.rcParamsDefault["font.family"])
        texts = [(t, t.get_text(), t.get_fontproperties().copy()) for t in fig.findobj(Text)]
        tickers = [(ticker, ticker.formatter) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
                   for ticker in (axis.major, axis.minor)]
        try:
            for artist, words, _props in texts:
                artist.set_text(tr(words))
                if list(artist.get_fontfamily()) == default:
                    artist.set_fontfamily(family)
            for ticker, formatter in tickers:
                ticker.formatter = _translating(formatter)
            yield
        finally:
            for artist, words, props in texts:
                artist.set_text(words)
                artist.set_fontproperties(props)
            for ticker, formatter in tickers:
                ticker.formatter = formatter


def figure_copies(fig, png: Callable) -> dict | None:
    """{language: {"image/png": png(fig)}} for every other edition, drawn translated."""
    copies = {}
    for lang in other_editions():
        with figure_in(fig, lang):
            copies[lang] = {"image/png": png(fig)}
    return copies or None


def figure_files() -> int | None:
    """The resolution ``TCONV_FIGURE_FILES`` asks the figure files in (None: no files)."""
    dpi = os.environ.get(ENV_FILES, "").strip()
    if not dpi:
        return None
    if not dpi.isdigit() or not 50 <= int(dpi) <= 1200:
        raise ValueError(f"{ENV_FILES} must be a resolution in dpi from 50 to 1200, got {dpi!r}")
    return int(dpi)


def files_of(fig, dpi: int) -> dict:
    """A figure as the archive keeps it: SVG (fixed ids) and PNG at ``dpi``, boxed tight."""
    import matplotlib as mpl
    from IPython.core.pylabtools import print_figure

    with mpl.rc_context({"svg.hashsalt": SVG_SALT}):
        svg = print_figure(fig, "svg", bbox_inches="tight")
    return {"image/svg+xml": svg,
            "image/png": print_figure(fig, "png", bbox_inches="tight", dpi=dpi, base64=True)}


def copies(render: Callable[[], Mapping]) -> dict | None:
    """{language: render()} for every other edition, ``render`` called in that language."""
    made = {}
    for lang in other_editions():
        with drawing_in(lang):
            made[lang] = dict(render())
    return made or None


def register(ip=None) -> bool:
    """Give the running IPython kernel formatters for :data:`MIME` (figures' copies in the
    other editions) and :data:`FILES_MIME` (their archive files), as the environment asks.

    Does nothing (False) outside IPython or with neither variable set, and once only.
    """
    wanted = {MIME: bool(os.environ.get(ENV_EDITIONS)), FILES_MIME: figure_files() is not None}
    if not any(wanted.values()) or (ip is None and "IPython" not in sys.modules):
        return False
    if ip is None:
        from IPython import get_ipython

        ip = get_ipython()
    if ip is None or any(mime in ip.display_formatter.formatters for mime in COPIES):
        return False
    from IPython.core.formatters import BaseFormatter, catch_format_error
    from matplotlib.figure import Figure  # loaded already in a kernel that draws
    from traitlets import ObjectName, Unicode

    formatters = ip.display_formatter.formatters

    def editions_of(fig):
        try:
            png = formatters["image/png"].lookup(fig)
        except KeyError:  # the backend draws no PNG of figures: no copy either
            return None
        return figure_copies(fig, png)

    def files(fig):
        return files_of(fig, figure_files())

    for mime, draw in ((MIME, editions_of), (FILES_MIME, files)):
        if not wanted[mime]:
            continue

        class CopyFormatter(BaseFormatter):
            """A figure's copies for the book (other editions, archive files), drawn here."""

            format_type = Unicode(mime)
            _return_type = dict
            print_method = ObjectName("_repr_tconv_editions_" if mime == MIME
                                      else "_repr_tconv_figure_files_")
            make = staticmethod(draw)

            # Not registered for Figure by type: the inline backend takes every formatter's
            # Figure printer away when it is set up (on the first figure), then adds its own.
            @catch_format_error
            def __call__(self, obj):
                if not isinstance(obj, Figure):
                    return super().__call__(obj)
                return self.make(obj)

        formatters[mime] = CopyFormatter(parent=ip.display_formatter)
    return True


def keep_copies(output: dict) -> int:
    """Move an output's copies (:data:`COPIES`) from its data into its metadata; how many."""
    moved = 0
    for mime in COPIES:
        made = output.get("data", {}).pop(mime, None)
        if made is not None:
            output.setdefault("metadata", {})[mime] = made
            moved += 1
    return moved


def edition_output(output: dict, lang: str) -> bool:
    """Make an output show its copy in ``lang`` (True if it has one); the copies are dropped."""
    metadata = output.get("metadata", {})
    metadata.pop(FILES_MIME, None)  # the archive is made from the English cache
    made = metadata.pop(MIME, None) or {}
    if lang not in made:
        return False
    output["data"].update(made[lang])
    return True
