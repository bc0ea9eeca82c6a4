"""The round trip, the max-unpooling stepper, the method picker and the figures of
tconv.book.fixed_upsampling.

Oracles: properties each upsampler has by definition (nearest undoes block means of an image
that is constant on blocks; bed of nails keeps one value per block; max-unpooling keeps each
block's maximum where it was), window maxima found directly with numpy, the static player's
DOM contract (as test_player.py pins it), and PNG decoding by Pillow.
"""

from __future__ import annotations

import io
import json
import re

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from tconv.book import data, fixed_upsampling
from tconv.metrics import psnr
from tconv.upsample import bed_of_nails, upsample_bilinear, upsample_nearest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

EXAMPLES = settings(max_examples=25, deadline=None)
GRID = np.array([[1, 5, 2, 0], [3, 4, 8, 6], [7, 2, 1, 1], [0, 9, 3, 4]])


def _data(html: str) -> dict:
    """The data the players' module draws, from an object's text/html copy."""
    return json.loads(re.search(r'<script type="application/json" class="tconv-data">(.*?)'
                                r"</script>", html).group(1))


def _captions(html: str) -> list[str]:
    return _data(html)["captions"]


# round_trip --------------------------------------------------------------------------------

@EXAMPLES
@given(low=arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 4)),
                  elements=st.floats(0, 1)), f=st.integers(1, 4))
def test_nearest_round_trip_is_exact_on_blocky_images(low, f):
    image = np.kron(low, np.ones((f, f)))  # constant on every f×f block
    got_low, up = fixed_upsampling.round_trip(image, "nearest", f)
    np.testing.assert_allclose(got_low, low, atol=1e-12)
    np.testing.assert_allclose(up, image, atol=1e-12)


@EXAMPLES
@given(x=arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 3)).map(
    lambda s: (4 * s[0], 4 * s[1])), elements=st.floats(0, 1)), f=st.sampled_from([1, 2, 4]))
