"""Sphinx extension: what the book needs for its Chinese edition (issue 16), in both builds.

The Chinese edition is the same sources built with ``language = zh_CN``; Sphinx replaces each
paragraph, heading, caption and alt text with its translation from
``locales/zh_CN/LC_MESSAGES/<document>.po`` (``scripts/i18n.py`` extracts, updates and builds).
This extension fills the gaps of that machinery for this book:

- **What code shows is not a message.** Text a cell prints or displays (tables of numbers,
  printed lines) comes from the code, in every language the same, or through tconv's own
  message table (``tconv.show.text``): it is marked untranslatable, so the catalogs hold only
  prose, not dozens of number-only entries that change with every run. Figure captions and
  alt text written in a cell's metadata are prose and stay in.
- **The table of contents' part captions** (``_toc.yml``'s ``caption:``) are inserted by
  sphinx-external-toc after Sphinx has translated the page; they are translated here, from
  the root document's catalog, where the gettext builder extracts them.
- **One execution for both editions.** The notebooks execute once, before either build
  (``scripts/execution_cache.py --run``), and draw each figure and player in Chinese too
  (:mod:`tconv.show.editions`); the Chinese build reads those copies from a cache made from
  the English one (``scripts/i18n.py``) and executes nothing.
- **The page being built** is named to the notebook's kernel in ``TCONV_DOCNAME``, so tconv's
  message table can record which strings each page draws in Chinese (``TCONV_TEXT_LOG``).
- **Alt text of the figures code draws** (``mystnb: image: alt:`` in a cell's metadata): myst-nb
  makes those images in a post-transform, after Sphinx has extracted and translated the page,
  so Sphinx never sees them. They are given to the gettext builder here (with the ``uid``
  Sphinx's catalog needs) and translated here from the page's catalog.
- **Footnote references in a translated paragraph** (``[^torch]``): Sphinx parses each msgstr
  on its own, where MyST sees no footnote definition, so the reference stays literal text (and
  Sphinx warns "inconsistent footnote references"). The msgstr is parsed with a stand-in
  definition for each label it references; Sphinx then links the references to the page's
  own footnotes, as in the English.
- **The footer's licence statement** (``_config.yml``'s ``html: extra_footer:``, which the
  printed editions' cover also shows) is theme configuration, not a message: an edition gives
  its own in ``tcd_extra_footer`` (``locales/zh_CN/edition.yml``), used in place of the theme's.
- **The other edition** of each page: the page's language, its counterpart's URL, language
  and label, in the template context (``_templates/article-header-buttons.html`` links it in
  the header on every screen size; ``_templates/layout.html`` adds ``<link rel="alternate"
  hreflang>`` in the ``<head>`` once the book has an address, ``ogp_site_url``, since that
  link must be a full URL).
"""

from __future__ import annotations

import os
import re
from uuid import uuid4

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.transforms import i18n as sphinx_i18n
from sphinx.transforms.post_transforms import SphinxPostTransform

# The editions, by the language their build is configured with ("en" is Sphinx's default).
EDITIONS = {
    "en": {"folder": "", "lang": "en", "label": "English",
           "title": "Read this page in English", "home": "Book home"},
    "zh_CN": {"folder": "zh/", "lang": "zh-Hans", "label": "中文",
              "title": "阅读本页的中文版", "home": "本书首页"},
}


def edition_of(language: str | None) -> str:
    return "zh_CN" if (language or "en").replace("-", "_").startswith("zh") else "en"


def is_code_output(node: nodes.Node) -> bool:
    """True for a node inside the output of a code cell (myst-nb's ``cell_output``)."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.container) and "cell_output" in parent.get("classes", []):
            return True
        parent = parent.parent
    return False


class UntranslatableOutputs(SphinxTransform):
    """Mark the text of code outputs untranslatable; captions and alt text stay translatable."""

    default_priority = 5  # before Sphinx's PreserveTranslatableMessages (10) and Locale (20)

    def apply(self, **kwargs) -> None:
        for node in self.document.findall(nodes.TextElement):
            if isinstance(node, nodes.caption) or node.get("translatable") is not None:
                continue
            if any(isinstance(a, nodes.caption) for a in _ancestors(node)):
                continue
            if is_code_output(node):
                node["translatable"] = False


def _ancestors(node: nodes.Node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


class TranslateTocCaptions(SphinxTransform):
    """Translate the captions and titles of the toctrees sphinx-external-toc inserts."""

    default_priority = 101  # after sphinx-external-toc's InsertToctrees (100)

    def apply(self, **kwargs) -> None:
        if edition_of(self.config.language) == "en":
            return
        toctrees = list(self.document.findall(addnodes.toctree))
        if not toctrees:
            return
        dirs = [os.path.join(self.env.srcdir, d) for d in self.config.locale_dirs]
        domain = self.env.docname if not self.config.gettext_compact else \
            self.env.docname.split("/")[0]
        catalog, found = init_locale(dirs, self.config.language, domain)
        if not found:
            return
        for toctree in toctrees:
            if toctree.get("caption") and not toctree.get("rawcaption"):
                toctree["rawcaption"] = toctree["caption"]
            for message in toctree.extract_original_messages():
                translated = catalog.gettext(message)
                if translated and translated != message:
                    toctree.apply_translated_message(message, translated)


def page_catalog(transform):
    """The gettext catalog of the page ``transform`` works on, or None."""
    dirs = [os.path.join(transform.env.srcdir, d) for d in transform.config.locale_dirs]
    docname = transform.env.docname
    domain = docname if not transform.config.gettext_compact else docname.split("/")[0]
    catalog, found = init_locale(dirs, transform.config.language, domain)
    return catalog if found else None


def _source_and_line(node: nodes.Node) -> tuple[str | None, int | None]:
    for parent in [node, *_ancestors(node)]:
        if parent.source:
            return parent.source, parent.line
    return None, None


class ImageAltTexts(SphinxPostTransform):
    """The alt text of images a code cell displays: extracted (gettext) and translated."""

    default_priority = 5  # after myst-nb's SelectMimeType (4), which makes the images

    def run(self, **kwargs) -> None:
        images = [node for node in self.document.findall(nodes.image)
                  if node.get("alt") and is_code_output(node)]
        if not images:
            return
        if self.app.builder.name == "gettext":
            for node in images:
                node.uid = uuid4().hex  # as Sphinx's UIDTransform marks what it extracts
                if node.source is None:
                    node.source, node.line = _source_and_line(node)
            return
        if edition_of(self.config.language) == "en":
            return
        catalog = page_catalog(self)
        if catalog is None:
            return
        for node in images:
            translated = catalog.gettext(node["alt"])
            if translated and translated != node["alt"]:
                node["alt"] = translated


FOOTNOTE_REFERENCE = re.compile(r"\[\^([^\]\s]+)\](?!:)")
MYST_SUFFIXES = (".md", ".ipynb")


def with_footnote_definitions(publish):
    """Sphinx's ``publish_msgstr``, parsing a MyST msgstr with its footnotes defined."""

    def publish_msgstr(app, source, source_path, source_line, config, settings):
        labels = list(dict.fromkeys(FOOTNOTE_REFERENCE.findall(source)))
        if labels and str(source_path).endswith(MYST_SUFFIXES):
            # after the message, so the message is still the parsed document's first node
            source += "\n\n" + "\n\n".join(f"[^{label}]: ." for label in labels) + "\n"
        return publish(app, source, source_path, source_line, config, settings)

    publish_msgstr.__wrapped__ = publish
    return publish_msgstr


