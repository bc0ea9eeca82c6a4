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

An answer may be a Python or numpy number, a list, tuple or array, or anything with
``__array__`` or ``.item()`` (a PyTorch tensor); whatever it is (inf, NaN, 10**400, text,
None, ragged lists), the feedback is a sentence, never a traceback.

Variants: :data:`VARIANTS` lists the computed exercises that also come with other numbers.
``variant(label, seed)`` draws them from a seed (``seed_for(student_id, salt)`` makes one
from a roster) and computes the answers with tconv; ``check(label, answer, seed=seed)``
judges an answer against that variant and says right or wrong with a hint, never the answer.
``scripts/student.py`` writes one notebook per student from them, and the instructor's key.

May import: the operations (:mod:`tconv`, :mod:`tconv.nn`, :mod:`tconv.arch`) and the other
companions of :mod:`tconv.book`, whose experiments some answers rerun.
"""

from __future__ import annotations

import copy
import hashlib
import math
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

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
        got = np.atleast_1d(got)
        for size, why in wrong:
            size = np.atleast_1d(size)
            if size.size == 1 and got.size == 2 and got[0] == got[1]:
                got = got[:1]  # a square size written as a pair
            if np.array_equal(got, size):
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
        return None if n == 60 else f"With padding {p} a 20×20 input gives {n}×{n}, not 60×60."
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
        if n == 32:
            return None  # that pair gives 32 too: nothing to add
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


def _known(label) -> str:
    if not isinstance(label, str):
        raise TypeError(f"label must be a string such as 'ex-step-by-step-1', got {label!r}")
    if label not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        raise ValueError(f"label {label!r} has no checker; labels with one: {known}")
    return label


@cache
def _parts(label: str) -> tuple[Part, ...]:
    return EXERCISES[label]()


def parts(label: str) -> tuple[Part, ...]:
    """The answers of exercise ``label``, in the order the question asks for them."""
    return _parts(_known(label))


def expected(label: str):
    """The answer to exercise ``label``, computed by tconv: one value, or a tuple of them."""
    values = tuple(copy.deepcopy(part.value) for part in parts(label))
    return values[0] if len(values) == 1 else values


# ---------------------------------------------------------------- answers as plain values

_DEPTH = 8  # how deep lists of lists are made plain


def _plain(answer, depth: int = 0):
    """``answer`` with numpy scalars, 0-d arrays and array-likes (a torch tensor...) made plain.

    Python numbers, text, None and functions stay as they are; a numpy scalar or 0-d array
    becomes its Python number; anything with ``__array__`` a numpy array (0-d: its item); an
    object with only ``.item()`` that item; lists, tuples and dict values item by item.
    """
    if answer is None or isinstance(answer, (bool, int, float, complex, str, bytes)):
        return answer
    if isinstance(answer, np.generic):
        return answer.item()
    if isinstance(answer, np.ndarray):
        return answer.item() if answer.ndim == 0 else answer
    if depth >= _DEPTH:
        return answer
    if isinstance(answer, dict):
        return {key: _plain(value, depth + 1) for key, value in answer.items()}
    if isinstance(answer, list):
        return [_plain(value, depth + 1) for value in answer]
    if isinstance(answer, tuple):
        return tuple(_plain(value, depth + 1) for value in answer)
    if hasattr(answer, "__array__"):
        try:
            return _plain(np.asarray(answer), depth + 1)
        except Exception:  # noqa: BLE001 - a foreign object may raise anything
            return answer
    item = getattr(answer, "item", None)
    if callable(item):
        try:
            return _plain(item(), depth + 1)
        except Exception:  # noqa: BLE001
            return answer
    return answer


def _show(answer, limit: int = 40) -> str:
    """A short one-line text of ``answer`` for a sentence (never raises)."""
    if isinstance(answer, int) and not isinstance(answer, bool) and abs(answer) >= 10**15:
        digits = int(answer.bit_length() * 0.30103) + 1
        return f"{'-' if answer < 0 else ''}a number of about {digits:,} digits"
    if isinstance(answer, float) and math.isnan(answer):
        return "NaN"
    if isinstance(answer, np.ndarray):
        return f"an array of shape {_shape_text(answer.shape)}"
    try:
        text = " ".join(repr(answer).split())
    except Exception:  # noqa: BLE001 - a repr may raise (e.g. an int of 5,000 digits inside)
        text = f"a {type(answer).__name__}"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _shape_text(shape) -> str:
    return "×".join(str(n) for n in shape)


def _num(v) -> str:
    """A number for a sentence: whole numbers with thousands separators, others to 6 digits."""
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}" if abs(v) < 10**15 else _show(v)
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        return _show(v)
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "infinity" if f > 0 else "minus infinity"
    if 0 < abs(f) < 1e-300:
        return repr(f)  # a subnormal: .6g would show 1e-320 as 9.99989e-321
    return f"{int(f):,}" if f.is_integer() and abs(f) < 1e15 else f"{f:.6g}"


class _NoHint(str):
    """A sentence on what is wrong that no hint should follow (the answer is far off)."""


class _TypeProblem(_NoHint):
    """A sentence saying the answer is not of the right kind (no hint is added to it)."""


def _real(answer, what: str):
    """``(number, None)`` for a real number (an int stays an int), else ``(None, problem)``."""
    if answer is None:
        return None, _TypeProblem(f"you gave no answer (None); {what} is a number.")
    if answer is Ellipsis:
        return None, _TypeProblem(f"you have not answered yet: replace ... with {what}.")
    if isinstance(answer, bool):
        return None, _TypeProblem(f"your answer {answer} is not a number but a truth value; "
                                  f"{what} is a number.")
    if isinstance(answer, (str, bytes)):
        try:
            float(answer)
            quotes = ": write it without quotes"
        except (TypeError, ValueError):
            quotes = ""
        return None, _TypeProblem(f"your answer {_show(answer)} is not a number but text; "
                                  f"{what} is a number{quotes}.")
    if isinstance(answer, int):
        return answer, None
    if isinstance(answer, complex):
        return None, _TypeProblem(f"your answer {_show(answer)} is not a real number; "
                                  f"{what} is one.")
    if isinstance(answer, np.ndarray):
        one = ": take its single value (.item())" if answer.size == 1 else ""
        return None, _TypeProblem(f"your answer is an array of shape "
                                  f"{_shape_text(answer.shape)}, not a number; {what} is a "
                                  f"single number{one}.")
    try:
        got = float(answer)
    except (TypeError, ValueError, OverflowError):
        return None, _TypeProblem(f"your answer {_show(answer)} is not a number; {what} is one.")
    if math.isnan(got):
        return None, _TypeProblem(f"your answer is NaN (not a number); {what} is a number, so "
                                  "look for the step that gave NaN.")
    if math.isinf(got):
        return None, _TypeProblem(f"your answer is {_num(got)}; {what} is a finite number.")
    return got, None


def _whole(answer, what: str):
    """``(int, None)`` for a whole number (3 or 3.0), else ``(None, problem)``."""
    got, problem = _real(answer, what)
    if problem is not None:
        return None, _TypeProblem(problem.replace(" is a number", " is a whole number"))
    if isinstance(got, float):
        if not got.is_integer():
            return None, _TypeProblem(f"your answer {_num(got)} is not a whole number; {what} "
                                      "is one.")
        return int(got), None
    return got, None


def _as_int(answer):
    """``answer`` as an int, or None when it is not a whole number."""
    return _whole(_plain(answer), "")[0]


def _as_float(value) -> float:
    """A real number as a float; an int too large for one becomes ±inf."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _scale_hint(got: float, want: float) -> str:
    """'a factor of 4 too small' when the answer is a whole multiple or fraction away."""
    if got == 0 or want == 0 or not (math.isfinite(got) and math.isfinite(want)):
        return ""
    for ratio, word in ((want / got, "small"), (got / want, "large")):
        if math.isfinite(ratio) and 1.5 <= ratio < 1e9 and abs(ratio - round(ratio)) < 1e-6:
            return f"a factor of {round(ratio)} too {word}"
    return ""


