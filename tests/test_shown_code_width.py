"""Library code the chapters show with ``{literalinclude}`` + ``:pyobject:`` fits the page.

The book's code column holds about 78 characters; a longer line scrolls sideways and hides
its right end. This reads every chapter's markdown cells, finds each included object with
``ast`` (decorators included, ``Class.method`` for methods), applies ``:start-after:`` /
``:end-before:`` the way the directive does, and measures the lines the reader sees.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
MAX_WIDTH = 78

# an opening fence (``` or :::) with {literalinclude}, then its ":option: value" lines
DIRECTIVE = re.compile(
    r"^[ \t]*(?:`{3,}|:{3,})\{literalinclude\}[ \t]+(?P<path>\S+)[ \t]*\n"
    r"(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n?)*)",
    re.MULTILINE,
)
OPTION = re.compile(r"^[ \t]*:(?P<name>[\w-]+):[ \t]*(?P<value>[^\n]*?)[ \t]*$", re.MULTILINE)


def find_includes(markdown: str) -> list[tuple[str, dict[str, str]]]:
    """(path, options) of every literalinclude directive in one markdown text."""
    found = []
    for match in DIRECTIVE.finditer(markdown):
        options = {m["name"]: m["value"] for m in OPTION.finditer(match["options"])}
        found.append((match["path"], options))
    return found


def shown_includes() -> list[tuple[str, Path, dict[str, str]]]:
    """(chapter name, included file, options) of every pyobject include in the chapters."""
    includes = []
    for chapter in CHAPTERS:
        cells = json.loads(chapter.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] != "markdown":
                continue
            source = cell["source"]
            text = "".join(source) if isinstance(source, list) else source
            for path, options in find_includes(text):
                if "pyobject" in options:
                    target = (chapter.parent / path).resolve()
                    includes.append((chapter.name, target, options))
    return includes


def object_lines(source: str, dotted: str) -> tuple[int, int] | None:
    """1-based (first, last) line of ``dotted`` (``name`` or ``Class.method``), or None."""
    body = ast.parse(source).body
    node = None
    for part in dotted.split("."):
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        node = next((n for n in body if isinstance(n, kinds) and n.name == part), None)
        if node is None:
            return None
        body = node.body
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return first, node.end_lineno


def shown_lines(path: Path, options: dict[str, str]) -> list[tuple[int, str]]:
    """(line number, text) of the lines the directive displays."""
    source = path.read_text(encoding="utf-8")
    span = object_lines(source, options["pyobject"])
    assert span is not None, f"{path.name} has no object {options['pyobject']!r}"
    numbered = list(enumerate(source.splitlines(), start=1))[span[0] - 1 : span[1]]
    if "start-after" in options:
        hits = [i for i, (_, text) in enumerate(numbered) if options["start-after"] in text]
        assert hits, f"start-after {options['start-after']!r} not in {options['pyobject']}"
        numbered = numbered[hits[0] + 1 :]
    if "end-before" in options:
        hits = [i for i, (_, text) in enumerate(numbered) if options["end-before"] in text]
        assert hits, f"end-before {options['end-before']!r} not in {options['pyobject']}"
        numbered = numbered[: hits[0]]
    return numbered


INCLUDES = shown_includes()


def test_the_chapters_show_library_objects():
    assert INCLUDES, "no {literalinclude} with :pyobject: found in chapters/*.ipynb"


def test_the_directive_parser_reads_options_across_lines_and_indents():
    text = (
        "Intro\n\n```{literalinclude} ../lib/a.py\n  :pyobject: K.f\n:end-before: def g\n"
        "```\n\n:::{literalinclude} ../lib/b.py\n:language: python\n:::\n"
    )
    assert find_includes(text) == [
        ("../lib/a.py", {"pyobject": "K.f", "end-before": "def g"}),
        ("../lib/b.py", {"language": "python"}),
    ]


def test_object_lines_cover_decorators_and_methods():
    source = (
        "import x\n\n@dec\n@dec2\ndef f():\n    pass\n\n"
        "class K:\n    def m(self):\n        return 1\n"
    )
    assert object_lines(source, "f") == (3, 6)
    assert object_lines(source, "K.m") == (9, 10)
    assert object_lines(source, "K") == (8, 10)
    assert object_lines(source, "K.missing") is None


@pytest.mark.parametrize(
    ("chapter", "path", "options"),
    INCLUDES,
    ids=[f"{c}:{o['pyobject']}" for c, _, o in INCLUDES],
)
def test_shown_object_exists_and_fits_the_code_column(chapter, path, options):
    assert path.is_file(), f"{chapter} includes {path}, which does not exist"
    lines = shown_lines(path, options)
    assert lines, f"{chapter} shows nothing of {options['pyobject']}"
    too_long = [
        f"{path.relative_to(ROOT)}:{number}:{len(text)}"
        for number, text in lines
        if len(text.expandtabs()) > MAX_WIDTH
    ]
    assert not too_long, (
        f"{chapter} shows {options['pyobject']} with lines over {MAX_WIDTH} characters: "
        + ", ".join(too_long)
    )
