"""Every word tconv draws or shows, in the reader's language: one small message table.

English is the source language. A string a figure draws is written in English inside a
lookup, and the table gives it in the current language::

    from .text import _, ngettext
    ax.set_title(_("input image, {h}×{w}", h=h, w=w))
    ax.set_title(ngettext("{n} product", "{n} products", n))

- :func:`_` looks a message up before it is formatted, so a translation may reorder the
  ``{names}``; :func:`ngettext` does the same for a count (Chinese has one form for all).
- :func:`tr` translates a text a caller hands over ready-made, such as a chapter's title for
  :func:`tconv.show.draw.grid`: the table's entry for that exact text, else the entry whose
  ``{names}`` pattern it matches (``"kernel {k}, stride {s}"`` matches ``"kernel 3, stride
  2"``), else the text unchanged. Chapters keep their English code; the figures still speak
  the reader's language. :func:`tr_html` does it for an HTML fragment (a player's legend).
- :func:`language` is ``TCONV_LANG`` (the Chinese build sets ``zh_CN``; unset means English)
  until :func:`set_language` says otherwise.
- :func:`use_fonts` makes matplotlib draw the language's script: for Chinese an installed CJK
  font goes first in ``font.family`` (and behind the monospace font), found even when
  matplotlib's font cache predates the font; without one it raises, so a figure can never show
  empty boxes in place of characters. :func:`missing_glyphs` lists what a figure would draw as
  such boxes.

The table of a language is ``locales/<lang>.po`` beside this module, a gettext catalog
(``msgid`` English, ``msgstr`` the translation); ``scripts/i18n.py`` extracts and updates it.
An empty or fuzzy ``msgstr`` is not used: the English shows until someone translates it.

When ``TCONV_TEXT_LOG`` names a folder, every lookup in a language other than English is
recorded in ``<folder>/<page>.jsonl`` (the text, the message that translated it if any;
``TCONV_DOCNAME`` names the page being built), so the build can list what each page draws.

May import: the standard library; matplotlib only inside :func:`use_fonts` and
:func:`missing_glyphs`.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from html import escape, unescape
from pathlib import Path

SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "zh_CN")
LOCALES = Path(__file__).with_name("locales")
ENV_LANGUAGE, ENV_LOG, ENV_DOCNAME = "TCONV_LANG", "TCONV_TEXT_LOG", "TCONV_DOCNAME"

# Fonts with the CJK glyphs of Simplified Chinese, best first: Debian's fonts-noto-cjk (what
# the project installs), Adobe's name for the same design, WenQuanYi (Debian, small), and what
# macOS and Windows ship.
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "Source Han Sans CN",
                "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "PingFang SC", "Hiragino Sans GB",
                "Microsoft YaHei", "SimHei", "Droid Sans Fallback")
FONT_INSTALL_HINT = ("no font with Chinese characters is installed. On Debian or Ubuntu: "
                     "`sudo apt-get install fonts-noto-cjk` (or the smaller "
                     "fonts-wqy-microhei); macOS and Windows ship one")

_language: str | None = None  # set by set_language; None: read TCONV_LANG


# --- the language --------------------------------------------------------------------------


def _check_language(lang) -> str:
    if not isinstance(lang, str):
        raise TypeError(f"language must be a string such as 'zh_CN', got {type(lang).__name__}")
    normal = lang.replace("-", "_")
    if normal == "zh":
        normal = "zh_CN"
    if normal not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return normal


def language() -> str:
    """The language of everything tconv draws: set_language's, else TCONV_LANG's, else 'en'."""
    if _language is not None:
        return _language
    return _check_language(os.environ.get(ENV_LANGUAGE) or SOURCE_LANGUAGE)


def set_language(lang: str | None) -> None:
    """Draw in ``lang`` ('en', 'zh_CN'; None goes back to TCONV_LANG) from now on.

    matplotlib's fonts follow at once if matplotlib is loaded (see :func:`use_fonts`).
    """
    global _language
    _language = None if lang is None else _check_language(lang)
    import sys

    if "matplotlib" in sys.modules:
        use_fonts()


# --- catalogs -----------------------------------------------------------------------------


@dataclass
class Entry:
    """One message of a catalog: its English, its plural, its translations, its flags."""

    msgid: str
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def translated(self) -> bool:
        """True when every form is translated and the entry is not fuzzy."""
        return "fuzzy" not in self.flags and bool(self.msgstr) and all(self.msgstr)


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str, path, number: int) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text[1:-1])


def read_po(path) -> list[Entry]:
    """The entries of a gettext catalog (obsolete ``#~`` entries and the header left out)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # the field continuation lines add to
    comments: dict = {"flags": set(), "references": [], "comments": []}

    def finish():
        nonlocal current
        if current is not None and current.msgid:
            entries.append(current)
        current = None

    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
                target = None
            continue
        if line.startswith("#"):
            if current is not None and target is not None:
                finish()
                target = None
            if line.startswith("#,"):
                comments["flags"].update(f.strip() for f in line[2:].split(",") if f.strip())
            elif line.startswith("#:"):
                comments["references"].extend(line[2:].split())
            elif line.startswith("#."):
                comments["comments"].append(line[2:].strip())
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{path}:{number}: a continuation line outside an entry")
            name, index = target
            value = _unquote(line, path, number)
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        if keyword == "msgid":
            finish()
            current = Entry(_unquote(rest, path, number), flags=comments["flags"],
                            references=comments["references"], comments=comments["comments"])
            comments = {"flags": set(), "references": [], "comments": []}
            target = ("msgid", 0)
        elif current is None:
            if keyword == "msgstr":  # the header's msgstr, with no msgid to hold it
                target = None
                continue
            raise ValueError(f"{path}:{number}: {keyword} before msgid")
        elif keyword == "msgid_plural":
            current.msgid_plural = _unquote(rest, path, number)
            target = ("msgid_plural", 0)
        elif keyword == "msgstr":
            current.msgstr = [_unquote(rest, path, number)]
            target = ("msgstr", 0)
        elif m := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
            index = int(m.group(1))
            current.msgstr += [""] * (index + 1 - len(current.msgstr))
            current.msgstr[index] = _unquote(rest, path, number)
            target = ("msgstr", index)
        elif keyword != "msgctxt":
            raise ValueError(f"{path}:{number}: unknown keyword {keyword!r}")
    finish()
    return entries


@dataclass
class _Pattern:
    """A message with ``{names}``, as a regular expression over finished texts."""

    msgid: str
    regex: re.Pattern
    translation: str
    literal: int  # characters outside the names: more is more specific


@dataclass
class Catalog:
    """The translations of one language, by English message."""

    messages: dict[str, list[str]]
    patterns: list[_Pattern]


def _pattern(msgid: str, translation: str) -> _Pattern | None:
    parts = re.split(r"\{(\w+)\}", msgid)
    if len(parts) == 1:
        return None
    regex, seen = "", set()
    for i, part in enumerate(parts):
        if i % 2 == 0:
            regex += re.escape(part)
        else:  # a name used twice ("{n}×{n}") matches the same text twice
            regex += f"(?P={part})" if part in seen else f"(?P<{part}>.+?)"
            seen.add(part)
    return _Pattern(msgid, re.compile(regex + r"\Z", re.S), translation,
                    sum(len(p) for p in parts[0::2]))


MODULE_SOURCE = "lib/tconv/show/player.py"
"""Where the players' module's own messages are listed (``MODULE_WORDS``)."""


def module_only(entry: Entry) -> bool:
    """True for a message only the players' module uses (its library places: player.py)."""
    files = {ref.rsplit(":", 1)[0] for ref in entry.references if ref.startswith("lib/")}
    return files == {MODULE_SOURCE}


@cache
def catalog(lang: str) -> Catalog:
    """The translated, non-fuzzy entries of ``locales/<lang>.po`` (empty for English)."""
    lang = _check_language(lang)
    path = LOCALES / f"{lang}.po"
    if lang == SOURCE_LANGUAGE or not path.exists():
        return Catalog({}, [])
    entries = [e for e in read_po(path) if e.translated]
    messages = {e.msgid: e.msgstr for e in entries}
    # The players' module fills its own messages in (player.js); as patterns they would match
    # too much of a chapter's text ("{head}: {details}"), so tr leaves them out.
    patterns = []
    for entry in entries:
        if module_only(entry):
            continue
        # A count message matches its plural's finished text too ("3 products").
        forms = [(entry.msgid, entry.msgstr[0])]
        if entry.msgid_plural:
            forms.append((entry.msgid_plural, entry.msgstr[-1]))
        patterns += [p for msgid, msgstr in forms if (p := _pattern(msgid, msgstr)) is not None]
    patterns.sort(key=lambda p: -p.literal)
    return Catalog(messages, patterns)


# --- lookups ------------------------------------------------------------------------------


_written: set[str] = set()  # log files this process has started (it rewrites each once)


def _log(kind: str, text: str, msgid: str | None, lang: str) -> None:
    """Record a lookup in TCONV_TEXT_LOG/<page>.jsonl (msgid None: not translated).

    One kernel executes one page, so the first record of a process replaces the page's file:
    it always lists what the page's latest execution drew.
    """
    folder = os.environ.get(ENV_LOG)
    if not folder:
        return
    doc = os.environ.get(ENV_DOCNAME, "") or "unknown"
    path = Path(folder) / f"{doc}.jsonl"
    record = {"lang": lang, "doc": doc, "kind": kind, "text": text, "msgid": msgid,
              "translated": msgid is not None}
    mode = "a" if str(path) in _written else "w"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, mode, encoding="utf-8") as log:
        log.write(json.dumps(record, ensure_ascii=False) + "\n")
    _written.add(str(path))


