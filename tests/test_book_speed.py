"""Every page of the built site opens fast on a phone (issue 20): budgets, checked per page.

Each check loops over every HTML page the build wrote (a ``zh/`` edition included, the root's
redirect excepted), so a page added later is held to the same bar. From the HTML and the
files: no script blocks rendering from the ``<head>``; a meta description and Open Graph tags;
math written as MathML with its TeX, and no math script; every image with its size; the
theme's icon script gone and every icon drawn by ``_static/icons.css``; search scripts only on
the search page; a ``.gz`` (and ``.br``) copy that decompresses to each text file. In Chromium
at phone size (390 x 844), with the site served from those copies as a static host serves it:
the bytes of a first view (the HTML and everything it loads before the network goes quiet),
of which JavaScript (files and inline code), against the budgets; images below the first
screen load lazily, and none in it does.

The budgets are the issue's: 400 KB per first view, of which 150 KB JavaScript, gzip.
"""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser_support import serve_book_module, toc_docnames

pytest_plugins = ["browser_support"]

FIRST_VIEW_BUDGET = 400_000  # bytes transferred (gzip) for a page's first view
JS_BUDGET = 150_000  # of which JavaScript: script files as transferred, inline code gzipped
PHONE = {"width": 390, "height": 844}
SKIP_FOLDERS = {"_static", "_sources", "_images", "_downloads", "reports"}
TEXT_SUFFIXES = {".html", ".css", ".js", ".svg", ".json", ".txt", ".xml"}
MATH_SCRIPTS = re.compile(r"mathjax|katex|tex-chtml|tex-svg|tex-mml", re.I)
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\(frac|lfloor|rfloor|mathrm|cdot|begin)\b")


# --- the pages -----------------------------------------------------------------------------


def site_pages(html: Path) -> list[str]:
    """Every page of the site, as a path without .html, the root's redirect excepted."""
    pages = []
    for path in sorted(html.rglob("*.html")):
        relative = path.relative_to(html)
        if SKIP_FOLDERS & set(relative.parts):
            continue
        if 'http-equiv="refresh"' in path.read_text(encoding="utf-8")[:2000]:
            continue
        pages.append(relative.with_suffix("").as_posix())
    return pages


@pytest.fixture(scope="module")
def pages(book_html) -> list[str]:
    found = site_pages(book_html)
    assert found, "no page found in the build"
    return found


def read(book_html: Path, page: str) -> str:
    return (book_html / f"{page}.html").read_text(encoding="utf-8")


