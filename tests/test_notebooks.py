"""Chapter sources are committed clean and every one of them is in the book.

Notebooks carry no outputs, execution counts or saved widget state (the build executes them),
and each chapter source is listed in _toc.yml, which in turn names only files that exist.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_support import ROOT, toc_docnames

NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
MYST_NOTEBOOKS = sorted(
    p for p in [ROOT / "intro.md", *(ROOT / "chapters").glob("*.md")]
    if p.read_text(encoding="utf-8").startswith("---\njupytext:")
)
CHAPTER_SOURCES = sorted([*NOTEBOOKS, *(ROOT / "chapters").glob("*.md")])


def ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def docname(path: Path) -> str:
    return str(path.relative_to(ROOT).with_suffix(""))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        i for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert dirty == [], f"cells {dirty} have outputs or execution counts: clear them"
    assert "widgets" not in nb.get("metadata", {}), "saved widget state in the metadata"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_notebook_runs_on_the_python3_kernel(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb.get("metadata", {}).get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", MYST_NOTEBOOKS, ids=ids(MYST_NOTEBOOKS))
def test_myst_notebook_names_the_python3_kernel(path):
    header = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    assert "kernelspec:" in header and "name: python3" in header


@pytest.mark.parametrize("path", CHAPTER_SOURCES, ids=ids(CHAPTER_SOURCES))
def test_chapter_is_listed_in_the_toc(path):
    assert docname(path) in toc_docnames(), f"add {docname(path)} to _toc.yml"


@pytest.mark.parametrize("name", toc_docnames())
def test_toc_entry_has_a_source_file(name):
    sources = [ROOT / f"{name}{suffix}" for suffix in (".md", ".ipynb")]
    assert sum(p.is_file() for p in sources) == 1, f"{name}: expected one .md or .ipynb"


def test_toc_lists_each_page_once():
    names = toc_docnames()
    assert len(names) == len(set(names))