def _lookup(message: str, kind: str) -> str | None:
    """The first form of ``message`` in the current language, or None (and log the lookup)."""
    lang = language()
    if lang == SOURCE_LANGUAGE:
        return None
    forms = catalog(lang).messages.get(message)
    _log(kind, message, message if forms else None, lang)
    return forms[0] if forms else None


def _(message: str, /, **values) -> str:
    """``message`` in the current language, then formatted with ``values``."""
    translated = _lookup(message, "message")
    return (translated or message).format(**values) if values else (translated or message)


def N_(message: str, /) -> str:
    """Marks a message for the catalog without translating it (translated later by :func:`tr`)."""
    return message


def Nn_(singular: str, plural: str, /) -> tuple[str, str]:
    """Marks a count message for the catalog (singular, plural) without translating it."""
    return singular, plural


def ngettext(singular: str, plural: str, n: int, /, **values) -> str:
    """The form of a count message for ``n`` (``{n}`` is filled in), in the current language."""
    translated = _lookup(singular, "message")
    english = singular if n == 1 else plural
    return (translated or english).format(n=n, **values)


def needs_words(text: str) -> bool:
    """True when ``text`` has a word to translate: two letters in a row, not a name in code."""
    return bool(re.search(r"[^\W\d_]{2}", text))


