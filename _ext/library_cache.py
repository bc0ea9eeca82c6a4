"""Sphinx extension: re-execute the notebooks when the tconv library changes.

The execution cache (jupyter-cache) keys a notebook by its own code cells, and Sphinx
re-reads only the pages whose source changed; neither knows that every chapter calls
``lib/tconv`` (whose players' module and stylesheet are copied into the outputs). So a
change to the library would leave the book showing outputs of the old code. This extension
keeps a digest of the library's sources beside the cache: when it differs, the cache is
emptied and every page is read (so executed) again.

An edition in another language (issue 16: ``language = zh_CN``) draws its figures through
tconv's message table, ``lib/tconv/show/locales/<language>.po``: that catalog is part of its
digest, so a corrected figure string is drawn again (the English cache does not depend on it).

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


SOURCES = ("*.py", "*.js", "*.css")  # the players' module and stylesheet go into outputs too


def library_digest(package: Path, language: str | None = None) -> str:
    """SHA-256 over the names and contents of the package's sources, in sorted order, and of
    the figure strings' catalog of ``language`` when there is one."""
    digest = hashlib.sha256()
    files = sorted(p for pattern in SOURCES for p in package.rglob(pattern))
    catalog = package / "show" / "locales" / f"{language}.po"
    if language and catalog.is_file():
        files.append(catalog)
    for path in files:
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_path(app) -> Path:
    """The jupyter-cache folder myst-nb will use (as myst-nb works it out), symlinks resolved."""
    configured = app.config["nb_execution_cache_path"]
    path = Path(configured) if configured else Path(app.outdir).parent / ".jupyter_cache"
    return path.resolve()


def check_library(app) -> None:
    """Empty the execution cache if the library changed since the cache was filled."""
    digest = library_digest(Path(app.srcdir) / "lib" / "tconv", app.config.language)
    cache = cache_path(app)
    stamp = cache / STAMP
    app.tconv_library_changed = not stamp.exists() or stamp.read_text().strip() != digest
    if app.tconv_library_changed:
        if cache.exists():
            shutil.rmtree(cache)
        cache.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest + "\n")


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