class _Page(HTMLParser):
    """What a page's HTML asks for: scripts (where, how), images, meta tags, math."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_head = False
        self.head_scripts: list[dict] = []
        self.scripts: list[dict] = []
        self.inline_code: list[str] = []
        self.images: list[dict] = []
        self.stylesheets: list[tuple[str, bool]] = []  # (href, in the head)
        self.meta: dict[str, str] = {}
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: (value or "") for name, value in attrs}
        if tag == "head":
            self.in_head = True
        elif tag == "body":
            self.in_head = False
        elif tag == "script":
            self._script = attributes
            self.scripts.append(attributes)
            if self.in_head:
                self.head_scripts.append(attributes)
        elif tag == "img":
            self.images.append(attributes)
        elif tag == "link" and attributes.get("rel") == "stylesheet" and \
                attributes.get("media", "all") == "all":
            self.stylesheets.append((attributes.get("href", ""), self.in_head))
        elif tag == "meta":
            key = attributes.get("name") or attributes.get("property")
            if key:
                self.meta[key] = attributes.get("content", "")

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False
        elif tag == "script":
            self._script = None

    def handle_data(self, data):
        script = self._script
        if script is not None and "src" not in script and \
                script.get("type", "text/javascript") in ("text/javascript", "module", ""):
            self.inline_code.append(data)


def parse(html: str) -> _Page:
    parser = _Page()
    parser.feed(html)
    return parser


def blocking(script: dict) -> bool:
    """A <script src> in the head that stops the parser: not deferred, async or a module."""
    return "src" in script and not ({"defer", "async"} & set(script)) and \
        script.get("type") != "module"


def test_every_page_in_the_toc_is_among_the_measured_pages(pages):
    assert set(toc_docnames()) <= set(pages)
    assert "search" in pages


def test_the_blocking_script_check_can_fail():
    page = parse('<html><head><script src="a.js"></script><script defer src="b.js"></script>'
                 '<script>let inline = 1;</script></head><body></body></html>')
    assert [s["src"] for s in page.head_scripts if blocking(s)] == ["a.js"]
    assert page.inline_code == ["let inline = 1;"]


# --- from the HTML and the files -----------------------------------------------------------


def test_no_page_has_a_render_blocking_script_in_its_head(book_html, pages):
    found = {page: [s["src"] for s in parse(read(book_html, page)).head_scripts if blocking(s)]
             for page in pages}
    assert {page: srcs for page, srcs in found.items() if srcs} == {}


def test_no_page_stops_its_parser_for_a_script_file_anywhere(book_html, pages):
    """Nor in the body: the players' shared module, a plain <script src> at the first player,
    held up the paint of everything after it (Lighthouse counted ~0.6 s on each chapter)."""
    found = {page: [s["src"] for s in parse(read(book_html, page)).scripts if blocking(s)]
             for page in pages}
    assert {page: srcs for page, srcs in found.items() if srcs} == {}


def test_every_page_has_a_meta_description_and_open_graph_tags(book_html, pages):
    problems = []
    card = book_html / "_static" / "social-card.png"
    assert card.is_file() and card.stat().st_size > 10_000, "the social card was not drawn"
    for page in pages:
        meta = parse(read(book_html, page)).meta
        description = meta.get("description", "").strip()
        if len(description) < 50:
            problems.append(f"{page}: meta description {description!r}")
        for tag in ("og:title", "og:description", "og:image", "og:image:alt", "og:site_name"):
            if not meta.get(tag, "").strip():
                problems.append(f"{page}: no {tag}")
        image = meta.get("og:image", "")
        # each edition has its own card (the Chinese one, under zh/, has the Chinese title)
        own_card = book_html / "zh" / "_static" / "social-card.png" if page.startswith("zh/") \
            else card
        if image and "://" not in image:  # relative until the site's address is configured
            target = (book_html / page).parent / image
            if target.resolve() != own_card.resolve() or not own_card.is_file():
                problems.append(f"{page}: og:image {image!r} is not the card")
    assert problems == []


HREFLANG = re.compile(r'<link[^>]*\bhreflang="[^"]*"[^>]*>')


def test_an_alternate_language_link_is_a_full_url_or_absent(book_html, pages):
    """``<link rel="alternate" hreflang>`` must name a full URL (Lighthouse's SEO audit, and
    search engines, reject a relative one: SEO 90 on every page when it was relative). The
    book has no address configured, so no page has one; the header's link remains."""
    found = {page: HREFLANG.findall(read(book_html, page)) for page in pages}
    relative = {page: links for page, links in found.items()
                if any("://" not in link for link in links)}
    assert relative == {}
    assert all("tcd-edition-link" in read(book_html, page) for page in pages)


def test_the_alternate_language_link_names_the_other_edition_by_full_url():
    import sys
    from types import SimpleNamespace

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
    from translation import absolute_url

    def app(site):
        return SimpleNamespace(config=SimpleNamespace(ogp_site_url=site))

    site = "https://example.org/tconv"
    assert absolute_url(app(""), "en", "zh_CN", "intro") is None
    assert absolute_url(app(site), "en", "zh_CN", "chapters/step-by-step") == \
        "https://example.org/tconv/zh/chapters/step-by-step.html"
    assert absolute_url(app(site + "/"), "zh_CN", "en", "intro") == \
        "https://example.org/tconv/intro.html"
    assert absolute_url(app(site + "/zh/"), "zh_CN", "en", "intro") == \
        "https://example.org/tconv/intro.html"


def test_math_is_mathml_written_at_build_time_and_no_page_loads_a_math_script(book_html, pages):
    math_pages, problems = [], []
    for page in pages:
        html = read(book_html, page)
        parsed = parse(html)
        for script in parsed.scripts:
            if MATH_SCRIPTS.search(script.get("src", "")):
                problems.append(f"{page}: loads {script['src']}")
        if any(MATH_SCRIPTS.search(code) and "MathJax" in code for code in parsed.inline_code):
            problems.append(f"{page}: configures MathJax inline")
        formulas = re.findall(r'<(span|div) class="math notranslate nohighlight"[^>]*>(.*?)</\1>',
                              html, re.S)
        if formulas:
            math_pages.append(page)
        for _, inner in formulas:
            if not re.search(r'<math display="(inline|block)" alttext="[^"]+">', inner) or \
                    '<annotation encoding="application/x-tex">' not in inner:
                problems.append(f"{page}: a formula not written as MathML with its TeX: "
                                f"{inner[:120]!r}")
    assert math_pages, "no page has math: nothing shows the MathML renderer works"
    assert problems == []


