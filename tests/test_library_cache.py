"""_ext/library_cache.py: the digest that re-executes the notebooks covers the whole package.

The chapters import from ``tconv``, ``tconv.show`` and ``tconv.book``, so an edit in any of
the three (sub)packages must change the digest; other files must not.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

from library_cache import library_digest  # noqa: E402


def test_the_digest_changes_with_any_module_of_the_three_layers(tmp_path):
    package = tmp_path / "tconv"
    shutil.copytree(ROOT / "lib" / "tconv", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = library_digest(package)
    assert library_digest(package) == before  # deterministic
    for module in ("conv.py", "show/widgets.py", "book/checkerboard.py"):
        path = package / module
        original = path.read_text("utf-8")
        path.write_text(original + "\n# edited\n", "utf-8")
        assert library_digest(package) != before, module
        path.write_text(original, "utf-8")
    assert library_digest(package) == before
    (package / "book" / "notes.txt").write_text("not a module", "utf-8")
    assert library_digest(package) == before


def test_the_digest_covers_every_editions_figure_strings(tmp_path):
    """The English execution draws the Chinese copies too (tconv.show.editions): a corrected
    Chinese figure string must empty the cache, so every figure is drawn again."""
    package = tmp_path / "tconv"
    shutil.copytree(ROOT / "lib" / "tconv", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    catalog = package / "show" / "locales" / "zh_CN.po"
    assert catalog.is_file()
    before = library_digest(package)
    catalog.write_text(catalog.read_text("utf-8") + '\nmsgid "x"\nmsgstr "x"\n', "utf-8")
    assert library_digest(package) != before


class _Env:
    def __init__(self, docs):
        self.found_docs = set(docs)


class _Config(dict):
    """Sphinx's config answers by key and by attribute."""

    __getattr__ = dict.__getitem__


class _App:
    def __init__(self, out: Path, cache: Path):
        self.outdir = str(out)
        self.config = _Config(nb_execution_cache_path=str(cache), language="en")


def test_a_second_build_sharing_the_cache_rereads_its_pages_after_the_library_changed(
        tmp_path, monkeypatch):
    """Build A refills the shared cache after a library change; build B, read before it, must
    still re-read every page (its stale pages were the bug: B saw a matching stamp)."""
    import library_cache

    package = tmp_path / "tconv"
    shutil.copytree(ROOT / "lib" / "tconv", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(library_cache, "library_digest",
                        lambda _pkg: library_digest(package))
    cache = tmp_path / "cache"
    a, b = _App(tmp_path / "a" / "html", cache), _App(tmp_path / "b" / "html", cache)
    env_a, env_b = _Env(["intro", "glossary"]), _Env(["intro", "glossary"])
    for app, env in ((a, env_a), (b, env_b)):  # both read with the library as it is
        app.srcdir = str(tmp_path)
        library_cache.check_library(app)
        library_cache.reread_all(app, env, set(), set(), set())
    for app, env in ((a, env_a), (b, env_b)):  # nothing changed: nothing re-read
        library_cache.check_library(app)
        assert library_cache.reread_all(app, env, set(), set(), set()) == []
    (package / "conv.py").write_text((package / "conv.py").read_text() + "\n# edited\n")
    library_cache.check_library(a)  # A empties and refills the cache, and re-reads
    assert library_cache.reread_all(a, env_a, set(), set(), set()) == ["glossary", "intro"]
    library_cache.check_library(b)  # the stamp now matches, but B's pages are old
    assert library_cache.reread_all(b, env_b, set(), set(), set()) == ["glossary", "intro"]
    library_cache.check_library(b)
    assert library_cache.reread_all(b, env_b, set(), set(), set()) == []
