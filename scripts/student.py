"""Write copies of the chapters to hand out: no solutions, no answer checks (``make student``).

For each chapter notebook in _toc.yml order, the copy

- drops every ``{solution}`` directive (both fence forms) from the markdown cells, and a
  markdown cell left empty;
- drops every code cell tagged ``answer-check`` (the exercise answer checks that stay in the
  chapters; the others already live in tests/exercise_answers);
- keeps everything else as it is: exercises and their labels, the claim checks (collapsed in
  JupyterLab), no outputs.

It refuses to drop a cell whose variables a later cell reads, so every copy still runs top to
bottom. The copies import ``tconv``: install the repository's requirements (or ``pip install
.``) where students run them. Usage: ``python scripts/student.py [OUT]`` (default
``_build/student``), which writes ``OUT/<chapter>.ipynb`` and a short ``OUT/README.md``.

Exercise variants per student: with ``--roster FILE`` (a CSV whose first column, or column
``student``/``id``, holds student ids) or ``--seeds 1 2 3``, it also writes
``OUT/exercises/<student>.ipynb``, one notebook per student with every exercise of
``tconv.book.exercises.VARIANTS`` in that student's numbers (seed ``seed_for(id, salt)`` from
the roster, or the seed itself), each with an answer cell that checks against that seed; and
the instructor's key ``KEY/key.csv`` (student, seed, exercise, expected) and
``KEY/seeds.csv`` in a separate folder (``--key``, default ``_build/instructor``).
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
ANSWER_TAG = "answer-check"
# a {solution} directive (also -start/-end), to its closing fence of the same length
SOLUTION = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{solution(?:-start|-end)?\}.*?^(?P=fence)[ \t]*$\n?",
    re.MULTILINE | re.DOTALL)


def chapter_paths() -> list[Path]:
    """The chapter notebooks, in _toc.yml order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))

    def files(node):
        if isinstance(node, dict):
            if "file" in node:
                yield str(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key) or []:
                    yield from files(child)

    paths = [ROOT / Path(name).with_suffix(".ipynb") for name in files(toc)]
    return [p for p in paths if p.is_file()]


def source(cell) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def without_solutions(markdown: str) -> str:
    """The markdown with every solution directive removed (and the blank lines it leaves)."""
    text = SOLUTION.sub("", markdown)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _names(code: str) -> tuple[set[str], set[str]]:
    """(bound, read) names of a code cell."""
    bound, read = set(), set()
    try:
        tree = ast.parse(code)
    except SyntaxError:  # IPython magics: nothing to learn from it
        return bound, read
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return bound, read


def drop_answer_checks(cells: list) -> list:
    """The cells without those tagged answer-check; fails if a later cell needs what one binds."""
    kept, dropped = [], set()
    for cell in cells:
        if cell["cell_type"] == "code" and ANSWER_TAG in cell.get("metadata", {}).get("tags", []):
            dropped |= _names(source(cell))[0]
            continue
        if cell["cell_type"] == "code":
            bound, read = _names(source(cell))
            needed = (read & dropped) - bound
            if needed:
                raise SystemExit(f"a cell after an answer check reads {sorted(needed)}, which "
                                 f"only the answer check defines:\n{source(cell)[:200]}")
        kept.append(cell)
    return kept


def student_copy(nb):
    """A copy of one chapter notebook: no solutions, no answer checks."""
    copy = nbformat.from_dict(nb)
    cells = []
    for cell in drop_answer_checks(copy.cells):
        if cell["cell_type"] == "markdown":
            text = without_solutions(source(cell))
            if not text.strip():
                continue
            cell["source"] = text
        cells.append(cell)
    copy.cells = cells
    copy.metadata.pop("widgets", None)
    return copy


STUDENT_README = """# Transposed Convolution, Demystified: the chapters as exercises

One notebook per chapter, in the book's order. Open them in JupyterLab and run each from the
top; the exercises are at the end of each chapter. Where an exercise shows a `check(...)`
line, run it with your answer: it tells you whether the answer is right and, if not, what is
wrong. The solutions are not in these copies.

The notebooks need the book's `tconv` library (installed with the book's requirements).
"""


def write_copies(out: Path) -> list[Path]:
    """Write every chapter's copy into ``out``, with the students' README."""
    written = []
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.ipynb"):
        old.unlink()
    for path in chapter_paths():
        copy = student_copy(nbformat.read(path, as_version=4))
        nbformat.validate(copy)
        target = out / path.name
        nbformat.write(copy, target)
        written.append(target)
    (out / "README.md").write_text(STUDENT_README, encoding="utf-8")
    return written