def test_every_image_has_its_width_and_height(book_html, pages):
    problems = []
    for page in pages:
        for image in parse(read(book_html, page)).images:
            if not (image.get("width") and image.get("height")):
                problems.append(f"{page}: <img src={image.get('src', '')[:60]!r}> has no size")
    assert problems == []


def test_the_icon_script_is_gone_and_every_icon_is_drawn(book_html, pages):
    assert not (book_html / "_static" / "scripts" / "fontawesome.js").exists()
    icons = (book_html / "_static" / "icons.css").read_text(encoding="utf-8")
    drawn = set(re.findall(r"\.fa-([a-z0-9-]+)::before\{--tcd-icon", icons))
    modifiers = {"solid", "regular", "brands", "lg", "fw", "sm", "xs", "xl"}
    problems = []
    for page in pages:
        html = read(book_html, page)
        if "fontawesome" in html:
            problems.append(f"{page}: still mentions fontawesome")
        for classes in re.findall(r'class="([^"]*\bfa-[^"]*)"', html):
            for name in re.findall(r"\bfa-([a-z0-9-]+)", classes):
                if name not in modifiers and name not in drawn:
                    problems.append(f"{page}: icon fa-{name} has no rule in icons.css")
    assert problems == []


def test_every_page_links_one_stylesheet_in_its_head(book_html, pages):
    """_ext/one_stylesheet.py: one request before the first paint instead of 13-14, the same
    file for every page of an edition; it is made of every file it lists, in that order."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
    import one_stylesheet

    bundles = {}
    for page in pages:
        sheets = parse(read(book_html, page)).stylesheets
        assert len(sheets) == 1 and sheets[0][1], (page, sheets)
        path = ((book_html / page).parent / sheets[0][0]).resolve()
        assert re.fullmatch(r"bundle-[0-9a-f]{16}\.css", path.name) and path.is_file(), page
        bundles.setdefault(path.parent, set()).add(path)
    assert {folder.relative_to(book_html).as_posix() for folder in bundles} >= {"_static"}
    for folder, found in bundles.items():
        assert len(found) == 1, found  # an edition's pages share one
        bundle = found.pop()
        text = bundle.read_text(encoding="utf-8")
        assert text.startswith('@charset "UTF-8";'), folder  # the one place it may be said
        listed = one_stylesheet.bundle_sources(bundle)
        for name in ("basic.css", "styles/pydata-sphinx-theme.css", "icons.css", "book.css",
                     "a11y.css", "print.css"):
            assert name in listed, (folder, name)
        assert any(re.fullmatch(r"tconv/player-\w+\.css", name) for name in listed)
        places = [text.find(f"/* --- {name} --- */") for name in listed]
        assert -1 not in places and places == sorted(places), (folder, listed)
        for name in listed:  # each file's last rule is in it (a url() may have been rebased)
            tail = (folder / name).read_text(encoding="utf-8").rstrip()
            tail = one_stylesheet.SOURCE_MAP.sub("", tail).rstrip()[-60:]
            assert "url(" in tail or tail in text, (folder, name)


def test_search_scripts_load_only_on_the_search_page(book_html, pages):
    search_files = ("searchtools.js", "language_data.js", "searchindex.js")
    for page in pages:
        sources = [s.get("src", "") for s in parse(read(book_html, page)).scripts]
        loaded = [name for name in search_files if any(name in src for src in sources)]
        if Path(page).name == "search":
            assert loaded == list(search_files), page
        else:
            assert loaded == [], page


def test_every_text_file_has_compressed_copies_with_the_same_content(book_html):
    brotli = pytest.importorskip("brotli", reason="brotli is not installed (requirements.txt)")
    files = [p for p in book_html.rglob("*") if p.suffix in TEXT_SUFFIXES and p.is_file()
             and p.stat().st_size >= 256 and "_sources" not in p.relative_to(book_html).parts]
    assert len(files) > 20
    problems = []
    for path in files:
        data = path.read_bytes()
        gz, br = path.with_name(path.name + ".gz"), path.with_name(path.name + ".br")
        if not gz.is_file() or gzip.decompress(gz.read_bytes()) != data:
            problems.append(f"{path.relative_to(book_html)}.gz missing or stale")
        if not br.is_file() or brotli.decompress(br.read_bytes()) != data:
            problems.append(f"{path.relative_to(book_html)}.br missing or stale")
    assert problems == []


# --- in Chromium, at phone size ----------------------------------------------------------------


def first_view(browser, url: str, then=None) -> dict:
    """Open the page at phone size; what it transferred, by kind, and where its images are.

    ``then(page)``, if given, looks further at the open page; what it returns is ``"then"``.
    """
    context = browser.new_context(viewport=PHONE, device_scale_factor=1.75, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        page.goto(url, wait_until="networkidle")
        page.wait_for_timeout(300)
        record = {"total": 0, "script": 0, "stylesheets": 0, "files": [], "uncompressed": []}
        for response in responses:
            if response.status >= 300:
                continue
            sizes = response.request.sizes()
            size = sizes.get("responseBodySize") or int(response.headers.get("content-length", 0))
            kind = response.request.resource_type
            record["total"] += size
            record["files"].append((size, kind, response.url))
            if kind == "script":
                record["script"] += size
            if kind == "stylesheet":
                record["stylesheets"] += 1
            content_type = response.headers.get("content-type", "")
            if content_type.startswith(("text/", "application/javascript", "image/svg")) and \
                    response.headers.get("content-encoding") != "gzip" and size > 256:
                record["uncompressed"].append(response.url)
        inline = page.evaluate(
            "() => [...document.scripts].filter(s => !s.src && (!s.type || "
            "s.type === 'text/javascript' || s.type === 'module')).map(s => s.text).join('\\n')")
        record["inline_js"] = len(gzip.compress(inline.encode(), compresslevel=9, mtime=0))
        record["images"] = page.evaluate(
            """() => [...document.images].map(img => {
                const box = img.getBoundingClientRect();
                return {src: img.currentSrc.slice(0, 80), loading: img.loading,
                        top: box.top + window.scrollY, shown: img.getClientRects().length > 0};
            })""")
        record["then"] = then(page) if then else None
        return record
    finally:
        context.close()


def describe(view: dict) -> str:
    heaviest = sorted(view["files"], reverse=True)[:6]
    return "; ".join(f"{size} B {kind} {url.rsplit('/', 1)[-1][:40]}"
                     for size, kind, url in heaviest)


def first_view_problems(page: str, view: dict) -> list[str]:
    """Budgets, compression and lazy images of one first view."""
    problems = []
    js = view["script"] + view["inline_js"]
    if view["total"] > FIRST_VIEW_BUDGET:
        problems.append(f"{page}: first view {view['total']} B > {FIRST_VIEW_BUDGET} "
                        f"({describe(view)})")
    if js > JS_BUDGET:
        problems.append(f"{page}: JavaScript {js} B > {JS_BUDGET} (files {view['script']}, "
                        f"inline {view['inline_js']})")
    problems += [f"{page}: {url} sent uncompressed" for url in view["uncompressed"]]
    if view["stylesheets"] != 1:  # each one a request before the first paint
        problems.append(f"{page}: {view['stylesheets']} stylesheets fetched, not one")
    for image in view["images"]:
        if not image["shown"] or image["src"].startswith("data:"):
            continue  # hidden player frames and inline pictures: nothing to fetch
        below = image["top"] >= PHONE["height"]
        # Well inside the first screen (its top in the upper three quarters): it may be the
        # largest paint, which a lazy image delays. Between the two, either is fine.
        inside = image["top"] < 0.75 * PHONE["height"]
        if below and image["loading"] != "lazy":
            problems.append(f"{page}: {image['src']} at {image['top']:.0f}px loads eagerly")
        if inside and image["loading"] == "lazy":
            problems.append(f"{page}: {image['src']} at {image['top']:.0f}px is in the first "
                            "screen but lazy (it delays the largest paint)")
    return problems


SMALL_PHONE = {"width": 360, "height": 740}  # a small Android phone


@pytest.fixture(scope="session")  # a module's fixture ends when the worker runs another module
def phone_visits(browser, book_server, book_html) -> dict[str, dict]:
    """Each page opened once at phone size, cold, for three checks: its first view, its
    formulas (light theme), its titles' "#" links and, narrowed to a small phone, whether it
    scrolls sideways and its titles' links again."""

    def look(page) -> dict:
        seen = {"math": page.evaluate(MATH_PROBE), "alone": page.evaluate(LINK_ALONE)}
        page.set_viewport_size(SMALL_PHONE)
        page.wait_for_timeout(100)
        seen["sideways"] = page.evaluate(SIDEWAYS)
        seen["alone"] += page.evaluate(LINK_ALONE)
        return seen

    return {name: first_view(browser, f"{book_server}{name}.html", then=look)
            for name in site_pages(book_html)}


