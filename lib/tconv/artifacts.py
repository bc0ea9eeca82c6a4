"""Checkerboard artifacts: where they come from, and how to measure them.

Four parts, each numpy only (no drawing), used by ``chapters/checkerboard.ipynb``:

1. **Overlap.** A transposed convolution adds one copy of its kernel per input cell, ``stride``
   cells apart. :func:`overlap_count` counts how many copies land on each output cell (1-D or
   2-D) and :func:`stack_overlap` does the same through a stack of layers; both also mark the
   *interior*, the cells that no edge of the input reaches. :func:`interior_levels` and
   :func:`short_border` are the closed forms the counts obey, and :func:`check_overlap_rule`
   compares the two: the interior is even exactly when ``kernel_size % stride == 0``.
2. **Upsamplers with random weights.** :func:`random_upsampler` builds a small stack of
   ``tconv.nn`` layers that upsample by transposed convolution, resize then convolution, or
   sub-pixel convolution (random or ICNR initialisation).
3. **Spectra.** :func:`artifact_score` is the share of an image's energy that sits at the
   frequencies of the stride period (the peaks of a checkerboard in a 2-D FFT);
   :func:`phase_means` says the same thing without an FFT.
4. **Costs.** :func:`upsampling_cost` counts an upsampling layer's multiply-adds per output
   pixel and its parameters with :mod:`tconv.arch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import prod
from typing import NamedTuple

import numpy as np

from . import arch, nn
from ._checks import as_array, as_int, as_tuple, check_ndim
from .conv import conv_transpose1d
from .roundtrip import padding_for_same

# ---------------------------------------------------------------------------------------
# 1. Overlap: how many kernel copies land on each output cell
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    """Overlap counts of a transposed convolution (or a stack of them) on an input of ones.

    ``count``: int64, ``(L,)`` or ``(H, W)``, how many products of an input cell and a kernel
    cell sum into each output cell (through a stack: how many paths lead there).
    ``interior``: bool, same shape, True where the count equals that of an endless input
    (no term is missing); False near the edges, where the input ends too soon.
    ``layers``: the settings, one ``(kernel_size, stride, padding)`` per layer, each a tuple
    with one entry per axis.
    """

    count: np.ndarray
    interior: np.ndarray
    layers: tuple[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]], ...]

    @property
    def period(self) -> tuple[int, ...]:
        """The interior repeats every ``prod(strides)`` cells: one period per axis."""
        return tuple(prod(s[axis] for _, s, _ in self.layers) for axis in range(self.count.ndim))

    @property
    def interior_levels(self) -> tuple[int, ...]:
        """The distinct counts of the interior cells, ascending (empty if there is none)."""
        return tuple(int(v) for v in np.unique(self.count[self.interior]))

    @property
    def even(self) -> bool:
        """Whether every interior cell has the same count (and there is an interior)."""
        return len(self.interior_levels) == 1

    @property
    def border_levels(self) -> tuple[int, ...]:
        """The distinct counts of the cells near the edges, ascending."""
        return tuple(int(v) for v in np.unique(self.count[~self.interior]))


def overlap_count(size, kernel_size, stride=1, padding=0) -> Overlap:
    """Overlap of one transposed convolution on ``size`` ones: int -> 1-D, pair -> 2-D."""
    return stack_overlap(size, [(kernel_size, stride, padding)])


def stack_overlap(size, layers) -> Overlap:
    """Overlap through ``layers``, each ``(kernel_size, stride)`` or ``(k, stride, padding)``.

    ``size`` is an int (1-D) or a pair (2-D); in 2-D every setting may be an int or a pair.
    Every layer has an all-ones kernel and the input is all ones, so each output cell holds
    the number of (input cell, kernel cell, kernel cell, ...) paths that reach it.
    """
    ndim = len(size) if isinstance(size, (list, tuple)) else 1
    if ndim not in (1, 2):
        raise ValueError(f"size must be an integer (1-D) or a pair (2-D), got {size!r}")
    sizes = as_tuple(size, "size", ndim, minimum=1)
    settings = _check_layers(layers, ndim)
    # all-ones kernels on an all-ones input are separable: count each axis, then multiply
    counts, endless = [], []
    for axis in range(ndim):
        axis_layers = [(k[axis], s[axis], p[axis]) for k, s, p in settings]
        counts.append(_count_1d(sizes[axis], axis_layers))
        endless.append(_endless_count_1d(sizes[axis], axis_layers, len(counts[-1])))
    if ndim == 1:
        count, full = counts[0], endless[0]
    else:
        count, full = np.outer(*counts), np.outer(*endless)
    return Overlap(count, count == full, tuple(settings))


def _count_1d(n: int, layers) -> np.ndarray:
    """The 1-D count: the library's transposed convolution of ones with ones, layer by layer."""
    count = np.ones(n, np.int64)
    for k, s, p in layers:
        count = conv_transpose1d(count, np.ones(k, np.int64), stride=s, padding=p)
    return count


