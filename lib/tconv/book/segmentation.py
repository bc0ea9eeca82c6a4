"""The companion of ``chapters/segmentation.ipynb``: four decoders for one encoder, trained.

Parts 1-2 are numpy only (no drawing):

1. **Measures.** :func:`pixel_rule` labels every pixel by the nearest class level, the
   baseline without learning; :func:`near_boundary` marks the pixels next to a boundary, where
   the decoders differ.
2. **Training, from several seeds.** :func:`train` fits one
   :class:`~tconv.nn.SegmentationNet` with Adam; :func:`seed_study` trains every decoder from
   each seed (the same seed gives every decoder the same encoder weights and batches) and
   collects per-class IoU, accuracy near and away from boundaries, and how much the skip
   decoder leans on the encoder's features; :func:`iou_table` lays the IoU out as mean ± std.

Part 3 draws the chapter's figures with matplotlib: :func:`samples_figure`,
:func:`predictions_figure`, :func:`curves_figure`.

May import: the operations (:mod:`tconv`, :mod:`tconv.nn`), the toolkit (:mod:`tconv.show`)
and :mod:`tconv.book.data`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from .. import nn
from .._checks import as_array, as_int, check_ndim
from ..show.draw import new_figure
from . import data

DECODERS = nn.SegmentationNet.DECODERS
"""The four decoders, from the simplest to the one with skip connections."""

CLASS_COLOURS = ("#f1f3f5", "#93c5fd", "#2563eb", "#172554")
"""One colour per class of :data:`tconv.book.data.CLASS_NAMES`, light to dark like the levels."""


# ---------------------------------------------------------------------------------------
# 1. Measures
# ---------------------------------------------------------------------------------------


def pixel_rule(images) -> np.ndarray:
    """Each pixel's class, the nearest of ``data.LEVELS``: (N, 1, H, W) -> (N, H, W)."""
    x = as_array(images, "images")
    check_ndim(x, "images", (4,), "(N, 1, H, W)")
    levels = np.array(data.LEVELS)
    return np.abs(x[:, 0, :, :, None] - levels).argmin(axis=-1)


def near_boundary(labels) -> np.ndarray:
    """Pixels whose 3×3 neighbourhood holds more than one class: (N, H, W) -> bool (N, H, W)."""
    t = as_array(labels, "labels")
    check_ndim(t, "labels", (3,), "(N, H, W)")
    padded = np.pad(t, ((0, 0), (1, 1), (1, 1)), mode="edge")
    H, W = t.shape[1:]
    windows = [padded[:, i:i + H, j:j + W] for i in range(3) for j in range(3)]
    return np.any([w != t for w in windows], axis=0)


# ---------------------------------------------------------------------------------------
# 2. Training, from several seeds
# ---------------------------------------------------------------------------------------