def _check_number(part: Part, answer, reveal: bool = True) -> str | None:
    """None when ``answer`` is right, else what is wrong with it."""
    if part.kind == "int" and part.rtol == 0:
        got, problem = _whole(answer, part.what)
    else:
        got, problem = _real(answer, part.what)
    if problem is not None:
        return problem
    want = _plain(part.value)
    tol = max(part.atol, part.rtol * abs(want))
    if isinstance(got, int) and isinstance(want, int):
        diff = got - want  # exact, whatever the size
    else:
        diff = _as_float(got) - float(want)
    if abs(diff) <= tol:
        return None
    word = "large" if diff > 0 else "small"
    if not math.isfinite(_as_float(diff)) or abs(_as_float(diff)) > 1e6 * max(abs(want), 1):
        return _NoHint(f"{_num(got)} is far too {word} for {part.what}.")
    if part.kind == "int" and abs(diff) == 1 and reveal:
        return f"{_num(got)} is 1 too {word} for {part.what}."
    if abs(diff) <= 10 * tol:
        if part.rtol:
            share = f"{abs(diff) / abs(want):.0%} " if reveal else ""
            return (f"{_num(got)} is close, but {share}too {word} for {part.what} (within "
                    f"{part.rtol:.0%} counts as right).")
        return (f"{_num(got)} is close to {part.what}, but more than {tol:.2g} off: "
                "give more decimals.")
    scale = (_scale_hint(_as_float(got), float(want)) if reveal else "") or f"too {word}"
    return f"{_num(got)} is {scale} for {part.what}."


