"""Convolution and transposed convolution, with the semantics of ``torch.nn.functional``.

Each 2-D operation comes twice. First a plain loop that reads like the definition
(:func:`conv2d_loop`, :func:`conv_transpose2d_loop`), then the fast version that is the public
default (:func:`conv2d`, :func:`conv_transpose2d`): a few large matrix products and whole-array
adds, no Python loop over images or pixels (large batches are split in as many chunks as BLAS
has threads, see :func:`_over_batch`). The tests check that the two agree. The 1-D
operations at the end run the 2-D ones on images one pixel high.

Layouts: batched ``(N, C, H, W)``, unbatched ``(C, H, W)``, or a bare ``(H, W)`` image with a
bare ``(kH, kW)`` kernel, which gives a bare 2-D result. A batch of no images gives an empty
result of the right shape, as in PyTorch. Dtypes follow :mod:`tconv._checks`: integers (signed
or unsigned, mixed) compute in int64, any float makes the result the widest float given.

Cost follows the work: each call picks the computation whose work fits its settings, so a huge
stride, dilation or padding costs what the input times the kernel and the output cost, never
stride² or dilation². Arrays that would not fit in memory are refused before they are
allocated, with a ValueError naming the settings. inf and NaN land where the definition (the
loop) puts them, as in PyTorch, without numpy's warnings. The helpers that check the arguments
come last.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
from numpy.lib.stride_tricks import as_strided
from threadpoolctl import ThreadpoolController

from ._checks import (
    all_finite,
    as_array,
    as_dtype,
    as_int,
    as_tuple,
    check_ndim,
    check_nonempty,
    check_size,
    describe,
    memory_budget,
    quiet,
    result_dtype,
)
from .shapes import check_output_padding, conv_lengths, conv_transpose_lengths

# ---------------------------------------------------------------------------------------
# The definitions, as loops
# ---------------------------------------------------------------------------------------


@quiet
def conv2d_loop(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Convolution, one output cell at a time: (N, C_in, H, W) -> (N, C_out, H_out, W_out)."""
    a = _conv_args(input, weight, bias, stride, padding, dilation, groups)
    (sh, sw), (ph, pw), (dh, dw) = a.stride, a.padding, a.dilation
    _check_padded_input(a)
    x = np.pad(a.x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # zeros around every image
    N = x.shape[0]
    C_out, C_in_g, kH, kW = a.w.shape
    C_out_g = C_out // a.groups
    H_out, W_out = a.out_size
    y = np.zeros((N, C_out, H_out, W_out), a.dtype)
    for n in range(N):
        for co in range(C_out):
            g = co // C_out_g  # the group of this output channel sees only its input channels
            ci = slice(g * C_in_g, (g + 1) * C_in_g)
            for i in range(H_out):
                for j in range(W_out):
                    # the window under the kernel: every dilation-th cell from (i*sh, j*sw)
                    window = x[n, ci, i * sh:i * sh + dh * (kH - 1) + 1:dh,
                               j * sw:j * sw + dw * (kW - 1) + 1:dw]
                    y[n, co, i, j] = np.sum(window * a.w[co])
    return a.finish(y)


@quiet
def conv_transpose2d_loop(input, weight, bias=None, stride=1, padding=0,
                          output_padding=0, groups=1, dilation=1):
    """Transposed conv, scatter: (N, C_in, H, W) -> (N, C_out, H_out, W_out).

    Every input value times the kernel, added into the output at stride
    offsets; then ``padding`` is cropped from each border, ``output_padding``
    rows/columns fewer at the bottom/right. The chapter
    ``chapters/step-by-step.ipynb`` shows this loop.
    """
    a = _conv_transpose_args(input, weight, bias, stride, padding,
                             output_padding, dilation, groups)
    (sh, sw), (ph, pw), (dh, dw) = a.stride, a.padding, a.dilation
    oph, opw = a.output_padding
    N, C_in, H, W = a.x.shape
    _, C_out_g, kH, kW = a.w.shape
    C_in_g = C_in // a.groups
    # the uncropped output: every placement fits, plus output_padding
    # at the bottom and right
    H_full = (H - 1) * sh + dh * (kH - 1) + 1 + oph
    W_full = (W - 1) * sw + dw * (kW - 1) + 1 + opw
    a.check_size((N, C_out_g * a.groups, H_full, W_full), "uncropped output")
    full = np.zeros((N, C_out_g * a.groups, H_full, W_full), a.dtype)
    for n in range(N):
        for c in range(C_in):
            # input channel c feeds only the output channels of its group
            g = c // C_in_g
            co = slice(g * C_out_g, (g + 1) * C_out_g)
            for u in range(H):
                for v in range(W):
                    # the cells this input value lands on, dilation apart
                    rows = slice(u * sh, u * sh + dh * (kH - 1) + 1, dh)
                    cols = slice(v * sw, v * sw + dw * (kW - 1) + 1, dw)
                    full[n, co, rows, cols] += a.x[n, c, u, v] * a.w[c]
    H_out, W_out = a.out_size
    return a.finish(full[:, :, ph:ph + H_out, pw:pw + W_out])


# ---------------------------------------------------------------------------------------
# The fast versions (the public defaults)
#
# A strided operation splits into phases: kernel cell kh meets row i*sh + kh*dh = (i + q)*sh + r
# with (q, r) = divmod(kh*dh, sh), that is row i + q of phase r, the rows with row % sh == r.
# With stride > 1 both operations run fastest phase by phase (fewer, larger matrix products);
# the convolution works with shifts q for stride 1 too (one phase, q = kh*dh).
# ---------------------------------------------------------------------------------------


@quiet
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Convolution: x (N, C_in, H, W), w (C_out, C_in/g, kH, kW) -> y (N, C_out, Ho, Wo).

    ``padding`` may also be ``"valid"`` (none) or ``"same"`` (stride 1 only: the output keeps
    the input's size; an odd total puts the extra row/column at the bottom/right, as PyTorch).
    """
    return _conv2d(_conv_args(input, weight, bias, stride, padding, dilation, groups))


def _conv2d(a: _Args) -> np.ndarray:
    """conv2d of checked arguments."""
    y = np.empty((a.x.shape[0], a.w.shape[0], *a.out_size), a.dtype)
    if len(y):  # a batch of no images: nothing to compute
        plan = _conv_plan(a, finite=all_finite(a.w))  # each chunk checks its own images
        _over_batch(lambda batch: _conv2d_fast(replace(a, x=a.x[batch]), y[batch], plan), a)
    return a.finish(y)


def _conv2d_fast(a: _Args, out: np.ndarray, plan: str) -> None:
    """The fast convolution of a.x by ``plan``, without bias, written into out (N, C_out, ...).

    The shifted plan falls back to im2col if a.x holds inf or NaN (see _conv_plan).
    """
    if plan == "shifted" and not all_finite(a.x):
        plan = _conv_plan(a, finite=False)
    if plan == "shifted":
        _shifted_products(a, out)
    else:
        out[...] = _correlate(a.x, a.w, a.stride, a.dilation, a.groups, a.out_size, a.padding,
                              gather=plan == "gather")


def _conv_plan(a: _Args, finite: bool | None = None) -> str:
    """How to compute a convolution: ``"shifted"``, ``"im2col"`` or ``"gather"``.

    Shifted products over phases when the phase kernels are dense, the values finite and its
    arrays fit. (Its layout multiplies some input cells by zeros that no kernel window holds,
    and the definition has no such product: an inf there would make a NaN the definition does
    not have.) Otherwise im2col, whose products are exactly the definition's: on the padded
    input, or reading the input through index arrays when padding would make the padded input
    much larger than the windows (a huge padding with a huge stride or dilation). ``finite``:
    whether the values involved are all finite (default: check a.x and a.w).
    """
    N, C_in, H, W = a.x.shape
    kH, kW = a.w.shape[2:]
    if (_phases_pay_off((kH, kW), a.stride, a.dilation) and _fits(_shifted_sizes(a), a.dtype)
            and (all_finite(a.x, a.w) if finite is None else finite)):
        return "shifted"
    cols = (N, C_in * kH * kW, a.out_size[0] * a.out_size[1])
    check_size(cols, a.dtype, f"{a.name}'s columns (one per kernel window)", a.cause)
    (ph, pw) = a.padding
    padded = N * C_in * (H + 2 * ph) * (W + 2 * pw)
    return "im2col" if padded <= 2 * (a.x.size + math.prod(cols)) else "gather"


def _shifted_sizes(a: _Args) -> list[tuple[int, ...]]:
    """The shapes of _shifted_products' temporaries: phases, products, sums."""
    s = _Shifts.of(a)
    (sh, sw), N, G = a.stride, a.x.shape[0], a.groups
    C_in_g, C_out_g = a.x.shape[1] // G, a.w.shape[0] // G
    return [(G, s.copies * C_in_g * sh * sw, N * s.width),
            (G, s.Qh * s.adds * C_out_g, N * s.width),
            (G, C_out_g, N, a.out_size[0] * s.Wx)]


def _correlate(x, w, stride, dilation, groups, out_size, padding=(0, 0), gather=False):
    """Convolution, im2col + one matrix product per group: -> (N, C_out, Ho, Wo).

    x is padded by ``padding`` first, or, with ``gather``, read through index arrays that send
    the padding to zeros (no padded copy of x).
    """
    C_out = w.shape[0]
    if gather:
        cols = _im2col_gather(x, w.shape[2:], stride, padding, dilation, out_size, groups)
    else:
        cols = _im2col(_pad(x, padding), w.shape[2:], stride, dilation, out_size, groups)
    y = np.matmul(w.reshape(groups, C_out // groups, -1), cols)  # (N, G, C_out/G, Ho*Wo)
    return y.reshape(x.shape[0], C_out, *out_size)


def _im2col(x, kernel_size, stride, dilation, out_size, groups):
    """Every kernel window of x as a column: (N, C, H, W) -> (N, G, C/G*kH*kW, Ho*Wo), a copy."""
    N, C, _, _ = x.shape
    (kH, kW), (sh, sw), (dh, dw), (H_out, W_out) = kernel_size, stride, dilation, out_size
    bN, bC, bH, bW = x.strides  # a view of every window, then one copy into columns
    windows = as_strided(x, shape=(N, C, kH, kW, H_out, W_out),
                         strides=(bN, bC, dh * bH, dw * bW, sh * bH, sw * bW), writeable=False)
    return windows.reshape(N, groups, C // groups * kH * kW, H_out * W_out)


def _im2col_gather(x, kernel_size, stride, padding, dilation, out_size, groups):
    """im2col of x padded by ``padding``, without padding x: -> (N, G, C/G*kH*kW, Ho*Wo).

    Kernel cell kh of output row o reads row o*sh + kh*dh - ph; rows outside x read a zero row
    appended to it. The cost follows the windows, not the padding.
    """
    N, C, H, W = x.shape
    (kH, kW), (sh, sw), (ph, pw), (dh, dw), (H_out, W_out) = (kernel_size, stride, padding,
                                                              dilation, out_size)
    rows = _gather_index(kH, dh, H_out, sh, ph, H)
    cols = _gather_index(kW, dw, W_out, sw, pw, W)
    xz = np.zeros((N, C, H + 1, W + 1), x.dtype)  # row H and column W: the zeros
    xz[:, :, :H, :W] = x
    windows = xz[:, :, rows[:, None, :, None], cols[None, :, None, :]]  # (N, C, kH, kW, Ho, Wo)
    return windows.reshape(N, groups, C // groups * kH * kW, H_out * W_out)


def _gather_index(k, d, n_out, s, p, n_in):
    """(k, n_out) rows that kernel cell kk reads for output o: o*s + kk*d - p, or n_in outside."""
    index = np.arange(n_out)[None, :] * s + np.arange(k)[:, None] * d - p
    return np.where((index >= 0) & (index < n_in), index, n_in)


_FEW_CHANNELS = 64  # phase images with fewer channels take the column shifts into the product


def _shifted_products(a: _Args, out: np.ndarray) -> None:
    """The convolution as one matrix product and a few shifted adds, written into out.

    Kernel cell kh reads padded row o*sh + kh*dh = (o + qh)*sh + rh: row o + qh of the input's
    phase rh (for stride 1 the padded input is its only phase). So: lay the phases out with
    each image flattened, Wx = W_out + Qw - 1 columns a row, where a shift by (qh, qw) is the
    offset qh*Wx + qw; multiply every phase cell by each kernel cell that reads it (one matrix
    product, all images side by side); then add the Qh*Qw products, each shifted back, into the
    output. The columns past W_out are computed and dropped. When the phases have few
    channels, the product takes Qw copies of them, each shifted by its qw, in place of Qw
    shifted adds: a less thin product, and fewer adds.
    """
    s = _Shifts.of(a)
    N, (H_out, W_out), G, C_out_g = a.x.shape[0], a.out_size, a.groups, a.w.shape[0] // a.groups
    x = _stacked_phases(a, s)  # (G, copies*K, N*width)
    # one product: z[g, qh, qw, o, n, m] = sum over the phase cells of w times x
    z = _scratch("products", (G, s.Qh * s.adds * C_out_g, x.shape[-1]), a.dtype)
    np.matmul(_stacked_kernels(a, s), x, out=z)
    z = z.reshape(G, s.Qh, s.adds, C_out_g, N, s.width)
    # output cell (i, j) adds the products at (i + qh, j + qw): flat offset qh*Wx + qw; the adds
    # run over whole rows of Wx columns (long contiguous runs), then W_out are kept
    shifted = [z[:, qh, qw, ..., offset:offset + H_out * s.Wx] for qh, qw, offset in s.offsets()]
    y = _scratch("sums", shifted[0].shape, a.dtype)
    np.copyto(y, shifted[0]) if len(shifted) == 1 else np.add(shifted[0], shifted[1], out=y)
    for z_q in shifted[2:]:
        y += z_q
    out.reshape(N, G, C_out_g, H_out, W_out)[...] = \
        y.reshape(G, C_out_g, N, H_out, s.Wx)[..., :W_out].transpose(2, 0, 1, 3, 4)


@dataclass
class _Shifts:
    """The layout of _shifted_products: Qh row shifts; rows Hx, columns Wx read from each phase;
    of the Qw column shifts, ``copies`` done by shifted copies, ``adds`` by shifted adds
    (copies*adds = Qw); ``width`` cells per image in the flattened phases."""

    Qh: int
    Hx: int
    Wx: int
    copies: int
    adds: int
    width: int

    @classmethod
    def of(cls, a: _Args) -> _Shifts:
        """The layout for a convolution's arguments."""
        Qh, Qw = _shifts(a.w.shape[2:], a.stride, a.dilation)
        (H_out, W_out), (sh, sw) = a.out_size, a.stride
        Hx, Wx = H_out + Qh - 1, W_out + Qw - 1
        copies = Qw if a.w.shape[1] * sh * sw < _FEW_CHANNELS else 1
        adds = Qw // copies
        return cls(Qh, Hx, Wx, copies, adds, Hx * Wx + adds - 1)

    def offsets(self):
        """(qh, qw, flat offset qh*Wx + qw) of each shift done by adds."""
        return [(qh, qw, qh * self.Wx + qw) for qh in range(self.Qh) for qw in range(self.adds)]


def _stacked_phases(a: _Args, s: _Shifts) -> np.ndarray:
    """The input's phases, images side by side: (G, copies*C_in/G*sh*sw, N*width), scratch.

    x[g, q, c, rh, rw, n*width + i*Wx + j] is phase (rh, rw) of image n at (i, j + q), zero
    padded. Copy q is copy 0 moved q cells to the left: its last q cells of a row (which only
    dropped columns read) take the next row's first cells, or zeros at the very end.
    """
    (sh, sw), N, G = a.stride, a.x.shape[0], a.groups
    C_in_g = a.x.shape[1] // G
    x = _scratch("phases", (G, s.copies, C_in_g * sh * sw, N * s.width), a.dtype)
    first = x[:, 0].reshape(G, C_in_g, sh, sw, N, s.width)
    first[..., s.Hx * s.Wx:] = 0  # the cells read past the last row (by dropped columns)
    phases = first[..., :s.Hx * s.Wx].reshape(G, C_in_g, sh, sw, N, s.Hx, s.Wx)  # a view
    images = a.x.reshape(N, G, C_in_g, *a.x.shape[2:]).transpose(1, 2, 0, 3, 4)
    _split_phases(images, a.padding, a.stride, np.moveaxis(phases, (2, 3), (0, 1)))
    for q in range(1, s.copies):
        x[:, q, :, :-q] = x[:, 0, :, q:]
        x[:, q, :, -q:] = 0
    return x.reshape(G, -1, N * s.width)


def _stacked_kernels(a: _Args, s: _Shifts) -> np.ndarray:
    """The kernel cells of each shift: (G, Qh*adds*C_out/G, copies*C_in/G*sh*sw).

    Row (qh, qw // copies, o), column (qw % copies, c, rh, rw) holds w[o, c, kh, kw].
    """
    (sh, sw), G = a.stride, a.groups
    C_out, C_in_g, kH, kW = a.w.shape
    phase_w = np.zeros((G, s.Qh, s.adds, C_out // G, s.copies, C_in_g, sh, sw), a.dtype)
    w = a.w.reshape(G, C_out // G, C_in_g, kH, kW)
    for kh, kw, (qh, qw, rh, rw) in _phase_cells(a):
        phase_w[:, qh, qw // s.copies, :, qw % s.copies, :, rh, rw] = w[..., kh, kw]
    return phase_w.reshape(G, -1, s.copies * C_in_g * sh * sw)


def _unstacked_kernels(a: _Args, s: _Shifts, stacked: np.ndarray) -> np.ndarray:
    """The inverse of _stacked_kernels: -> (C_out, C_in/G, kH, kW)."""
    (sh, sw), G = a.stride, a.groups
    C_out, C_in_g, kH, kW = a.w.shape
    phase_w = stacked.reshape(G, s.Qh, s.adds, C_out // G, s.copies, C_in_g, sh, sw)
    w = np.empty((G, C_out // G, C_in_g, kH, kW), stacked.dtype)
    for kh, kw, (qh, qw, rh, rw) in _phase_cells(a):
        w[..., kh, kw] = phase_w[:, qh, qw // s.copies, :, qw % s.copies, :, rh, rw]
    return w.reshape(C_out, C_in_g, kH, kW)


@quiet
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed conv: x (N, C_in, H, W), w (C_in, C_out/g, kH, kW) -> y (N, C_out, Ho, Wo).

    Three equal computations, chosen by the work each implies here: the scatter as one matrix
    product plus kH*kW adds into stride phases, one ordinary convolution per output phase
    ("sub-pixel", stride > 1), or, when the phases would cost more than the products and the
    output (a stride larger than the kernel, a huge dilation or padding), the direct scatter of
    every product where it lands in the output.
    """
    return _conv_transpose2d(_conv_transpose_args(input, weight, bias, stride, padding,
                                                  output_padding, dilation, groups))


def _conv_transpose2d(a: _Args) -> np.ndarray:
    """conv_transpose2d of checked arguments."""
    shape = (a.x.shape[0], a.w.shape[1] * a.groups, *a.out_size)
    if not shape[0]:  # a batch of no images
        return a.finish(np.zeros(shape, a.dtype))
    plan = _transpose_plan(a, finite=all_finite(a.w))  # each chunk checks its own images
    y = _over_batch(lambda batch: _conv_transpose2d_fast(replace(a, x=a.x[batch]), plan), a,
                    shape=shape)
    return a.finish(y)


def _conv_transpose2d_fast(a: _Args, plan: str) -> np.ndarray:
    """The fast transposed convolution of a.x by ``plan``, without bias: -> (N, C_out, Ho, Wo).

    The phase plans fall back to the direct scatter if a.x holds inf or NaN.
    """
    if plan != "direct" and not all_finite(a.x):
        plan = "direct"
    return {"subpixel": _subpixel, "scatter": _scatter_matmul, "direct": _scatter_direct}[plan](a)


_CALL_CELLS = 4096  # a numpy call costs about as much time as touching this many cells
_ADD_CELLS = 4  # an add into a strided view of the output costs ~4 cells of a contiguous pass


def _transpose_plan(a: _Args, finite: bool | None = None) -> str:
    """How to compute a transposed convolution: ``"subpixel"``, ``"scatter"`` or ``"direct"``.

    The phase paths (subpixel, scatter) for finite values when their arrays fit and their work
    is no more than the direct scatter's, both counted in cells touched: the output, the
    temporaries, the strided adds, and the numpy calls. Their layouts multiply zeros that the
    definition does not (padding, empty phase cells): with an inf or NaN among the values,
    only the direct scatter puts inf and NaN where the definition does. ``finite``: whether
    the values are all finite (default: check a.x and a.w).
    """
    if not (all_finite(a.x, a.w) if finite is None else finite):
        return "direct"
    subpixel = a.stride != (1, 1) and _phases_pay_off(a.w.shape[2:], a.stride, a.dilation)
    sizes = _subpixel_sizes(a) if subpixel else _scatter_sizes(a)
    calls = a.w.shape[2] * a.w.shape[3] + a.stride[0] * a.stride[1]
    cost = _output_cells(a) + sum(math.prod(shape) for shape in sizes) + calls * _CALL_CELLS
    if _fits(sizes, a.dtype) and cost <= _direct_cost(a):
        return "subpixel" if subpixel else "scatter"
    return "direct"


def _output_cells(a: _Args) -> int:
    """N * C_out * H_out * W_out."""
    return a.x.shape[0] * a.w.shape[1] * a.groups * a.out_size[0] * a.out_size[1]


def _direct_cost(a: _Args) -> int:
    """The direct scatter's work in cells: the output, its strided adds, its numpy calls."""
    N, _, H, W = a.x.shape
    _, C_out_g, kH, kW = a.w.shape
    adds = N * C_out_g * a.groups * kH * kW * H * W
    return _output_cells(a) + _ADD_CELLS * adds + min(kH * kW, H * W) * _CALL_CELLS


def _scatter_sizes(a: _Args) -> list[tuple[int, ...]]:
    """The shapes of _scatter_matmul's temporaries: padded input, products, phases."""
    N, C_in, H, W = a.x.shape
    _, C_out_g, kH, kW = a.w.shape
    (sh, sw), C_out = a.stride, C_out_g * a.groups
    Qh, Qw = _shifts((kH, kW), a.stride, a.dilation)
    Hq, Wq = H + Qh - 1, W + Qw - 1
    return [(N, C_in, H * Wq), (N, C_out * kH * kW, H * Wq), (N, C_out * sh * sw, Hq * Wq + Qw)]


def _subpixel_sizes(a: _Args) -> list[tuple[int, ...]]:
    """The shapes of _subpixel's temporaries: phase kernels, padded input, columns, phases."""
    N, C_in, H, W = a.x.shape
    _, C_out_g, kH, kW = a.w.shape
    (sh, sw), C_out = a.stride, C_out_g * a.groups
    Qh, Qw = _shifts((kH, kW), a.stride, a.dilation)
    Hq, Wq = H + Qh - 1, W + Qw - 1
    return [(sh * sw * C_out, C_in // a.groups, Qh * Qw),
            (N, C_in, (H + 2 * Qh - 2) * (W + 2 * Qw - 2)), (N, C_in * Qh * Qw, Hq * Wq),
            (N, C_out * sh * sw, Hq * Wq)]


def _fits(shapes, dtype) -> bool:
    """Whether arrays of these shapes each fit in the memory budget."""
    budget = memory_budget() // np.dtype(dtype).itemsize
    return all(math.prod(shape) <= budget for shape in shapes)


def _scatter_direct(a: _Args) -> np.ndarray:
    """The scatter as the definition says it, fast: each product added where it lands.

    Input row i times kernel row kh lands on output row i*sh + kh*dh - ph; only the rows and
    columns inside the output are computed. Loops over kernel cells (one matrix product of
    every input cell landing inside with that cell's weights, one strided add) or, if fewer,
    over input cells (every kernel cell landing inside times that input cell). No phases, no
    padding: the work is the products and the output, whatever the stride, dilation or padding.
    """
    (sh, sw), (dh, dw), (ph, pw) = a.stride, a.dilation, a.padding
    N, C_in, H, W = a.x.shape
    _, C_out_g, kH, kW = a.w.shape
    G, C_in_g = a.groups, C_in // a.groups
    H_out, W_out = a.out_size
    y = np.zeros((N, G, C_out_g, H_out, W_out), a.dtype)
    x = a.x.reshape(N, G, C_in_g, H, W)
    w = a.w.reshape(G, C_in_g, C_out_g, kH, kW)
    if kH * kW <= H * W:
        for kh in range(kH):
            i, ni, oh = _landing(kh * dh - ph, sh, H, H_out)  # first input row, rows, out row
            for kw in range(kW if ni else 0):
                j, nj, ow = _landing(kw * dw - pw, sw, W, W_out)
                if nj:
                    cells = x[..., i:i + ni, j:j + nj].reshape(N, G, C_in_g, ni * nj)
                    products = np.matmul(w[..., kh, kw].swapaxes(1, 2), cells)
                    y[..., oh:oh + sh * (ni - 1) + 1:sh, ow:ow + sw * (nj - 1) + 1:sw] += \
                        products.reshape(N, G, C_out_g, ni, nj)
    else:
        for i in range(H):
            kh, nh, oh = _landing(i * sh - ph, dh, kH, H_out)  # first kernel row, rows, out row
            for j in range(W if nh else 0):
                kw, nw, ow = _landing(j * sw - pw, dw, kW, W_out)
                if nw:
                    cells = w[..., kh:kh + nh, kw:kw + nw].reshape(G, C_in_g, -1)
                    products = np.matmul(x[:, :, None, :, i, j], cells)  # (N, G, 1, C_out_g*..)
                    y[..., oh:oh + dh * (nh - 1) + 1:dh, ow:ow + dw * (nw - 1) + 1:dw] += \
                        products.reshape(N, G, C_out_g, nh, nw)
    return y.reshape(N, G * C_out_g, H_out, W_out)


def _landing(offset: int, step: int, count: int, n_out: int) -> tuple[int, int, int]:
    """Of the positions offset + t*step, t in [0, count), those in [0, n_out): first t, how
    many, and the first position."""
    first = max(0, -(offset // step)) if offset < 0 else 0  # ceil(-offset / step)
    last = min(count - 1, (n_out - 1 - offset) // step)
    n = max(0, last - first + 1)
    return first, n, offset + first * step


def _scatter_matmul(a: _Args) -> np.ndarray:
    """The scatter, fast: one matrix product, then kH*kW contiguous adds into output phases.

    Input row i times kernel cell kh lands on row i + q of output phase r. Padding x with zero
    columns to the width Wq of a phase makes that shift a single offset, q*Wq, in the
    flattened phase, so each add is one contiguous block.
    """
    (sh, sw), (dh, dw) = a.stride, a.dilation
    N, C_in, H, W = a.x.shape
    _, C_out_g, kH, kW = a.w.shape
    G, C_in_g = a.groups, C_in // a.groups
    Qh, Qw = _shifts((kH, kW), a.stride, a.dilation)
    Hq, Wq = H + Qh - 1, W + Qw - 1  # rows and columns of an output phase
    x = np.zeros((N, G, C_in_g, H, Wq), a.dtype)
    x[..., :W] = a.x.reshape(N, G, C_in_g, H, W)
    # 1. every input value times every kernel value (zero in the padding columns):
    #    cols[n, g, o, kh, kw, i*Wq + j] = sum over c of w[c, o, kh, kw] * x[n, c, i, j]
    w = a.w.reshape(G, C_in_g, C_out_g * kH * kW).transpose(0, 2, 1)
    cols = np.matmul(w, x.reshape(N, G, C_in_g, H * Wq)).reshape(N, G, C_out_g, kH, kW, H * Wq)
    # 2. kH*kW adds into the output phases, each of one contiguous block
    phases = np.zeros((N, G, C_out_g, sh, sw, Hq * Wq + Qw - 1), a.dtype)
    for kh in range(kH):
        qh, rh = divmod(kh * dh, sh)
        for kw in range(kW):
            qw, rw = divmod(kw * dw, sw)
            start = qh * Wq + qw
            phases[:, :, :, rh, rw, start:start + H * Wq] += cols[:, :, :, kh, kw]
    phases = phases[..., :Hq * Wq].reshape(N, G, C_out_g, sh, sw, Hq, Wq)
    # 3. the phases, interleaved, are the uncropped output; crop padding
    return _interleave(phases, a.padding, a.out_size)


def _subpixel(a: _Args) -> np.ndarray:
    """The transposed convolution as sh*sw stride-1 convolutions, one per output phase.

    Row i + q of output phase r gets input row i times kernel cell kh. So each phase is an
    ordinary convolution of x with the kernel cells of that phase (flipped), and the phases
    interleave into the output, as in a pixel shuffle (Shi et al., 2016). The adjoint of
    _shifted_products with stride > 1.
    """
    (sh, sw), (dh, dw) = a.stride, a.dilation
    N, C_in, H, W = a.x.shape
    _, C_out_g, kH, kW = a.w.shape
    G, C_in_g = a.groups, C_in // a.groups
    Qh, Qw = _shifts((kH, kW), a.stride, a.dilation)
    w = a.w.reshape(G, C_in_g, C_out_g, kH, kW).transpose(0, 2, 1, 3, 4)  # (G, C_out/G, C_in/G, ..)
    phase_w = np.zeros((G, sh, sw, C_out_g, C_in_g, Qh, Qw), a.dtype)
    for kh in range(kH):
        qh, rh = divmod(kh * dh, sh)
        for kw in range(kW):
            qw, rw = divmod(kw * dw, sw)
            phase_w[:, rh, rw, :, :, Qh - 1 - qh, Qw - 1 - qw] = w[..., kh, kw]
    Hq, Wq = H + Qh - 1, W + Qw - 1  # rows and columns of every phase
    x = _pad(a.x, (Qh - 1, Qw - 1))
    y_phases = _correlate(x, phase_w.reshape(-1, C_in_g, Qh, Qw), (1, 1), (1, 1), G, (Hq, Wq))
    y_phases = y_phases.reshape(N, G, sh, sw, C_out_g, Hq, Wq).transpose(0, 1, 4, 2, 3, 5, 6)
    return _interleave(y_phases, a.padding, a.out_size)


# Phases ----------------------------------------------------------------------------------


def _shifts(kernel_size, stride, dilation) -> tuple[int, int]:
    """How many kernel cells fall in one phase, zeros included: the largest q, plus one."""
    (kH, kW), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    return (kH - 1) * dh // sh + 1, (kW - 1) * dw // sw + 1


def _phase_cells(a: _Args):
    """Each kernel cell (kh, kw) with the shift and phase it reads: (qh, qw, rh, rw)."""
    (sh, sw), (dh, dw) = a.stride, a.dilation
    kH, kW = a.w.shape[2:]
    for kh in range(kH):
        qh, rh = divmod(kh * dh, sh)
        for kw in range(kW):
            qw, rw = divmod(kw * dw, sw)
            yield kh, kw, (qh, qw, rh, rw)


def _phases_pay_off(kernel_size, stride, dilation) -> bool:
    """Whether to work with shifts and phases: few zero cells in the phase kernels."""
    Qh, Qw = _shifts(kernel_size, stride, dilation)
    (kH, kW), (sh, sw) = kernel_size, stride
    return sh * Qh * sw * Qw <= 2 * kH * kW


def _interleave(phases, padding, out_size):
    """Output phases (N, G, C, sh, sw, Hq, Wq) -> (N, G*C, H_out, W_out), cropping padding.

    Output row o is row (o + ph) // sh of phase (o + ph) % sh; rows past the phases are zero.
    """
    N, G, C, sh, sw, Hq, Wq = phases.shape
    (ph, pw), (H_out, W_out) = padding, out_size
    y = np.zeros((N, G, C, H_out, W_out), phases.dtype)
    for rh in range(sh):
        oh, mh, nh = _phase_rows(rh, sh, ph, H_out, Hq)
        for rw in range(sw):
            ow, mw, nw = _phase_rows(rw, sw, pw, W_out, Wq)
            y[..., oh:oh + sh * nh:sh, ow:ow + sw * nw:sw] = \
                phases[:, :, :, rh, rw, mh:mh + nh, mw:mw + nw]
    return y.reshape(N, G * C, H_out, W_out)


def _split_phases(x, padding, stride, phases) -> None:
    """Write padded x (..., H, W) into its stride phases: phases[rh, rw] is (..., Hx, Wx).

    Padded row i + ph is row (i + ph) // sh of phase (i + ph) % sh; the padding and the cells
    past x are written as zeros, so phases may start out as any values. Undoes _interleave.
    """
    H, W = x.shape[-2:]
    (ph, pw), (sh, sw), (Hx, Wx) = padding, stride, phases.shape[-2:]
    for rh in range(sh):
        ih, mh, nh = _phase_rows(rh, sh, ph, H, Hx)
        for rw in range(sw):
            iw, mw, nw = _phase_rows(rw, sw, pw, W, Wx)
            phase = phases[rh, rw]
            phase[..., :mh, :] = phase[..., mh + nh:, :] = 0  # rows of padding
            phase[..., mh:mh + nh, :mw] = phase[..., mh:mh + nh, mw + nw:] = 0  # columns
            phase[..., mh:mh + nh, mw:mw + nw] = x[..., ih:ih + sh * nh:sh, iw:iw + sw * nw:sw]


def _phase_rows(r, s, p, n_rows, n_phase):
    """Phase r's first row o (of n_rows, offset by p), its phase row (o + p) // s, and the count."""
    first = (r - p) % s
    row = (first + p) // s
    return first, row, max(0, min(len(range(first, n_rows, s)), n_phase - row))


def _pad(x, padding):
    """Zeros around every image: (N, C, H, W) -> (N, C, H + 2*ph, W + 2*pw)."""
    ph, pw = padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x


# Threads ---------------------------------------------------------------------------------
#
# numpy runs its copies and adds on one core; only the matrix products use BLAS's threads. So
# a large call is split into batch chunks, one per BLAS thread, each on a thread of its own with
# single-threaded BLAS (numpy releases the GIL in copies, adds and products): as many threads as
# BLAS would use, busy all the time. Small calls (the book's examples) stay on one thread. The
# BLAS limit is process-wide while a split call runs: other threads' products run on one core.

_BLAS = ThreadpoolController()
_BLAS_LIBS = _BLAS.select(user_api="blas").lib_controllers
_THREADS = max((lib.num_threads for lib in _BLAS_LIBS), default=1)  # BLAS's count at import
_POOL = ThreadPoolExecutor(_THREADS, thread_name_prefix="tconv")
_PARALLEL_WORK = 1 << 22  # multiply-adds below which splitting the batch does not pay (~0.1 ms)


def _over_batch(fn, a: _Args, shape=None):
    """fn(slice of the batch) for the whole batch, or per chunk on threads if the work is large.

    With a ``shape``, the chunks' results are written into one array of that shape (each by its
    own thread; a single chunk's result is returned as it is). Without, the list of results.
    """
    N = a.x.shape[0]
    work = a.x.size // a.x.shape[1] * a.w.size  # N*H*W * weights: multiply-adds, give or take
    threads = min(N, _THREADS, *(lib.num_threads for lib in _BLAS_LIBS))  # as BLAS has now
    if threads < 2 or work < _PARALLEL_WORK:
        return [fn(slice(0, N))] if shape is None else fn(slice(0, N))
    chunks = [slice(N * t // threads, N * (t + 1) // threads) for t in range(threads)]
    y = None if shape is None else np.empty(shape, a.dtype)

    def chunk(batch):
        with np.errstate(all="ignore"):  # each thread has its own floating-point settings
            if y is None:
                return fn(batch)
            y[batch] = fn(batch)

    with _BLAS.limit(limits=1, user_api="blas"):  # also keeps the chunks from splitting again
        parts = list(_POOL.map(chunk, chunks))
    return parts if y is None else y


# Scratch arrays ----------------------------------------------------------------------------
#
# The fast paths make a few large temporary arrays per call. Fresh ones cost page faults (the
# allocator hands large blocks back to the system when they are freed, and a new block's pages
# fault in one by one: ~1 ms for 4 MB here), so each thread keeps its temporaries and reuses
# them, up to _SCRATCH_BYTES each; larger ones are allocated afresh.

_SCRATCH = threading.local()
_SCRATCH_BYTES = 32 << 20


def _scratch(slot: str, shape, dtype) -> np.ndarray:
    """This thread's reusable array for ``slot``, of the given shape; values left from before."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if nbytes > _SCRATCH_BYTES:
        return np.empty(shape, dtype)
    arrays = _SCRATCH.__dict__.setdefault("arrays", {})
    if slot not in arrays or arrays[slot].nbytes < nbytes:
        arrays[slot] = np.empty(nbytes, np.uint8)
    return arrays[slot][:nbytes].view(dtype).reshape(shape)


# ---------------------------------------------------------------------------------------
# One dimension: the 2-D operations on images one pixel high
# ---------------------------------------------------------------------------------------


@quiet
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution: (N, C_in, L), weight (C_out, C_in/groups, k) -> (N, C_out, L_out).

    ``padding`` may also be ``"valid"`` or ``"same"``, as for :func:`conv2d`.
    """
    x, w = _as_height_one(input, weight)
    s, d = _one(stride, "stride", 1), _one(dilation, "dilation", 1)
    p = padding if isinstance(padding, str) else (0, _one(padding, "padding", 0))
    y = _conv2d(_conv_args(x, w, bias, (1, s), p, (1, d), groups, one_d=True))
    return y[..., 0, :]


@quiet
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution: (N, C_in, L) -> (N, C_out, L_out), weight (C_in, C_out/g, k)."""
    x, w = _as_height_one(input, weight)
    s, p, d = _one(stride, "stride", 1), _one(padding, "padding", 0), _one(dilation, "dilation", 1)
    (op,) = check_output_padding(output_padding, (s,), (d,), n=1)
    y = _conv_transpose2d(_conv_transpose_args(x, w, bias, (1, s), (0, p), (0, op), (1, d),
                                               groups, one_d=True))
    return y[..., 0, :]


def _one(value, name: str, minimum: int) -> int:
    """A 1-D setting: an int or a 1-sequence, at least ``minimum``."""
    return as_tuple(value, name, 1, minimum)[0]


def _as_height_one(input, weight):
    """Insert a unit height: (N, C, L) -> (N, C, 1, L), weight (A, B, k) -> (A, B, 1, k)."""
    x = as_array(input, "input")
    w = as_array(weight, "weight")
    check_ndim(x, "input", (1, 2, 3), "(N, C, L), (C, L) or bare (L,)")
    if x.ndim == 1 and w.ndim != 1:
        raise ValueError(f"a bare (L,) input needs a bare (k,) weight, got weight of shape "
                         f"{w.shape}")
    if x.ndim > 1 and w.ndim == 1:
        raise ValueError(f"a bare (k,) weight needs a bare (L,) input, got input of shape "
                         f"{x.shape}; use a 3-D weight with (N, C, L) or (C, L) input")
    check_ndim(w, "weight", (1,) if x.ndim == 1 else (3,),
               "bare (k,)" if x.ndim == 1 else "(C_out, C_in/groups, k)")
    return x[..., None, :], w[..., None, :]


# ---------------------------------------------------------------------------------------
# Checking the arguments
# ---------------------------------------------------------------------------------------


@dataclass
class _Args:
    """The checked arguments of one call, with input and weight in the batched 4-D layout."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray | None
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    groups: int
    out_size: tuple[int, int]
    dtype: np.dtype
    input_ndim: int
    output_padding: tuple[int, int] = (0, 0)
    transposed: bool = False
    extra: tuple[int, int] = (0, 0)  # rows/columns padding="same" added at the bottom/right
    one_d: bool = False  # a 1-D call, run on images one pixel high

    @property
    def name(self) -> str:
        """The operation's public name: conv2d, conv_transpose1d, ..."""
        return f"conv{'_transpose' if self.transposed else ''}{1 if self.one_d else 2}d"

    def check_size(self, shape, what: str) -> None:
        """Refuse an array of ``shape`` (N, C, H, W) that would not fit; ``what`` names it."""
        shape = (*shape[:2], shape[3]) if self.one_d else shape  # a 1-D call: (N, C, L)
        check_size(shape, self.dtype, f"{self.name}'s {what}", self.cause)

    def cause(self) -> str:
        """The settings this call's sizes follow from, for an error that says what to change."""
        N, _, H, W = self.x.shape
        settings = dict(kernel_size=self.w.shape[2:], stride=self.stride, padding=self.padding,
                        dilation=self.dilation, output_padding=self.output_padding)
        defaults = dict(padding=(0, 0), dilation=(1, 1), output_padding=(0, 0))
        settings = {k: v[-1:] if self.one_d else v for k, v in settings.items()
                    if defaults.get(k) != tuple(v)}
        images = f"{N} image{'s' if N != 1 else ''} of " + (f"length {W}" if self.one_d
                                                          else f"{H}×{W}")
        return (f"its size follows from the input ({images}) and {describe(**settings)}: use "
                f"smaller settings or fewer images")

    def finish(self, y: np.ndarray) -> np.ndarray:
        """Add the bias and give ``y`` (N, C_out, H_out, W_out) the layout of the input."""
        y = np.ascontiguousarray(y)  # a new array of ours, so the bias may be added in place
        if self.b is not None:
            y += self.b[:, None, None]
        if self.input_ndim == 4:
            return y
        return y[0] if self.input_ndim == 3 else y[0, 0]


def _arrays(input, weight, bias, groups, transposed: bool):
    """Check input, weight, bias and groups; return them batched 4-D, with the dtype."""
    x = as_array(input, "input")
    w = as_array(weight, "weight")
    check_ndim(x, "input", (2, 3, 4), "(N, C, H, W), (C, H, W) or bare (H, W)")
    input_ndim = x.ndim
    if x.ndim == 2:
        if w.ndim != 2:
            raise ValueError(f"a bare (H, W) input needs a bare (kH, kW) weight, got weight of "
                             f"shape {w.shape}")
        x, w = x[None, None], w[None, None]
    else:
        if w.ndim == 2:
            raise ValueError(f"a bare (kH, kW) weight needs a bare (H, W) input, got input of "
                             f"shape {x.shape}; use a 4-D weight with (N, C, H, W) or (C, H, W)")
        layout = "(C_in, C_out/groups, kH, kW)" if transposed else "(C_out, C_in/groups, kH, kW)"
        check_ndim(w, "weight", (4,), layout)
        x = x[None] if x.ndim == 3 else x
    check_nonempty(x, "input", skip=1)  # a batch of no images is fine, as in PyTorch
    check_nonempty(w, "weight")
    groups = as_int(groups, "groups", minimum=1)
    C_in = x.shape[1]
    if C_in % groups:
        raise ValueError(f"input channels ({C_in}) must be divisible by groups ({groups})")
    if transposed:
        if w.shape[0] != C_in:
            raise ValueError(f"weight has {w.shape[0]} input channels (its first dimension) "
                             f"but input has {C_in} channels")
        C_out = w.shape[1] * groups
    else:
        C_out = w.shape[0]
        if C_out % groups:
            raise ValueError(f"weight's output channels ({C_out}) must be divisible by groups "
                             f"({groups})")
        if w.shape[1] * groups != C_in:
            raise ValueError(f"weight expects {w.shape[1]} input channels per group x {groups} "
                             f"groups = {w.shape[1] * groups}, but input has {C_in} channels")
    b = None
    if bias is not None:
        b = as_array(bias, "bias")
        if b.shape != (C_out,):
            raise ValueError(f"bias must have shape ({C_out},), one value per output channel, "
                             f"got shape {b.shape}")
    dtype = result_dtype(x, w) if b is None else result_dtype(x, w, b)
    x, w = as_dtype(x, dtype, "input"), as_dtype(w, dtype, "weight")
    b = None if b is None else as_dtype(b, dtype, "bias")
    return x, w, b, groups, dtype, input_ndim


def _conv_args(input, weight, bias, stride, padding, dilation, groups, one_d=False) -> _Args:
    """Check a convolution's arguments (torch.nn.functional.conv2d rules)."""
    stride = as_tuple(stride, "stride", 2, minimum=1)
    if not isinstance(padding, str):
        padding = as_tuple(padding, "padding", 2, minimum=0)
    elif padding not in PADDING_MODES:
        raise ValueError(f"padding must be an integer, a pair of integers, 'valid' or 'same', "
                         f"got {padding!r}")
    dilation = as_tuple(dilation, "dilation", 2, minimum=1)
    x, w, b, groups, dtype, input_ndim = _arrays(input, weight, bias, groups, transposed=False)
    padding, extra = _padding_mode(padding, stride, dilation, w.shape[2:])
    if extra != (0, 0):  # "same" with an odd total: one more row/column at the bottom/right
        x = np.pad(x, ((0, 0), (0, 0), (0, extra[0]), (0, extra[1])))
    out_size = conv_lengths(x.shape[2:], w.shape[2:], stride, padding, dilation)
    a = _Args(x, w, b, stride, padding, dilation, groups, out_size, dtype, input_ndim,
              extra=extra, one_d=one_d)
    a.check_size((x.shape[0], w.shape[0], *out_size), "output")
    return a


PADDING_MODES = ("valid", "same")


def _padding_mode(padding, stride, dilation, kernel_size):
    """Padding as a pair, and the extra bottom/right rows/columns of padding="same": two pairs.

    ``"valid"`` is no padding. ``"same"`` (stride 1 only) pads d*(k-1) in all, half on each
    side; an odd total puts the extra one at the bottom/right, as PyTorch does.
    """
    if not isinstance(padding, str):
        return padding, (0, 0)
    if padding == "valid":
        return (0, 0), (0, 0)
    if stride != (1, 1):
        raise ValueError(f"padding='same' needs stride 1 (only then can the output keep the "
                         f"input's size), got stride {stride}")
    totals = [d * (k - 1) for d, k in zip(dilation, kernel_size, strict=True)]
    return tuple(t // 2 for t in totals), tuple(t % 2 for t in totals)


def _conv_transpose_args(input, weight, bias, stride, padding, output_padding, dilation,
                         groups, one_d=False) -> _Args:
    """Check a transposed convolution's arguments (conv_transpose2d rules)."""
    stride = as_tuple(stride, "stride", 2, minimum=1)
    padding = as_tuple(padding, "padding", 2, minimum=0)
    dilation = as_tuple(dilation, "dilation", 2, minimum=1)
    output_padding = check_output_padding(output_padding, stride, dilation)
    x, w, b, groups, dtype, input_ndim = _arrays(input, weight, bias, groups, transposed=True)
    out_size = conv_transpose_lengths(x.shape[2:], w.shape[2:], stride, padding,
                                      output_padding, dilation)
    a = _Args(x, w, b, stride, padding, dilation, groups, out_size, dtype, input_ndim,
              output_padding, transposed=True, one_d=one_d)
    a.check_size((x.shape[0], w.shape[1] * groups, *out_size), "output")
    return a


def _check_padded_input(a: _Args) -> None:
    """Refuse a padded input that would not fit (the loop and im2col pad the input)."""
    (N, C, H, W), (ph, pw) = a.x.shape, a.padding
    a.check_size((N, C, H + 2 * ph, W + 2 * pw), "padded input")
