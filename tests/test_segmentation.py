"""The segmentation chapter's measures, training and seed study (tconv.book.segmentation).

Oracles: brute-force loops over pixels (the nearest level, a 3×3 neighbourhood), tconv.nn's
IoU, the networks' own weights (one seed gives every decoder the same encoder), numpy's mean
and sample standard deviation, and the figures' own artists read back.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tconv import nn
from tconv.book import data
from tconv.book import segmentation as seg

matplotlib.use("Agg")

EXAMPLES = settings(max_examples=20, deadline=None)


@EXAMPLES
@given(seed=st.integers(0, 1000))
def test_pixel_rule_picks_the_nearest_level(seed):
    x = np.random.default_rng(seed).random((2, 1, 5, 5))
    labels = seg.pixel_rule(x)
    for n, r, c in np.ndindex(2, 5, 5):
        distances = [abs(x[n, 0, r, c] - level) for level in data.LEVELS]
        assert labels[n, r, c] == int(np.argmin(distances))


def test_pixel_rule_reads_noiseless_shapes_exactly():
    x, y = data.shapes_dataset(4, noise=0.0, rng=3)
    np.testing.assert_array_equal(seg.pixel_rule(x), y)


@EXAMPLES
@given(seed=st.integers(0, 1000))
def test_near_boundary_marks_pixels_with_another_class_in_their_3x3_neighbourhood(seed):
    labels = np.random.default_rng(seed).integers(0, 3, (2, 6, 7))
    edge = seg.near_boundary(labels)
    for n, r, c in np.ndindex(labels.shape):
        window = labels[n, max(r - 1, 0):r + 2, max(c - 1, 0):c + 2]
        assert edge[n, r, c] == bool(np.any(window != labels[n, r, c]))


def _small_data():
    train_x, train_y = data.shapes_dataset(40, rng=0)
    test_x, test_y = data.shapes_dataset(6, rng=1)
    return train_x, train_y, test_x, test_y


def test_train_lowers_the_loss_and_one_seed_gives_every_decoder_the_same_encoder():
    train_x, train_y, _, _ = _small_data()
    nets = {}
    for decoder in ("nearest", "skip"):
        nets[decoder], losses = seg.train(decoder, train_x, train_y, steps=30, seed=5)
        assert len(losses) == 30 and losses[-10:].mean() < losses[:10].mean()
    fresh = {d: nn.SegmentationNet(d, rng=5) for d in ("nearest", "skip")}
    np.testing.assert_array_equal(fresh["nearest"].enc1[0].weight.data,
                                  fresh["skip"].enc1[0].weight.data)
    again, _ = seg.train("nearest", train_x, train_y, steps=30, seed=5)
    np.testing.assert_array_equal(again.score.weight.data, nets["nearest"].score.weight.data)


def test_feature_share_starts_at_zero_and_grows_with_training():
    train_x, train_y, _, _ = _small_data()
    assert seg.feature_share(nn.SegmentationNet("skip", rng=0)) == 0
    net, _ = seg.train("skip", train_x, train_y, steps=20, seed=0)
    mix = net.mix1.weight.data[:, :, 0, 0]
    k = mix.shape[0]
    assert seg.feature_share(net) == pytest.approx(np.abs(mix[:, k:]).sum()
                                                   / np.abs(mix[:, :k]).sum())
    assert seg.feature_share(net) > 0


def test_seed_study_measures_every_decoder_from_every_seed():
    train_x, train_y, test_x, test_y = _small_data()
    study = seg.seed_study(train_x, train_y, test_x, test_y, [0, 1], steps=5)
    k = len(data.CLASS_NAMES)
    assert study.seeds == (0, 1)
    for d in seg.DECODERS:
        assert study.iou[d].shape == (2, k)
        np.testing.assert_allclose(study.miou[d], np.nanmean(study.iou[d], axis=1))
        for values in (study.accuracy_edge, study.accuracy_inside, study.wrong,
                       study.final_loss):
            assert values[d].shape == (2,)
    # the first seed's predictions are those of its networks
    p = study.nets["skip"].forward(test_x).argmax(axis=1)
    np.testing.assert_array_equal(study.predictions["skip"], p)
    np.testing.assert_allclose(study.iou["skip"][0], nn.iou_per_class(p, test_y, k))
    assert study.wrong["skip"][0] == int(np.sum(p != test_y))
    edge = seg.near_boundary(test_y)
    assert study.accuracy_edge["skip"][0] == pytest.approx((p == test_y)[edge].mean())
    diff = study.predictions["transposed"] != study.predictions["bilinear"]
    assert study.differ[0] == pytest.approx(diff.mean())
    assert study.feature_share.shape == (2,) and set(study.losses) == set(seg.DECODERS)


def test_mean_std_and_the_iou_table():
    assert seg.mean_std([1.0, 2.0, 4.0], 2) == f"{7 / 3:.2f} ± {np.std([1, 2, 4], ddof=1):.2f}"
    assert seg.mean_std([0.5]) == "0.500 ± 0.000"
    train_x, train_y, test_x, test_y = _small_data()
    study = seg.seed_study(train_x, train_y, test_x, test_y, [0], steps=2)
    table = seg.iou_table(study, {"rule": np.array([0.5, 0.1, 0.2, 0.3])})
    assert table.count("<tr>") == 1 + 1 + len(seg.DECODERS)
    assert "<b>0.275</b>" in table and table.count(" ± ") == 5 * len(seg.DECODERS)


def test_the_chapter_figures_draw_what_they_are_given():
    x, y = data.shapes_dataset(6, rng=1)
    fig = seg.samples_figure(x, y)
    assert len(fig.axes) == 12 and fig.legends
    preds = {"nearest": y.copy(), "skip": np.zeros_like(y)}
    fig = seg.predictions_figure(x, y, preds, show=(0, 1))
    titles = [ax.get_title() for ax in fig.axes]
    assert "nearest: 0 wrong" in titles
    assert f"skip: {int(np.sum(y[0] != 0))} wrong" in titles
    fig = seg.curves_figure({"nearest": np.ones(40), "skip": np.ones(40) / 2})
    assert len(fig.axes[0].lines) == 2 and fig.axes[0].get_yscale() == "log"


@pytest.mark.parametrize("call, error, match", [
    (lambda: seg.pixel_rule(np.ones((2, 4, 4))), ValueError, r"\(N, 1, H, W\)"),
    (lambda: seg.near_boundary(np.ones((4, 4), int)), ValueError, r"\(N, H, W\)"),
    (lambda: seg.feature_share(nn.SegmentationNet("nearest", rng=0)), ValueError, "'skip'"),
    (lambda: seg.seed_study(*_small_data(), []), ValueError, "seeds"),
    (lambda: seg.train("deconv", *_small_data()[:2]), ValueError, "decoder must be one of"),
])
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