def _whole_items(answer, what: str, kind: str):
    """``(tuple of ints, None)`` for a sequence of whole numbers, else ``(None, problem)``."""
    if isinstance(answer, (str, bytes)) or not isinstance(answer, (list, tuple, np.ndarray)):
        got, problem = _real(answer, what)
        if problem is not None:
            return None, problem
        return None, _TypeProblem(f"your answer {_num(got)} is not a {kind}; {what} is a "
                                  "tuple of whole numbers.")
    items = list(answer)
    for item in items:
        n, problem = _whole(item, what)
        if problem is not None:
            return None, _TypeProblem(f"your answer {_show(answer)} is not a {kind}: "
                                      f"{_show(item)} in it is not a whole number.")
    return tuple(_whole(item, what)[0] for item in items), None


def _check_size(part: Part, answer, reveal: bool = True) -> str | None:
    want = tuple(int(n) for n in np.atleast_1d(part.value).tolist())
    if isinstance(answer, (list, tuple, np.ndarray)):
        got, problem = _whole_items(answer, part.what, "size")
        if problem is not None:
            return problem
        if len(want) == 1 and len(got) == 2 and got[0] == got[1]:
            got = got[:1]  # a square size written as a pair
        single = False
    else:
        n, problem = _whole(answer, part.what)
        if answer is Ellipsis:
            return problem
        if problem is not None:
            text = " but text" if isinstance(answer, (str, bytes)) else ""
            return _TypeProblem(f"your answer {_show(answer)} is not a size{text}; {part.what} "
                                "is one or two whole numbers.")
        got, single = (n,) * len(want), True
    if any(abs(g) > 10**9 for g in got):
        return _NoHint(f"your size has a side of {_num(max(got, key=abs))}, far too large for "
                       f"{part.what}.")
    text = _shape_text(_num(g) for g in got) or "()"
    if len(want) == 1 and len(got) == 2:
        return (f"your size {text} is not square, but a square input with a square "
                f"kernel gives a square output.")
    if len(got) != len(want):
        return (f"your size {text} has {len(got)} numbers; {part.what} has "
                f"{len(want)}.")
    if got == want:
        return None
    diffs = {g - w for g, w in zip(got, want, strict=True)}
    shown = _num(got[0]) if single or len(got) == 1 else text
    if reveal and diffs == {-1}:
        return f"your size {shown} is 1 short for {part.what}."
    if reveal and diffs == {1}:
        return f"your size {shown} is 1 too many for {part.what}."
    if max(diffs) > 0 > min(diffs):
        return f"your size {shown} is too large along one axis and too small along the other."
    return f"your size {shown} is too {'large' if max(diffs) > 0 else 'small'} for {part.what}."


def _check_shape(part: Part, answer, reveal: bool = True) -> str | None:
    want = tuple(part.value)
    got, problem = _whole_items(answer, part.what, "shape")
    if problem is not None:
        return problem
    if len(got) != len(want):
        return f"your shape has {len(got)} axes; {part.what} has {len(want)}."
    if got == want:
        return None
    axis = next(i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w)
    return (f"axis {axis} of your shape ({', '.join(_num(g) for g in got)}) is wrong for "
            f"{part.what}.")


