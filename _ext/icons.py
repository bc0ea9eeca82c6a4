"""Sphinx extension: the theme's few icons as one small stylesheet instead of a 1.5 MB script.

pydata-sphinx-theme loads ``fontawesome.js`` (1.5 MB, ~530 KB gzipped) on every page to turn
its dozen ``<i class="fa-solid fa-bars">`` placeholders into SVG. The book's layout template
(``_templates/layout.html``) no longer loads it. Instead, once the pages are written, this
extension collects the icon names the pages (and the theme's own scripts, which add a few
icons at run time) use, takes each icon's outline from the theme's ``fontawesome.js`` (read,
never changed) and writes ``_static/icons.css``: each icon drawn by its ``::before`` as an SVG
mask painted in ``currentColor``, so icons follow the text colour in the light and the dark
theme. The theme's stylesheet still carries Font Awesome's web-font rules; the ``::before``
rules here replace those glyphs.

The theme's stylesheet also draws a few icons from Font Awesome's fonts itself (admonition
titles, links to GitHub, external links in the navigation: ``--pst-icon-*``), which costs a
page with a note on it the 156 KB solid font (and a GitHub link the 118 KB brands font). The
fonts are cut down (fontTools) to those few glyphs, 1-2 KB each, and ``icons.css`` points the
theme's font families at the cut-down files.

The theme's unused ``fontawesome.js`` (and its source map) are removed from the build.
A page that uses an icon the theme's script does not define fails the build (a warning).
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from urllib.parse import quote

from sphinx.util import logging

logger = logging.getLogger(__name__)

STYLESHEET = "icons.css"
# Font Awesome's style classes; the icon's own class (fa-bars) names the outline.
STYLES = {"fa-solid": "fas", "fas": "fas", "fa-regular": "far", "far": "far",
          "fa-brands": "fab", "fab": "fab"}
# Classes that are not icons: styles, sizes and other modifiers.
MODIFIERS = re.compile(
    r"^fa-(solid|regular|brands|classic|sharp|light|thin|duotone|\d*x|[23]?x[sl]|sm|lg|xl|fw|"
    r"ul|li|border|pull-\w+|beat|bounce|fade|beat-fade|flip|shake|spin|spin-reverse|pulse|"
    r"spin-pulse|rotate-\w+|flip-\w+|stack|stack-\dx|inverse)$")
CLASS_ATTRIBUTE = re.compile(r'class="([^"]*\bfa-[^"]*)"')
# In scripts: classList = "fa-solid fa-xmark" and the like.
SCRIPT_CLASSES = re.compile(r'"((?:fa-solid|fa-regular|fa-brands|fas|far|fab) fa-[a-z0-9-]+)"')
# fontawesome.js: name:[width,height,[aliases],"unicode","path"] inside each pack's object,
# followed (later in the file) by the call that registers the pack: d("fas", pack).
ICON = re.compile(r'(?:"([a-z0-9-]+)"|\b([a-z][a-z0-9]*)):\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+",'
                  r'"([^"]+)"\]')
PACK = re.compile(r'\b\w\("(fas|far|fab)",\w+\)')


def icon_outlines(fontawesome_js: str) -> dict[tuple[str, str], tuple[int, int, str]]:
    """(pack, name) -> (width, height, SVG path) for every icon the script defines."""
    packs = [(m.start(), m.group(1)) for m in PACK.finditer(fontawesome_js)]
    outlines = {}
    for found in ICON.finditer(fontawesome_js):
        pack = next((name for start, name in packs if start > found.start()), None)
        if pack is None:
            continue
        name = found.group(1) or found.group(2)
        outlines.setdefault((pack, name), (int(found.group(3)), int(found.group(4)),
                                           found.group(5)))
    return outlines


def icons_in(text: str, script: bool = False) -> set[tuple[str, str]]:
    """The (pack, icon name) pairs a page's class attributes (or a script's strings) use."""
    found = set()
    attributes = SCRIPT_CLASSES.findall(text) if script else CLASS_ATTRIBUTE.findall(text)
    for value in attributes:
        classes = value.split()
        packs = {STYLES[c] for c in classes if c in STYLES}
        names = [c[3:] for c in classes if c.startswith("fa-") and not MODIFIERS.match(c)]
        for name in names:
            found.add((min(packs) if packs else "fas", name))
    return found


def icon_rule(pack: str, name: str, width: int, height: int, path: str) -> str:
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}'>"
           f"<path d='{path}'/></svg>")
    url = "data:image/svg+xml," + quote(svg, safe=" /:=,.-'")
    style = {"fas": ".fa-solid,.fas", "far": ".fa-regular,.far", "fab": ".fa-brands,.fab"}[pack]
    selector = ",".join(f"{s}.fa-{name}::before" for s in style.split(","))
    return f'{selector}{{--tcd-icon:url("{url}");--tcd-icon-width:{width / height:.4g}em}}'


BASE_RULES = """\
/* Icons used by the pages, drawn from the theme's Font Awesome outlines (_ext/icons.py). */
.fa-solid::before,.fas::before,.fa-regular::before,.far::before,.fa-brands::before,.fab::before{
content:"";display:inline-block;width:var(--tcd-icon-width,1em);height:1em;
vertical-align:-.125em;background-color:currentColor;
-webkit-mask:var(--tcd-icon) center/contain no-repeat;mask:var(--tcd-icon) center/contain no-repeat}
/* The theme's mode switch: as large as Font Awesome's script drew it (its box shrank to 0.8em). */
.theme-switch-button .theme-switch.fa-lg::before{width:.8em;height:.8em}
"""


def theme_fontawesome() -> Path:
    import pydata_sphinx_theme

    return (Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" /
            "static" / "scripts" / "fontawesome.js")


# The theme's own icon glyphs: --pst-icon-note:"<a private-use character>" and the like.
THEME_GLYPHS = re.compile(r'--pst-icon-[a-z-]+:"([^"]*)"')
FONTS = [  # (file in the theme's webfonts folder, CSS family, weight)
    ("fa-solid-900.woff2", "Font Awesome 6 Free", 900),
    ("fa-regular-400.woff2", "Font Awesome 6 Free", 400),
    ("fa-brands-400.woff2", "Font Awesome 6 Brands", 400),
]


def theme_glyphs(theme_css: str) -> set[int]:
    """Code points of the icons the theme's stylesheet draws from Font Awesome's fonts."""
    return {ord(c) for value in THEME_GLYPHS.findall(theme_css) for c in value
            if 0xE000 <= ord(c) <= 0xF8FF}


def subset_font(source: Path, codepoints: set[int]) -> bytes | None:
    """The font with only these glyphs (those it has), as WOFF2, or None if it has none."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source)
    wanted = sorted(codepoints & set(font.getBestCmap()))
    if not wanted:
        return None
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = []
    options.name_IDs = []
    options.notdef_outline = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


