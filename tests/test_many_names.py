"""The many-names companion (tconv.book.many_names): the Cᵀ-row stepper's data and errors,
and the noise study of undoing a blur.

Oracles: ``tconv.conv_transpose2d`` and ``tconv.gather`` / ``conv_matrix`` (tested in their
own files); for the noise study numpy's pseudo-inverse and SVD of that matrix. The numbers
each frame shows are checked in the browser (tests/test_browser_players.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from tconv.book.many_names import MatrixRowStepper, noise_study, noise_table, rms
from tconv.views import conv_matrix
from test_player import assert_self_contained, find, parse_html

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(autouse=True)
def live_widgets(monkeypatch):
    monkeypatch.delenv("TCONV_STATIC", raising=False)


# The Cᵀ-row stepper (its frames are drawn by the players' module: tests/test_browser_players.py)

CASES = {
    "article": ([[0, 1], [2, 3]], [[0, 1], [2, 3]], {}),
    "stride 2, padding 1": (np.arange(1, 5).reshape(2, 2), np.arange(1, 10).reshape(3, 3),
                            {"stride": 2, "padding": 1}),
    "output_padding": ([[1, 2], [3, 4]], [[1, -1], [2, 1]], {"stride": 2, "output_padding": 1}),
    # output_padding >= stride: x counts as 0 in the rows the conv of the output adds
    "dilation > stride": ([[1, 2]], [[1], [2]],
                          {"stride": 1, "dilation": (3, 1), "output_padding": (2, 0)}),
}


@pytest.mark.parametrize("name", CASES)
def test_the_whole_matrix_gives_the_transposed_convolution(name):
    x, kernel, kw = CASES[name]
    view = MatrixRowStepper(x, kernel, **kw)
    out = tconv.conv_transpose2d(np.asarray(x), np.asarray(kernel), **kw)
    assert len(view) == out.size
    np.testing.assert_array_equal(view.CT @ view.x_padded.ravel(), out.ravel())
    np.testing.assert_array_equal(view.CT, conv_matrix(out.shape, kernel, kw.get("stride", 1),
                                                       kw.get("padding", 0),
                                                       kw.get("dilation", 1)).T)
    (H, Wx), W = np.shape(x), view.x_padded.shape[1]
    for i, (r, c) in enumerate(np.ndindex(*out.shape)):  # row i: the gathered terms' columns
        terms = tconv.gather(x, kernel, (r, c), **kw)
        on_x = {j for j in np.flatnonzero(view.CT[i]) if j // W < H and j % W < Wx}
        assert on_x <= {a * W + b for a, b in (t.input_index for t in terms)}


def test_a_cell_no_copy_covers_has_an_all_zero_row():
    # stride 3 with a 2x2 kernel leaves a gap row and column
    view = MatrixRowStepper([[1, 2], [3, 4]], [[1, 1], [1, 1]], stride=3)
    assert not view.CT[2 * 5 + 0].any()  # out[2, 0], in the gap


def test_row_stepper_hands_the_module_its_view_and_stays_within_the_budget():
    view = MatrixRowStepper([[0, 1], [2, 3]], [[0, 1], [2, 3]])
    d = view.data()
    assert d["views"] == ["rows"] and d["max_cells"] == 36 and len(view) == 9
    html = view.to_html()
    assert_self_contained(html)
    bundle = view._repr_mimebundle_()
    assert WIDGET_VIEW in bundle and view.widget.data == d


@pytest.mark.parametrize("kwargs, message", [
    ({"stride": 2, "output_padding": 2},
     "output_padding (2) must be smaller than stride (2) or dilation (1)"),
    ({"padding": 3}, "padding (3) crops away the whole output"),
    ({"stride": 0}, "stride must be positive, got 0"),
])
def test_row_stepper_invalid_settings_show_the_library_message(kwargs, message):
    view = MatrixRowStepper([[0, 1], [2, 3]], [[0, 1], [2, 3]], **kwargs)
    assert view.error.startswith(message) and len(view) == 0
    (box,) = find(parse_html(view.to_html()), "div", "tconv-error")
    assert message in box.text
    assert view.widget.data == {"kind": "error", "message": view.error}


def test_row_stepper_refuses_an_output_too_large_to_show():
    view = MatrixRowStepper(np.ones((5, 5)), np.ones((3, 3)))
    assert view.error == ("the output has 49 cells, more than this view shows (max_cells=36); "
                          "use a smaller input or kernel")
    assert MatrixRowStepper(np.ones((5, 5)), np.ones((3, 3)), max_cells=49).error is None


# Undoing a blur, with noise -------------------------------------------------------------------

BLUR = np.outer([1, 2, 1], [1, 2, 1]) / 16


@pytest.fixture(scope="module")
def study():
    image = np.random.default_rng(7).uniform(0, 1, (9, 10))
    return image, noise_study(image, BLUR, 0.01, (1e-3, 1e-2, 1e-1), seeds=(0, 1, 2))


def test_noise_study_measures_the_blurs_matrix(study):
    image, st = study
    s = np.linalg.svd(conv_matrix(image.shape, BLUR, padding=2), compute_uv=False)
    assert st.condition == pytest.approx(np.linalg.cond(conv_matrix(image.shape, BLUR,
                                                                    padding=2)))
    assert st.worst_gain == pytest.approx(1 / s.min())
    assert st.typical_gain == pytest.approx(np.sqrt(np.mean(1 / s**2)))
    assert st.condition > 100  # this blur is ill-conditioned: the study has a point


def test_noise_study_least_squares_is_exact_without_noise_and_c_pinv_times_noise_with(study):
    image, st = study
    assert st.clean_error < 1e-10
    pinv = np.linalg.pinv(conv_matrix(image.shape, BLUR, padding=2))
    for seed, error in zip((0, 1, 2), st.least_squares_error, strict=True):
        noise = np.random.default_rng(seed).normal(0.0, 0.01, (11, 12))
        assert error == pytest.approx(rms(pinv @ noise.ravel()), rel=1e-6)
        assert error > 10 * 0.01  # the noise comes back magnified


def test_noise_study_ridge_errors_follow_the_svd_and_beat_least_squares(study):
    image, st = study
    U, s, Vt = np.linalg.svd(conv_matrix(image.shape, BLUR, padding=2), full_matrices=False)
    y = tconv.conv2d(image, BLUR, padding=2)
    for alpha, errors in st.ridge_error.items():
        for seed, error in zip((0, 1, 2), errors, strict=True):
            noisy = y + np.random.default_rng(seed).normal(0.0, 0.01, y.shape)
            fit = Vt.T @ ((s / (s**2 + alpha)) * (U.T @ noisy.ravel()))
            assert error == pytest.approx(rms(fit - image.ravel()), rel=1e-6)
    assert st.best_alpha == min(st.ridge_error, key=lambda a: sum(st.ridge_error[a]))
    assert max(st.ridge_error[st.best_alpha]) < min(st.least_squares_error)
    noisy = st.examples["noisy"]
    assert st.blurred_error[0] == pytest.approx(rms(noisy[1:-1, 1:-1] - image))
    assert rms(st.examples["ridge"] - image) == pytest.approx(st.ridge_error[st.best_alpha][0])
    assert rms(st.examples["least squares"] - image) == pytest.approx(
        st.least_squares_error[0])


def test_noise_table_has_a_line_per_estimate_with_mean_and_spread(study):
    _, st = study
    lines = noise_table(st).text().splitlines()
    assert len(lines) == 2 + 2 + 3 and "over 3 noise draws" in lines[0]
    assert lines[3].startswith("| least squares | ")
    mean, spread = (float(v) for v in lines[3].strip(" |").split(" | ")[1].split(" ± "))
    assert mean == pytest.approx(np.mean(st.least_squares_error), abs=5e-4)
    assert spread == pytest.approx(np.std(st.least_squares_error), abs=5e-4)
    assert lines[5].startswith("| Tikhonov, α = 0.01 | ")


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    (dict(kernel=np.ones((2, 3))), ValueError, r"kernel must have odd sides, got shape \(2, 3\)"),
    (dict(sigma=0), ValueError, "sigma must be a positive number, got 0"),
    (dict(sigma="0.1"), ValueError, "sigma must be a positive number"),
    (dict(alphas=()), ValueError, "alphas and seeds must each hold at least one value"),
    (dict(image=np.ones(5)), ValueError, r"image must have shape \(H, W\)"),
    (dict(image=[["a"]]), TypeError, "image must be a numeric array"),
    (dict(alphas=(0,)), ValueError, "alpha must be a positive finite number"),
])
def test_noise_study_refuses_bad_arguments(kwargs, error, message):
    args = dict(image=np.ones((5, 5)), kernel=BLUR, sigma=0.1, alphas=(0.1,)) | kwargs
    with pytest.raises(error, match=message):
        noise_study(**args)
