"""The gradient of a convolution, and why it is a transposed convolution.

For ``y = conv2d(x, w, b)`` and a loss with gradient ``grad_output = dL/dy``:

- ``dL/dx`` is the transposed convolution of ``grad_output`` with the same weight: each input
  cell fed every output cell its kernel window covered, so each output gradient flows back
  through that window (the "backward strided convolution" name of the operation);
- ``dL/dw`` correlates ``grad_output`` with the input windows: one matrix product over the
  input's phases, as the forward pass lays them out (or over im2col columns for sparse dilated
  kernels);
- ``dL/db`` sums ``grad_output`` over the batch and the image.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._checks import all_finite, as_array, as_dtype, quiet, result_dtype
from .conv import (
    _conv_args,
    _conv_plan,
    _conv_transpose2d_fast,
    _conv_transpose_args,
    _im2col,
    _im2col_gather,
    _over_batch,
    _pad,
    _scratch,
    _Shifts,
    _stacked_phases,
    _transpose_plan,
    _unstacked_kernels,
)


@quiet
def conv2d_backward(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1):
    """Gradients of y = conv2d(x, w, b): grad_output (N, C_out, H_out, W_out) -> (dx, dw, db).

    ``padding`` may be ``"valid"`` or ``"same"`` as for :func:`tconv.conv2d`.
    """
    a = _conv_args(input, weight, None, stride, padding, dilation, groups)
    N, C_in, H, W = a.x.shape
    C_out, C_in_g, kH, kW = a.w.shape
    G = a.groups
    H_out, W_out = a.out_size
    gy = _check_grad_output(grad_output, a)  # batched (N, C_out, H_out, W_out)
    dtype = result_dtype(gy, a.x, a.w)
    gy = as_dtype(gy, dtype, "grad_output")
    a.x, a.w = a.x.astype(dtype, copy=False), a.w.astype(dtype, copy=False)

    # dL/dx: the transposed convolution, with output_padding restoring the rows/columns that
    # the forward stride skipped at the bottom/right, so the shape is exactly the input's
    (sh, sw), (ph, pw), (dh, dw) = a.stride, a.padding, a.dilation
    output_padding = (H - ((H_out - 1) * sh - 2 * ph + dh * (kH - 1) + 1),
                      W - ((W_out - 1) * sw - 2 * pw + dw * (kW - 1) + 1))
    t = _conv_transpose_args(gy, a.w, None, a.stride, a.padding, output_padding, a.dilation, G)
    # dL/dw: grad_output times the input each weight met, summed over images and cells
    if N == 0:  # a batch of no images: no gradient flows
        grad_input, grad_weight = np.zeros(a.x.shape, dtype), np.zeros(a.w.shape, dtype)
    else:
        # each chunk checks its own images for inf and NaN (see _conv_plan, _transpose_plan)
        input_plan = _transpose_plan(t, finite=all_finite(a.w))
        weight_plan = _conv_plan(a, finite=True)

        def both(batch):  # one pass over the batch (chunks on threads) computes the two
            return (_conv_transpose2d_fast(replace(t, x=t.x[batch]), input_plan),
                    _weight_grad(gy[batch], replace(a, x=a.x[batch]), weight_plan))

        parts = _over_batch(both, a)
        grad_input = parts[0][0] if len(parts) == 1 else np.concatenate([dx for dx, _ in parts])
        grad_weight = sum(dw for _, dw in parts)
    # padding="same" with an odd total padded x at the bottom/right: not part of the input
    grad_input = grad_input[:, :, :H - a.extra[0], :W - a.extra[1]]
    # dL/db: every output cell of a channel had the same bias added
    grad_bias = gy.sum(axis=(0, 2, 3))

    if a.input_ndim == 2:
        return grad_input[0, 0], grad_weight[0, 0], grad_bias
    if a.input_ndim == 3:
        return grad_input[0], grad_weight, grad_bias
    return grad_input, grad_weight, grad_bias


def _weight_grad(gy, a, plan: str) -> np.ndarray:
    """dL/dw by ``plan``; the shifted plan falls back to im2col if gy or a.x holds inf or NaN."""
    if plan == "shifted" and not all_finite(gy, a.x):
        plan = _conv_plan(a, finite=False)
    if plan == "shifted":
        return _weight_grad_shifted(gy, a)
    return _weight_grad_im2col(gy, a, gather=plan == "gather")


def _weight_grad_im2col(gy, a, gather=False) -> np.ndarray:
    """dL/dw as grad_output (N, G, C_out/G, L) times the im2col columns, per image, summed."""
    N = a.x.shape[0]
    C_out, C_in_g, kH, kW = a.w.shape
    if gather:
        cols = _im2col_gather(a.x, (kH, kW), a.stride, a.padding, a.dilation, a.out_size,
                              a.groups)
    else:
        cols = _im2col(_pad(a.x, a.padding), (kH, kW), a.stride, a.dilation, a.out_size,
                       a.groups)
    gy = gy.reshape(N, a.groups, C_out // a.groups, -1)
    return np.matmul(gy, cols.swapaxes(-1, -2)).sum(axis=0).reshape(C_out, C_in_g, kH, kW)


def _weight_grad_shifted(gy, a) -> np.ndarray:
    """dL/dw through the layout of conv._shifted_products: -> (C_out, C_in/G, kH, kW).

    The forward pass added shifted blocks of one product z = (stacked kernels) @ x. So each
    block's gradient is grad_output put back at its shift (zeros elsewhere, and in the dropped
    columns), and the stacked kernels' gradient is that times x transposed: one product over
    every image and cell at once.
    """
    s = _Shifts.of(a)
    N, G, C_out = a.x.shape[0], a.groups, a.w.shape[0]
    H_out, W_out = a.out_size
    L = H_out * s.Wx  # the cells of one image's output rows, Wx wide
    x = _stacked_phases(a, s)  # (G, copies*C_in/G*sh*sw, N*width)
    dz = _scratch("grad_products", (G, s.Qh, s.adds, C_out // G, N, s.width), gy.dtype)
    g = gy.reshape(N, G, C_out // G, H_out, W_out).transpose(1, 2, 0, 3, 4)
    for qh, qw, offset in s.offsets():
        block = dz[:, qh, qw]
        block[..., :offset] = block[..., offset + L:] = 0
        rows = block[..., offset:offset + L].reshape(G, C_out // G, N, H_out, s.Wx)  # a view
        rows[..., :W_out] = g
        rows[..., W_out:] = 0
    grad = np.matmul(dz.reshape(G, -1, N * s.width), x.swapaxes(-1, -2))
    return _unstacked_kernels(a, s, grad)


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
