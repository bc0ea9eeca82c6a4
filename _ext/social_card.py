"""Sphinx extension: the book's social card, drawn by code, and Open Graph tags that find it.

``sphinxext-opengraph`` writes a meta description and Open Graph tags into every page
(``_config.yml``: ``ogp_image`` names ``_static/social-card.png``). This extension draws that
image when the book is built: the book's title over its first figure, which it gets by
running the code cell of ``intro.md`` tagged ``readme-figure`` (the same cell
``scripts/readme_figure.py`` draws the README's picture from), 1200 × 630 px as link previews
expect. It is drawn again only when that cell, this file or the ``tconv`` library change.

Pages Sphinx writes with no source (search, index) get a description and Open Graph tags
here, since sphinxext-opengraph writes none for them. Until the site's address is set
(``ogp_site_url`` in ``_config.yml``), Open Graph URLs cannot be absolute: the image's is
then written relative to each page, and ``og:url`` is left out rather than pointing at the
wrong place.
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import re
import time
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

CARD = "_static/social-card.png"
WIDTH, HEIGHT, DPI = 1200, 630, 100
SUBTITLE = ("How neural networks make feature maps larger, step by step:\n"
            "every number computed and every figure drawn by tested code.")


def _readme_figure_module(srcdir: Path):
    spec = importlib.util.spec_from_file_location("readme_figure",
                                                  srcdir / "scripts" / "readme_figure.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def card_key(srcdir: Path, cell: str) -> str:
    digest = hashlib.sha256(cell.encode())
    digest.update(Path(__file__).read_bytes())
    for path in sorted((srcdir / "lib" / "tconv").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def draw_card(cell: str, title: str, out: Path) -> None:
    """Title, subtitle and the figure the cell leaves in ``fig``, as a 1200 x 630 PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.patches import Rectangle

    namespace: dict = {}
    with matplotlib.rc_context():
        exec(compile(cell, "intro.md[readme-figure]", "exec"), namespace)  # noqa: S102
        figure = namespace["fig"]
        figure.set_dpi(DPI)
        canvas = FigureCanvasAgg(figure)  # the cell's figure may have no canvas of its own
        canvas.draw()
        picture = np.asarray(canvas.buffer_rgba()).copy()
        plt.close("all")

        card = plt.figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor="white")
        heading = card.text(0.05, 0.86, title, fontsize=40, fontweight="bold",
                            color="#1a2b4c", va="top")
        renderer = card.canvas.get_renderer()
        room = 0.9 * WIDTH
        while heading.get_window_extent(renderer).width > room:  # a long title: smaller
            heading.set_fontsize(heading.get_fontsize() - 2)
        card.text(0.05, 0.69, SUBTITLE, fontsize=19, color="#3d4a5c", va="top",
                  linespacing=1.4)
        card.add_artist(Rectangle((0, 0), 1, 0.03, color="#2a6bd6",
                                  transform=card.transFigure))
        # The figure, as wide as the card allows, in the lower part.
        bottom, width, top = 0.08, 0.92, 0.45
        aspect = picture.shape[0] / picture.shape[1]
        height = min(top - bottom, width * aspect * WIDTH / HEIGHT)
        width = height / aspect * HEIGHT / WIDTH
        axes = card.add_axes([(1 - width) / 2, bottom, width, height])
        axes.imshow(picture, interpolation="lanczos")
        axes.set_axis_off()
        out.parent.mkdir(parents=True, exist_ok=True)
        card.savefig(out, dpi=DPI, facecolor="white", metadata={"Software": None})
        plt.close(card)


def build_card(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    srcdir, out = Path(app.srcdir), Path(app.outdir) / CARD
    module = _readme_figure_module(srcdir)
    cell = module.tagged_cell((srcdir / "intro.md").read_text(encoding="utf-8"),
                              "readme-figure")
    key = card_key(srcdir, cell)
    stamp = Path(app.doctreedir) / "social-card.sha256"
    if out.exists() and stamp.exists() and stamp.read_text().strip() == key:
        return
    start = time.perf_counter()
    draw_card(cell, app.config.html_title, out)
    stamp.write_text(key + "\n")
    logger.info(f"drew the social card {CARD} in {time.perf_counter() - start:.1f} s")


OG_IMAGE = re.compile(r'(<meta property="og:image" content=")([^"]*)(")')
OG_URL = re.compile(r'<meta property="og:url" content="[^"]*" />\n?')
# Pages Sphinx writes with no source document, so sphinxext-opengraph writes no tags for them.
GENERATED_PAGES = {
    "search": "Search the whole book, offline: every chapter, the glossary and the exercises.",
    "genindex": "The index of the book: every term and where the chapters explain it.",
}
BOOK = ("an open, interactive book on transposed convolution and upsampling in convolutional "
        "networks, with every number computed and every figure drawn by tested code.")


def _tag(kind: str, key: str, content: str) -> str:
    return f'<meta {kind}="{key}" content="{html.escape(content, quote=True)}" />\n'


def generated_page_tags(app, pagename: str, context: dict) -> str:
    """Description and Open Graph tags for a page with no source (search, index)."""
    title = app.config.html_title
    description = f"{GENERATED_PAGES.get(pagename, title + '.')} {title}: {BOOK}"
    tags = [_tag("property", "og:title", str(context.get("title") or title)),
            _tag("property", "og:type", app.config.ogp_type),
            _tag("property", "og:site_name", app.config.ogp_site_name or title),
            _tag("property", "og:description", description)]
    if app.config.ogp_image:
        tags += [_tag("property", "og:image", app.config.ogp_image),
                 _tag("property", "og:image:alt", app.config.ogp_image_alt or title)]
    tags.append(_tag("name", "description", description))
    tags += [tag + "\n" for tag in app.config.ogp_custom_meta_tags]
    return "".join(tags)


def open_graph_tags(app, pagename, templatename, context, doctree) -> None:
    """Tags for pages without a source; without a site address, page-relative URLs."""
    tags = context.get("metatags") or ""
    if doctree is None and 'name="description"' not in tags:
        tags += generated_page_tags(app, pagename, context)
    if not app.config.ogp_site_url:
        image = app.config.ogp_image
        if image and not re.match(r"^[a-z]+://", image):
            relative = context["pathto"](image, 1)
            tags = OG_IMAGE.sub(lambda m: m.group(1) + relative + m.group(3), tags)
        tags = OG_URL.sub("", tags)
    context["metatags"] = tags


def setup(app):
    app.setup_extension("sphinxext.opengraph")
    app.connect("html-page-context", open_graph_tags, priority=600)
    app.connect("build-finished", build_card, priority=350)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
