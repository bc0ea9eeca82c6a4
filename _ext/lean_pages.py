"""Sphinx extension: each page loads only what it needs, and nothing blocks its first paint.

A phone on a slow network pays for every byte and every script in the ``<head>`` before it
shows the first line of a chapter (issue 20). As each page is written, this extension:

- defers every script file the page loads (they all wait for the DOM anyway) and writes the
  few lines of ``documentation_options.js`` into the page instead, because the small inline
  scripts Sphinx adds after it (``DOCUMENTATION_OPTIONS.pagename = ...``) need them at once;
- drops the assets of features a page does not use: sphinx-design's tabs, the copy button
  (no code block), the toggle button (nothing to toggle); the index and search pages use none;
- gives every ``<img>`` its width and height (read from the image file), so the space is
  reserved before the image arrives (no layout shift), and ``loading="lazy"`` (with
  ``decoding="async"``) to every image but one that may be in the first screenful;
- offers two Jinja filters to the book's templates: ``without_assets`` (the theme's icon
  script and Sphinx's search scripts are left out of every page but the search page, see
  ``_templates/layout.html``) and ``deferred_scripts`` (the search page's scripts).

When the build is done it recompresses the figures (``_images/*.png``) losslessly: an
image with at most 256 colours becomes a palette PNG, an opaque one loses its alpha channel.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import re
import struct
import time
from pathlib import Path

import numpy as np
from markupsafe import Markup
from PIL import Image
from sphinx.util import logging

logger = logging.getLogger(__name__)

# Assets a page needs only when its body uses the feature: file names, and what shows use.
OPTIONAL_ASSETS = [
    (("design-tabs.js", "sphinx-design.min.css"), re.compile(r'class="[^"]*\bsd-')),
    (("clipboard.min.js", "copybutton.js", "copybutton.css"), re.compile(r'class="highlight"')),
    (("togglebutton.js", "togglebutton.css"),
     re.compile(r'class="[^"]*\b(toggle|dropdown)\b')),
]
# Inline scripts that only configure an asset above; they go when it goes.
INLINE_CONFIG = {"togglebutton.js": ("toggleHint", "toggleOpenOnPrint", "togglebuttonSelector")}

# An image is left to load at once (not lazily) only when it is the page's first one and less
# than this much text comes before it: it may then be in the first screen of a phone (about
# 25 lines of 45 characters below the header and title), and may be the largest paint.
EAGER_TEXT_BEFORE = 700

IMG = re.compile(r"<img\b[^>]*>", re.I)
ATTRIBUTE = re.compile(r'\s([a-zA-Z-]+)(?:="([^"]*)")?')
TAG = re.compile(r"<[^>]+>")
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


# --- scripts and stylesheets --------------------------------------------------------------


def _filename(asset) -> str:
    return str(getattr(asset, "filename", "") or "")


def _attributes(asset) -> dict:
    return dict(getattr(asset, "attributes", {}) or {})


def _with_attributes(asset, **changes):
    """A copy of a Sphinx asset (_JavaScript/_CascadingStyleSheet) with other attributes."""
    return type(asset)(asset.filename, priority=asset.priority,
                       **{**_attributes(asset), **changes})


def documentation_options(app) -> str:
    """The text of _static/documentation_options.js, rendered as Sphinx renders the file."""
    cached = getattr(app, "_lean_documentation_options", None)
    if cached is None:
        for folder in app.builder.theme.get_theme_dirs():
            for name in ("documentation_options.js.jinja", "documentation_options.js_t"):
                template = Path(folder) / "static" / name
                if template.is_file():
                    cached = app.builder.templates.render_string(
                        template.read_text(encoding="utf-8"), app.builder.globalcontext)
                    break
            if cached is not None:
                break
        if cached is None:
            raise RuntimeError("no documentation_options.js template in the theme")
        app._lean_documentation_options = cached
    return cached


def unused_assets(body: str) -> set[str]:
    """File names of the optional assets this page's body does not use."""
    unused = set()
    for names, used in OPTIONAL_ASSETS:
        if not used.search(body):
            unused.update(names)
    return unused


def lean_assets(app, pagename, templatename, context, doctree) -> None:
    """Defer the page's scripts, inline documentation_options.js, drop unused features."""
    body = context.get("body")
    body = body if isinstance(body, str) else ""
    # The pages Sphinx makes itself (index, search) show none of the book's content.
    unused = unused_assets(body if templatename == "page.html" else "")
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        dropped_configs = [marker for name, markers in INLINE_CONFIG.items() if name in unused
                           for marker in markers]
        kept, inline_bodies = [], set()
        for script in scripts:
            name = _filename(script).rsplit("/", 1)[-1]
            attributes = _attributes(script)
            if name in unused:
                continue
            if not name:
                inline = attributes.get("body", "")
                if inline in inline_bodies or any(m in inline for m in dropped_configs):
                    continue  # the same inline script twice (JB1 adds togglebutton's twice)
                inline_bodies.add(inline)
            if name == "documentation_options.js":
                script = type(script)("", priority=script.priority,
                                      body="\n" + documentation_options(app).strip() + "\n")
            elif name and not ({"defer", "async"} & set(attributes)) and \
                    attributes.get("type") != "module":
                script = _with_attributes(script, defer="defer")
            kept.append(script)
        scripts[:] = kept
    stylesheets = context.get("css_files")
    if isinstance(stylesheets, list):
        stylesheets[:] = [s for s in stylesheets
                          if _filename(s).rsplit("/", 1)[-1] not in unused]


# --- Jinja filters for the templates ------------------------------------------------------

ASSET_TAG = re.compile(r"<(script|link)\b[^>]*>(?:\s*</script>)?", re.I)


