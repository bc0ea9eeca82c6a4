"""_ext/eval_glue.py: ``{eval}`name``` in the book shows the value glued as ``name``.

One small Jupyter Book 1 build (in a temporary folder, with the book's own extension file):
a cached notebook whose prose uses ``{eval}`` on glued names, one executed inline (where
myst-nb evaluates for real), and one naming a value nobody glued, which must be a warning.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import nbformat
from browser_support import ROOT, jupyter_book_command

CONFIG = """\
title: eval test
only_build_toc_files: true
execute:
  execute_notebooks: cache
sphinx:
  local_extensions:
    eval_glue: _ext
"""
TOC = """\
format: jb-book
root: cached
chapters:
  - file: inline
  - file: missing
"""
GLUE = ("from myst_nb import glue\n"
        "ratio = 5 / 3\nratio_text = f'{ratio:.2f}'\nlayers = 7\n"
        "glue('ratio_text', ratio_text, display=False)\nglue('layers', layers, display=False)")


def _notebook(path, title, prose, metadata=None):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"# {title}"),
        nbformat.v4.new_code_cell(GLUE),
        nbformat.v4.new_markdown_cell(prose)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata.update(metadata or {})
    nbformat.write(nb, path)


def _text(html_file) -> str:
    html = html_file.read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html[html.find("<main"):]).split())
    return re.sub(r" ([,.])", r"\1", text)


def test_eval_reads_the_glue_of_that_name_and_a_missing_name_fails(tmp_path):
    book = tmp_path / "book"
    (book / "_ext").mkdir(parents=True)
    shutil.copy(ROOT / "_ext" / "eval_glue.py", book / "_ext")
    (book / "_config.yml").write_text(CONFIG, encoding="utf-8")
    (book / "_toc.yml").write_text(TOC, encoding="utf-8")
    _notebook(book / "cached.ipynb", "Cached",
              "ratio {eval}`ratio_text`, layers {eval}`layers`.")
    _notebook(book / "inline.ipynb", "Inline", "ratio {eval}`ratio_text`, sum {eval}`layers`.",
              {"mystnb": {"execution_mode": "inline"}})
    _notebook(book / "missing.ipynb", "Missing", "nothing {eval}`nobody_glued_this`.")
    result = subprocess.run(jupyter_book_command() + ["build", str(book), "-W", "-n",
                                                      "--keep-going"],
                            capture_output=True, text=True, cwd=book,
                            env={**os.environ, "NO_COLOR": "1"})
    log = result.stdout + result.stderr
    warnings = [line for line in log.splitlines() if re.search(r"\bWARNING:", line)]
    html = book / "_build" / "html"
    assert "ratio 1.67, layers 7." in _text(html / "cached.html"), log[-3000:]
    assert "ratio 1.67, sum 7." in _text(html / "inline.html"), log[-3000:]
    assert result.returncode != 0
    assert len(warnings) == 1 and "missing.ipynb" in warnings[0], warnings
    assert "nobody_glued_this" in warnings[0]
