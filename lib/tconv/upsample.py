"""Fixed upsampling: nearest neighbour, bilinear, bed of nails and pixel shuffle.

None of these has weights to learn: each places or blends the input values by a fixed rule.
They mirror ``torch.nn.functional`` (``interpolate`` with ``mode="nearest"`` or
``"bilinear"``, ``pixel_shuffle``, ``pixel_unshuffle``) on NCHW arrays. Every function takes
``(N, C, H, W)``, ``(C, H, W)`` or a bare ``(H, W)`` image and returns the same layout; pixel
shuffling needs channels, and takes any number of leading batch dimensions ``(*, C, H, W)``.
A batch of no images gives an empty result. Copies keep the input's dtype; bilinear blends
return floats.

``scale_factor`` is a whole number (``2`` or ``2.0``), a positive float, or a pair of them.
A whole number s gives ``H·s`` rows, row i reading input row ``i // s`` (nearest). A
fractional factor f gives ``floor(H·f)`` rows and follows ``interpolate`` exactly (its
default ``recompute_scale_factor=None``): nearest reads row ``floor(i · float32(1/f))``, and
bilinear samples at ``(i + 0.5)/f - 0.5`` (an axis whose size does not change is copied).
Bed of nails and the loop versions (the definitions) take whole numbers only.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import (
    as_array,
    as_int,
    check_ndim,
    check_size,
    describe,
    is_sequence,
    quiet,
)

LAYOUT = "(N, C, H, W), (C, H, W) or (H, W)"


def _to_nchw(x: np.ndarray, name: str = "input") -> tuple[np.ndarray, int]:
    """Return ``x`` reshaped to ``(N, C, H, W)`` and how many leading axes were added."""
    check_ndim(x, name, (2, 3, 4), LAYOUT)
    if x.shape[-1] < 1 or x.shape[-2] < 1:
        raise ValueError(f"{name} must have a non-empty image, got shape {x.shape}")
    added = 4 - x.ndim
    return x.reshape((1,) * added + x.shape), added


def _from_nchw(y: np.ndarray, added: int) -> np.ndarray:
    """Undo ``_to_nchw``: drop the ``added`` leading axes of length one."""
    return y.reshape(y.shape[added:])


def _scale(value, name: str):
    """One scale factor: an int if it is a whole number (2 or 2.0), else a positive float."""
    if isinstance(value, (float, np.floating)) or (
            isinstance(value, np.ndarray) and value.ndim == 0
            and np.issubdtype(value.dtype, np.floating)):
        value = float(value)
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be positive and finite, got {value}")
        return int(value) if value.is_integer() else value
    return as_int(value, name, minimum=1)


def _scale_pair(scale_factor, name: str = "scale_factor", whole: bool = False):
    """Validate a scale factor (or a pair of them): ``(sH, sW)``, ints where whole numbers.

    ``whole`` refuses fractional factors (for the operations that only place values).
    """
    if is_sequence(scale_factor):
        if len(scale_factor) != 2:
            raise ValueError(f"{name} must be a number or 2 numbers, got {tuple(scale_factor)!r}")
        scales = tuple(_scale(v, name) for v in scale_factor)
    else:
        scales = (_scale(scale_factor, name),) * 2
    if whole and any(isinstance(s, float) for s in scales):
        raise ValueError(f"{name} must be a whole number here (this operation places each value "
                         f"in an s×s block), got {scale_factor!r}")
    return scales


def _out_size(size: int, scale, name: str = "scale_factor") -> int:
    """Output length for one axis: size·s, or floor(size·f) for a fractional factor (≥ 1)."""
    if isinstance(scale, int):
        return size * scale
    out = math.floor(size * scale)
    if out < 1:
        raise ValueError(f"{name} {scale} makes a length of {size} into {size * scale:.3g}, "
                         f"which rounds down to 0: use a larger factor")
    return out


def _check_output(x: np.ndarray, scales, dtype=None) -> tuple[int, int, int, int]:
    """(N, C, Ho, Wo) of an upsampling of x (N, C, H, W), checked to fit in memory."""
    n, c, h, w = x.shape
    shape = (n, c, _out_size(h, scales[0]), _out_size(w, scales[1]))
    check_size(shape, x.dtype if dtype is None else dtype, "the upsampled output",
               lambda: f"its size follows from the input's {h}×{w} and "
               f"{describe(scale_factor=tuple(scales))}: use a smaller factor or input")
    return shape


def nearest_source_index(in_size: int, out_size: int, scale) -> np.ndarray:
    """The input row each of ``out_size`` output rows copies (nearest): (out_size,) int64.

    A whole-number scale s: ``i // s``, exactly. A fractional one f: PyTorch's rule,
    ``min(floor(i · (1/f)), in_size - 1)`` computed in float32 (and exact when the output is
    the input's size or twice it).
    """
    i = np.arange(out_size)
    if isinstance(scale, int):
        return i // scale
    if out_size == in_size:
        return i
    if out_size == 2 * in_size:
        return i >> 1
    step = np.float32(1.0 / scale)
    return np.minimum(np.floor(i.astype(np.float32) * step).astype(np.int64), in_size - 1)


# --- nearest neighbour -------------------------------------------------------------------

@quiet
def upsample_nearest_loop(input, scale_factor):
    """Nearest upsampling as a loop: (…, H, W) -> (…, H·sH, W·sW)."""
    x, added = _to_nchw(as_array(input, "input"))
    sh, sw = _scale_pair(scale_factor, whole=True)
    n, ch, h, w = x.shape
    _check_output(x, (sh, sw))
    y = np.empty((n, ch, h * sh, w * sw), dtype=x.dtype)
    for r in range(h * sh):
        for c in range(w * sw):
            # output pixel (r, c) copies the input pixel it falls in
            y[:, :, r, c] = x[:, :, r // sh, c // sw]
    return _from_nchw(y, added)


@quiet
def upsample_nearest(input, scale_factor):
    """Nearest upsampling, ``interpolate(mode="nearest")``: (…, H, W) -> (…, H·sH, W·sW)."""
    x, added = _to_nchw(as_array(input, "input"))
    sh, sw = _scale_pair(scale_factor)
    shape = _check_output(x, (sh, sw))
    if isinstance(sh, int) and isinstance(sw, int):
        # Output row i copies input row i // sH, exactly. PyTorch computes floor(i * (1/sH)) in
        # float32, which for a few large factors (41, 47, 55, 61, ...) lands one row early at a
        # cell edge; for factors up to 40 the two agree (measured: torch 2.13, sides up to 2048).
        y = np.repeat(np.repeat(x, sh, axis=2), sw, axis=3)
    else:
        rows = nearest_source_index(x.shape[2], shape[2], sh)
        cols = nearest_source_index(x.shape[3], shape[3], sw)
        y = x[:, :, rows[:, None], cols[None, :]]
    return _from_nchw(y, added)


# --- bilinear ----------------------------------------------------------------------------

def bilinear_source_coords(in_size, out_size, align_corners=False, scale_factor=None):
    """Where each of ``out_size`` output pixels samples the input, in input pixels: (out_size,).

    ``scale_factor`` (a fractional factor f; whole numbers change nothing) makes the spacing
    1/f instead of in_size/out_size, as ``interpolate`` does with align_corners=False, unless
    the output has the input's size (then, as there, each pixel samples itself).
    """
    # Input pixel centres sit at 0, 1, ..., in_size-1. With align_corners=True the first and
    # last output centres land exactly on the first and last input centres. With False the
    # output pixels tile the same extent as the input pixels, so output centre r sits at
    # (r + 0.5) * in_size / out_size - 0.5; positions left of the first centre are clamped to
    # 0 (as PyTorch does), and positions right of the last centre read the last pixel.
    in_size = as_int(in_size, "in_size", minimum=1)
    out_size = as_int(out_size, "out_size", minimum=1)
    if not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"align_corners must be True or False, got {align_corners!r}")
    scale = None if scale_factor is None else _scale(scale_factor, "scale_factor")
    r = np.arange(out_size, dtype=np.float64)
    if align_corners:
        if out_size == 1:
            return np.zeros(1)
        return r * ((in_size - 1) / (out_size - 1))
    fractional = isinstance(scale, float) and out_size != in_size  # equal sizes: a copy
    step = 1.0 / scale if fractional else in_size / out_size
    return np.maximum((r + 0.5) * step - 0.5, 0.0)


def _bilinear_taps(in_size: int, out_size: int, align_corners: bool, scale=None):
    """The two input neighbours ``lo``, ``hi`` of each output pixel and the weight of ``hi``."""
    src = bilinear_source_coords(in_size, out_size, align_corners, scale)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, in_size - 1)  # at the last pixel both neighbours are the same
    return lo, hi, src - lo


def _float_dtype(x: np.ndarray) -> np.dtype:
    """The float dtype a blend of ``x`` is computed in: float64 for integers."""
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)


@quiet
def upsample_bilinear_loop(input, scale_factor, align_corners=False):
    """Bilinear upsampling as a loop: (…, H, W) -> (…, H·sH, W·sW), float."""
    x, added = _to_nchw(as_array(input, "input"))
    sh, sw = _scale_pair(scale_factor, whole=True)
    n, ch, h, w = x.shape
    rows = bilinear_source_coords(h, h * sh, align_corners)
    cols = bilinear_source_coords(w, w * sw, align_corners)
    _check_output(x, (sh, sw), _float_dtype(x))
    y = np.empty((n, ch, h * sh, w * sw), dtype=_float_dtype(x))
    for r, t_row in enumerate(rows):
        # output row r samples the input at row t_row, between rows u0 and u1
        u0 = int(np.floor(t_row))
        u1 = min(u0 + 1, h - 1)
        a = t_row - u0  # how far t_row is from u0 towards u1
        for c, t_col in enumerate(cols):
            v0 = int(np.floor(t_col))
            v1 = min(v0 + 1, w - 1)
            b = t_col - v0
            top = (1 - b) * x[:, :, u0, v0] + b * x[:, :, u0, v1]
            bottom = (1 - b) * x[:, :, u1, v0] + b * x[:, :, u1, v1]
            y[:, :, r, c] = (1 - a) * top + a * bottom
    return _from_nchw(y, added)


@quiet
def upsample_bilinear(input, scale_factor, align_corners=False):
    """Bilinear upsampling, ``interpolate(mode="bilinear")``: (…, H, W) -> (…, H·sH, W·sW) float."""
    x, added = _to_nchw(as_array(input, "input"))
    sh, sw = _scale_pair(scale_factor)
    n, c, h, w = x.shape
    _, _, out_h, out_w = _check_output(x, (sh, sw), _float_dtype(x))
    if not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"align_corners must be True or False, got {align_corners!r}")
    check_size((n, c, out_h, w), _float_dtype(x), "the row-blended image",
               lambda: f"its size follows from the input's {h}×{w} and "
               f"{describe(scale_factor=(sh, sw))}")
    x = x.astype(_float_dtype(x), copy=False)
    # Separable: blend neighbouring rows first, then neighbouring columns of the result.
    r0, r1, a = _bilinear_taps(h, out_h, align_corners, sh)
    a = a.astype(x.dtype)[:, None]
    x = (1 - a) * x[:, :, r0, :] + a * x[:, :, r1, :]
    q0, q1, b = _bilinear_taps(w, out_w, align_corners, sw)
    b = b.astype(x.dtype)
    y = (1 - b) * x[:, :, :, q0] + b * x[:, :, :, q1]
    return _from_nchw(y, added)


# --- bed of nails ------------------------------------------------------------------------

def bed_of_nails(input, scale_factor):
    """Each value at its cell's top-left: (…, H, W) -> (…, H·sH, W·sW)."""
    x, added = _to_nchw(as_array(input, "input"))
    sh, sw = _scale_pair(scale_factor, whole=True)
    n, c, h, w = x.shape
    _check_output(x, (sh, sw))
    y = np.zeros((n, c, h * sh, w * sw), dtype=x.dtype)
    y[:, :, ::sh, ::sw] = x
    return _from_nchw(y, added)


# --- pixel shuffle -----------------------------------------------------------------------

SHUFFLE_LAYOUT = "(*, C, H, W): channels, height and width after any batch dimensions"


def _shuffle_input(input) -> np.ndarray:
    """Validate an ``input`` of at least 3 dimensions (channels, height, width)."""
    x = as_array(input, "input")
    if x.ndim < 3:
        raise ValueError(
            f"input must have a channel axis, shape {SHUFFLE_LAYOUT}; pixel shuffling moves "
            f"values between channels and pixels, so a {x.ndim}-D input {x.shape} has none"
        )
    return x


def _shuffle_args(input, upscale_factor) -> tuple[np.ndarray, int]:
    """Check pixel_shuffle's arguments: a ``(*, C·r², H, W)`` input and ``r``."""
    x = _shuffle_input(input)
    r = as_int(upscale_factor, "upscale_factor", minimum=1)
    if x.shape[-3] % (r * r):
        raise ValueError(
            f"input channels ({x.shape[-3]}) must be divisible by upscale_factor² "
            f"({r}² = {r * r})"
        )
    return x, r


def pixel_shuffle_loop(input, upscale_factor):
    """Pixel shuffle as a loop, ``y[c, h·r+i, w·r+j] = x[c·r²+i·r+j, h, w]``: C·r² -> C channels."""
    x, r = _shuffle_args(input, upscale_factor)
    *lead, cin, h, w = x.shape
    c = cin // (r * r)
    y = np.empty((*lead, c, h * r, w * r), dtype=x.dtype)
    for k in range(c):
        for i in range(r):
            for j in range(r):
                # channel k·r² + i·r + j fills offset (i, j) of every r×r output cell
                y[..., k, i::r, j::r] = x[..., k * r * r + i * r + j, :, :]
    return y


def pixel_shuffle(input, upscale_factor):
    """``torch.nn.functional.pixel_shuffle``: (*, C·r², H, W) -> (*, C, H·r, W·r)."""
    x, r = _shuffle_args(input, upscale_factor)
    *lead, cin, h, w = x.shape
    c = cin // (r * r)
    n = math.prod(lead)  # every batch dimension, as one
    y = x.reshape(n, c, r, r, h, w).transpose(0, 1, 4, 2, 5, 3)  # (n, c, h, i, w, j)
    return y.reshape(*lead, c, h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """``torch.nn.functional.pixel_unshuffle``, the inverse: (*, C, H·r, W·r) -> (*, C·r², H, W)."""
    x = _shuffle_input(input)
    r = as_int(downscale_factor, "downscale_factor", minimum=1)
    *lead, c, hr, wr = x.shape
    if hr % r or wr % r:
        raise ValueError(
            f"input height and width ({hr}, {wr}) must be divisible by downscale_factor ({r})"
        )
    h, w = hr // r, wr // r
    n = math.prod(lead)
    y = x.reshape(n, c, h, r, w, r).transpose(0, 1, 3, 5, 2, 4)  # (n, c, i, j, h, w)
    return y.reshape(*lead, c * r * r, h, w)
