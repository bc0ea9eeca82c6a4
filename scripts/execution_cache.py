"""The book's execution cache: which chapters it holds, and filling it one chapter per core.

``make test`` executes each chapter once: nbval (the notebook stage) runs the chapters whose
outputs the jupyter-cache holds for their current code and the current library (so the build
only reads them), and the book stage's build executes the others, where a claim that fails
fails the build (``allow_errors: false`` and ``-W``), so ``test_the_book_builds_with_no_warning``.
On a fresh clone that is every chapter, executed once, by the build; after a ``make book``, every
chapter, by nbval. ``make test-notebooks`` still runs nbval on every chapter.

``--run`` fills the cache before a build: every notebook of the book (``_toc.yml``) that it lacks
is executed as the build would execute it (myst-nb's own reader and cache client, the settings
of ``_config.yml``'s ``execute:``, the environment the build gives its kernels, so the same
outputs under the same keys), ``--jobs`` at a time. The English build then only reads the
cache, and the Chinese build reads the copies of its figures and players that the same
execution drew (``tconv.show.editions``, ``scripts/i18n.py``): each notebook executes once, and
both cores work on it (a Sphinx build executes one notebook after another).

Usage: ``python scripts/execution_cache.py [--cache _build/.jupyter_cache] NOTEBOOK...``: prints
the given notebooks that are cached (warm), one per line; the others go to stderr.
``python scripts/execution_cache.py --run [--jobs 2] [--cache DIR] [--figure-files DPI]``: fills
the cache; exits 1 if a notebook fails (its traceback is printed). With ``--figure-files`` the
same execution keeps every figure as the files of the figure archive (``scripts/figures.py``,
``make figures``), which then executes nothing either.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

from library_cache import STAMP, library_digest, prepare_cache  # noqa: E402

DRAWN_IN = "tconv_editions"  # a cache record's data: the editions its outputs have copies in
EDITIONS = ("zh_CN",)
"""The book's editions beside the English one, drawn by the same execution when they can be."""


def read_notebook(path: Path, config=None):
    """The notebook as myst-nb reads it for the build (a MyST .md notebook too)."""
    if path.suffix == ".ipynb":
        return nbformat.read(path, as_version=4)
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    text = path.read_text(encoding="utf-8")
    return create_nb_reader(str(path), MdParserConfig(), config or NbParserConfig(), text
                            ).read(text)


def drawable(lang: str) -> bool:
    """True when this machine can draw ``lang`` (Chinese needs a font with its characters)."""
    from tconv.show.text import cjk_font

    if not lang.startswith("zh"):
        return True
    try:
        cjk_font()
    except RuntimeError:
        return False
    return True


def editions() -> list[str]:
    """The other editions this machine can draw (none without a CJK font)."""
    return [lang for lang in EDITIONS if drawable(lang)]


FILES = "figure-files-{dpi}"  # in a record's DRAWN_IN: the figures' archive files, at dpi


def wanted(figure_dpi: int | None = None) -> list[str]:
    """What an execution must have drawn besides the English outputs: the editions this
    machine can draw, and the figures' archive files at ``figure_dpi`` if asked."""
    return editions() + ([FILES.format(dpi=figure_dpi)] if figure_dpi else [])


def kernel_environment(cache: Path, languages: list[str], figure_dpi: int | None = None
                       ) -> dict[str, str]:
    """What the kernels are told: what the English build's are (``TCONV_STATIC``, see
    _ext/offline_pages.py), the editions to draw too (and where their lookups are logged) and
    the resolution of the figures' archive files, if asked."""
    environment = {"TCONV_STATIC": "1"}
    if languages:
        environment["TCONV_EDITIONS"] = ",".join(languages)
        environment["TCONV_TEXT_LOG"] = str(cache.parent / "zh" / "tconv-texts")
    if figure_dpi:
        environment["TCONV_FIGURE_FILES"] = str(figure_dpi)
    return environment


def filled_with_this_library(cache: Path, package: Path = ROOT / "lib" / "tconv") -> bool:
    """True when the cache's stamp is this library's digest (else the build empties it)."""
    stamp = cache / STAMP
    return stamp.is_file() and stamp.read_text().strip() == library_digest(package)


def warm_record(store, path: Path, drawn: list[str]):
    """The cache's record of ``path`` for its current code, executed with everything ``drawn``
    (a record executed without the copies, by a plain jupyter-book build, does not count);
    None when there is no such record."""
    try:
        record = store.match_cache_notebook(read_notebook(path))
    except KeyError:
        return None
    return record if set(drawn) <= set(record.data.get(DRAWN_IN, [])) else None


def cached(notebooks: list[Path], cache: Path, package: Path = ROOT / "lib" / "tconv",
           drawn: list[str] | None = None) -> tuple[list[Path], list[Path]]:
    """(warm, cold): the notebooks the cache holds for their code and this library (and drawn
    in each of the editions ``drawn``, by default those this machine can draw), the rest."""
    if not filled_with_this_library(cache, package):
        return [], list(notebooks)  # the build empties the cache and executes everything
    from jupyter_cache import get_cache

    drawn = editions() if drawn is None else drawn
    store = get_cache(str(cache))
    warm, cold = [], []
    for path in notebooks:
        (warm if warm_record(store, path, drawn) else cold).append(path)
    return warm, cold


# --- filling the cache -------------------------------------------------------------------------