def without_assets(markup: str, *names: str) -> Markup:
    """The markup without the <script src> and <link href> tags that load any of these files."""
    def keep(match: re.Match) -> str:
        tag = match.group(0)
        url = re.search(r'\b(?:src|href)="([^"]*)"', tag)
        if url and any(name in url.group(1).split("?")[0] for name in names):
            return ""
        return tag

    return Markup(ASSET_TAG.sub(keep, str(markup)))


def deferred_scripts(markup: str) -> Markup:
    """The markup with ``defer`` on every <script src> that has neither defer nor async."""
    def defer(match: re.Match) -> str:
        attributes = match.group(1)
        if "src=" not in attributes or re.search(r"\b(defer|async)\b", attributes) or \
                'type="module"' in attributes:
            return match.group(0)
        return f"<script defer{attributes}>"

    return Markup(SCRIPT_TAG.sub(defer, str(markup)))


def add_filters(app) -> None:
    templates = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    if environment is not None:
        environment.filters["without_assets"] = without_assets
        environment.filters["deferred_scripts"] = deferred_scripts


# --- images --------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header, or None when the bytes are not a PNG."""
    if len(data) >= 24 and data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    return None


def image_size(app, src: str, pagename: str) -> tuple[int, int] | None:
    """Pixel size of an image the page shows: a data: PNG, or a file the build copies."""
    if src.startswith("data:image/png;base64,"):
        return png_size(base64.b64decode(src[22:22 + 44] + "=" * (-len(src[22:22 + 44]) % 4)))
    if ":" in src.split("/")[0]:
        return None  # another scheme: not ours to measure
    name = src.split("?")[0].rsplit("/", 1)[-1]
    sources = getattr(app, "_lean_image_sources", {})
    source = sources.get(name)
    if source is None:
        # builder.images maps each source image to its file name in _images/
        sources = {dest: src_path for src_path, dest in app.builder.images.items()}
        app._lean_image_sources = sources
        source = sources.get(name)
    if source is None:
        return None
    path = Path(app.srcdir) / source
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, ValueError):
        return None


def sized_lazy_images(app, pagename, templatename, context, doctree) -> None:
    """Width, height and lazy loading for every <img> of the page's body."""
    body = context.get("body")
    if not isinstance(body, str) or "<img" not in body:
        return
    first = True

    def rewrite(match: re.Match) -> str:
        nonlocal first
        tag = match.group(0)
        attributes = {name.lower(): value for name, value in ATTRIBUTE.findall(tag)}
        additions = []
        if "width" not in attributes and "height" not in attributes:
            size = image_size(app, html.unescape(attributes.get("src", "")), pagename)
            if size:
                additions.append(f'width="{size[0]}" height="{size[1]}"')
        if "loading" not in attributes:
            eager = first and len(" ".join(TAG.sub(" ", body[:match.start()]).split())) \
                < EAGER_TEXT_BEFORE
            if not eager:
                additions.append('loading="lazy"')
        if "decoding" not in attributes:
            additions.append('decoding="async"')
        first = False
        if not additions:
            return tag
        end = -2 if tag.endswith("/>") else -1
        return f"{tag[:end].rstrip()} {' '.join(additions)}{' /' if end == -2 else ''}>"

    context["body"] = IMG.sub(rewrite, body)


# --- figures: lossless recompression ---------------------------------------------------------


def recompressed_png(data: bytes) -> bytes:
    """The same pixels in a smaller PNG: a palette when 256 colours do, no alpha if opaque."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        rgba = np.asarray(image.convert("RGBA"))
    opaque = bool((rgba[..., 3] == 255).all())
    colours, index = np.unique(rgba.reshape(-1, 4).view(np.uint32).ravel(), return_inverse=True)
    out = io.BytesIO()
    if len(colours) <= 256:
        palette = colours.view(np.uint8).reshape(-1, 4)
        result = Image.fromarray(index.reshape(rgba.shape[:2]).astype(np.uint8), "P")
        result.putpalette(palette[:, :3].ravel().tolist())
        options = {} if opaque else {"transparency": bytes(palette[:, 3].tolist())}
        result.save(out, "PNG", optimize=True, **options)
    else:
        result = Image.fromarray(rgba[..., :3] if opaque else rgba, "RGB" if opaque else "RGBA")
        result.save(out, "PNG", optimize=True)
    smaller = out.getvalue()
    return smaller if len(smaller) < len(data) else data


def optimize_figures(app, exception) -> None:
    """Recompress every PNG in _images/, each image once: Sphinx copies the original again
    whenever a page that shows it is written, so results are kept beside the doctrees."""
    if exception is not None or app.builder.format != "html":
        return
    start = time.perf_counter()
    cache = Path(app.doctreedir) / "optimized-images"
    cache.mkdir(parents=True, exist_ok=True)
    before = after = 0
    for path in sorted((Path(app.outdir) / "_images").glob("*.png")):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if (cache / f"{digest}.done").exists():
            continue  # already the optimized file
        known = cache / f"{digest}.png"
        if known.exists():
            smaller = known.read_bytes()
        else:
            smaller = recompressed_png(data)
            known.write_bytes(smaller)
            (cache / f"{hashlib.sha256(smaller).hexdigest()}.done").touch()
            before, after = before + len(data), after + len(smaller)
        if smaller != data:
            path.write_bytes(smaller)
    if before:
        logger.info(f"figures recompressed losslessly: {before} -> {after} bytes in "
                    f"{time.perf_counter() - start:.1f} s")


def setup(app):
    app.connect("builder-inited", add_filters)
    app.connect("html-page-context", lean_assets, priority=800)
    app.connect("html-page-context", sized_lazy_images, priority=800)
    app.connect("build-finished", optimize_figures, priority=300)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
