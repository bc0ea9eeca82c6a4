"""Sphinx extension: a ``.gz`` and a ``.br`` copy next to every text file of the built site.

Static hosts that serve precompressed files (nginx ``gzip_static``/``brotli_static``, many
CDNs, ``scripts/serve_book.py``) then send a page and its styles and scripts compressed with
no set-up and no work per request. gzip at level 9 with no timestamp (the same input gives
the same bytes); brotli at its best quality where the ``brotli`` package is installed
(requirements.txt), about a fifth smaller than gzip on this book's text. A copy is written
again only when its file changed since. Runs last, after the other extensions' finishing
touches (icons.css, recompressed figures).
"""

from __future__ import annotations

import gzip
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sphinx.util import logging

try:
    import brotli
except ImportError:  # the .gz copies alone still serve every browser
    brotli = None

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".html", ".css", ".js", ".svg", ".json", ".txt", ".xml", ".ico"}
# Not worth a request header's worth of saving; nginx's gzip_min_length is 20 bytes, CDNs
# use about 1 KB.
MIN_BYTES = 256


def compressors() -> list[tuple[str, object]]:
    found = [(".gz", lambda data: gzip.compress(data, compresslevel=9, mtime=0))]
    if brotli is not None:
        found.append((".br", lambda data: brotli.compress(data, quality=11)))
    return found


def text_files(outdir: Path) -> list[Path]:
    return sorted(p for p in outdir.rglob("*")
                  if p.suffix in TEXT_SUFFIXES and p.is_file() and p.stat().st_size >= MIN_BYTES
                  and "_sources" not in p.relative_to(outdir).parts)


def stale_copies(outdir: Path) -> list[tuple[Path, Path, object]]:
    work = []
    for path in text_files(outdir):
        modified = path.stat().st_mtime_ns
        for suffix, compress in compressors():
            copy = path.with_name(path.name + suffix)
            if not copy.exists() or copy.stat().st_mtime_ns < modified:
                work.append((path, copy, compress))
    return work


def remove_orphans(outdir: Path) -> None:
    """Copies whose file is gone (e.g. the icon script the build removes)."""
    for suffix in (".gz", ".br"):
        for copy in outdir.rglob(f"*{suffix}"):
            if not copy.with_name(copy.name[: -len(suffix)]).exists():
                copy.unlink()


def write_copy(item: tuple[Path, Path, object]) -> int:
    path, copy, compress = item
    data = compress(path.read_bytes())
    copy.write_bytes(data)
    return len(data)


def precompress(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    start = time.perf_counter()
    outdir = Path(app.outdir)
    remove_orphans(outdir)
    work = stale_copies(outdir)
    if not work:
        return
    # Both libraries release the GIL while they compress: one thread per core.
    with ThreadPoolExecutor(max_workers=2) as pool:
        written = sum(pool.map(write_copy, work))
    logger.info(f"precompressed {len(work)} copies ({written} bytes) in "
                f"{time.perf_counter() - start:.1f} s")


def setup(app):
    app.connect("build-finished", precompress, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
