"""Placements: a transposed convolution as data, one input element at a time.

The scatter picture of ``conv_transpose2d`` on a bare 2-D input: each ``x[i, j]`` multiplies
the kernel and the product is added into a *canvas* with its top-left corner at
``(i*stride, j*stride)`` (kernel cells ``dilation`` apart). Where placements overlap, their
values add up. Finally ``padding`` crops the canvas on every side and ``output_padding``
keeps that many more rows/columns at the bottom/right. This module records every step of
that picture, so steppers and figures can draw it and tests can pin it. No drawing here.

    >>> import numpy as np
    >>> p = placements([[0, 1], [2, 3]], [[0, 1], [2, 3]])
    >>> len(p), p[1].index, p[1].value, p[1].rows, p[1].cols
    (4, (0, 1), 1, slice(0, 2, None), slice(1, 3, None))
    >>> p.output.tolist()
    [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
    >>> [t.product for t in gather([[0, 1], [2, 3]], [[0, 1], [2, 3]], (1, 1))]
    [0, 2, 2, 0]

Coordinates: ``canvas`` cells are numbered from the top-left of the uncropped output;
``output`` cells from the top-left of the cropped one, so ``out[r, c] = canvas[r + ph, c + pw]``.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from ._checks import (
    as_array,
    as_dtype,
    as_tuple,
    check_ndim,
    check_nonempty,
    check_size,
    describe,
    quiet,
    result_dtype,
)
from .shapes import check_output_padding, conv_transpose_lengths


@dataclass(frozen=True)
class Crop:
    """Where the output sits on the canvas: ``output = canvas[crop.rows, crop.cols]``.

    ``full_shape`` is what the placements cover, ``((H-1)s + d(k-1) + 1, ...)``. The canvas is
    ``output_padding`` larger (cells no placement reaches stay zero); ``padding`` cells are
    cropped from each side of it, leaving the output of shape ``out_shape``.
    """

    full_shape: tuple[int, int]
    padding: tuple[int, int]
    output_padding: tuple[int, int]

    @property
    def canvas_shape(self) -> tuple[int, int]:
        """The full shape plus output_padding: (fH + oph, fW + opw)."""
        return tuple(f + op for f, op in zip(self.full_shape, self.output_padding, strict=True))

    @property
    def out_shape(self) -> tuple[int, int]:
        """The cropped output's shape: canvas_shape - 2 * padding."""
        return tuple(c - 2 * p for c, p in zip(self.canvas_shape, self.padding, strict=True))

    @property
    def rows(self) -> slice:
        """Canvas rows kept in the output: padding .. canvas height - padding."""
        return slice(self.padding[0], self.canvas_shape[0] - self.padding[0])

    @property
    def cols(self) -> slice:
        """Canvas columns kept in the output."""
        return slice(self.padding[1], self.canvas_shape[1] - self.padding[1])

    @property
    def extra_rows(self) -> slice:
        """Canvas rows that are in the output only because of output_padding (its last oph)."""
        return slice(self.rows.stop - self.output_padding[0], self.rows.stop)

    @property
    def extra_cols(self) -> slice:
        """Canvas columns that are in the output only because of output_padding."""
        return slice(self.cols.stop - self.output_padding[1], self.cols.stop)

    def kept(self, r: int, c: int) -> bool:
        """Whether canvas cell (r, c) is part of the output (not cropped by padding)."""
        return self.rows.start <= r < self.rows.stop and self.cols.start <= c < self.cols.stop


