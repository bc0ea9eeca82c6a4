"""_ext/one_stylesheet.py: each page links one bundle of the stylesheets it linked."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
import one_stylesheet as one  # noqa: E402

# --- url() rebased, and nothing else touched -----------------------------------------------


def test_relative_urls_are_rebased_to_the_static_folder():
    css = ('a{background:url(x.png)}\nb{src:url("../f.woff2") format("woff2"),'
           "URL( 'g h.svg' )}\n@media print{d{e:url( \"y.svg\" )}}")
    assert one.rebase_urls(css, "styles") == (
        'a{background:url(styles/x.png)}\nb{src:url("f.woff2") format("woff2"),'
        "URL( 'styles/g h.svg' )}\n@media print{d{e:url( \"styles/y.svg\" )}}")


@pytest.mark.parametrize("kept", [
    "a{b:url(data:image/svg+xml;charset=utf-8,%3Csvg%3E)}",
    "a{b:url(#marker)}", "a{b:url(/rooted.png)}", "a{b:url(https://example.org/x.png)}",
    "/* url(commented.png) */ a{content:\"url(in-a-string.png)\"}",
    "a{b:c}",  # nothing to rebase
    # what a tokenizer round trip would have rewritten: escapes, odd spacing, n+4
    'a:nth-child(n+4){content:"\\f107";font-family:Font Awesome\\ 6 Free}',
])
def test_what_is_not_a_relative_url_is_left_byte_for_byte(kept):
    assert one.rebase_urls(kept, "styles") == kept


def test_a_file_in_the_static_folder_itself_is_not_rewritten():
    assert one.rebase_urls("a{b:url(x.png)}", "") == "a{b:url(x.png)}"


# --- the bundle's text -----------------------------------------------------------------------


def static_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    static = tmp_path / "_static"
    for name, text in files.items():
        (static / name).parent.mkdir(parents=True, exist_ok=True)
        (static / name).write_text(text, encoding="utf-8")
    return static


def test_the_bundle_joins_the_files_in_order_and_lists_them_on_its_first_line(tmp_path):
    static = static_folder(tmp_path, {
        "basic.css": "p{margin:0}",
        "styles/theme.css": '@charset "UTF-8";\na{b:url(f.woff2)}\n/*# sourceMappingURL=t.map*/',
        "book.css": "p{margin:1px}"})
    text = one.bundle_text(static, ["basic.css", "styles/theme.css", "book.css"])
    first, rest = text.split("\n", 1)
    assert first.startswith('@charset "UTF-8";')  # the one place an encoding may be declared
    assert "@charset" not in rest and "sourceMappingURL" not in rest
    assert rest.index("p{margin:0}") < rest.index("url(styles/f.woff2)") < rest.index("1px")
    (static / "bundle-x.css").write_text(text, encoding="utf-8")
    assert one.bundle_sources(static / "bundle-x.css") == [
        "basic.css", "styles/theme.css", "book.css"]
    assert one.bundle_name(text) != one.bundle_name(text + " ")  # named by its content


@pytest.mark.parametrize("text", ['@import url("more.css");', '@charset "latin1";'])
def test_a_file_a_bundle_cannot_keep_is_refused_by_name(tmp_path, text):
    static = static_folder(tmp_path, {"odd.css": text})
    with pytest.raises(ValueError, match="odd.css"):
        one.bundle_text(static, ["odd.css"])


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="gone.css"):
        one.bundle_text(static_folder(tmp_path, {}), ["gone.css"])


@pytest.mark.parametrize("orders", [
    [["a", "b", "d"], ["a", "c", "d"], ["b", "x"]],
    [["basic", "theme", "copy", "book"], ["basic", "theme", "toggle", "copy", "book", "player"],
     ["basic", "theme", "book"]],
    [["z"], ["y", "z"], ["x", "y"]],
])
def test_merged_holds_every_name_once_in_each_pages_order(orders):
    union = one.merged(orders)
    assert sorted(union) == sorted({name for order in orders for name in order})
    for order in orders:
        assert [name for name in union if name in order] == order


def test_merged_refuses_pages_in_different_orders():
    assert one.merged([["a"], []]) == ["a"]
    with pytest.raises(ValueError, match="different orders"):
        one.merged([["a", "b"], ["b", "a"]])


# --- a whole (fake) build ----------------------------------------------------------------------


def page(*hrefs: str, body: str = "") -> str:
    links = "".join(f'<link rel="stylesheet" type="text/css" href="{h}" />\n' for h in hrefs)
    return (f"<html><head><title>t</title>\n{links}<link rel=\"icon\" href=\"../_static/i.svg\">"
            f"</head><body>{body}<p>text</p></body></html>")


class FakeBuild:
    """The parts of a Sphinx app the extension reads, over files in a temporary folder."""

    def __init__(self, tmp_path: Path):
        self.outdir = tmp_path / "html"
        self.doctreedir = tmp_path / "doctrees"
        self.static = static_folder(self.outdir, {
            "basic.css": "p{margin:0}", "styles/theme.css": "a{b:url(f.woff2)}",
            "copybutton.css": ".copybtn{c:d}", "book.css": "p{margin:1px}",
            "tconv/player-1.css": ".tconv-widget{e:f}", "print.css": "@media print{p{g:h}}"})
        self.app = SimpleNamespace(
            outdir=str(self.outdir), doctreedir=str(self.doctreedir),
            env=SimpleNamespace(all_docs={"intro": 0, "chapters/a": 0}),
            builder=SimpleNamespace(format="html", get_target_uri=lambda name: f"{name}.html",
                                    globalcontext={}))

    def write(self, name: str, text: str) -> None:
        path = self.outdir / f"{name}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def read(self, name: str) -> str:
        return (self.outdir / f"{name}.html").read_text(encoding="utf-8")

    def run(self) -> None:
        one.bundle_stylesheets(self.app, None)

    def bundles(self) -> list[str]:
        return sorted(p.name for p in self.static.glob("bundle-*.css"))


def stylesheets(text: str) -> list[str]:
    return [m.group(0) for m in one.LINK.finditer(text) if "stylesheet" in m.group(0)]


def chapter(player: bool = True) -> str:
    body = '<link rel="stylesheet" href="../_static/tconv/player-1.css">' if player else ""
    return page("../_static/basic.css?digest=1", "../_static/styles/theme.css",
                "../_static/copybutton.css?v=2", "../_static/book.css",
                '../_static/print.css" media="print', body=body)


@pytest.fixture
def build(tmp_path) -> FakeBuild:
    made = FakeBuild(tmp_path)
    made.write("intro", page("_static/basic.css", "_static/styles/theme.css",
                             "_static/book.css", "https://example.org/font.css"))
    made.write("chapters/a", chapter())
    made.write("search", page("_static/basic.css", "_static/styles/theme.css",
                              "_static/book.css"))
    return made


def test_every_page_links_one_bundle_where_its_first_stylesheet_was(build):
    build.run()
    [name] = build.bundles()
    a = build.read("chapters/a")
    assert stylesheets(a) == [f'<link rel="stylesheet" href="../_static/{name}">\n',
                              '<link rel="stylesheet" type="text/css" '
                              'href="../_static/print.css" media="print" />\n']
    assert a.index(name) < a.index("</head>") and "player-1.css" not in a  # moved to the head
    intro = build.read("intro")
    assert f'href="_static/{name}"' in intro and "https://example.org/font.css" in intro
    assert f'href="_static/{name}"' in build.read("search")
    # the union of the pages' stylesheets, in their order (print.css has a media: not bundled)
    assert one.bundle_sources(build.static / name) == [
        "basic.css", "styles/theme.css", "copybutton.css", "book.css", "tconv/player-1.css"]


def test_a_second_run_changes_nothing(build):
    build.run()
    before = {n: build.read(n) for n in ("intro", "chapters/a", "search")}
    bundles = build.bundles()
    build.run()
    assert {n: build.read(n) for n in before} == before and build.bundles() == bundles


def test_a_changed_stylesheet_makes_a_new_bundle_that_pages_not_rebuilt_link(build):
    build.run()
    [old] = build.bundles()
    (build.static / "book.css").write_text("p{margin:2px}", encoding="utf-8")
    build.run()  # the pages are not written again, as in an incremental build
    [new] = build.bundles()
    assert new != old and "2px" in (build.static / new).read_text(encoding="utf-8")
    assert new in build.read("intro") and new in build.read("chapters/a")


def test_with_no_page_out_of_date_the_books_own_stylesheets_are_copied_first(build):
    """Sphinx copies no static file when no page was written (no ``globalcontext``): the
    extension asks for the book's own (html_static_path), so an edited book.css arrives."""
    build.run()
    copied = []

    def copy_html_static_files(context):
        copied.append(context)
        (build.static / "book.css").write_text("p{margin:3px}", encoding="utf-8")

    build.app.builder = SimpleNamespace(format="html", get_target_uri=lambda n: f"{n}.html",
                                        copy_html_static_files=copy_html_static_files)
    build.run()
    [name] = build.bundles()
    assert copied == [None] and "3px" in (build.static / name).read_text(encoding="utf-8")


def test_the_bundle_loses_a_stylesheet_no_page_links_any_more(build):
    build.run()
    # Sphinx writes the chapter again, now without the copy button; intro stays as it is
    build.write("chapters/a", chapter().replace('"../_static/copybutton.css?v=2"',
                                                '"../_static/book.css"'))
    build.run()
    [name] = build.bundles()
    assert "copybutton.css" not in one.bundle_sources(build.static / name)
    assert name in build.read("intro")


def test_a_page_linking_a_bundle_nobody_can_read_back_is_a_clear_error(build):
    build.run()
    for bundle in build.static.glob("bundle-*.css"):
        bundle.unlink()
    for record in build.doctreedir.rglob("*.txt"):
        record.unlink()
    with pytest.raises(RuntimeError, match="build again"):
        build.run()


def test_pages_in_different_orders_are_refused(build):
    build.write("search", page("_static/book.css", "_static/basic.css"))
    with pytest.raises(ValueError, match="different orders"):
        build.run()
