"""tconv.frameworks with no framework: windows, round trips, documented sizes, the issue's facts.

Oracles here: ``tconv.conv_transpose2d`` itself (a PyTorch pair's output is its window of the
padding=0 output), each framework's documented size formula (``keras_output_size``,
``jax_output_size``, ``onnx_output_size``, written from the docs, not from the cuts), and
brute force over PyTorch's pairs. The frameworks themselves are compared in tests/frameworks/
(make test-frameworks).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import tconv
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tconv import frameworks as fw

EXAMPLES = settings(max_examples=150, deadline=None)
ROOT = Path(__file__).resolve().parents[1]

pairs_1_5 = st.tuples(st.integers(1, 5), st.integers(1, 5))
pairs_1_4 = st.tuples(st.integers(1, 4), st.integers(1, 4))
pairs_1_3 = st.tuples(st.integers(1, 3), st.integers(1, 3))
sizes = st.tuples(st.integers(1, 6), st.integers(1, 6))


@st.composite
def torch_layers(draw, groups=True):
    """Valid ConvTranspose2d settings: (kernel_size, stride, padding, output_padding, dilation,
    groups)."""
    k, s, d = draw(pairs_1_5), draw(pairs_1_4), draw(pairs_1_3)
    p = draw(st.tuples(st.integers(0, 3), st.integers(0, 3)))
    op = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d, strict=True))
    g = draw(st.integers(1, 3)) if groups else 1
    return k, s, p, op, d, g


@st.composite
def keras_args(draw):
    """Conv2DTranspose arguments Keras accepts."""
    k, s = draw(pairs_1_5), draw(pairs_1_4)
    d = draw(pairs_1_3) if s == (1, 1) else (1, 1)
    op = draw(st.none() | st.tuples(*(st.integers(0, si - 1) for si in s)))
    return dict(kernel_size=k, strides=s, padding=draw(st.sampled_from(["same", "valid"])),
                output_padding=op, dilation_rate=d)


@st.composite
def jax_args(draw):
    """lax.conv_transpose arguments: "SAME", "VALID" or (low, high) pairs."""
    k, s, d = draw(pairs_1_5), draw(pairs_1_4), draw(pairs_1_3)
    spans = [fw.span(ki, di) for ki, di in zip(k, d, strict=True)]
    pads = tuple((draw(st.integers(-1, n)), draw(st.integers(-1, n))) for n in spans)
    padding = draw(st.sampled_from(["SAME", "VALID", pads]))
    consistent = draw(st.booleans())
    return dict(kernel_size=k, strides=s, padding=padding, rhs_dilation=d,
                use_consistent_padding=consistent)


@st.composite
def onnx_args(draw):
    """ConvTranspose attributes with pads >= 0 (SAME: stride <= span + output_padding)."""
    k, s, d = draw(pairs_1_5), draw(pairs_1_4), draw(pairs_1_3)
    op = tuple(draw(st.integers(0, si - 1)) for si in s)
    args = dict(kernel_shape=k, strides=s, dilations=d, output_padding=op,
                group=draw(st.integers(1, 3)))
    mode = draw(st.sampled_from(["pads", "SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET"]))
    if mode == "pads":
        args["pads"] = [draw(st.integers(0, 4)) for _ in range(4)]
    else:
        args["auto_pad"] = mode
    spans = [fw.span(ki, di) for ki, di in zip(k, d, strict=True)]
    if mode.startswith("SAME"):
        assume(all(si <= n + a for si, n, a in zip(s, spans, op, strict=True)))
    return args


def x_w(rng, size, kernel, c_in=2, c_out_g=3, groups=1):
    """Random integer-valued float64 x (1, C_in, H, W) and w: sums are exact."""
    x = rng.integers(-4, 5, (1, c_in * groups, *size)).astype(np.float64)
    w = rng.integers(-4, 5, (c_in * groups, c_out_g, *kernel)).astype(np.float64)
    return x, w


def nonempty(t, size) -> bool:
    """Whether the layer keeps at least one cell per axis for this size."""
    try:
        fw.output_size(t, size)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------
# The window of the full output
# ---------------------------------------------------------------------------------------


def test_full_size_is_pytorchs_output_at_padding_0():
    assert fw.full_size(4, 3, 2) == 9
    assert fw.full_size((4, 5), (3, 2), (2, 3), (1, 2)) == (9, 15)
    for i, k, s, d in [(1, 1, 1, 1), (3, 4, 2, 3), (7, 5, 4, 2)]:
        assert fw.full_size(i, k, s, d) == tconv.conv_transpose_output_size(i, k, s, 0, 0, d)


@EXAMPLES
@given(torch_layers(), sizes, st.integers(0, 2**32 - 1))
def test_a_pytorch_pair_is_its_window_of_the_padding_0_output(layer, size, seed):
    k, s, p, op, d, g = layer
    t = fw.from_torch(k, s, p, op, d, g)
    assume(nonempty(t, size))
    x, w = x_w(np.random.default_rng(seed), size, k, groups=g)
    full = tconv.conv_transpose2d(x, w, stride=s, dilation=d, groups=g)
    want = tconv.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d,
                                  groups=g)
    np.testing.assert_array_equal(fw.crop_full_output(full, fw.torch_cut(p, op)), want)
    np.testing.assert_array_equal(fw.conv_transpose2d_translated(x, w, translation=t), want)
    assert fw.output_size(t, size) == want.shape[2:]
    kept = fw.kept_cells(t, size)
    assert [(c.start, c.stop, c.full) for c in kept] == [
        (pi, f - pi + a, f) for pi, a, f in zip(p, op, full.shape[2:], strict=True)]


@EXAMPLES
@given(torch_layers())
def test_torch_pair_inverts_torch_cut(layer):
    k, s, p, op, d, _ = layer
    assert fw.torch_pair(fw.torch_cut(p, op), s, d) == (p, op)
    assert fw.from_torch(k, s, p, op, d).torch_pair == (p, op)


def test_torch_pair_is_none_exactly_outside_pytorchs_rules():
    assert fw.torch_pair(((0, 1), (0, 1)), 2) is None  # would need output_padding -1
    assert fw.torch_pair(((1, 0), (1, 0)), 2) == ((1, 1), (1, 1))
    assert fw.torch_pair(((0, -2), (0, 0)), 2) is None  # 2 zeros: output_padding 2 >= stride
    assert fw.torch_pair(((0, -2), (0, 0)), 1, 3) == ((0, 0), (2, 0))  # < dilation is allowed
    assert fw.torch_pair(((-1, -1), (0, 0)), 2) is None  # zeros before the first cell


def test_crop_full_output_pads_with_zeros_outside():
    y = np.arange(1, 7, dtype=float).reshape(2, 3)
    np.testing.assert_array_equal(fw.crop_full_output(y, ((0, -1), (1, 0))),
                                  [[2, 3], [5, 6], [0, 0]])
    np.testing.assert_array_equal(fw.crop_full_output(y, ((-1, 0), (0, 2))), [[0], [1], [4]])
    assert fw.crop_full_output(np.ones((2, 3, 5, 5)), ((1, 1), (2, 0))).shape == (2, 3, 3, 3)


@EXAMPLES
@given(jax_args(), sizes, st.integers(0, 2**32 - 1))
def test_a_window_with_no_pytorch_pair_is_a_crop_of_the_full_output_plus_bias(args, size,
                                                                              seed):
    t = fw.from_jax(**args)
    assume(nonempty(t, size))
    rng = np.random.default_rng(seed)
    x, w = x_w(rng, size, t.kernel_size)
    b = rng.integers(-4, 5, 3).astype(np.float64)
    full = tconv.conv_transpose2d(x, w, stride=t.stride, dilation=t.dilation)
    got = fw.conv_transpose2d_translated(x, w, b, translation=t)
    np.testing.assert_array_equal(got, fw.crop_full_output(full, t.cut) + b[:, None, None])
    np.testing.assert_array_equal(fw.conv_transpose2d_translated(x[0], w, b, translation=t),
                                  got[0])


def test_kept_cells_of_the_issues_example():
    same = fw.from_keras(3, 2, "same")
    assert fw.kept_cells(same, (4, 4)) == (fw.Kept(0, 8, 9), fw.Kept(0, 8, 9))
    assert fw.kept_cells(fw.from_torch(3, 2, 1, 1), 4) == (fw.Kept(1, 9, 9),) * 2
    assert fw.kept_cells(fw.from_keras(1, 2, "valid"), 4) == (fw.Kept(0, 8, 7),) * 2


# ---------------------------------------------------------------------------------------
# Each framework: documented sizes and round trips
# ---------------------------------------------------------------------------------------


@EXAMPLES
@given(keras_args(), sizes)
def test_keras_windows_have_kerass_documented_sizes_and_round_trip(args, size):
    t = fw.from_keras(**args)
    want = fw.keras_output_size(size, **args)
    if min(want) <= 0:
        with pytest.raises(ValueError, match="keeps no cell"):
            fw.output_size(t, size)
        return
    assert fw.output_size(t, size) == want
    call = fw.to_keras(t)
    assert call.crop is None  # Keras' own arguments reach every window they make
    assert fw.from_keras(**call.kwargs) == t


@EXAMPLES
@given(torch_layers(groups=False), sizes)
def test_pytorch_layers_in_keras_arguments_and_back(layer, size):
    k, s, p, op, d, _ = layer
    if max(s) > 1 and max(d) > 1:
        with pytest.raises(ValueError, match="strides > 1 with dilation_rate > 1"):
            fw.to_keras(fw.from_torch(k, s, p, op, d))
        return
    t = fw.from_torch(k, s, p, op, d)
    if any(a - pi >= si for a, pi, si in zip(op, p, s, strict=True)):
        with pytest.raises(ValueError, match="output_padding must be smaller than strides"):
            fw.to_keras(t)
        return
    call = fw.to_keras(t)
    made = fw.keras_cut(**call.kwargs)
    crop = call.crop or ((0, 0), (0, 0))
    assert min(min(c) for c in crop) >= 0  # a Cropping2D only removes cells
    assert tuple((m[0] + c[0], m[1] + c[1]) for m, c in zip(made, crop, strict=True)) == t.cut


@EXAMPLES
@given(jax_args(), sizes)
def test_jax_windows_have_jaxs_sizes_and_round_trip(args, size):
    t = fw.from_jax(**args)
    assume(nonempty(t, size))
    assert fw.output_size(t, size) == fw.jax_output_size(size, **args)
    call = fw.to_jax(t)
    assert call.crop is None
    assert fw.from_jax(t.kernel_size, **call.kwargs) == t
    flax = fw.to_flax(t)
    assert fw.from_flax(**flax.kwargs) == t


@EXAMPLES
@given(torch_layers(groups=False))
def test_pytorch_layers_in_jax_and_flax_arguments_and_back(layer):
    k, s, p, op, d, _ = layer
    t = fw.from_torch(k, s, p, op, d)
    assert fw.from_jax(k, **fw.to_jax(t).kwargs) == t
    assert fw.from_flax(**fw.to_flax(t).kwargs) == t
    pads = fw.to_jax(t).kwargs["padding"]
    if not isinstance(pads, str):  # the transposed conv's own padding: span-1-p, span-1-p+op
        assert pads == tuple((n - 1 - pi, n - 1 - pi + a)
                             for n, pi, a in zip(t.spans, p, op, strict=True))


@EXAMPLES
@given(onnx_args(), sizes)
def test_onnx_windows_have_the_specs_sizes_and_round_trip(args, size):
    t = fw.from_onnx(**args)
    assume(nonempty(t, size))
    spec = fw.onnx_output_size(size, **{k: v for k, v in args.items() if k != "group"})
    assert fw.output_size(t, size) == spec
    call = fw.to_onnx(t)
    assert call.crop is None
    assert fw.from_onnx(**call.kwargs) == t


@EXAMPLES
@given(onnx_args(), sizes, st.data())
def test_onnx_output_shape_gives_that_shape(args, size, data):
    args = {k: v for k, v in args.items() if k not in ("pads", "auto_pad")}
    spans = [fw.span(k, d) for k, d in zip(args["kernel_shape"], args["dilations"], strict=True)]
    fulls = [(i - 1) * s + a + n for i, s, a, n in
             zip(size, args["strides"], args["output_padding"], spans, strict=True)]
    oh, ow = (data.draw(st.integers(1, f)) for f in fulls)  # pads >= 0
    for auto_pad in ("NOTSET", "SAME_UPPER", "SAME_LOWER"):
        t = fw.from_onnx(**args, auto_pad=auto_pad, output_shape=(oh, ow), size=size)
        assert fw.output_size(t, size) == (oh, ow)


@EXAMPLES
@given(torch_layers())
def test_pytorch_layers_in_onnx_attributes_and_back(layer):
    k, s, p, op, d, g = layer
    t = fw.from_torch(k, s, p, op, d, g)
    if any(a - pi >= si for a, pi, si in zip(op, p, s, strict=True)):
        with pytest.raises(ValueError, match="output_padding must be smaller than strides"):
            fw.to_onnx(t)
        return
    call = fw.to_onnx(t)
    assert fw.from_onnx(**call.kwargs) == t
    if all(a < si for a, si in zip(op, s, strict=True)):  # as PyTorch's exporter writes it
        assert call.kwargs["pads"] == [*p, *p] and call.kwargs["output_padding"] == list(op)


@EXAMPLES
@given(torch_layers())
def test_to_torch_gives_back_pytorchs_own_arguments(layer):
    k, s, p, op, d, g = layer
    call = fw.to_torch(fw.from_torch(k, s, p, op, d, g))
    assert call == fw.Call(dict(kernel_size=k, stride=s, padding=p, output_padding=op,
                                dilation=d, groups=g), None)


@EXAMPLES
@given(keras_args(), sizes, st.integers(0, 2**32 - 1))
def test_to_torch_crops_what_pytorch_cannot_express(args, size, seed):
    t = fw.from_keras(**args)
    assume(nonempty(t, size))
    call = fw.to_torch(t)
    x, w = x_w(np.random.default_rng(seed), size, t.kernel_size)
    y = tconv.conv_transpose2d(x, w, **{k: v for k, v in call.kwargs.items()
                                        if k != "kernel_size"})
    if call.crop is not None:
        (bh, eh), (bw, ew) = call.crop
        y = y[:, :, bh:y.shape[2] - eh, bw:y.shape[3] - ew]
    np.testing.assert_array_equal(y, fw.conv_transpose2d_translated(x, w, translation=t))


# ---------------------------------------------------------------------------------------
# The issue's stated facts, by tconv alone
# ---------------------------------------------------------------------------------------


def pytorch_pairs_giving(y, x, w, stride):
    """Every (padding, output_padding) whose tconv output equals y."""
    found = []
    for p in range(4):
        for a in range(stride):
            try:
                want = tconv.conv_transpose2d(x, w, stride=stride, padding=p, output_padding=a)
            except ValueError:
                continue
            if want.shape == y.shape and np.array_equal(want, y):
                found.append((p, a))
    return found


@pytest.mark.parametrize("k, pairs", [(3, []), (4, [(1, 0)])])
def test_keras_same_at_stride_2(k, pairs):
    x, w = x_w(np.random.default_rng(k), (4, 4), (k, k))
    y = fw.conv_transpose2d_translated(x, w, translation=fw.from_keras(k, 2, "same"))
    assert y.shape[2:] == (8, 8)
    assert pytorch_pairs_giving(y, x, w, 2) == pairs


def test_same_keeps_the_first_8_of_9_rows_and_pytorch_the_last_8():
    first8 = (fw.Cut(0, 1), fw.Cut(0, 1))
    assert fw.keras_cut(3, 2, "same") == first8
    assert fw.jax_cut(3, 2, "SAME") == first8
    assert fw.onnx_cut(3, 2, auto_pad="SAME_UPPER") == first8
    assert fw.onnx_cut(3, 2, auto_pad="SAME_LOWER") == fw.torch_cut(1, 1) == ((1, 0), (1, 0))
    assert fw.from_onnx(3, 2, auto_pad="SAME_UPPER").torch_pair is None


@pytest.mark.parametrize("k, s", [(3, 2), (4, 2), (1, 1), (1, 2), (2, 3), (5, 4), (1, 4)])
def test_valid_is_padding_0_until_the_stride_outruns_the_kernel(k, s):
    zeros = max(s - k, 0)
    want = ((0, 0), (zeros, zeros))
    assert fw.from_keras(k, s, "valid").torch_pair == want
    assert fw.from_jax((k, k), s, "VALID").torch_pair == want
    assert fw.from_flax((k, k), s, "VALID").torch_pair == want
    assert fw.from_onnx(k, s, auto_pad="VALID").torch_pair == ((0, 0), (0, 0))


def test_jax_kernel_is_flipped_without_transpose_kernel():
    w = np.arange(2 * 3 * 2 * 3).reshape(2, 3, 2, 3)
    np.testing.assert_array_equal(fw.jax_kernel(w, False, "OIHW"),
                                  w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])
    np.testing.assert_array_equal(fw.jax_kernel(w, True, "OIHW"), w)
    assert fw.keras_kernel(w).shape == (2, 3, 3, 2)  # (kH, kW, C_out, C_in)
    assert fw.flax_kernel(w).shape == (2, 3, 2, 3)  # (kH, kW, C_in, C_out), flipped
    np.testing.assert_array_equal(fw.flax_kernel(w)[0, 0], w[:, :, -1, -1])
    assert fw.flax_kernel(w, transpose_kernel=True).shape == (2, 3, 3, 2)


@pytest.mark.parametrize("spec", ["HWIO", "OIHW", "IOHW", "HWOI", "OHWI"])
@pytest.mark.parametrize("transpose_kernel", [False, True])
def test_weight_layouts_round_trip(spec, transpose_kernel):
    w = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    np.testing.assert_array_equal(
        fw.weight_from_jax(fw.jax_kernel(w, transpose_kernel, spec), transpose_kernel, spec), w)
    np.testing.assert_array_equal(
        fw.weight_from_flax(fw.flax_kernel(w, transpose_kernel), transpose_kernel), w)
    np.testing.assert_array_equal(fw.weight_from_keras(fw.keras_kernel(w)), w)


def test_relayout():
    a = np.zeros((1, 2, 3, 4))
    assert fw.relayout(a, "NCHW", "NHWC").shape == (1, 3, 4, 2)
    np.testing.assert_array_equal(fw.relayout(fw.relayout(a, "NCHW", "HWNC"), "HWNC", "NCHW"), a)


# ---------------------------------------------------------------------------------------
# Clear errors
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, message", [
    (lambda: fw.from_keras(3, 2, "full"), ValueError, 'padding must be "same" or "valid"'),
    (lambda: fw.from_keras(3, 2, "same", 2), ValueError, r"output_padding \(2\) must be smaller"),
    (lambda: fw.from_keras(3, 2, "same", dilation_rate=2), ValueError, "strides > 1 with"),
    (lambda: fw.from_keras(0, 2), ValueError, "kernel_size must be positive"),
    (lambda: fw.from_keras(3, 2.0), TypeError, "strides must be an integer"),
    (lambda: fw.to_keras(fw.from_torch(3, 2, groups=2)), ValueError, "no groups"),
    (lambda: fw.to_jax(fw.from_torch(3, 2, groups=2)), ValueError, "no groups"),
    (lambda: fw.from_jax(3, 2, "same"), ValueError, 'padding must be "SAME", "VALID"'),
    (lambda: fw.from_jax(3, 2, [(1, 1)]), ValueError, "two"),
    (lambda: fw.from_jax(3, 2, [(1, 1), (1,)]), ValueError, r"\(low, high\)"),
    (lambda: fw.from_flax((3, 3), 2, "CIRCULAR"), ValueError, "CIRCULAR"),
    (lambda: fw.from_flax(3, 2), TypeError, "Flax reads an int as a 1-D kernel"),
    (lambda: fw.from_onnx(3, 2, auto_pad="SAME"), ValueError, "auto_pad must be one of"),
    (lambda: fw.from_onnx(3, 2, pads=[1] * 4, auto_pad="VALID"), ValueError, "pads cannot"),
    (lambda: fw.from_onnx(3, 2, pads=[1] * 2), ValueError, "pads must be"),
    (lambda: fw.from_onnx(3, 2, output_shape=(8, 8)), ValueError, "needs the input's size"),
    (lambda: fw.from_onnx(1, 2, auto_pad="SAME_UPPER"), ValueError, "negative pads"),
    (lambda: fw.from_onnx(3, 2, output_padding=2), ValueError, "output_padding"),
    (lambda: fw.from_torch(3, 2, output_padding=2), ValueError, "smaller than stride"),
    (lambda: fw.Translation(3, cut=((0, 0),)), TypeError, "cut must be a pair"),
    (lambda: fw.Translation(3, cut=((0, 0), (0, "1"))), TypeError, "cut W end"),
    (lambda: fw.kept_cells("not a layer", 4), TypeError, "must be a tconv.frameworks.Transl"),
    (lambda: fw.kept_cells(fw.from_torch(3, 1, 3), 1), ValueError, "keeps no cell"),
    (lambda: fw.to_torch(fw.Translation(3, cut=((-1, 0), (0, 0)))), ValueError, "before"),
    (lambda: fw.to_torch(fw.Translation(3, cut=((0, -1), (0, 0)))), ValueError, "zero cells"),
    (lambda: fw.crop_full_output(np.ones((3, 3)), ((2, 1), (0, 0))), ValueError, "leaves nothing"),
    (lambda: fw.crop_full_output(np.ones(3), ((0, 0), (0, 0))), ValueError, "y must have shape"),
    (lambda: fw.relayout(np.ones((2, 2)), "NC", "NH"), ValueError, "same distinct letters"),
    (lambda: fw.relayout(np.ones((2, 2)), "NCH", "HCN"), ValueError, "has 3 letters"),
    (lambda: fw.jax_kernel(np.ones((2, 3, 3, 3)), rhs_spec="HWIX"), ValueError, "rhs_spec"),
    (lambda: fw.keras_kernel(np.ones((3, 3))), ValueError, "weight must have shape"),
    (lambda: fw.conv_transpose2d_translated(np.ones((1, 2, 4, 4)), np.ones((2, 3, 2, 2)),
                                            translation=fw.from_keras(3, 2, "same")),
     ValueError, "kernel_size is"),
    (lambda: fw.conv_transpose2d_translated(np.ones((1, 2, 4, 4)), np.ones((2, 3, 3, 3)),
                                            np.ones(2), translation=fw.from_keras(3, 2, "same")),
     ValueError, r"bias must have shape \(3,\)"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------------------------------
# The framework stage's requirements
# ---------------------------------------------------------------------------------------


def _requirements(path: Path) -> dict[str, str]:
    """{name: specifier} of a requirements file (comments and -e/-r lines dropped)."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, spec = re.match(r"([A-Za-z0-9_.\-]+(?:\[[^\]]*\])?)\s*(.*)", line).groups()
            out[name.split("[")[0].lower()] = spec.replace(" ", "")
    return out


def test_framework_stage_pins_the_frameworks_and_shares_the_books_ranges():
    book = _requirements(ROOT / "requirements.txt")
    stage = _requirements(ROOT / "requirements-frameworks.txt")
    for name in ("torch", "jax", "flax", "keras", "onnx", "onnxruntime"):
        assert stage[name].startswith("=="), (name, stage[name])  # exact pins
        assert name not in book  # the book and make test never need them
    assert stage["torch"] == "==2.13.0"  # the CPU wheel here; a bare torch pulls CUDA
    for name, spec in stage.items():
        if name in book:
            assert spec == book[name], (name, spec, book[name])
    assert "-e ." in (ROOT / "requirements-frameworks.txt").read_text()