class Placement:
    """One step of the scatter: ``canvas[rows, cols] += value * kernel``.

    ``rows``/``cols`` are canvas slices whose step is the dilation (None when it is 1 or the
    kernel has one row/column).
    ``canvas``/``canvas_count`` are the running sum and the number of placements that touched
    each canvas cell *after* this step; ``output``/``overlap`` are the same, cropped. They are
    computed when first asked for (a step stores only its own block, not a canvas), with the
    same additions in the same order as the loop, so the numbers are the loop's to the bit.
    All arrays are read-only.
    """

    def __init__(self, owner: Placements, step: int):
        self._owner = owner
        H, W = owner.x.shape
        i, j = divmod(step, W)
        (sh, sw), (dh, dw), (kH, kW) = owner.stride, owner.dilation, owner.kernel.shape
        self.step = step
        self.index = (i, j)
        self.value = owner.x[i, j].item()
        self.rows = _window(i * sh, kH, dh)
        self.cols = _window(j * sw, kW, dw)

    def __repr__(self) -> str:
        return (f"Placement(step={self.step}, index={self.index}, value={self.value!r}, "
                f"rows={self.rows}, cols={self.cols})")

    @cached_property
    def contribution(self) -> np.ndarray:
        """value * kernel, in the result's dtype: shape (kH, kW)."""
        dtype = self._owner.canvas.dtype
        w = self._owner.kernel.astype(dtype)
        return _read_only(dtype.type(self._owner.x[self.index]) * w)

    @cached_property
    def _sums(self) -> tuple[np.ndarray, np.ndarray]:
        owner = self._owner
        if self.step == len(owner) - 1:
            return owner.canvas, owner.canvas_count
        return _scatter_sums(owner.x, owner.kernel, owner.stride, owner.dilation,
                             owner.crop.canvas_shape, self.step + 1)

    @property
    def canvas(self) -> np.ndarray:
        """The running sum after this step: shape crop.canvas_shape."""
        return self._sums[0]

    @property
    def canvas_count(self) -> np.ndarray:
        """How many placements have touched each canvas cell after this step."""
        return self._sums[1]

    @property
    def output(self) -> np.ndarray:
        """The running sum, cropped: shape crop.out_shape."""
        crop = self._owner.crop
        return self.canvas[crop.rows, crop.cols]

    @property
    def overlap(self) -> np.ndarray:
        """The running count, cropped: shape crop.out_shape."""
        crop = self._owner.crop
        return self.canvas_count[crop.rows, crop.cols]

    @property
    def footprint(self) -> tuple[tuple[int, int], ...]:
        """Canvas cells the kernel lands on, row-major, aligned with ``kernel.ravel()``."""
        rows = range(self.rows.start, self.rows.stop, self.rows.step or 1)
        cols = range(self.cols.start, self.cols.stop, self.cols.step or 1)
        return tuple((r, c) for r in rows for c in cols)


@dataclass(frozen=True, eq=False)
class Placements:
    """All placements of ``x`` (H, W) with ``kernel`` (kH, kW), in row-major input order.

    Behaves like a tuple of :class:`Placement` (``len``, indexing, iteration); each step is
    made when it is asked for, so a large input costs its canvas, not a canvas per step.
    ``output`` and ``overlap`` are the final cropped output and overlap count, shape
    ``crop.out_shape``; ``canvas``/``canvas_count`` the same before cropping, shape
    ``crop.canvas_shape``.
    """

    x: np.ndarray
    kernel: np.ndarray
    stride: tuple[int, int]
    padding: tuple[int, int]
    output_padding: tuple[int, int]
    dilation: tuple[int, int]
    crop: Crop
    canvas: np.ndarray
    canvas_count: np.ndarray

    @property
    def steps(self) -> tuple[Placement, ...]:
        """Every step, as a tuple (made on each call: prefer indexing or iterating)."""
        return tuple(self)

    @property
    def output(self) -> np.ndarray:
        """The result, equal to conv_transpose2d(x, kernel, ...): shape crop.out_shape."""
        return self.canvas[self.crop.rows, self.crop.cols]

    @property
    def overlap(self) -> np.ndarray:
        """How many placements touch each output cell: shape crop.out_shape."""
        return self.canvas_count[self.crop.rows, self.crop.cols]

    def __len__(self) -> int:
        return self.x.size

    def __getitem__(self, k):
        if isinstance(k, slice):
            return tuple(Placement(self, step) for step in range(*k.indices(len(self))))
        step = operator.index(k)
        if not -len(self) <= step < len(self):
            raise IndexError(f"step {k} is out of range for {len(self)} placements")
        return Placement(self, step % len(self))

    def __iter__(self):
        return (Placement(self, step) for step in range(len(self)))


