"""One operation, four views: the transposed convolution seen four ways.

The same operation goes by several names, and each name comes from one way of computing it.
Every view below takes a bare 2-D input ``x`` of shape ``(H, W)`` and a bare 2-D ``kernel`` of
shape ``(kH, kW)`` and returns exactly what ``tconv.conv_transpose2d(x, kernel, stride=...,
padding=..., output_padding=..., dilation=...)`` returns (integers in, int64 out).

1. **scatter**: every input value times the kernel, added into the output at ``stride``
   offsets, then ``padding`` cropped from every border (the picture in most articles).
2. **fractionally strided** (zero insertion): put ``stride - 1`` zeros between the inputs, pad
   by ``dilation*(k-1) - padding`` on each side, and run an ordinary stride-1 convolution with
   the kernel rotated by 180°. Stepping one cell at a time over the zero-inserted input is
   stepping ``1/stride`` of a cell over the real one.
3. **transposed** (the matrix): a convolution is a matrix ``C`` acting on the flattened input;
   the transposed convolution is ``C.T`` acting on the flattened output.
4. **backward strided** (the gradient): the gradient of a strided convolution with respect to
   its input is the transposed convolution of the gradient with respect to its output.

None of them is a *deconvolution*: ``C.T`` is not the inverse of ``C``. For comparison,
:func:`deconvolve_least_squares` at the end really undoes a convolution, where it can, and
:func:`deconvolve_tikhonov` keeps that stable when the convolved image carries noise.
"""

from __future__ import annotations

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
from .conv import conv2d, conv_transpose2d_loop
from .grad import conv2d_backward
from .shapes import (
    check_output_padding,
    conv_lengths,
    conv_output_size,
    conv_transpose_lengths,
)


def _check_image(arr, name: str, layout: str = "(H, W)") -> np.ndarray:
    """Return ``arr`` as a non-empty numeric 2-D array, or raise naming ``name``."""
    arr = as_array(arr, name)
    check_ndim(arr, name, (2,), layout)
    check_nonempty(arr, name)
    return arr


def _check_transpose_args(x, kernel, stride, padding, output_padding, dilation):
    """Validate the arguments all views share; return arrays, setting pairs and the out shape."""
    x = _check_image(x, "x")
    kernel = _check_image(kernel, "kernel", "(kH, kW)")
    stride = as_tuple(stride, "stride", 2, minimum=1)
    padding = as_tuple(padding, "padding", 2, minimum=0)
    dilation = as_tuple(dilation, "dilation", 2, minimum=1)
    output_padding = check_output_padding(output_padding, stride, dilation)
    out_shape = conv_transpose_lengths(x.shape, kernel.shape, stride, padding,
                                       output_padding, dilation)
    dtype = result_dtype(x, kernel)
    x, kernel = as_dtype(x, dtype, "x"), as_dtype(kernel, dtype, "kernel")
    check_size(out_shape, dtype, "the output", lambda: _cause(
        x.shape, kernel.shape, stride=stride, padding=padding, dilation=dilation))
    return x, kernel, stride, padding, output_padding, dilation, out_shape


def _cause(x_shape, kernel_shape, **settings) -> str:
    """The sizes and settings an array's size follows from, for an error naming them."""
    (H, W), (kH, kW) = x_shape, kernel_shape
    settings = {k: v for k, v in settings.items()
                if v != ((1, 1) if k in ("stride", "dilation") else (0, 0)) or k == "stride"}
    return (f"its size follows from the {H}×{W} input, the {kH}×{kW} kernel and "
            f"{describe(**settings)}: use smaller settings or a smaller input")


def _pad_or_crop(x, top, bottom, left, right):
    """Zero-pad each side by a positive amount; crop from a side given a negative one."""
    x = np.pad(x, ((max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0))))
    H, W = x.shape
    return x[max(-top, 0):H - max(-bottom, 0), max(-left, 0):W - max(-right, 0)]


# 1. Scatter ----------------------------------------------------------------------------------

@quiet
def conv_transpose2d_scatter(x, kernel, stride=1, padding=0, output_padding=0, dilation=1):
    """Each x[i, j] * kernel added at (i*stride, j*stride), then cropped: (H, W) -> (oH, oW).

    The loop itself is :func:`tconv.conv.conv_transpose2d_loop`, the library's definition of
    the operation; this view only fixes the bare 2-D layout the other views use.
    """
    x, kernel, stride, padding, output_padding, dilation, _ = _check_transpose_args(
        x, kernel, stride, padding, output_padding, dilation)
    return conv_transpose2d_loop(x, kernel, stride=stride, padding=padding,
                                 output_padding=output_padding, dilation=dilation)


# 2. Zero insertion: "fractionally strided" ---------------------------------------------------

def insert_zeros(x, stride):
    """Put ``stride - 1`` zeros between neighbouring values: (H, W) -> ((H-1)s+1, (W-1)s+1)."""
    x = _check_image(x, "x")
    sh, sw = as_tuple(stride, "stride", 2, minimum=1)
    H, W = x.shape
    shape = ((H - 1) * sh + 1, (W - 1) * sw + 1)
    check_size(shape, x.dtype, "the zero-inserted input",
               f"its size follows from the {H}×{W} input and {describe(stride=(sh, sw))}: use a "
               f"smaller stride or input")
    z = np.zeros(shape, dtype=x.dtype)
    z[::sh, ::sw] = x
    return z


