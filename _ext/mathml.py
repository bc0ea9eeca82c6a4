"""Sphinx extension: math written as MathML when the book is built, so pages load no math script.

Registers the HTML math renderer ``mathml`` (``html_math_renderer: mathml`` in _config.yml).
Each formula's TeX goes through ``latex2mathml`` into presentation MathML, which Chromium,
Firefox and Safari render natively (MathML Core). For screen readers and for copying, the TeX
stays in the page twice: as the ``alttext`` of ``<math>`` and as an
``<annotation encoding="application/x-tex">`` inside ``<semantics>``, which browsers do not
display. The markup around each formula is the one Sphinx writes for MathJax
(``<span class="math">``, ``<div class="math">`` with its equation number and permalink).

A formula that latex2mathml cannot convert, or converts into something visibly wrong (an
unknown command kept as text, a stray alignment ``&``), is a build warning naming the formula,
so ``-W`` fails the build instead of a page showing broken math.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

NAMESPACE = "{http://www.w3.org/1998/Math/MathML}"
TEX = "application/x-tex"

# Commands latex2mathml 3.81 does not know, written with ones it does.
REWRITES = [(re.compile(r"\\arg(?![A-Za-z])"), r"\\operatorname{arg}")]
# amsmath environments a whole display may be written in (myst's amsmath extension keeps the
# environment in the node's text); latex2mathml numbers ``align`` rows itself and writes
# ``aligned`` without a table, so all become ``align*``, as MathJax shows them (no tags).
ENVIRONMENT = re.compile(
    r"^\s*\\begin\{(equation|align|gather|multline|eqnarray|aligned)\*?\}(.*)"
    r"\\end\{\1\*?\}\s*$", re.S)
UNKNOWN_COMMAND = re.compile(r"^\\[A-Za-z]+$")


class MathMLError(ValueError):
    """A formula that could not be written as MathML that shows what the TeX says."""


def _plain_tag(element: ET.Element) -> None:
    for el in element.iter():
        if isinstance(el.tag, str) and el.tag.startswith(NAMESPACE):
            el.tag = el.tag[len(NAMESPACE):]


def _check(element: ET.Element, tex: str) -> None:
    for el in element.iter():
        text = (el.text or "").strip()
        if el.tag in ("mi", "mo", "mtext") and UNKNOWN_COMMAND.match(text):
            raise MathMLError(f"latex2mathml does not know {text} in {tex!r}")
        if el.tag in ("mi", "mo") and text == "&":
            raise MathMLError(f"an alignment & outside a table in {tex!r}")


def _merge_upright_letters(element: ET.Element) -> None:
    """``\\mathrm{out}`` comes out as one upright <mi> per letter: make it one word <mi>out</mi>,
    which reads as a word and is upright by default (MathML Core)."""
    for parent in element.iter():
        children = list(parent)
        run: list[ET.Element] = []
        for child in children + [None]:
            upright = (child is not None and child.tag == "mi" and len(child) == 0
                       and child.get("mathvariant") == "normal" and len(child.text or "") == 1
                       and (child.text or "").isalpha())
            if upright:
                run.append(child)
                continue
            if len(run) > 1:
                run[0].text = "".join(el.text for el in run)
                del run[0].attrib["mathvariant"]
                for el in run[1:]:
                    parent.remove(el)
            run = []


def prepare(tex: str, display: bool) -> str:
    """The TeX as latex2mathml should see it."""
    source = tex.strip()
    for pattern, replacement in REWRITES:
        source = pattern.sub(replacement, source)
    if display:
        found = ENVIRONMENT.match(source)
        if found:
            name, body = found.groups()
            source = body if name == "equation" else rf"\begin{{align*}}{body}\end{{align*}}"
        else:
            # Sphinx's rules for a display: paragraphs are separate equations, \\ breaks lines.
            parts = [p.strip() for p in source.split("\n\n") if p.strip()]
            if len(parts) > 1 or r"\\" in source:
                source = r"\begin{align*}" + r" \\ ".join(parts) + r"\end{align*}"
    return source


def to_mathml(tex: str, display: bool = False) -> str:
    """``<math>`` for one formula: MathML, with the TeX as alttext and annotation."""
    try:
        converted = convert(prepare(tex, display), display="block" if display else "inline")
        root = ET.fromstring(converted)
    except MathMLError:
        raise
    except Exception as error:  # latex2mathml's own errors, or markup that is not XML
        raise MathMLError(f"cannot convert {tex!r}: {type(error).__name__}: {error}") from error
    _plain_tag(root)
    _check(root, tex)
    _merge_upright_letters(root)
    children = list(root)
    for child in children:
        root.remove(child)
    if len(children) == 1 and children[0].tag == "mrow":
        body = children[0]
    else:
        body = ET.Element("mrow")
        body.extend(children)
    semantics = ET.SubElement(root, "semantics")
    semantics.append(body)
    annotation = ET.SubElement(semantics, "annotation", encoding=TEX)
    annotation.text = tex.strip()
    root.attrib = {"display": "block" if display else "inline",
                   "alttext": " ".join(tex.split())}
    return ET.tostring(root, encoding="unicode", short_empty_elements=False)


def _render(self, node: nodes.Element, display: bool) -> str:
    try:
        return to_mathml(node.astext(), display)
    except MathMLError as error:
        logger.warning(str(error), location=node, type="mathml")
        return f"<code>{html.escape(node.astext())}</code>"


def visit_math(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_render(self, node, display=False))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(_render(self, node, display=True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
