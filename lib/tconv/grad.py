"""The gradient of a convolution, and why it is a transposed convolution.

For ``y = conv2d(x, w, b)`` and a loss with gradient ``grad_output = dL/dy``:

- ``dL/dx`` is the transposed convolution of ``grad_output`` with the same weight: each input
  cell fed every output cell its kernel window covered, so each output gradient flows back
  through that window (the "backward strided convolution" name of the operation);
- ``dL/dw`` correlates ``grad_output`` with the input windows (matrix products over the im2col
  columns, or over the input's phases for a strided convolution);
- ``dL/db`` sums ``grad_output`` over the batch and the image.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._checks import as_array, result_dtype
from .conv import (
    _conv_args,
    _im2col,
    _input_phases,
    _over_batch,
    _pad,
    _phase_cells,
    _phases_pay_off,
    conv_transpose2d,
)


def conv2d_backward(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1):
    """Gradients of y = conv2d(x, w, b): grad_output (N, C_out, H_out, W_out) -> (dx, dw, db)."""
    a = _conv_args(input, weight, None, stride, padding, dilation, groups)
    N, C_in, H, W = a.x.shape
    C_out, C_in_g, kH, kW = a.w.shape
    G = a.groups
    H_out, W_out = a.out_size
    gy = _check_grad_output(grad_output, a)  # batched (N, C_out, H_out, W_out)
    dtype = result_dtype(gy, a.w)
    gy, a.x, a.w = (arr.astype(dtype, copy=False) for arr in (gy, a.x, a.w))

    # dL/dx: the transposed convolution, with output_padding restoring the rows/columns that
    # the forward stride skipped at the bottom/right, so the shape is exactly the input's
    (sh, sw), (ph, pw), (dh, dw) = a.stride, a.padding, a.dilation
    output_padding = (H - ((H_out - 1) * sh - 2 * ph + dh * (kH - 1) + 1),
                      W - ((W_out - 1) * sw - 2 * pw + dw * (kW - 1) + 1))
    grad_input = conv_transpose2d(gy, a.w, None, a.stride, a.padding, output_padding, G,
                                  a.dilation)
    # dL/dw: grad_output times the input each weight met, summed over images and cells
    strided = a.stride != (1, 1) and _phases_pay_off((kH, kW), a.stride, a.dilation)
    weight_grad = _weight_grad_phases if strided else _weight_grad_im2col
    grad_weight = sum(_over_batch(lambda batch: weight_grad(gy[batch], replace(a, x=a.x[batch])),
                                  a))
    # dL/db: every output cell of a channel had the same bias added
    grad_bias = gy.sum(axis=(0, 2, 3))

    if a.input_ndim == 2:
        return grad_input[0, 0], grad_weight[0, 0], grad_bias
    if a.input_ndim == 3:
        return grad_input[0], grad_weight, grad_bias
    return grad_input, grad_weight, grad_bias


def _weight_grad_im2col(gy, a) -> np.ndarray:
    """dL/dw as grad_output (N, G, C_out/G, L) times the im2col columns, per image, summed."""
    N = a.x.shape[0]
    C_out, C_in_g, kH, kW = a.w.shape
    cols = _im2col(_pad(a.x, a.padding), (kH, kW), a.stride, a.dilation, a.out_size, a.groups)
    gy = gy.reshape(N, a.groups, C_out // a.groups, -1)
    return np.matmul(gy, cols.swapaxes(-1, -2)).sum(axis=0).reshape(C_out, C_in_g, kH, kW)


def _weight_grad_phases(gy, a) -> np.ndarray:
    """dL/dw of a strided convolution through the input's phases (see conv._shifted_products).

    The forward pass added Qh*Qw shifted products of the phase kernels with the input phases;
    so each phase kernel's gradient is grad_output, shifted back, times the input phases.
    """
    sh, sw = a.stride
    N = a.x.shape[0]
    C_out, C_in_g, kH, kW = a.w.shape
    G, C_out_g = a.groups, C_out // a.groups
    x, (Qh, Qw), (Hx, Wx) = _input_phases(a)
    H_out, W_out = a.out_size
    shifted = np.zeros((N, G, Qh, Qw, C_out_g, Hx, Wx), gy.dtype)
    for qh in range(Qh):
        for qw in range(Qw):
            shifted[:, :, qh, qw, :, qh:qh + H_out, qw:qw + W_out] = \
                gy.reshape(N, G, C_out_g, H_out, W_out)
    grad = np.matmul(shifted.reshape(N, G, Qh * Qw * C_out_g, Hx * Wx),
                     x.reshape(N, G, C_in_g * sh * sw, Hx * Wx).swapaxes(-1, -2)).sum(axis=0)
    grad = grad.reshape(G, Qh, Qw, C_out_g, C_in_g, sh, sw)
    grad_weight = np.empty((G, C_out_g, C_in_g, kH, kW), gy.dtype)
    for kh, kw, (qh, qw, rh, rw) in _phase_cells(a):
        grad_weight[..., kh, kw] = grad[:, qh, qw, :, :, rh, rw]
    return grad_weight.reshape(C_out, C_in_g, kH, kW)


def _check_grad_output(grad_output, a) -> np.ndarray:
    """Check grad_output has conv2d's output shape in the input's layout; return it batched."""
    gy = as_array(grad_output, "grad_output")
    N, C_out = a.x.shape[0], a.w.shape[0]
    full = (N, C_out, *a.out_size)
    expected = full[4 - a.input_ndim:]
    if gy.shape != expected:
        raise ValueError(f"grad_output must have the shape of conv2d's output, {expected}, "
                         f"got {gy.shape}")
    return gy.reshape(full)
