"""Library code shown in a chapter, as the output of a cell: the same text in the book and in Lab.

A chapter that shows how ``tconv`` computes something shows the library's own, tested code,
never a copy. ``{literalinclude}`` does that in the built book but renders nothing at all in
JupyterLab, so the chapters show code with a cell instead (tagged ``remove-input``)::

    source(tconv.conv.conv_transpose2d_loop)
    source(tconv.nn.icnr, start_after="# the sub-pixel layout", end_before="return")

The result displays as a fenced Python block (``text/markdown``), which the book highlights
and JupyterLab renders alike. ``start_after``/``end_before`` keep the essential lines of a long
object, as literalinclude's options of the same names do, and mark the cut with ``...``.
"""

from __future__ import annotations

import inspect
import textwrap

WIDTH = 78
"""Characters a code line may take in the book's code column without scrolling sideways."""


class Code:
    """Python source to display: ``text`` (dedented), ``name`` (what it shows)."""

    def __init__(self, text: str, name: str):
        self.text, self.name = text, name

    def __str__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return f"```python\n{self.text}\n```"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.text)

    def too_wide(self, width: int = WIDTH) -> list[str]:
        """The lines longer than ``width`` characters (the book's code column)."""
        return [line for line in self.text.splitlines() if len(line) > width]


def source(obj, *, start_after: str | None = None, end_before: str | None = None) -> Code:
    """Source of a function, class or method (no decorators), optionally cut between markers."""
    if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismethod(obj)):
        raise TypeError(f"obj must be a function, class or method, not {type(obj).__name__}")
    lines = textwrap.dedent(inspect.getsource(obj)).rstrip("\n").splitlines()
    lines = lines[_decorators(lines):]
    first, last = 0, len(lines)
    if start_after is not None:
        first = _line_with(lines, start_after, "start_after", obj) + 1
    if end_before is not None:
        last = _line_with(lines, end_before, "end_before", obj, after=first)
    if first >= last:
        raise ValueError(f"start_after and end_before leave no line of {obj.__qualname__}")
    kept = textwrap.dedent("\n".join(lines[first:last])).splitlines()
    if first > 0:
        kept.insert(0, "...")
    if last < len(lines):
        kept.append("...")
    return Code("\n".join(kept), obj.__qualname__)


def _decorators(lines: list[str]) -> int:
    """How many lines the decorators above the ``def``/``class`` take (the reader skips them)."""
    for index, line in enumerate(lines):
        if line.startswith(("def ", "async def ", "class ")):
            return index
    return 0


def _line_with(lines: list[str], marker: str, name: str, obj, after: int = 0) -> int:
    """Index of the first line at or after ``after`` that contains ``marker``."""
    if not isinstance(marker, str) or not marker:
        raise TypeError(f"{name} must be a non-empty string")
    for index in range(after, len(lines)):
        if marker in lines[index]:
            return index
    raise ValueError(f"{name} {marker!r} is not in the source of {obj.__qualname__}")