def _item(v):
    """A set item as something hashable: whole numbers become ints, sequences tuples."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return tuple(_item(u) for u in v)
    n = _whole(v, "")[0] if not isinstance(v, (str, bytes)) and v is not None else None
    return n if n is not None else v


def _check_set(part: Part, answer, reveal: bool = True) -> str | None:
    want = {_item(v) for v in part.value}
    if answer is Ellipsis:
        return _TypeProblem(f"you have not answered yet: replace ... with {part.what}.")
    if _whole(answer, "")[0] is not None:
        answer = [answer]
    if isinstance(answer, (str, bytes, dict)) or not isinstance(answer, (list, tuple, set,
                                                                         frozenset, np.ndarray)):
        return _TypeProblem(f"your answer {_show(answer)} is not a list; {part.what} are a list "
                            "of values.")
    try:
        got = {_item(v) for v in answer}
    except TypeError:
        return _TypeProblem(f"your answer {_show(answer)} holds items that cannot be compared "
                            f"(such as dicts or sets); {part.what} are numbers or tuples.")
    if got == want:
        return None
    extra = sorted(got - want, key=_show)
    missing = len(want - got)
    bits = []
    if extra:
        shown = ", ".join(_show(v) for v in extra[:3]) + (", …" if len(extra) > 3 else "")
        bits.append(f"{shown} {'is' if len(extra) == 1 else 'are'} not among them")
    if missing:
        bits.append(f"{missing} {'is' if missing == 1 else 'are'} missing")
    return f"for {part.what}, " + " and ".join(bits) + "."


def _numbers(answer, what: str, want_shape) -> tuple[np.ndarray | None, str | None]:
    """``answer`` as an array of numbers, or a sentence saying why it is not one."""
    shape = _shape_text(want_shape)
    if answer is Ellipsis:
        return None, _TypeProblem(f"you have not answered yet: replace ... with {what}.")
    try:
        got = np.asarray(answer)
    except (ValueError, TypeError):
        return None, _TypeProblem(f"your answer is not a rectangular array (its rows differ "
                                  f"in length); {what} has shape {shape}.")
    if got.dtype == object:
        try:
            got = np.asarray(answer, dtype=np.float64)
        except OverflowError:
            return None, _TypeProblem(f"your answer holds a number too large for a float; "
                                      f"{what} is a {shape} array of ordinary numbers.")
        except (TypeError, ValueError):
            return None, _TypeProblem(f"your answer {_show(answer)} is not an array of numbers; "
                                      f"{what} is a {shape} array of numbers.")
    if np.issubdtype(got.dtype, np.complexfloating):
        return None, _TypeProblem(f"your answer holds complex numbers; {what} is a {shape} "
                                  "array of real numbers.")
    if not (np.issubdtype(got.dtype, np.number) or got.dtype == np.bool_):
        return None, _TypeProblem(f"your answer {_show(answer)} is not an array of numbers; "
                                  f"{what} is a {shape} array of numbers.")
    return got, None


def _first_difference(got, want, atol: float, what: str, reveal: bool) -> str | None:
    """Which cells of ``got`` differ from ``want`` (same shapes), or None if none does."""
    with np.errstate(all="ignore"):
        wrong = np.argwhere(~np.isclose(got.astype(np.float64), want.astype(np.float64),
                                        rtol=0, atol=atol))
    if len(wrong) == 0:
        return None
    cell = tuple(int(i) for i in wrong[0])
    where = f"position {cell[0]}" if len(cell) == 1 else f"{cell}"
    differ = "differs" if len(wrong) == 1 else "differ"
    text = f"{len(wrong)} of {want.size} cells of {what} {differ}, first at {where}"
    if reveal:
        return f"{text}: you have {_num(got[cell])} where the answer has {_num(want[cell])}."
    return f"{text}, where you have {_num(got[cell])}."


def _check_array(part: Part, answer, reveal: bool = True) -> str | None:
    want = np.asarray(part.value)
    got, problem = _numbers(answer, part.what, want.shape)
    if problem is not None:
        return problem
    if got.shape != want.shape:
        if got.ndim == 0:
            return (f"your answer {_num(got.item())} is a single number, but {part.what} has "
                    f"shape {_shape_text(want.shape)}.")
        return (f"your array has shape {_shape_text(got.shape)}, but {part.what} has shape "
                f"{_shape_text(want.shape)}.")
    return _first_difference(got, want, part.atol, part.what, reveal)


def _setting_text(x, kernel, stride) -> str:
    (h, w), (kh, kw) = np.shape(x), np.shape(kernel)
    return f"a {h}×{w} input, a {kh}×{kw} kernel and stride {stride}"


def _check_function(part: Part, answer, reveal: bool = True) -> str | None:
    """Run the reader's function on every case; None when all agree with ``part.value``."""
    if not callable(answer):
        return _TypeProblem(f"your answer, a {type(answer).__name__}, is not a function; "
                            f"{part.what} is one: pass the function itself, without calling it.")
    for x, kernel, stride in part.cases:
        setting = _setting_text(x, kernel, stride)
        want = np.asarray(part.value(x, kernel, stride))
        try:
            got = answer(np.array(x), np.array(kernel), stride)
        except Exception as err:  # noqa: BLE001 - report whatever the reader's code raised
            why = (" Make the output array with the dtype of x * kernel (np.result_type(x, "
                   "kernel)), so float inputs fit." if "cast" in str(err) else "")
            return (f"your function raised {type(err).__name__} ({_show(str(err), 80)[1:-1]}) "
                    f"for {setting}.{why}")
        got, problem = _numbers(_plain(got), part.what, want.shape)
        if problem is not None:
            return (f"for {setting} your function returned something that is not an array of "
                    f"numbers; {part.what} returns a {_shape_text(want.shape)} array.")
        if got.shape != want.shape:
            shape = _shape_text(got.shape) or "scalar"
            return (f"for {setting} your function returns shape {shape}, but the output has "
                    f"shape {_shape_text(want.shape)}: (i − 1)·s + k along each axis.")
        cells = _first_difference(got, want, part.atol, "the output", reveal)
        if cells is not None:
            return f"for {setting}, {cells.replace('cells of the output', 'output cells')}"
    return None


