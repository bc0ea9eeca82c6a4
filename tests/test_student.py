"""``make student``: chapter copies without solutions or answer checks (scripts/student.py)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def _load_script():
    spec = importlib.util.spec_from_file_location("student", ROOT / "scripts" / "student.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["student"] = module
    spec.loader.exec_module(module)
    return module


student = _load_script()
CHAPTERS = student.chapter_paths()
SOLUTION_BODY = re.compile(r"^(`{3,}|:{3,})\{solution\}[^\n]*\n(?P<body>.*?)^\1[ \t]*$",
                           re.MULTILINE | re.DOTALL)
LABEL = re.compile(r"^:label:\s*(\S+)", re.MULTILINE)


def markdown(nb) -> str:
    return "\n\n".join(student.source(c) for c in nb.cells if c.cell_type == "markdown")


def solution_sentences(nb) -> list[str]:
    """Lines from the solutions, long enough to be unique to them and found nowhere else.

    (A solution may repeat a line of its exercise, e.g. the first line of a function the
    exercise asks for: such a line stays in the copy, with the exercise.)
    """
    text = markdown(nb)
    outside = {line.strip() for line in SOLUTION_BODY.sub("", text).splitlines()}
    lines = []
    for match in SOLUTION_BODY.finditer(text):
        lines += [line.strip() for line in match["body"].splitlines()
                  if len(line.strip()) > 40 and not line.strip().startswith(":")
                  and line.strip() not in outside]
    return lines


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    written = student.write_copies(out, [student.Variant()])
    return out, written


def test_every_chapter_of_the_toc_is_written_with_a_readme(copies):
    out, written = copies
    assert [p.name for p in written] == [p.name for p in CHAPTERS] and len(CHAPTERS) >= 8
    assert "solutions are not in these copies" in (out / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_a_copy_has_the_exercises_but_no_solution_and_no_answer_check(copies, chapter):
    original = nbformat.read(chapter, as_version=4)
    copy = nbformat.read(copies[0] / chapter.name, as_version=4)
    text = markdown(copy)
    assert "{solution" not in text
    assert LABEL.findall(text) == LABEL.findall(markdown(original))  # every exercise kept
    hidden = solution_sentences(original)
    assert hidden, "the original has solutions with prose"
    leaked = [line for line in hidden if line in text]
    assert not leaked, leaked
    assert not [c for c in copy.cells if "answer-check" in c.metadata.get("tags", [])]
    kept = [student.source(c) for c in original.cells
            if "answer-check" not in c.metadata.get("tags", []) and c.cell_type == "code"]
    assert [student.source(c) for c in copy.cells if c.cell_type == "code"] == kept


def _has_answer_check(path: Path) -> bool:
    return any("answer-check" in c.metadata.get("tags", [])
               for c in nbformat.read(path, as_version=4).cells)


def test_a_copy_runs_top_to_bottom(copies):
    """A chapter whose answer check is dropped still executes (the others: same rule).

    The chapter is the first one that keeps an answer-check cell; when none does any more
    (all moved into tests/exercise_answers), the first chapter's copy runs instead.
    """
    chapter = next((p for p in CHAPTERS if _has_answer_check(p)), CHAPTERS[0])
    path = copies[0] / chapter.name
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert errors == []


def test_dropping_a_check_that_a_later_cell_needs_is_refused():
    code = nbformat.v4.new_code_cell
    cells = [code("answer = 3", metadata={"tags": ["answer-check"]}), code("print(answer)")]
    with pytest.raises(SystemExit, match=r"reads \['answer'\]"):
        student.drop_answer_checks(cells)
    cells[1] = code("answer = 4\nprint(answer)")
    assert len(student.drop_answer_checks(cells)) == 1


def test_both_fence_forms_of_a_solution_go_and_the_exercise_stays():
    text = ("````{exercise}\n:label: ex-a-1\n\nQ?\n````\n\n"
            "````{solution} ex-a-1\n:class: dropdown\n\n```python\nx = 1\n```\n````\n\n"
            ":::{exercise}\n:label: ex-a-2\n\nR?\n:::\n\n"
            "::::{solution} ex-a-2\n:class: dropdown\n\nSecret.\n::::\n\nAfter.")
    out = student.without_solutions(text)
    assert "solution" not in out and "x = 1" not in out and "Secret" not in out
    assert "Q?" in out and "R?" in out and out.endswith("After.")