def train(decoder, images, labels, *, steps=300, lr=0.01, batch=8, seed=0):
    """Adam on random batches; returns the trained network and its losses.

    The learning rate decays from ``lr`` to 0 along half a cosine. ``seed`` draws the
    network's weights and the batches, so every decoder trained from one seed starts from
    the same encoder and sees the same images.
    """
    net = nn.SegmentationNet(decoder, rng=seed)
    n = as_int(steps, "steps", minimum=1)
    optimiser = nn.Adam(net.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(seed)
    losses = []
    for step in range(n):
        optimiser.lr = lr * 0.5 * (1 + np.cos(np.pi * step / n))
        i = rng.integers(0, len(images), batch)
        losses.append(loss_fn.forward(net.forward(images[i]), labels[i]))
        net.zero_grad()
        net.backward(loss_fn.backward())
        optimiser.step()
    return net, np.array(losses)


def feature_share(net) -> float:
    """Sum of |weights| the skip decoder's last 1×1 convolution puts on the encoder's
    full-resolution features, over the sum it puts on the upsampled scores."""
    if getattr(net, "decoder", None) != "skip":
        raise ValueError("net must be a SegmentationNet with the 'skip' decoder")
    mix = net.mix1.weight.data[:, :, 0, 0]  # (K, K + c): scores first, then features
    k = mix.shape[0]
    return float(np.abs(mix[:, k:]).sum() / np.abs(mix[:, :k]).sum())


@dataclass
class Study:
    """Every decoder trained from each of ``seeds`` and measured on the test set.

    Arrays have one row per seed: ``iou[d]`` (seeds, K) per-class IoU, ``miou[d]``,
    ``accuracy_edge[d]`` / ``accuracy_inside[d]`` (pixel accuracy next to a boundary and
    elsewhere), ``wrong[d]`` (wrongly labelled test pixels), ``final_loss[d]`` (mean of the
    last 50 training losses); ``differ`` and ``differ_at_edge``: the share of test pixels on
    which the transposed and bilinear decoders disagree, and the share of those next to a
    boundary; ``feature_share``: :func:`feature_share` of each skip network. ``nets``,
    ``losses`` and ``predictions`` are those of the first seed, the one the figures show.
    """

    seeds: tuple[int, ...]
    iou: dict[str, np.ndarray]
    miou: dict[str, np.ndarray]
    accuracy_edge: dict[str, np.ndarray]
    accuracy_inside: dict[str, np.ndarray]
    wrong: dict[str, np.ndarray]
    final_loss: dict[str, np.ndarray]
    differ: np.ndarray
    differ_at_edge: np.ndarray
    feature_share: np.ndarray
    nets: dict[str, nn.SegmentationNet]
    losses: dict[str, np.ndarray]
    predictions: dict[str, np.ndarray]


def seed_study(train_x, train_y, test_x, test_y, seeds: Sequence[int], *, steps=300,
               decoders=DECODERS) -> Study:
    """Train each decoder from each seed (:func:`train`) and measure it on the test set."""
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds must not be empty")
    k = len(data.CLASS_NAMES)
    edge = near_boundary(test_y)
    rows = {name: {d: [] for d in decoders} for name in
            ("iou", "edge", "inside", "wrong", "loss")}
    differ, differ_at_edge, share = [], [], []
    first = {}
    for i, seed in enumerate(seeds):
        predictions = {}
        for d in decoders:
            net, losses = train(d, train_x, train_y, steps=steps, seed=seed)
            p = net.forward(test_x).argmax(axis=1)
            predictions[d] = p
            right = p == test_y
            rows["iou"][d].append(nn.iou_per_class(p, test_y, k))
            rows["edge"][d].append(right[edge].mean())
            rows["inside"][d].append(right[~edge].mean())
            rows["wrong"][d].append(int((~right).sum()))
            rows["loss"][d].append(losses[-50:].mean())
            if d == "skip":
                share.append(feature_share(net))
            if i == 0:
                first.setdefault("nets", {})[d] = net
                first.setdefault("losses", {})[d] = losses
        if "transposed" in predictions and "bilinear" in predictions:
            diff = predictions["transposed"] != predictions["bilinear"]
            differ.append(diff.mean())
            differ_at_edge.append(edge[diff].mean() if diff.any() else 0.0)
        if i == 0:
            first["predictions"] = predictions
    iou = {d: np.array(v) for d, v in rows["iou"].items()}
    return Study(seeds, iou, {d: np.nanmean(v, axis=1) for d, v in iou.items()},
                 {d: np.array(v) for d, v in rows["edge"].items()},
                 {d: np.array(v) for d, v in rows["inside"].items()},
                 {d: np.array(v) for d, v in rows["wrong"].items()},
                 {d: np.array(v) for d, v in rows["loss"].items()},
                 np.array(differ), np.array(differ_at_edge), np.array(share),
                 first["nets"], first["losses"], first["predictions"])


def mean_std(values, digits=3) -> str:
    """``"mean ± std"`` of ``values`` (the sample standard deviation; 0 for one value)."""
    v = np.asarray(values, np.float64).ravel()
    std = np.std(v, ddof=1) if v.size > 1 else 0.0
    return f"{v.mean():.{digits}f} ± {std:.{digits}f}"


def iou_table(study: Study, baseline: dict[str, np.ndarray] | None = None) -> str:
    """IoU per class and mIoU per decoder, mean ± std over the seeds: an HTML table.

    ``baseline`` adds rows that do not depend on a seed (name -> per-class IoU).
    """
    head = ["decoder", *data.CLASS_NAMES, "mIoU"]
    cells = "".join(f"<th scope='col'>{escape(h)}</th>" for h in head)
    rows = []
    for name, iou in (baseline or {}).items():
        values = [f"{v:.3f}" for v in iou] + [f"<b>{np.nanmean(iou):.3f}</b>"]
        rows.append((name, values))
    for d, iou in study.iou.items():
        values = [mean_std(iou[:, c]) for c in range(iou.shape[1])]
        values.append(f"<b>{mean_std(study.miou[d])}</b>")
        rows.append((d, values))
    body = "".join(
        f"<tr><th scope='row'>{escape(name)}</th>"
        + "".join(f"<td style='text-align:right'>{v}</td>" for v in values) + "</tr>"
        for name, values in rows)
    return (f"<table class='table'><thead><tr>{cells}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


# ---------------------------------------------------------------------------------------
# 3. Figures
# ---------------------------------------------------------------------------------------


def _label_map(ax, labels, title):
    from matplotlib.colors import ListedColormap

    k = len(CLASS_COLOURS)
    ax.imshow(labels, cmap=ListedColormap(CLASS_COLOURS), vmin=-0.5, vmax=k - 0.5,
              interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def _image(ax, image, title):
    ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def _legend(fig):
    from matplotlib.patches import Rectangle

    handles = [Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="#1b1b1b")
               for c in CLASS_COLOURS]
    fig.legend(handles, data.CLASS_NAMES, loc="outside lower center", ncol=len(handles),
               fontsize=9, frameon=False)


def samples_figure(images, labels, count=6):
    """The first ``count`` images (top) and their label maps (bottom): a Figure."""
    fig = new_figure((11, 4.3))
    axes = fig.subplots(2, count)
    for i in range(count):
        _image(axes[0, i], images[i, 0], f"test image {i}")
        _label_map(axes[1, i], labels[i], "its labels")
    _legend(fig)
    return fig


def predictions_figure(images, labels, predictions: dict, show=(0, 1, 2, 3)):
    """Image, truth and each decoder's prediction, one row per image in ``show``: a Figure.

    Each prediction's title gives its number of wrongly labelled pixels.
    """
    fig = new_figure((10.5, 8.3))
    axes = fig.subplots(len(show), 2 + len(predictions), squeeze=False)
    for row, i in zip(axes, show, strict=True):
        _image(row[0], images[i, 0], "image")
        _label_map(row[1], labels[i], "truth")
        for ax, (d, p) in zip(row[2:], predictions.items(), strict=True):
            wrong = int(np.sum(p[i] != labels[i]))
            _label_map(ax, p[i], f"{d}: {wrong} wrong")
    _legend(fig)
    return fig


def curves_figure(losses: dict):
    """Training losses (log scale, mean of 20 steps), one line per decoder: a Figure."""
    fig = new_figure((6.4, 3.3))
    ax = fig.subplots()
    for (d, values), ls in zip(losses.items(), ["-", "--", "-.", ":"], strict=False):
        smooth = np.convolve(values, np.ones(20) / 20, mode="valid")
        ax.plot(np.arange(len(smooth)) + 20, smooth, ls, lw=1.8, label=d)
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy (mean of 20 steps)")
    ax.legend(fontsize=8)
    return fig
