"""Answer checkers for the chapters' exercises: ``check(label, answer)`` says what is wrong.

Every answer is computed by tconv from the settings the exercise states, never typed in. An
exercise with several answers takes them as a tuple in the order the question asks for them,
or as a dict keyed by the names in ``parts(label)`` (a dict may hold only some of them).

Not checkable, because their answers are explanations, choices or open-ended examples:
``ex-many-names-4`` (any pair of example inputs will do), ``ex-stride-padding-3`` (what
padding does, and two of several settings), ``ex-checkerboard-1`` (picking pictures from a
figure), ``ex-checkerboard-4`` (what to do with the bias), ``ex-super-resolution-4`` (a gain
measured by training the chapter's own model), ``ex-segmentation-3`` (what a wrong gradient
does). The yes/no and "why" halves of checked exercises are not checked either.

May import: the operations (:mod:`tconv`, :mod:`tconv.nn`, :mod:`tconv.arch`) and the other
companions of :mod:`tconv.book`, whose experiments some answers rerun.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .. import arch, frameworks, nn
from ..conv import conv2d, conv_transpose1d, conv_transpose2d
from ..fixed_kernels import fixed_upsampler, nearest_kernel
from ..metrics import psnr
from ..placements import gather, placements
from ..pool import max_pool2d, max_unpool2d
from ..roundtrip import conv_input_sizes, output_padding_for
from ..shapes import conv_transpose_output_size
from ..upsample import (
    bed_of_nails,
    bilinear_source_coords,
    pixel_shuffle,
    upsample_bilinear,
    upsample_nearest,
)
from ..views import conv_matrix
from . import checkerboard, data, in_practice
from .why_upsample import encoder_decoder, same_padding_net


@dataclass(frozen=True)
class Part:
    """One answer of an exercise: its key, what it is (for sentences), the value, how to compare.

    ``kind`` is ``"int"`` (a whole number), ``"number"`` (within ``atol`` or ``rtol``),
    ``"size"`` (an int, or a pair for a 2-D size), ``"shape"`` (a tuple of ints), ``"array"``
    (cell by cell within ``atol``), ``"set"`` (the same items in any order) or ``"function"``
    (the reader's function, called on each of ``cases``, must return what ``value`` returns).
    ``hint`` maps a wrong answer to an extra sentence, or None.
    """

    key: str
    what: str
    value: object
    kind: str = "array"
    atol: float = 1e-9
    rtol: float = 0.0
    hint: Callable[[object], str | None] | None = None
    cases: tuple = ()


# ---------------------------------------------------------------- why-upsample


def _why_upsample_1():
    macs = arch.step(arch.Conv2d(64, 3, padding=1), (64, 56, 56)).macs
    return (Part("macs", "the number of multiply-adds", macs, "int", rtol=0.01),)


def _macs_ratio(widths) -> float:
    shape = (3, 128, 128)
    return (arch.total_macs(arch.trace(encoder_decoder(widths, 4), shape))
            / arch.total_macs(arch.trace(same_padding_net(widths, 4), shape)))


def _why_upsample_2():
    ratios = [_macs_ratio((16, 32, 64, 128, 256)[:n]) for n in range(2, 6)]
    return (Part("ratios", "the four ratios (2 to 5 widths)", np.array(ratios), "array",
                 atol=6e-4),)


def _height_out(h: int) -> int:
    return arch.trace(encoder_decoder((8, 16, 32, 64), 2), (1, h, h))[-1].out_shape[1]


def _why_upsample_3():
    same = [h for h in range(100, 121) if _height_out(h) == h]

    def hint(got):
        wrong = [h for h in got if h not in same and 100 <= h <= 120]
        if wrong:
            return f"{wrong[0]} comes back as {_height_out(wrong[0])}."
        return None
    return (Part("heights", "the heights that come back unchanged", same, "set", hint=hint),)


def _why_upsample_4():
    widths, classes, shape = (16, 32, 64, 128), 4, (3, 128, 128)
    nearest = arch.total_macs(arch.trace(encoder_decoder(widths, classes), shape))
    bilinear = arch.total_macs(
        arch.trace(encoder_decoder(widths, classes, mode="bilinear"), shape))
    return (Part("extra", "the growth in multiply-adds", bilinear - nearest, "int",
                 rtol=0.02),)


# ---------------------------------------------------------------- fixed-upsampling


def _fixed_upsampling_1():
    g = np.array([[0, 4], [8, 12]])
    return (Part("nearest", "the nearest-neighbour grid", upsample_nearest(g, 2)),
            Part("bilinear", "the bilinear grid", upsample_bilinear(g, 2), atol=1e-6),
            Part("bed_of_nails", "the bed-of-nails grid", bed_of_nails(g, 2)))


def _clamp_hint(got):
    if np.asarray(got).size and np.min(got) < 0:
        return "Positions before the first pixel centre are clamped to 0."
    return None


def _exact_pixels(coords, n: int) -> set[int]:
    clamped = np.clip(coords, 0, n - 1)
    return {int(j) for j in np.flatnonzero(np.isclose(clamped, np.round(clamped)))}


def _fixed_upsampling_2():
    centres = bilinear_source_coords(3, 6)
    corners = bilinear_source_coords(3, 6, align_corners=True)
    exact = sorted(_exact_pixels(centres, 3) & _exact_pixels(corners, 3))
    return (Part("false", "the positions with align_corners=False", centres, atol=1e-6,
                 hint=_clamp_hint),
            Part("true", "the positions with align_corners=True", corners, atol=1e-6),
            Part("exact", "the output pixels that read an input value exactly", exact, "set"))


def _fixed_upsampling_3():
    pooled, index = max_pool2d(np.array([[2, 2], [1, 0]]), 2, return_indices=True)
    return (Part("index", "the recorded index", int(index.item()), "int"),
            Part("unpooled", "the unpooled grid", max_unpool2d(pooled, index, 2)))


def _fixed_upsampling_4():
    x = np.arange(1, 10).reshape(3, 3)

    def hint(kernel):
        kernel = np.asarray(kernel)
        if kernel.shape != (2, 2):
            return None
        filled = conv2d(bed_of_nails(x, 2), kernel, padding=1)[:-1, :-1]
        wrong = int(np.sum(~np.isclose(filled, upsample_nearest(x, 2))))
        return (f"With your kernel, {wrong} of {filled.size} cells of a filled 3×3 grid differ "
                "from nearest neighbour.")
    kernel, target = nearest_kernel(2), upsample_nearest(x, 2)
    padding = next(p for p in range(3)
                   if conv2d(bed_of_nails(x, 2), kernel, padding=p)[:-1, :-1].shape == target.shape
                   and np.array_equal(conv2d(bed_of_nails(x, 2), kernel, padding=p)[:-1, :-1],
                                      target))
    return (Part("kernel", "the kernel", kernel, hint=hint),
            Part("padding", "the padding", padding, "int"))


@lru_cache(maxsize=1)
def _black_psnr() -> float:
    region = data.sample_image("grace_hopper").astype(np.float64)[44:556, :]
    return psnr(np.zeros_like(region), region)


def _fixed_upsampling_5():
    return (Part("psnr", "the PSNR of an all-black image in dB", _black_psnr(), "number",
                 atol=0.01),)


# ---------------------------------------------------------------- step-by-step

X = np.array([[1, 2], [3, 4]])  # the chapter's example input
KERNEL = np.array([[1, 3], [4, 2]])  # and its kernel


def _size_hints(*wrong: tuple[object, str]):
    def hint(got):
        for size, why in wrong:
            if np.array_equal(np.atleast_1d(got), np.atleast_1d(size)):
                return why
        return None
    return hint


def _step_by_step_1():
    x = np.array([[1, 2], [3, 4]])
    return (Part("y", "the transposed convolution", conv_transpose2d(x, np.ones((2, 2), int))),)


def _step_by_step_2():
    args = dict(stride=2, padding=1)
    size = conv_transpose_output_size((3, 3), (3, 3), output_padding=1, **args)
    hint = _size_hints(
        (conv_transpose_output_size((3, 3), (3, 3), **args), "Did you forget output_padding?"),
        (conv_transpose_output_size((3, 3), (3, 3), stride=2, output_padding=1),
         "padding crops 1 row and column from each side: subtract 2·padding."))
    return (Part("size", "the output size", tuple(size), "size", hint=hint),)


def _step_by_step_3():
    return (Part("counts", "the overlap counts",
                 placements(np.ones((3, 3)), np.ones((3, 3))).overlap),)


def _step_by_step_4():
    terms = gather(X, KERNEL, (2, 1))
    pairs = [(t.input_index, t.kernel_index) for t in terms]
    return (Part("terms", "the (input index, kernel index) pairs", pairs, "set"),)


def _step_by_step_5():
    tiling = next(s for s in range(1, 5)
                  if (placements(X, KERNEL, stride=s).overlap == 1).all())
    counts = placements(np.ones((2, 2)), np.ones((3, 3)), stride=tiling).overlap
    return (Part("stride", "the stride", tiling, "int"),
            Part("counts", "the overlap counts with a 3×3 kernel", counts))


def scatter(x, kernel, stride):
    """The answer ex-step-by-step-6 asks for: ``conv_transpose2d`` of a bare 2-D input."""
    return conv_transpose2d(np.asarray(x), np.asarray(kernel), stride=stride)


SCATTER_CASES = (
    (X, KERNEL, 1),                                         # the chapter's example
    (X, KERNEL, 2),                                         # tiles
    (X, KERNEL, 3),                                         # gaps
    (np.array([[1, -2, 3]]), np.array([[2], [1], [-1]]), 2),  # not square, negative values
    (np.array([[0.5, -1.5], [2.0, 1.0], [3.0, -0.25]]),
     np.array([[1, 0, 2], [-1, 3, 1], [2, 2, -2]]), 2),      # floats, overlap in both axes
    (np.array([[5]]), np.array([[1, 2, 3], [4, 5, 6]]), 4),  # one value: the kernel itself
)
"""(x, kernel, stride) on which the reader's scatter loop runs, in this order."""


def _overwriting(x, kernel, stride):
    """The slip of writing each block with ``=`` instead of ``+=``."""
    x, kernel = np.asarray(x), np.asarray(kernel)
    out = np.zeros_like(scatter(x, kernel, stride))
    for u, v in np.ndindex(*x.shape):
        out[u * stride:u * stride + kernel.shape[0],
            v * stride:v * stride + kernel.shape[1]] = x[u, v] * kernel
    return out


def _scatter_hint(function) -> str | None:
    """A sentence naming a common slip when ``function`` makes it on every case."""
    slips = [(_overwriting, "Where blocks overlap they add: write each block with +=, not =."),
             (lambda x, k, s: scatter(x, np.asarray(k)[::-1, ::-1], s),
              "Each block is x[u, v] times the kernel as it is, not turned by 180°.")]
    for slip, why in slips:
        try:
            if all(np.allclose(function(np.array(x), np.array(k), s), slip(x, k, s))
                   for x, k, s in SCATTER_CASES):
                return why
        except Exception:  # noqa: BLE001 - the reader's function may raise anything
            return None
    return None


def _step_by_step_6():
    return (Part("function", "a scatter loop that gives conv_transpose2d's output", scatter,
                 "function", hint=_scatter_hint, cases=SCATTER_CASES),)


# ---------------------------------------------------------------- stride-padding


def _stride_padding_1():
    plain = conv_transpose_output_size(5, 4, stride=2, padding=1)
    extra = conv_transpose_output_size(5, 4, stride=2, padding=1, output_padding=1)
    uncropped = conv_transpose_output_size(5, 4, stride=2)
    crop = _size_hints((uncropped, "padding=1 crops one cell from each side of the output."))
    return (Part("size", "the output size", plain, "size", hint=crop),
            Part("with_output_padding", "the output size with output_padding=1", extra, "size",
                 hint=_size_hints((plain, "Did you forget output_padding?"))))


def _stride_padding_2():
    sizes = conv_input_sizes(4, 5, 3, 2)
    return (Part("sizes", "the input sizes", list(sizes), "set"),
            Part("output_padding", "the output paddings, smallest input size first",
                 np.array([output_padding_for(i, 5, 3, 2) for i in sizes])))


def _stride_padding_4():
    shape = nn.ConvTranspose2d(6, 4, 3, groups=2, rng=0).weight.data.shape
    hint = _size_hints(
        (nn.ConvTranspose2d(6, 4, 3, rng=0).weight.data.shape,
         "Did you forget to divide out_channels by groups?"),
        (nn.Conv2d(6, 4, 3, groups=2, rng=0).weight.data.shape,
         "That is a convolution's layout; a transposed convolution's weight starts with its "
         "input channels."))
    return (Part("shape", "the weight shape", tuple(shape), "shape", hint=hint),)


# ---------------------------------------------------------------- many-names


def _many_names_1():
    C = conv_matrix((1, 4), [[1, 2]], stride=2)

    def transposed(got):
        got = np.asarray(got)
        if got.shape == C.T.shape and np.allclose(got, C.T):
            return "That is Cᵀ: C has one row per output cell of the convolution."
        return None
    return (Part("C", "the matrix C", C, hint=transposed),
            Part("Cty", "Cᵀy", conv_transpose1d(np.array([3, 5]), np.array([1, 2]), stride=2)))


def _many_names_2():
    x, k = np.array([1, 2]), np.array([1, 2, 3])
    return (Part("y", "the transposed convolution", conv_transpose1d(x, k, stride=2)),)


def _many_names_3():
    shift = np.zeros((3, 3), dtype=int)
    shift[0, 1] = 1  # a single 1 in the middle of the top row
    C = conv_matrix((4, 4), shift, padding=1)
    lost = [divmod(int(j), 4) for j in np.flatnonzero(np.diag(C.T @ C) == 0)]

    def hint(got):
        if {_item(v) for v in got} == {(0, c) for c in range(4)}:
            return ("Each output cell reads the input cell one row up: which input row does "
                    "no output cell read?")
        return None
    return (Part("cells", "the input cells (u, v) that do not come back", lost, "set",
                 hint=hint),)


# ---------------------------------------------------------------- checkerboard


def _checkerboard_2():
    return (Part("levels_1d", "the 1-D interior counts",
                 list(checkerboard.overlap_count(40, 5, 2).interior_levels), "set"),
            Part("levels_2d", "the 2-D interior counts",
                 list(checkerboard.overlap_count((20, 20), 5, 2).interior_levels), "set"),
            Part("short_p0", "the number of short cells at each end with padding 0",
                 checkerboard.short_border(5, 2, 0), "int"),
            Part("short_p2", "the number of short cells at each end with padding 2",
                 checkerboard.short_border(5, 2, 2), "int"))


def _checkerboard_3():
    return (Part("levels", "the interior counts of k=3 then k=4",
                 list(checkerboard.stack_overlap(12, [(3, 2), (4, 2)]).interior_levels), "set"),
            Part("levels_swapped", "the interior counts of k=4 then k=3",
                 list(checkerboard.stack_overlap(12, [(4, 2), (3, 2)]).interior_levels), "set"))


# ---------------------------------------------------------------- super-resolution


def _super_resolution_1():
    padding = next(p for p in range(9) if conv_transpose_output_size(20, 9, 3, p) == 60)

    def hint(p):
        try:
            n = conv_transpose_output_size(20, 9, 3, int(p))
        except (TypeError, ValueError):
            return None
        return f"With padding {p} a 20×20 input gives {n}×{n}, not 60×60."
    return (Part("padding", "the padding", padding, "int", hint=hint),)


def _super_resolution_2():
    k = np.zeros((6, 6))
    k[2:4, 2:4] = [[1.0, 0.5], [0.5, 0.25]]
    out = conv_transpose2d(np.ones((10, 10)), k, stride=2, padding=2)
    return (Part("block", "the 2×2 block that repeats away from the border", out[4:6, 4:6],
                 atol=1e-6),)


def _super_resolution_3():
    w = nn.Conv2d(1, 9, 3, padding=1, bias=False, rng=0).weight.data.astype(np.float64)
    x = np.random.default_rng(1).standard_normal((1, 1, 8, 8))
    K = nn.subpixel_as_transposed(w, 3)
    target = pixel_shuffle(conv2d(x, w, padding=1), 3)

    def same(s, p):
        out = conv_transpose2d(x, K, stride=s, padding=p)
        return out.shape == target.shape and np.allclose(out, target)
    stride, padding = next((s, p) for s in range(1, 5) for p in range(K.shape[-1] // 2)
                           if same(s, p))
    return (Part("weights", "the number of weights", int(w.size), "int"),
            Part("kernel_size", "the kernel size", int(K.shape[-1]), "int"),
            Part("stride", "the stride", stride, "int"),
            Part("padding", "the padding", padding, "int"))


# ---------------------------------------------------------------- segmentation


def _segmentation_1():
    pred = np.array([[0, 1, 1, 2], [0, 1, 2, 2]])
    true = np.array([[0, 1, 2, 2], [1, 1, 2, 2]])
    return (Part("iou", "the IoU of each class", nn.iou_per_class(pred, true, 3), atol=6e-4),
            Part("miou", "the mIoU", nn.mean_iou(pred, true, 3), "number", atol=6e-4))


def _segmentation_2():
    up = fixed_upsampler("bilinear", 8)  # kernel 2s, padding s/2: what bilinear_weight fills
    kernel, padding = up.kernel.shape[-1], up.padding[-1]

    def size_from(k, p):
        try:
            n = conv_transpose_output_size(4, k, 8, p)
        except (TypeError, ValueError):
            return None
        return f"With kernel {k} and padding {p} a 4×4 grid becomes {n}×{n}, not 32×32."
    return (Part("size", "the output size", conv_transpose_output_size(8, 8, 4, 2), "size"),
            Part("kernel_size", "the kernel size", int(kernel), "int",
                 hint=lambda k: size_from(k, padding)),
            Part("padding", "the padding", int(padding), "int",
                 hint=lambda p: size_from(kernel, p)))


def _pixel_rule(images):
    return np.abs(images[:, 0, :, :, None] - np.array(data.LEVELS)).argmin(axis=-1)


@lru_cache(maxsize=1)
def _pixel_rule_scores() -> tuple[float, ...]:
    """mIoU of the pixel rule at noise 0.1, 0.2, 0.3, then smoothed at 0.2."""
    scores = []
    for noise in (0.1, 0.2, 0.3):
        xs, ys = data.shapes_dataset(200, noise=noise, rng=1)
        scores.append(nn.mean_iou(_pixel_rule(xs), ys, 4))
    xs, ys = data.shapes_dataset(200, noise=0.2, rng=1)
    smooth = conv2d(xs, np.ones((1, 1, 3, 3)) / 9, padding=1)
    return (*scores, nn.mean_iou(_pixel_rule(smooth), ys, 4))


def _segmentation_4():
    *noisy, smoothed = _pixel_rule_scores()
    return (Part("miou", "the mIoU at noise 0.1, 0.2 and 0.3", np.array(noisy), atol=6e-4),
            Part("smoothed", "the mIoU after smoothing at noise 0.2", smoothed, "number",
                 atol=6e-4))


# ---------------------------------------------------------------- in-practice


def _in_practice_1():
    layout = in_practice.dcgan_layout(size=128)
    sizes, shapes = [1], []
    for _, c_out, k, s, p in layout:
        sizes.append(conv_transpose_output_size(sizes[-1], k, s, p))
        shapes.append((c_out, sizes[-1], sizes[-1]))
    c_in, c_out, k, s, p = layout[3]
    weights = nn.ConvTranspose2d(c_in, c_out, k, s, p, bias=False, rng=0).weight.data.size

    def which_layer(got):
        got = tuple(np.atleast_1d(got).tolist())
        if got in shapes:
            return f"That is the shape after layer {shapes.index(got) + 1}."
        return None
    return (Part("shape", "the shape (C, H, W) after the fourth layer", shapes[3], "shape",
                 hint=which_layer),
            Part("weights", "the number of weights of the fourth layer", int(weights), "int",
                 hint=_size_hints((weights + c_out, "The generator's layers have no bias."))))


DOUBLING_KERNELS = (3, 5, 6)
"""The kernel sizes of ex-in-practice-2 (stride 2)."""


def _doubles(k: int, p: int, a: int) -> bool:
    """Whether stride 2, padding p and output padding a make every size i into 2i."""
    try:
        return all(conv_transpose_output_size(i, k, 2, p, a) == 2 * i for i in range(1, 13))
    except ValueError:
        return False


def _in_practice_2():
    pairs = [next((p, a) for p in range(k + 1) for a in range(2) if _doubles(k, p, a))
             for k in DOUBLING_KERNELS]

    def what_it_gives(got):
        for k, pair in zip(DOUBLING_KERNELS, np.asarray(got).tolist(), strict=True):
            p, a = pair
            if not _doubles(k, p, a):
                try:
                    o = conv_transpose_output_size(5, k, 2, p, a)
                except ValueError as err:
                    return f"With k = {k}, (p, a) = ({p}, {a}) is not allowed: {err}."
                return f"With k = {k}, (p, a) = ({p}, {a}) makes 5 into {o}, not 10."
        return None
    return (Part("pairs", "the pairs (p, a) for k = 3, 5 and 6", np.array(pairs),
                 hint=what_it_gives),)


def _in_practice_3():
    up = nn.ConvTranspose2d(64, 32, 4, 2, 1, groups=32, rng=0)
    mix = nn.Conv2d(32, 32, 1, rng=0)
    total = in_practice.parameter_count(up) + in_practice.parameter_count(mix)
    up_hint = _size_hints(
        (nn.ConvTranspose2d(64, 32, 4, 2, 1, rng=0).weight.data.shape,
         "Did you forget to divide out_channels by groups?"),
        (nn.Conv2d(64, 32, 4, groups=32, rng=0).weight.data.shape,
         "That is a convolution's layout; a transposed convolution's weight starts with its "
         "input channels."))
    no_bias = up.weight.data.size + mix.weight.data.size
    return (Part("up", "the weight shape of the transposed convolution",
                 tuple(up.weight.data.shape), "shape", hint=up_hint),
            Part("mix", "the weight shape of the 1×1 convolution", tuple(mix.weight.data.shape),
                 "shape"),
            Part("params", "the number of parameters of both layers", int(total), "int",
                 hint=_size_hints((no_bias, "Count the biases too: one per output channel of "
                                            "each layer."))))


UNET_SIZES = range(400, 501)
"""The input sizes ex-in-practice-4 asks about."""


def _unet_answer(n: int) -> int | str:
    """The original U-Net's output size for input ``n``, or why it does not accept ``n``."""
    try:
        return in_practice.unet_sizes(n)[1]
    except ValueError as err:
        return str(err)


def _in_practice_4():
    outputs = {n: _unet_answer(n) for n in UNET_SIZES}
    accepted = [n for n, o in outputs.items() if isinstance(o, int)]
    differences = {n - outputs[n] for n in accepted}
    assert len(differences) == 1  # the same for every accepted size

    def why_not(got):
        for n in got:
            if int(n) not in accepted:
                reason = _unet_answer(int(n))
                return (f"{int(n)} is not accepted: {reason}." if isinstance(reason, str)
                        else None)
        return None
    return (Part("sizes", "the accepted input sizes", accepted, "set", hint=why_not),
            Part("difference", "the difference between input and output size",
                 differences.pop(), "int"))


KERAS_SAME_KERNELS = range(2, 9)
"""The kernel sizes ex-in-practice-5 asks about (Keras "same", stride 2)."""


def _in_practice_5():
    pairs = {k: frameworks.from_keras(k, strides=2, padding="same").torch_pair
             for k in KERAS_SAME_KERNELS}
    sizes = [k for k, pair in pairs.items() if pair is not None]
    (p6, _), (a6, _) = pairs[6]

    def why_not(got):
        for k in np.atleast_1d(got).tolist():
            k = int(k)
            if k in pairs and pairs[k] is None:
                cut = frameworks.keras_cut(k, 2, "same")[0]
                return (f"With k = {k}, \"same\" cuts {cut.begin} cell(s) at the beginning and "
                        f"{cut.end} at the end: PyTorch's padding cuts as many at both ends.")
        return None
    return (Part("sizes", "the kernel sizes with a PyTorch pair", sizes, "set", hint=why_not),
            Part("pair", "the (padding, output_padding) for k = 6", (p6, a6), "shape"))


EXERCISES = {
    "ex-why-upsample-1": _why_upsample_1,
    "ex-why-upsample-2": _why_upsample_2,
    "ex-why-upsample-3": _why_upsample_3,
    "ex-why-upsample-4": _why_upsample_4,
    "ex-fixed-upsampling-1": _fixed_upsampling_1,
    "ex-fixed-upsampling-2": _fixed_upsampling_2,
    "ex-fixed-upsampling-3": _fixed_upsampling_3,
    "ex-fixed-upsampling-4": _fixed_upsampling_4,
    "ex-fixed-upsampling-5": _fixed_upsampling_5,
    "ex-step-by-step-1": _step_by_step_1,
    "ex-step-by-step-2": _step_by_step_2,
    "ex-step-by-step-3": _step_by_step_3,
    "ex-step-by-step-4": _step_by_step_4,
    "ex-step-by-step-5": _step_by_step_5,
    "ex-step-by-step-6": _step_by_step_6,
    "ex-stride-padding-1": _stride_padding_1,
    "ex-stride-padding-2": _stride_padding_2,
    "ex-stride-padding-4": _stride_padding_4,
    "ex-many-names-1": _many_names_1,
    "ex-many-names-2": _many_names_2,
    "ex-many-names-3": _many_names_3,
    "ex-checkerboard-2": _checkerboard_2,
    "ex-checkerboard-3": _checkerboard_3,
    "ex-super-resolution-1": _super_resolution_1,
    "ex-super-resolution-2": _super_resolution_2,
    "ex-super-resolution-3": _super_resolution_3,
    "ex-segmentation-1": _segmentation_1,
    "ex-segmentation-2": _segmentation_2,
    "ex-segmentation-4": _segmentation_4,
    "ex-in-practice-1": _in_practice_1,
    "ex-in-practice-2": _in_practice_2,
    "ex-in-practice-3": _in_practice_3,
    "ex-in-practice-4": _in_practice_4,
    "ex-in-practice-5": _in_practice_5,
}


def chapter_of(label: str) -> str:
    """The chapter slug of an exercise label: ``ex-<slug>-<n>`` -> ``<slug>``."""
    return label[len("ex-"):].rsplit("-", 1)[0]


def parts(label: str) -> tuple[Part, ...]:
    """The answers of exercise ``label``, in the order the question asks for them."""
    if not isinstance(label, str):
        raise TypeError(f"label must be a string such as 'ex-step-by-step-1', got {label!r}")
    if label not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        raise ValueError(f"label {label!r} has no checker; labels with one: {known}")
    return EXERCISES[label]()


def expected(label: str):
    """The answer to exercise ``label``, computed by tconv: one value, or a tuple of them."""
    values = tuple(part.value for part in parts(label))
    return values[0] if len(values) == 1 else values


# ---------------------------------------------------------------- feedback


def _shape_text(shape) -> str:
    return "×".join(str(n) for n in shape)


def _num(v) -> str:
    v = float(v)
    return f"{int(v):,}" if v.is_integer() else f"{v:.6g}"


def _as_int(answer):
    """``answer`` as an int, or None when it is not a whole number."""
    if isinstance(answer, (bool, np.bool_)):
        return None
    if isinstance(answer, np.ndarray) and answer.ndim == 0:
        answer = answer.item()
    if isinstance(answer, (int, np.integer)):
        return int(answer)
    if isinstance(answer, (float, np.floating)) and float(answer).is_integer():
        return int(answer)
    return None


def _as_float(answer):
    if isinstance(answer, (bool, np.bool_, str, bytes)):
        return None
    try:
        return float(answer)
    except (TypeError, ValueError):
        return None


def _scale_hint(got: float, want: float) -> str:
    """'a factor of 4 too small' when the answer is a whole multiple or fraction away."""
    if got == 0 or want == 0:
        return ""
    for ratio, word in ((want / got, "small"), (got / want, "large")):
        if ratio >= 1.5 and abs(ratio - round(ratio)) < 1e-6:
            return f"a factor of {round(ratio)} too {word}"
    return ""


def _check_number(part: Part, answer) -> str | None:
    """None when ``answer`` is right, else what is wrong with it."""
    if part.kind == "int":
        got = _as_int(answer)
        if got is None and part.rtol == 0:
            return f"your answer {answer!r} is not a whole number; {part.what} is one."
    got = _as_float(answer)
    if got is None:
        return f"your answer {answer!r} is not a number; {part.what} is one."
    want = float(part.value)
    if abs(got - want) <= max(part.atol, part.rtol * abs(want)):
        return None
    diff = got - want
    if part.kind == "int" and abs(diff) == 1:
        return f"{_num(got)} is 1 too {'large' if diff > 0 else 'small'} for {part.what}."
    tol = max(part.atol, part.rtol * abs(want))
    if abs(diff) <= 10 * tol:
        if part.rtol:
            return (f"{_num(got)} is close, but {abs(diff) / abs(want):.0%} too "
                    f"{'large' if diff > 0 else 'small'} for {part.what} (within "
                    f"{part.rtol:.0%} counts as right).")
        return (f"{_num(got)} is close to {part.what}, but more than {tol:.2g} off: "
                "give more decimals.")
    scale = _scale_hint(got, want) or f"too {'large' if diff > 0 else 'small'}"
    return f"{_num(got)} is {scale} for {part.what}."


def _check_size(part: Part, answer) -> str | None:
    want = tuple(np.atleast_1d(part.value).tolist())
    n = _as_int(answer)
    if n is not None:
        got = (n,) * len(want)
    else:
        try:
            got = tuple(_as_int(v) for v in answer)
        except TypeError:
            got = (None,)
        if None in got:
            return f"your answer {answer!r} is not a size; {part.what} is a whole number."
        if len(want) == 1 and len(got) == 2 and got[0] == got[1]:
            got = got[:1]  # a square size written as a pair
    if len(want) == 1 and len(got) == 2:
        return (f"your size {_shape_text(got)} is not square, but a square input with a square "
                f"kernel gives a square output.")
    if len(got) != len(want):
        return (f"your size {_shape_text(got)} has {len(got)} numbers; {part.what} has "
                f"{len(want)}.")
    if got == want:
        return None
    diffs = {g - w for g, w in zip(got, want, strict=True)}
    shown = _shape_text(got) if len(got) > 1 or n is None else str(n)
    if diffs == {-1}:
        return f"your size {shown} is 1 short for {part.what}."
    if diffs == {1}:
        return f"your size {shown} is 1 too many for {part.what}."
    return f"your size {shown} is too {'large' if max(diffs) > 0 else 'small'} for {part.what}."


def _check_shape(part: Part, answer) -> str | None:
    want = tuple(part.value)
    try:
        got = tuple(_as_int(v) for v in answer)
    except TypeError:
        got = (None,)
    if None in got:
        return f"your answer {answer!r} is not a shape; {part.what} is a tuple of whole numbers."
    if len(got) != len(want):
        return f"your shape has {len(got)} axes; {part.what} has {len(want)}."
    if got == want:
        return None
    axis = next(i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w)
    return f"axis {axis} of your shape {got} is wrong for {part.what}."


def _item(v):
    """A set item as something hashable: ints stay ints, nested sequences become tuples."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return tuple(_item(u) for u in v)
    n = _as_int(v)
    return n if n is not None else v


def _check_set(part: Part, answer) -> str | None:
    want = {_item(v) for v in part.value}
    one = _as_int(answer)
    if one is not None:
        answer = [one]
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__iter__"):
        return f"your answer {answer!r} is not a list; {part.what} are a list of values."
    got = {_item(v) for v in answer}
    if got == want:
        return None
    extra = sorted(got - want, key=str)
    missing = len(want - got)
    bits = []
    if extra:
        bits.append(f"{', '.join(map(str, extra))} {'is' if len(extra) == 1 else 'are'} not "
                    "among them")
    if missing:
        bits.append(f"{missing} {'is' if missing == 1 else 'are'} missing")
    return f"for {part.what}, " + " and ".join(bits) + "."


def _check_array(part: Part, answer) -> str | None:
    want = np.asarray(part.value)
    try:
        got = np.asarray(answer)
    except ValueError:
        return f"your answer is not a rectangular array; {part.what} has shape " \
               f"{_shape_text(want.shape)}."
    if got.dtype == object or not (np.issubdtype(got.dtype, np.number)
                                   or got.dtype == np.bool_):
        return (f"your answer {answer!r:.40} is not an array of numbers; {part.what} is a "
                f"{_shape_text(want.shape)} array of numbers.")
    if got.shape != want.shape:
        return (f"your array has shape {_shape_text(got.shape) or 'scalar'}, but {part.what} "
                f"has shape {_shape_text(want.shape)}.")
    wrong = np.argwhere(~np.isclose(got, want, rtol=0, atol=part.atol))
    if len(wrong) == 0:
        return None
    cell = tuple(int(i) for i in wrong[0])
    where = f"position {cell[0]}" if len(cell) == 1 else f"{cell}"
    differ = "differs" if len(wrong) == 1 else "differ"
    return (f"{len(wrong)} of {want.size} cells of {part.what} {differ}, first at {where}: you "
            f"have {_num(got[cell])} where the answer has {_num(want[cell])}.")


def _setting_text(x, kernel, stride) -> str:
    (h, w), (kh, kw) = np.shape(x), np.shape(kernel)
    return f"a {h}×{w} input, a {kh}×{kw} kernel and stride {stride}"


def _check_function(part: Part, answer) -> str | None:
    """Run the reader's function on every case; None when all agree with ``part.value``."""
    if not callable(answer):
        return (f"your answer, a {type(answer).__name__}, is not a function; {part.what} is "
                "one: pass the function itself, without calling it.")
    for x, kernel, stride in part.cases:
        setting = _setting_text(x, kernel, stride)
        want = np.asarray(part.value(x, kernel, stride))
        try:
            got = answer(np.array(x), np.array(kernel), stride)
        except Exception as err:  # noqa: BLE001 - report whatever the reader's code raised
            why = (" Make the output array with the dtype of x * kernel (np.result_type(x, "
                   "kernel)), so float inputs fit." if "cast" in str(err) else "")
            return f"your function raised {type(err).__name__} ({err}) for {setting}.{why}"
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return (f"for {setting} your function returned {type(got).__name__}, which is not "
                    f"an array of numbers; {part.what} returns a {_shape_text(want.shape)} "
                    "array.")
        if got.shape != want.shape:
            shape = _shape_text(got.shape) or "scalar"
            return (f"for {setting} your function returns shape {shape}, but the output has "
                    f"shape {_shape_text(want.shape)}: (i − 1)·s + k along each axis.")
        wrong = np.argwhere(~np.isclose(got, want, rtol=0, atol=part.atol))
        if len(wrong):
            cell = tuple(int(i) for i in wrong[0])
            differ = "differs" if len(wrong) == 1 else "differ"
            return (f"for {setting}, {len(wrong)} of {want.size} output cells {differ}, first "
                    f"at {cell}: you have {_num(got[cell])} where the answer has "
                    f"{_num(want[cell])}.")
    return None


_CHECKS = {"int": _check_number, "number": _check_number, "size": _check_size,
           "shape": _check_shape, "set": _check_set, "array": _check_array,
           "function": _check_function}


def _part_feedback(part: Part, answer) -> str | None:
    problem = _CHECKS[part.kind](part, answer)
    if problem is not None and part.hint is not None:
        try:
            extra = part.hint(answer)
        except (TypeError, ValueError):
            extra = None
        if extra:
            problem = f"{problem} {extra}"
    return problem


def _split(label: str, answers: tuple[Part, ...], answer) -> dict[str, object] | str:
    """The answer per part key, or a sentence saying why it cannot be split."""
    keys = [p.key for p in answers]
    if len(answers) == 1:
        if isinstance(answer, dict):
            answer = answer.get(keys[0], answer)
        return {keys[0]: answer}
    if isinstance(answer, dict):
        unknown = [k for k in answer if k not in keys]
        if unknown:
            return (f"Exercise {label} has no answer called {unknown[0]!r}; its answers are "
                    f"{', '.join(keys)}.")
        return dict(answer)
    if isinstance(answer, (tuple, list, np.ndarray)) and len(answer) == len(answers):
        return dict(zip(keys, answer, strict=True))
    return (f"Exercise {label} asks for {len(answers)} answers ({', '.join(keys)}): give them "
            "as a tuple in that order, or as a dict with those names.")


def feedback(label: str, answer) -> str:
    """One sentence: what is right or wrong about ``answer`` to exercise ``label``."""
    answers = parts(label)
    given = _split(label, answers, answer)
    if isinstance(given, str):
        return given
    many = len(answers) > 1
    for i, part in enumerate(answers):
        if part.key not in given:
            continue
        problem = _part_feedback(part, given[part.key])
        if problem is not None:
            where = f"Answer {i + 1} of {len(answers)} ({part.key}): " if many else ""
            return where + (problem[0].upper() + problem[1:] if not many else problem)
    missing = [p.key for p in answers if p.key not in given]
    if missing:
        return (f"So far so good: {', '.join(k for k in given)} right; still to give: "
                f"{', '.join(missing)}.")
    if many:
        count = "both" if len(answers) == 2 else f"all {len(answers)}"
        return f"Correct: {count} answers are right."
    return f"Correct: you have {answers[0].what}."


def check(label: str, answer) -> bool:
    """Print the feedback on ``answer`` to exercise ``label``; return whether it is right."""
    message = feedback(label, answer)
    print(message)
    return message.startswith("Correct")
