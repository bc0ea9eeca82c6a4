"""Keep the chapters' check cells out of a student's way in Jupyter, from the cells' tags.

The book hides cells by their tags (``remove-cell``, ``hide-input``, ...); JupyterLab ignores
tags but collapses a cell whose ``metadata.jupyter.source_hidden`` / ``outputs_hidden`` is
true. This script derives that metadata from the tags, so Lab shows what the book shows:

- ``remove-cell`` and ``hide-cell``: source and outputs collapsed;
- ``remove-input`` and ``hide-input``: source collapsed, outputs shown;
- ``remove-output`` and ``hide-output``: outputs collapsed.

A cell without those tags loses any collapse flag, so the metadata always follows the tags.

Exercise answer checks (a ``remove-cell`` code cell after a chapter's first ``{exercise}``):
one that needs nothing from the chapter but its imports is moved into
``tests/exercise_answers/<chapter>.py`` as a function, which ``tests/test_exercises.py`` runs;
it is moved only after it has passed there on its own, so every check is kept. One that needs
the chapter's variables stays, collapsed, and is tagged ``answer-check`` (``make student``
drops those cells) and, unless it starts with a comment, gets ``ANSWER_HEADER`` as its first
line, the only line JupyterLab shows of a collapsed cell. Markdown cells lose
``user_expressions`` (``{eval}`` results that JupyterLab saves: outputs, not committed).

Run it after editing chapters; it changes nothing the second time.

    python scripts/check_cells.py            # rewrite the notebooks, move answer checks
    python scripts/check_cells.py --check    # list what is out of date, exit 1 if anything
"""

from __future__ import annotations

import argparse
import ast
import builtins
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
ANSWERS = ROOT / "tests" / "exercise_answers"

COLLAPSE = {
    "remove-cell": ("source_hidden", "outputs_hidden"),
    "hide-cell": ("source_hidden", "outputs_hidden"),
    "remove-input": ("source_hidden",),
    "hide-input": ("source_hidden",),
    "remove-output": ("outputs_hidden",),
    "hide-output": ("outputs_hidden",),
}
FLAGS = ("source_hidden", "outputs_hidden")
ANSWER_TAG = "answer-check"
# JupyterLab shows a collapsed cell's first line: for an answer check, a comment that gives
# nothing away
ANSWER_HEADER = "# Checks that the worked solutions above stay true (hidden from students)."
EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}", re.MULTILINE)
LABEL = re.compile(r"^:label:\s*(\S+)", re.MULTILINE)


# ---------------------------------------------------------------- collapsing


def wanted_flags(cell) -> set[str]:
    """The collapse flags a cell's tags ask for."""
    tags = cell.get("metadata", {}).get("tags", [])
    return {flag for tag in tags for flag in COLLAPSE.get(tag, ())}


def collapse(cell) -> bool:
    """Set the cell's collapse flags from its tags; True if anything changed."""
    metadata = cell.setdefault("metadata", {})
    before = dict(metadata.get("jupyter", {}))
    jupyter = {k: v for k, v in before.items() if k not in FLAGS}
    jupyter.update({flag: True for flag in sorted(wanted_flags(cell))})
    if jupyter:
        metadata["jupyter"] = jupyter
    else:
        metadata.pop("jupyter", None)
    return jupyter != before


def strip_user_expressions(cell) -> bool:
    """Drop the ``{eval}`` results JupyterLab saves in a markdown cell; True if there were any."""
    if cell.get("cell_type") == "markdown" and "user_expressions" in cell.get("metadata", {}):
        del cell["metadata"]["user_expressions"]
        return True
    return False


# ---------------------------------------------------------------- answer checks


def source(cell) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def first_exercise(cells) -> int | None:
    """Index of the first markdown cell with an ``{exercise}`` directive, or None."""
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and EXERCISE.search(source(cell)):
            return i
    return None


def answer_checks(cells) -> list[int]:
    """Indexes of the answer checks: ``remove-cell`` code cells after the first exercise."""
    start = first_exercise(cells)
    if start is None:
        return []
    return [i for i, cell in enumerate(cells) if i > start and cell["cell_type"] == "code"
            and "remove-cell" in cell.get("metadata", {}).get("tags", [])]


def labels_above(cells, index: int) -> list[str]:
    """The exercise labels of the nearest markdown cell above ``index`` that has any."""
    for cell in reversed(cells[:index]):
        if cell["cell_type"] == "markdown":
            found = LABEL.findall(source(cell))
            if found and EXERCISE.search(source(cell)):
                return found
    return []


