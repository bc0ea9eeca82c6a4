"""The fixed upsamplers as transposed convolutions: one frozen kernel each.

With ``stride = scale_factor``, a transposed convolution places a copy of its kernel, scaled
by each input value, every ``scale_factor`` cells. Choosing the kernel by hand gives the
fixed upsamplers of :mod:`tconv.upsample`:

- an all-ones ``s × s`` kernel copies each value into its block: nearest neighbour;
- a ``s × s`` kernel with a single 1 at the top-left puts each value at one corner of its
  block and leaves zeros elsewhere: bed of nails;
- a tent (triangle) kernel of size ``2s - s mod 2``, cropped by ``padding = (k - s) // 2``,
  blends neighbouring values linearly: bilinear, equal to
  ``upsample_bilinear(align_corners=False)`` away from the border. Within ``s // 2`` cells of
  the border the two differ: the transposed convolution blends with the zeros beyond the edge,
  ``upsample_bilinear`` repeats the edge value.

Max-unpooling has no such kernel: where a value lands depends on the input it was pooled from.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import as_int, check_size, describe
from .upsample import _scale_pair

MODES = ("nearest", "bed_of_nails", "bilinear")


def _scales(scale_factor, size=lambda s: s) -> tuple[int, int]:
    """Whole-number scale factors (2 or 2.0, or a pair) whose kernels, ``size(s)`` a side, fit."""
    sh, sw = _scale_pair(scale_factor, whole=True)
    check_size((size(sh), size(sw)), np.float64, "the kernel",
               lambda: f"its size follows from {describe(scale_factor=(sh, sw))}: use a "
                       f"smaller factor")
    return sh, sw


def nearest_kernel(scale_factor) -> np.ndarray:
    """All ones, int64: shape (sH, sW)."""
    sh, sw = _scales(scale_factor)
    return np.ones((sh, sw), dtype=np.int64)


def bed_of_nails_kernel(scale_factor) -> np.ndarray:
    """A single 1 at the top-left, zeros elsewhere, int64: shape (sH, sW)."""
    sh, sw = _scales(scale_factor)
    kernel = np.zeros((sh, sw), dtype=np.int64)
    kernel[0, 0] = 1
    return kernel


def _tent_size(scale: int) -> int:
    """Length of the 1-D tent for one scale: 2s - s mod 2."""
    return 2 * scale - scale % 2


def tent(scale: int) -> np.ndarray:
    """The 1-D bilinear weights for one scale: ``1 - |t - centre| / scale``, length 2s - s mod 2."""
    scale = as_int(scale, "scale", minimum=1)
    size = _tent_size(scale)
    check_size((size,), np.float64, "the tent", "its length is 2*scale: use a smaller scale")
    t = np.arange(size, dtype=np.float64)
    return 1 - np.abs(t - (size - 1) / 2) / scale


def bilinear_kernel(scale_factor) -> np.ndarray:
    """The tent kernel, outer product of the 1-D tents, float64: (2sH - sH%2, 2sW - sW%2)."""
    sh, sw = _scales(scale_factor, _tent_size)
    return np.outer(tent(sh), tent(sw))


class FixedUpsampler(NamedTuple):
    """The arguments that make ``conv_transpose2d(x, kernel, stride=stride, padding=padding)``
    a fixed upsampler."""

    kernel: np.ndarray
    stride: tuple[int, int]
    padding: tuple[int, int]


def fixed_upsampler(mode: str, scale_factor) -> FixedUpsampler:
    """Kernel, stride and padding of the transposed convolution equal to ``mode`` upsampling.

    ``mode`` is ``"nearest"``, ``"bed_of_nails"`` or ``"bilinear"``; the output is
    ``(H·sH, W·sW)`` for an ``(H, W)`` input in every mode.
    """
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a string, one of {MODES}, got {mode!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    stride = _scales(scale_factor, _tent_size if mode == "bilinear" else lambda s: s)
    if mode == "nearest":
        return FixedUpsampler(nearest_kernel(stride), stride, (0, 0))
    if mode == "bed_of_nails":
        return FixedUpsampler(bed_of_nails_kernel(stride), stride, (0, 0))
    kernel = bilinear_kernel(stride)
    padding = tuple((k - s) // 2 for k, s in zip(kernel.shape, stride, strict=True))
    return FixedUpsampler(kernel, stride, padding)
