"""Every figure of the book as SVG and PNG (300 dpi), with an index, in one zip (``make figures``).

The figures are the outputs of the code cells whose metadata names one
(``mystnb: figure: {name, caption}``). The book's one execution keeps each figure's files in
the execution cache when asked (``scripts/execution_cache.py --run --figure-files 300``, which
``make figures`` and ``make test`` run): SVG and PNG at 300 dpi, drawn by
``tconv.show.editions``. A notebook the cache does not hold with its files (``chapters/*.ipynb``,
and the MyST notebooks such as ``intro.md``) is executed again with nbclient, up to its last
figure cell, in its own folder as the book build does, after a set-up cell that makes the
inline backend emit every figure as both PNG at 300 dpi and SVG; the outputs of the figure
cells are the files.

Numbers and captions are the book's: read from the built HTML (``<figure id="fig-...">`` and
its "Fig. 3.2" caption number), so a file is named by the number a reader sees and the
figure's label, ``fig-3.2-step-by-step-first.svg``: stable across builds as long as the
figure keeps its place and label. The files are deterministic (no date in the SVG, fixed
ids), so an unchanged figure gives the same bytes, and the zip its entries in a fixed order
with fixed timestamps.

Out (default ``_build/figures``): ``tconv-demystified-figures/`` with the files, an
``index.html`` (thumbnail, number, caption, chapter, alt text, files, licence),
``figures.json`` and the licence text, and ``tconv-demystified-figures.zip`` of that folder.
``--copy-to _build/html/downloads`` copies the zip into the site.

Usage: ``python scripts/figures.py [--html _build/html] [--out _build/figures] [--jobs 2]
[--copy-to DIR]``.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import os
import re
import shutil
import sys
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parent))
import print_book  # noqa: E402 - the book's table of contents, shared with the printer

ROOT = Path(__file__).resolve().parents[1]
NAME = print_book.download_names()["figures"].removesuffix(".zip")
DPI = 300
LICENCE = ("CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/): share and adapt, with "
           "credit to \u201cTransposed Convolution, Demystified\u201d and its contributors.")

SETUP = f"""\
%config InlineBackend.figure_formats = ['png', 'svg']
%config InlineBackend.print_figure_kwargs = {{'bbox_inches': 'tight', 'dpi': {DPI}}}
import matplotlib
matplotlib.rcParams['svg.hashsalt'] = 'tconv-demystified'
"""


@dataclass
class Figure:
    label: str  # the cell's figure name, e.g. "fig-step-by-step-first"
    number: str  # as the book shows it, e.g. "3.2"
    docname: str
    chapter: str  # the page's title
    caption: str  # plain text
    caption_html: str
    alt: str
    stem: str = ""  # file name without extension

    def __post_init__(self):
        self.stem = self.stem or f"fig-{self.number}-{self.label.removeprefix('fig-')}"


# --- the figures the built book shows --------------------------------------------------------


def book_figures(html_dir: Path, docs=None) -> list[Figure]:
    """Every numbered figure of the built book, in reading order."""
    found = []
    for doc in docs or print_book.read_toc():
        page = html_dir / f"{doc.docname}.html"
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article.bd-article")
        h1 = article.find("h1") if article else None
        chapter = print_book._text(h1) if h1 else doc.docname
        for fig in (article.select("figure[id]") if article else []):
            number = fig.select_one(".caption-number")
            if number is None:
                continue
            text = fig.select_one(".caption-text")
            img = fig.find("img")
            found.append(Figure(
                label=fig["id"], number=number.get_text().replace("Fig.", "").strip(),
                docname=doc.docname, chapter=chapter,
                caption=" ".join(text.get_text(" ").split()) if text else "",
                caption_html=text.decode_contents().strip() if text else "",
                alt=img.get("alt", "") if img else ""))
    return found


# --- the cells that draw them ----------------------------------------------------------------


def source_path(docname: str) -> Path | None:
    """The notebook a page is built from (``.ipynb`` or a MyST ``.md`` notebook), if any."""
    for suffix in (".ipynb", ".md"):
        path = ROOT / f"{docname}{suffix}"
        if path.is_file():
            return path
    return None


def read_notebook(path: Path):
    if path.suffix == ".ipynb":
        return nbformat.read(path, as_version=4)
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook

    text = path.read_text(encoding="utf-8")
    if not is_myst_markdown_notebook(text):
        return None
    return read_myst_markdown_notebook(text, path=path)


def figure_name(cell) -> str | None:
    if cell.cell_type != "code":
        return None
    return ((cell.metadata.get("mystnb") or {}).get("figure") or {}).get("name")


def render_notebook(path: str) -> dict[str, dict[str, str]]:
    """Execute one notebook up to its last figure cell: {label: {"svg": text, "png": b64}}."""
    from nbclient import NotebookClient

    nb = read_notebook(Path(path))
    names = [figure_name(cell) for cell in nb.cells]
    last = max((i for i, name in enumerate(names) if name), default=-1)
    if last < 0:
        return {}
    nb.cells = [nbformat.v4.new_code_cell(SETUP)] + nb.cells[:last + 1]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    os.environ["TCONV_STATIC"] = "1"  # as in the book build: static players, no widgets
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    rendered = {}
    for cell in nb.cells[1:]:
        name = figure_name(cell)
        if not name:
            continue
        images = [out for out in cell.outputs
                  if out.get("output_type") in ("display_data", "execute_result")
                  and "image/svg+xml" in out.get("data", {})]
        if len(images) != 1:
            raise SystemExit(f"{path}: the cell of {name} shows {len(images)} figures, not one")
        data = images[0]["data"]
        svg = data["image/svg+xml"]
        svg = svg if isinstance(svg, str) else "".join(svg)
        rendered[name] = {"svg": svg, "png": data["image/png"]}
    return rendered


def cached_figures(path: Path, cache: Path, dpi: int = DPI) -> dict[str, dict[str, str]] | None:
    """The figure cells' files as the book's execution kept them in the cache
    (``execution_cache.py --figure-files``): {label: {"svg", "png"}}, or None when the cache
    does not hold this notebook with its files at ``dpi`` (then it is executed again)."""
    import execution_cache
    from jupyter_cache import get_cache
    from tconv.show.editions import FILES_MIME

    if not execution_cache.filled_with_this_library(cache):
        return None
    store = get_cache(str(cache))
    record = execution_cache.warm_record(store, path, [execution_cache.FILES.format(dpi=dpi)])
    if record is None:
        return None
    found = {}
    for cell in store.get_cache_bundle(record.pk).nb.cells:
        name = figure_name(cell)
        if not name:
            continue
        files = [out["metadata"][FILES_MIME] for out in cell.get("outputs", [])
                 if FILES_MIME in out.get("metadata", {})]
        if len(files) != 1:
            raise SystemExit(f"{path}: the cell of {name} shows {len(files)} figures, not one")
        found[name] = {"svg": files[0]["image/svg+xml"], "png": files[0]["image/png"]}
    return found


def deterministic_svg(svg: str) -> str:
    """The SVG without its creation date (matplotlib writes one into the metadata)."""
    return re.sub(r"\s*<dc:date>[^<]*</dc:date>", "", svg)


# --- the archive -----------------------------------------------------------------------------


CACHE = ROOT / "_build" / ".jupyter_cache"


def build_archive(html_dir: Path, out_dir: Path, *, jobs: int = 2, cache: Path = CACHE
                  ) -> tuple[Path, list[Figure], list[str]]:
    """Every figure of the book built in ``html_dir``, from the execution cache where it holds
    the figures' files, else rendered by executing the notebook again; return the zip, the
    list and the pages whose notebooks were executed again."""
    figures = book_figures(html_dir)
    if not figures:
        raise SystemExit(f"no numbered figure in {html_dir}: build the book first (`make book`)")
    by_doc: dict[str, list[Figure]] = {}
    for fig in figures:
        by_doc.setdefault(fig.docname, []).append(fig)
    paths = {}
    for docname in by_doc:
        path = source_path(docname)
        if path is None:
            raise SystemExit(f"no notebook source for {docname}, which shows figures")
        paths[docname] = str(path)
    rendered = {doc: cached_figures(Path(path), cache) for doc, path in paths.items()}
    again = [doc for doc, made in rendered.items() if made is None]
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        rendered.update(zip(again, pool.map(render_notebook, [paths[d] for d in again]),
                            strict=True))

    folder = out_dir / NAME
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for fig in figures:
        made = rendered[fig.docname].get(fig.label)
        if made is None:
            raise SystemExit(f"{fig.label} (Fig. {fig.number}) is in the book, but no cell of "
                             f"{paths[fig.docname]} names it")
        (folder / f"{fig.stem}.svg").write_text(deterministic_svg(made["svg"]), encoding="utf-8")
        (folder / f"{fig.stem}.png").write_bytes(base64.b64decode(made["png"]))
    extra = {label for made in rendered.values() for label in made} - {f.label for f in figures}
    if extra:
        raise SystemExit(f"figure cells the built book does not show: {sorted(extra)}")
    shutil.copy2(ROOT / "LICENSE-CONTENT", folder / "LICENSE-CONTENT")
    (folder / "figures.json").write_text(json.dumps(
        {"licence": LICENCE, "figures": [
            {k: v for k, v in asdict(f).items() if k != "caption_html"}
            | {"files": [f"{f.stem}.svg", f"{f.stem}.png"]} for f in figures]},
        indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "index.html").write_text(index_html(figures), encoding="utf-8")
    archive = out_dir / f"{NAME}.zip"
    write_zip(folder, archive)
    return archive, figures, again


def index_html(figures: list[Figure]) -> str:
    """The archive's index page: one row per figure, self-contained (no external file)."""
    rows = []
    for f in figures:
        rows.append(
            f'<tr id="{html.escape(f.label)}"><td><a href="{f.stem}.svg"><img src="{f.stem}.png" '
            f'alt="{html.escape(f.alt)}" loading="lazy"></a></td>'
            f"<td><strong>Fig.&nbsp;{html.escape(f.number)}</strong><br>"
            f"<code>{html.escape(f.label)}</code></td>"
            f"<td>{f.caption_html}<p class=\"where\">{html.escape(f.chapter)}</p></td>"
            f'<td><a href="{f.stem}.svg">SVG</a><br><a href="{f.stem}.png">PNG ({DPI}&nbsp;dpi)'
            "</a></td></tr>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Figures of Transposed Convolution, Demystified</title>
<style>
body{{font:15px/1.45 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;
color:#1b1b1b}}
table{{border-collapse:collapse;width:100%}}td{{border-top:1px solid #ccc;padding:.6em;
vertical-align:top}}td:first-child{{width:14rem}}img{{max-width:14rem;height:auto;
border:1px solid #ddd}}.where{{color:#555;font-size:90%;margin:.3em 0 0}}
</style></head><body>
<h1>Figures of <cite>Transposed Convolution, Demystified</cite></h1>
<p>Every figure the book draws, {len(figures)} in all, as SVG and as PNG at {DPI}&nbsp;dpi, named
by the number the book gives it and its label. All were drawn by the book's own code.</p>
<p><strong>Licence:</strong> {html.escape(LICENCE)} The full text is in
<a href="LICENSE-CONTENT">LICENSE-CONTENT</a>. Suggested credit: &ldquo;Figure {{number}} from
<cite>Transposed Convolution, Demystified</cite>, CC&nbsp;BY&nbsp;4.0.&rdquo;</p>
<table><thead><tr><th>Preview</th><th>Figure</th><th>Caption</th><th>Files</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""


def write_zip(folder: Path, archive: Path) -> None:
    """Zip ``folder`` with its entries sorted and dated 1980-01-01, so equal files, equal zip."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}",
                                       date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, path.read_bytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html",
                        help="the built HTML book, for the figures' numbers and captions")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "figures")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once")
    parser.add_argument("--copy-to", type=Path, default=None,
                        help="also copy the zip here (e.g. _build/html/downloads)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    archive, figures, again = build_archive(args.html, args.out, jobs=args.jobs)
    if args.copy_to is not None:
        args.copy_to.mkdir(parents=True, exist_ok=True)
        shutil.copy2(archive, args.copy_to / archive.name)
        if args.copy_to.resolve() == (args.html / print_book.DOWNLOADS).resolve():
            print_book.link_downloads(args.html)
    print(f"{archive}: {len(figures)} figures, {archive.stat().st_size / 1e6:.1f} MB, "
          f"{time.perf_counter() - start:.0f} s; "
          + (f"executed again: {', '.join(again)}" if again else "all from the execution cache"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