def name_the_page(app, docname: str, source: list[str]) -> None:
    """Tell the kernels started while reading this page which page it is."""
    os.environ["TCONV_DOCNAME"] = docname


# The lecture decks (scripts/slides.py): each edition has its own, cut from its own pages into
# its own slides/ folder (zh/slides/ for the Chinese), so a page's links to slides/ stay as
# they are. The instructors' list of decks is raw HTML (not a message): in a translated edition
# each link's text, "N. <chapter title>", gets the title from that chapter's catalog.
DECK_LINK = re.compile(r'(<a href="slides/([\w-]+)\.html">)(\d+\.\s+)?([^<]+)(</a>)')


def translate_the_deck_links(app, docname: str, source: list[str]) -> None:
    """In a translated edition, the titles in the raw links to the decks, from the catalogs."""
    if edition_of(app.config.language) == "en" or 'href="slides/' not in source[0]:
        return
    dirs = [os.path.join(app.srcdir, d) for d in app.config.locale_dirs]

    def translated(found: re.Match) -> str:
        start, name, number, title, end = found.groups()
        domain = f"chapters/{name}"
        for folder in dirs:  # this page is read again when that chapter's catalog changes
            po = os.path.join(folder, app.config.language, "LC_MESSAGES", f"{domain}.po")
            if os.path.isfile(po):
                app.env.note_dependency(po)
        catalog, has = init_locale(dirs, app.config.language, domain)
        if has:
            title = catalog.gettext(title.strip())
        return f"{start}{number or ''}{title}{end}"

    source[0] = DECK_LINK.sub(translated, source[0])


def other_edition(app, pagename, templatename, context, doctree) -> None:
    """The page's language and the URL, language and label of the same page in the other."""
    this = edition_of(app.config.language)
    other = "zh_CN" if this == "en" else "en"
    up = "../" * pagename.count("/")
    if this == "en":
        url = f"{up}{EDITIONS[other]['folder']}{pagename}.html"
    else:  # this edition lives in a folder of the English site
        url = f"{up}../{pagename}.html"
    context["tcd_edition"] = dict(EDITIONS[this], code=this)
    if app.config.tcd_extra_footer:  # the edition's own licence statement
        context["theme_extra_footer"] = app.config.tcd_extra_footer
    context["tcd_other_edition"] = dict(EDITIONS[other], code=other, url=url,
                                        absolute=absolute_url(app, this, other, pagename))


def absolute_url(app, this: str, other: str, pagename: str) -> str | None:
    """The other edition's page as a full URL, for ``<link rel="alternate" hreflang>`` (which
    search engines and Lighthouse accept only fully qualified), or None while the book has no
    address (``ogp_site_url`` empty): the header's link serves readers either way."""
    site = (app.config.ogp_site_url or "").strip()
    if not site:
        return None
    site = site if site.endswith("/") else site + "/"
    if this != "en" and site.endswith(EDITIONS[this]["folder"]):  # an edition's own address
        site = site[:-len(EDITIONS[this]["folder"])]
    return f"{site}{EDITIONS[other]['folder']}{pagename}.html"


def setup(app):
    if not hasattr(sphinx_i18n.publish_msgstr, "__wrapped__"):
        sphinx_i18n.publish_msgstr = with_footnote_definitions(sphinx_i18n.publish_msgstr)
    app.add_config_value("tcd_extra_footer", "", "html", types=[str])
    app.add_transform(UntranslatableOutputs)
    app.add_transform(TranslateTocCaptions)
    app.add_post_transform(ImageAltTexts)
    app.connect("source-read", name_the_page)
    app.connect("source-read", translate_the_deck_links)
    app.connect("html-page-context", other_edition)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
