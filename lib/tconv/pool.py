"""Max pooling and its partial inverse, max unpooling, with PyTorch's index convention.

``max_pool2d`` keeps the largest value of each window and, if asked, where it came from:
an index ``row * W + col`` into its own (unpadded) ``H × W`` channel plane. ``max_unpool2d``
writes each value back at that index and zeros everywhere else, the "switches" that
SegNet-style decoders use to upsample. Both mirror ``torch.nn.functional`` (signatures, argument
order, ``dilation`` and ``ceil_mode``, NaN and ties) on ``(N, C, H, W)``, ``(C, H, W)`` or a bare
``(H, W)`` image; values keep their dtype. A batch of no images gives an empty result.

NaN wins, as in PyTorch: a window holding NaN gives NaN, with the index of its last NaN.
Otherwise ties keep the first cell in row-major order.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, as_int, as_tuple, check_size, describe, quiet
from .shapes import conv_transpose_lengths
from .upsample import _from_nchw, _to_nchw


def _pool_settings(kernel_size, stride, padding):
    """Validate kernel_size, stride (None means kernel_size) and padding; return three pairs."""
    k = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
    s = k if stride is None else as_tuple(stride, "stride", 2, minimum=1)
    p = as_tuple(padding, "padding", 2, minimum=0)
    return k, s, p


def pool_output_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """Output length of max pooling (PyTorch's rule): windows of span d(k-1)+1, stride s.

    ``floor((size + 2p - d(k-1) - 1) / s) + 1``, or with ``ceil_mode`` the ceiling, less one if
    the last window would start past the input and its left padding. 0 or less: no window.
    """
    span = d * (k - 1) + 1
    out = (size + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    """Validate max_pool2d's arguments: ``x`` as NCHW, added axes, k, s, p, d, output (Ho, Wo)."""
    x, added = _to_nchw(as_array(input, "input"))
    k, s, p = _pool_settings(kernel_size, stride, padding)
    d = as_tuple(dilation, "dilation", 2, minimum=1)
    for pi, ki in zip(p, k, strict=True):
        if pi > ki // 2:
            raise ValueError(
                f"padding ({pi}) must be at most half of kernel_size ({ki}), so that every "
                f"window holds at least one input value"
            )
    for name, flag in (("ceil_mode", ceil_mode), ("return_indices", return_indices)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    out = tuple(pool_output_size(n, *setting, ceil_mode)
                for n, setting in zip(x.shape[2:], zip(k, s, p, d, strict=True), strict=True))
    if min(out) < 1:
        raise ValueError(
            f"kernel_size {k} with dilation {d} spans more than the padded input "
            f"{x.shape[2:]} (padding {p}): the output would be {out[0]}x{out[1]}"
        )
    return x, added, k, s, p, d, out


def _lowest(dtype: np.dtype):
    """The value that loses every comparison in ``dtype``: -inf, or the smallest integer."""
    return -np.inf if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).min


def _first_inside(start: int, d: int) -> int:
    """The first of start, start + d, ... that is not negative (PyTorch's start of a window)."""
    return start if start >= 0 else start + -(start // d) * d


# --- max pooling -------------------------------------------------------------------------

@quiet
def max_pool2d_loop(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                    return_indices=False):
    """Max pooling as a loop over output cells: (…, H, W) -> (…, Ho, Wo) [, indices (…, Ho, Wo)]."""
    x, added, (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = _pool_args(
        input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )
    n, c, h, w = x.shape
    y = np.empty((n, c, ho, wo), dtype=x.dtype)
    idx = np.empty((n, c, ho, wo), dtype=np.int64)
    for b, ch, i, j in np.ndindex(n, c, ho, wo):
        # a window without a real cell (possible with dilation) keeps these, as in PyTorch
        best = _lowest(x.dtype)
        arg = _first_inside(i * sh - ph, dh) * w + _first_inside(j * sw - pw, dw)
        found = False
        for di, dj in np.ndindex(kh, kw):  # row-major order through the window
            r, q = i * sh - ph + di * dh, j * sw - pw + dj * dw
            if not (0 <= r < h and 0 <= q < w):
                continue  # padding never wins
            v = x[b, ch, r, q]
            # Strictly larger, so ties keep the first; NaN always wins, as in PyTorch.
            if not found or v > best or v != v:
                best, arg, found = v, r * w + q, True
        y[b, ch, i, j], idx[b, ch, i, j] = best, arg
    y = _from_nchw(y, added)
    return (y, _from_nchw(idx, added)) if return_indices else y


@quiet
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """``torch.nn.functional.max_pool2d``: (…, H, W) -> (…, Ho, Wo) [, indices (…, Ho, Wo)].

    One strided view per kernel cell, each compared with the best so far; when the kernel has
    more cells than the output, one window per output cell instead (the work is the same, the
    Python loop the shorter).
    """
    x, added, k, s, p, d, out = _pool_args(
        input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )
    n, c, h, w = x.shape
    ho, wo = out
    check_size((n, c, ho, wo), x.dtype, "max_pool2d's output",
               lambda: f"its size follows from the input's {h}×{w} and "
               f"{describe(kernel_size=k, stride=s, padding=p, dilation=d)}")
    if k[0] * k[1] <= ho * wo:
        best, arg = _pool_by_kernel_cell(x, k, s, p, d, out, return_indices)
    else:
        best, arg = _pool_by_window(x, k, s, p, d, out)
    y = _from_nchw(best, added)
    if not return_indices:
        return y
    return y, _from_nchw(np.broadcast_to(arg, best.shape).astype(np.int64), added)


def _pool_by_kernel_cell(x, k, s, p, d, out, return_indices):
    """Max pooling, one strided view of the padded input per kernel cell: (best, arg)."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = k, s, p, d, out
    lowest = _lowest(x.dtype)
    # padding, and with ceil_mode the cells past the input that the last windows cover
    bottom = max(0, (ho - 1) * sh + dh * (kh - 1) + 1 - h - ph)
    right = max(0, (wo - 1) * sw + dw * (kw - 1) + 1 - w - pw)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, bottom), (pw, right)), constant_values=lowest)
    top = np.arange(ho) * sh - ph  # first input row of each window (may be in the padding)
    left = np.arange(wo) * sw - pw
    best = np.full((n, c, ho, wo), lowest, dtype=x.dtype)
    # Until something beats `lowest`, point at the first real input cell of the window.
    first_row = np.array([_first_inside(t, dh) for t in top])
    first_col = np.array([_first_inside(t, dw) for t in left])
    arg = first_row[:, None] * w + first_col[None, :]
    is_float = np.issubdtype(x.dtype, np.floating)
    for di in range(kh):  # one strided view per kernel offset, in row-major window order
        for dj in range(kw):
            r0, c0 = di * dh, dj * dw
            v = xp[:, :, r0:r0 + sh * (ho - 1) + 1:sh, c0:c0 + sw * (wo - 1) + 1:sw]
            better = v > best  # strict: ties keep the first; padding (= lowest) never wins
            if is_float:
                better |= np.isnan(v)
            best = np.where(better, v, best)
            if return_indices:
                arg = np.where(better, (top + r0)[:, None] * w + (left + c0)[None, :], arg)
    return best, arg


def _pool_by_window(x, k, s, p, d, out):
    """Max pooling, one window (its real cells) per output cell: (best, arg)."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = k, s, p, d, out
    best = np.full((n, c, ho, wo), _lowest(x.dtype), dtype=x.dtype)
    arg = np.empty((n, c, ho, wo), np.int64)
    for i in range(ho):
        r0 = _first_inside(i * sh - ph, dh)
        rows = np.arange(r0, min(i * sh - ph + dh * (kh - 1) + 1, h), dh)
        for j in range(wo):
            c0 = _first_inside(j * sw - pw, dw)
            cols = np.arange(c0, min(j * sw - pw + dw * (kw - 1) + 1, w), dw)
            arg[:, :, i, j] = r0 * w + c0
            if not (len(rows) and len(cols)):
                continue  # no real cell (dilation): PyTorch keeps these too
            window = x[:, :, rows[:, None], cols[None, :]].reshape(n, c, len(rows) * len(cols))
            first = np.argmax(window, axis=2)  # the first largest
            if np.issubdtype(x.dtype, np.floating):
                nan = np.isnan(window)
                last_nan = window.shape[2] - 1 - np.argmax(nan[..., ::-1], axis=2)
                first = np.where(nan.any(axis=2), last_nan, first)
            best[:, :, i, j] = np.take_along_axis(window, first[..., None], 2)[..., 0]
            cells = (rows[:, None] * w + cols[None, :]).ravel()
            arg[:, :, i, j] = cells[first]
    return best, arg


# --- max unpooling -----------------------------------------------------------------------

def _unpool_output_size(x_shape, default, stride, output_size):
    """Validate ``output_size`` against the input and the default size; return ``(Ho, Wo)``."""
    if not isinstance(output_size, (list, tuple, np.ndarray)):
        raise TypeError(f"output_size must be a sequence of integers, got {output_size!r}")
    size = tuple(output_size)
    if len(size) not in {2, 4, len(x_shape)}:
        raise ValueError(
            f"output_size must hold 2 sizes (H, W) or the whole output shape, got {size!r}"
        )
    try:
        size = tuple(as_int(v, "output_size") for v in size)
    except TypeError:
        raise TypeError(f"output_size must hold integers, got {size!r}") from None
    lead, want = size[:-2], tuple(x_shape[:-2])
    m = min(len(lead), len(want))
    if m and tuple(lead[len(lead) - m:]) != want[len(want) - m:]:
        raise ValueError(
            f"output_size {size!r} disagrees with the input's leading sizes {want!r}"
        )
    hw = (int(size[-2]), int(size[-1]))
    for d, (o, o0, s) in enumerate(zip(hw, default, stride, strict=True)):
        if o <= 0:
            raise ValueError(f"output_size must be positive, got {hw!r}")
        if not o0 - s < o < o0 + s:
            raise ValueError(
                f"output_size {hw!r} is inconsistent with the input: dimension {d} must lie "
                f"strictly between {o0 - s} and {o0 + s} (default {o0}, stride {s})"
            )
    return hw


def _unpool_args(input, indices, kernel_size, stride, padding, output_size):
    """Validate max_unpool2d's arguments: ``x``, ``idx`` as NCHW, added axes, (Ho, Wo)."""
    x = as_array(input, "input")
    x4, added = _to_nchw(x)
    if isinstance(indices, np.ndarray) and indices.dtype == bool:
        raise TypeError("indices must be an integer array, got dtype bool")
    idx = as_array(indices, "indices")
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"indices must be an integer array, got dtype {idx.dtype}")
    if idx.shape != x.shape:
        raise ValueError(
            f"indices must have the same shape as input {x.shape}, got {idx.shape}"
        )
    k, s, p = _pool_settings(kernel_size, stride, padding)
    if output_size is None:  # (H - 1)·s - 2p + k, which must be positive
        ho, wo = conv_transpose_lengths(x4.shape[2:], k, s, p, (0, 0), (1, 1))
    else:
        h, w = x4.shape[2:]
        default = ((h - 1) * s[0] - 2 * p[0] + k[0], (w - 1) * s[1] - 2 * p[1] + k[1])
        ho, wo = _unpool_output_size(x.shape, default, s, output_size)
    check_size((*x4.shape[:2], ho, wo), x.dtype, "max_unpool2d's output",
               lambda: f"its size follows from the input's {x4.shape[2]}×{x4.shape[3]} and "
               f"{describe(kernel_size=k, stride=s, padding=p)} (or output_size)")
    if idx.size and (idx.min() < 0 or idx.max() >= ho * wo):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise ValueError(
            f"indices must lie in [0, {ho * wo}) for an output plane of {ho}x{wo}, "
            f"got {int(bad)}"
        )
    return x4, idx.reshape(x4.shape).astype(np.int64, copy=False), added, (ho, wo)


@quiet
def max_unpool2d_loop(input, indices, kernel_size, stride=None, padding=0,
                      output_size=None):
    """Max unpooling as a loop, each value back at its index: (…, Ho, Wo)."""
    x, idx, added, (ho, wo) = _unpool_args(
        input, indices, kernel_size, stride, padding, output_size
    )
    n, ch, h, w = x.shape
    y = np.zeros((n, ch, ho, wo), dtype=x.dtype)
    for b, k, u, v in np.ndindex(n, ch, h, w):
        # the flat index r·Wo + c of pooled cell (u, v) -> output cell (r, c)
        r, c = divmod(int(idx[b, k, u, v]), wo)
        y[b, k, r, c] = x[b, k, u, v]
    return _from_nchw(y, added)


@quiet
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """``torch.nn.functional.max_unpool2d``: (…, H, W) values and indices -> (…, Ho, Wo)."""
    x, idx, added, (ho, wo) = _unpool_args(
        input, indices, kernel_size, stride, padding, output_size
    )
    n, c, h, w = x.shape
    y = np.zeros((n, c, ho * wo), dtype=x.dtype)  # each channel plane, flattened
    np.put_along_axis(y, idx.reshape(n, c, h * w), x.reshape(n, c, h * w), axis=2)
    return _from_nchw(y.reshape(n, c, ho, wo), added)
