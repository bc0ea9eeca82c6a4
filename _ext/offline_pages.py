"""Sphinx extension: keep every page of the book self-contained and its console clean.

Jupyter Book 1 always loads sphinx-thebe, which puts an inline script declaring
``const THEBE_JS_URL`` into every page (twice: a browser console error) plus a script and a
stylesheet for a "run code" feature this book does not use, and appends to each page a
``text/x-thebe-config`` block naming a Binder repository. myst-nb also embeds the saved
ipywidgets state (tens of KB a page) although the book shows the static players instead of
widgets. This extension drops all of those from each page as it is written.
"""

from __future__ import annotations

import os
from typing import Any

from docutils import nodes

WIDGET_STATE_TYPE = "application/vnd.jupyter.widget-state+json"


def _filename(asset: Any) -> str:
    return str(getattr(asset, "filename", "") or "")


def _attributes(asset: Any) -> dict[str, str]:
    return dict(getattr(asset, "attributes", {}) or {})


def is_unwanted_script(asset: Any) -> bool:
    """True for sphinx-thebe's scripts and for the embedded ipywidgets state."""
    attributes = _attributes(asset)
    if "sphinx-thebe" in _filename(asset):
        return True
    if "THEBE_JS_URL" in attributes.get("body", ""):
        return True
    return attributes.get("type") == WIDGET_STATE_TYPE


def is_unwanted_stylesheet(asset: Any) -> bool:
    """True for sphinx-thebe's stylesheet."""
    return "sphinx-thebe" in _filename(asset)


def drop_unwanted_assets(app, pagename, templatename, context, doctree) -> None:
    """Remove thebe's and the widget state's assets from this page's context, in place."""
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        scripts[:] = [s for s in scripts if not is_unwanted_script(s)]
    stylesheets = context.get("css_files")
    if isinstance(stylesheets, list):
        stylesheets[:] = [s for s in stylesheets if not is_unwanted_stylesheet(s)]


def is_thebe_raw_node(node: nodes.Node) -> bool:
    """True for the raw HTML blocks sphinx-thebe appends to every document."""
    if not isinstance(node, nodes.raw):
        return False
    text = node.astext()
    return "text/x-thebe-config" in text or text.startswith("<script>kernelName =")


def drop_thebe_nodes(app, doctree, docname) -> None:
    """Remove sphinx-thebe's configuration blocks from a resolved document."""
    for node in list(doctree.findall(is_thebe_raw_node)):
        node.parent.remove(node)


def setup(app):
    # The book is static: kernels started by the build inherit this, so tconv's interactive
    # objects and progress bars make only their static HTML, never a widget (tconv.show.widgets).
    os.environ["TCONV_STATIC"] = "1"
    # Both run after the extensions that add these things (default priority 500).
    app.connect("doctree-resolved", drop_thebe_nodes, priority=900)
    app.connect("html-page-context", drop_unwanted_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
