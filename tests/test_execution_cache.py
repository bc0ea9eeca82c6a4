"""scripts/execution_cache.py: which chapters nbval runs in make test, because the build won't.

A chapter is "warm" only when the jupyter-cache holds its current code and the cache was
filled with the current library; anything else is left to the build, which executes it.
"""

from __future__ import annotations

import nbformat
from jupyter_cache import get_cache
from script_support import load_script

execution_cache = load_script("execution_cache")


def notebook(path, code: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def test_a_chapter_is_warm_only_when_cached_with_this_code_and_this_library(tmp_path):
    cache = tmp_path / "cache"
    one, two = notebook(tmp_path / "one.ipynb", "x = 1"), notebook(tmp_path / "two.ipynb", "y = 2")
    assert execution_cache.cached([one, two], cache) == ([], [one, two])  # no cache yet
    store = get_cache(str(cache))
    store.cache_notebook_file(one, check_validity=False)
    (cache / execution_cache.STAMP).write_text(
        execution_cache.library_digest(execution_cache.ROOT / "lib" / "tconv") + "\n")
    assert execution_cache.cached([one, two], cache) == ([one], [two])
    notebook(one, "x = 3")  # the chapter's code changed: the build executes it
    assert execution_cache.cached([one, two], cache) == ([], [one, two])
    notebook(one, "x = 1")
    (cache / execution_cache.STAMP).write_text("another library\n")  # the build empties it
    assert execution_cache.cached([one, two], cache) == ([], [one, two])


def test_the_command_prints_the_warm_chapters_only(tmp_path, capsys):
    one = notebook(tmp_path / "one.ipynb", "x = 1")
    assert execution_cache.main(["--cache", str(tmp_path / "none"), str(one)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and str(one) in err
