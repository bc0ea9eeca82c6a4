"""The companion of ``chapters/super-resolution.ipynb``: one learned upsampling layer, trained.

Parts 1-3 are numpy only (no drawing):

1. **The task and its scores.** :func:`upscale` shrinks a picture by block means and grows it
   back with an upsampler; :func:`scores` measures the round trip on the test pictures (PSNR
   and SSIM, leaving out a :data:`BORDER`).
2. **The models and their training.** :func:`make_models` builds the chapter's three layers (a
   transposed convolution started as bilinear upsampling or at random, a sub-pixel convolution
   started with ICNR); :func:`train` runs Adam on random patches of one photograph;
   :func:`as_kernel` reads any of the three as one transposed-convolution kernel, whose
   :func:`~tconv.book.checkerboard.phase_sums` say whether a flat input stays flat.
3. **Several seeds.** :func:`seed_study` trains the three layers from several seeds (each
   seed draws the random starts and the training batches) and collects their scores and phase
   sums; :class:`Spread` summarises a result over the seeds; :func:`results_table` lays it out.

Part 4 draws the chapter's figures, with the toolkit: :func:`data_figure`,
:func:`start_figure`, :func:`curves_figure`, :func:`crops_figure`, :func:`kernels_figure`.

May import: the operations (:mod:`tconv`, :mod:`tconv.nn`, :mod:`tconv.metrics`), the toolkit
(:mod:`tconv.show`), :mod:`tconv.book.data` and :mod:`tconv.book.checkerboard`, and
scikit-image for SSIM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import NamedTuple

import numpy as np

from .. import nn
from .._checks import as_array, as_int, check_ndim
from ..metrics import psnr
from ..show.draw import new_figure
from ..show.text import N_, _, tr
from ..upsample import upsample_bilinear, upsample_nearest
from . import data
from .checkerboard import phase_sums

BORDER = 8
"""Pixels left out at every edge of a scored picture and of every training patch."""

STARTS = ("transposed, bilinear start", "transposed, random start", "sub-pixel, ICNR start")
"""The chapter's three learned layers, by how they start."""
# A figure shows each on two lines, the layer over its start.
_START_PARTS = (N_("transposed"), N_("bilinear start"), N_("random start"), N_("sub-pixel"),
                N_("ICNR start"))

FIXED = ("nearest", "bilinear")
"""The two fixed upsamplers the learned ones are compared with."""


# ---------------------------------------------------------------------------------------
# 1. The task and its scores
# ---------------------------------------------------------------------------------------


def inner(a) -> np.ndarray:
    """``a`` without :data:`BORDER` pixels at each edge of its last two axes."""
    return np.asarray(a)[..., BORDER:-BORDER, BORDER:-BORDER]


def fixed_upsampler(name: str, scale: int) -> Callable[[np.ndarray], np.ndarray]:
    """``"nearest"`` or ``"bilinear"`` upsampling by ``scale``, as a function of a batch."""
    s = as_int(scale, "scale", minimum=1)
    if name == "nearest":
        return lambda x: upsample_nearest(x, s)
    if name == "bilinear":
        return lambda x: upsample_bilinear(x, s)
    raise ValueError(f"name must be one of {FIXED}, got {name!r}")


def upscale(upsampler, image, scale) -> np.ndarray:
    """Shrink a (H, W) picture by block means, grow it back with ``upsampler``, clip to [0, 1]."""
    x = as_array(image, "image")
    check_ndim(x, "image", (2,), "(H, W)")
    small = data.downsample_box(x[None, None], as_int(scale, "scale", minimum=1))
    return np.clip(upsampler(small), 0, 1)[0, 0]


def scores(upsampler, tests: dict, scale) -> dict[str, tuple[float, float]]:
    """PSNR (dB) and SSIM of each test picture's round trip: name -> pair."""
    from skimage.metrics import structural_similarity as ssim

    result = {}
    for name, image in tests.items():
        up = inner(upscale(upsampler, image, scale))
        truth = inner(image)
        result[name] = (psnr(up, truth),
                        float(ssim(up, truth, data_range=1.0)))
    return result