def test_every_method_returns_the_shapes_and_keeps_what_it_promises(x, f):
    h, w = x.shape
    blocks = x.reshape(h // f, f, w // f, f)
    for method in fixed_upsampling.METHODS:
        low, up = fixed_upsampling.round_trip(x, method, f)
        assert low.shape == (h // f, w // f) and up.shape == x.shape
    low, up = fixed_upsampling.round_trip(x, "bed_of_nails", f)
    np.testing.assert_allclose(low, blocks.mean(axis=(1, 3)), atol=1e-12)
    np.testing.assert_array_equal(up[::f, ::f], low)
    assert np.count_nonzero(np.delete(up.reshape(-1), np.arange(up.size).reshape(up.shape)
                                      [::f, ::f].ravel())) == 0
    low, up = fixed_upsampling.round_trip(x, "max_unpool", f)
    np.testing.assert_array_equal(low, blocks.max(axis=(1, 3)))
    # each block of the result holds its maximum, at a cell where x has it, and zeros
    ub = up.reshape(h // f, f, w // f, f)
    np.testing.assert_array_equal(ub.max(axis=(1, 3)), np.maximum(low, 0))
    assert np.all((up == x) | (up == 0))


def test_bilinear_round_trip_keeps_a_constant_image_and_align_corners_changes_it():
    x = np.full((8, 8), 0.25)
    assert np.allclose(fixed_upsampling.round_trip(x, "bilinear", 4)[1], 0.25)
    ramp = np.tile(np.arange(8.0), (8, 1)) / 8
    a = fixed_upsampling.round_trip(ramp, "bilinear", 2)[1]
    b = fixed_upsampling.round_trip(ramp, "bilinear", 2, align_corners=True)[1]
    assert not np.allclose(a, b)
    # block means of a ramp sit at the block centres: align_corners=False puts them back
    np.testing.assert_allclose(a[:, 1:-1], ramp[:, 1:-1], atol=1e-12)


def test_round_trip_accepts_integers_and_measures_an_ordering_on_a_photo():
    x = (np.arange(64).reshape(8, 8) % 7).astype(np.int64)
    assert fixed_upsampling.round_trip(x, "nearest", 2)[1].dtype == np.float64
    photo = data.sample_image("mri")[64:192, 64:192].astype(np.float64)
    scores = {m: psnr(fixed_upsampling.round_trip(photo, m, 4)[1], photo)
              for m in fixed_upsampling.METHODS}
    assert scores["bilinear"] > scores["nearest"] > scores["bed_of_nails"]
    assert scores["nearest"] > scores["max_unpool"]


def test_round_trip_errors_name_the_argument():
    with pytest.raises(ValueError, match="method must be one of"):
        fixed_upsampling.round_trip(np.zeros((4, 4)), "bicubic", 2)
    with pytest.raises(ValueError, match=r"divisible by factor \(3\)"):
        fixed_upsampling.round_trip(np.zeros((4, 4)), "nearest", 3)
    with pytest.raises(ValueError, match="factor must be positive"):
        fixed_upsampling.round_trip(np.zeros((4, 4)), "nearest", 0)
    with pytest.raises(ValueError, match="image must have shape"):
        fixed_upsampling.round_trip(np.zeros((1, 4, 4)), "nearest", 2)
    with pytest.raises(ValueError, match="align_corners=True only applies to bilinear"):
        fixed_upsampling.round_trip(np.zeros((4, 4)), "nearest", 2, align_corners=True)
    with pytest.raises(TypeError, match="align_corners must be True or False"):
        fixed_upsampling.round_trip(np.zeros((4, 4)), "bilinear", 2, align_corners=1)
    with pytest.raises(TypeError, match="image must be a numeric array"):
        fixed_upsampling.round_trip([["a"]], "nearest", 1)


# MaxUnpoolStepper ----------------------------------------------------------------------------

def test_stepper_frames_pool_every_window_then_unpool_every_value():
    s = fixed_upsampling.MaxUnpoolStepper(GRID)
    assert s.error is None and len(s) == 2 * 4 + 2
    html = s.to_html()
    assert _data(html)["kind"] == "frames" and len(_data(html)["frames"]) == 10
    caps = _captions(html)
    assert len(caps) == 10
    # the maxima and their flat indices, found directly: window (0,0) max 5 at (0,1) -> 1, ...
    for step, (v, r, c) in enumerate([(5, 0, 1), (8, 1, 2), (9, 3, 1), (4, 3, 3)], start=1):
        assert f"its maximum is x[{r},{c}] = {v}" in caps[step]
        assert f"= {r * 4 + c}." in caps[step]
        assert f"= {v} goes to index {r * 4 + c}" in caps[4 + step]
    assert "4 of the 16 output cells hold a maximum" in caps[-1]
    assert "the other 12 are 0" in caps[-1]


@EXAMPLES
@given(x=arrays(np.int64, st.tuples(st.integers(2, 6), st.integers(2, 6)),
                elements=st.integers(-9, 9)),
       k=st.integers(1, 3), s=st.integers(1, 3))
def test_stepper_captions_name_the_first_maximum_of_each_window(x, k, s):
    st_ = fixed_upsampling.MaxUnpoolStepper(x, k, s, max_steps=100)
    if k > min(x.shape):
        assert st_.error and "kernel_size" in st_.error
        return
    ho, wo = (x.shape[0] - k) // s + 1, (x.shape[1] - k) // s + 1
    assert len(st_) == 2 * ho * wo + 2
    for n in range(ho * wo):
        i, j = divmod(n, wo)
        window = x[i * s:i * s + k, j * s:j * s + k]
        r, c = np.unravel_index(np.argmax(window), window.shape)  # numpy: first maximum wins
        r, c = r + i * s, c + j * s
        assert f"its maximum is x[{r},{c}] = {x[r, c]}" in st_.caption(n + 1)
        assert f"goes to index {r * x.shape[1] + c}," in st_.caption(ho * wo + n + 1)
    # the result frame shows the library's unpooled output, the input's shape
    assert st_.output.shape == x.shape


def test_stepper_reports_ties_and_shows_the_running_output():
    x = np.array([[2, 2], [1, 0]])
    s = fixed_upsampling.MaxUnpoolStepper(x)
    assert "2 cells share the maximum; the first in reading order wins" in s.caption(1)
    last = s.frame(len(s) - 1)
    # the output grid of the last frame: 2 at (0, 0), zeros elsewhere
    out = last.split("unpooled output")[1]
    assert re.findall(r"<td[^>]*>(-?\d+)", out) == ["2", "0", "0", "0"]
    # frame 0 shows no pooled numbers yet, the pooling frames no output numbers
    assert re.findall(r"<td[^>]*>(\d+)", s.frame(0).split("input x")[1].split("pooled")[1]) == []


def test_stepper_handles_odd_sizes_and_overlapping_windows():
    x = np.arange(25).reshape(5, 5)
    s = fixed_upsampling.MaxUnpoolStepper(x, 2)
    assert s.error is None and s.output.shape == (5, 5)
    assert s.output[4].sum() == 0 and s.output[:, 4].sum() == 0  # never in a window
    o = fixed_upsampling.MaxUnpoolStepper(np.array([[1, 3, 2], [0, 0, 0]]), kernel_size=2, stride=1)
    assert o.error is None
    np.testing.assert_array_equal(o.output, [[0, 3, 0], [0, 0, 0]])  # both windows pick 3


def test_stepper_errors_are_shown_not_raised():
    for args, pattern in [((np.zeros((2, 2, 2)),), "x must have shape"),
                          ((GRID, 5), "kernel_size"),
                          ((GRID, 2, 0), "stride must be positive"),
                          ((np.zeros((14, 14)), 2), "more than a stepper shows"),
                          ((np.zeros((60, 60)), 60), "this player would draw 7200 grid cells")]:
        s = fixed_upsampling.MaxUnpoolStepper(*args)
        assert s.error and re.search(pattern, s.error)
        html = s.to_html()
        assert 'class="tconv-error" role="alert"' in html
        assert 'class="tconv-player' not in html and len(s) == 0


def test_stepper_static_player_is_small_and_checks_its_options():
    s = fixed_upsampling.MaxUnpoolStepper(np.arange(36).reshape(6, 6) % 7, 2)
    data = s.data()
    assert len(json.dumps(data).encode()) < 150_000 and len(data["frames"]) == 2 * 9 + 2
    assert data["interval"] == 900 and data == _data(s.to_html())
    for kw, error in [(dict(interval="fast"), TypeError), (dict(fmt="%d"), ValueError),
                      (dict(max_steps=0), ValueError)]:
        with pytest.raises(error):
            fixed_upsampling.MaxUnpoolStepper(GRID, **kw)


# UpsamplePicker --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def crop():
    return data.sample_image("grace_hopper")[168:264, 184:280]


def test_picker_prerenders_every_method_and_factor_with_its_psnr(crop):
    picker = fixed_upsampling.UpsamplePicker(crop)
    html = picker.to_html()
    data = _data(html)
    assert len(data["frames"]) == 4 * 3 and list(data["params"]) == ["method", "factor"]
    assert len(json.dumps(data).encode()) < 150_000
    caps = _captions(html)
    for k, (m, f) in enumerate([(m, f) for m in fixed_upsampling.METHODS for f in (2, 4, 8)]):
        want = psnr(fixed_upsampling.round_trip(crop, m, f)[1], crop)
        assert caps[k].startswith(fixed_upsampling.METHOD_NAMES[m] + f" ×{f}:")
        assert f"{want:.1f} dB" in caps[k]
        assert k == picker.index(method=m, factor=f)


def test_picker_shows_a_factor_that_does_not_divide_as_an_error_frame(crop):
    picker = fixed_upsampling.UpsamplePicker(crop, methods=["nearest"], factors=[2, 5])
    frame, caption = picker.frame_and_caption(method="nearest", factor=5)
    assert "tconv-error" in frame and "divisible by factor (5)" in caption


def test_picker_rejects_unknown_methods_and_bad_images(crop):
    with pytest.raises(ValueError, match="methods must be a non-empty list"):
        fixed_upsampling.UpsamplePicker(crop, methods=["bicubic"])
    with pytest.raises(ValueError, match="image must have shape"):
        fixed_upsampling.UpsamplePicker(crop[None])
    with pytest.raises(ValueError, match="image has 200×200 pixels, more than a picker"):
        fixed_upsampling.UpsamplePicker(np.zeros((200, 200)))
    with pytest.raises(ValueError, match="image must not have an empty dimension"):
        fixed_upsampling.UpsamplePicker(np.zeros((0, 4)))
    with pytest.raises(ValueError, match="image must hold finite grey levels"):
        fixed_upsampling.UpsamplePicker(np.full((8, 8), np.nan))


def test_png_bytes_decode_to_the_grey_levels():
    from PIL import Image

    x = np.linspace(0, 1, 12).reshape(3, 4)
    got = np.asarray(Image.open(io.BytesIO(fixed_upsampling.png_bytes(x))))
    np.testing.assert_array_equal(got, np.round(x * 255).astype(np.uint8))
    assert np.asarray(Image.open(io.BytesIO(fixed_upsampling.png_bytes(x * 3 - 1)))).max() == 255


# Figures -------------------------------------------------------------------------------------

def test_image_row_draws_one_axis_per_image():
    fig = fixed_upsampling.image_row([np.zeros((4, 4)), np.ones((2, 2))], ["a", "b"])
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    plt.close(fig)
    with pytest.raises(ValueError, match="titles must name each of the 2 images"):
        fixed_upsampling.image_row([np.zeros((4, 4)), np.ones((2, 2))], ["a"])


def test_sample_points_figure_marks_the_library_coordinates():
    fig = fixed_upsampling.sample_points_figure(4, 8)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[0].endswith("0.00, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.25")
    assert "0.43" in titles[1] and titles[1].endswith("3.00")
    plt.close(fig)


def test_live_widgets_show_the_same_frames_as_the_static_players(crop):
    stepper = fixed_upsampling.MaxUnpoolStepper(GRID)
    assert stepper.widget.data == _data(stepper.to_html())  # one module draws both
    assert "Unpooling step 2 of 4" in stepper.widget.data["captions"][6]
    picker = fixed_upsampling.UpsamplePicker(crop, methods=["nearest", "max_unpool"],
                                             factors=[2, 4])
    assert picker.widget.data == _data(picker.to_html())
    picker.widget.state = {"settings": {"method": 1, "factor": 1}}  # the reader's choice
    assert picker.settings() == {"method": "max_unpool", "factor": 4}
    want = psnr(fixed_upsampling.round_trip(crop, "max_unpool", 4)[1], crop)
    frame = picker.index(**picker.settings())
    assert picker.widget.data["captions"][frame] == (
        f"max-unpooling ×4: 24×24 → 96×96; PSNR against the original {want:.1f} dB.")


# The fixed upsamplers as transposed convolutions ---------------------------------------------

def test_border_distance_counts_cells_to_the_nearest_edge():
    got = fixed_upsampling.border_distance((4, 7))
    want = [[min(r, 3 - r, c, 6 - c) for c in range(7)] for r in range(4)]
    np.testing.assert_array_equal(got, want)
    assert fixed_upsampling.border_distance(1).tolist() == [[0]]


@EXAMPLES
@given(x=arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
                elements=st.floats(0.1, 1)), s=st.integers(1, 6))
def test_nearest_and_bed_of_nails_are_transposed_convolutions_and_bilinear_is_one_inside(x, s):
    # the library's upsamplers are the oracle; the transposed convolution must match them
    near = fixed_upsampling.as_transposed_conv(x, "nearest", s)
    nails = fixed_upsampling.as_transposed_conv(x, "bed_of_nails", s)
    tent = fixed_upsampling.as_transposed_conv(x, "bilinear", s)
    np.testing.assert_allclose(near, upsample_nearest(x, s), atol=1e-12)
    np.testing.assert_allclose(nails, bed_of_nails(x, s), atol=1e-12)
    bilinear = upsample_bilinear(x, s)
    assert tent.shape == bilinear.shape
    inside = fixed_upsampling.border_distance(bilinear.shape) >= s // 2
    np.testing.assert_allclose(tent[inside], bilinear[inside], atol=1e-12)
    # on a positive image the band differs everywhere: the tent blends with zeros beyond it
    if min(x.shape) > 1:
        assert np.all(tent[~inside] < bilinear[~inside] - 1e-9)


def test_as_transposed_conv_checks_its_arguments():
    assert fixed_upsampling.as_transposed_conv([[1, 2]], "nearest", 2).dtype == np.int64
    assert fixed_upsampling.as_transposed_conv([[1, 2]], "bilinear", 2).dtype == np.float64
    with pytest.raises(ValueError, match="mode must be one of"):
        fixed_upsampling.as_transposed_conv(np.ones((2, 2)), "max_unpool", 2)
    with pytest.raises(ValueError, match=r"image must have shape \(H, W\)"):
        fixed_upsampling.as_transposed_conv(np.ones((1, 2, 2)), "nearest", 2)


def test_tent_border_figure_draws_both_rows_and_the_band():
    x = np.linspace(0.2, 1, 36).reshape(6, 6)
    fig = fixed_upsampling.tent_border_figure(x, 4)
    corner, profile = fig.axes[0], fig.axes[1]
    shown = corner.images[0].get_array()
    assert shown.shape == (16, 16)
    # inside the band of 2 cells the difference is 0, in it it is not
    assert np.allclose(shown[2:, 2:], 0) and np.all(shown[:2, :] > 0)
    lines = {line.get_label(): line.get_ydata() for line in profile.get_lines()}
    np.testing.assert_allclose(lines["upsample_bilinear"], upsample_bilinear(x, 4)[12])
    plt.close(fig)
    with pytest.raises(ValueError, match="factor must be at least 2"):
        fixed_upsampling.tent_border_figure(x, 1)
