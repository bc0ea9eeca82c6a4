"""Tables a chapter shows as a cell's output: Markdown, so the book and JupyterLab render alike.

A companion builds the rows from the library's numbers; :class:`Table` only lays them out::

    Table(["input $i$", "output $o$"], [(4, 7), (5, 9)])

Cells are written with ``str``; a ``|`` inside a cell is escaped so it cannot split the row.
"""

from __future__ import annotations

from collections.abc import Sequence

ALIGN = {"l": ":---", "r": "---:", "c": ":---:"}


class Table:
    """A Markdown table: ``header`` (n names), ``rows`` (each n cells), ``align`` (n of l/r/c).

    ``align`` defaults to the first column left and the others right (labels, then numbers).
    """

    def __init__(self, header: Sequence, rows: Sequence[Sequence], align: str | None = None):
        header = [str(h) for h in header]
        if not header:
            raise ValueError("header must name at least one column")
        n = len(header)
        rows = [list(row) for row in rows]
        for i, row in enumerate(rows):
            if len(row) != n:
                cells = f"{len(row)} cell" + ("" if len(row) == 1 else "s")
                raise ValueError(f"row {i} has {cells}, but the header has {n} columns")
        align = align if align is not None else "l" + "r" * (n - 1)
        if not isinstance(align, str) or len(align) != n or set(align) - set(ALIGN):
            raise ValueError(f"align must be {n} letters among l, r and c, got {align!r}")
        self.header, self.rows, self.align = header, rows, align

    @staticmethod
    def _cell(value) -> str:
        return str(value).replace("|", r"\|").replace("\n", " ")

    def text(self) -> str:
        """The table as Markdown text."""
        lines = ["| " + " | ".join(self._cell(h) for h in self.header) + " |",
                 "|" + "|".join(ALIGN[a] for a in self.align) + "|"]
        lines += ["| " + " | ".join(self._cell(v) for v in row) + " |" for row in self.rows]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_markdown_(self) -> str:
        return self.text()
