"""``make student``: chapter copies without solutions or answer checks, and one exercise
notebook per student with that student's numbers plus the instructor's key (scripts/student.py)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from script_support import load_script

ROOT = Path(__file__).resolve().parents[1]


student = load_script("student")
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
    written = student.write_copies(out)
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


# ---------------------------------------------------------------- one notebook per student

ROSTER = "student,name\nalice@example.edu,Alice\n# a comment line\nbob,Bob\ncarol 3,Carol\n"


def _run(nb, folder: Path):
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


@pytest.fixture(scope="module")
def roster_run(tmp_path_factory):
    """``student.py OUT --roster roster.csv --key KEY`` with a three-line roster."""
    root = tmp_path_factory.mktemp("roster")
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    out, key = root / "out", root / "instructor"
    assert student.main([str(out), "--roster", str(root / "roster.csv"), "--key", str(key),
                         "--salt", "term-1"]) == 0
    return out, key


def test_a_roster_of_three_gives_three_different_notebooks_and_a_separate_key(roster_run):
    out, key = roster_run
    from tconv.book.exercises import VARIANTS, seed_for, variant
    sheets = sorted((out / "exercises").glob("*.ipynb"))
    assert [p.name for p in sheets] == ["alice_example.edu.ipynb", "bob.ipynb", "carol_3.ipynb"]
    texts = [p.read_text(encoding="utf-8") for p in sheets]
    assert len(set(texts)) == 3
    with open(key / "key.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 * len(VARIANTS)
    for row in rows:
        seed = int(row["seed"])
        assert seed == seed_for(row["student"], "term-1")
        want = variant(row["exercise"], seed).expected()
        from tconv.book.exercises import check
        assert check(row["exercise"], json.loads(row["expected"]), seed=seed)
        assert json.dumps(student._plain_json(want)) == row["expected"]
    assert not list(out.rglob("key.csv")) and not list(out.rglob("seeds.csv"))
    for path, text in zip(sheets, texts, strict=True):
        nb = nbformat.read(path, as_version=4)
        seed = nb.metadata["tconv"]["seed"]
        for label in VARIANTS:  # the student's own numbers are in their notebook
            assert variant(label, seed).question in text.replace("\\n", "\n") or \
                variant(label, seed).question in "".join(student.source(c) for c in nb.cells)
        assert "{solution" not in text


@pytest.mark.parametrize("who", ["alice_example.edu", "bob", "carol_3"])
def test_each_students_notebook_executes(roster_run, who):
    out, _ = roster_run
    path = out / "exercises" / f"{who}.ipynb"
    nb = _run(nbformat.read(path, as_version=4), path.parent)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    said = [o.get("text", "") for c in nb.cells for o in c.get("outputs", [])]
    assert sum("You have not answered yet" in t for t in said) >= len(student_labels())


def student_labels():
    from tconv.book.exercises import VARIANTS
    return list(VARIANTS)


def test_grading_uses_the_keys_seed_and_marks_each_exercise(roster_run, tmp_path):
    out, key = roster_run
    from tconv.book.exercises import variant
    nb = nbformat.read(out / "exercises" / "bob.ipynb", as_version=4)
    seed = nb.metadata["tconv"]["seed"]
    labels = student_labels()
    right = set(labels[::2])
    for cell in nb.cells:
        label = cell.metadata.get("tconv", {}).get("exercise")
        if cell.cell_type == "code" and label:
            value = student._plain_json(variant(label, seed).expected())
            if label not in right:
                value = "wrong"
            cell.source = cell.source.replace("answer = ...", f"answer = {value!r}")
    submitted = tmp_path / "bob.ipynb"
    nbformat.write(nb, submitted)
    table = student.grade([submitted], key)
    with open(table, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["exercise"]: r["right"] == "1" for r in rows} == {lb: lb in right for lb in labels}
    assert all(r["student"] == "bob" for r in rows)


def test_roster_forms_and_refusals(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("s1\ns2\n", encoding="utf-8")
    assert student.read_roster(roster) == ["s1", "s2"]
    roster.write_text("id,email\nx,x@y\n", encoding="utf-8")
    assert student.read_roster(roster) == ["x"]
    roster.write_text("a\na\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="appear twice"):
        student.read_roster(roster)
    with pytest.raises(SystemExit, match="same file name"):
        student.write_exercises(tmp_path / "o", tmp_path / "k", [("a b", 1), ("a_b", 2)])
    with pytest.raises(SystemExit, match="must not be inside"):
        student.write_exercises(tmp_path / "o", tmp_path / "o" / "k", [("a", 1)])


def test_seeds_instead_of_a_roster(tmp_path):
    out, key = tmp_path / "out", tmp_path / "key"
    assert student.main([str(out), "--seeds", "1", "2", "--key", str(key)]) == 0
    names = sorted(p.name for p in (out / "exercises").glob("*.ipynb"))
    assert names == ["seed-1.ipynb", "seed-2.ipynb"]
    assert nbformat.read(out / "exercises" / "seed-2.ipynb", as_version=4).metadata["tconv"] \
        == {"student": "seed-2", "seed": 2}


def test_readme_and_instructors_page_say_how_to_hand_out_and_grade_variants():
    instructors = (ROOT / "instructors.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in (instructors, readme):
        assert "ROSTER=" in text and "make grade SUBMITTED=" in text
        assert "_build/instructor" in text
    for words in ("key.csv", "seeds.csv", "grades.csv", "nbgrader", "otter-grader",
                  "never the answer"):
        assert words in instructors, words