_CHECKS = {"int": _check_number, "number": _check_number, "size": _check_size,
           "shape": _check_shape, "set": _check_set, "array": _check_array,
           "function": _check_function}

# "gives 60×60, not 60×60": a hint that would contradict itself is dropped
_SELF_CONTRADICTION = re.compile(r"(?<![\w.])([\w.×-]+),? not \1(?![\w×])")


def _part_feedback(part: Part, answer, reveal: bool = True) -> str | None:
    """None when the answer to ``part`` is right, else one sentence (and a hint) on what is not."""
    try:
        problem = _CHECKS[part.kind](part, answer, reveal)
    except Exception as err:  # noqa: BLE001 - a student never sees a traceback from a checker
        return (f"the checker could not read your answer {_show(answer)} "
                f"({type(err).__name__}); {part.what} is what it expects.")
    if problem is None or isinstance(problem, _NoHint) or part.hint is None:
        return problem
    try:
        extra = part.hint(answer)
    except Exception:  # noqa: BLE001 - a hint is optional: any failure means no hint
        extra = None
    if extra and len(extra) < 200 and not _SELF_CONTRADICTION.search(extra):
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
            return (f"Exercise {label} has no answer called {_show(unknown[0])}; its answers "
                    f"are {', '.join(keys)}.")
        return dict(answer)
    if isinstance(answer, (tuple, list, np.ndarray)) and len(answer) == len(answers):
        return dict(zip(keys, answer, strict=True))
    if answer is Ellipsis:
        return f"You have not answered yet: replace ... with {', '.join(keys)}, in that order."
    return (f"Exercise {label} asks for {len(answers)} answers ({', '.join(keys)}): give them "
            "as a tuple in that order, or as a dict with those names.")


def _feedback(label: str, answers: tuple[Part, ...], answer, reveal: bool) -> str:
    given = _split(label, answers, _plain(answer))
    if isinstance(given, str):
        return given
    many = len(answers) > 1
    for i, part in enumerate(answers):
        if part.key not in given:
            continue
        problem = _part_feedback(part, given[part.key], reveal)
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


def feedback(label: str, answer, seed=None) -> str:
    """One sentence: what is right or wrong about ``answer`` to exercise ``label``.

    ``answer`` may be a Python or numpy number, a list, tuple or array, or anything with
    ``__array__`` or ``.item()`` (a PyTorch tensor); whatever it is, the result is a sentence.
    With a ``seed``, the answer is judged against that seed's variant (:func:`variant`), and
    the sentence says right or wrong with a hint, but never gives the answer away.
    """
    if seed is None:
        return _feedback(label, parts(label), answer, reveal=True)
    return _feedback(label, variant(label, seed).parts, answer, reveal=False)


def check(label: str, answer, seed=None) -> bool:
    """Print the feedback on ``answer`` to ``label`` (``seed``: its variant); True if right."""
    message = feedback(label, answer, seed)
    print(message)
    return message.startswith("Correct")


# ---------------------------------------------------------------- variants per student
#
# A computed exercise can be handed out with other numbers: ``variant(label, seed)`` draws them
# from the seed (the same seed gives the same numbers on every machine), states the question
# with them and computes its answers with tconv. ``check(label, answer, seed=...)`` then judges
# an answer against that variant and says only right or wrong, with a hint: never the answer.

LIMITS = {"input": 20, "kernel": 7, "stride": 4, "output": 64}
"""The book's sizes, which no variant exceeds: input side, kernel side, stride, output side."""


