"""The two decoders of "In practice", their tables and figures (tconv.book.in_practice).

Oracles: the library's own operations called directly (conv_transpose2d, conv2d, the size
formulas), numbers that follow from the layer definitions by hand (weight counts, the original
U-Net's sizes as its paper draws them) and the checkerboard companion's costs. The chapter's
PyTorch code is run against tconv in test_in_practice_torch.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import tconv
from tconv import nn
from tconv.book import checkerboard, in_practice
from tconv.book.in_practice import (
    Row,
    UNetUp,
    center_crop,
    dcgan_generator,
    dcgan_layout,
    describe,
    parameter_count,
    rows_table,
    run_layers,
    size_arithmetic,
    unet_sizes,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CHAPTER = Path(__file__).resolve().parents[1] / "chapters" / "in-practice.ipynb"


# ---------------------------------------------------------------- the DCGAN generator


def test_dcgan_layout_is_pytorchs_example():
    assert dcgan_layout() == [(100, 512, 4, 1, 0), (512, 256, 4, 2, 1), (256, 128, 4, 2, 1),
                              (128, 64, 4, 2, 1), (64, 3, 4, 2, 1)]
    assert dcgan_layout(size=128)[:2] == [(100, 1024, 4, 1, 0), (1024, 512, 4, 2, 1)]
    assert dcgan_layout(latent=10, width=4, channels=1, size=8) == [(10, 4, 4, 1, 0),
                                                                    (4, 1, 4, 2, 1)]


@pytest.mark.parametrize("size", [48, 4, 100])
def test_dcgan_layout_rejects_sizes_that_are_not_4_times_a_power_of_2(size):
    with pytest.raises(ValueError, match="size"):
        dcgan_layout(size=size)


def test_dcgan_generator_makes_an_image_of_the_size_asked():
    G = dcgan_generator(latent=16, width=4, channels=3, size=32, rng=0)
    z = np.random.default_rng(1).standard_normal((2, 16, 1, 1))
    assert G(z).shape == (2, 3, 32, 32)
    convs = [layer for layer in G.layers if isinstance(layer, nn.ConvTranspose2d)]
    assert [(c.in_channels, c.out_channels, c.stride, c.padding) for c in convs] == [
        (16, 16, (1, 1), (0, 0)), (16, 8, (2, 2), (1, 1)), (8, 4, (2, 2), (1, 1)),
        (4, 3, (2, 2), (1, 1))]
    assert all(c.bias is None for c in convs)
    # a ReLU after every transposed convolution but the last
    kinds = [type(layer).__name__ for layer in G.layers]
    assert kinds == ["ConvTranspose2d", "ReLU"] * 3 + ["ConvTranspose2d"]


def test_the_first_layer_on_a_1x1_code_is_a_matrix_product():
    G = dcgan_generator(latent=5, width=2, size=16, rng=0, dtype=np.float64)
    z = np.random.default_rng(2).standard_normal((1, 5, 1, 1))
    first = G.layers[0]
    dense = (z[0, :, 0, 0] @ first.weight.data.reshape(5, -1)).reshape(first.out_channels, 4, 4)
    np.testing.assert_allclose(first(z)[0], dense, atol=1e-12)


def test_batchnorm_parameters_count_scale_and_shift_of_all_layers_but_the_last():
    assert in_practice.batchnorm_parameters(dcgan_generator(rng=0)) == 2 * (512 + 256 + 128 + 64)
    with pytest.raises(TypeError, match="Sequential"):
        in_practice.batchnorm_parameters([nn.ReLU()])


# ---------------------------------------------------------------- U-Net


def test_unet_sizes_are_those_of_the_papers_figure():
    levels, out = unet_sizes(572)
    assert [(lv.size_in, lv.skip, lv.up, lv.crop, lv.out) for lv in levels] == [
        (28, 64, 56, 4, 52), (52, 136, 104, 16, 100), (100, 280, 200, 40, 196),
        (196, 568, 392, 88, 388)]
    assert out == 388


def test_unet_sizes_follow_the_library_formulas():
    for n in (188, 412, 700):
        try:
            levels, out = unet_sizes(n, depth=3)
        except ValueError:
            continue
        for lv in levels:
            assert lv.up == tconv.conv_transpose_output_size(lv.size_in, 2, stride=2)
            assert lv.out == tconv.conv_output_size(tconv.conv_output_size(lv.up, 3), 3)
            assert lv.skip - 2 * lv.crop == lv.up
        assert out == levels[-1].out


@pytest.mark.parametrize(("size", "words"), [(570, "odd size"), (172, "too small"),
                                             (0, "size")])
def test_unet_sizes_say_why_a_size_does_not_fit(size, words):
    with pytest.raises(ValueError, match=words):
        unet_sizes(size)


def test_center_crop_keeps_the_middle():
    x = np.arange(2 * 3 * 6 * 8).reshape(2, 3, 6, 8)
    np.testing.assert_array_equal(center_crop(x, 4), x[:, :, 1:5, 2:6])
    with pytest.raises(ValueError, match="equal margins"):
        center_crop(x, 3)
    with pytest.raises(ValueError, match="fit"):
        center_crop(x, 8)
    with pytest.raises(ValueError, match="x"):
        center_crop(x[0], 4)


def _relu(a):
    return np.maximum(a, 0)


def test_unet_up_block_is_upconv_crop_concat_and_two_valid_convs():
    block = UNetUp(8, rng=0, dtype=np.float64)
    rng = np.random.default_rng(3)
    x, skip = rng.standard_normal((2, 8, 6, 6)), rng.standard_normal((2, 4, 16, 16))
    y, rows = block.trace(x, skip)
    # by hand, with the library's operations
    up = tconv.conv_transpose2d(x, block.up.weight.data, block.up.bias.data, stride=2)
    joined = np.concatenate([skip[:, :, 2:14, 2:14], up], axis=1)
    h = _relu(tconv.conv2d(joined, block.conv1.weight.data, block.conv1.bias.data))
    want = _relu(tconv.conv2d(h, block.conv2.weight.data, block.conv2.bias.data))
    np.testing.assert_allclose(y, want, atol=1e-12)
    np.testing.assert_allclose(block(x, skip), y)
    assert y.shape == (2, 4, 8, 8)
    assert [r.layer for r in rows] == [
        "input x", "ConvTranspose2d(8, 4, 2, 2)", "skip from the encoder",
        "crop skip 16 → 12", "cat([skip, up], dim=1)", "Conv2d(8, 4, 3)", "ReLU()",
        "Conv2d(4, 4, 3)", "ReLU()"]
    assert [r.side for r in rows] == [False, False, True, True] + [False] * 5
    assert [r.out_shape for r in rows][4:6] == [(8, 12, 12), (4, 10, 10)]
    assert sum(r.params for r in rows) == (8 * 4 * 4 + 4) + (4 * 8 * 9 + 4) + (4 * 4 * 9 + 4)
    assert block.up.weight.data.shape == (8, 4, 2, 2)  # (C_in, C_out, k, k)
    assert block.conv1.weight.data.shape == (4, 8, 3, 3)  # (C_out, C_in, k, k)


def test_unet_up_block_checks_its_arguments():
    with pytest.raises(ValueError, match="even"):
        UNetUp(7)
    block = UNetUp(4, rng=0)
    with pytest.raises(ValueError, match="2 channels"):
        block(np.zeros((1, 4, 3, 3)), np.zeros((1, 3, 8, 8)))


# ---------------------------------------------------------------- reading layers


@pytest.mark.parametrize(("layer", "text"), [
    (nn.ConvTranspose2d(100, 512, 4, 1, 0, rng=0), "ConvTranspose2d(100, 512, 4)"),
    (nn.ConvTranspose2d(512, 256, 4, 2, 1, rng=0), "ConvTranspose2d(512, 256, 4, 2, 1)"),
    (nn.ConvTranspose2d(4, 4, 3, 2, 1, 1, rng=0), "ConvTranspose2d(4, 4, 3, 2, 1, 1)"),
    (nn.ConvTranspose2d(4, 2, 3, 1, 0, 0, groups=2, rng=0),
     "ConvTranspose2d(4, 2, 3, groups=2)"),
    (nn.Conv2d(3, 8, (3, 5), padding=(1, 2), rng=0), "Conv2d(3, 8, (3, 5), 1, (1, 2))"),
    (nn.Conv2d(3, 8, 3, stride=2, rng=0), "Conv2d(3, 8, 3, 2)"),
    (nn.ReLU(), "ReLU()"), (nn.Upsample(2, "bilinear"), "Upsample(2, 'bilinear')"),
    (nn.PixelShuffle(2), "PixelShuffle(2)"),
])
def test_describe_writes_the_pytorch_call(layer, text):
    assert describe(layer) == text


def test_describe_and_parameter_count_reject_what_is_not_a_layer():
    with pytest.raises(TypeError, match="layer"):
        describe(np.zeros(3))
    with pytest.raises(TypeError, match="Module"):
        parameter_count("conv")


def test_parameter_count_counts_weights_and_biases():
    assert parameter_count(nn.Conv2d(3, 8, 3, rng=0)) == 8 * 3 * 9 + 8
    assert parameter_count(nn.ConvTranspose2d(3, 8, 3, bias=False, rng=0)) == 3 * 8 * 9
    assert parameter_count(nn.ConvTranspose2d(4, 6, 2, groups=2, rng=0)) == 4 * 3 * 4 + 6
    assert parameter_count(nn.ReLU()) == 0


def test_run_layers_records_every_layer():
    layers = [nn.ConvTranspose2d(2, 3, 4, 2, 1, rng=0), nn.ReLU()]
    x = np.ones((1, 2, 5, 5))
    y, rows = run_layers(layers, x, "z")
    assert y.shape == (1, 3, 10, 10)
    assert rows == [Row("z", (2, 5, 5)),
                    Row("ConvTranspose2d(2, 3, 4, 2, 1)", (3, 10, 10), (2, 3, 4, 4), 99),
                    Row("ReLU()", (3, 10, 10), None, 0)]
    with pytest.raises(ValueError, match="at least one"):
        run_layers([], x)
    with pytest.raises(ValueError, match="x"):
        run_layers(layers, x[0])


def test_rows_table_lists_rows_and_their_total():
    _, rows = run_layers(dcgan_generator(rng=0), np.zeros((1, 100, 1, 1)), "input z")
    table = rows_table(rows).splitlines()
    assert table[0].split() == ["layer", "output", "weight", "parameters"]
    assert len(table) == 2 + len(rows) + 1
    assert "512×256×4×4" in table[5] and "2,097,152" in table[5]
    assert table[-1].split() == ["total", "3,574,784"]
    with pytest.raises(TypeError, match="Row"):
        rows_table([])


def _evaluate(arithmetic: str) -> tuple[int, int]:
    """The left side of a size_arithmetic text, evaluated; and its right side."""
    left, right = arithmetic.rsplit(" = ", 1)
    expr = (left.replace("−", "-").replace("·", "*").replace("⌊", "((").replace("⌋", "))")
            .replace("/", "//"))
    return eval(expr, {}, {}), int(right)  # noqa: S307 - our own text, digits and operators


def test_size_arithmetic_is_the_formula_filled_in():
    checked = 0
    for k in range(1, 6):
        for s in range(1, 4):
            for p in range(0, 3):
                for a in range(s):
                    for i in (1, 2, 5):
                        layer = nn.ConvTranspose2d(1, 1, k, s, p, a, rng=0)
                        try:
                            o = tconv.conv_transpose_output_size(i, k, s, p, a)
                        except ValueError:
                            continue
                        assert _evaluate(size_arithmetic(layer, i)) == (o, o)
                        assert layer(np.zeros((1, 1, i, i))).shape[-1] == o
                        checked += 1
                if k <= 5 + 2 * p:
                    conv = nn.Conv2d(1, 1, k, s, p, rng=0)
                    o = tconv.conv_output_size(5, k, s, p)
                    assert _evaluate(size_arithmetic(conv, 5)) == (o, o)
    assert checked > 100
    assert size_arithmetic(nn.ConvTranspose2d(1, 1, 4, 2, 1, rng=0), 4) == (
        "(4 − 1)·2 − 2·1 + 1·(4 − 1) + 0 + 1 = 8")
    with pytest.raises(TypeError, match="ConvTranspose2d or Conv2d"):
        size_arithmetic(nn.ReLU(), 3)


# ---------------------------------------------------------------- choosing an upsampler


def test_flat_stays_flat_exactly_for_resize_bilinear_start_and_icnr():
    for method, k, start, _ in in_practice.UPSAMPLERS:
        spreads = [in_practice.flat_spread(in_practice.upsampler_layer(method, k, start, 3,
                                                                       rng=seed), 3)
                   for seed in range(4)]
        if method in ("conv_transpose", "subpixel") and start == "default":
            assert min(spreads) > 0.1, (method, start, spreads)
        else:
            assert max(spreads) < 1e-9, (method, start, spreads)


def test_the_bilinear_start_is_bilinear_upsampling_inside():
    layer = in_practice.upsampler_layer("conv_transpose", 4, "bilinear", 2, rng=0)
    x = np.random.default_rng(4).standard_normal((1, 2, 6, 6))
    np.testing.assert_allclose(layer(x)[..., 2:-2, 2:-2],
                               tconv.upsample_bilinear(x, 2)[..., 2:-2, 2:-2], atol=1e-12)
    with pytest.raises(ValueError, match="transposed convolution"):
        in_practice.upsampler_layer("subpixel", 3, "bilinear", 2)
    with pytest.raises(ValueError, match="start"):
        in_practice.upsampler_layer("conv_transpose", 4, "zeros", 2)


def test_upsampler_rows_use_the_checkerboard_costs():
    rows = in_practice.upsampler_rows(channels=16, seeds=[0, 1], flat_channels=2)
    for row, (method, k, _, label) in zip(rows, in_practice.UPSAMPLERS, strict=True):
        cost = checkerboard.upsampling_cost(method, 16, k)
        assert (row.label, row.macs_per_pixel, row.params) == (label, cost.macs_per_pixel,
                                                               cost.params)
        assert len(row.spreads) == 2
    table = in_practice.upsampler_table(rows)
    lines = table.splitlines()
    assert lines[0].split()[-3:] == ["flat", "stays", "flat"] and len(lines) == 2 + len(rows)
    assert [line.endswith("2 of 2 seeds") for line in lines[2:]] == [
        True, True, False, True, False, True]
    assert all(line.endswith("0 of 2 seeds") for line in lines[2:] if "random" in line)
    with pytest.raises(ValueError, match="seed"):
        in_practice.upsampler_rows(seeds=[])
    with pytest.raises(TypeError, match="UpsamplerRow"):
        in_practice.upsampler_table([])


def test_flat_outputs_even_overlap_uneven_phases():
    counts, random_out, bilinear_out = in_practice.flat_outputs(seed=3, size=5)
    inside = (slice(1, -1), slice(1, -1))
    assert counts.shape == (10, 10) and (counts[inside] == 4).all()
    assert counts[0, 0] == 1 and (counts[0, 1:-1] == 2).all()
    assert len(np.unique(random_out[inside].round(9))) == 4
    assert np.allclose(bilinear_out[inside], 1) and np.allclose(bilinear_out[0, 1:-1], 0.75)
    with pytest.raises(ValueError, match="size"):
        in_practice.flat_outputs(size=2)


# ---------------------------------------------------------------- figures


def test_decoder_figure_draws_one_box_per_map_and_the_skip_lane():
    _, rows = run_layers(dcgan_generator(latent=8, width=2, size=16, rng=0),
                         np.zeros((1, 8, 1, 1)), "input z")
    fig = in_practice.decoder_figure(rows, title="G")
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, plt.Rectangle)]
    assert len(boxes) == 1 + 3  # the input and three transposed convolutions, no ReLU
    text = " ".join(t.get_text() for t in ax.texts)
    assert "4×16×16" not in text and "3×16×16" in text and "w 8×4×4×4" in text
    block = UNetUp(4, rng=0)
    _, urows = block.trace(np.zeros((1, 4, 4, 4)), np.zeros((1, 2, 12, 12)))
    ufig = in_practice.decoder_figure(urows)
    ubox = [p for p in ufig.axes[0].patches if isinstance(p, plt.Rectangle)]
    assert len(ubox) == 5 + 2  # x, up, concat, two convs; the skip and its crop above
    tops = sorted({round(b.get_y() + b.get_height() / 2, 6) for b in ubox})
    assert len(tops) == 2  # two lanes
    with pytest.raises(TypeError, match="Row"):
        in_practice.decoder_figure([])


def test_flat_input_figure_has_three_grids():
    fig = in_practice.flat_input_figure(seed=0)
    assert [ax.get_title() for ax in fig.axes] == ["overlap count", "random weights",
                                                   "bilinear kernel"]


# ---------------------------------------------------------------- the chapter's PyTorch code


def _chapter_python_blocks() -> list[str]:
    cells = json.loads(CHAPTER.read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return re.findall(r"^```python\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def test_the_chapter_shows_both_blocks_in_pytorch():
    blocks = _chapter_python_blocks()
    assert any("generator = nn.Sequential(" in b for b in blocks)
    assert any("class Up(nn.Module):" in b for b in blocks)


# ---------------------------------------------------------------- the same layer in four frameworks
# Oracles: conv_transpose2d itself (the full output, groups), and the window each framework's
# documented arguments keep, worked out by hand for k = 3, s = 2 on 4 cells (9 full cells).

from tconv import frameworks as fw  # noqa: E402


def test_weight_layouts_find_the_flip_and_the_axes():
    rows = in_practice.weight_layouts(2, 3, (4, 5), seed=1)
    got = {r.where.split(" ")[0] + (" T" if "transpose_kernel" in r.where else ""):
           (r.shape, r.flipped) for r in rows}
    assert got == {"PyTorch": ((2, 3, 4, 5), False), "Keras": ((4, 5, 3, 2), False),
                   "JAX": ((4, 5, 2, 3), True), "JAX, T": ((4, 5, 3, 2), False),
                   "Flax": ((4, 5, 2, 3), True), "ONNX": ((2, 3, 4, 5), False)}
    assert rows[1].layout == "(kH, kW, C_out/g, C_in)"


def test_weight_layouts_flip_is_measured_on_the_numbers():
    # a kernel that is its own turn cannot tell: the flag must come from comparing values,
    # so with a random weight a flipped converter is seen as flipped, and only then
    w = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    flipped = fw.relayout(fw.jax_kernel(w), "HWIO", "IOHW")
    assert np.array_equal(flipped[..., ::-1, ::-1], w) and not np.array_equal(flipped, w)


def test_weight_layout_table_renders_every_row():
    table = in_practice.weight_layout_table(in_practice.weight_layouts())
    text = table.text()
    assert text.count("\n") == 1 + 6 and "| yes |" in text and "4×5×2×3" in text
    with pytest.raises(TypeError, match="LayoutRow"):
        in_practice.weight_layout_table([("PyTorch", "IOHW")])


def test_window_rows_keep_the_cells_each_framework_documents():
    rows = {r.short: r for r in in_practice.window_rows(4, 3, 2)}
    kept = {name: (r.kept.start, r.kept.stop, r.out) for name, r in rows.items()}
    assert kept == {
        "PyTorch p=1, a=1": (1, 9, 8), "PyTorch p=1": (1, 8, 7), "PyTorch p=0": (0, 9, 9),
        'Keras "same"': (0, 8, 8), 'Keras "valid"': (0, 9, 9), 'JAX "SAME"': (0, 8, 8),
        "Flax": (0, 8, 8), "ONNX SAME_UPPER": (0, 8, 8), "ONNX SAME_LOWER": (1, 9, 8),
        "ONNX output_shape": (1, 9, 8)}
    assert all(r.kept.full == 9 for r in rows.values())
    assert rows['Keras "same"'].torch == "none: `padding=0`, then `y[..., :-1, :-1]`"
    assert rows["ONNX SAME_LOWER"].torch == "`padding=1, output_padding=1`"


def test_window_rows_windows_are_the_outputs_of_the_layers():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((1, 2, 4, 4)), rng.standard_normal((2, 3, 3, 3))
    full = tconv.conv_transpose2d(x, w, stride=2)
    for r in in_practice.window_rows(4, 3, 2):
        y = fw.conv_transpose2d_translated(x, w, translation=r.translation)
        a, b = r.kept.start, r.kept.stop
        np.testing.assert_allclose(y, full[..., a:b, a:b], atol=1e-12)


def test_window_table_has_a_row_per_call():
    text = in_practice.window_table(in_practice.window_rows()).text()
    assert text.count("\n") == 1 + 10 and "keeps cells (of 0–8)" in text
    with pytest.raises(TypeError, match="WindowRow"):
        in_practice.window_table([])


def test_translation_rows_are_the_framework_translations():
    rows = in_practice.translation_rows()
    assert rows[0] == ("`nn.ConvTranspose2d(C_in, C_out, 4, stride=2, padding=1)`",
                       '`layers.Conv2DTranspose(C_out, 4, strides=2, padding="same")`',
                       '`lax.conv_transpose(x, w, strides=(2, 2), padding="SAME", '
                       'dimension_numbers=("NCHW", "IOHW", "NCHW"))`',
                       "`ConvTranspose(kernel_shape=[4, 4], strides=[2, 2], pads=[1, 1, 1, 1])`")
    # k = 3, s = 2, p = 1, a = 1 keeps cells 1-8 of 9: Keras needs a crop, JAX pads (1, 2)
    assert rows[2][1] == ('`layers.Conv2DTranspose(C_out, 3, strides=2, padding="valid")`, '
                          "then `layers.Cropping2D(((1, 0), (1, 0)))`")
    assert "padding=((1, 2), (1, 2))" in rows[2][2]
    assert rows[2][3].endswith("pads=[1, 1, 1, 1], output_padding=[1, 1])`")
    # "same" with output_padding=0 is not "same": Keras must say it
    assert rows[3][1] == '`layers.Conv2DTranspose(C_out, 3, strides=2, padding="same", ' \
                         'output_padding=0)`'
    # every cell is the calculator's text (one formatter)
    for row, layer in zip(rows, ((4, 2, 1, 0), (2, 2, 0, 0), (3, 2, 1, 1)), strict=False):
        calls = fw.same_layer_calls(*layer)
        assert row[2] == f"`{calls['JAX'].code}`" and row[0] == f"`{calls['PyTorch'].code}`"
    with pytest.raises(ValueError, match="padding"):
        in_practice.translation_rows([(3, 2, -1, 0)])
    text = in_practice.translation_table(rows).text()
    assert text.count("\n| **PyTorch** | `nn.ConvTranspose2d(") == len(rows) == 5
    assert text.count("\n| ONNX | `ConvTranspose(") == 5 and text.count("\n") == 1 + 4 * 5
    with pytest.raises(TypeError, match="4-tuples"):
        in_practice.translation_table([])


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_grouped_as_separate_equals_the_grouped_layer(groups):
    rng = np.random.default_rng(groups)
    x, w = rng.standard_normal((2, 4, 3, 5)), rng.standard_normal((4, 3, 4, 4))
    want = tconv.conv_transpose2d(x, w, stride=2, padding=1, groups=groups)
    got = in_practice.grouped_as_separate(x, w, groups, stride=2, padding=1)
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_grouped_as_separate_rejects_bad_groups():
    x, w = np.zeros((1, 4, 3, 3)), np.zeros((4, 1, 2, 2))
    with pytest.raises(ValueError, match="groups"):
        in_practice.grouped_as_separate(x, w, 3)
    with pytest.raises(ValueError, match="weight"):
        in_practice.grouped_as_separate(x, np.zeros((2, 1, 2, 2)), 2)
    with pytest.raises(ValueError, match="groups"):
        in_practice.grouped_as_separate(x, w, 0)


def test_windows_figure_outlines_the_two_same_windows():
    fig = in_practice.windows_figure(4, 3, 2)
    full, strip = fig.axes
    outlines = [p for p in full.patches if not p.get_fill()]
    assert len(outlines) == 2
    corners = sorted(round(p.get_x()) for p in outlines)
    assert corners == [0, 1]  # one window from cell 0, one from cell 1
    labels = [t.get_text() for t in strip.texts if "," in t.get_text() or "PyTorch" in t.get_text()]
    assert any("Keras \"same\"" in t and "ONNX SAME_UPPER" in t for t in labels)
    assert any("PyTorch p=1, a=1" in t and "ONNX SAME_LOWER" in t for t in labels)
    plt.close(fig)