@pytest.mark.xdist_group("phone-visits")  # one visit per page, on one worker
def test_first_view_of_every_page_at_phone_size(phone_visits):
    """Bytes and JavaScript within budget, all text compressed, images lazy below the fold."""
    problems, totals = [], {}
    for page, view in phone_visits.items():
        totals[page] = (view["total"], view["script"] + view["inline_js"])
        problems += first_view_problems(page, view)
    print("first view (bytes, JS bytes):", totals)
    assert problems == []


def test_the_first_view_check_can_fail(browser, tmp_path):
    """A page with a 300 KB script in its head, two stylesheets and an eager image far down
    is caught."""
    import random

    from PIL import Image

    rng = random.Random(0)
    (tmp_path / "big.js").write_text("".join(rng.choice("0123456789abcdef")
                                             for _ in range(600_000)))
    Image.new("RGB", (1, 1)).save(tmp_path / "dot.png")
    for name in ("a.css", "b.css"):
        (tmp_path / name).write_text("p { margin: 0 }")
    (tmp_path / "page.html").write_text(
        '<!DOCTYPE html><html><head><script src="big.js"></script>'
        '<link rel="stylesheet" href="a.css"><link rel="stylesheet" href="b.css"></head><body>'
        '<div style="height:3000px"></div><img src="dot.png" alt="dot" width="1" height="1">'
        "</body></html>")
    with serve_book_module().BackgroundServer(tmp_path, compress_missing=True,
                                              codings=("gzip",)) as url:
        view = first_view(browser, f"{url}page.html")
    assert parse((tmp_path / "page.html").read_text()).head_scripts[0]["src"] == "big.js"
    problems = first_view_problems("planted", view)
    assert any("JavaScript" in p for p in problems), problems
    assert any("loads eagerly" in p for p in problems), problems
    assert "planted: 2 stylesheets fetched, not one" in problems


