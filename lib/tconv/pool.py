"""Max pooling and its partial inverse, max unpooling, with PyTorch's index convention.

``max_pool2d`` keeps the largest value of each window and, if asked, where it came from:
an index ``row * W + col`` into its own (unpadded) ``H × W`` channel plane. ``max_unpool2d``
writes each value back at that index and zeros everywhere else, the "switches" that
SegNet-style decoders use to upsample. Both mirror ``torch.nn.functional`` on
``(N, C, H, W)``, ``(C, H, W)`` or a bare ``(H, W)`` image; values keep their dtype.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._checks import as_array, as_tuple
from .shapes import conv_lengths, conv_transpose_lengths
from .upsample import _from_nchw, _to_nchw


def _pool_settings(kernel_size, stride, padding):
    """Validate kernel_size, stride (None means kernel_size) and padding; return three pairs."""
    k = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
    s = k if stride is None else as_tuple(stride, "stride", 2, minimum=1)
    p = as_tuple(padding, "padding", 2, minimum=0)
    return k, s, p


def _pool_args(input, kernel_size, stride, padding, return_indices):
    """Validate max_pool2d's arguments: ``x`` as NCHW, added axes, k, s, p, output (Ho, Wo)."""
    x, added = _to_nchw(as_array(input, "input"))
    k, s, p = _pool_settings(kernel_size, stride, padding)
    for pi, ki in zip(p, k, strict=True):
        if pi > ki // 2:
            raise ValueError(
                f"padding ({pi}) must be at most half of kernel_size ({ki}), so that every "
                f"window holds at least one input value"
            )
    if not isinstance(return_indices, (bool, np.bool_)):
        raise TypeError(f"return_indices must be True or False, got {return_indices!r}")
    out = conv_lengths(x.shape[2:], k, s, p, (1, 1))
    return x, added, k, s, p, out


def _lowest(dtype: np.dtype):
    """The value that loses every comparison in ``dtype``: -inf, or the smallest integer."""
    return -np.inf if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).min


# --- max pooling -------------------------------------------------------------------------

def max_pool2d_loop(input, kernel_size, stride=None, padding=0, return_indices=False):
    """Max pooling as a loop over output cells: (…, H, W) -> (…, Ho, Wo) [, indices (…, Ho, Wo)]."""
    x, added, (kh, kw), (sh, sw), (ph, pw), (ho, wo) = _pool_args(
        input, kernel_size, stride, padding, return_indices
    )
    n, c, h, w = x.shape
    y = np.empty((n, c, ho, wo), dtype=x.dtype)
    idx = np.empty((n, c, ho, wo), dtype=np.int64)
    for b, ch, i, j in np.ndindex(n, c, ho, wo):
        best = arg = None
        for di, dj in np.ndindex(kh, kw):  # row-major order through the window
            r, q = i * sh - ph + di, j * sw - pw + dj
            if not (0 <= r < h and 0 <= q < w):
                continue  # padding never wins
            v = x[b, ch, r, q]
            # Strictly larger, so ties keep the first; NaN always wins, as in PyTorch.
            if best is None or v > best or v != v:
                best, arg = v, r * w + q
        y[b, ch, i, j], idx[b, ch, i, j] = best, arg
    y = _from_nchw(y, added)
    return (y, _from_nchw(idx, added)) if return_indices else y


def max_pool2d(input, kernel_size, stride=None, padding=0, return_indices=False):
    """``torch.nn.functional.max_pool2d``: (…, H, W) -> (…, Ho, Wo) [, indices (…, Ho, Wo)]."""
    x, added, (kh, kw), (sh, sw), (ph, pw), (ho, wo) = _pool_args(
        input, kernel_size, stride, padding, return_indices
    )
    n, c, h, w = x.shape
    lowest = _lowest(x.dtype)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=lowest)
    top = np.arange(ho) * sh - ph  # first input row of each window (may be in the padding)
    left = np.arange(wo) * sw - pw
    best = np.full((n, c, ho, wo), lowest, dtype=x.dtype)
    # Until something beats `lowest`, point at the first real input cell of the window.
    arg = np.maximum(top, 0)[:, None] * w + np.maximum(left, 0)[None, :]
    is_float = np.issubdtype(x.dtype, np.floating)
    for di in range(kh):  # one strided view per kernel offset, in row-major window order
        for dj in range(kw):
            v = xp[:, :, di : di + sh * (ho - 1) + 1 : sh, dj : dj + sw * (wo - 1) + 1 : sw]
            better = v > best  # strict: ties keep the first; padding (= lowest) never wins
            if is_float:
                better |= np.isnan(v)
            best = np.where(better, v, best)
            if return_indices:
                arg = np.where(better, (top + di)[:, None] * w + (left + dj)[None, :], arg)
    y = _from_nchw(best, added)
    if not return_indices:
        return y
    return y, _from_nchw(np.broadcast_to(arg, best.shape).astype(np.int64), added)


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
    for v in size:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"output_size must hold integers, got {size!r}")
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
    if idx.size and (idx.min() < 0 or idx.max() >= ho * wo):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise ValueError(
            f"indices must lie in [0, {ho * wo}) for an output plane of {ho}x{wo}, "
            f"got {int(bad)}"
        )
    return x4, idx.reshape(x4.shape).astype(np.int64, copy=False), added, (ho, wo)


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


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """``torch.nn.functional.max_unpool2d``: (…, H, W) values and indices -> (…, Ho, Wo)."""
    x, idx, added, (ho, wo) = _unpool_args(
        input, indices, kernel_size, stride, padding, output_size
    )
    n, c, h, w = x.shape
    y = np.zeros((n, c, ho * wo), dtype=x.dtype)  # each channel plane, flattened
    np.put_along_axis(y, idx.reshape(n, c, h * w), x.reshape(n, c, h * w), axis=2)
    return _from_nchw(y.reshape(n, c, ho, wo), added)
