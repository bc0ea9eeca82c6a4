"""tconv.show.table.Table: rows laid out as a Markdown table, bad shapes refused."""

from __future__ import annotations

import pytest
from tconv.show.table import Table


def test_a_table_is_a_header_an_alignment_row_and_one_line_per_row():
    table = Table(["input $i$", "output $o$"], [(4, 7), (5, 9)])
    assert table.text().splitlines() == ["| input $i$ | output $o$ |", "|:---|---:|",
                                         "| 4 | 7 |", "| 5 | 9 |"]
    assert table._repr_markdown_() == str(table) == table.text()


def test_a_pipe_or_a_newline_in_a_cell_cannot_split_the_row():
    text = Table(["a", "b"], [("x|y", "1\n2")], align="cc").text()
    assert text.splitlines()[1] == "|:---:|:---:|"
    assert text.splitlines()[2] == r"| x\|y | 1 2 |"


@pytest.mark.parametrize(("args", "message"), [
    (([], []), "header must name at least one column"),
    ((["a", "b"], [(1,)]), "row 0 has 1 cell, but the header has 2 columns"),
    ((["a", "b"], [], "lx"), "align must be 2 letters among l, r and c, got 'lx'"),
    ((["a", "b"], [], "l"), "align must be 2 letters"),
])
def test_a_table_of_the_wrong_shape_is_refused(args, message):
    with pytest.raises(ValueError, match=message):
        Table(*args)