def has_cjk(text: str) -> bool:
    """True when ``text`` holds a Chinese (CJK) character."""
    return any(unicodedata.name(ch, "").startswith("CJK") for ch in text)


def _translation(text: str, lang: str) -> str | None:
    """``text`` by the catalog's exact entry or ``{names}`` pattern, or None (lookup logged)."""
    table = catalog(lang)
    forms = table.messages.get(text)
    if forms:
        _log("text", text, text, lang)
        return forms[0]
    for pattern in table.patterns:
        match = pattern.regex.match(text)
        if match:
            _log("text", text, pattern.msgid, lang)
            return pattern.translation.format(**{k: tr(v) for k, v in match.groupdict().items()})
    return None


WRAPPED_LINES = 8
"""The most lines one message is wrapped onto that :func:`_by_lines` joins again (a bound, so a
long text costs time in proportion to its lines, not their square)."""


def _by_lines(text: str, lang: str) -> str:
    """A text of several lines, each run of lines translated as one message where the run is
    one (a message wrapped onto short lines), else line by line ("nearest\n30.23 dB")."""
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        for j in range(min(len(lines), i + WRAPPED_LINES), i, -1):
            found = _translation(" ".join(part.strip() for part in lines[i:j]), lang)
            if found is not None:
                out.append(found)
                i = j
                break
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out)


MATHS = re.compile(r"(?<!\\)\$.*?(?<!\\)\$", re.S)
"""Maths between ``$`` signs (mathtext: tick labels such as ``$\\mathdefault{10^{-2}}$``)."""


def tr(text):
    """A caller's finished text in the current language: the catalog's exact entry, then the
    pattern it matches, then its lines (:func:`_by_lines`), else the text as it is.

    None and non-strings pass through unchanged, and so do texts with no word in them (maths
    between ``$`` signs is no word).
    """
    lang = language()
    if lang == SOURCE_LANGUAGE or not isinstance(text, str) or \
            not needs_words(MATHS.sub("", text)):
        return text
    if has_cjk(text):
        return text  # already translated (e.g. by the companion that made it)
    found = _translation(text, lang)
    if found is not None:
        return found
    if "\n" in text:
        found = _by_lines(text, lang)
        if found != text:
            return found
    _log("text", text, None, lang)
    return text


# The parts of an HTML fragment a reader reads: the text between tags, and the attributes
# that are read out or shown in place of something (an image's alt, a tooltip, a label).
HTML_TEXT = re.compile(r'(?<=>)([^<]+)(?=<)|\b(alt|title|aria-label)="([^"]*)"')