def single_imports(node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """Name -> a one-name import statement binding it, for each name an import binds."""
    bound = {}
    for alias in node.names:
        if isinstance(node, ast.Import):
            name = alias.asname or alias.name.split(".")[0]
            bound[name] = (f"import {alias.name} as {alias.asname}" if alias.asname
                           else f"import {alias.name}")
        elif node.module:
            tail = f"{alias.name} as {alias.asname}" if alias.asname else alias.name
            bound[alias.asname or alias.name] = f"from {node.module} import {tail}"
    return bound


def chapter_imports(cells, upto: int) -> dict[str, str]:
    """Name -> the import statement (one name) that binds it, from the code cells above ``upto``."""
    bound = {}
    for cell in cells[:upto]:
        if cell["cell_type"] != "code":
            continue
        try:
            tree = ast.parse(source(cell))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                bound.update(single_imports(node))
    return bound


def free_names(code: str) -> set[str]:
    """Names the code reads but never binds itself (builtins excluded)."""
    tree = ast.parse(code)
    bound, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store | ast.Del) else read).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return read - bound - set(dir(builtins))


def movable(cells, index: int) -> list[str] | None:
    """The import lines an answer check needs if it needs nothing else from its chapter, or None."""
    imports = chapter_imports(cells, index)
    needed = free_names(source(cells[index]))
    if not needed <= set(imports):
        return None
    return sorted({imports[name] for name in needed})


def function_name(labels: list[str], taken: set[str]) -> str:
    stem = "check_" + "_".join(label.replace("-", "_") for label in labels[-1:]) if labels \
        else "check_answers"
    name, n = stem, 2
    while name in taken:
        name, n = f"{stem}_{n}", n + 1
    return name


def shown(path: Path) -> str:
    """A path as the report shows it: relative to the repository when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def module_path(notebook: Path, answers: Path | None = None) -> Path:
    """The test module that receives a chapter's moved answer checks."""
    return (answers or ANSWERS) / (notebook.stem.replace("-", "_") + ".py")


def _name_order(name: str) -> tuple:
    """isort's order of imported names: CONSTANTS, then Classes, then the rest."""
    return (not name.isupper(), not name[:1].isupper(), name)


def import_lines(imports: set[str]) -> list[str]:
    """One-name import statements as an isort-ordered block (``from`` lines merged)."""
    plain = sorted(line for line in imports if line.startswith("import "))
    modules: dict[str, list[str]] = {}
    for line in imports:
        if line.startswith("from "):
            module, name = re.match(r"from (\S+) import (.+)", line).groups()
            modules.setdefault(module, []).append(name)
    froms = [f"from {module} import {', '.join(sorted(names, key=_name_order))}"
             for module, names in sorted(modules.items())]
    return plain + froms


def module_text(notebook: Path, imports: set[str], functions: list[tuple[str, list[str], str]]
                ) -> str:
    """A module of answer checks: its imports, then one function per moved cell."""
    header = (f'"""Exercise answer checks moved out of chapters/{notebook.name} '
              "by scripts/check_cells.py.\n\n"
              "Each function is a cell that sat under the exercises it names, checking that "
              "their worked\nsolutions stay true; tests/test_exercises.py runs every "
              '``check_*`` function.\n"""\n\n')
    body = "\n\n".join(
        f"def {name}():\n"
        + textwrap.indent(textwrap.fill(
            f'"""Worked solutions of {", ".join(labels) or "the exercises"}."""', 92,
            break_on_hyphens=False), "    ")
        + "\n" + textwrap.indent(code.rstrip() + "\n", "    ")
        for name, labels, code in functions)
    block = "\n".join(import_lines(imports))
    return header + (block + "\n\n\n" if block else "\n") + body


def existing_module(path: Path) -> tuple[set[str], list[tuple[str, list[str], str]]]:
    """Imports (one name each) and functions (name, labels, body) of an answer-check module."""
    if not path.exists():
        return set(), []
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    imports, functions = set(), []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.update(single_imports(node).values())
        elif isinstance(node, ast.FunctionDef):
            doc = ast.get_docstring(node) or ""
            labels = re.findall(r"ex-[\w-]*\w", doc)
            start = node.body[0].end_lineno if doc else node.lineno  # after the docstring
            code = textwrap.dedent("".join(lines[start:node.end_lineno]))
            functions.append((node.name, labels, code))
    return imports, functions