SIDEWAYS = """() => {
    const width = document.documentElement.clientWidth, found = [];
    for (const el of document.querySelectorAll("body *")) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.right <= width + 1) continue;
        let up = el.parentElement, clipped = false;  // inside a box that scrolls or clips: fine
        for (; up && !clipped; up = up.parentElement) {
            clipped = ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(up).overflowX);
        }
        if (!clipped && getComputedStyle(el).position !== "fixed") {
            found.push(`${el.tagName.toLowerCase()}.${String(el.className).split(" ")[0]} ` +
                       `"${el.textContent.trim().slice(0, 40)}" to ${Math.round(box.right)}px`);
        }
    }
    return {scroll: document.documentElement.scrollWidth, width, found: found.slice(0, 5)};
}"""


@pytest.mark.xdist_group("phone-visits")  # one visit per page, on one worker
def test_no_page_scrolls_sideways_on_a_small_phone(phone_visits):
    """At 360 px (a small Android phone) no page is wider than the screen: long code, tables
    and formulas scroll or wrap inside their own boxes (the stride-padding chapter was 404 px
    wide at 375 px, from one long inline call)."""
    wide = {name: visit["then"]["sideways"] for name, visit in phone_visits.items()
            if visit["then"]["sideways"]["scroll"] > visit["then"]["sideways"]["width"]}
    assert all(v["then"]["sideways"]["width"] == SMALL_PHONE["width"]
               for v in phone_visits.values())
    assert wide == {}


# A title's (heading's, glossary term's) "#" link on a line of its own: hidden until hovered,
# it shows as an empty line under the title (zh/glossary at 390 px, 25 titles in 14 pages).
LINK_ALONE = """() => {
    const alone = [];
    for (const link of document.querySelectorAll("a.headerlink")) {
        const title = link.parentElement, box = link.getBoundingClientRect();
        if (!box.height || !title.matches("h1, h2, h3, h4, h5, h6, dt")) continue;
        const before = document.createRange();
        before.setStart(title, 0);
        before.setEndBefore(link);
        const lines = [...before.getClientRects()].filter(r => r.width > 0);
        if (lines.length && box.top >= lines[lines.length - 1].bottom - 2) {
            alone.push(`${window.innerWidth}px: ${title.textContent.slice(0, 40)}`);
        }
    }
    return alone;
}"""


