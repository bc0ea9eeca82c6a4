"""The super-resolution chapter's task, models, training and seeds (tconv.book.super_resolution).

Oracles: pictures that an upsampler restores exactly (PSNR inf, SSIM 1), tconv's fixed
upsamplers (which the bilinear and ICNR starts must equal), the transposed convolution of the
kernel ``as_kernel`` reads (which must equal the model's own forward pass), numpy's mean and
sample standard deviation, and the figures' own artists read back.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
import tconv
from tconv import nn
from tconv.book import data
from tconv.book import super_resolution as sr
from tconv.book.checkerboard import phase_sums

matplotlib.use("Agg")

RNG = np.random.default_rng(0)
BLOCKY = np.kron(RNG.random((12, 12)), np.ones((2, 2))).astype(np.float32)  # 24×24


def test_inner_drops_the_border_of_the_last_two_axes():
    a = np.zeros((2, 1, 20, 20))
    assert sr.inner(a).shape == (2, 1, 4, 4)
    sr.inner(a)[...] = 1
    assert a.sum() == 2 * 16  # a view: writing to it writes to the array


def test_nearest_restores_a_blocky_picture_exactly():
    up = sr.upscale(sr.fixed_upsampler("nearest", 2), BLOCKY, 2)
    np.testing.assert_allclose(up, BLOCKY, atol=1e-6)
    (p, q), = sr.scores(sr.fixed_upsampler("nearest", 2), {"blocky": BLOCKY}, 2).values()
    assert p == np.inf and np.isclose(q, 1)


def test_upscale_clips_to_the_grey_levels():
    up = sr.upscale(lambda x: tconv.upsample_nearest(x, 2) * 3 - 1, BLOCKY, 2)
    assert up.min() >= 0 and up.max() <= 1 and up.min() == 0 and up.max() == 1


def test_scores_are_psnr_and_ssim_without_the_border():
    from skimage.metrics import structural_similarity

    image = RNG.random((32, 32)).astype(np.float32)
    up = sr.upscale(sr.fixed_upsampler("bilinear", 2), image, 2)
    (p, q), = sr.scores(sr.fixed_upsampler("bilinear", 2), {"x": image}, 2).values()
    assert np.isclose(p, tconv.metrics.psnr(up[8:-8, 8:-8], image[8:-8, 8:-8]))
    assert np.isclose(q, structural_similarity(up[8:-8, 8:-8], image[8:-8, 8:-8],
                                               data_range=1.0))


@pytest.mark.parametrize("s", [2, 4])
def test_the_bilinear_start_is_bilinear_upsampling_away_from_the_border(s):
    layer = sr.transposed_layer(s, "bilinear")
    assert layer.weight.data.shape == (1, 1, 3 * s, 3 * s)
    x = RNG.random((1, 1, 10, 10)).astype(np.float32)
    y = layer.forward(x)
    assert y.shape == (1, 1, 10 * s, 10 * s)
    m = s  # bilinear repeats the edge pixel within s//2 cells; the layer pads with zeros
    np.testing.assert_allclose(y[..., m:-m, m:-m],
                               tconv.upsample_bilinear(x, s)[..., m:-m, m:-m], atol=1e-6)
    assert np.allclose(phase_sums(sr.as_kernel(layer, s), s), 1)


def test_the_random_start_keeps_pytorchs_draw():
    layer = sr.transposed_layer(2, "random", seed=3)
    bound = 1 / np.sqrt(36)  # fan-in of a 1 -> 1 transposed convolution with a 6×6 kernel
    assert np.all(np.abs(layer.weight.data) <= bound)
    same = nn.ConvTranspose2d(1, 1, 6, stride=2, padding=2, bias=False, rng=3)
    np.testing.assert_array_equal(layer.weight.data, same.weight.data)


def test_the_icnr_start_is_a_convolution_then_nearest_upsampling():
    model = sr.subpixel_layer(2, seed=1)
    x = RNG.random((1, 1, 8, 8)).astype(np.float32)
    w = model[0].weight.data
    np.testing.assert_allclose(model.forward(x),
                               tconv.upsample_nearest(tconv.conv2d(x, w[:1], padding=1), 2),
                               atol=1e-6)


@pytest.mark.parametrize("s", [2, 4])
def test_as_kernel_computes_what_each_model_computes(s):
    x = RNG.random((1, 1, 7, 7)).astype(np.float32)
    models = sr.make_models(s, seed=2)
    assert tuple(models) == sr.STARTS
    for model in models.values():
        kernel = sr.as_kernel(model, s)
        assert kernel.shape == (3 * s, 3 * s)
        np.testing.assert_allclose(tconv.conv_transpose2d(x[0, 0], kernel, stride=s, padding=s),
                                   model.forward(x)[0, 0], atol=1e-5)


def test_train_lowers_the_loss_is_reproducible_and_records_the_curve():
    photo = data.sample_image("grace_hopper")
    runs = []
    for _ in range(2):
        model = sr.transposed_layer(2, "random", seed=0)
        losses, curve = sr.train(model, photo, 2, steps=50, seed=1, watch=BLOCKY, every=25)
        runs.append((losses, model.weight.data.copy()))
    assert losses[-10:].mean() < losses[:10].mean() / 2
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert curve[:, 0].tolist() == [0, 25, 50]
    final = sr.scores(model.forward, {"b": BLOCKY}, 2)["b"][0]
    assert np.isclose(curve[-1, 1], final)
    _, none = sr.train(sr.transposed_layer(2, "random"), photo, 2, steps=2)
    assert none.shape == (0, 2)


def test_spread_is_the_mean_and_sample_standard_deviation():
    s = sr.Spread.of([1.0, 2.0, 4.0])
    assert s.mean == pytest.approx(7 / 3) and s.std == pytest.approx(np.std([1, 2, 4], ddof=1))
    assert (s.low, s.high) == (1.0, 4.0)
    assert s.text(1) == f"{7 / 3:.1f} ± {np.std([1, 2, 4], ddof=1):.1f}"
    assert sr.Spread.of([3.0]).std == 0


def test_seed_study_trains_every_start_from_every_seed():
    photo = data.sample_image("grace_hopper")
    tests = {"blocky": BLOCKY, "mri": data.sample_image("mri")[96:160, 96:160]}
    study = sr.seed_study(photo, tests, 2, [0, 1], steps=10, watch="mri")
    assert study.seeds == (0, 1) and study.tests == ("blocky", "mri")
    assert set(study.psnr) == {*sr.FIXED, *sr.STARTS}
    for name in study.psnr:
        assert study.psnr[name].shape == study.ssim[name].shape == (2, 2)
    for name in sr.FIXED:  # the fixed upsamplers do not depend on the seed
        assert np.all(study.psnr[name][0] == study.psnr[name][1])
    assert study.psnr["nearest"][0, 0] == np.inf
    np.testing.assert_array_equal(study.gain(sr.STARTS[0], "mri"),
                                  study.psnr[sr.STARTS[0]][:, 1] - study.psnr["bilinear"][:, 1])
    # the bilinear and ICNR starts have equal phase sums; the random start does not
    assert np.allclose(study.start_sums[sr.STARTS[0]], 1)
    icnr = study.start_sums[sr.STARTS[2]]
    assert np.allclose(icnr, icnr[:, :1, :1])
    assert np.ptp(study.start_sums[sr.STARTS[1]][0]) > 0.05
    # the first seed's models and curves are kept; its curve watched the MRI crop
    assert set(study.models) == set(study.history) == set(sr.STARTS)
    losses, curve = study.history[sr.STARTS[1]]
    assert len(losses) == 10 and curve[-1, 1] == pytest.approx(study.psnr[sr.STARTS[1]][0, 1])
    table = sr.results_table(study)
    assert table.count("<tr>") == 1 + len(study.psnr) and table.count(" ± ") == 3 * 4


def test_the_chapter_figures_draw_what_they_are_given():
    photo = data.sample_image("grace_hopper")
    tests = {"MRI": data.sample_image("mri"), "gift": data.sample_image("gift")}
    y = data.random_patches(photo, 48, 4, rng=0)
    fig = sr.data_figure(photo, tests, data.downsample_box(y, 2), y)
    assert len(fig.axes) == 5 and len(fig.axes[0].patches) == 6
    models = sr.make_models(2)
    small = data.downsample_box(tests["MRI"][None, None], 2)
    fig = sr.start_figure(tests["MRI"], {n: m.forward(small) for n, m in models.items()})
    assert len(fig.axes) == 4
    history = {"a": (np.ones(40), np.array([[0, 20.0], [40, 30.0]]))}
    fig = sr.curves_figure(history, {"bilinear": 25.0, "nearest": 24.0})
    assert fig.axes[1].get_ylim() == (22.0, 31.0)
    ups = {"nearest": sr.fixed_upsampler("nearest", 2)}
    fig = sr.crops_figure(tests, ups, {"nearest": {"MRI": 30.0, "gift": 24.0}})
    assert fig.axes[1].get_title() == "nearest\n30.00 dB"
    fig = sr.kernels_figure({"k": np.eye(3)})
    assert len(fig.axes[0].texts) == 9


@pytest.mark.parametrize("call, error, match", [
    (lambda: sr.fixed_upsampler("bicubic", 2), ValueError, "name must be one of"),
    (lambda: sr.transposed_layer(2, "zeros"), ValueError, "start must be"),
    (lambda: sr.transposed_layer(1), ValueError, "scale must be"),
    (lambda: sr.transposed_layer(3, "bilinear"), ValueError, "even scale"),
    (lambda: sr.as_kernel(nn.ReLU(), 2), TypeError, "model must be"),
    (lambda: sr.upscale(sr.fixed_upsampler("nearest", 2), np.ones(4), 2), ValueError,
     r"\(H, W\)"),
    (lambda: sr.seed_study(np.ones((64, 64)), {}, 2, []), ValueError, "seeds"),
    (lambda: sr.Spread.of([]), ValueError, "empty"),
])
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
