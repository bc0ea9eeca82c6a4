"""Check cells stay out of a student's way in Jupyter (scripts/check_cells.py).

Every chapter's collapse metadata follows its tags, its exercise answer checks are tagged, and
no ``{eval}`` result is committed; the script itself collapses, moves and tags as it says.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from script_support import load_script

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


check_cells = load_script("check_cells")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_chapter_check_cells_are_collapsed_and_tagged(path):
    nb = nbformat.read(path, as_version=4)
    problems = check_cells.problems(nb)
    assert not problems, "run `python scripts/check_cells.py`:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_removed_cell_is_collapsed_with_its_outputs(path):
    """The issue's rule, stated directly: a cell the book removes is collapsed in Lab."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for i, cell in enumerate(cells):
        tags = cell["metadata"].get("tags", [])
        jupyter = cell["metadata"].get("jupyter", {})
        if "remove-cell" in tags or "remove-input" in tags:
            assert jupyter.get("source_hidden") is True, f"cell {i} ({tags}) shows its source"
        if "remove-cell" in tags:
            assert jupyter.get("outputs_hidden") is True, f"cell {i} ({tags}) shows its outputs"


# ---------------------------------------------------------------- the script on a made-up chapter


def _chapter(tmp_path: Path) -> Path:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md("# A chapter"),
        code("import numpy as np\nfrom math import sqrt"),
        code("x = np.arange(4)", metadata={"tags": ["hide-input"]}),
        code("assert x.sum() == 6", metadata={"tags": ["remove-cell"]}),  # a claim, not an answer
        code("y = 1", metadata={"jupyter": {"source_hidden": True, "other": 1}}),
        md("````{exercise}\n:label: ex-made-up-1\n\nHow much?\n````\n\n"
           "````{solution} ex-made-up-1\n:class: dropdown\n\nFour.\n````",
           metadata={"user_expressions": [{"expression": "y"}]}),
        code("# the answer\nassert sqrt(16) == np.float64(4)", metadata={"tags": ["remove-cell"]}),
        md("````{exercise}\n:label: ex-made-up-2\n\nAnd x?\n````"),
        code("assert x.max() == 3", metadata={"tags": ["remove-cell"]}),  # needs the chapter's x
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "made-up.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_script_collapses_moves_and_tags(tmp_path):
    path, answers = _chapter(tmp_path), tmp_path / "answers"
    before = nbformat.read(path, as_version=4)
    assert len(check_cells.problems(before)) >= 4

    report = check_cells.process(path, write=True, answers=answers)
    nb = nbformat.read(path, as_version=4)
    assert check_cells.problems(nb) == []
    sources = [check_cells.source(c) for c in nb.cells]
    assert not any("sqrt(16)" in s for s in sources), report  # moved out
    assert check_cells.ANSWER_HEADER + "\nassert x.max() == 3" in sources  # kept, headed
    assert "assert x.sum() == 6" in sources  # a claim check: kept as it was
    meta = {check_cells.source(c): c.metadata for c in nb.cells}
    assert meta["x = np.arange(4)"]["jupyter"] == {"source_hidden": True}
    assert meta["assert x.sum() == 6"]["jupyter"] == {"outputs_hidden": True,
                                                      "source_hidden": True}
    assert meta["assert x.sum() == 6"]["tags"] == ["remove-cell"]
    header = check_cells.ANSWER_HEADER + "\n"
    assert meta[header + "assert x.max() == 3"]["tags"] == ["remove-cell", "answer-check"]
    assert meta["y = 1"]["jupyter"] == {"other": 1}  # untagged: no collapse flag left
    assert all("user_expressions" not in c.metadata for c in nb.cells)

    module = (answers / "made_up.py").read_text(encoding="utf-8")
    assert "import numpy as np\nfrom math import sqrt\n" in module
    assert "def check_ex_made_up_1():" in module and "# the answer" in module
    namespace: dict = {}
    exec(compile(module, "made_up.py", "exec"), namespace)
    namespace["check_ex_made_up_1"]()

    # a second run changes nothing
    text = path.read_text(encoding="utf-8")
    assert [line for line in check_cells.process(path, True, answers) if "updated" in line] == []
    assert path.read_text(encoding="utf-8") == text
    assert (answers / "made_up.py").read_text(encoding="utf-8") == module


def test_a_later_answer_check_joins_the_module_and_a_failing_one_stays(tmp_path):
    path, answers = _chapter(tmp_path), tmp_path / "answers"
    check_cells.process(path, True, answers)
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("assert np.ones(2).sum() == 2",
                                              metadata={"tags": ["remove-cell"]}))
    nb.cells.append(nbformat.v4.new_code_cell("assert np.ones(2).sum() == 3",  # wrong
                                              metadata={"tags": ["remove-cell"]}))
    nbformat.write(nb, path)
    report = check_cells.process(path, True, answers)
    assert any("kept (fails on its own: AssertionError" in line for line in report), report
    module = (answers / "made_up.py").read_text(encoding="utf-8")
    assert module.count("def check_") == 2 and "np.ones(2).sum() == 2" in module
    assert "== 3" not in module
    kept = [check_cells.source(c) for c in nbformat.read(path, as_version=4).cells]
    assert check_cells.ANSWER_HEADER + "\nassert np.ones(2).sum() == 3" in kept
    assert not [k for k in kept if "np.ones(2).sum() == 2" in k]


def test_check_mode_changes_nothing_and_fails(tmp_path, capsys):
    path = _chapter(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert check_cells.main(["--check", str(path)]) == 1
    assert "move it into" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == text
