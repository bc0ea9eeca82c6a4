"""The many-names companion (tconv.book.many_names): the Cᵀ-row stepper in both renderings,
and the noise study of undoing a blur.

Oracles: ``tconv.conv_transpose2d`` and ``tconv.gather`` / ``conv_matrix`` (tested in their
own files); for the noise study numpy's pseudo-inverse and SVD of that matrix. The numbers
each frame shows are read back out of its HTML.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from tconv.book.many_names import MatrixRowStepper, noise_study, noise_table, rms
from tconv.views import conv_matrix
from test_player import assert_self_contained, find, parse_html
from test_widgets import count_pair_checks, tables

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PLAYER_BUDGET = 150_000


@pytest.fixture(autouse=True)
def live_widgets(monkeypatch):
    monkeypatch.delenv("TCONV_STATIC", raising=False)


# The Cᵀ-row stepper --------------------------------------------------------------------------

def _values(table) -> np.ndarray:
    return np.array([[float(c["text"]) if c["text"] else np.nan for c in row] for row in table])


def _marked(table, cls) -> set[tuple[int, int]]:
    return {(r, c) for r, row in enumerate(table) for c, cell in enumerate(row)
            if cls in cell["cls"]}


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
def test_each_frame_is_one_row_of_ct_times_x_and_its_marks_are_the_scatter_terms(name):
    x, kernel, kw = CASES[name]
    view = MatrixRowStepper(x, kernel, **kw)
    out = tconv.conv_transpose2d(np.asarray(x), np.asarray(kernel), **kw)
    assert len(view) == out.size
    for i in range(len(view)):
        r, c = divmod(i, out.shape[1])
        x_t, k_t, ct_t, out_t = tables(view.frame(i))
        CT, xv = _values(ct_t), _values(x_t)
        assert CT[i] @ xv.ravel() == out[r, c]  # the row times x is the output cell
        terms = tconv.gather(x, kernel, (r, c), **kw)
        assert _marked(x_t, "h") == {t.input_index for t in terms}
        assert _marked(k_t, "h") == {t.kernel_index for t in terms}
        W = xv.shape[1]
        assert _marked(ct_t, "h") == {(i, a * W + b) for a, b in (t.input_index for t in terms)}
        assert _marked(ct_t, "r") | _marked(ct_t, "h") == {(i, j) for j in range(CT.shape[1])}
        assert _marked(out_t, "w") == {(r, c)}
        shown = _values(out_t).ravel()
        np.testing.assert_array_equal(shown[:i + 1], out.ravel()[:i + 1])
        assert np.isnan(shown[i + 1:]).all()  # later cells still blank


def test_the_whole_matrix_gives_the_transposed_convolution():
    x, kernel, kw = CASES["stride 2, padding 1"]
    view = MatrixRowStepper(x, kernel, **kw)
    np.testing.assert_array_equal(view.CT @ view.x_padded.ravel(),
                                  tconv.conv_transpose2d(x, kernel, **kw).ravel())


def test_captions_spell_out_the_row_product():
    view = MatrixRowStepper([[0, 1], [2, 3]], [[0, 1], [2, 3]])
    assert view.caption(4) == (
        "out[1,1] = row 4 of Cᵀ · x = 3·x[0,0] + 2·x[0,1] + 1·x[1,0] + 0·x[1,1] = 4. Row 4 holds "
        "kernel values in columns 0, 1, 2, 3, the inputs whose kernel copies cover out[1,1], "
        "and 0 elsewhere.")
    assert "in column 3," in view.caption(8)


def test_a_cell_no_copy_covers_has_an_all_zero_row():
    # stride 3 with a 2x2 kernel leaves a gap row and column
    view = MatrixRowStepper([[1, 2], [3, 4]], [[1, 1], [1, 1]], stride=3)
    i = 2 * 5 + 0  # out[2, 0], in the gap
    assert not view.CT[i].any()
    assert view.caption(i).startswith("out[2,0] = row 10 of Cᵀ · x = 0: no kernel copy")


def test_row_stepper_static_player_and_live_widget():
    view = MatrixRowStepper([[0, 1], [2, 3]], [[0, 1], [2, 3]])
    html = view.to_html()
    els = parse_html(html)
    (root,) = find(els, "div", "tconv-player")
    assert root.attrs["data-frames"] == "9"
    assert [f.attrs["data-caption"] for f in find(els, "div", "tconv-frame")] == [
        view.caption(i) for i in range(9)]
    assert_self_contained(html)
    assert len(html.encode()) <= PLAYER_BUDGET
    assert WIDGET_VIEW in view._repr_mimebundle_()
    view.slider.value = 4
    assert view.frame_view.value == view.frame(4)


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
    assert message in view.widget.value


def test_row_stepper_refuses_an_output_too_large_to_show():
    view = MatrixRowStepper(np.ones((5, 5)), np.ones((3, 3)))
    assert "the output has 49 cells, more than this view shows" in view.error


def test_row_stepper_checks_its_arguments_once_not_once_per_frame(monkeypatch):
    names = count_pair_checks(monkeypatch)
    view = MatrixRowStepper([[1, 2], [3, 4]], np.arange(9).reshape(3, 3), stride=2, padding=1)
    built = len(names)
    html = view.to_html()
    assert view.error is None and len(view) == 9 and html.count('data-caption=') == 9
    assert names.count("stride") == 3  # check_scatter, conv_matrix, conv_output_size
    # the frames gather from the checked arguments: only each frame's own cell is checked
    assert set(names[built:]) == {"out_index"}



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