class Term(NamedTuple):
    """One product that sums into an output cell: x[input_index] * kernel[kernel_index]."""

    input_index: tuple[int, int]
    kernel_index: tuple[int, int]
    value: int | float
    weight: int | float
    product: int | float


def _check_image(arr, name: str, layout: str) -> np.ndarray:
    """Return ``arr`` as a non-empty numeric 2-D array, or raise naming ``name``."""
    arr = as_array(arr, name)
    check_ndim(arr, name, (2,), layout)
    check_nonempty(arr, name)
    return arr


def check_scatter(x, kernel, stride=1, padding=0, output_padding=0, dilation=1) -> tuple:
    """Validate like conv_transpose2d does; return arrays, setting pairs and the Crop.

    That tuple ``(x, kernel, stride, padding, output_padding, dilation, crop)`` is what
    :func:`placements_of` and :func:`gather_of` take: they check nothing again.
    """
    x = _check_image(x, "x", "(H, W)")
    kernel = _check_image(kernel, "kernel", "(kH, kW)")
    stride = as_tuple(stride, "stride", 2, minimum=1)
    padding = as_tuple(padding, "padding", 2, minimum=0)
    dilation = as_tuple(dilation, "dilation", 2, minimum=1)
    output_padding = check_output_padding(output_padding, stride, dilation)
    conv_transpose_lengths(x.shape, kernel.shape, stride, padding, output_padding, dilation)
    full_shape = tuple((n - 1) * s + d * (k - 1) + 1 for n, k, s, d in
                       zip(x.shape, kernel.shape, stride, dilation, strict=True))
    return x, kernel, stride, padding, output_padding, dilation, Crop(
        full_shape, padding, output_padding)


def _frozen(arr: np.ndarray) -> np.ndarray:
    """A read-only copy of ``arr``."""
    return _read_only(arr.copy())


def _read_only(arr: np.ndarray) -> np.ndarray:
    """``arr`` itself, made read-only."""
    arr.flags.writeable = False
    return arr


def _window(start: int, k: int, d: int) -> slice:
    """The canvas slice a kernel of length k with dilation d covers from ``start``."""
    return slice(start, start + d * (k - 1) + 1, d if d > 1 and k > 1 else None)


@quiet
def placements(x, kernel, stride=1, padding=0, output_padding=0, dilation=1) -> Placements:
    """Every step of the scatter of x (H, W) with kernel (kH, kW), in row-major order of x."""
    return placements_of(check_scatter(x, kernel, stride, padding, output_padding, dilation))


def placements_of(scatter: tuple) -> Placements:
    """:func:`placements` of arguments :func:`check_scatter` has checked (not checked again)."""
    x, kernel, stride, padding, output_padding, dilation, crop = scatter
    dtype = result_dtype(x, kernel)
    as_dtype(x, dtype, "x"), as_dtype(kernel, dtype, "kernel")  # refuse what int64 can't hold
    (H, W), (kH, kW) = x.shape, kernel.shape
    check_size(crop.canvas_shape, dtype, "the placements' canvas", lambda: (
        f"its size follows from the {H}×{W} input, the {kH}×{kW} kernel and "
        f"{describe(stride=stride, dilation=dilation, output_padding=output_padding)}: "
        f"use smaller settings or a smaller input"))
    x, kernel = _frozen(x), _frozen(kernel)
    canvas, count = _scatter_sums(x, kernel, stride, dilation, crop.canvas_shape, x.size)
    return Placements(x=x, kernel=kernel, stride=stride, padding=padding,
                      output_padding=output_padding, dilation=dilation, crop=crop,
                      canvas=canvas, canvas_count=count)


