"""Every chapter is course material: objectives first, then a Summary and Exercises with solutions.

Reads the markdown cells of each chapters/*.ipynb (no execution): a first cell with a label,
a title and "Learning objectives"; a "## Summary" heading followed by a "## Exercises" heading;
at least three ``{exercise}`` directives labelled ``ex-<slug>-<n>``, each answered by exactly
one ``{solution}`` shown as a dropdown, and no solution without its exercise.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
MIN_EXERCISES = 3

# A directive opening: a fence of 3+ backticks or colons, the name, its argument, then the
# ":option: value" lines that follow it.
DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?P<name>exercise|solution)\}[ \t]*(?P<arg>[^\n]*)\n"
    r"(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n)*)",
    re.MULTILINE,
)


def markdown_cells(path: Path) -> list[str]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [
        "".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown"
    ]


def options_of(block: str) -> dict[str, str]:
    found = {}
    for line in block.splitlines():
        match = re.match(r"\s*:([\w-]+):\s*(.*)", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def directives(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """(name, argument, options) of every exercise and solution directive in the text."""
    return [
        (m.group("name"), m.group("arg").strip(), options_of(m.group("options")))
        for m in DIRECTIVE.finditer(text)
    ]


def structure_problems(slug: str, cells: list[str]) -> list[str]:
    """What this chapter lacks, in words; empty when it has everything."""
    problems = []
    if not cells:
        return ["no markdown cells"]
    first = cells[0].lstrip()
    if not re.match(rf"\({re.escape(slug)}\)=\s*\n#\s+\S", first):
        problems.append(f"the first cell does not start with the label ({slug})= and a title")
    if "Learning objectives" not in first:
        problems.append("no 'Learning objectives' in the first cell")
    text = "\n".join(cells)
    summary = re.search(r"^## Summary\s*$", text, re.MULTILINE)
    exercises = re.search(r"^## Exercises\s*$", text, re.MULTILINE)
    if summary is None:
        problems.append("no '## Summary' heading")
    if exercises is None:
        problems.append("no '## Exercises' heading")
    if summary and exercises and exercises.start() < summary.start():
        problems.append("'## Exercises' comes before '## Summary'")

    found = directives(text)
    labels = [opts.get("label", "") for name, _, opts in found if name == "exercise"]
    answered = [arg for name, arg, _ in found if name == "solution"]
    if len(labels) < MIN_EXERCISES:
        problems.append(f"{len(labels)} exercises, at least {MIN_EXERCISES} expected")
    for label in labels:
        if not re.fullmatch(rf"ex-{re.escape(slug)}-\d+", label):
            problems.append(f"exercise label {label!r} is not ex-{slug}-<n>")
        if answered.count(label) != 1:
            problems.append(f"exercise {label!r} has {answered.count(label)} solutions, not 1")
    for target in answered:
        if target not in labels:
            problems.append(f"solution for {target!r}, which is no exercise of this chapter")
    for name, arg, opts in found:
        if name == "solution" and "dropdown" not in opts.get("class", "").split():
            problems.append(f"solution for {arg!r} is not a dropdown")
    if exercises and DIRECTIVE.search(text[: exercises.start()]):
        problems.append("an exercise or solution sits before '## Exercises'")
    return problems


GOOD = """(demo)=
# Demo

**Learning objectives**
- one
"""
GOOD_END = "## Summary\n\nText.\n\n## Exercises\n\n" + "".join(
    f"````{{exercise}}\n:label: ex-demo-{n}\n\nQ{n}\n````\n\n"
    f"````{{solution}} ex-demo-{n}\n:class: dropdown\n\nA{n}\n````\n\n"
    for n in (1, 2, 3)
)


def test_the_checker_accepts_a_complete_chapter():
    assert structure_problems("demo", [GOOD, GOOD_END]) == []


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ([GOOD.replace("Learning objectives", "Goals"), GOOD_END], "Learning objectives"),
        ([GOOD, GOOD_END.replace("## Summary", "## Recap")], "no '## Summary'"),
        ([GOOD, GOOD_END.replace("ex-demo-3\n:class", "ex-demo-2\n:class")], "ex-demo-3"),
        ([GOOD, GOOD_END.replace(":class: dropdown\n\nA1", "\nA1")], "not a dropdown"),
        ([GOOD, GOOD_END.split("````{exercise}\n:label: ex-demo-3")[0]], "2 exercises"),
        ([GOOD.replace("(demo)=", "(other)="), GOOD_END], "label (demo)="),
        ([GOOD + GOOD_END.split("## Exercises")[1], GOOD_END], "before '## Exercises'"),
    ],
)
def test_the_checker_names_what_is_missing(cells, expected):
    problems = structure_problems("demo", cells)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_has_objectives_summary_and_exercises_with_solutions(path):
    assert structure_problems(path.stem, markdown_cells(path)) == []


# ---------------------------------------------------------------- what the reader sees

# A code cell's source is hidden from the reader only by these tags; ``hide-input`` and
# ``hide-cell`` sources are one click away, so they count as shown.
HIDDEN_SOURCE_TAGS = {"remove-cell", "remove-input"}
MAX_SHOWN_LINES = 15
MAX_SHOWN_ASSERTS = 5


def shown_code_cells(path: Path) -> list[tuple[int, str]]:
    """(cell index, source) of every code cell whose source the reader can see."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    shown = []
    for i, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        if HIDDEN_SOURCE_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        source = cell["source"]
        shown.append((i, "".join(source) if isinstance(source, list) else source))
    return shown


def shown_lines(source: str) -> int:
    """Lines of a cell as the reader sees them (trailing blank lines do not count)."""
    return len(source.rstrip().splitlines())


def assert_lines(source: str) -> list[str]:
    """The lines of a cell that start an ``assert`` statement."""
    return [line.strip() for line in source.splitlines()
            if re.match(r"\s*assert\b", line)]


def test_shown_cells_count_hide_input_as_shown(tmp_path):
    cells = [{"cell_type": "code", "metadata": {"tags": tags}, "source": "x = 1\n"}
             for tags in ([], ["hide-input"], ["hide-cell"], ["remove-cell"], ["remove-input"])]
    path = tmp_path / "demo.ipynb"
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    assert [i for i, _ in shown_code_cells(path)] == [0, 1, 2]
    assert shown_lines("a = 1\n\nb = 2\n\n\n") == 3
    assert assert_lines("assert a\n# assert b\nx = 'assert'\n    assert (c ==\n d)") == [
        "assert a", "assert (c =="]


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_shown_code_cells_are_short(path):
    """A shown cell is the few lines a reader would type; longer code lives in tconv.book."""
    long = [f"cell {i}: {shown_lines(src)} lines, starting {src.splitlines()[0][:60]!r}"
            for i, src in shown_code_cells(path) if shown_lines(src) > MAX_SHOWN_LINES]
    assert not long, (f"{path.name}: shown code cells over {MAX_SHOWN_LINES} lines "
                      "(move code into the chapter's companion, or checks into a remove-cell "
                      "cell):\n" + "\n".join(long))


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_shows_few_asserts(path):
    """Checks run out of sight (remove-cell); a shown assert is kept only where it is the lesson."""
    shown = [(i, line) for i, src in shown_code_cells(path) for line in assert_lines(src)]
    assert len(shown) <= MAX_SHOWN_ASSERTS, (
        f"{path.name} shows {len(shown)} assert lines (at most {MAX_SHOWN_ASSERTS}):\n"
        + "\n".join(f"cell {i}: {line[:70]}" for i, line in shown))
