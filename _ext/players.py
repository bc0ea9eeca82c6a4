"""Sphinx extension: one copy of the players' module and stylesheet per site, not per output.

Every ``text/html`` output of a tconv player is self-contained (:mod:`tconv.show.player`): it
carries the players' ES module, as a JSON string in ``<script class="tconv-module">``, and
their stylesheet, in ``<style class="tconv-css">``, each named by a digest of its content.
A page with five players would carry five copies. This extension writes each distinct copy
once into ``_static/tconv/`` (``player-<sha>.js``, which hands the module's text to the
players' boot script, and ``player-<sha>.css``), replaces the first copy on each page with a
reference to that file and drops the others. A classic ``<script defer src>``, not an ES
module import, so the book also works opened from ``file://``; deferred, so it never holds up
the page's first paint (the players' boot waits for it); browsers cache the files across
pages.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes

MODULE = re.compile(
    r'<script type="application/json" class="tconv-module" data-sha="(\w+)">(.*?)</script>', re.S)
STYLE = re.compile(r'<style class="tconv-css" data-sha="(\w+)">(.*?)</style>', re.S)
FOLDER = ("_static", "tconv")


def module_file(sha: str, json_text: str) -> str:
    """The shared module file: a classic script that stores the module's text for the boot."""
    return (f"(window.tconvModuleText=window.tconvModuleText||{{}})[{sha!r}]="
            f"{json_text};\n")


def _write(app, name: str, text: str) -> None:
    path = Path(app.outdir, *FOLDER, name)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def share(html: str, prefix: str, seen: set, write) -> str:
    """``html`` with its module and stylesheet copies replaced by references (first) or dropped.

    ``seen`` holds what this page already references; ``write(name, text)`` stores a file.
    """

    def module(match):
        sha, body = match.groups()
        write(f"player-{sha}.js", module_file(sha, body))
        if ("js", sha) in seen:
            return ""
        seen.add(("js", sha))
        return f'<script defer src="{prefix}player-{sha}.js"></script>'

    def style(match):
        sha, body = match.groups()
        write(f"player-{sha}.css", body)
        if ("css", sha) in seen:
            return ""
        seen.add(("css", sha))
        return f'<link rel="stylesheet" href="{prefix}player-{sha}.css">'

    return STYLE.sub(style, MODULE.sub(module, html))


def share_player_assets(app, doctree, docname) -> None:
    """Rewrite this page's raw HTML outputs (in page order) to share the players' assets."""
    if app.builder.format != "html":
        return
    prefix = "../" * docname.count("/") + "/".join(FOLDER) + "/"
    seen: set = set()
    for node in list(doctree.findall(nodes.raw)):
        if "html" not in node.get("format", "").split():
            continue
        text = node.astext()
        if "tconv-module" not in text and "tconv-css" not in text:
            continue
        new = share(text, prefix, seen, lambda name, body: _write(app, name, body))
        node.replace_self(nodes.raw(new, new, format=node.get("format")))


def setup(app):
    app.connect("doctree-resolved", share_player_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