@dataclass(frozen=True)
class Variant:
    """One exercise with one seed's numbers: what the question states, and its answers."""

    label: str
    seed: int
    settings: dict
    question: str  # markdown, the numbers filled in
    form: str  # what the answer looks like, e.g. "(height, width)"
    parts: tuple[Part, ...]

    def expected(self):
        """The answer: one value, or a tuple of them (for the instructor's key)."""
        values = tuple(copy.deepcopy(p.value) for p in self.parts)
        return values[0] if len(values) == 1 else values


def _a(n: int) -> str:
    """The article before a number read aloud: 'an 8×8 input', 'a 5×5 input'."""
    return "an" if str(n).startswith("8") or n in (11, 18) else "a"


def _zeros(n: int) -> str:
    return "1 zero" if n == 1 else f"{n} zeros"


def _ints(rng, low: int, high: int, shape) -> np.ndarray:
    return rng.integers(low, high + 1, size=shape)


def _code(array) -> str:
    return f"`{np.asarray(array).tolist()}`"


def _variant_step_by_step_1(rng):
    x = _ints(rng, 1, 6, (2, 2))
    kernel = _ints(rng, 0, 3, (2, 2))
    kernel[rng.integers(2), rng.integers(2)] = rng.integers(1, 4)  # never all zero
    y = conv_transpose2d(x, kernel)
    question = (f"Compute by hand the transposed convolution of `x = {x.tolist()}` with the "
                f"kernel {_code(kernel)}, stride 1, no padding. Write down the four blocks "
                f"first, then add them. Your answer is the {_shape_text(y.shape)} output, as a "
                "list of rows.")
    return (dict(x=x.tolist(), kernel=kernel.tolist(), stride=1), question,
            "three rows, [[...], [...], [...]]",
            (Part("y", "the transposed convolution", y),))


