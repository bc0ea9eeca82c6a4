"""Sphinx extension: small accessibility repairs to the HTML that docutils writes.

docutils marks each bibliography entry ``role="doc-biblioentry"`` inside a
``role="list"`` container. ARIA 1.2 deprecates that role, so a list that holds such entries
has no valid list items: axe-core reports it as a critical violation
(``aria-required-children``). The entries are plain list items, so they are marked as such.
"""

from __future__ import annotations

BIBLIOENTRY = 'role="doc-biblioentry"'
LISTITEM = 'role="listitem"'


def repair_roles(app, pagename, templatename, context, doctree) -> None:
    """Mark bibliography entries as list items in this page's body, in place."""
    body = context.get("body")
    if isinstance(body, str) and BIBLIOENTRY in body:
        context["body"] = body.replace(BIBLIOENTRY, LISTITEM)


def setup(app):
    app.connect("html-page-context", repair_roles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
