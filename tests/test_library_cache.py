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


def test_an_editions_digest_covers_its_figure_strings_and_only_its_own(tmp_path):
    package = tmp_path / "tconv"
    shutil.copytree(ROOT / "lib" / "tconv", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    catalog = package / "show" / "locales" / "zh_CN.po"
    assert catalog.is_file()
    english, chinese = library_digest(package, "en"), library_digest(package, "zh_CN")
    assert english == library_digest(package) != chinese
    catalog.write_text(catalog.read_text("utf-8") + '\nmsgid "x"\nmsgstr "x"\n', "utf-8")
    assert library_digest(package, "zh_CN") != chinese  # the Chinese figures are drawn again
    assert library_digest(package, "en") == english  # the English ones are not