def rotate180(kernel):
    """The kernel turned half a turn, ``kernel[::-1, ::-1]``: (kH, kW) -> (kH, kW)."""
    kernel = _check_image(kernel, "kernel", "(kH, kW)")
    return kernel[::-1, ::-1].copy()


def zero_insertion_input(x, kernel, stride=1, padding=0, output_padding=0, dilation=1):
    """Zero-inserted x padded for the rotated kernel: (H, W) -> (oH+dh(kH-1), oW+dw(kW-1))."""
    x, kernel, stride, (ph, pw), (oph, opw), (dh, dw), _ = _check_transpose_args(
        x, kernel, stride, padding, output_padding, dilation)
    kH, kW = kernel.shape
    # Enough zeros that the dilated kernel sticks out by all but one cell ("full" convolution),
    # less the padding; a negative amount (padding > dilation*(k-1)) crops instead.
    top, left = dh * (kH - 1) - ph, dw * (kW - 1) - pw
    H, W = x.shape
    shape = ((H - 1) * stride[0] + 1 + 2 * top + oph, (W - 1) * stride[1] + 1 + 2 * left + opw)
    check_size(shape, x.dtype, "the zero-inserted, padded input",
               _cause(x.shape, kernel.shape, stride=stride, padding=(ph, pw),
                      dilation=(dh, dw)))
    return _pad_or_crop(insert_zeros(x, stride), top, top + oph, left, left + opw)


@quiet
def conv_transpose2d_zero_insertion(x, kernel, stride=1, padding=0, output_padding=0, dilation=1):
    """conv2d of the zero-inserted padded input with the rotated kernel: (H, W) -> (oH, oW)."""
    z = zero_insertion_input(x, kernel, stride, padding, output_padding, dilation)
    return conv2d(z, rotate180(kernel), dilation=dilation)


# 3. The matrix: "transposed" -----------------------------------------------------------------

def conv_matrix(input_shape, kernel, stride=1, padding=0, dilation=1):
    """The matrix C with conv2d(x) == (C @ x.ravel()).reshape(oH, oW): shape (oH*oW, H*W)."""
    kernel = _check_image(kernel, "kernel", "(kH, kW)")
    H, W = as_tuple(input_shape, "input_shape", 2, minimum=1)
    sh, sw = as_tuple(stride, "stride", 2, minimum=1)
    ph, pw = as_tuple(padding, "padding", 2, minimum=0)
    dh, dw = as_tuple(dilation, "dilation", 2, minimum=1)
    oH, oW = conv_lengths((H, W), kernel.shape, (sh, sw), (ph, pw), (dh, dw))
    check_size((oH * oW, H * W), result_dtype(kernel), "the convolution matrix",
               f"it has a row per output cell ({oH}×{oW}) and a column per input cell "
               f"({H}×{W}): use a smaller input_shape")
    C = np.zeros((oH * oW, H * W), dtype=result_dtype(kernel))
    oh, ow = np.meshgrid(np.arange(oH), np.arange(oW), indexing="ij")  # every output cell
    row = oh * oW + ow  # its row in C
    for a in range(kernel.shape[0]):
        for b in range(kernel.shape[1]):
            ih, iw = oh * sh + a * dh - ph, ow * sw + b * dw - pw  # the cell kernel[a, b] meets
            inside = (ih >= 0) & (ih < H) & (iw >= 0) & (iw < W)  # not in the zero padding
            C[row[inside], (ih * W + iw)[inside]] = kernel[a, b]
    return C


@quiet
def conv_transpose2d_matrix(x, kernel, stride=1, padding=0, output_padding=0, dilation=1):
    """C.T @ x.ravel(), C the conv matrix of an (oH, oW) input: (H, W) -> (oH, oW)."""
    x, kernel, stride, padding, _, dilation, out_shape = _check_transpose_args(
        x, kernel, stride, padding, output_padding, dilation)
    C = conv_matrix(out_shape, kernel, stride, padding, dilation)
    y = _fit_to_conv_output(x, out_shape, kernel, stride, padding, dilation)
    return (C.T @ y.ravel()).reshape(out_shape).astype(result_dtype(x, kernel), copy=False)


def _fit_to_conv_output(x, out_shape, kernel, stride, padding, dilation):
    """x with zero rows/columns appended up to the shape conv2d gives on an out_shape input.

    Only differs from x when output_padding >= stride (allowed when dilation > stride): the
    convolution of an (oH, oW) input then has an extra row or column that no input value of the
    transposed convolution feeds, so x contributes zero there.
    """
    cH, cW = conv_output_size(out_shape, kernel.shape, stride, padding, dilation)
    return _pad_or_crop(x, 0, cH - x.shape[0], 0, cW - x.shape[1])


# 4. The gradient: "backward strided" ---------------------------------------------------------