def _draw_size_setting(rng, output_padding: bool):
    """(i, k, s, p, a) of a legal transposed convolution whose output fits the book's sizes."""
    while True:
        i, k = int(rng.integers(2, 9)), int(rng.integers(2, 6))
        s = int(rng.integers(2 if output_padding else 1, 4))
        p = int(rng.integers(0, k // 2 + 1))  # at most half the kernel, as layers use it
        a = int(rng.integers(1 if output_padding else 0, s)) if s > 1 else 0
        try:  # legal with and without output_padding (the hints compute both)
            o = conv_transpose_output_size(i, k, s, p, a)
            plain = conv_transpose_output_size(i, k, s, p)
        except ValueError:  # padding crops the whole output: draw again
            continue
        if 2 <= plain <= o <= LIMITS["output"]:
            return i, k, s, p, a


def _variant_step_by_step_2(rng):
    i, k, s, p, a = _draw_size_setting(rng, output_padding=False)
    size = conv_transpose_output_size((i, i), (k, k), s, p, a)
    wrong = []
    if a:
        wrong.append((conv_transpose_output_size((i, i), (k, k), s, p),
                      "Did you forget output_padding?"))
    if p:
        wrong.append((conv_transpose_output_size((i, i), (k, k), s, 0, a),
                      "padding crops cells from each side: subtract 2·padding."))
    question = (f"{_a(i).capitalize()} {i}×{i} input goes through a transposed convolution "
                f"with a {k}×{k} kernel, stride {s}, padding {p} and output padding {a} "
                "(dilation 1). Predict the output size with the full formula, then check it with "
                "`tconv.conv_transpose_output_size`. Your answer is the size as a pair "
                "`(height, width)`.")
    return (dict(input=i, kernel_size=k, stride=s, padding=p, output_padding=a), question,
            "(height, width)",
            (Part("size", "the output size", tuple(size), "size", hint=_size_hints(*wrong)),))


def _variant_step_by_step_3(rng):
    n, k = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    s = int(rng.integers(1, k + 1))
    counts = placements(np.ones((n, n)), np.ones((k, k)), stride=s).overlap
    side = counts.shape[0]
    question = (f"{_a(n).capitalize()} {n}×{n} input and {_a(k)} {k}×{k} kernel, stride {s}. "
                "How many blocks cover each output cell? Reason about where the blocks land, "
                "then check with `tconv.placements(...).overlap`. Your answer is the count of "
                f"every output cell, {_a(side)} {side}×{side} array as a list of rows.")
    return (dict(input=n, kernel_size=k, stride=s), question, "one list per output row",
            (Part("counts", "the overlap counts", counts),))


def _variant_step_by_step_4(rng):
    x, kernel = _ints(rng, 1, 9, (2, 2)), _ints(rng, 1, 9, (2, 2))
    s = int(rng.integers(1, 3))
    side = conv_transpose_output_size(2, 2, s)
    while True:
        cell = (int(rng.integers(side)), int(rng.integers(side)))
        terms = gather(x, kernel, cell, stride=s)
        if terms:
            break
    pairs = [(t.input_index, t.kernel_index) for t in terms]
    question = (f"For `x = {x.tolist()}`, the kernel {_code(kernel)} and stride {s}, which "
                f"products `x[i, j] * kernel[a, b]` add up to output cell {cell}? Answer with "
                "the list of pairs `((i, j), (a, b))`, in any order, and check the value they "
                "sum to with `tconv.conv_transpose2d`.")
    return (dict(x=x.tolist(), kernel=kernel.tolist(), stride=s, cell=list(cell)), question,
            "[((i, j), (a, b)), ...]",
            (Part("terms", "the (input index, kernel index) pairs", pairs, "set"),))


def _variant_stride_padding_1(rng):
    i, k, s, p, _ = _draw_size_setting(rng, output_padding=True)
    plain = conv_transpose_output_size(i, k, s, p)
    extra = conv_transpose_output_size(i, k, s, p, 1)
    crop = _size_hints((conv_transpose_output_size(i, k, s), "padding crops cells from each "
                        "side of the output.")) if p else None
    question = (f"Predict the output size of a transposed convolution on {_a(i)} {i}×{i} input "
                f"with {_a(k)} {k}×{k} kernel, stride {s} and padding {p}. Then predict it again "
                "with `output_padding=1`. Answer with two whole numbers, the side of the square "
                "output without and with `output_padding`, and check both with "
                "`tconv.conv_transpose_output_size`.")
    return (dict(input=i, kernel_size=k, stride=s, padding=p), question,
            "(size, size_with_output_padding)",
            (Part("size", "the output size", plain, "size", hint=crop),
             Part("with_output_padding", "the output size with output_padding=1", extra,
                  "size", hint=_size_hints((plain, "Did you forget output_padding?")))))


def _variant_stride_padding_2(rng):
    while True:
        k, s = int(rng.integers(2, 7)), int(rng.integers(2, 5))
        p, o = int(rng.integers(0, k // 2 + 1)), int(rng.integers(2, 7))
        sizes = conv_input_sizes(o, k, s, p)
        if sizes and max(sizes) <= 3 * LIMITS["input"]:
            break
    paddings = np.array([output_padding_for(i, k, s, p) for i in sizes])
    question = (f"A convolution with {_a(k)} {k}×{k} kernel, stride {s} and padding {p} produces "
                f"{_a(o)} "
                f"{o}×{o} map. Which input sizes could it have come from? For each, which "
                "`output_padding` makes the transposed convolution (same kernel size, stride "
                "and padding) give it back? Answer with a list of input sizes, smallest first, "
                "and a list of the output paddings in the same order.")
    return (dict(output=o, kernel_size=k, stride=s, padding=p), question,
            "([input sizes], [output paddings])",
            (Part("sizes", "the input sizes", list(sizes), "set"),
             Part("output_padding", "the output paddings, smallest input size first",
                  paddings)))


def _variant_super_resolution_1(rng):
    while True:
        s, m, i = int(rng.integers(2, 5)), int(rng.integers(2, 4)), int(rng.integers(5, 17))
        k = m * s
        if k > LIMITS["kernel"] + 5 or s * i > LIMITS["output"]:
            continue
        fits = [p for p in range(k) if conv_transpose_output_size(i, k, s, p) == s * i]
        if len(fits) == 1:
            break

    def hint(p):
        try:
            n = conv_transpose_output_size(i, k, s, int(p))
        except (TypeError, ValueError):
            return None
        return None if n == s * i else (f"With padding {p} {_a(i)} {i}×{i} input gives {n}×{n}, "
                                        f"not {s * i}×{s * i}.")
    question = (f"A ×{s} transposed-convolution upsampler has {_a(k)} {k}×{k} kernel and stride "
                f"{s}. Which padding makes {_a(i)} {i}×{i} input give exactly {_a(s * i)} "
                f"{s * i}×{s * i} output? "
                "Check your answer with `tconv.conv_transpose_output_size`. Your answer is the "
                "padding, an int.")
    return (dict(factor=s, kernel_size=k, input=i), question, "the padding, an int",
            (Part("padding", "the padding", fits[0], "int", hint=hint),))


def _variant_many_names_2(rng):
    x = _ints(rng, 1, 4, int(rng.integers(2, 4)))
    kernel = _ints(rng, 1, 3, int(rng.integers(2, 4)))
    s = int(rng.integers(2, 4))
    y = conv_transpose1d(x, kernel, stride=s)
    question = (f"Compute the 1-D transposed convolution of `x = {x.tolist()}` with the kernel "
                f"{_code(kernel)} at stride {s} twice: by scattering copies of the kernel, and "
                f"by inserting {_zeros(s - 1)} between the inputs, padding with "
                f"{_zeros(len(kernel) - 1)} on each side and sliding the reversed kernel "
                f"{_code(kernel[::-1])} over the result. Answer with the result as a list of "
                "numbers.")
    return (dict(x=x.tolist(), kernel=kernel.tolist(), stride=s), question,
            f"a list of {y.size} numbers", (Part("y", "the transposed convolution", y),))


def _variant_checkerboard_2(rng):
    s = int(rng.integers(2, 4))
    k = int(rng.integers(s + 1, LIMITS["kernel"] + 1))
    p = int(rng.integers(1, k - s + 1))
    levels_1d = list(checkerboard.overlap_count(40, k, s).interior_levels)
    levels_2d = list(checkerboard.overlap_count((20, 20), k, s).interior_levels)
    question = (f"Predict the overlap counts of a transposed convolution with $k={k}$ and "
                f"$s={s}$: the distinct interior counts in 1-D and in 2-D, and the number of "
                f"short cells at each end with padding 0 and with padding {p}. Check with "
                "`checkerboard.overlap_count`. Your answer: a tuple of four, the 1-D interior "
                "counts (a list of ints), the 2-D interior counts (a list of ints), then the "
                f"short cells per end with $p=0$ and with $p={p}$ (two ints).")
    return (dict(kernel_size=k, stride=s, padding=p), question,
            "(counts_1d, counts_2d, short_p0, short_p)",
            (Part("levels_1d", "the 1-D interior counts", levels_1d, "set"),
             Part("levels_2d", "the 2-D interior counts", levels_2d, "set"),
             Part("short_p0", "the number of short cells at each end with padding 0",
                  checkerboard.short_border(k, s, 0), "int"),
             Part("short_p", f"the number of short cells at each end with padding {p}",
                  checkerboard.short_border(k, s, p), "int")))


VARIANTS = {
    "ex-step-by-step-1": _variant_step_by_step_1,
    "ex-step-by-step-2": _variant_step_by_step_2,
    "ex-step-by-step-3": _variant_step_by_step_3,
    "ex-step-by-step-4": _variant_step_by_step_4,
    "ex-stride-padding-1": _variant_stride_padding_1,
    "ex-stride-padding-2": _variant_stride_padding_2,
    "ex-many-names-2": _variant_many_names_2,
    "ex-checkerboard-2": _variant_checkerboard_2,
    "ex-super-resolution-1": _variant_super_resolution_1,
}
"""The exercises that come in variants, in the book's order."""


def seed_for(student: str, salt: str = "") -> int:
    """A seed for ``student`` (an id from a roster), the same on every machine: sha256-based.

    ``salt`` (a course or term name) gives the same roster other numbers next time.
    """
    if not isinstance(student, str) or not student.strip():
        raise ValueError(f"student must be a non-empty id, got {student!r}")
    if not isinstance(salt, str):
        raise TypeError(f"salt must be a string, got {type(salt).__name__}")
    digest = hashlib.sha256(f"{salt}\x1f{student.strip()}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1  # 0 <= seed < 2**31


def _seed(seed) -> int:
    if isinstance(seed, (bool, np.bool_)) or _as_int(seed) is None or _as_int(seed) < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    return _as_int(seed)


@lru_cache(maxsize=256)
def _variant(label: str, seed: int) -> Variant:
    rng = np.random.default_rng([seed, zlib.crc32(label.encode())])
    settings, question, form, answers = VARIANTS[label](rng)
    return Variant(label, seed, settings, question, form, answers)


def variant(label: str, seed) -> Variant:
    """Exercise ``label`` with the numbers of ``seed`` (an int >= 0, e.g. from seed_for)."""
    if not isinstance(label, str):
        raise TypeError(f"label must be a string such as 'ex-step-by-step-2', got {label!r}")
    if label not in VARIANTS:
        raise ValueError(f"label {label!r} has no variants; labels with them: "
                         f"{', '.join(VARIANTS)}")
    return _variant(label, _seed(seed))