# ---------------------------------------------------------------- one notebook per student

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def read_roster(path: Path) -> list[str]:
    """Student ids from a CSV: column ``student`` or ``id`` if the header names one, else the
    first column; blank lines and lines starting with ``#`` are skipped; ids must be unique."""
    rows = [row for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines())
            if row and row[0].strip() and not row[0].lstrip().startswith("#")]
    if not rows:
        raise SystemExit(f"{path}: no student ids in the roster")
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((header.index(name) for name in ("student", "id") if name in header), None)
    if column is not None:
        rows = rows[1:]
    ids = [row[column or 0].strip() for row in rows if len(row) > (column or 0)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SystemExit(f"{path}: student ids appear twice: {', '.join(duplicates)}")
    return ids


def file_name(student: str) -> str:
    """A file name for a student id (letters, digits, '.', '_' and '-' kept)."""
    name = SAFE_NAME.sub("_", student).strip("._") or "student"
    return f"{name}.ipynb"


def students_and_seeds(ids: list[str], salt: str = "") -> list[tuple[str, int]]:
    """(student id, seed) for each id of a roster, the seed derived from the id and ``salt``."""
    from tconv.book.exercises import seed_for
    return [(student, seed_for(student, salt)) for student in ids]


EXERCISE_INTRO = """# Exercises for {student}

These exercises are the book's, with numbers of your own: another student has other numbers,
so compare methods with each other, not answers. Run the first code cell, then write each
answer in place of the `...` and run its cell: `check` says whether it is right and, if not,
gives a hint (never the answer). Keep `SEED` as it is; it is how your numbers are made and how
your work is graded. The chapters named under each exercise explain what you need.
"""


def chapter_titles() -> dict[str, str]:
    """Chapter slug -> its title (the first '# ' heading of the notebook)."""
    titles = {}
    for path in chapter_paths():
        for cell in nbformat.read(path, as_version=4).cells:
            heading = re.search(r"^# (.+)$", source(cell), re.MULTILINE)
            if cell.cell_type == "markdown" and heading:
                titles[path.stem] = heading[1].strip()
                break
    return titles


def exercise_notebook(student: str, seed: int):
    """One student's notebook: every variant exercise with their numbers and an answer cell."""
    from tconv.book.exercises import VARIANTS, chapter_of, variant
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.metadata["tconv"] = {"student": student, "seed": seed}
    cells = [nbformat.v4.new_markdown_cell(EXERCISE_INTRO.format(student=student)),
             nbformat.v4.new_code_cell(
                 f"from tconv.book.exercises import check\n\nSEED = {seed}  # your numbers: "
                 "keep it as it is",
                 metadata={"tags": ["seed"], "editable": False, "deletable": False})]
    titles = chapter_titles()
    for n, label in enumerate(VARIANTS, 1):
        v = variant(label, seed)
        chapter = titles.get(chapter_of(label), chapter_of(label))
        cells.append(nbformat.v4.new_markdown_cell(
            f"## Exercise {n} (`{label}`)\n\nFrom the chapter *{chapter}*.\n\n"
            f"{v.question}",
            metadata={"tconv": {"exercise": label}}))
        cells.append(nbformat.v4.new_code_cell(
            f"answer = ...  # your answer: {v.form}\ncheck({label!r}, answer, seed=SEED)",
            metadata={"tags": ["answer"], "tconv": {"exercise": label}}))
    nb.cells = cells
    return nb


def _plain_json(value):
    """An expected answer as JSON: arrays and tuples as lists, numpy numbers as Python ones."""
    import numpy as np
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_exercises(out: Path, key: Path, students: list[tuple[str, int]]) -> list[Path]:
    """Each student's notebook into ``out``; the key and the seeds into ``key`` (the
    instructor's folder, never handed out). Returns the notebooks written."""
    from tconv.book.exercises import VARIANTS, variant
    names = [file_name(student) for student, _ in students]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise SystemExit(f"two student ids give the same file name: {', '.join(clashes)}")
    if key.resolve() == out.resolve() or out.resolve() in key.resolve().parents:
        raise SystemExit(f"the key folder {key} must not be inside the students' folder {out}")
    out.mkdir(parents=True, exist_ok=True)
    key.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.ipynb"):
        old.unlink()
    written = []
    with open(key / "key.csv", "w", newline="", encoding="utf-8") as table, \
            open(key / "seeds.csv", "w", newline="", encoding="utf-8") as seeds:
        rows, seed_rows = csv.writer(table), csv.writer(seeds)
        rows.writerow(["student", "seed", "exercise", "expected"])
        seed_rows.writerow(["student", "seed", "notebook"])
        for (student, seed), name in zip(students, names, strict=True):
            nb = exercise_notebook(student, seed)
            nbformat.validate(nb)
            nbformat.write(nb, out / name)
            written.append(out / name)
            seed_rows.writerow([student, seed, name])
            for label in VARIANTS:
                expected = _plain_json(variant(label, seed).expected())
                rows.writerow([student, seed, label, json.dumps(expected)])
    (key / "README.md").write_text(KEY_README, encoding="utf-8")
    return written


KEY_README = """# Instructor's key: do not hand out

- `key.csv`: one row per student and exercise: `student`, `seed`, `exercise` (the book's
  label), `expected` (the answer as JSON: a number, a list, or a list of the answer's parts).
- `seeds.csv`: each student's seed and notebook file name.

To grade one answer: `tconv.book.exercises.check(exercise, answer, seed=seed)` (True when
right). To grade submitted notebooks: `python scripts/student.py grade SUBMITTED/*.ipynb`
runs each one and writes a table of right/wrong per exercise.
"""


# ---------------------------------------------------------------- grading

GRADE_CELL = """\
import json as _json
from tconv.book.exercises import feedback as _feedback
_grades = globals().setdefault("_grades", {{}})
try:
    _grades[{label!r}] = _feedback({label!r}, answer, seed={seed})
except NameError:
    _grades[{label!r}] = "No answer cell was run."
answer = ...
"""


def grade_notebook(path: Path, seed: int, timeout: int = 120) -> dict[str, str]:
    """exercise label -> the feedback on the answer in submitted notebook ``path``, judged
    with ``seed`` (the key's, not the notebook's). Runs the notebook with nbclient."""
    from nbclient import NotebookClient
    from tconv.book.exercises import VARIANTS
    nb = nbformat.read(path, as_version=4)
    cells = [nbformat.v4.new_code_cell("answer = ...")]
    for cell in nb.cells:
        cells.append(cell)
        label = cell.get("metadata", {}).get("tconv", {}).get("exercise")
        if cell.cell_type == "code" and label in VARIANTS:
            cells.append(nbformat.v4.new_code_cell(GRADE_CELL.format(label=label, seed=seed)))
    cells.append(nbformat.v4.new_code_cell(
        "print(_json.dumps(globals().get('_grades', {})))"))
    nb.cells = cells
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", [])
                   if o.get("name") == "stdout")
    found = json.loads(text.strip().splitlines()[-1]) if text.strip() else {}
    return {label: found.get(label, "This exercise's answer cell is missing.")
            for label in VARIANTS}