def _endless_count_1d(n: int, layers, length: int) -> np.ndarray:
    """What the same ``length`` output cells would count if the input went on forever.

    Input cell ``i`` reaches the (uncropped) output cells ``i*S .. i*S + K - 1``, where
    ``S`` is the product of the strides and ``K`` the length of the stack's combined kernel,
    so ``m = ceil((K + P) / S) + 1`` more cells on each side (``P``: the crops, in output
    cells) supply every term those cells could get. Output cell ``o`` moves to ``o + m*S``.
    """
    K, P, S = 1, 0, 1
    for k, s, p in layers:
        K, P, S = (K - 1) * s + k, P * s + p, S * s
    m = -(-(K + P) // S) + 1
    return _count_1d(n + 2 * m, layers)[m * S:m * S + length]


def _check_layers(layers, ndim: int) -> list[tuple[tuple[int, ...], ...]]:
    """Validate a list of (kernel_size, stride[, padding]); return per-axis tuples."""
    if not isinstance(layers, (list, tuple)) or not layers:
        raise ValueError(f"layers must be a non-empty list of (kernel_size, stride) or "
                         f"(kernel_size, stride, padding), got {layers!r}")
    settings = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, (list, tuple)) or len(layer) not in (2, 3):
            raise ValueError(f"layer {i} must be (kernel_size, stride) or (kernel_size, "
                             f"stride, padding), got {layer!r}")
        k, s, p = (*layer, 0) if len(layer) == 2 else layer
        settings.append((as_tuple(k, "kernel_size", ndim, minimum=1),
                         as_tuple(s, "stride", ndim, minimum=1),
                         as_tuple(p, "padding", ndim, minimum=0)))
    return settings


