"""Library code the chapters show fits the page, and is shown in a way JupyterLab renders.

The book's code column holds about 78 characters; a longer line scrolls sideways and hides
its right end. Chapters show library code with a cell that calls ``tconv.show.source(...)``
(tagged ``remove-input``: the reader sees the code, not the call). This finds every such call
in every chapter's code cells, evaluates it with the chapter's own imports, and measures the
lines it shows. ``{literalinclude}`` renders nothing in JupyterLab, so no chapter may use it
(the check that measured the lines it included was left with nothing to measure, an empty
parameter set reported as a skip, and is gone).
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


INCLUDES = shown_includes()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_no_chapter_uses_literalinclude(chapter):
    """It shows nothing at all in JupyterLab: a remove-input cell with source(...) replaces it."""
    found = [(chapter.name, path, options) for chapter_name, path, options in INCLUDES
             if chapter_name == chapter.name]
    assert not found, (f"{chapter.name} shows library code with {{literalinclude}}, which "
                       "JupyterLab renders as nothing; use a remove-input cell calling "
                       "tconv.show.source(...) instead: "
                       + ", ".join(o.get("pyobject", str(p)) for _, p, o in found))


def test_the_directive_parser_reads_options_across_lines_and_indents():
    text = (
        "Intro\n\n```{literalinclude} ../lib/a.py\n  :pyobject: K.f\n:end-before: def g\n"
        "```\n\n:::{literalinclude} ../lib/b.py\n:language: python\n:::\n"
    )
    assert find_includes(text) == [
        ("../lib/a.py", {"pyobject": "K.f", "end-before": "def g"}),
        ("../lib/b.py", {"language": "python"}),
    ]


# ---------------------------------------------------------------- source(...) cells


def _cell_text(cell) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def _is_source_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "source") or (
        isinstance(func, ast.Attribute) and func.attr == "source"
        and isinstance(func.value, ast.Attribute | ast.Name))


def source_calls() -> list[tuple[str, int, list[str], str, dict]]:
    """(chapter, cell index, cell tags, call text, namespace) of every source(...) call.

    The namespace holds what the chapter's import statements bind, up to that cell: enough to
    evaluate the call, whose argument names a library object.
    """
    calls = []
    for chapter in CHAPTERS:
        cells = json.loads(chapter.read_text(encoding="utf-8"))["cells"]
        imports: list[str] = []
        for i, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            text = _cell_text(cell)
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            imports += [ast.unparse(n) for n in ast.walk(tree)
                        if isinstance(n, ast.Import | ast.ImportFrom)]
            for node in ast.walk(tree):
                if _is_source_call(node):
                    tags = cell.get("metadata", {}).get("tags", [])
                    calls.append((chapter.name, i, tags, ast.unparse(node), list(imports)))
    return calls


def evaluate(call: str, imports: list[str]):
    """The Code object a source(...) call returns, run after the chapter's imports."""
    namespace: dict = {}
    exec("\n".join(imports), namespace)  # noqa: S102 - the chapter's own import lines
    if "source" not in namespace:
        exec("from tconv.show import source", namespace)  # noqa: S102
    return eval(call, namespace)  # noqa: S307 - a call written in a chapter


SOURCE_CALLS = source_calls()


def test_the_chapters_show_library_code():
    assert SOURCE_CALLS or INCLUDES, "no chapter shows library code (source(...) cells)"


def test_evaluate_runs_a_call_with_the_chapters_imports():
    code = evaluate("source(conv.conv_transpose2d_loop, end_before='a = ')",
                    ["from tconv import conv"])
    assert code.text.startswith("def conv_transpose2d_loop(") and code.text.endswith("...")
    assert _is_source_call(ast.parse("tconv.show.source(f)").body[0].value)
    assert not _is_source_call(ast.parse("print(f)").body[0].value)


@pytest.mark.parametrize(("chapter", "index", "tags", "call", "imports"), SOURCE_CALLS,
                         ids=[f"{c}:cell{i}:{call[:40]}" for c, i, _, call, _ in SOURCE_CALLS])
def test_shown_source_fits_the_code_column(chapter, index, tags, call, imports):
    code = evaluate(call, imports)
    too_long = code.too_wide(MAX_WIDTH)
    assert not too_long, (f"{chapter}, cell {index}: {call} shows lines over {MAX_WIDTH} "
                          "characters:\n" + "\n".join(too_long))


@pytest.mark.parametrize(("chapter", "index", "tags", "call", "imports"), SOURCE_CALLS,
                         ids=[f"{c}:cell{i}:{call[:40]}" for c, i, _, call, _ in SOURCE_CALLS])
def test_a_source_cell_shows_the_code_not_the_call(chapter, index, tags, call, imports):
    """The cell is tagged remove-input; more than 25 lines go in a collapsed output."""
    assert "remove-input" in tags, f"{chapter}, cell {index}: tag the {call} cell remove-input"
    lines = len(evaluate(call, imports).text.splitlines())
    assert lines <= 25 or "hide-output" in tags, (
        f"{chapter}, cell {index}: {call} shows {lines} lines: cut it to the essential lines "
        "(start_after/end_before) or tag the cell hide-output")
