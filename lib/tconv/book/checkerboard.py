"""The companion of ``chapters/checkerboard.ipynb``: checkerboard artifacts, where they come
from, how to measure them, and the chapter's explorer and figures.

Parts 1-4 are numpy only (no drawing):

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

Parts 5-6 lay those numbers out, with the toolkit:

5. **The overlap explorer.** :class:`OverlapExplorer`: pick a kernel size, a stride, a padding
   and how many layers; see how many kernel copies land on each output cell, in 1-D and in
   2-D, with the cells near the edges marked (a :class:`~tconv.show.ChooserView`: live widget
   plus static player).
6. **Figures.** :func:`count_rows_figure` (1-D overlap counts, one row per setting),
   :func:`image_grid` (grey-level images in rows and columns) and :func:`spectrum_grid` (their
   power spectra with the stride-period frequencies ringed).

May import: the operations (:mod:`tconv`, :mod:`tconv.nn`, :mod:`tconv.arch`) and the toolkit
(:mod:`tconv.show`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from math import prod
from typing import NamedTuple

import numpy as np

from .. import arch, nn
from .._checks import as_array, as_int, as_tuple, check_ndim
from ..conv import conv_transpose1d
from ..grad import conv2d_backward
from ..roundtrip import padding_for_same
from ..show.draw import grid, new_figure
from ..show.text import N_, _, tr
from ..show.widgets import ChooserView
from . import data

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

    Output cell ``r`` gets one term per kernel cell ``m < k`` with
    ``m ≡ r (mod s)``: that is ``floor(k/s)`` or ``ceil(k/s)`` cells,
    depending on ``r mod s``. Both occur unless s divides k.
    """
    k = as_int(kernel_size, "kernel_size", minimum=1)
    s = as_int(stride, "stride", minimum=1)
    return (k // s,) if k % s == 0 else (k // s, k // s + 1)


def short_border(kernel_size, stride, padding=0) -> int:
    """Cells at each end of one layer's output with fewer terms than inside.

    Canvas cell ``r`` misses a term exactly when a kernel cell ``m`` with
    ``r < m < k`` has ``m ≡ r (mod s)``, i.e. when ``r < k - s``; padding
    crops ``p`` of those cells away. Exact for any k and s.
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
    border_cells: int

    @property
    def even(self) -> bool:
        """Whether the measured interior has one count."""
        return len(self.levels) == 1

    @property
    def holds(self) -> bool:
        """Measured and predicted agree, and the interior is even exactly when s divides k.

        The short cells must be exactly the first and the last ``predicted_short`` cells:
        as many at each end, and no other cell short.
        """
        return (self.levels == self.predicted_levels
                and self.short == (self.predicted_short,) * 2
                and self.border_cells == 2 * self.predicted_short
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
                     (short_left, short_right), short_border(k, s, p),
                     int((~o.interior).sum()))


def rule_checks(max_kernel=12, max_stride=4, max_padding=3) -> list[RuleCheck]:
    """:func:`check_overlap_rule` for every k ≤ max_kernel, s ≤ max_stride, p ≤ max_padding."""
    kmax = as_int(max_kernel, "max_kernel", minimum=1)
    smax = as_int(max_stride, "max_stride", minimum=1)
    pmax = as_int(max_padding, "max_padding", minimum=0)
    return [check_overlap_rule(k, s, p) for k in range(1, kmax + 1)
            for s in range(1, smax + 1) for p in range(pmax + 1)]


def rule_table(settings, paddings=(0, 1)) -> str:
    """The rule measured for ``(k, s)`` pairs, as a Markdown table (one row per pair)."""
    pads = [as_int(p, "padding", minimum=0) for p in paddings]
    head = ("| kernel $k$ | stride $s$ | interior counts | even? | "
            + " | ".join(f"short cells per end, $p={p}$" for p in pads) + " |")
    rows = [head, "|---:|---:|---|---|" + "---:|" * len(pads)]
    for k, s in settings:
        checks = [check_overlap_rule(k, s, p) for p in pads]
        levels = ", ".join(map(str, checks[0].levels))
        shorts = " | ".join(str(c.short[0]) for c in checks)
        rows.append(f"| {k} | {s} | {levels} | {'yes' if checks[0].even else 'no'} "
                    f"| {shorts} |")
    return "\n".join(rows)


def phase_sums(kernel, stride) -> np.ndarray:
    """Sum of the kernel cells behind each output phase: (kH, kW) -> (s_h, s_w).

    Output cell ``(r, c)`` of a one-channel transposed convolution gathers the kernel
    cells ``(m, n)`` with ``m ≡ r`` and ``n ≡ c`` (mod s): on a constant input of 1 an
    interior cell of phase ``(r mod s, c mod s)`` holds their sum (before any crop; a crop
    of a multiple of s keeps the phases). A flat input stays flat exactly when all the
    sums are equal, whether or not s divides k.
    """
    w = as_array(kernel, "kernel")
    check_ndim(w, "kernel", (2,), "(kH, kW)")
    sh, sw = as_tuple(stride, "stride", 2, minimum=1)
    sums = np.zeros((sh, sw), np.result_type(w, np.float64))
    for a in range(sh):
        for b in range(sw):
            sums[a, b] = w[a::sh, b::sw].sum()
    return sums


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
    """Artifact scores of one method over several seeds: mean, standard deviation, each.

    ``std`` is the sample standard deviation (``ddof=1``; 0 for a single seed), the spread the
    book reports for every result over seeds.
    """

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
    std = float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0
    return ScoreSummary(float(np.mean(scores)), std, scores)


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


# ---------------------------------------------------------------------------------------
# 5. The chapter's experiments
# ---------------------------------------------------------------------------------------

RANDOM_SETTINGS = ((3, 2), (4, 2), (5, 3), (6, 3))
"""The (kernel_size, stride) of the chapter's random stacks: two uneven, two even."""


def stack_inputs(side: int = 16) -> dict[str, np.ndarray]:
    """The two inputs of the random stacks: a constant and a smooth bump, each (side, side)."""
    n = as_int(side, "side", minimum=2)
    i, j = np.indices((n, n))
    c = (n - 1) / 2
    bump = np.exp(-((i - c) ** 2 + (j - c) ** 2) / (2 * (n / 4) ** 2))
    return {"constant": np.ones((n, n)), "bump": bump}


def centre(image, side: int) -> np.ndarray:
    """The central ``side×side`` pixels of a square (H, W) image."""
    x = as_array(image, "image")
    check_ndim(x, "image", (2,), "(H, W)")
    n = as_int(side, "side", minimum=1)
    if n > min(x.shape):
        raise ValueError(f"side ({n}) must fit in the image, shape {x.shape}")
    top, left = (x.shape[0] - n) // 2, (x.shape[1] - n) // 2
    return x[top:top + n, left:left + n]


def random_stack_outputs(image, settings=RANDOM_SETTINGS, *, init="default",
                         seed=0) -> list[np.ndarray]:
    """``image`` through a two-layer transposed-convolution stack per (k, s), one seed."""
    return [upsample_randomly(image, "conv_transpose", k, s, init=init, seed=seed)
            for k, s in settings]


def random_stack_rows(images, settings=RANDOM_SETTINGS, seed=1):
    """Rows of the chapter's random-stack figure: (rows, row names).

    One row per image and way of drawing the weights (:data:`INITS`); each entry is the
    central ``5·s²`` pixels of the output over their root mean square, so that one grey
    scale suits them all.
    """
    rows, names = [], []
    for name, image in images.items():
        for init in INITS:
            outs = random_stack_outputs(image, settings, init=init, seed=seed)
            crops = [centre(y, 5 * s * s) for y, (_, s) in zip(outs, settings, strict=True)]
            rows.append([c / np.sqrt(np.mean(c ** 2)) for c in crops])
            names.append(f"{name}, {init}")
    return rows, names


PHOTO_METHODS = (("conv_transpose", 3, N_("transposed k=3")),
                 ("conv_transpose", 4, N_("transposed k=4")),
                 ("subpixel", 3, N_("sub-pixel, random")),
                 ("nearest_conv", 3, N_("nearest + conv")),
                 ("bilinear_conv", 3, N_("bilinear + conv")),
                 ("subpixel_icnr", 3, N_("sub-pixel, ICNR")))
"""The six upsamplers the chapter compares: (method, kernel_size, label; drawn translated)."""

FACE = (slice(64, 144), slice(72, 152))
"""Eyes and glasses in a ×4 output of :func:`photo_input`: 80×80 pixels (20×20 of the input)."""


def photo_input() -> np.ndarray:
    """A 64×64 grey crop of the Grace Hopper portrait: a 384×384 face crop, 6×6 block means."""
    photo = data.sample_image("grace_hopper")
    return data.downsample_box(photo[40:424, 96:480][None, None], 6)[0, 0]


def photo_outputs(image, seed=0, methods=PHOTO_METHODS) -> list[np.ndarray]:
    """``image`` upsampled ×4 by a two-layer stack of each method, weights from ``seed``."""
    return [upsample_randomly(image, m, k, seed=seed) for m, k, _ in methods]


def gradient_patterns(seed=0) -> list[np.ndarray]:
    """Input gradients of stride-2 convolutions for a constant output gradient.

    The 3×3 mean kernel on a 33×33 input (17×17 output), then random 3×3 and 4×4 kernels
    (uniform in ±1, drawn from ``seed``) on a 32×32 input; all with padding 1.
    """
    rng = np.random.default_rng(seed)
    mean3 = np.full((3, 3), 1 / 9)
    patterns = [conv2d_backward(np.ones((17, 17)), np.zeros((33, 33)), mean3,
                                stride=2, padding=1)[0]]
    for k in (3, 4):
        w = rng.uniform(-1, 1, (k, k))
        patterns.append(conv2d_backward(np.ones((16, 16)), np.zeros((32, 32)), w,
                                        stride=2, padding=1)[0])
    return patterns


class Comparison(NamedTuple):
    """Artifact scores (per way of drawing weights, one summary per method) and costs."""

    labels: tuple[str, ...]
    scores: dict[str, list[ScoreSummary]]
    costs: list[Cost]

    def mean(self, init: str) -> dict[str, float]:
        """Label -> mean score over the seeds, for weights drawn as ``init``."""
        return {label: s.mean for label, s in zip(self.labels, self.scores[init], strict=True)}


def compare_methods(image, seeds, methods=PHOTO_METHODS, channels=64) -> Comparison:
    """Mean artifact scores of every method and init over ``seeds``; costs at ``channels``."""
    scores = {init: [mean_artifact_score(image, m, seeds, k, init=init) for m, k, _ in methods]
              for init in INITS}
    costs = [upsampling_cost(m, channels, k) for m, k, _ in methods]
    return Comparison(tuple(label for *_, label in methods), scores, costs)


def percent(value) -> str:
    """A score as a percentage: two significant digits, one below 0.1 %, none below 0.001 %."""
    v = 100 * float(value)
    if v >= 0.1:
        return f"{v:.2g} %"
    return f"{v:.1g} %" if v >= 0.001 else "< 0.001 %"


def comparison_table(comparison: Comparison) -> str:
    """The comparison as a Markdown table: scores (mean ± std over seeds) and costs."""
    rows = ["| method | score, default weights | score, positive weights "
            "| multiply-adds per output pixel | parameters |",
            "|---|---:|---:|---:|---:|"]
    for label, d, p, c in zip(comparison.labels, comparison.scores["default"],
                              comparison.scores["positive"], comparison.costs, strict=True):
        rows.append(f"| {label} | {percent(d.mean)} ± {percent(d.std)} "
                    f"| {percent(p.mean)} ± {percent(p.std)} "
                    f"| {c.macs_per_pixel:,.0f} | {c.params:,} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------------------
# 6. The overlap explorer: counts as compact HTML tables
# ---------------------------------------------------------------------------------------

EXPLORER_CSS = (
    ".tco{display:flex;flex-direction:column;align-items:flex-start;gap:.35em;color:var(--tc-fg);"
    "font:13px/1.3 system-ui,sans-serif}"
    ".tco .pt{font-size:85%;color:var(--tc-mute);margin-top:.3em}"
    ".tco table{margin:0;border-collapse:collapse;font:12px/1 ui-monospace,Menlo,Consolas,"
    "monospace;font-variant-numeric:tabular-nums}"
    ".tco td{border:1px solid var(--tc-line);min-width:1.6em;height:1.6em;padding:0 .15em;"
    "text-align:center;vertical-align:middle;box-sizing:border-box;"
    "background-color:var(--tc-n4);color:var(--tc-fg)}"
    ".tco .q0,.tco .b0{background-color:var(--tc-bg)}"
    + "".join(f".tco .q{i},.tco .b{i}{{background-color:var(--tc-n{i})}}" for i in range(1, 4))
    + ".tco .b4{background-color:var(--tc-n4)}"
    + ".tco [class^=b]{background-image:repeating-linear-gradient(135deg,transparent 0 3px,"
    "var(--tc-hatch) 3px 5px);font-style:italic;text-decoration:underline dotted}"
    ".tco td.x{border:none;background:none;color:var(--tc-mute)}"
)
"""CSS of the explorer's count tables: shading by count (q0..q4 interior cells, q4 being
the default, b0..b4 border cells, which are also hatched, italic and underlined)."""

NOTE = N_("Each cell shows how many products of an input cell and a kernel cell add up there "
          "(through a stack: how many paths lead there); darker cells get more. "
          "<i>Hatched, italic, dotted-underlined</i> cells lie near an edge: the input ends "
          "before all their terms arrive, so they get fewer than an endless input would give.")


def count_table_html(count, interior, max_cols: int | None = None) -> str:
    """A 1-D or 2-D count as a compact ``<table>``: shaded by count, border cells marked.

    ``max_cols`` cuts long rows, ending them with a "…" cell.
    """
    count = np.atleast_2d(np.asarray(count))
    interior = np.atleast_2d(np.asarray(interior))
    top = max(int(count.max()), 1)
    cut = max_cols is not None and count.shape[1] > max_cols
    rows = []
    for r in range(count.shape[0]):
        cells = []
        for c in range(min(count.shape[1], max_cols) if cut else count.shape[1]):
            n = int(count[r, c])
            level = 0 if n == 0 else max(1, round(4 * n / top))
            cls = ("q" if interior[r, c] else "b") + str(level)
            # the most common cell, an interior one at the top level, needs no class
            cells.append(f"<td>{n}" if cls == "q4" else f"<td class={cls}>{n}")
        if cut:
            cells.append("<td class=x>…")
        rows.append("<tr>" + "".join(cells))
    return "<table>" + "".join(rows) + "</table>"





def _levels_text(levels) -> str:
    """(1, 2, 4) -> '1, 2 and 4'."""
    words = [str(v) for v in levels]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def explorer_input_size(layers, max_size: int = 40) -> int:
    """The shortest input (at least 2) whose 1-D output has two whole periods of interior."""
    stack_overlap(max_size, layers)  # the library's checks of every setting
    for n in range(2, max_size + 1):
        try:
            o = stack_overlap(n, layers)
        except ValueError:  # padding crops all of this short input's output: try a longer one
            continue
        if o.interior.sum() >= 2 * o.period[0] + 1:
            return n
    raise ValueError(f"no input of up to {max_size} cells gives these layers an interior of two "
                     f"periods: {layers}")


EXPLORER_MAX_CELLS = 100_000
"""The longest 1-D count the explorer computes (for its longest trial input)."""


def _check_explorer_size(stack) -> None:
    """Refuse, before counting, a stack whose 1-D count would exceed EXPLORER_MAX_CELLS."""
    length = 40  # explorer_input_size's longest trial input
    for k, s, p in stack:
        length = (length - 1) * s - 2 * p + k
    if length > EXPLORER_MAX_CELLS:
        raise ValueError(f"these {len(stack)} layers make a 1-D count of about {length} cells, "
                         f"more than the explorer computes ({EXPLORER_MAX_CELLS}): use fewer "
                         f"layers or a smaller stride")


class _Square(NamedTuple):
    """A window of the 2-D overlap of a square input, and its levels over the whole square."""

    count: np.ndarray
    interior: np.ndarray
    interior_levels: tuple[int, ...]


def _square_of(row: Overlap, n: int, win: slice) -> _Square:
    """The 2-D overlap of an n×n input through ``row``'s layers, from the 1-D counts.

    All-ones kernels on an all-ones input are separable (:func:`stack_overlap`), so the 2-D
    count is the outer product of the 1-D one with itself: only the window is formed. Its
    interior levels come from the distinct (count, endless count) pairs of the 1-D cells.
    """
    layers = [(k[0], s[0], p[0]) for k, s, p in row.layers]
    full = _endless_count_1d(n, layers, len(row.count))
    count = np.outer(row.count[win], row.count[win])
    pairs = {(int(a), int(b)) for a, b in zip(row.count, full, strict=True)}
    levels = sorted({a * c for a, b in pairs for c, d in pairs if a * c == b * d})
    return _Square(count, count == np.outer(full[win], full[win]), tuple(levels))


class OverlapExplorer(ChooserView):
    """Overlap counts of a stack of identical transposed convolutions, in 1-D and 2-D.

    Settings: ``kernel_size``, ``stride``, ``padding`` and the number of ``layers``, each
    picked from the given lists. Every frame shows the 1-D count of an input just long enough
    for two periods of interior (rows longer than ``max_cols`` are cut) and the top-left
    corner (at most ``window``×``window``) of the 2-D count of a square input of that side;
    when the edge is too wide for that corner to reach a whole period, the 2-D window starts
    where the interior does. Computed with :func:`tconv.stack_overlap`.
    """

    def __init__(self, kernel_sizes=(2, 3, 4, 5, 6), strides=(2, 3), paddings=(0, 1),
                 layers=(1, 2, 3), title: str | None = None, *, initial=None,
                 max_cols: int = 40, window: int = 9):
        self.max_cols = as_int(max_cols, "max_cols", minimum=4)
        self.window = as_int(window, "window", minimum=2)
        params = {"kernel_size": list(kernel_sizes), "stride": list(strides),
                  "padding": list(paddings), "layers": list(layers)}
        labels = {"kernel_size": "Kernel size k", "stride": "Stride s", "padding": "Padding p",
                  "layers": "Layers"}
        # the usual first view where it is offered (the first choice otherwise); settings the
        # caller asks for are checked by ChooserView
        usual = {"kernel_size": 3, "stride": 2, "padding": 0, "layers": 1}
        initial = {name: value for name, value in usual.items()
                   if value in params[name]} | dict(initial or {})
        super().__init__(params, self._render, title or "Overlap explorer", labels=labels,
                         initial=initial, note=NOTE, css=EXPLORER_CSS)

    def _render(self, kernel_size, stride, padding, layers) -> tuple[str, str]:
        stack = [(kernel_size, stride, padding)] * as_int(layers, "layers", minimum=1)
        _check_explorer_size(stack)
        n = explorer_input_size(stack)
        row = stack_overlap(n, stack)
        period = row.period[0]
        side = len(row.count)
        first = int(np.argmax(row.interior))  # the first interior cell
        w = min(side, self.window)
        start = 0 if first + min(period, w) <= w else min(first, side - w)
        win = slice(start, start + w)
        square = _square_of(row, n, win)  # the 2-D count in the window only
        where = (_("top-left {w}×{w}", w=w) if start == 0 else
                 _("rows and columns {first}–{last}", first=start, last=start + w - 1))
        shown = "" if side <= self.max_cols else _(", first {n} shown", n=self.max_cols)
        one = _("1-D: an input of {n} cells gives {side} output cells{shown}", n=n, side=side,
                shown=shown)
        two = _("2-D: an input of {n}×{n} gives {side}×{side}; {where}", n=n, side=side,
                where=where)
        html = (
            '<div class="tco">'
            f'<div class="pt">{escape(one)}</div>'
            + count_table_html(row.count, row.interior, self.max_cols)
            + f'<div class="pt">{escape(two)}</div>'
            + count_table_html(square.count, square.interior)
            + "</div>")
        return html, self._caption(kernel_size, stride, padding, layers, row, square)

    @staticmethod
    def _caption(k, s, p, layers, row, square) -> str:
        what = (f"kernel {k}, stride {s}, padding {p}" if layers == 1 else
                f"{layers} layers of kernel {k}, stride {s}, padding {p}")
        levels = row.interior_levels
        if row.even:
            terms = "term" if levels[0] == 1 else "terms"
            inner = f"every interior cell gets {levels[0]} {terms} (even"
        else:
            inner = (f"the interior repeats every {row.period[0]} cells with counts "
                     f"{_levels_text(levels)} (uneven")
        if layers == 1:
            inner += f": {s} {'divides' if k % s == 0 else 'does not divide'} {k})"
        else:
            inner += ")"
        many = square.interior_levels
        flat = ("" if len(many) == 1 else f"; in 2-D {_levels_text(many)}" if len(many) <= 6
                else f"; in 2-D {len(many)} different counts, from {many[0]} to {many[-1]}")
        short = int((~row.interior).sum())
        edge = ("no cell near the edges gets fewer terms" if short == 0 else
                f"{short} cell{'s' if short > 1 else ''} near the edges "
                f"get{'s' if short == 1 else ''} fewer terms")
        return f"{what}: {inner}{flat}; {edge}."


# ---------------------------------------------------------------------------------------
# 7. Figures
# ---------------------------------------------------------------------------------------


def count_rows_figure(overlaps, titles):
    """1-D overlap counts, one row each, border cells hatched: a matplotlib Figure."""
    overlaps = list(overlaps)
    if len(titles) != len(overlaps) or not overlaps:
        raise ValueError(f"titles must name each of the {len(overlaps)} overlaps, "
                         f"got {len(titles)} titles")
    width = max(len(o.count) for o in overlaps)
    fig = new_figure((0.3 * width + 0.6, 0.62 * len(overlaps) + 0.2))
    axes = fig.subplots(len(overlaps), 1, squeeze=False)[:, 0]
    for ax, o, title in zip(axes, overlaps, titles, strict=True):
        row = np.asarray(o.count)[None, :]
        border = [(0, c) for c in range(row.shape[1]) if not o.interior[c]]
        grid(ax, row, None, shade=row, hatch=border, labels=False, write_counts=False)
        ax.set_xlim(-0.05, width + 0.05)
        ax.set_title(tr(title), fontsize=9, loc="left", pad=3)
    return fig


def image_grid(images, row_titles, titles, *, size: float = 1.25, cmap: str = "gray",
               vmin: float | None = None, vmax: float | None = None):
    """Images in rows and columns: a matplotlib Figure.

    ``images`` is a list of rows, each a list of 2-D arrays (None leaves a slot empty).
    ``titles`` is one title per column (shown above the first row), or a list of rows of
    titles, one per image. ``row_titles`` label the rows (None or "" for no label). Each
    image is shown on its own range of values unless ``vmin``/``vmax`` fix one for all.
    """
    rows = [list(r) for r in images]
    cols = len(rows[0]) if rows else 0
    per_image = bool(titles) and isinstance(titles[0], (list, tuple))
    shape_ok = (rows and len(row_titles) == len(rows) and all(len(r) == cols for r in rows)
                and (len(titles) == len(rows) and all(len(t) == cols for t in titles)
                     if per_image else len(titles) == cols))
    if not shape_ok:
        raise ValueError(f"need rows of equal length, one row title per row and one title per "
                         f"column (or per image): rows of {[len(r) for r in rows]}, "
                         f"{len(row_titles)} row titles, titles {titles!r}")
    fig = new_figure((size * cols + 0.3, (size + 0.25) * len(rows) + 0.1))
    axes = fig.subplots(len(rows), cols, squeeze=False)
    for i, row in enumerate(rows):
        for j, im in enumerate(row):
            ax = axes[i, j]
            if im is None:
                ax.set_axis_off()
                continue
            ax.imshow(np.asarray(im), cmap=cmap, interpolation="nearest", vmin=vmin, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            title = titles[i][j] if per_image else titles[j] if i == 0 else None
            if title:
                ax.set_title(tr(title), fontsize=8)
            if j == 0 and row_titles[i]:
                ax.set_ylabel(tr(row_titles[i]), fontsize=8)
    return fig


def random_stacks_figure(settings=RANDOM_SETTINGS, seed=1, side=16):
    """The random stacks on :func:`stack_inputs`, one grey scale from −2 to 2: a Figure."""
    rows, names = random_stack_rows(stack_inputs(side), settings, seed)
    titles = [f"k={k}, s={s}" for k, s in settings]
    return image_grid(rows, names, titles, size=1.3, vmin=-2, vmax=2)


def photo_figure(image, outputs, methods=PHOTO_METHODS):
    """The input's face and the :data:`FACE` detail of each ×4 output, in two rows: a Figure."""
    labels = [label for *_, label in methods]
    crops = [y[FACE] for y in outputs]
    half = (len(crops) + 1) // 2
    first = [np.asarray(image)[FACE[0].start // 4:FACE[0].stop // 4,
                               FACE[1].start // 4:FACE[1].stop // 4]]
    n = FACE[0].stop // 4 - FACE[0].start // 4
    side = np.asarray(image).shape[0]
    return image_grid([first + crops[:half], [None] + crops[half:]], ["", ""],
                      [[_("input ({n}×{n} of {side}×{side})", n=n, side=side)] + labels[:half],
                       [""] + labels[half:]], size=1.45)


def gradient_figure(patterns):
    """The top-left 16×16 of each of :func:`gradient_patterns`: a Figure."""
    return image_grid([[p[:16, :16] for p in patterns]], [""],
                      [_("3×3 mean kernel"), _("random 3×3"), _("random 4×4")], size=1.6)


def spectrum_grid(images, titles, period: int, *, size: float = 1.6, cols: int | None = None):
    """Log power spectra of images, zero frequency in the middle, stride frequencies ringed.

    Each image must be whole periods of ``period`` pixels (see
    :func:`crop_for_period`); the rings sit on the bins
    :func:`stride_frequencies` marks.
    """
    images = [np.asarray(im) for im in images]
    if len(titles) != len(images) or not images:
        raise ValueError(f"titles must name each of the {len(images)} images, "
                         f"got {len(titles)} titles")
    cols = cols or len(images)
    nrows = -(-len(images) // cols)
    fig = new_figure((size * cols, (size + 0.3) * nrows))
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    for ax, im, title in zip(axes, images, titles, strict=False):
        spectrum = log_power_spectrum(im)
        mask = np.fft.fftshift(stride_frequencies(im.shape, period))
        ax.imshow(spectrum, cmap="magma", interpolation="nearest",
                  vmin=spectrum.max() - 9, vmax=spectrum.max())
        rr, cc = np.nonzero(mask)
        ax.scatter(cc, rr, s=70, facecolors="none", edgecolors="#7cf2ff", linewidths=0.9)
        ax.set_title(tr(title), fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[len(images):]:
        ax.set_axis_off()
    return fig

