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

A copy is made for a ``Variant`` (today a single one for the whole class). Per-student copies
(for example exercises with numbers drawn from a seed on a roster) add variants and a
transform that reads ``variant.seed``; the loop in ``write_copies`` already writes one folder
per variant when there is more than one.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
ANSWER_TAG = "answer-check"
# a {solution} directive (also -start/-end), to its closing fence of the same length
SOLUTION = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{solution(?:-start|-end)?\}.*?^(?P=fence)[ \t]*$\n?",
    re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Variant:
    """Who a set of copies is for: ``name`` names its folder, ``seed`` is for future variants."""

    name: str = "class"
    seed: int | None = None


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


def student_copy(nb, variant: Variant = Variant()):
    """A copy of one chapter notebook for ``variant``: no solutions, no answer checks."""
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


def write_copies(out: Path, variants: list[Variant]) -> list[Path]:
    """Write every chapter's copy for each variant; one folder per variant if there are several."""
    written = []
    for variant in variants:
        folder = out if len(variants) == 1 else out / variant.name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.ipynb"):
            old.unlink()
        for path in chapter_paths():
            copy = student_copy(nbformat.read(path, as_version=4), variant)
            nbformat.validate(copy)
            target = folder / path.name
            nbformat.write(copy, target)
            written.append(target)
        (folder / "README.md").write_text(STUDENT_README, encoding="utf-8")
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "_build" / "student")
    args = parser.parse_args(argv)
    written = write_copies(args.out, [Variant()])
    print(f"{len(written)} chapters without solutions or answer checks in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