def tr_html(markup):
    """An HTML fragment in the current language: the catalog's entry for the whole fragment
    (a legend written as one message, tags and all), else each text between its tags and each
    alt, title and aria-label through :func:`tr`, the markup and the data: URLs untouched."""
    lang = language()
    if lang == SOURCE_LANGUAGE or not isinstance(markup, str) or "<" not in markup:
        return tr(markup)
    whole = _translation(markup, lang)
    if whole is not None:
        return whole

    def one(match: re.Match) -> str:
        if match.group(1) is not None:
            words = match.group(1)
            inner = words.strip()
            if not inner:
                return words
            start = words.index(inner)
            return f"{words[:start]}{_html_text(inner)}{words[start + len(inner):]}"
        return f'{match.group(2)}="{_html_text(match.group(3))}"'

    return HTML_TEXT.sub(one, markup)


def _html_text(escaped: str) -> str:
    """``tr`` of a text as HTML writes it (entities read, and written back if it changed)."""
    plain = unescape(escaped)
    found = tr(plain)
    return escaped if found == plain else escape(found, quote=True)


def count_text(n: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun: '1 row', '2 rows' (in English), via :func:`ngettext`."""
    return ngettext(f"{{n}} {noun}", f"{{n}} {plural or noun + 's'}", n)


# --- fonts --------------------------------------------------------------------------------


def _cjk_family(manager) -> str | None:
    names = {f.name for f in manager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The family name of an installed CJK font matplotlib can use; raises if there is none.

    matplotlib caches the fonts it found when it was first run: a font installed since (the
    usual case on a machine set up for the Chinese edition) is not in that cache, so the
    system's font folders are searched again before giving up.
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _cjk_family(manager)
    if found is None:
        known = {f.fname for f in manager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known and re.search(r"cjk|wqy|han|hei|pingfang|yahei|droid",
                                               path, re.I):
                try:
                    manager.addfont(path)
                except Exception:  # a font file matplotlib cannot read: skip it
                    continue
        found = _cjk_family(manager)
    if found is None:
        raise RuntimeError(f"cannot draw Chinese figures: {FONT_INSTALL_HINT}")
    return found


def use_fonts() -> None:
    """Set matplotlib's fonts for the current language (rcParams, for figures made after).

    Chinese: the CJK font first in ``font.family`` (it has Latin letters and digits too) and
    behind the monospace font (which keeps the digits of the grids aligned), and a missing
    glyph raises instead of drawing an empty box. English: matplotlib's defaults.
    """
    import warnings

    import matplotlib as mpl

    lang = language()
    defaults = mpl.rcParamsDefault
    if lang == SOURCE_LANGUAGE:
        for key in ("font.family", "font.monospace", "axes.unicode_minus"):
            mpl.rcParams[key] = defaults[key]
        return
    family = cjk_font()
    mpl.rcParams["font.family"] = [family, "DejaVu Sans"]
    mpl.rcParams["font.monospace"] = ["DejaVu Sans Mono", family]
    # CJK fonts draw U+2212 MINUS SIGN; keep matplotlib's own minus on the axes.
    mpl.rcParams["axes.unicode_minus"] = True
    warnings.filterwarnings("error", message=r"Glyph \d+ .*missing from")


def missing_glyphs(fig) -> list[tuple[str, str]]:
    """Every text of ``fig`` that would draw a character its fonts lack: (text, characters).

    Reads the fonts matplotlib picks for each visible text (its fallback list included) and
    their character maps; maths between ``$`` signs is left out (mathtext has its own fonts).
    """
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font
    from matplotlib.text import Text

    charmaps: dict[str, set[int]] = {}

    def covered(path: str) -> set[int]:
        if path not in charmaps:
            charmaps[path] = set(FT2Font(path).get_charmap())
        return charmaps[path]

    found = []
    for artist in fig.findobj(Text):
        text = artist.get_text()
        if not text or not artist.get_visible():
            continue
        shown = re.sub(r"(?<!\\)\$.*?(?<!\\)\$", "", text) if artist.get_usetex() is False \
            else text
        paths = font_manager.fontManager._find_fonts_by_props(artist.get_fontproperties())
        have = set().union(*(covered(str(p)) for p in paths))
        lacking = sorted({ch for ch in shown if not ch.isspace() and ord(ch) not in have})
        if lacking:
            found.append((text, "".join(lacking)))
    return found