def book_notebooks(root: Path = ROOT) -> list[Path]:
    """The sources of the book's pages (``_toc.yml``) that myst-nb executes: .ipynb files and
    MyST Markdown notebooks, in reading order."""
    from myst_nb.core.read import is_myst_markdown_notebook

    sys.path.insert(0, str(ROOT / "scripts"))
    from print_book import read_toc

    found = []
    for doc in read_toc(root / "_toc.yml"):
        for suffix in (".ipynb", ".md"):
            path = root / f"{doc.docname}{suffix}"
            if path.is_file() and (suffix == ".ipynb" or is_myst_markdown_notebook(
                    path.read_text(encoding="utf-8"))):
                found.append(path)
                break
    return found


def parser_config(cache: Path, root: Path = ROOT):
    """myst-nb's settings for executing, from _config.yml's ``execute:``, as jupyter-book maps
    them."""
    from myst_nb.core.config import NbParserConfig

    execute = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))["execute"]
    return NbParserConfig(
        execution_mode="cache", execution_cache_path=str(cache),
        execution_timeout=execute.get("timeout", 30),
        execution_allow_errors=execute.get("allow_errors", False),
        execution_in_temp=execute.get("run_in_temp", False),
        execution_show_tb=True, execution_raise_on_error=False)


class _Log:
    """myst-nb's logger interface, keeping what it says (a warning is a failed execution)."""

    def __init__(self):
        self.lines, self.warnings = [], []

    def info(self, message, **_kwargs):
        self.lines.append(message)

    def warning(self, message, **_kwargs):
        self.warnings.append(message)

    debug = info
    error = warning


def execute_one(path: Path, cache: Path, environment: dict[str, str]) -> tuple[float, list[str]]:
    """Execute one notebook into the cache, as the build would: (seconds, warnings)."""
    from myst_nb.core.execute import create_client
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    os.environ.update(environment)
    os.environ["TCONV_DOCNAME"] = path.relative_to(ROOT).with_suffix("").as_posix()
    text = path.read_text(encoding="utf-8")
    config = parser_config(cache)
    reader = create_nb_reader(str(path), MdParserConfig(), config, text)
    notebook = reader.read(text)  # read_notebook, keeping the reader (its format is cached)
    log = _Log()
    start = time.perf_counter()
    with create_client(notebook, str(path), config, log, reader.read_fmt):
        pass
    return time.perf_counter() - start, log.warnings


def keep_copies(cache: Path, path: Path, drawn: list[str]) -> int:
    """Move a cached notebook's copies for the other editions into its outputs' metadata,
    where the English build does not look, and note the editions in its record."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from tconv.show.editions import keep_copies as keep

    store = get_cache(str(cache))
    record = store.match_cache_notebook(read_notebook(path))
    notebook = store.get_cache_bundle(record.pk).nb
    kept = sum(keep(output) for cell in notebook.cells for output in cell.get("outputs", []))
    store.cache_notebook_bundle(
        CacheBundleIn(notebook, record.uri, data={**record.data, DRAWN_IN: drawn}),
        check_validity=False, overwrite=True)
    return kept


def forget(cache: Path, paths: list[Path]) -> int:
    """Remove the cache's records of ``paths`` for their current code (records executed without
    the wanted copies): myst-nb's client would read such a record instead of executing."""
    from jupyter_cache import get_cache

    store, removed = get_cache(str(cache)), 0
    for path in paths:
        try:
            record = store.match_cache_notebook(read_notebook(path))
        except KeyError:
            continue
        store.remove_cache(record.pk)
        removed += 1
    return removed


def fill(cache: Path, jobs: int = 2, notebooks: list[Path] | None = None,
         figure_dpi: int | None = None) -> int:
    """Execute the book's notebooks the cache lacks, ``jobs`` at a time; 1 if one failed.

    ``figure_dpi``: also keep every figure as the archive's files (SVG, PNG at that dpi), and
    count a notebook executed without them as missing (``make figures`` and ``make test``).
    """
    cache.mkdir(parents=True, exist_ok=True)
    if prepare_cache(cache, library_digest(ROOT / "lib" / "tconv")):
        print(f"execution cache {cache}: emptied (the library changed)")
    drawn = wanted(figure_dpi)
    _warm, cold = cached(notebooks or book_notebooks(), cache, drawn=drawn)
    if not cold:
        print("execution cache: every notebook is cached")
        return 0
    forget(cache, cold)  # executed before without what is wanted now: executed again
    environment = kernel_environment(cache, editions(), figure_dpi)
    start, status = time.perf_counter(), 0
    slow_first = sorted(cold, key=lambda p: -p.stat().st_size)  # big notebooks first
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {path: pool.submit(execute_one, path, cache, environment) for path in slow_first}
        for path, future in futures.items():
            seconds, warnings = future.result()
            name = path.relative_to(ROOT)
            if warnings:
                status = 1
                print(f"{name}: FAILED\n" + "\n".join(warnings), file=sys.stderr)
                continue
            kept = keep_copies(cache, path, drawn)
            print(f"{name}: executed in {seconds:.1f} s ({kept} copies: "
                  f"{', '.join(drawn) or 'English only'})")
    print(f"execution cache: {len(cold)} notebooks in {time.perf_counter() - start:.1f} s "
          f"({jobs} at a time)")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache")
    parser.add_argument("--run", action="store_true",
                        help="execute the book's notebooks the cache lacks")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--figure-files", type=int, metavar="DPI",
                        help="keep every figure as the archive's files too (SVG, PNG at DPI)")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.run:
        return fill(args.cache.resolve(), args.jobs,
                    [p.resolve() for p in args.notebooks] or None, args.figure_files)
    warm, cold = cached(args.notebooks, args.cache, drawn=wanted(args.figure_files))
    for path in warm:
        print(path)
    for path in cold:
        print(f"not cached, executed by the book build: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
