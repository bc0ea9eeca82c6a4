"""Overlap counts, the overlap rule, random upsamplers, spectra and costs (tconv.book.checkerboard).

Oracles: the placements of tconv.placements (an independent loop over input cells), a direct
double loop over input and kernel cells, a longer input (an interior cell's count cannot
change when the input grows; a border cell's must), the phase-means formula for the FFT score
(Parseval over one period), and the output-size formula of tconv.shapes.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tconv import nn
from tconv.book import checkerboard as A

EXAMPLES = settings(max_examples=30, deadline=None)
k_s_p = st.tuples(st.integers(1, 7), st.integers(1, 4), st.integers(0, 3))


def brute_count_1d(n, k, s, p):
    """How many (input cell, kernel cell) pairs land on each output cell, by a double loop."""
    canvas = np.zeros((n - 1) * s + k, np.int64)
    for i in range(n):
        for a in range(k):
            canvas[i * s + a] += 1
    return canvas[p:len(canvas) - p]


# overlap of one layer ------------------------------------------------------------------------

@EXAMPLES
@given(ksp=k_s_p, n=st.integers(1, 9))
def test_1d_count_is_the_number_of_products_landing_on_each_cell(ksp, n):
    k, s, p = ksp
    if (n - 1) * s + k - 2 * p <= 0:
        with pytest.raises(ValueError, match="crops away the whole output"):
            A.overlap_count(n, k, s, p)
        return
    np.testing.assert_array_equal(A.overlap_count(n, k, s, p).count, brute_count_1d(n, k, s, p))


@EXAMPLES
@given(k=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       n=st.tuples(st.integers(1, 5), st.integers(1, 5)), p=st.integers(0, 1))
def test_2d_count_matches_the_placements_and_is_an_outer_product(k, s, n, p):
    p = (min(p, k[0] - 1), min(p, k[1] - 1))
    assume(all((i - 1) * si + ki > 2 * pi for i, si, ki, pi in zip(n, s, k, p, strict=True)))
    o = A.overlap_count(n, k, s, p)
    scatter = tconv.placements(np.ones(n, int), np.ones(k, int), s, p)
    np.testing.assert_array_equal(o.count, scatter.overlap)
    rows, cols = A.overlap_count(n[0], k[0], s[0], p[0]), A.overlap_count(n[1], k[1], s[1], p[1])
    np.testing.assert_array_equal(o.count, np.outer(rows.count, cols.count))
    # a cell is interior when its row and its column are; a cell no product reaches
    # (a hole, when k < s) is interior too, since an endless input leaves it empty as well
    both = np.logical_and.outer(rows.interior, cols.interior)
    np.testing.assert_array_equal(o.interior, both | (o.count == 0))


def test_the_worked_example_k3_s2_alternates_and_its_2d_square_multiplies():
    o = A.overlap_count(4, 3, 2)
    assert o.count.tolist() == [1, 1, 2, 1, 2, 1, 2, 1, 1]
    assert o.interior.tolist() == [False] + [True] * 7 + [False]
    assert o.interior_levels == (1, 2) and not o.even and o.border_levels == (1,)
    assert A.overlap_count((4, 4), 3, 2).interior_levels == (1, 2, 4)


# interior: what an endless input would give ----------------------------------------------------

def _longer(size, layers, m):
    """The overlap with m more input cells on every side, cropped back to the same cells."""
    o = A.stack_overlap(size, layers)
    longer = A.stack_overlap(size + 2 * m, layers)
    shift = m * o.period[0]
    return o, longer.count[shift:shift + len(o.count)]


@EXAMPLES
@given(layers=st.lists(k_s_p, min_size=1, max_size=3), n=st.integers(1, 8))
def test_interior_cells_keep_their_count_when_the_input_grows_border_cells_gain(layers, n):
    layers = [(k, s, min(p, k - 1)) for k, s, p in layers]
    try:
        o, grown = _longer(n, layers, m=8)
    except ValueError:
        return  # padding crops the whole output of this small input: nothing to compare
    np.testing.assert_array_equal(o.count[o.interior], grown[o.interior])
    assert np.all(o.count[~o.interior] < grown[~o.interior])


# the rule --------------------------------------------------------------------------------------

@EXAMPLES
@given(ksp=k_s_p)
def test_rule_interior_is_even_exactly_when_stride_divides_kernel(ksp):
    k, s, p = ksp
    check = A.check_overlap_rule(k, s, p)
    assert check.holds, check
    assert check.even == (k % s == 0)
    assert check.levels == ((k // s,) if k % s == 0 else (k // s, k // s + 1))


@pytest.mark.parametrize("k, s", [(k, s) for k in range(1, 10) for s in range(1, 5)])
def test_rule_borders_are_short_unless_padding_crops_them(k, s):
    for p in range(0, k):
        o = A.overlap_count(3 * k + 6, k, s, p)
        short = max(k - s - p, 0)
        assert A.short_border(k, s, p) == short
        assert not o.interior[:short].any() and o.interior[short]
        assert not o.interior[len(o.count) - short:].any() and o.interior[-1 - short]
        if short:  # those cells get fewer terms than the same phase of the interior
            period_later = o.count[short:short + s]
            assert o.count[0] < period_later.max()


def test_rule_check_reports_a_mismatch():
    bad = A.RuleCheck(3, 2, 0, (2,), (1, 2), (1, 1), 1, 2)
    assert not bad.holds
    # the ends right, but a short cell inside as well
    bad = A.RuleCheck(3, 2, 0, (1, 2), (1, 2), (1, 1), 1, 3)
    assert not bad.holds


@EXAMPLES
@given(layers=st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(0, 1)),
                       min_size=1, max_size=3))
def test_a_stack_of_layers_whose_strides_divide_their_kernels_is_even(layers):
    layers = [(m * s, s, p) for m, s, p in layers]  # k = m * s
    o = A.stack_overlap(12, layers)
    assert o.even, o.count
    assert o.interior_levels == (int(np.prod([k // s for k, s, _ in layers])),)


def test_two_uneven_layers_compound_with_the_product_period():
    o = A.stack_overlap(8, [(3, 2), (3, 2)])
    assert o.period == (4,)
    assert o.interior_levels == (1, 2, 3)
    inner = o.count[o.interior]
    np.testing.assert_array_equal(inner[:-4], inner[4:])  # repeats every 4 cells
    assert A.stack_overlap((8, 8), [(3, 2), (3, 2)]).period == (4, 4)


# upsamplers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", list(A.METHODS))
@pytest.mark.parametrize("scale", [2, 3])
def test_every_layer_upsamples_by_its_scale(method, scale):
    layer = A.upsampling_layer(method, 2, 3, 3, scale, rng=0)
    assert layer(np.zeros((1, 2, 4, 5))).shape == (1, 3, 4 * scale, 5 * scale)
    net = A.random_upsampler(method, 3, scale, layers=2, width=4, rng=0)
    assert net(np.zeros((1, 1, 3, 2))).shape == (1, 1, 3 * scale**2, 2 * scale**2)


@pytest.mark.parametrize("method", list(A.METHODS))
def test_positive_init_keeps_the_magnitudes_of_the_default_draw(method):
    weights = [A.upsampling_layer(method, 2, 2, 3, 2, init=init, rng=7).parameters()[0].data
               for init in A.INITS]
    assert np.all(weights[1] >= 0)
    np.testing.assert_array_equal(np.abs(weights[0]), weights[1])
    assert (weights[0] < 0).any()  # the default draw has both signs


def test_icnr_layer_fills_each_cell_with_one_value():
    y = A.upsampling_layer("subpixel_icnr", 2, 3, 3, 2, rng=1)(np.random.default_rng(2)
                                                               .normal(size=(1, 2, 5, 5)))
    for a in range(2):
        for b in range(2):
            np.testing.assert_allclose(y[..., a::2, b::2], y[..., ::2, ::2], atol=1e-12)


def test_random_subpixel_layer_does_not():
    y = A.upsampling_layer("subpixel", 2, 3, 3, 2, rng=1)(np.ones((1, 2, 5, 5)))
    assert not np.allclose(y[..., 1::2, ::2], y[..., ::2, ::2])


def test_resize_conv_layers_are_resize_then_the_layers_convolution():
    x = np.random.default_rng(3).normal(size=(1, 2, 4, 4))
    for mode, up in [("nearest", tconv.upsample_nearest), ("bilinear", tconv.upsample_bilinear)]:
        layer = A.upsampling_layer(f"{mode}_conv", 2, 3, 3, 2, rng=4)
        w = layer.parameters()[0].data
        np.testing.assert_allclose(layer(x), tconv.conv2d(up(x, 2), w, padding=1), atol=1e-12)


@pytest.mark.parametrize("k", [3, 4])
def test_transposed_conv_on_a_constant_is_periodic_inside_resize_conv_is_flat(k):
    ones = np.ones((1, 1, 10, 10))
    y = A.upsampling_layer("conv_transpose", 1, 1, k, 2, rng=5)(ones)[0, 0, 4:-4, 4:-4]
    np.testing.assert_allclose(y[2:], y[:-2], atol=1e-12)  # period 2
    assert np.ptp(y) > 1e-3  # but not flat
    z = A.upsampling_layer("nearest_conv", 1, 1, 3, 2, rng=5)(ones)[0, 0, 4:-4, 4:-4]
    assert np.ptp(z) < 1e-12


def test_upsample_randomly_is_reproducible_and_seed_dependent():
    x = np.linspace(0, 1, 36).reshape(6, 6)
    a = A.upsample_randomly(x, "conv_transpose", seed=3)
    np.testing.assert_array_equal(a, A.upsample_randomly(x, "conv_transpose", seed=3))
    assert not np.allclose(a, A.upsample_randomly(x, "conv_transpose", seed=4))
    assert a.shape == (24, 24)


# spectra and the score -------------------------------------------------------------------------

def test_a_pure_checkerboard_scores_one_a_constant_zero():
    i, j = np.indices((16, 16))
    assert A.artifact_score((-1.0) ** (i + j), 2) == pytest.approx(1.0)
    assert A.artifact_score(np.full((16, 16), 3.0), 2) == pytest.approx(0.0, abs=1e-15)
    # a smooth wave whose frequency is not a multiple of 1/period scores 0
    assert A.artifact_score(np.cos(2 * np.pi * i / 8), 4) == pytest.approx(0.0, abs=1e-12)


@EXAMPLES
@given(period=st.tuples(st.integers(1, 4), st.integers(1, 4)), seed=st.integers(0, 10**6),
       margin=st.integers(0, 3), scale=st.floats(0.1, 10))
def test_score_equals_the_variance_of_the_phase_means_over_the_mean_square(period, seed, margin,
                                                                          scale):
    x = np.random.default_rng(seed).normal(0.5, 1, (14, 15))
    m = A.phase_means(x, period, margin)
    crop = A.crop_for_period(x, period, margin)
    expected = m.var() / np.mean(crop**2)
    assert A.artifact_score(x, period, margin) == pytest.approx(expected, rel=1e-9)
    assert A.artifact_score(scale * x, period, margin) == pytest.approx(expected, rel=1e-9)
    assert 0 <= expected <= 1


def test_stride_frequencies_mark_one_bin_per_nonzero_phase_frequency():
    mask = A.stride_frequencies((12, 8), (3, 2))
    assert mask.sum() == 3 * 2 - 1 and not mask[0, 0]
    assert set(zip(*np.nonzero(mask), strict=True)) == {(0, 4), (4, 0), (4, 4), (8, 0), (8, 4)}


def test_crop_for_period_removes_the_margin_then_trims_to_whole_periods():
    x = np.arange(11 * 13).reshape(11, 13)
    c = A.crop_for_period(x, 4, margin=1)
    assert c.shape == (8, 8) and c[0, 0] == x[1, 1]


def test_log_power_spectrum_puts_the_mean_in_the_middle():
    x = np.random.default_rng(0).uniform(0.5, 1, (16, 16))
    s = A.log_power_spectrum(x)
    assert s.shape == (16, 16) and np.unravel_index(s.argmax(), s.shape) == (8, 8)


def test_transposed_conv_scores_far_above_resize_conv_on_a_smooth_image():
    i, j = np.indices((16, 16))
    smooth = np.exp(-((i - 7.5) ** 2 + (j - 7.5) ** 2) / 40)
    tc = A.mean_artifact_score(smooth, "conv_transpose", range(3), margin=4)
    rc = A.mean_artifact_score(smooth, "bilinear_conv", range(3), margin=4)
    assert len(tc.scores) == 3 and tc.mean == pytest.approx(np.mean(tc.scores))
    assert tc.mean > 100 * rc.mean


# costs -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("c, k, s", [(1, 3, 2), (8, 4, 2), (5, 4, 3)])
def test_transposed_conv_pays_each_input_value_times_its_kernel(c, k, s):
    cost = A.upsampling_cost("conv_transpose", c, k, s)
    assert cost.macs_per_pixel == c * c * k * k / s**2  # c·c·k² per input pixel, s² outputs
    assert cost.params == c * c * k * k + c


@pytest.mark.parametrize("c, k, s", [(1, 3, 2), (8, 5, 2), (5, 3, 3)])
def test_resize_conv_and_subpixel_pay_a_whole_convolution_per_output_pixel(c, k, s):
    assert A.upsampling_cost("nearest_conv", c, k, s).macs_per_pixel == c * c * k * k
    assert A.upsampling_cost("bilinear_conv", c, k, s).macs_per_pixel == c * c * k * k + 4 * c
    assert A.upsampling_cost("subpixel", c, k, s).macs_per_pixel == c * c * k * k
    assert A.upsampling_cost("subpixel_icnr", c, k, s).params == c * c * s * s * k * k + c * s * s
    assert A.upsampling_cost("nearest_conv", c, k, s).params == c * c * k * k + c


# bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, match", [
    (lambda: A.overlap_count(0, 3, 2), ValueError, "size must be positive"),
    (lambda: A.overlap_count(4, 3, 0), ValueError, "stride must be positive"),
    (lambda: A.overlap_count(4, 3.0, 2), TypeError, "kernel_size must be an integer"),
    (lambda: A.overlap_count((4, 4, 4), 3, 2), ValueError, "size must be an integer"),
    (lambda: A.overlap_count((4, 4), (3, 3, 3), 2), ValueError, "kernel_size must be an int"),
    (lambda: A.overlap_count(2, 1, 1, 1), ValueError, "crops away the whole output"),
    (lambda: A.stack_overlap(4, []), ValueError, "layers must be a non-empty list"),
    (lambda: A.stack_overlap(4, [(3,)]), ValueError, "layer 0 must be"),
    (lambda: A.stack_overlap(4, [(3, 2), 5]), ValueError, "layer 1 must be"),
    (lambda: A.interior_levels(0, 2), ValueError, "kernel_size must be positive"),
    (lambda: A.short_border(3, 2, -1), ValueError, "padding must be non-negative"),
    (lambda: A.check_overlap_rule(3, "2"), TypeError, "stride must be an integer"),
    (lambda: A.upsampling_layer("deconv", 1, 1), ValueError, "method must be one of"),
    (lambda: A.upsampling_layer("subpixel", 1, 1, init="zeros"), ValueError, "init must be"),
    (lambda: A.upsampling_layer("nearest_conv", 1, 1, 4), ValueError, "must be odd"),
    (lambda: A.random_upsampler("subpixel", layers=0), ValueError, "layers must be positive"),
    (lambda: A.upsample_randomly(np.ones((1, 4, 4)), "subpixel"), ValueError, r"\(H, W\)"),
    (lambda: A.crop_for_period(np.ones((8, 8)), 4, 3), ValueError, "less than one period"),
    (lambda: A.stride_frequencies((8, 6), 4), ValueError, "whole periods"),
    (lambda: A.artifact_score(np.zeros((4, 4)), 2), ValueError, "all zeros"),
    (lambda: A.artifact_score(np.ones(8), 2), ValueError, r"\(H, W\)"),
    (lambda: A.artifact_score([["a"]], 1), TypeError, "numeric"),
    (lambda: A.mean_artifact_score(np.ones((4, 4)), "subpixel", 3), ValueError, "seeds"),
    (lambda: A.mean_artifact_score(np.ones((4, 4)), "subpixel", []), ValueError, "seeds"),
    (lambda: A.upsampling_cost("subpixel", 0), ValueError, "channels must be positive"),
    (lambda: A.upsampling_cost("bilinear_conv", 4, 2), ValueError, "must be odd"),
])
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_icnr_from_tconv_nn_is_the_one_used():
    layer = A.upsampling_layer("subpixel_icnr", 1, 2, 3, 2, rng=0)
    w = layer.parameters()[0].data
    np.testing.assert_array_equal(w, nn.icnr(w, 2))


# the chapter's rule table and phase sums ---------------------------------------------------

def test_rule_checks_cover_the_range_and_all_hold():
    checks = A.rule_checks(max_kernel=6, max_stride=3, max_padding=2)
    assert len(checks) == 6 * 3 * 3
    assert {(c.kernel_size, c.stride, c.padding) for c in checks} == {
        (k, s, p) for k in range(1, 7) for s in range(1, 4) for p in range(3)}
    assert all(c.holds for c in checks)
    # exactly max(0, k - s - p) short cells at each end, divisible or not
    assert all(c.border_cells == 2 * max(0, c.kernel_size - c.stride - c.padding)
               for c in checks)


def test_rule_table_has_a_row_per_setting_with_the_measured_values():
    table = A.rule_table([(4, 2), (3, 2)], paddings=(0, 1)).splitlines()
    assert len(table) == 4 and table[0].count("short cells per end") == 2
    assert table[2] == "| 4 | 2 | 2 | yes | 2 | 1 |"
    assert table[3] == "| 3 | 2 | 1, 2 | no | 1 | 0 |"


@EXAMPLES
@given(k=st.tuples(st.integers(1, 7), st.integers(1, 7)),
       s=st.tuples(st.integers(1, 4), st.integers(1, 4)), seed=st.integers(0, 100))
def test_phase_sums_are_what_a_constant_input_gives_inside(k, s, seed):
    w = np.random.default_rng(seed).standard_normal(k)
    y = tconv.conv_transpose2d(np.ones((12, 12)), w, stride=s)
    sums = A.phase_sums(w, s)
    assert sums.shape == s
    # interior cells (canvas index >= k - 1 and not past the last input's start)
    for r in range(k[0] - 1, 11 * s[0] + 1):
        for c in range(k[1] - 1, 11 * s[1] + 1):
            assert np.isclose(y[r, c], sums[r % s[0], c % s[1]])


def test_equal_phase_sums_keep_a_flat_input_flat_even_when_the_stride_does_not_divide():
    w = np.outer([0.5, 1, 0.5], [0.5, 1, 0.5])  # k=3, s=2: the tent
    assert np.allclose(A.phase_sums(w, 2), 1.0)
    inner = tconv.conv_transpose2d(np.ones((8, 8)), w, stride=2)[2:-2, 2:-2]
    assert np.allclose(inner, 1.0)


# the chapter's experiments -----------------------------------------------------------------

def test_stack_inputs_are_a_constant_and_a_centred_bump():
    inputs = A.stack_inputs(16)
    assert set(inputs) == {"constant", "bump"}
    assert np.all(inputs["constant"] == 1)
    bump = inputs["bump"]
    assert bump.shape == (16, 16) and np.allclose(bump, bump.T) and np.allclose(bump, bump[::-1])
    assert bump.max() == bump[7, 7] and bump[0, 0] < 0.1


def test_centre_cuts_the_middle():
    x = np.arange(36).reshape(6, 6)
    np.testing.assert_array_equal(A.centre(x, 2), [[14, 15], [20, 21]])


def test_random_stack_rows_are_normalised_crops_one_row_per_input_and_init():
    inputs = A.stack_inputs(16)
    rows, names = A.random_stack_rows(inputs, [(3, 2), (4, 2)], seed=1)
    assert names == ["constant, default", "constant, positive", "bump, default", "bump, positive"]
    for row in rows:
        assert [c.shape for c in row] == [(20, 20), (20, 20)]
        assert all(np.isclose(np.sqrt(np.mean(c ** 2)), 1) for c in row)
    # the crop is the centre of the stack's output, rescaled
    y = A.random_stack_outputs(inputs["constant"], [(3, 2)], init="default", seed=1)[0]
    crop = A.centre(y, 20)
    np.testing.assert_allclose(rows[0][0], crop / np.sqrt(np.mean(crop ** 2)))


def test_photo_input_and_outputs():
    x = A.photo_input()
    assert x.shape == (64, 64) and 0 <= x.min() and x.max() <= 1
    outputs = A.photo_outputs(x[:16, :16], seed=0)
    assert len(outputs) == len(A.PHOTO_METHODS)
    assert all(y.shape == (64, 64) for y in outputs)


def test_gradient_patterns_mean_kernel_is_the_overlap_count_over_nine():
    mean, g3, g4 = A.gradient_patterns(seed=0)
    count = A.overlap_count((17, 17), 3, 2, 1).count
    np.testing.assert_allclose(mean, count / 9)
    # the others are the transposed convolution of the constant gradient with their kernel
    w = np.random.default_rng(0).uniform(-1, 1, (3, 3))
    np.testing.assert_allclose(g3, tconv.conv_transpose2d(np.ones((16, 16)), w, stride=2,
                                                          padding=1, output_padding=1))
    assert g4.shape == (32, 32)


def test_compare_methods_summarises_each_method_and_init_and_counts_costs():
    x = A.photo_input()[:16, :16]
    comparison = A.compare_methods(x, range(2), channels=8)
    assert comparison.labels == tuple(label for *_, label in A.PHOTO_METHODS)
    for init in A.INITS:
        assert len(comparison.scores[init]) == len(A.PHOTO_METHODS)
        means = comparison.mean(init)
        first = A.mean_artifact_score(x, "conv_transpose", range(2), 3, init=init)
        assert means["transposed k=3"] == first.mean
    assert comparison.costs[0] == A.upsampling_cost("conv_transpose", 8, 3)
    table = A.comparison_table(comparison).splitlines()
    assert len(table) == 2 + len(A.PHOTO_METHODS) and all(" ± " in row for row in table[2:])


def test_score_summary_std_is_the_sample_standard_deviation():
    x = A.photo_input()[:16, :16]
    s = A.mean_artifact_score(x, "conv_transpose", range(3))
    assert np.isclose(s.std, np.std(s.scores, ddof=1))
    assert A.mean_artifact_score(x, "conv_transpose", [0]).std == 0


@pytest.mark.parametrize("value, text", [(0.65, "65 %"), (0.0075, "0.75 %"),
                                         (0.00041, "0.04 %"), (4e-7, "< 0.001 %")])
def test_percent(value, text):
    assert A.percent(value) == text


def test_the_chapter_figures_draw_what_they_are_given():
    fig = A.random_stacks_figure([(3, 2), (4, 2)], seed=1)
    assert len([ax for ax in fig.axes if ax.images]) == 8
    x = A.photo_input()
    outputs = [np.zeros((256, 256))] * 6
    fig = A.photo_figure(x, outputs)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 7 and shown[0].images[0].get_array().shape == (20, 20)
    fig = A.gradient_figure(A.gradient_patterns(seed=0))
    assert [ax.get_title() for ax in fig.axes] == ["3×3 mean kernel", "random 3×3", "random 4×4"]


@pytest.mark.parametrize("call, error, match", [
    (lambda: A.centre(np.ones((4, 4)), 5), ValueError, "must fit"),
    (lambda: A.stack_inputs(1), ValueError, "side must be"),
    (lambda: A.phase_sums(np.ones((2, 2, 2)), 2), ValueError, r"\(kH, kW\)"),
    (lambda: A.phase_sums(np.ones((2, 2)), 0), ValueError, "stride must be positive"),
    (lambda: A.rule_checks(0), ValueError, "max_kernel must be positive"),
])
def test_bad_arguments_of_the_chapter_helpers_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