# ---------------------------------------------------------------------------------------
# 2. The models and their training
# ---------------------------------------------------------------------------------------


def transposed_layer(scale, start="random", seed=0) -> nn.ConvTranspose2d:
    """1 -> 1 channel, ×s: kernel 3s, stride s, padding s, no bias.

    ``start="bilinear"`` (even s) puts the 2s×2s bilinear tent in the
    middle of the kernel (the layer is then bilinear upsampling away from
    the border); ``"random"`` keeps PyTorch's draw.
    """
    s = as_int(scale, "scale", minimum=2)
    if start not in ("bilinear", "random"):
        raise ValueError(
            f"start must be 'bilinear' or 'random', got {start!r}")
    if start == "bilinear" and s % 2:
        raise ValueError(f"a bilinear start needs an even scale, got {s}")
    layer = nn.ConvTranspose2d(1, 1, 3 * s, stride=s, padding=s,
                               bias=False, rng=seed)
    if start == "bilinear":
        layer.weight.data[0, 0] = np.pad(nn.bilinear_kernel(2 * s), s // 2)
    return layer


def subpixel_layer(scale, seed=0) -> nn.Sequential:
    """A 3×3 convolution to s² channels (ICNR start), a pixel shuffle: ×s."""
    s = as_int(scale, "scale", minimum=2)
    conv = nn.Conv2d(1, s * s, 3, padding=1, bias=False, rng=seed)
    conv.weight.data[...] = nn.icnr(conv.weight.data, s)
    return nn.Sequential(conv, nn.PixelShuffle(s))


def make_models(scale, seed=0) -> dict[str, nn.Module]:
    """The three layers of :data:`STARTS` for ×s (even), random weights drawn from ``seed``."""
    return {STARTS[0]: transposed_layer(scale, "bilinear", seed),
            STARTS[1]: transposed_layer(scale, "random", seed),
            STARTS[2]: subpixel_layer(scale, seed)}


def as_kernel(model, scale) -> np.ndarray:
    """The (3s, 3s) transposed-convolution kernel a model computes (sub-pixel layers included)."""
    s = as_int(scale, "scale", minimum=2)
    if isinstance(model, nn.ConvTranspose2d):
        return np.array(model.weight.data[0, 0], np.float64)
    if isinstance(model, nn.Sequential) and isinstance(model[0], nn.Conv2d):
        return nn.subpixel_as_transposed(model[0].weight.data, s)[0, 0].astype(np.float64)
    raise TypeError(f"model must be one of the chapter's layers, got {type(model).__name__}")


def train(model, photo, scale, *, steps=600, lr=0.03, batch=16, size=48, seed=0,
          watch=None, every=25):
    """Adam on random patches of ``photo``; returns the losses and the (step, PSNR) curve.

    Every step draws ``batch`` patches of ``size×size`` (the targets), shrinks them by block
    means (the inputs), and moves the weights against the gradient of the mean squared
    error, which leaves out the patches' :data:`BORDER`. The learning rate decays from ``lr``
    to 0 along half a cosine. With ``watch`` (a test picture) the PSNR of its round trip is
    recorded every ``every`` steps and at the end; it is never used to decide anything.
    """
    s = as_int(scale, "scale", minimum=2)
    n = as_int(steps, "steps", minimum=1)
    rng = np.random.default_rng(seed)
    optimiser = nn.Adam(model.parameters(), lr=lr)
    mse = nn.MSELoss()
    losses, curve = [], []
    for step in range(n):
        if watch is not None and step % every == 0:
            curve.append((step, _watched_psnr(model, watch, s)))
        optimiser.lr = lr * 0.5 * (1 + np.cos(np.pi * step / n))
        y = data.random_patches(photo, size, batch, rng)
        x = data.downsample_box(y, s)
        prediction = model.forward(x)
        losses.append(mse.forward(inner(prediction), inner(y)))
        grad = np.zeros_like(prediction)
        inner(grad)[...] = mse.backward()    # no gradient from the border
        model.zero_grad()
        model.backward(grad)
        optimiser.step()
    if watch is not None:
        curve.append((n, _watched_psnr(model, watch, s)))
    return np.array(losses), np.array(curve).reshape(-1, 2)


def _watched_psnr(model, picture, scale) -> float:
    return psnr(inner(upscale(model.forward, picture, scale)), inner(picture))


# ---------------------------------------------------------------------------------------
# 3. Several seeds
# ---------------------------------------------------------------------------------------


class Spread(NamedTuple):
    """One result over several seeds: mean, sample standard deviation, smallest, largest."""

    mean: float
    std: float
    low: float
    high: float

    @classmethod
    def of(cls, values) -> Spread:
        v = np.asarray(values, np.float64).ravel()
        if v.size == 0:
            raise ValueError("values must not be empty")
        std = float(np.std(v, ddof=1)) if v.size > 1 else 0.0
        return cls(float(v.mean()), std, float(v.min()), float(v.max()))

    def text(self, digits=2) -> str:
        """``"mean ± std"`` with ``digits`` decimals."""
        return f"{self.mean:.{digits}f} ± {self.std:.{digits}f}"


@dataclass
class Study:
    """The three layers trained from each of ``seeds`` at one scale.

    ``psnr[name]`` and ``ssim[name]``: (seeds, tests) arrays, fixed upsamplers included (the
    same on every row); ``start_sums[name]`` and ``end_sums[name]``: (seeds, s, s) phase sums
    of the kernel before and after training; ``models`` and ``history`` (name -> (losses,
    curve)) of the first seed, the one the figures show.
    """

    scale: int
    seeds: tuple[int, ...]
    tests: tuple[str, ...]
    psnr: dict[str, np.ndarray]
    ssim: dict[str, np.ndarray]
    start_sums: dict[str, np.ndarray]
    end_sums: dict[str, np.ndarray]
    models: dict[str, nn.Module]
    history: dict[str, tuple[np.ndarray, np.ndarray]]

    def gain(self, name: str, test: str, over: str = "bilinear") -> np.ndarray:
        """PSNR of ``name`` minus that of ``over`` on ``test``, one value per seed (dB)."""
        j = self.tests.index(test)
        return self.psnr[name][:, j] - self.psnr[over][:, j]


def seed_study(photo, tests: dict, scale, seeds: Sequence[int], *, steps=600,
               watch: str | None = None) -> Study:
    """Train :func:`make_models` from every seed (random starts and batches) and score them.

    ``watch`` names the test picture whose PSNR curve is recorded for the first seed.
    """
    s = as_int(scale, "scale", minimum=2)
    seeds = tuple(int(seed) for seed in seeds)
    if not seeds:
        raise ValueError("seeds must not be empty")
    names = tuple(tests)
    fixed = {name: scores(fixed_upsampler(name, s), tests, s) for name in FIXED}
    psnr_rows = {name: [] for name in (*FIXED, *STARTS)}
    ssim_rows = {name: [] for name in psnr_rows}
    start_sums = {name: [] for name in STARTS}
    end_sums = {name: [] for name in STARTS}
    models, history = {}, {}
    for i, seed in enumerate(seeds):
        trained = make_models(s, seed)
        for name, model in trained.items():
            start_sums[name].append(phase_sums(as_kernel(model, s), s))
            picture = tests[watch] if (watch is not None and i == 0) else None
            run = train(model, photo, s, steps=steps, seed=seed, watch=picture)
            end_sums[name].append(phase_sums(as_kernel(model, s), s))
            result = scores(model.forward, tests, s)
            psnr_rows[name].append([result[t][0] for t in names])
            ssim_rows[name].append([result[t][1] for t in names])
            if i == 0:
                models[name], history[name] = model, run
        for name in FIXED:
            psnr_rows[name].append([fixed[name][t][0] for t in names])
            ssim_rows[name].append([fixed[name][t][1] for t in names])
    return Study(s, seeds, names, {k: np.array(v) for k, v in psnr_rows.items()},
                 {k: np.array(v) for k, v in ssim_rows.items()},
                 {k: np.array(v) for k, v in start_sums.items()},
                 {k: np.array(v) for k, v in end_sums.items()}, models, history)


def results_table(study: Study) -> str:
    """PSNR and SSIM per upsampler and test picture, as an HTML table (mean ± std over seeds)."""
    head = ["upsampler"] + [f"{t} {what}" for t in study.tests
                            for what in ("PSNR (dB)", "SSIM")]
    cells = "".join(f"<th scope='col'>{escape(h)}</th>" for h in head)
    rows = []
    for name in study.psnr:
        values = []
        for j in range(len(study.tests)):
            for table, digits in ((study.psnr, 2), (study.ssim, 3)):
                text = (f"{table[name][0, j]:.{digits}f}" if name in FIXED
                        else Spread.of(table[name][:, j]).text(digits))
                values.append(f"<td style='text-align:right'>{text}</td>")
        rows.append(f"<tr><th scope='row'>{escape(name)}</th>{''.join(values)}</tr>")
    return (f"<table class='table'><thead><tr>{cells}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


# ---------------------------------------------------------------------------------------
# 4. Figures
# ---------------------------------------------------------------------------------------


def _bare(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def data_figure(photo, tests: dict, inputs, targets, patch_seed=0):
    """The training photo with six patches outlined, one training pair, the test pictures."""
    photo = np.asarray(photo)
    size = np.asarray(targets).shape[-1]
    fig = new_figure((11.5, 2.8))
    axes = fig.subplots(1, 3 + len(tests), width_ratios=[1.0, 0.85, 0.85] + [1.0] * len(tests))
    axes[0].imshow(photo, cmap="gray", vmin=0, vmax=1)
    rng = np.random.default_rng(patch_seed)
    tops = rng.integers(0, photo.shape[0] - size, 6)
    lefts = rng.integers(0, photo.shape[1] - size, 6)
    for top, left in zip(tops, lefts, strict=True):
        axes[0].add_patch(_rectangle((left, top), size, "#c2410c"))
    axes[0].set_title(_("training photo\n(six random {n}×{n} patches)", n=size), fontsize=9)
    i = int(np.argmax(np.asarray(targets).std(axis=(1, 2, 3))))  # the busiest patch
    small = np.asarray(inputs)[i, 0]
    axes[1].imshow(small, cmap="gray", vmin=0, vmax=1)
    axes[1].set_title(_("input x: {h}×{w}\n(block means)", h=small.shape[0], w=small.shape[1]),
                      fontsize=9)
    axes[2].imshow(np.asarray(targets)[i, 0], cmap="gray", vmin=0, vmax=1)
    axes[2].set_title(_("target y: {n}×{n}", n=size), fontsize=9)
    for ax, (name, image) in zip(axes[3:], tests.items(), strict=True):
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        ax.set_title(_("test: {name}, {h}×{w}\n(never trained on)", name=tr(name),
                       h=image.shape[0], w=image.shape[1]), fontsize=9)
    for ax in axes:
        _bare(ax)
    return fig


def _rectangle(corner, size, colour):
    from matplotlib.patches import Rectangle

    return Rectangle(corner, size, size, fill=False, edgecolor=colour, lw=1.5)


MRI_CROP = (slice(60, 124), slice(70, 134))
"""64×64 pixels of the MRI slice, over the brain."""

GIFT_CROP = (slice(20, 84), slice(40, 104))
"""64×64 pixels of the gift box: a corner of the ribbon."""


def start_figure(original, outputs: dict):
    """The target and each layer's output before training, on :data:`MRI_CROP`: a Figure."""
    fig = new_figure((10, 2.9))
    axes = fig.subplots(1, 1 + len(outputs))
    axes[0].imshow(np.asarray(original)[MRI_CROP], cmap="gray", vmin=0, vmax=1)
    axes[0].set_title(_("original (target)"), fontsize=9)
    for ax, (name, out) in zip(axes[1:], outputs.items(), strict=True):
        ax.imshow(np.asarray(out)[(0, 0, *MRI_CROP)], cmap="gray", interpolation="nearest")
        ax.set_title(_("before training:\n{name}", name=tr(name)), fontsize=9)
    for ax in axes:
        _bare(ax)
    return fig


def curves_figure(history: dict, fixed_psnr: dict):
    """Training loss (left) and the watched PSNR (right), fixed upsamplers as lines: a Figure.

    ``history``: name -> (losses, (step, PSNR) curve); ``fixed_psnr``: name -> PSNR (dB).
    """
    fig = new_figure((10.5, 3.4))
    ax1, ax2 = fig.subplots(1, 2)
    top = -np.inf
    for (name, (losses, curve)), ls in zip(history.items(), ["-", "--", ":"], strict=False):
        smooth = np.convolve(losses, np.ones(20) / 20, mode="valid")
        ax1.plot(np.arange(len(smooth)) + 20, smooth, ls, lw=1.8, label=tr(name))
        ax2.plot(curve[:, 0], curve[:, 1], ls, lw=1.8, marker=".", label=tr(name))
        top = max(top, curve[:, 1].max())
    for (name, value), ls in zip(fixed_psnr.items(), ["-.", (0, (1, 3))], strict=False):
        ax2.axhline(value, color="#595959", ls=ls, lw=1,
                    label=_("{name} (fixed)", name=tr(name)))
    ax1.set_yscale("log")
    ax1.set_xlabel(_("training step"))
    ax1.set_ylabel(_("training loss (MSE, mean of 20 steps)"))
    ax2.set_ylim(min(fixed_psnr.values()) - 2, top + 1)
    ax2.set_xlabel(_("training step"))
    ax2.set_ylabel(_("PSNR on the MRI test picture (dB)"))
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8, loc="lower right")
    return fig


def crops_figure(tests: dict, upsamplers: dict, psnr_of: dict, scale=2):
    """Crops of each test picture: the original, then each upsampler's round trip: a Figure.

    ``psnr_of``: upsampler name -> test name -> PSNR (dB) over the whole picture.
    """
    crops = {"MRI": MRI_CROP, "gift": GIFT_CROP}
    fig = new_figure((13, 5.9))
    axes = fig.subplots(len(tests), 1 + len(upsamplers), squeeze=False)
    for row, (test, image) in zip(axes, tests.items(), strict=True):
        window = crops[test]
        row[0].imshow(np.asarray(image)[window], cmap="gray", vmin=0, vmax=1,
                      interpolation="nearest")
        row[0].set_title(_("{test}: original", test=tr(test)), fontsize=9)
        for ax, (name, f) in zip(row[1:], upsamplers.items(), strict=True):
            ax.imshow(upscale(f, image, scale)[window], cmap="gray", vmin=0, vmax=1,
                      interpolation="nearest")
            title = "\n".join(tr(part) for part in name.split(", "))  # a layer, its start
            ax.set_title(f"{title}\n{psnr_of[name][test]:.2f} dB", fontsize=8.5)
    for ax in axes.ravel():
        _bare(ax)
    return fig


def kernels_figure(kernels: dict):
    """Kernels with their values written in the cells (red positive, blue negative)."""
    fig = new_figure((12, 3.4))
    axes = fig.subplots(1, len(kernels))
    for ax, (title, k) in zip(np.atleast_1d(axes), kernels.items(), strict=True):
        ax.imshow(k, cmap="RdBu_r", vmin=-1, vmax=1)
        for (r, c), v in np.ndenumerate(k):
            text = f"{v:+.2f}".replace("+0.00", "0").replace("-0.00", "0")
            ax.text(c, r, text, ha="center", va="center", fontsize=7,
                    color="white" if abs(v) > 0.6 else "#1b1b1b")
        ax.set_title(tr(title), fontsize=9)
        _bare(ax)
    return fig
