"""tconv.show.source: library code as a cell's output, cut to its essential lines."""

from __future__ import annotations

import pytest
from tconv import nn
from tconv.conv import conv_transpose2d_loop
from tconv.show import source


def test_source_is_the_objects_code_as_a_python_block():
    code = source(conv_transpose2d_loop)
    assert code.text.startswith("def conv_transpose2d_loop(")
    assert code._repr_markdown_() == f"```python\n{code.text}\n```"
    assert str(code) == code.text


def test_source_of_a_method_is_dedented():
    code = source(nn.ConvTranspose2d.backward)
    assert code.text.startswith("def backward(")


def test_source_cut_between_markers_marks_the_cut():
    full = source(conv_transpose2d_loop).text.splitlines()
    code = source(conv_transpose2d_loop, start_after=full[0][:20], end_before=full[-1].strip())
    lines = code.text.splitlines()
    assert lines[0] == "..." and lines[-1] == "..."
    assert len(lines) == len(full)  # two cut lines, each replaced by "..."


def test_source_refuses_markers_it_cannot_find_and_non_code():
    with pytest.raises(ValueError, match="end_before 'no such line'"):
        source(conv_transpose2d_loop, end_before="no such line")
    with pytest.raises(TypeError, match="obj must be"):
        source(42)
    with pytest.raises(TypeError, match="start_after must be"):
        source(conv_transpose2d_loop, start_after="")


def test_too_wide_lists_lines_past_the_code_column():
    code = source(conv_transpose2d_loop)
    assert all(len(line) > 10 for line in code.too_wide(10))
    assert code.too_wide(10_000) == []
