"""The book builds clean with -W, every page exists, and every page is self-contained.

These checks read the built HTML files; tests/test_browser.py checks the same pages in a real
browser. Both share one build per test run (the ``built_book`` fixture in browser_support).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from browser_support import PAGE_BUDGET_BYTES, ROOT, SITE_PAGES, toc_docnames, zh_docnames

pytest_plugins = ["browser_support"]

DOCNAMES = toc_docnames()
# Both editions: the English at the site root, the Chinese (issue 16) under zh/.
EDITIONS = DOCNAMES + zh_docnames()
ZH_SITE_PAGES = [f"zh/{p}" for p in SITE_PAGES]


class _ResourceLinks(HTMLParser):
    """Collects the URLs a page makes the browser load (scripts, styles, images, frames...)."""

    LOADING = {
        "script": ("src",),
        "link": ("href",),
        "img": ("src", "srcset"),
        "iframe": ("src",),
        "source": ("src", "srcset"),
        "video": ("src", "poster"),
        "audio": ("src",),
        "embed": ("src",),
        "object": ("data",),
        "input": ("src",),
    }

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and name in self.LOADING.get(tag, ()):
                self.urls.append((tag, value))
            if name == "style" and value and "url(" in value:
                self.urls.extend(("style", u) for u in re.findall(r"url\(([^)]*)\)", value))


def external(url: str) -> bool:
    url = url.strip().strip("'\"").lower()
    return url.startswith(("http://", "https://", "//"))


def read(book_html, docname: str) -> str:
    return (book_html / f"{docname}.html").read_text(encoding="utf-8")


def test_the_book_builds_with_no_warning(built_book):
    assert built_book.returncode == 0, built_book.failure_report()
    assert built_book.warnings() == [], built_book.failure_report()


@pytest.mark.parametrize("docname", EDITIONS)
def test_every_page_in_the_toc_is_built(book_html, docname):
    assert (book_html / f"{docname}.html").is_file()


def test_the_site_opens_on_the_introduction(book_html):
    index = (book_html / "index.html").read_text(encoding="utf-8")
    assert f"{DOCNAMES[0]}.html" in index


@pytest.mark.parametrize("docname", EDITIONS)
def test_page_html_is_within_budget(book_html, docname):
    size = (book_html / f"{docname}.html").stat().st_size
    assert size <= PAGE_BUDGET_BYTES, f"{docname}.html is {size} bytes"


@pytest.mark.parametrize("docname", EDITIONS + list(SITE_PAGES) + ZH_SITE_PAGES)
def test_page_loads_nothing_from_outside(book_html, docname):
    parser = _ResourceLinks()
    parser.feed(read(book_html, docname))
    assert parser.urls, "no resource at all: is this really a page?"
    assert [(tag, url) for tag, url in parser.urls if external(url)] == []


@pytest.mark.parametrize("docname", EDITIONS)
def test_page_has_no_dead_widget_and_no_thebe(book_html, docname):
    html = read(book_html, docname)
    assert "application/vnd.jupyter.widget-state+json" not in html, "widget state embedded"
    assert "application/vnd.jupyter.widget-view+json" not in html, "widget view rendered"
    # A bare ipywidget falls back to its text repr, e.g. "VBox(children=(...".
    assert not re.search(r"\b[A-Z]\w*\((children|layout)=", html), "widget text repr"
    assert "THEBE_JS_URL" not in html and "x-thebe-config" not in html


@pytest.mark.parametrize("docname", EDITIONS)
def test_page_footer_states_the_licences(book_html, docname):
    html = read(book_html, docname)
    assert "CC&nbsp;BY&nbsp;4.0" in html and ">MIT<" in html
    assert "©" not in html and "&copy;" not in html, "a copyright line nobody wrote"


def test_math_is_written_as_mathml_when_the_book_is_built(book_html):
    """Every formula is MathML in the page (_ext/mathml.py), with its TeX for screen readers,
    and no page loads a math script: math needs no network and no JavaScript."""
    math_pages = [d for d in DOCNAMES if 'class="math' in read(book_html, d)]
    assert math_pages, "no page has math, so nothing shows that math renders offline"
    for docname in math_pages:
        html = read(book_html, docname)
        formulas = re.findall(r'<(?:span|div) class="math notranslate nohighlight"', html)
        written = re.findall(r'<math display="(?:inline|block)" alttext="[^"]+"><semantics>', html)
        assert len(written) == len(formulas) > 0, docname
        assert html.count('<annotation encoding="application/x-tex">') == len(formulas)
        assert not re.search(r"<script[^>]*(mathjax|katex)", html, re.I), docname
        assert "\\(" not in re.sub(r"<annotation.*?</annotation>|alttext=\"[^\"]*\"", "",
                                   html, flags=re.S), f"{docname}: TeX left for a script"


def test_favicon_is_shipped_and_linked(book_html):
    assert (book_html / "_static" / "favicon.svg").is_file()
    for docname in DOCNAMES + list(SITE_PAGES):
        assert 'rel="icon"' in read(book_html, docname)


def test_player_pages_share_one_copy_of_the_module_and_the_stylesheet(book_html):
    """_ext/players.py: each page references the shared files once, and carries no copy."""
    import sys

    sys.path.insert(0, str(ROOT / "_ext"))
    import one_stylesheet

    pages = [d for d in DOCNAMES if 'class="tconv-widget"' in read(book_html, d)]
    assert len(pages) >= 4, pages  # step-by-step, stride-padding, many-names, ...
    for docname in pages:
        html = read(book_html, docname)
        assert 'class="tconv-module"' not in html and 'class="tconv-css"' not in html, docname
        scripts = re.findall(r'<script defer src="([^"]*_static/tconv/player-\w+\.js)"', html)
        # the stylesheet is one of the files of the page's one stylesheet (_ext/one_stylesheet.py)
        [bundle] = re.findall(r'<link rel="stylesheet" href="([^"]*_static/bundle-\w+\.css)"',
                              html)
        folder = bundle.rsplit("/", 1)[0]
        listed = one_stylesheet.bundle_sources((book_html / docname).parent / bundle)
        sheets = [f"{folder}/{name}" for name in listed if re.fullmatch(r"tconv/player-\w+\.css",
                                                                         name)]
        assert len(scripts) == 1 and len(sheets) == 1, (docname, scripts, sheets)
        for src in scripts + sheets:
            assert (book_html / docname).parent.joinpath(src).resolve().is_file(), src
        sha = re.search(r"player-(\w+)\.js", scripts[0])[1]
        # every player on the page runs that module (an error box, also a tconv-widget, runs none)
        assert html.count(f'data-tconv-module="{sha}"') == html.count('data-tconv-module="') >= 1
