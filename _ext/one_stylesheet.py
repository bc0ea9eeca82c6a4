"""Sphinx extension: each page links one stylesheet, made of the dozen it would link.

A page of the book linked 13-14 stylesheets: the theme's two, Sphinx's, each extension's, the
book's own (``icons.css``, ``book.css``, ``a11y.css``, ...) and, in the body, the players'. A
browser must have every one before it paints, and a phone on a slow network fetches them six at
a time: the waves of requests alone put two Chinese chapters over the 2.5 s LCP bar of issue 20
(one bundle: zh/chapters/fixed-upsampling 94 -> 98, LCP 2.7 -> 2.3 s, three runs each).

When the build is done (after ``icons.css`` is written, before the compressed copies are made),
each page's stylesheet links - those into ``_static/`` without a ``media`` of their own, in
the head or the body - are replaced by one link, where the first was, to
``_static/bundle-<digest>.css``: every stylesheet any page links, joined in the pages' order
(each page's cascade is unchanged; a page that lacks a feature, say the copy button, gets its
few rules unused), relative ``url()``\\ s rebased to the bundle's folder, named by a digest of
its content (a host may cache it for good). One bundle for the whole edition: a reader going
from page to page fetches it once (the lean pages' differing sets made five bundles of
84-94 KB gzipped each; the few rules a page does not use cost 2-6 KB gzipped). Its first line
lists its files. What each page linked is kept beside the doctrees, so a page an incremental
build does not write again is bundled again from its own files when one of them changes;
bundles no page links are removed.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
import time
from pathlib import Path

import tinycss2
from sphinx.util import logging

logger = logging.getLogger(__name__)

STATIC = "_static"
PREFIX = "bundle-"
# The first line: the encoding (a stylesheet may declare one only at its very start) and the
# files the bundle is made of.
HEADER = '@charset "UTF-8"; /* bundle of: {sources} */\n'
HEADER_LINE = re.compile(r'@charset "UTF-8"; /\* bundle of: (.*?) \*/')
CHARSET = re.compile(r'\A\ufeff?@charset\s+"utf-8"\s*;', re.I)
LINK = re.compile(r"<link\b[^>]*>\n?", re.I)
ATTRIBUTE = re.compile(r'([a-zA-Z-]+)\s*=\s*"([^"]*)"')
SOURCE_MAP = re.compile(r"/\*# sourceMappingURL=[^*]*\*/")
# Pages the build writes besides the documents.
EXTRA_PAGES = ("genindex", "search", "py-modindex")


# --- one page's stylesheets ------------------------------------------------------------------


def stylesheet_links(page: str, page_path: Path, static: Path) -> list[tuple[re.Match, str]]:
    """The page's links to stylesheets in ``static``: (tag, path inside ``static``), in order."""
    found = []
    for match in LINK.finditer(page):
        attributes = {k.lower(): html.unescape(v) for k, v in ATTRIBUTE.findall(match.group(0))}
        if attributes.get("rel", "").lower() != "stylesheet" or \
                attributes.get("media", "all") not in ("all", ""):
            continue
        href = attributes.get("href", "").split("?")[0].split("#")[0]
        if not href or ":" in href.split("/")[0] or href.startswith("/"):
            continue  # another site's, or rooted: not a file of this build
        target = Path(posixpath.normpath((page_path.parent / href).as_posix()))
        try:
            inside = target.relative_to(static)
        except ValueError:
            continue
        found.append((match, inside.as_posix()))
    return found


def bundle_sources(bundle: Path) -> list[str]:
    """The files a bundle was made of, from its first line ([] when it names none)."""
    with bundle.open(encoding="utf-8") as file:
        first = HEADER_LINE.match(file.readline())
    return first.group(1).split() if first else []


def page_sources(links: list[tuple[re.Match, str]], static: Path,
                 record: Path) -> list[str]:
    """The stylesheets the page links as Sphinx wrote it, in order, each once.

    A page this build left as an earlier one bundled it links the bundle only: its own list is
    read back from ``record``, kept when it was bundled (a bundle's list is the union of all
    pages', which would only ever grow); without a record, the bundle's list.
    """
    sources: list[str] = []
    for _, inside in links:
        named = [inside]
        if is_bundle(inside):
            if record.is_file():
                named = record.read_text(encoding="utf-8").split()
            elif (static / inside).is_file():
                named = bundle_sources(static / inside)
            if not named or named == [inside]:
                raise RuntimeError(f"a page links {STATIC}/{inside}, and neither it nor "
                                   f"{record} lists the files it was made of: remove the "
                                   "build's pages and doctrees, and build again")
        sources.extend(name for name in named if name not in sources)
    if not any(is_bundle(inside) for _, inside in links):
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text("\n".join(sources) + "\n", encoding="utf-8")
    return sources


def is_bundle(inside: str) -> bool:
    return "/" not in inside and inside.startswith(PREFIX) and inside.endswith(".css")


# --- a bundle ----------------------------------------------------------------------------------


