"""Sphinx extension: re-execute the notebooks when the tconv library changes.

The execution cache (jupyter-cache) keys a notebook by its own code cells, and Sphinx
re-reads only the pages whose source changed; neither knows that every chapter calls
``lib/tconv`` (whose players' module and stylesheet are copied into the outputs). So a
change to the library would leave the book showing outputs of the old code. This extension
keeps a digest of the library's sources beside the cache: when it differs, the cache is
emptied and every page is read (so executed) again.

The English execution also draws each figure and player of the other editions (issue 16,
:mod:`tconv.show.editions`) through tconv's message tables, ``lib/tconv/show/locales/*.po``:
they are part of the digest, so a corrected figure string is drawn again.

Several build folders can share one cache (the test suite builds into its own folder on the
checkout's cache), so the cache's stamp is not enough: a build whose pages were read before
another build re-filled the cache would see a matching stamp and keep its old pages. Each
build's Sphinx environment therefore keeps the digest its pages were read with too, and a
build re-reads every page when its own digest differs.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

STAMP = "tconv-sources.sha256"


# The players' module and stylesheet go into outputs too, and the figure strings' catalogs.
SOURCES = ("*.py", "*.js", "*.css", "*.po")


def library_digest(package: Path) -> str:
    """SHA-256 over the names and contents of the package's sources, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(p for pattern in SOURCES for p in package.rglob(pattern)):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_path(app) -> Path:
    """The jupyter-cache folder myst-nb will use (as myst-nb works it out), symlinks resolved."""
    configured = app.config["nb_execution_cache_path"]
    path = Path(configured) if configured else Path(app.outdir).parent / ".jupyter_cache"
    return path.resolve()


def prepare_cache(cache: Path, digest: str) -> bool:
    """Empty ``cache`` unless it was filled with the library of this ``digest``; True if emptied."""
    stamp = cache / STAMP
    changed = not stamp.exists() or stamp.read_text().strip() != digest
    if changed:
        if cache.exists():
            shutil.rmtree(cache)
        cache.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest + "\n")
    return changed


def check_library(app) -> None:
    """Empty the execution cache if the library changed since the cache was filled."""
    digest = library_digest(Path(app.srcdir) / "lib" / "tconv")
    app.tconv_library_changed = prepare_cache(cache_path(app), digest)


def reread_all(app, env, added, changed, removed) -> list[str]:
    """Every page, when the library changed since this build's pages were read (Sphinx
    re-reads the ones returned here)."""
    digest = (cache_path(app) / STAMP).read_text().strip()
    read_with = getattr(env, "tconv_library_digest", None)
    env.tconv_library_digest = digest  # pickled with the environment
    if getattr(app, "tconv_library_changed", False) or read_with != digest:
        return sorted(env.found_docs)
    return []


def setup(app):
    app.connect("builder-inited", check_library, priority=100)
    app.connect("env-get-outdated", reread_all)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
