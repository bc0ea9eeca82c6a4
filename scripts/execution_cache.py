"""The chapters the book build will not execute, because its execution cache already holds them.

``make test`` executes each chapter once: nbval (the notebook stage) runs the chapters whose
outputs the jupyter-cache holds for their current code and the current library (so the build
only reads them), and the book stage's build executes the others, where a claim that fails
fails the build (``allow_errors: false`` and ``-W``), so ``test_the_book_builds_with_no_warning``.
On a fresh clone that is every chapter, executed once, by the build; after a ``make book``, every
chapter, by nbval. ``make test-notebooks`` still runs nbval on every chapter.

Usage: ``python scripts/execution_cache.py [--cache _build/.jupyter_cache] NOTEBOOK...``: prints
the given notebooks that are cached (warm), one per line; the others go to stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

from library_cache import STAMP, library_digest  # noqa: E402


def cached(notebooks: list[Path], cache: Path, package: Path = ROOT / "lib" / "tconv"
           ) -> tuple[list[Path], list[Path]]:
    """(warm, cold): the notebooks the cache holds for their code and this library, the rest."""
    stamp = cache / STAMP
    if not stamp.is_file() or stamp.read_text().strip() != library_digest(package):
        return [], list(notebooks)  # the build empties the cache and executes everything
    from jupyter_cache import get_cache

    store = get_cache(str(cache))
    warm, cold = [], []
    for path in notebooks:
        try:
            store.match_cache_notebook(nbformat.read(path, as_version=4))
            warm.append(path)
        except KeyError:
            cold.append(path)
    return warm, cold


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    warm, cold = cached(args.notebooks, args.cache)
    for path in warm:
        print(path)
    for path in cold:
        print(f"not cached, executed by the book build: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