@quiet
def conv_transpose2d_gradient(x, kernel, stride=1, padding=0, output_padding=0, dilation=1):
    """d<conv2d(z, kernel), x>/dz for z of the output's shape: (H, W) -> (oH, oW).

    Backpropagation through ``y = conv2d(z, kernel, stride, padding, dilation)`` turns the
    gradient with respect to y (here: x) into the gradient with respect to z. It does not
    depend on the values of z, only on its shape, which is the transposed convolution's output
    shape.
    """
    x, kernel, stride, padding, _, dilation, out_shape = _check_transpose_args(
        x, kernel, stride, padding, output_padding, dilation)
    z = np.zeros(out_shape, result_dtype(x, kernel))  # any values: the gradient ignores them
    grad_y = _fit_to_conv_output(x, out_shape, kernel, stride, padding, dilation)
    grad_z, _, _ = conv2d_backward(grad_y, z, kernel, stride, padding, dilation, groups=1)
    return grad_z


# Undoing a convolution: a real deconvolution, for contrast -----------------------------------

LSTSQ_WORK = 2**30  # rows x columns x min(rows, columns) of C: about a second of SVD here


@quiet
def deconvolve_least_squares(y, kernel, input_shape, stride=1, padding=0, dilation=1):
    """The x minimising |conv2d(x, kernel) - y| (shortest if many): (oH, oW) -> input_shape.

    Solves ``C @ x = y`` by least squares with ``numpy.linalg.lstsq``, C the matrix of
    :func:`conv_matrix`. This recovers x exactly when C has full column rank (e.g. stride 1
    with padding ``dilation*(k-1)``, the "full" convolution) and y came from a convolution;
    the transposed convolution ``C.T @ y`` does not. The solver's work grows as the cube of
    the image's size, so C may have at most LSTSQ_WORK = rows x columns x min(rows, columns)
    (a 24×24 input with a 3×3 kernel is about a fifth of it).
    """
    y = _check_image(y, "y", "(oH, oW)")
    kernel = _check_image(kernel, "kernel", "(kH, kW)")
    H, W = as_tuple(input_shape, "input_shape", 2, minimum=1)
    out_shape = conv_output_size((H, W), kernel.shape, stride, padding, dilation)
    if y.shape != out_shape:
        raise ValueError(f"y must have the shape conv2d gives on an input of shape {(H, W)}, "
                         f"{out_shape}, got {y.shape}")
    rows, cols = out_shape[0] * out_shape[1], H * W
    if rows * cols * min(rows, cols) > LSTSQ_WORK:
        raise ValueError(f"input_shape {H}×{W} is too large to solve by least squares here: "
                         f"its {cols} unknowns and {rows} equations take "
                         f"{rows * cols * min(rows, cols):.2g} steps, more than "
                         f"{LSTSQ_WORK:.2g} (about a second); use an input of at most about "
                         f"32×32")
    C = conv_matrix((H, W), kernel, stride, padding, dilation)
    x, *_ = np.linalg.lstsq(C.astype(float), y.ravel().astype(float), rcond=None)
    return x.reshape(H, W)


TIKHONOV_MAX_UNKNOWNS = 4096
"""Input cells deconvolve_tikhonov solves for at most (64×64): its solve grows as their cube."""


def deconvolve_tikhonov(y, kernel, input_shape, stride=1, padding=0, dilation=1, *, alpha):
    """The x minimising |conv2d(x, kernel) - y|² + alpha·|x|²: (oH, oW) -> input_shape.

    Tikhonov (ridge) regularisation: solves ``(C.T @ C + alpha * I) x = C.T @ y``, C the matrix
    of :func:`conv_matrix`. Where ``y`` holds noise, plain least squares divides it by C's
    small singular values; ``alpha > 0`` caps that gain at ``1 / (2 sqrt(alpha))`` and makes
    the system solvable for every C, at the price of shrinking x towards 0 (more blur).
    """
    y = _check_image(y, "y", "(oH, oW)")
    kernel = _check_image(kernel, "kernel", "(kH, kW)")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)):
        raise TypeError(f"alpha must be a number, got {alpha!r}")
    if not np.isfinite(alpha) or alpha <= 0:
        raise ValueError(f"alpha must be a positive finite number, got {alpha!r}")
    H, W = as_tuple(input_shape, "input_shape", 2, minimum=1)
    if H * W > TIKHONOV_MAX_UNKNOWNS:
        raise ValueError(f"input_shape {H}×{W} has {H * W} cells, more than the "
                         f"{TIKHONOV_MAX_UNKNOWNS} deconvolve_tikhonov solves for (the work "
                         f"grows as their cube); use a smaller input")
    out_shape = conv_output_size((H, W), kernel.shape, stride, padding, dilation)
    if y.shape != out_shape:
        raise ValueError(f"y must have the shape conv2d gives on an input of shape {(H, W)}, "
                         f"{out_shape}, got {y.shape}")
    C = conv_matrix((H, W), kernel, stride, padding, dilation).astype(float)
    normal = C.T @ C
    normal[np.diag_indices_from(normal)] += float(alpha)
    x = np.linalg.solve(normal, C.T @ y.ravel().astype(float))
    return x.reshape(H, W)