def interior_levels(kernel_size, stride) -> tuple[int, ...]:
    """Interior counts of one layer: ``(k/s,)`` if s divides k, else two.

    Output cell ``q`` gets one term per kernel cell ``a < k`` with
    ``a ≡ q (mod s)``: that is ``floor(k/s)`` or ``ceil(k/s)`` cells,
    depending on ``q mod s``. Both occur unless s | k.
    """
    k = as_int(kernel_size, "kernel_size", minimum=1)
    s = as_int(stride, "stride", minimum=1)
    return (k // s,) if k % s == 0 else (k // s, k // s + 1)


def short_border(kernel_size, stride, padding=0) -> int:
    """Cells at each end of one layer's output with fewer terms than inside.

    Canvas cell ``q`` misses a term when some kernel cell ``a`` with
    ``q < a < k`` has ``a ≡ q (mod s)``, i.e. when ``q < k - s``; padding
    crops ``p`` of those cells away.
    """
    k = as_int(kernel_size, "kernel_size", minimum=1)
    s = as_int(stride, "stride", minimum=1)
    p = as_int(padding, "padding", minimum=0)
    return max(k - s - p, 0)


class RuleCheck(NamedTuple):
    """The overlap of one layer on a long 1-D input, measured and predicted."""

    kernel_size: int
    stride: int
    padding: int
    levels: tuple[int, ...]
    predicted_levels: tuple[int, ...]
    short: tuple[int, int]
    predicted_short: int

    @property
    def even(self) -> bool:
        """Whether the measured interior has one count."""
        return len(self.levels) == 1

    @property
    def holds(self) -> bool:
        """Measured and predicted agree, and the interior is even exactly when s divides k."""
        return (self.levels == self.predicted_levels
                and self.short == (self.predicted_short,) * 2
                and self.even == (self.kernel_size % self.stride == 0))


def check_overlap_rule(kernel_size, stride, padding=0) -> RuleCheck:
    """Measure one layer's interior levels and short border cells; compare with the rule."""
    k = as_int(kernel_size, "kernel_size", minimum=1)
    s = as_int(stride, "stride", minimum=1)
    p = as_int(padding, "padding", minimum=0)
    n = 2 * (k + p) + 4  # long enough for an interior of several periods between the borders
    o = overlap_count(n, k, s, p)
    short_left = int(np.argmax(o.interior))  # the first interior cell
    short_right = int(np.argmax(o.interior[::-1]))
    return RuleCheck(k, s, p, o.interior_levels, interior_levels(k, s),
                     (short_left, short_right), short_border(k, s, p))


# ---------------------------------------------------------------------------------------
# 2. Upsamplers with random weights
# ---------------------------------------------------------------------------------------

METHODS = {
    "conv_transpose": "transposed convolution",
    "nearest_conv": "nearest resize + convolution",
    "bilinear_conv": "bilinear resize + convolution",
    "subpixel": "sub-pixel convolution (random init)",
    "subpixel_icnr": "sub-pixel convolution (ICNR init)",
}
"""The upsampling layers the chapter compares, and how it names them."""

INITS = ("default", "positive")
"""``default``: PyTorch's initialisation, uniform in ±1/sqrt(fan_in), mean zero.
``positive``: the same magnitudes, all of one sign (kernels whose copies reinforce)."""


def upsampling_layer(method, in_channels, out_channels, kernel_size=3, scale=2, *,
                     init="default", rng=None) -> nn.Sequential:
    """One layer that upsamples by ``scale``: (N, C_in, H, W) -> (N, C_out, sH, sW), no bias."""
    method, init = _check_method(method), _check_init(init)
    c_in = as_int(in_channels, "in_channels", minimum=1)
    c_out = as_int(out_channels, "out_channels", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    s = as_int(scale, "scale", minimum=1)
    rng = np.random.default_rng(rng)
    opts = dict(bias=False, rng=rng, dtype=np.float64)
    if method == "conv_transpose":
        p, op = padding_for_same(k, s)
        layers = [nn.ConvTranspose2d(c_in, c_out, k, s, p, op, **opts)]
    else:
        _check_odd(k, method)
        if method in ("nearest_conv", "bilinear_conv"):
            mode = method.split("_")[0]
            layers = [nn.Upsample(s, mode), nn.Conv2d(c_in, c_out, k, padding=k // 2, **opts)]
        else:  # sub-pixel: s² output channels per channel at low resolution, then shuffled
            layers = [nn.Conv2d(c_in, c_out * s * s, k, padding=k // 2, **opts),
                      nn.PixelShuffle(s)]
    weight = (layers[1] if method.endswith("_conv") else layers[0]).weight
    if init == "positive":
        weight.data = np.abs(weight.data)
    if method == "subpixel_icnr":
        weight.data = nn.icnr(weight.data, s)  # each s×s cell's channels share one kernel
    return nn.Sequential(*layers)


def random_upsampler(method, kernel_size=3, scale=2, layers=2, width=8, *, init="default",
                     rng=None) -> nn.Sequential:
    """A stack of ``layers`` upsampling layers, 1 -> width -> ... -> 1 channels, ReLU between.

    (N, 1, H, W) -> (N, 1, H·scale^layers, W·scale^layers); weights drawn from ``rng``.
    """
    n = as_int(layers, "layers", minimum=1)
    w = as_int(width, "width", minimum=1)
    rng = np.random.default_rng(rng)
    channels = [1] + [w] * (n - 1) + [1]
    stack = []
    for i in range(n):
        stack.append(upsampling_layer(method, channels[i], channels[i + 1], kernel_size, scale,
                                      init=init, rng=rng))
        if i < n - 1:
            stack.append(nn.ReLU())
    return nn.Sequential(*stack)


def upsample_randomly(image, method, kernel_size=3, scale=2, layers=2, width=8, *,
                      init="default", seed=0) -> np.ndarray:
    """A (H, W) image through a fresh :func:`random_upsampler` drawn from ``seed``: (H', W')."""
    x = as_array(image, "image")
    check_ndim(x, "image", (2,), "(H, W)")
    net = random_upsampler(method, kernel_size, scale, layers, width, init=init, rng=seed)
    return net(x.astype(np.float64)[None, None])[0, 0]


def _check_method(method) -> str:
    if method not in METHODS:
        raise ValueError(f"method must be one of {tuple(METHODS)}, got {method!r}")
    return method


def _check_odd(k: int, method: str) -> None:
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd for {method!r} (its convolution keeps the "
                         f"size with padding (k-1)/2), got {k}")


def _check_init(init) -> str:
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    return init


# ---------------------------------------------------------------------------------------
# 3. Spectra: the energy at the stride-period frequencies
# ---------------------------------------------------------------------------------------


def crop_for_period(image, period, margin=0) -> np.ndarray:
    """Drop ``margin`` cells from every edge, then trim the bottom/right to whole periods."""
    x = as_array(image, "image")
    check_ndim(x, "image", (2,), "(H, W)")
    ph, pw = as_tuple(period, "period", 2, minimum=1)
    m = as_int(margin, "margin", minimum=0)
    h, w = x.shape[0] - 2 * m, x.shape[1] - 2 * m
    if h < ph or w < pw:
        raise ValueError(f"image of shape {x.shape} minus a margin of {m} on each side leaves "
                         f"{max(h, 0)}×{max(w, 0)}, less than one period {ph}×{pw}")
    return x[m:m + h - h % ph, m:m + w - w % pw]


def stride_frequencies(shape, period) -> np.ndarray:
    """Bool mask of the FFT bins at multiples of 1/period cycles per pixel, zero excluded.

    ``shape`` (H, W) must be whole periods; bin ``(u, v)`` of ``np.fft.fft2`` is a stride
    frequency when ``u`` is a multiple of ``H / period_h`` and ``v`` of ``W / period_w``.
    """
    h, w = as_tuple(shape, "shape", 2, minimum=1)
    ph, pw = as_tuple(period, "period", 2, minimum=1)
    if h % ph or w % pw:
        raise ValueError(f"shape {(h, w)} must be whole periods of {(ph, pw)}")
    mask = np.zeros((h, w), bool)
    mask[::h // ph, ::w // pw] = True
    mask[0, 0] = False  # the mean is not an artifact
    return mask


def log_power_spectrum(image) -> np.ndarray:
    """``log10`` of the 2-D power spectrum, zero frequency in the middle: (H, W) -> (H, W)."""
    x = as_array(image, "image")
    check_ndim(x, "image", (2,), "(H, W)")
    power = np.abs(np.fft.fft2(x)) ** 2
    return np.fft.fftshift(np.log10(power + 1e-12 * power.max() + 1e-300))


def artifact_score(image, period, margin=0) -> float:
    """Share of energy at the period's frequencies (zero excluded), in [0, 1].

    The image is first cropped by ``crop_for_period``. 0 means no periodic
    pattern of that period; 1 means nothing but one (the mean counts in the
    total, so a constant image scores 0).
    """
    x = crop_for_period(image, period, margin).astype(np.float64)
    power = np.abs(np.fft.fft2(x)) ** 2
    total = power.sum()
    if total == 0:
        raise ValueError("image is all zeros: it has no energy to measure")
    return float(power[stride_frequencies(x.shape, period)].sum() / total)


def phase_means(image, period, margin=0) -> np.ndarray:
    """Mean of the pixels at each position within a period cell: (H, W) -> (ph, pw).

    ``artifact_score`` equals the variance of these means over the mean square of the image:
    the FFT bins at the stride frequencies see nothing but these means.
    """
    x = crop_for_period(image, period, margin).astype(np.float64)
    ph, pw = as_tuple(period, "period", 2, minimum=1)
    return x.reshape(x.shape[0] // ph, ph, x.shape[1] // pw, pw).mean(axis=(0, 2))


class ScoreSummary(NamedTuple):
    """Artifact scores of one method over several seeds: mean, standard deviation, each."""

    mean: float
    std: float
    scores: tuple[float, ...]


def mean_artifact_score(image, method, seeds: Sequence[int], kernel_size=3, scale=2, layers=2,
                        width=8, *, init="default", margin=8) -> ScoreSummary:
    """:func:`artifact_score` of ``image`` through one fresh upsampler per seed, summarised."""
    if isinstance(seeds, (int, np.integer)) or len(seeds) == 0:
        raise ValueError(f"seeds must be a non-empty list of seeds, got {seeds!r}")
    period = as_int(scale, "scale", minimum=1) ** as_int(layers, "layers", minimum=1)
    scores = tuple(
        artifact_score(upsample_randomly(image, method, kernel_size, scale, layers, width,
                                         init=init, seed=seed), period, margin)
        for seed in seeds)
    return ScoreSummary(float(np.mean(scores)), float(np.std(scores)), scores)


# ---------------------------------------------------------------------------------------
# 4. What each upsampling layer costs
# ---------------------------------------------------------------------------------------


class Cost(NamedTuple):
    """Multiply-adds per output pixel (all channels) and parameters of one upsampling layer."""

    macs_per_pixel: float
    params: int


def upsampling_cost(method, channels, kernel_size=3, scale=2, size=32) -> Cost:
    """Cost of one ``channels -> channels`` layer upsampling ``size×size`` by ``scale``.

    Counted by :func:`tconv.arch.trace` (a transposed convolution pays for every input value
    times its whole kernel, cropped or not; bilinear resizing 4 per output value; nearest
    resizing and pixel shuffling nothing, they only move values), weights and biases.
    """
    method = _check_method(method)
    c = as_int(channels, "channels", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    s = as_int(scale, "scale", minimum=1)
    n = as_int(size, "size", minimum=1)
    if method == "conv_transpose":
        p, op = padding_for_same(k, s)
        layers = [arch.ConvTranspose2d(c, k, s, p, op)]
    elif method in ("nearest_conv", "bilinear_conv"):
        _check_odd(k, method)
        layers = [arch.Upsample(s, method.split("_")[0]), arch.Conv2d(c, k, padding=k // 2)]
    else:
        _check_odd(k, method)
        layers = [arch.Conv2d(c * s * s, k, padding=k // 2)]  # then the shuffle: no arithmetic
    steps = arch.trace(layers, (c, n, n))
    return Cost(arch.total_macs(steps) / (n * s) ** 2, arch.total_params(steps))