def _scatter_sums(x, kernel, stride, dilation, canvas_shape, upto: int):
    """The canvas and the count after the first ``upto`` placements (row-major): read-only.

    The sums are those of the loop, bit for bit: each cell receives the same products in the
    same order. The loop runs over the placements, or, when the kernel has fewer cells, over
    the kernel cells in reverse order, each adding its products from a block of whole input
    rows and then from the last, partial row: for one canvas cell, a later kernel cell
    (a, b) belongs to an earlier placement (i, j), since i*s + a*d is fixed.
    """
    dtype = result_dtype(x, kernel)
    x, w = x.astype(dtype), kernel.astype(dtype)
    canvas, count = np.zeros(canvas_shape, dtype), np.zeros(canvas_shape, np.int64)
    (H, W), (kH, kW), (sh, sw), (dh, dw) = x.shape, w.shape, stride, dilation
    if upto <= kH * kW:
        for step in range(upto):
            i, j = divmod(step, W)
            rows, cols = _window(i * sh, kH, dh), _window(j * sw, kW, dw)
            canvas[rows, cols] += x[i, j] * w
            count[rows, cols] += 1
        return _read_only(canvas), _read_only(count)
    full, rest = divmod(upto, W)
    for r0, r1, c1 in ((0, full, W), (full, full + 1, rest)):  # whole rows, then the rest
        if r1 <= r0 or c1 == 0 or r0 >= H:
            continue
        block = x[r0:r1, :c1]
        for a in reversed(range(kH)):
            rows = slice(r0 * sh + a * dh, (r1 - 1) * sh + a * dh + 1, sh)
            for b in reversed(range(kW)):
                cols = slice(b * dw, (c1 - 1) * sw + b * dw + 1, sw)
                canvas[rows, cols] += block * w[a, b]
                count[rows, cols] += 1
    return _read_only(canvas), _read_only(count)


@quiet
def gather(x, kernel, out_index, stride=1, padding=0, output_padding=0, dilation=1) -> list[Term]:
    """The products x[i, j] * kernel[a, b] that sum into output cell ``out_index`` = (r, c).

    Kernel cell (a, b) of the placement of x[i, j] lands on canvas cell
    ``(i*s + a*d, j*s + b*d)``, which is output cell ``(that - padding)``. Solving for i and j
    gives the terms; they come in row-major order of x (the order of :func:`placements`).
    """
    return gather_of(check_scatter(x, kernel, stride, padding, output_padding, dilation),
                     out_index)


def gather_of(scatter: tuple, out_index) -> list[Term]:
    """:func:`gather` for arguments :func:`check_scatter` has checked (``out_index`` is checked)."""
    x, kernel, stride, padding, output_padding, dilation, crop = scatter
    r, c = as_tuple(out_index, "out_index", 2, minimum=0)
    if r >= crop.out_shape[0] or c >= crop.out_shape[1]:
        raise ValueError(f"out_index ({r}, {c}) is outside the output of shape {crop.out_shape}")
    dtype = result_dtype(x, kernel)
    terms = []
    for a in range(kernel.shape[0]):
        for b in range(kernel.shape[1]):
            top = r + padding[0] - a * dilation[0]  # canvas row of the placement's corner
            left = c + padding[1] - b * dilation[1]
            if top % stride[0] or left % stride[1]:
                continue  # no input element has its corner there
            i, j = top // stride[0], left // stride[1]
            if 0 <= i < x.shape[0] and 0 <= j < x.shape[1]:
                value, weight = dtype.type(x[i, j]), dtype.type(kernel[a, b])
                terms.append(Term((i, j), (a, b), value.item(), weight.item(),
                                  (value * weight).item()))
    return sorted(terms, key=lambda t: (t.input_index, t.kernel_index))