def write_fonts(outdir: Path) -> str:
    """Cut-down theme fonts into _static/; the @font-face rules that use them."""
    static = outdir / "_static"
    theme_css = static / "styles" / "pydata-sphinx-theme.css"
    webfonts = static / "vendor" / "fontawesome" / "webfonts"
    if not theme_css.exists() or not webfonts.exists():
        return ""
    codepoints = theme_glyphs(theme_css.read_text(encoding="utf-8"))
    rules = []
    for name, family, weight in FONTS:
        data = subset_font(webfonts / name, codepoints) if (webfonts / name).exists() else None
        if data is None:
            continue
        target = static / f"icons-{name}"
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
        rules.append(f'@font-face{{font-display:block;font-family:"{family}";font-style:normal;'
                     f'font-weight:{weight};src:url(icons-{name}) format("woff2")}}')
    return "\n".join(rules) + "\n" if rules else ""


def write_icons(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    start = time.perf_counter()
    outdir = Path(app.outdir)
    used: set[tuple[str, str]] = set()
    for page in outdir.rglob("*.html"):
        used |= icons_in(page.read_text(encoding="utf-8", errors="replace"))
    for script in (outdir / "_static" / "scripts").glob("*.js"):
        if not script.name.startswith("fontawesome"):
            used |= icons_in(script.read_text(encoding="utf-8", errors="replace"), script=True)
    outlines = icon_outlines(theme_fontawesome().read_text(encoding="utf-8"))
    rules = []
    for pack, name in sorted(used):
        if (pack, name) not in outlines:
            logger.warning(f"icon fa-{name} ({pack}) is used but the theme defines no such icon",
                           type="icons")
            continue
        rules.append(icon_rule(pack, name, *outlines[(pack, name)]))
    css = BASE_RULES + "\n".join(rules) + "\n" + write_fonts(outdir)
    target = outdir / "_static" / STYLESHEET
    if not target.exists() or target.read_text(encoding="utf-8") != css:
        target.write_text(css, encoding="utf-8")
    for unused in (outdir / "_static" / "scripts").glob("fontawesome.js*"):
        unused.unlink()
    logger.info(f"icons.css: {len(rules)} icons, fonts cut down, in "
                f"{time.perf_counter() - start:.1f} s")


def setup(app):
    app.add_css_file(STYLESHEET)
    app.connect("build-finished", write_icons, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
