"""scripts/execution_cache.py: which chapters the cache holds, and filling it for both editions.

A chapter is "warm" only when the jupyter-cache holds its current code, the cache was filled
with the current library and the execution drew the other editions' copies; anything else is
executed (once, for both editions) before the build. nbval in make test runs the warm ones.
"""

from __future__ import annotations

import nbformat
import pytest
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
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
    assert execution_cache.cached([one, two], cache, drawn=[]) == ([], [one, two])  # no cache
    store = get_cache(str(cache))
    store.cache_notebook_file(one, check_validity=False)
    (cache / execution_cache.STAMP).write_text(
        execution_cache.library_digest(execution_cache.ROOT / "lib" / "tconv") + "\n")
    assert execution_cache.cached([one, two], cache, drawn=[]) == ([one], [two])
    # executed without the Chinese copies (by a plain jupyter-book build): executed again
    assert execution_cache.cached([one, two], cache, drawn=["zh_CN"]) == ([], [one, two])
    notebook(one, "x = 3")  # the chapter's code changed: the build executes it
    assert execution_cache.cached([one, two], cache, drawn=[]) == ([], [one, two])
    notebook(one, "x = 1")
    (cache / execution_cache.STAMP).write_text("another library\n")  # the build empties it
    assert execution_cache.cached([one, two], cache, drawn=[]) == ([], [one, two])


def test_the_copies_move_into_the_metadata_and_the_record_names_their_editions(tmp_path):
    """After an execution drew the Chinese copies: they sit in the outputs' metadata (no build
    sees them as an output), the record says so, and the notebook counts as warm."""
    from tconv.show.editions import MIME

    cache = tmp_path / "cache"
    one = notebook(tmp_path / "one.ipynb", "x = 1")
    executed = nbformat.read(one, as_version=4)
    executed.cells[0].outputs = [nbformat.v4.new_output(
        "display_data", data={"text/plain": "<Figure>", "image/png": "EN",
                              MIME: {"zh_CN": {"image/png": "ZH"}}})]
    store = get_cache(str(cache))
    store.cache_notebook_bundle(CacheBundleIn(executed, str(one)), check_validity=False)
    (cache / execution_cache.STAMP).write_text(
        execution_cache.library_digest(execution_cache.ROOT / "lib" / "tconv") + "\n")
    assert execution_cache.keep_copies(cache, one, ["zh_CN"]) == 1
    record = store.match_cache_notebook(nbformat.read(one, as_version=4))
    output = store.get_cache_bundle(record.pk).nb.cells[0].outputs[0]
    assert MIME not in output["data"] and output["metadata"][MIME]["zh_CN"] == {"image/png": "ZH"}
    assert record.data[execution_cache.DRAWN_IN] == ["zh_CN"]
    assert execution_cache.cached([one], cache, drawn=["zh_CN"]) == ([one], [])


def test_the_command_prints_the_warm_chapters_only(tmp_path, capsys):
    one = notebook(tmp_path / "one.ipynb", "x = 1")
    assert execution_cache.main(["--cache", str(tmp_path / "none"), str(one)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and str(one) in err


def test_the_chinese_cache_is_the_english_one_showing_the_copies(tmp_path):
    """scripts/i18n.py derives the Chinese edition's cache: same keys, each output showing its
    Chinese copy, the same library stamp (so the Chinese build executes nothing)."""
    from tconv.show.editions import MIME

    i18n = load_script("i18n")
    english, chinese = tmp_path / "en", tmp_path / "zh"
    one = notebook(tmp_path / "one.ipynb", "x = 1")
    executed = nbformat.read(one, as_version=4)
    executed.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": "EN"},
                               metadata={MIME: {"zh_CN": {"image/png": "ZH"}}}),
        nbformat.v4.new_output("stream", name="stdout", text="3\n")]
    get_cache(str(english)).cache_notebook_bundle(CacheBundleIn(executed, str(one)),
                                                  check_validity=False)
    (english / execution_cache.STAMP).write_text("digest\n")
    assert i18n.derive_cache(english, chinese) == 1
    record = get_cache(str(chinese)).match_cache_notebook(nbformat.read(one, as_version=4))
    outputs = get_cache(str(chinese)).get_cache_bundle(record.pk).nb.cells[0].outputs
    assert outputs[0]["data"] == {"image/png": "ZH"} and MIME not in outputs[0]["metadata"]
    assert outputs[1]["text"] == "3\n"
    assert (chinese / execution_cache.STAMP).read_text() == "digest\n"


def test_a_record_without_the_wanted_copies_is_forgotten_so_it_is_executed_again(tmp_path):
    """myst-nb's client reads a matching record instead of executing: fill removes a record
    that lacks what is wanted now (the figure files, say) before it executes the notebook
    (make figures after make book once drew no file: "shows 0 figures, not one")."""
    cache = tmp_path / "cache"
    one, two = notebook(tmp_path / "one.ipynb", "x = 1"), notebook(tmp_path / "two.ipynb", "y = 2")
    store = get_cache(str(cache))
    store.cache_notebook_file(one, check_validity=False)
    (cache / execution_cache.STAMP).write_text(
        execution_cache.library_digest(execution_cache.ROOT / "lib" / "tconv") + "\n")
    assert execution_cache.forget(cache, [one, two]) == 1
    with pytest.raises(KeyError):
        store.match_cache_notebook(nbformat.read(one, as_version=4))
    assert execution_cache.forget(cache, [one, two]) == 0