def passes_alone(path: Path, function: str) -> str | None:
    """Run one function of a module in a fresh interpreter: None if it passes, else the error."""
    program = (f"import runpy; runpy.run_path({str(path)!r})[{function!r}]()")
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True,
                            text=True)
    return None if result.returncode == 0 else (result.stderr.strip().splitlines() or ["?"])[-1]


def move_answer_checks(notebook: Path, nb, write: bool, answers: Path = ANSWERS) -> list[str]:
    """Move the chapter's self-contained answer checks into its test module; report each one."""
    report = []
    path = module_path(notebook, answers)
    for index in reversed(answer_checks(nb.cells)):
        imports = movable(nb.cells, index)
        if imports is None:
            continue
        labels = labels_above(nb.cells, index)
        if not write:
            report.append(f"{notebook.name}: cell {index} (after {', '.join(labels)}) needs only "
                          f"imports: move it into {shown(path)}")
            continue
        old_imports, functions = existing_module(path)
        name = function_name(labels, {f[0] for f in functions})
        previous = path.read_text(encoding="utf-8") if path.exists() else None
        answers.mkdir(parents=True, exist_ok=True)
        new = old_imports | set(imports)
        # keep the chapter's order: the new function goes before those moved from later cells
        functions.insert(0, (name, labels, source(nb.cells[index])))
        path.write_text(module_text(notebook, new, functions), encoding="utf-8")
        error = passes_alone(path, name)
        if error:
            if previous is None:
                path.unlink()
            else:
                path.write_text(previous, encoding="utf-8")
            report.append(f"{notebook.name}: cell {index} kept (fails on its own: {error})")
            continue
        del nb.cells[index]
        report.append(f"{notebook.name}: cell {index} moved to {shown(path)}::{name}")
    return report


def tag_answer_checks(nb) -> bool:
    """Tag the answer checks ``answer-check`` (and untag other cells), and give each a first
    line that reveals nothing (what Lab shows of it collapsed); True if anything changed."""
    checks = set(answer_checks(nb.cells))
    changed = False
    for i in checks:
        if not source(nb.cells[i]).startswith("#"):
            nb.cells[i]["source"] = ANSWER_HEADER + "\n" + source(nb.cells[i])
            changed = True
    for i, cell in enumerate(nb.cells):
        tags = cell.setdefault("metadata", {}).get("tags", [])
        if (i in checks) != (ANSWER_TAG in tags):
            tags = [t for t in tags if t != ANSWER_TAG] + ([ANSWER_TAG] if i in checks else [])
            cell["metadata"]["tags"] = tags
            changed = True
    return changed


# ---------------------------------------------------------------- the whole chapter


def problems(nb) -> list[str]:
    """What is out of date in one notebook, without changing it (the test's view)."""
    found = []
    checks = set(answer_checks(nb.cells))
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {})
        want = wanted_flags(cell)
        have = {flag for flag in FLAGS if meta.get("jupyter", {}).get(flag)}
        if want != have:
            found.append(f"cell {i} (tags {meta.get('tags', [])}): collapse flags "
                         f"{sorted(have)}, its tags ask for {sorted(want)}")
        if i in checks and not source(cell).startswith("#"):
            found.append(f"cell {i}: an answer check whose first line (shown when collapsed) "
                         "is code, not a comment")
        if (i in checks) != (ANSWER_TAG in meta.get("tags", [])):
            found.append(f"cell {i}: {'an' if i in checks else 'not an'} exercise answer check, "
                         f"so {'tag' if i in checks else 'untag'} it {ANSWER_TAG!r}")
        if cell["cell_type"] == "markdown" and "user_expressions" in meta:
            found.append(f"cell {i}: saved {{eval}} results (metadata.user_expressions)")
    return found


def process(notebook: Path, write: bool, answers: Path = ANSWERS) -> list[str]:
    """Bring one notebook up to date (or, with ``write=False``, list what is out of date)."""
    text = notebook.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    report = move_answer_checks(notebook, nb, write, answers)
    if not write:
        return report + [f"{notebook.name}: {p}" for p in problems(nb)]
    tag_answer_checks(nb)
    for cell in nb.cells:
        collapse(cell)
        strip_user_expressions(cell)
    out = nbformat.writes(nb) + "\n"
    if out != text:
        notebook.write_text(out, encoding="utf-8")
        report.append(f"{notebook.name}: updated")
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing, list what is out "
                        "of date and exit 1 if anything is")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks (default: chapters/*.ipynb)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(CHAPTERS.glob("*.ipynb"))
    report = [line for nb in notebooks for line in process(nb.resolve(), not args.check)]
    print("\n".join(report) or "nothing to change")
    return 1 if args.check and report else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