def test_no_title_ends_in_an_empty_line_on_a_phone(phone_visits):
    """At 390 and 360 px the hidden "#" after a heading or a glossary term stays on the
    title's last line (_static/book.css takes it out of the flow)."""
    alone = {name: visit["then"]["alone"] for name, visit in phone_visits.items()
             if visit["then"]["alone"]}
    assert alone == {}


def test_the_title_link_check_can_fail(browser):
    page = browser.new_page(viewport=SMALL_PHONE)
    try:
        page.set_content('<h2 style="font-size:20px">A title<a class="headerlink" href="#t" '
                         'style="display:block;visibility:hidden">#</a></h2>'
                         '<dl><dt>A term<a class="headerlink" href="#u">#</a></dt></dl>')
        assert page.evaluate(LINK_ALONE) == ["360px: A title#"]
    finally:
        page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_colour_theme_is_resolved_in_the_head(browser, book_server, pages, scheme):
    """data-theme is "light"/"dark" from the page's head, not "auto" until a deferred script.

    The theme's rules differ between "auto" and a resolved theme (code's box), so a page whose
    theme resolves in its deferred script re-wraps its text after the first paint (glossary:
    CLS 0.059 in Lighthouse before the fix). The deferred scripts are blocked here, so only
    what the head does counts.
    """
    context = browser.new_context(viewport=PHONE, color_scheme=scheme)
    context.route("**/*.js*", lambda route: route.abort())
    try:
        seen, page = {}, context.new_page()
        for name in pages:
            page.goto(f"{book_server}{name}.html", wait_until="domcontentloaded")
            seen[name] = page.evaluate("document.documentElement.dataset.theme")
    finally:
        context.close()
    assert {name: theme for name, theme in seen.items() if theme != scheme} == {}


MATH_PROBE = """() => {
    const shown = [...document.querySelectorAll('.math')]
        .filter(el => el.getClientRects().length);
    const bad = shown.filter(el => {
        const m = el.querySelector('math');
        if (!m) return true;
        const box = m.getBoundingClientRect();
        return !getComputedStyle(m).display.includes('math')
            || box.width <= 0 || box.height <= 0;
    }).map(el => el.outerHTML.slice(0, 120));
    const fractions = [...document.querySelectorAll('mfrac')]
        .filter(f => f.getClientRects().length)
        .map(f => f.getBoundingClientRect().height
                  / f.children[0].getBoundingClientRect().height);
    // The text a reader sees, code excepted (code may well hold TeX).
    const text = [...document.querySelectorAll(
            'main :is(p, li, td, th, dd, dt, figcaption, h1, h2, h3, h4)')]
        .filter(el => !el.closest('pre, .highlight'))
        .map(el => el.innerText).join('\\n');
    return {shown: shown.length, bad, fractions, text};
}"""


def math_problems(name: str, found: dict) -> list[str]:
    """What is wrong with a page's formulas as the browser laid them out."""
    problems = []
    if found["shown"] == 0:
        problems.append(f"{name}: no formula shown")
    if found["bad"]:
        problems.append(f"{name}: formulas not laid out as MathML: {found['bad']}")
    # A fraction stacks its numerator over its denominator: about twice as tall.
    if not all(ratio > 1.6 for ratio in found["fractions"]):
        problems.append(f"{name}: a fraction is flat: {found['fractions']}")
    leftover = RAW_TEX.findall(found["text"])
    if leftover:
        problems.append(f"{name}: TeX shown as text: {leftover[:5]}")
    return problems


def math_pages(book_html, pages) -> list[str]:
    return [p for p in pages if 'class="math notranslate' in read(book_html, p)]


@pytest.mark.xdist_group("phone-visits")  # one visit per page, on one worker
def test_mathml_is_laid_out_by_the_browser_and_no_tex_shows_light(book_html, pages,
                                                                   phone_visits):
    names = math_pages(book_html, pages)
    assert len(names) >= 8
    problems = [problem for name in names
                for problem in math_problems(name, phone_visits[name]["then"]["math"])]
    assert problems == []


def test_mathml_is_laid_out_by_the_browser_and_no_tex_shows_dark(browser, book_server,
                                                                  book_html, pages):
    context = browser.new_context(viewport=PHONE, color_scheme="dark")
    problems = []
    try:
        page = context.new_page()
        for name in math_pages(book_html, pages):
            page.goto(f"{book_server}{name}.html", wait_until="networkidle")
            problems += math_problems(name, page.evaluate(MATH_PROBE))
    finally:
        context.close()
    assert problems == []
