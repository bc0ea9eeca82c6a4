"""``make figures``: every figure of the shared book build, as SVG and PNG, in one archive.

The archive is made once per test run (one xdist worker, the ``figures`` group) from the book
the browser tests share: the notebooks are executed again (scripts/figures.py), so this is
the slowest of the book tests after the build itself.
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from browser_support import ROOT, toc_docnames
from filelock import FileLock
from PIL import Image
from script_support import load_script

pytest_plugins = ["browser_support"]
pytestmark = pytest.mark.xdist_group("figures")

ZIP_BUDGET = 20_000_000  # bytes (about 7 MB today)


sys.path.insert(0, str(ROOT / "scripts"))  # figures.py imports its neighbours
figures = load_script("figures")


@pytest.fixture(scope="session")
def archive(book_html, tmp_path_factory, worker_id) -> Path:
    """The archive of the shared build, made once per run."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    out = shared / "figures"
    with FileLock(str(shared / "figures.lock")):
        if not (out / f"{figures.NAME}.zip").exists():
            _zip, _figures, again = figures.build_archive(book_html, out, jobs=2)
            (out / "executed-again.json").write_text(json.dumps(again))
    return out / f"{figures.NAME}.zip"


@pytest.fixture(scope="session")
def listing(archive) -> dict:
    return json.loads((archive.parent / figures.NAME / "figures.json").read_text("utf-8"))


def numbered_figures(book_html) -> list[tuple[str, str]]:
    """(label, number) of every numbered figure on the built pages, counted independently."""
    found = []
    for doc in toc_docnames():
        html = (book_html / f"{doc}.html").read_text(encoding="utf-8")
        for block in re.findall(r'<figure[^>]*\bid="([^"]+)"[^>]*>(.*?)</figure>', html, re.S):
            number = re.search(r'class="caption-number">Fig\. ([\d.]+)', block[1])
            if number:
                found.append((block[0], number.group(1)))
    return found


def test_the_archive_lists_every_figure_of_the_book(book_html, listing):
    in_book = numbered_figures(book_html)
    assert len(in_book) >= 40  # about 45 today
    assert [(f["label"], f["number"]) for f in listing["figures"]] == in_book


def test_the_archive_is_made_from_the_books_own_execution(archive):
    """The build's execution kept every figure's files (execution_cache.py --figure-files):
    no notebook is executed again for the archive."""
    assert json.loads((archive.parent / "executed-again.json").read_text()) == []


def test_every_figure_is_an_svg_and_a_300_dpi_png_named_by_number_and_label(archive, listing):
    folder = archive.parent / figures.NAME
    for fig in listing["figures"]:
        stem = f"fig-{fig['number']}-{fig['label'].removeprefix('fig-')}"
        assert fig["files"] == [f"{stem}.svg", f"{stem}.png"]
        root = ET.parse(folder / f"{stem}.svg").getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "<dc:date>" not in (folder / f"{stem}.svg").read_text(encoding="utf-8")
        with Image.open(folder / f"{stem}.png") as png:
            assert png.format == "PNG"
            assert [round(d) for d in png.info["dpi"]] == [300, 300]
            assert min(png.size) >= 300  # at least an inch on its short side
        assert fig["caption"] and fig["alt"], stem


def test_the_index_gives_each_figure_its_caption_files_and_licence(archive, listing):
    index = (archive.parent / figures.NAME / "index.html").read_text(encoding="utf-8")
    assert "CC BY 4.0" in index and 'href="LICENSE-CONTENT"' in index
    for fig in listing["figures"]:
        for name in fig["files"]:
            assert f'href="{name}"' in index
        assert f"Fig.&nbsp;{fig['number']}" in index
    assert "CC BY 4.0" in listing["licence"]


def test_the_zip_holds_the_folder_and_is_reproducible(archive, listing, tmp_path):
    assert archive.stat().st_size <= ZIP_BUDGET
    folder = archive.parent / figures.NAME
    with zipfile.ZipFile(archive) as zf:
        names = sorted(zf.namelist())
        assert zf.testzip() is None
    expected = sorted(f"{figures.NAME}/{p.name}" for p in folder.iterdir())
    assert names == expected
    assert {f"{figures.NAME}/{name}" for fig in listing["figures"] for name in fig["files"]} \
        <= set(names)
    again = tmp_path / "again.zip"
    figures.write_zip(folder, again)
    assert again.read_bytes() == archive.read_bytes()


def test_an_svg_keeps_its_bytes_without_its_date():
    svg = "<svg>\n <metadata>\n  <dc:date>2026-12-04T22:59:01</dc:date>\n </metadata></svg>"
    assert figures.deterministic_svg(svg) == "<svg>\n <metadata>\n </metadata></svg>"
