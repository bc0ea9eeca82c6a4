"""How close a reconstruction is to the original: mean squared error and PSNR.

Both compare two arrays of the same shape, in PyTorch's order: the estimate ``input`` first,
the reference ``target`` second (``F.mse_loss(input, target)``; torchmetrics'
``peak_signal_noise_ratio(preds, target, data_range)``). PSNR (peak signal-to-noise
ratio) is ``10 log10(data_range² / mse)`` in decibels: higher is closer, and identical arrays
give ``inf``. ``data_range`` is the span of the values an image can take (1.0 for grey levels
in ``[0, 1]``, 255 for 8-bit pixels).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, as_real, quiet


def _pair(input, target) -> tuple[np.ndarray, np.ndarray]:
    """Validate two non-empty numeric arrays of one shape; return them as float64."""
    x = as_array(input, "input")
    t = as_array(target, "target")
    if t.shape != x.shape:
        raise ValueError(f"input must have the shape of target {t.shape}, got {x.shape}")
    if t.size == 0:
        raise ValueError(f"target must not be empty, got shape {t.shape}")
    return x.astype(np.float64), t.astype(np.float64)


@quiet
def mse(input, target) -> float:
    """Mean squared difference, ``F.mse_loss(input, target)``: (…), (…) -> float."""
    x, t = _pair(input, target)
    return float(np.mean((x - t) ** 2))


@quiet
def psnr(input, target, data_range=1.0) -> float:
    """PSNR in dB, ``10·log10(data_range² / mse)``: (…), (…) -> float."""
    x, t = _pair(input, target)
    data_range = as_real(data_range, "data_range")
    if not (np.isfinite(data_range) and data_range > 0):
        raise ValueError(
            f"data_range must be positive and finite, got {data_range!r}"
        )
    err = float(np.mean((x - t) ** 2))
    if err == 0.0:
        return float("inf")
    return float(10 * np.log10(float(data_range) ** 2 / err))