def url_offsets(css: str) -> list[int]:
    """Where each ``url(`` of ``css`` starts, as the CSS tokenizer sees it (not in comments
    or strings)."""
    line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r|\f", css)]
    offsets = []

    def walk(tokens):
        for token in tokens:
            if token.type == "url" or (token.type == "function" and token.lower_name == "url"):
                offsets.append(line_starts[token.source_line - 1] + token.source_column - 1)
            elif token.type == "function":
                walk(token.arguments)
            elif token.type.endswith("block"):
                walk(token.content)

    walk(tinycss2.parse_component_value_list(css))
    return offsets


URL_AT = re.compile(r"url\(\s*([\"']?)(.*?)\1\s*\)", re.I | re.S)


def rebase_urls(css: str, folder: str) -> str:
    """``css`` of a file in ``folder`` (inside _static) with its relative url()s made relative
    to _static; the rest of the text is left as it is."""
    if not folder or "url(" not in css.lower():
        return css
    pieces, position = [], 0
    for offset in url_offsets(css):
        found = URL_AT.match(css, offset)
        url = found.group(2) if found else ""
        if not url or url.startswith(("/", "#")) or ":" in url.split("/")[0]:
            continue  # data:, another site's, rooted, or a fragment: the same from anywhere
        pieces.append(css[position:found.start(2)])
        pieces.append(posixpath.normpath(posixpath.join(folder, url)))
        position = found.end(2)
    pieces.append(css[position:])
    return "".join(pieces)


def bundle_text(static: Path, sources: list[str]) -> str:
    """The files joined in order, each under a comment naming it, their url()s rebased."""
    parts = [HEADER.format(sources=" ".join(sources))]
    for inside in sources:
        path = static / inside
        if not path.is_file():
            raise FileNotFoundError(f"a page links {STATIC}/{inside}, which the build lacks")
        css = CHARSET.sub("", SOURCE_MAP.sub("", path.read_text(encoding="utf-8")))
        if re.search(r"@import\b|@charset\b", css, re.I):
            raise ValueError(f"{STATIC}/{inside} has an @import or an encoding other than "
                             "UTF-8, which a bundle cannot keep in its middle")
        parts.append(f"/* --- {inside} --- */\n{rebase_urls(css, posixpath.dirname(inside))}\n")
    return "".join(parts)


def bundle_name(text: str) -> str:
    return f"{PREFIX}{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}.css"


# --- the build ---------------------------------------------------------------------------------


def merged(orders: list[list[str]]) -> list[str]:
    """One list holding every name of ``orders``, each list's names in that list's order."""
    union: list[str] = []
    for order in orders:
        before = -1
        for name in order:
            if name in union:
                before = union.index(name)
            else:
                before += 1
                union.insert(before, name)
    for order in orders:
        places = [union.index(name) for name in order]
        if places != sorted(places):
            raise ValueError("pages link the same stylesheets in different orders, so no one "
                             f"bundle keeps each page's cascade: {order} against {union}")
    return union


def linking_only(page: str, links: list[tuple[re.Match, str]], href: str) -> str:
    """The page with its first stylesheet link made a link to ``href``, and the others gone."""
    pieces, position = [], 0
    for index, (match, _) in enumerate(links):
        pieces.append(page[position:match.start()])
        if index == 0:
            pieces.append(f'<link rel="stylesheet" href="{href}">\n')
        position = match.end()
    pieces.append(page[position:])
    return "".join(pieces)


def built_pages(app) -> list[Path]:
    """The HTML files this build wrote: its documents and the index and search pages."""
    outdir = Path(app.outdir)
    names = sorted(set(app.env.all_docs) | set(EXTRA_PAGES))
    paths = (outdir / app.builder.get_target_uri(name) for name in names)
    return [path for path in paths if path.suffix == ".html" and path.is_file()]


def bundle_stylesheets(app, exception) -> None:
    """Every page of the build made to link one bundle of all the stylesheets pages link."""
    if exception is not None or app.builder.format != "html":
        return
    start = time.perf_counter()
    if not hasattr(app.builder, "globalcontext"):
        # No page was out of date, so Sphinx copied no static file: a change to the book's
        # own stylesheets (html_static_path, plain files) alone would not reach the bundle.
        app.builder.copy_html_static_files(None)
    outdir = Path(app.outdir)
    static = outdir / STATIC
    records = Path(app.doctreedir) / "one_stylesheet"
    pages = []
    for path in built_pages(app):
        page = path.read_text(encoding="utf-8")
        links = stylesheet_links(page, path, static)
        if links:
            record = records / (path.relative_to(outdir).as_posix() + ".txt")
            pages.append((path, page, links, page_sources(links, static, record)))
    if not pages:
        return
    text = bundle_text(static, merged([sources for *_, sources in pages]))
    name = bundle_name(text)
    target = static / name
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    rewritten = 0
    for path, page, links, _ in pages:
        href = posixpath.relpath(target.as_posix(), path.parent.as_posix())
        new = linking_only(page, links, href)
        if new != page:
            path.write_text(new, encoding="utf-8")
            rewritten += 1
    for old in static.glob(f"{PREFIX}*.css"):
        if old.name != name:
            old.unlink()
    logger.info(f"one stylesheet: {name} ({len(text) // 1024} KB) for {len(pages)} pages, "
                f"{rewritten} rewritten, in {time.perf_counter() - start:.1f} s")


def setup(app):
    # after icons.css is written (400), before the compressed copies are made (950)
    app.connect("build-finished", bundle_stylesheets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