def grade(paths: list[Path], key: Path) -> Path:
    """Grade submitted notebooks against ``key/seeds.csv``; write ``key/grades.csv``."""
    with open(key / "seeds.csv", encoding="utf-8") as f:
        seeds = {row["student"]: int(row["seed"]) for row in csv.DictReader(f)}
    by_file = {file_name(student): student for student in seeds}
    target = key / "grades.csv"
    with open(target, "w", newline="", encoding="utf-8") as f:
        rows = csv.writer(f)
        rows.writerow(["student", "exercise", "right", "feedback"])
        for path in paths:
            meta = nbformat.read(path, as_version=4).metadata.get("tconv", {})
            student = meta.get("student") if meta.get("student") in seeds else \
                by_file.get(path.name)
            if student is None:
                raise SystemExit(f"{path}: no student of {key / 'seeds.csv'} matches it")
            for label, message in grade_notebook(path, seeds[student]).items():
                rows.writerow([student, label, int(message.startswith("Correct")), message])
    return target


def main(argv: list[str]) -> int:
    if argv[:1] == ["grade"]:
        parser = argparse.ArgumentParser(prog="student.py grade",
                                         description="Grade submitted exercise notebooks.")
        parser.add_argument("notebooks", nargs="+", type=Path)
        parser.add_argument("--key", type=Path, default=ROOT / "_build" / "instructor")
        args = parser.parse_args(argv[1:])
        print(f"grades in {grade(args.notebooks, args.key)}")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "_build" / "student")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--roster", type=Path, help="CSV of student ids (column student or id, "
                     "else the first column)")
    who.add_argument("--seeds", type=int, nargs="+", help="seeds, one notebook each")
    parser.add_argument("--salt", default="", help="with --roster: a course or term name, so "
                        "the same roster gets other numbers next time")
    parser.add_argument("--key", type=Path, default=ROOT / "_build" / "instructor",
                        help="the instructor's folder for the key (not handed out)")
    args = parser.parse_args(argv)
    written = write_copies(args.out)
    print(f"{len(written)} chapters without solutions or answer checks in {args.out}")
    if args.roster or args.seeds:
        students = (students_and_seeds(read_roster(args.roster), args.salt) if args.roster
                    else [(f"seed-{seed}", seed) for seed in args.seeds])
        if any(seed < 0 for _, seed in students):
            raise SystemExit("seeds must be whole numbers >= 0")
        sheets = write_exercises(args.out / "exercises", args.key, students)
        print(f"{len(sheets)} exercise notebooks in {args.out / 'exercises'}; the key in "
              f"{args.key / 'key.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
