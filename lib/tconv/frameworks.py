"""One transposed convolution in PyTorch, Keras 3, JAX, Flax and ONNX: the exact translations.

Every framework computes the same *full* output, ``tconv.conv_transpose2d`` with ``padding=0``:
``F = (size-1)*stride + dilation*(kernel_size-1) + 1`` cells per axis. They differ in two
things only: which window of that full output they keep, and how the weight is laid out.

A window is a :class:`Cut` per axis, the cells removed at the beginning and at the end of the
full output; a negative number there means zeros added (PyTorch's ``output_padding`` past the
padding, Keras' and JAX's ``"valid"`` when the stride is longer than the kernel's span).
PyTorch's ``padding=p, output_padding=a`` is the cut ``(p, p - a)``. A cut no such pair gives
(e.g. Keras ``"same"`` with a 3×3 kernel at stride 2, which drops the *last* row, where
PyTorch's ``padding=1, output_padding=1`` drops the first) is computed with ``padding=0``
followed by :func:`crop_full_output`.

A layer in framework-neutral terms is a :class:`Translation`. Per framework there is
``<fw>_cut`` (its arguments -> one Cut per axis), ``from_<fw>`` (-> Translation), ``to_<fw>``
(Translation -> a :class:`Call`: its arguments, plus a crop of its output where it cannot express
the window), ``<fw>_output_size`` (the size formula its documentation states) and the weight
converters. Weights: PyTorch and ONNX ``(C_in, C_out/groups, kH, kW)``; Keras
``(kH, kW, C_out, C_in)``; JAX and Flax depend on ``transpose_kernel`` (flipped without it).
The framework-side parameters keep each framework's own names (``strides``, ``dilation_rate``,
``rhs_dilation``, ``pads``, ...): the point is to read a real call.
``tests/frameworks/`` checks every translation against the frameworks themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._checks import as_array, as_int, as_tuple, check_ndim
from .conv import conv_transpose2d

__all__ = [
    "AUTO_PADS", "CALL_NOTES", "FRAMEWORKS", "Call", "CallText", "Cut", "Kept", "Translation",
    "conv_transpose2d_translated",
    "crop_full_output", "flax_cut", "flax_kernel", "from_flax", "from_jax", "from_keras",
    "from_onnx", "from_torch", "full_size", "jax_cut", "jax_kernel", "jax_output_size",
    "jax_padding", "keras_cut", "keras_kernel", "keras_output_size", "kept_cells", "onnx_cut",
    "onnx_output_size", "output_size", "py_text", "relayout", "same_layer_calls", "span",
    "to_flax", "to_jax", "to_keras",
    "to_onnx", "to_torch", "torch_cut", "torch_pair", "weight_from_flax", "weight_from_jax",
    "weight_from_keras",
]

# ---------------------------------------------------------------------------------------
# The common ground: the full output and the window each framework keeps of it
# ---------------------------------------------------------------------------------------


class Cut(NamedTuple):
    """Cells removed from the beginning and the end of one axis of the full output (<0: zeros)."""

    begin: int
    end: int


class Kept(NamedTuple):
    """Cells ``start .. stop-1`` of one axis of the full output (``full`` cells; outside: zeros)."""

    start: int
    stop: int
    full: int


def span(kernel_size: int, dilation: int = 1) -> int:
    """Cells one (dilated) kernel covers along an axis: ``d(k-1) + 1``."""
    return dilation * (kernel_size - 1) + 1


def full_size(size, kernel_size, stride=1, dilation=1):
    """Length of the full (uncropped) output, ``(size-1)s + d(k-1) + 1``: int, or pair for pairs."""
    pair = any(isinstance(v, (list, tuple)) for v in (size, kernel_size, stride, dilation))
    n = 2 if pair else 1
    sizes = as_tuple(size, "size", n, minimum=1)
    ks = as_tuple(kernel_size, "kernel_size", n, minimum=1)
    ss = as_tuple(stride, "stride", n, minimum=1)
    ds = as_tuple(dilation, "dilation", n, minimum=1)
    out = [(i - 1) * s + span(k, d) for i, k, s, d in zip(sizes, ks, ss, ds, strict=True)]
    return tuple(out) if pair else out[0]


def torch_cut(padding=0, output_padding=0) -> tuple[Cut, Cut]:
    """PyTorch's ``padding``/``output_padding`` (ints or pairs) as cuts: ``(p, p - a)`` per axis."""
    ps = as_tuple(padding, "padding", 2, minimum=0)
    ops = as_tuple(output_padding, "output_padding", 2, minimum=0)
    return tuple(Cut(p, p - a) for p, a in zip(ps, ops, strict=True))


def torch_pair(cut, stride=1, dilation=1):
    """The ``(padding, output_padding)`` pairs giving ``cut`` (H, W), or None when none does.

    A cut ``(b, e)`` is ``padding=b, output_padding=b-e``, which PyTorch accepts when
    ``b >= 0`` and ``0 <= b-e < max(stride, dilation)``.
    """
    cuts = _as_cuts(cut)
    ss = as_tuple(stride, "stride", 2, minimum=1)
    ds = as_tuple(dilation, "dilation", 2, minimum=1)
    pads, ops = [], []
    for (b, e), s, d in zip(cuts, ss, ds, strict=True):
        if b < 0 or not 0 <= b - e < max(s, d):
            return None
        pads.append(b)
        ops.append(b - e)
    return tuple(pads), tuple(ops)


def crop_full_output(y, cut) -> np.ndarray:
    """Keep ``cut``'s window of the full output's last two axes (..., F_H, F_W) -> (..., Ho, Wo).

    Cells the window reaches outside the full output (a negative cut) are zeros.
    """
    y = as_array(y, "y")
    check_ndim(y, "y", (2, 3, 4), "(N, C, H, W), (C, H, W) or (H, W)")
    cuts = _as_cuts(cut)
    for (b, e), n, axis in zip(cuts, y.shape[-2:], "HW", strict=True):
        if n - b - e <= 0:
            raise ValueError(f"cut {axis} ({b}, {e}) leaves nothing of the {n} cells of y")
    (bh, eh), (bw, ew) = cuts
    grow = [(0, 0)] * (y.ndim - 2) + [(max(-bh, 0), max(-eh, 0)), (max(-bw, 0), max(-ew, 0))]
    y = np.pad(y, grow)  # zeros where the window reaches past the full output
    bh, eh, bw, ew = max(bh, 0), max(eh, 0), max(bw, 0), max(ew, 0)
    return y[..., bh:y.shape[-2] - eh, bw:y.shape[-1] - ew].copy()


def _as_cuts(cut) -> tuple[Cut, Cut]:
    """Check a cut: a pair (H, W) of (begin, end) integer pairs."""
    if not isinstance(cut, (list, tuple)) or len(cut) != 2:
        raise TypeError(f"cut must be a pair (H, W) of (begin, end) pairs, got {cut!r}")
    out = []
    for axis_cut, axis in zip(cut, "HW", strict=True):
        if not isinstance(axis_cut, (list, tuple)) or len(axis_cut) != 2:
            raise TypeError(f"cut {axis} must be a (begin, end) pair of integers, "
                            f"got {axis_cut!r}")
        out.append(Cut(as_int(axis_cut[0], f"cut {axis} begin"),
                       as_int(axis_cut[1], f"cut {axis} end")))
    return tuple(out)


# ---------------------------------------------------------------------------------------
# A layer in framework-neutral terms
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Translation:
    """One transposed-conv layer: kernel_size, stride, dilation (int or pair), groups, cut (H, W).

    Settings are checked and stored as pairs; ``cut`` is one (begin, end) per axis.
    """

    kernel_size: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    cut: tuple[Cut, Cut] = (Cut(0, 0), Cut(0, 0))

    def __post_init__(self):
        checked = dict(kernel_size=as_tuple(self.kernel_size, "kernel_size", 2, minimum=1),
                       stride=as_tuple(self.stride, "stride", 2, minimum=1),
                       dilation=as_tuple(self.dilation, "dilation", 2, minimum=1),
                       groups=as_int(self.groups, "groups", minimum=1),
                       cut=_as_cuts(self.cut))
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def torch_pair(self):
        """``(padding, output_padding)`` pairs giving this layer in PyTorch, or None."""
        return torch_pair(self.cut, self.stride, self.dilation)

    @property
    def spans(self) -> tuple[int, int]:
        """Cells the dilated kernel covers, ``d(k-1) + 1`` per axis."""
        return tuple(span(k, d) for k, d in zip(self.kernel_size, self.dilation, strict=True))


def _checked(t) -> Translation:
    """Raise TypeError unless ``t`` is a Translation."""
    if not isinstance(t, Translation):
        raise TypeError(f"translation must be a tconv.frameworks.Translation (from from_torch, "
                        f"from_keras, ...), got {type(t).__name__}")
    return t


def kept_cells(t: Translation, size) -> tuple[Kept, Kept]:
    """Which cells of the full output (H, W) the layer keeps for an input of ``size`` (int/pair)."""
    t = _checked(t)
    sizes = as_tuple(size, "size", 2, minimum=1)
    full = full_size(sizes, t.kernel_size, t.stride, t.dilation)
    kept = tuple(Kept(b, n - e, n) for (b, e), n in zip(t.cut, full, strict=True))
    for k, axis in zip(kept, "HW", strict=True):
        if k.stop <= k.start:
            raise ValueError(f"the layer keeps no cell of the {k.full} full-output cells along "
                             f"{axis} for size {sizes}: cut {t.cut}")
    return kept


def output_size(t: Translation, size) -> tuple[int, int]:
    """The layer's output size (H, W) for an input of ``size`` (int or pair)."""
    return tuple(k.stop - k.start for k in kept_cells(t, size))


def conv_transpose2d_translated(input, weight, bias=None, *, translation: Translation):
    """The layer computed by tconv: x (N, C_in, H, W), w (C_in, C_out/g, kH, kW) -> y.

    With PyTorch's pair when one exists; else ``padding=0``, :func:`crop_full_output`, bias.
    """
    t = _checked(translation)
    w = as_array(weight, "weight")
    if w.ndim >= 2 and tuple(w.shape[-2:]) != t.kernel_size:
        raise ValueError(f"weight's kernel is {tuple(w.shape[-2:])} but the translation's "
                         f"kernel_size is {t.kernel_size}")
    pair = t.torch_pair
    if pair is not None:
        return conv_transpose2d(input, w, bias, t.stride, pair[0], pair[1], t.groups, t.dilation)
    y = crop_full_output(conv_transpose2d(input, w, None, t.stride, 0, 0, t.groups, t.dilation),
                         t.cut)
    if bias is None:
        return y
    b = as_array(bias, "bias")
    channels = y.shape[-3] if y.ndim > 2 else 1
    if b.shape != (channels,):
        raise ValueError(f"bias must have shape ({channels},), one value per output channel, "
                         f"got shape {b.shape}")
    return y + (b[:, None, None] if y.ndim > 2 else b[0])


class Call(NamedTuple):
    """A framework's arguments for the layer, and the crop (H, W) of its output still needed."""

    kwargs: dict
    crop: tuple[Cut, Cut] | None


def _post_crop(cut, made) -> tuple[Cut, Cut] | None:
    """The crop turning a framework's window ``made`` into ``cut`` (None when they are equal)."""
    if tuple(made) == tuple(cut):
        return None
    return tuple(Cut(b - mb, e - me) for (b, e), (mb, me) in zip(cut, made, strict=True))


# ---------------------------------------------------------------------------------------
# PyTorch: ConvTranspose2d / F.conv_transpose2d (tconv's own arguments)
# ---------------------------------------------------------------------------------------


def from_torch(kernel_size, stride=1, padding=0, output_padding=0, dilation=1,
               groups=1) -> Translation:
    """PyTorch's ``ConvTranspose2d`` settings (and so tconv's) as a Translation."""
    ss = as_tuple(stride, "stride", 2, minimum=1)
    ds = as_tuple(dilation, "dilation", 2, minimum=1)
    ops = as_tuple(output_padding, "output_padding", 2, minimum=0)
    for a, s, d in zip(ops, ss, ds, strict=True):
        if a >= max(s, d):
            raise ValueError(f"output_padding ({a}) must be smaller than stride ({s}) or "
                             f"dilation ({d})")
    return Translation(kernel_size, ss, ds, groups, torch_cut(padding, ops))


def to_torch(t: Translation) -> Call:
    """``ConvTranspose2d`` keyword arguments for the layer, plus a crop of its output if needed.

    Without a PyTorch pair: ``padding=0``, ``output_padding`` for any zeros at the end, and
    the crop ``(b, e)`` per axis to slice off, ``y[..., b:H-e, ...]``.
    """
    t = _checked(t)
    kwargs = dict(kernel_size=t.kernel_size, stride=t.stride, padding=(0, 0),
                  output_padding=(0, 0), dilation=t.dilation, groups=t.groups)
    pair = t.torch_pair
    if pair is not None:
        return Call({**kwargs, "padding": pair[0], "output_padding": pair[1]}, None)
    ops = []
    for (b, e), s, d, axis in zip(t.cut, t.stride, t.dilation, "HW", strict=True):
        _no_zeros_before(b, "PyTorch", axis)
        a = max(-e, 0)
        if a >= max(s, d):
            raise ValueError(f"PyTorch cannot add {a} zero cells at the end along {axis}: "
                             f"output_padding must be smaller than stride ({s}) or "
                             f"dilation ({d})")
        ops.append(a)
    kwargs["output_padding"] = tuple(ops)
    return Call(kwargs, _post_crop(t.cut, torch_cut(0, ops)))


def _no_zeros_before(begin: int, framework: str, axis: str) -> None:
    """Raise ValueError for a window that starts before the full output (only JAX has one)."""
    if begin < 0:
        raise ValueError(f"{framework} cannot add {-begin} zero cells before the output along "
                         f"{axis} (cut begin {begin} < 0)")


# ---------------------------------------------------------------------------------------
# Keras 3: keras.layers.Conv2DTranspose
# ---------------------------------------------------------------------------------------


def _same_cut(spn: int, stride: int) -> Cut:
    """Keras' ``"same"`` (output_padding None) and JAX's ``"SAME"``: output size*stride.

    The kernel overhangs the stride by ``span - stride`` cells: the smaller half is cut at the
    beginning, the larger (the odd cell) at the end. A negative overhang adds zeros at the end.
    """
    total = spn - stride
    begin = max(total // 2, 0)
    return Cut(begin, total - begin)


def _valid_cut(spn: int, stride: int) -> Cut:
    """Keras' ``"valid"`` (output_padding None) and JAX's ``"VALID"``: all of it, ≥ size*stride."""
    return Cut(0, min(spn - stride, 0))


def _keras_padding(padding) -> str:
    """Keras' padding string, lower-cased as Keras reads it."""
    if not isinstance(padding, str) or padding.lower() not in ("same", "valid"):
        raise ValueError(f'padding must be "same" or "valid" (Keras), got {padding!r}')
    return padding.lower()


def keras_cut(kernel_size, strides=1, padding="valid", output_padding=None,
              dilation_rate=1) -> tuple[Cut, Cut]:
    """Keras ``Conv2DTranspose``'s window (H, W) of the full output.

    ``output_padding=None``: ``"valid"`` keeps everything (zeros up to size·stride when the
    stride outruns the kernel), ``"same"`` keeps size·stride cells, the odd one cut at the end.
    With ``output_padding=a`` the size is ``(size-1)s + span%2 + a`` (``"same"``) or
    ``(size-1)s + span + a`` (``"valid"``); ``"same"`` still cuts the larger half at the end.
    """
    padding = _keras_padding(padding)
    ks = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
    ss = as_tuple(strides, "strides", 2, minimum=1)
    ds = as_tuple(dilation_rate, "dilation_rate", 2, minimum=1)
    ops = (None, None) if output_padding is None else as_tuple(output_padding, "output_padding",
                                                                2, minimum=0)
    for a, s in zip(ops, ss, strict=True):
        if a is not None and a >= s:
            raise ValueError(f"output_padding ({a}) must be smaller than strides ({s}) (Keras)")
    if max(ss) > 1 and max(ds) > 1:
        raise ValueError(f"Keras' Conv2DTranspose does not allow strides > 1 with "
                         f"dilation_rate > 1, got strides {ss} and dilation_rate {ds}")
    cuts = []
    for k, s, d, a in zip(ks, ss, ds, ops, strict=True):
        spn = span(k, d)
        if a is None:
            cuts.append(_same_cut(spn, s) if padding == "same" else _valid_cut(spn, s))
        elif padding == "valid":
            cuts.append(Cut(0, -a))
        else:
            total = 2 * (spn // 2) - a
            begin = max(total // 2, 0)
            cuts.append(Cut(begin, total - begin))
    return tuple(cuts)


def keras_output_size(size, kernel_size, strides=1, padding="valid", output_padding=None,
                      dilation_rate=1) -> tuple[int, int]:
    """Keras' documented output size (H, W) of ``Conv2DTranspose`` for an input of ``size``."""
    padding = _keras_padding(padding)
    sizes = as_tuple(size, "size", 2, minimum=1)
    ks = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
    ss = as_tuple(strides, "strides", 2, minimum=1)
    ds = as_tuple(dilation_rate, "dilation_rate", 2, minimum=1)
    ops = (None, None) if output_padding is None else as_tuple(output_padding, "output_padding",
                                                                2, minimum=0)
    out = []
    for i, k, s, d, a in zip(sizes, ks, ss, ds, ops, strict=True):
        spn = span(k, d)
        if a is None:
            out.append(i * s + max(spn - s, 0) if padding == "valid" else i * s)
        else:
            pad = spn // 2 if padding == "same" else 0
            out.append((i - 1) * s + spn - 2 * pad + a)
    return tuple(out)


def from_keras(kernel_size, strides=1, padding="valid", output_padding=None,
               dilation_rate=1) -> Translation:
    """Keras ``Conv2DTranspose(filters, kernel_size, strides, padding, ...)`` as a Translation."""
    cut = keras_cut(kernel_size, strides, padding, output_padding, dilation_rate)
    return Translation(kernel_size, strides, dilation_rate, 1, cut)


def to_keras(t: Translation) -> Call:
    """``Conv2DTranspose`` keyword arguments for the layer, plus a ``Cropping2D`` if needed.

    Keras' own ``padding``/``output_padding`` when one gives the window; else ``"valid"`` with
    ``output_padding`` for zeros at the end and ``Cropping2D(cropping=crop)`` after it.
    """
    t = _checked(t)
    if t.groups != 1:
        raise ValueError(f"Keras' Conv2DTranspose has no groups, got groups={t.groups}")
    base = dict(kernel_size=t.kernel_size, strides=t.stride, dilation_rate=t.dilation)
    if max(t.stride) > 1 and max(t.dilation) > 1:
        raise ValueError(f"Keras' Conv2DTranspose does not allow strides > 1 with "
                         f"dilation_rate > 1, got stride {t.stride} and dilation {t.dilation}")
    for padding in ("valid", "same"):
        if keras_cut(t.kernel_size, t.stride, padding, None, t.dilation) == t.cut:
            return Call({**base, "padding": padding, "output_padding": None}, None)
    for padding in ("valid", "same"):
        ops = [next((a for a in range(s) if keras_cut(k, s, padding, a, d)[0] == c), None)
               for k, s, d, c in zip(t.kernel_size, t.stride, t.dilation, t.cut, strict=True)]
        if None not in ops:
            return Call({**base, "padding": padding, "output_padding": tuple(ops)}, None)
    ops = []
    for (b, e), s, axis in zip(t.cut, t.stride, "HW", strict=True):
        _no_zeros_before(b, "Keras", axis)
        if max(-e, 0) >= s:
            raise ValueError(f"Keras cannot add {-e} zero cells at the end along {axis}: "
                             f"output_padding must be smaller than strides ({s})")
        ops.append(max(-e, 0))
    made = keras_cut(t.kernel_size, t.stride, "valid", ops, t.dilation)
    return Call({**base, "padding": "valid", "output_padding": tuple(ops)},
                _post_crop(t.cut, made))


def keras_kernel(weight) -> np.ndarray:
    """PyTorch's weight (C_in, C_out, kH, kW) as Keras' kernel (kH, kW, C_out, C_in), unflipped."""
    w = as_array(weight, "weight")
    check_ndim(w, "weight", (4,), "(C_in, C_out, kH, kW)")
    return np.ascontiguousarray(w.transpose(2, 3, 1, 0))


def weight_from_keras(kernel) -> np.ndarray:
    """Keras' kernel (kH, kW, C_out, C_in) as PyTorch's weight (C_in, C_out, kH, kW)."""
    k = as_array(kernel, "kernel")
    check_ndim(k, "kernel", (4,), "(kH, kW, C_out, C_in)")
    return np.ascontiguousarray(k.transpose(3, 2, 0, 1))


# ---------------------------------------------------------------------------------------
# JAX: jax.lax.conv_transpose
# ---------------------------------------------------------------------------------------


def _jax_pairs(padding, name: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Two (low, high) integer pairs, one per spatial axis."""
    if not isinstance(padding, (list, tuple)) or len(padding) != 2:
        raise ValueError(f'{name} must be "SAME", "VALID" or two (low, high) pairs, '
                         f"got {padding!r}")
    pairs = []
    for pair in padding:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"{name} pairs must be (low, high) integer pairs, got {pair!r}")
        pairs.append((as_int(pair[0], name), as_int(pair[1], name)))
    return tuple(pairs)


def jax_padding(kernel_size, strides, padding, rhs_dilation=None,
                use_consistent_padding=False) -> tuple[tuple[int, int], tuple[int, int]]:
    """The (low, high) padding (H, W) of the stride-dilated input that ``conv_transpose`` uses.

    It computes a stride-1 correlation of the input with ``strides - 1`` zeros between cells,
    padded by these amounts. Explicit pairs are used as they are, unless
    ``use_consistent_padding=True``, which reads them as the forward convolution's padding.
    """
    ks = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
    ss = as_tuple(strides, "strides", 2, minimum=1)
    ds = as_tuple(1 if rhs_dilation is None else rhs_dilation, "rhs_dilation", 2, minimum=1)
    spans = [span(k, d) for k, d in zip(ks, ds, strict=True)]
    if isinstance(padding, str):
        if padding not in ("SAME", "VALID"):
            raise ValueError(f'padding must be "SAME", "VALID" or two (low, high) pairs '
                             f"(jax.lax.conv_transpose), got {padding!r}")
        make = _same_cut if padding == "SAME" else _valid_cut
        cuts = [make(n, s) for n, s in zip(spans, ss, strict=True)]
        return tuple((n - 1 - b, n - 1 - e) for n, (b, e) in zip(spans, cuts, strict=True))
    pairs = _jax_pairs(padding, "padding")
    if use_consistent_padding:
        return tuple((n - 1 - lo, n - 1 - hi) for n, (lo, hi) in zip(spans, pairs, strict=True))
    return pairs


def jax_cut(kernel_size, strides, padding, rhs_dilation=None,
            use_consistent_padding=False) -> tuple[Cut, Cut]:
    """``jax.lax.conv_transpose``'s window (H, W): padding (lo, hi) cuts (span-1-lo, span-1-hi)."""
    pads = jax_padding(kernel_size, strides, padding, rhs_dilation, use_consistent_padding)
    ks = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
    ds = as_tuple(1 if rhs_dilation is None else rhs_dilation, "rhs_dilation", 2, minimum=1)
    return tuple(Cut(span(k, d) - 1 - lo, span(k, d) - 1 - hi)
                 for k, d, (lo, hi) in zip(ks, ds, pads, strict=True))


def jax_output_size(size, kernel_size, strides, padding, rhs_dilation=None,
                    use_consistent_padding=False) -> tuple[int, int]:
    """``conv_transpose``'s output size (H, W): ``(size-1)s + 1 + lo + hi - span + 1`` per axis."""
    sizes = as_tuple(size, "size", 2, minimum=1)
    pads = jax_padding(kernel_size, strides, padding, rhs_dilation, use_consistent_padding)
    ks = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
    ss = as_tuple(strides, "strides", 2, minimum=1)
    ds = as_tuple(1 if rhs_dilation is None else rhs_dilation, "rhs_dilation", 2, minimum=1)
    return tuple((i - 1) * s + 1 + lo + hi - span(k, d) + 1
                 for i, k, s, d, (lo, hi) in zip(sizes, ks, ss, ds, pads, strict=True))


def from_jax(kernel_size, strides, padding, rhs_dilation=None,
             use_consistent_padding=False) -> Translation:
    """``jax.lax.conv_transpose(x, kernel, strides, padding, rhs_dilation)`` as a Translation."""
    cut = jax_cut(kernel_size, strides, padding, rhs_dilation, use_consistent_padding)
    return Translation(kernel_size, strides, 1 if rhs_dilation is None else rhs_dilation, 1,
                       cut)


def to_jax(t: Translation) -> Call:
    """``lax.conv_transpose`` keyword arguments: ``"SAME"``/``"VALID"`` if exact, else pairs.

    The pairs are ``(span-1-b, span-1-e)``: the transposed convolution's own padding (the
    default ``use_consistent_padding=False``). JAX expresses every window; no crop is needed.
    """
    t = _checked(t)
    if t.groups != 1:
        raise ValueError(f"jax.lax.conv_transpose has no groups (feature_group_count), "
                         f"got groups={t.groups}")
    base = dict(strides=t.stride, rhs_dilation=t.dilation)
    for padding in ("SAME", "VALID"):
        if jax_cut(t.kernel_size, t.stride, padding, t.dilation) == t.cut:
            return Call({**base, "padding": padding}, None)
    pairs = tuple((n - 1 - b, n - 1 - e) for n, (b, e) in zip(t.spans, t.cut, strict=True))
    return Call({**base, "padding": pairs}, None)


def relayout(a, src: str, dst: str) -> np.ndarray:
    """Transpose ``a`` from layout ``src`` to ``dst`` (e.g. "NCHW" -> "NHWC", "OIHW" -> "HWIO")."""
    arr = as_array(a, "a")
    if not (isinstance(src, str) and isinstance(dst, str)):
        raise TypeError(f"src and dst must be layout strings like 'NCHW', got {src!r}, {dst!r}")
    if sorted(src) != sorted(dst) or len(set(src)) != len(src):
        raise ValueError(f"src {src!r} and dst {dst!r} must be the same distinct letters")
    if len(src) != arr.ndim:
        raise ValueError(f"layout {src!r} has {len(src)} letters but a has {arr.ndim} axes")
    return np.ascontiguousarray(arr.transpose([src.index(c) for c in dst]))


def _rhs_spec(rhs_spec: str) -> str:
    """Check a JAX kernel layout: the letters O, I, H, W once each."""
    if not isinstance(rhs_spec, str) or sorted(rhs_spec) != sorted("OIHW"):
        raise ValueError(f"rhs_spec must be a kernel layout with O, I, H and W once each "
                         f"(e.g. 'HWIO', 'OIHW'), got {rhs_spec!r}")
    return rhs_spec


def jax_kernel(weight, transpose_kernel=False, rhs_spec="HWIO") -> np.ndarray:
    """PyTorch's weight (C_in, C_out, kH, kW) as ``conv_transpose``'s kernel in layout rhs_spec.

    ``transpose_kernel=False``: the kernel of the stride-1 correlation, so flipped in both
    spatial axes, I = C_in, O = C_out. ``transpose_kernel=True``: the forward convolution's
    kernel, unflipped, O = C_in, I = C_out (JAX flips and swaps it itself).
    """
    w = as_array(weight, "weight")
    check_ndim(w, "weight", (4,), "(C_in, C_out, kH, kW)")
    rhs_spec = _rhs_spec(rhs_spec)
    if transpose_kernel:
        return relayout(w, "OIHW", rhs_spec)
    return relayout(w[:, :, ::-1, ::-1], "IOHW", rhs_spec)


def weight_from_jax(kernel, transpose_kernel=False, rhs_spec="HWIO") -> np.ndarray:
    """``conv_transpose``'s kernel (layout rhs_spec) as PyTorch's weight (C_in, C_out, kH, kW)."""
    k = as_array(kernel, "kernel")
    check_ndim(k, "kernel", (4,), f"{_rhs_spec(rhs_spec)} (4 axes)")
    if transpose_kernel:
        return relayout(k, rhs_spec, "OIHW")
    return np.ascontiguousarray(relayout(k, rhs_spec, "IOHW")[:, :, ::-1, ::-1])


# ---------------------------------------------------------------------------------------
# Flax: flax.linen.ConvTranspose (lax.conv_transpose on NHWC, kernel HWIO)
# ---------------------------------------------------------------------------------------


def _flax_padding(padding):
    """Flax's padding as lax reads it: a string, or an int / per-axis ints become (p, p) pairs."""
    if isinstance(padding, str):
        if padding == "CIRCULAR":
            raise ValueError('padding "CIRCULAR" wraps the full output around (periodic '
                             "boundary): not a window, so no PyTorch equivalent")
        return padding
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        return ((int(padding),) * 2,) * 2
    if isinstance(padding, (list, tuple)) and len(padding) == 2:
        return tuple((p, p) if isinstance(p, (int, np.integer)) else p for p in padding)
    raise ValueError(f'padding must be "SAME", "VALID", an int, or two ints or (low, high) '
                     f"pairs (Flax), got {padding!r}")


def _flax_kernel_size(kernel_size) -> tuple[int, int]:
    """A 2-D Flax kernel_size: Flax reads a bare int as a 1-D kernel, so a pair is required."""
    if not isinstance(kernel_size, (list, tuple)):
        raise TypeError(f"kernel_size must be a pair (kH, kW) for Flax's 2-D ConvTranspose "
                        f"(Flax reads an int as a 1-D kernel), got {kernel_size!r}")
    return as_tuple(kernel_size, "kernel_size", 2, minimum=1)


def flax_cut(kernel_size, strides=1, padding="SAME", kernel_dilation=1) -> tuple[Cut, Cut]:
    """``flax.linen.ConvTranspose``'s window (H, W); note Flax's default padding is "SAME"."""
    return jax_cut(_flax_kernel_size(kernel_size), strides, _flax_padding(padding),
                   kernel_dilation)


def from_flax(kernel_size, strides=1, padding="SAME", kernel_dilation=1) -> Translation:
    """``nn.ConvTranspose(features, kernel_size, strides, padding, kernel_dilation)``."""
    cut = flax_cut(kernel_size, strides, padding, kernel_dilation)
    return Translation(kernel_size, strides, kernel_dilation, 1, cut)


def to_flax(t: Translation) -> Call:
    """``nn.ConvTranspose`` keyword arguments for the layer (kernel_size, strides, ...)."""
    call = to_jax(t)
    return Call(dict(kernel_size=_checked(t).kernel_size, strides=call.kwargs["strides"],
                     padding=call.kwargs["padding"],
                     kernel_dilation=call.kwargs["rhs_dilation"]), None)


def flax_kernel(weight, transpose_kernel=False) -> np.ndarray:
    """PyTorch's weight (C_in, C_out, kH, kW) as Flax's kernel: (kH, kW, C_in, C_out) flipped.

    With ``transpose_kernel=True`` Flax's kernel is (kH, kW, C_out, C_in), unflipped.
    """
    return jax_kernel(weight, transpose_kernel, "HWIO")


def weight_from_flax(kernel, transpose_kernel=False) -> np.ndarray:
    """Flax's kernel (kH, kW, ., .) as PyTorch's weight (C_in, C_out, kH, kW)."""
    return weight_from_jax(kernel, transpose_kernel, "HWIO")


# ---------------------------------------------------------------------------------------
# ONNX: the ConvTranspose operator
# ---------------------------------------------------------------------------------------

AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")


def _onnx_split(total: int, upper: bool, output_padding: int, axis: str) -> Cut:
    """ONNX's pads from their ``total`` (SAME_UPPER: the odd one at the end), as a cut.

    The pads are cut from the full output grown by ``output_padding`` at the end.
    """
    if total < 0:
        raise ValueError(f"ONNX would need negative pads ({total} in all) along {axis}: the "
                         f"spec requires pads >= 0 (onnxruntime and the reference evaluator "
                         f"then disagree)")
    small = total // 2
    begin, end = (small, total - small) if upper else (total - small, small)
    return Cut(begin, end - output_padding)


def onnx_cut(kernel_shape, strides=1, pads=None, auto_pad="NOTSET", output_padding=0,
             dilations=1, output_shape=None, size=None) -> tuple[Cut, Cut]:
    """ONNX ``ConvTranspose``'s window (H, W) of the full output.

    ``pads`` is ONNX's ``[H_begin, W_begin, H_end, W_end]``, cut from the full output;
    ``output_padding`` adds at the end. ``auto_pad="SAME_*"`` aims at size·stride (SAME_UPPER
    cuts the odd cell at the end, SAME_LOWER at the beginning). ``output_shape`` (H, W)
    replaces ``pads`` and needs the input's ``size``.
    """
    if auto_pad not in AUTO_PADS:
        raise ValueError(f"auto_pad must be one of {AUTO_PADS}, got {auto_pad!r}")
    ks = as_tuple(kernel_shape, "kernel_shape", 2, minimum=1)
    ss = as_tuple(strides, "strides", 2, minimum=1)
    ds = as_tuple(dilations, "dilations", 2, minimum=1)
    ops = as_tuple(output_padding, "output_padding", 2, minimum=0)
    for a, s, d in zip(ops, ss, ds, strict=True):
        if a >= max(s, d):
            raise ValueError(f"output_padding ({a}) must be smaller than strides ({s}) or "
                             f"dilations ({d}) (ONNX)")
    if pads is not None and auto_pad != "NOTSET":
        raise ValueError(f"pads cannot be used with auto_pad={auto_pad!r} (ONNX): give one")
    spans = [span(k, d) for k, d in zip(ks, ds, strict=True)]
    if output_shape is not None:
        if size is None:
            raise ValueError("output_shape needs the input's size (H, W) to find the pads")
        sizes = as_tuple(size, "size", 2, minimum=1)
        outs = as_tuple(output_shape, "output_shape", 2, minimum=1)
        totals = [(i - 1) * s + a + n - o
                  for i, s, a, n, o in zip(sizes, ss, ops, spans, outs, strict=True)]
        return tuple(_onnx_split(tot, auto_pad == "SAME_UPPER", a, axis)
                     for tot, a, axis in zip(totals, ops, "HW", strict=True))
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        return tuple(_onnx_split(n - s + a, auto_pad == "SAME_UPPER", a, axis)
                     for n, s, a, axis in zip(spans, ss, ops, "HW", strict=True))
    pb = as_tuple((0,) * 4 if pads is None else pads, "pads", 4, minimum=0)
    return (Cut(pb[0], pb[2] - ops[0]), Cut(pb[1], pb[3] - ops[1]))


def onnx_output_size(size, kernel_shape, strides=1, pads=None, auto_pad="NOTSET",
                     output_padding=0, dilations=1, output_shape=None) -> tuple[int, int]:
    """The output size (H, W) by the ONNX spec's formula (``output_shape`` when given)."""
    if auto_pad not in AUTO_PADS:
        raise ValueError(f"auto_pad must be one of {AUTO_PADS}, got {auto_pad!r}")
    sizes = as_tuple(size, "size", 2, minimum=1)
    if output_shape is not None:
        return as_tuple(output_shape, "output_shape", 2, minimum=1)
    ss = as_tuple(strides, "strides", 2, minimum=1)
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        return tuple(i * s for i, s in zip(sizes, ss, strict=True))
    ks = as_tuple(kernel_shape, "kernel_shape", 2, minimum=1)
    ds = as_tuple(dilations, "dilations", 2, minimum=1)
    ops = as_tuple(output_padding, "output_padding", 2, minimum=0)
    pb = as_tuple((0,) * 4 if pads is None or auto_pad == "VALID" else pads, "pads", 4,
                  minimum=0)
    return tuple(s * (i - 1) + a + span(k, d) - pb[j] - pb[j + 2]
                 for j, (i, s, a, k, d) in enumerate(zip(sizes, ss, ops, ks, ds, strict=True)))


def from_onnx(kernel_shape, strides=1, pads=None, auto_pad="NOTSET", output_padding=0,
              dilations=1, group=1, output_shape=None, size=None) -> Translation:
    """ONNX ``ConvTranspose``'s attributes as a Translation (``size`` only for output_shape)."""
    cut = onnx_cut(kernel_shape, strides, pads, auto_pad, output_padding, dilations,
                   output_shape, size)
    return Translation(kernel_shape, strides, dilations, group, cut)


def to_onnx(t: Translation) -> Call:
    """ONNX ``ConvTranspose`` attributes for the layer: explicit ``pads`` and ``output_padding``.

    PyTorch's pair becomes ``pads=[p, p, p, p]`` (begin H, W, end H, W) and its
    ``output_padding``, as PyTorch's exporter writes them; any other window is its own pads,
    with ``output_padding`` only for zeros at the end. onnxruntime requires
    ``output_padding < strides`` (the spec allows < dilations too), so that rule is kept.
    """
    t = _checked(t)
    kwargs = dict(kernel_shape=list(t.kernel_size), strides=list(t.stride),
                  dilations=list(t.dilation), group=t.groups)
    pair = t.torch_pair
    begins, ends, ops = [], [], []
    for j, ((b, e), s, axis) in enumerate(zip(t.cut, t.stride, "HW", strict=True)):
        if pair is not None and pair[1][j] < s:
            b, e, a = pair[0][j], pair[0][j], pair[1][j]
        else:
            _no_zeros_before(b, "ONNX", axis)
            b, e, a = b, max(e, 0), max(-e, 0)
            if a >= s:
                raise ValueError(f"ONNX (onnxruntime) cannot add {a} zero cells at the end "
                                 f"along {axis}: output_padding must be smaller than "
                                 f"strides ({s})")
        begins.append(b)
        ends.append(e)
        ops.append(a)
    return Call({**kwargs, "pads": begins + ends, "output_padding": ops}, None)


# ---------------------------------------------------------------------------------------
# The same layer as each framework's call, written out (the chapter's table, the calculator)
# ---------------------------------------------------------------------------------------

FRAMEWORKS = ("PyTorch", "Keras", "JAX", "Flax", "ONNX")
"""The frameworks :func:`same_layer_calls` writes a call for, in its order."""

# What each call's weight and input are, in terms of PyTorch's ``weight`` (C_in, C_out, kH, kW)
# and NCHW input. player.js has the same sentences (its FRAMEWORK_NOTES).
CALL_NOTES = {
    "PyTorch": "weight (C_in, C_out, kH, kW); x in NCHW",
    "Keras": "kernel = weight.transpose(2, 3, 1, 0); x in NHWC",
    "JAX": 'w = weight[:, :, ::-1, ::-1], flipped; or w = weight with "OIHW" and '
           "transpose_kernel=True",
    "Flax": "kernel = weight[:, :, ::-1, ::-1].transpose(2, 3, 0, 1), flipped; x in NHWC",
    "ONNX": "W = weight as it is; x in NCHW",
}


class CallText(NamedTuple):
    """A framework's call as code (one line per statement), or "" and the rule that forbids it.

    ``note`` says what the call's weight and input are, or, when ``code`` is empty, why the
    framework cannot express the layer (the message its ``to_<fw>`` raises).
    """

    code: str
    note: str


def py_text(v, collapse: bool = True) -> str:
    """A value as Python source: strings double-quoted, tuples, lists; ``collapse``: (n, n) as n."""
    if isinstance(v, str):
        return f'"{v}"'
    if collapse and isinstance(v, tuple) and len(v) == 2 and v[0] == v[1] and isinstance(
            v[0], int):
        return str(v[0])
    if isinstance(v, (tuple, list)):
        inner = ", ".join(py_text(x, False) for x in v)
        return f"[{inner}]" if isinstance(v, list) else f"({inner})"
    return str(v)


def _arguments(first, named) -> str:
    """``first`` (positional texts) and the named values that are not None, as Python source."""
    return ", ".join([*first, *(f"{k}={v}" for k, v in named.items() if v is not None)])


def _torch_text(t: Translation) -> str:
    kw = to_torch(t).kwargs
    p, a, k, s, d = kw["padding"], kw["output_padding"], t.kernel_size, t.stride, t.dilation
    named = {"stride": py_text(s) if s != (1, 1) else None,
             "padding": py_text(p) if p != (0, 0) else None,
             "output_padding": py_text(a) if a != (0, 0) else None,
             "dilation": py_text(d) if d != (1, 1) else None}
    return f"nn.ConvTranspose2d({_arguments(['C_in', 'C_out', py_text(k)], named)})"


def _keras_text(t: Translation) -> str:
    call = to_keras(t)
    kw = call.kwargs
    ops = kw["output_padding"]
    if ops is not None and keras_cut(t.kernel_size, t.stride, kw["padding"], None,
                                     t.dilation) == keras_cut(t.kernel_size, t.stride,
                                                              kw["padding"], ops, t.dilation):
        ops = None  # the same window as Keras' default: leave it out
    named = {"strides": py_text(t.stride) if t.stride != (1, 1) else None,
             "padding": py_text(kw["padding"]),
             "output_padding": None if ops is None else py_text(ops),
             "dilation_rate": py_text(t.dilation) if t.dilation != (1, 1) else None}
    text = f"layers.Conv2DTranspose({_arguments(['C_out', py_text(t.kernel_size)], named)})"
    if call.crop is not None:
        crop = "(" + ", ".join(py_text(tuple(c), False) for c in call.crop) + ")"
        text += f"\nlayers.Cropping2D({crop})"
    return text


def _jax_text(t: Translation) -> str:
    kw = to_jax(t).kwargs
    named = {"strides": py_text(kw["strides"], False), "padding": py_text(kw["padding"], False),
             "rhs_dilation": py_text(t.dilation, False) if t.dilation != (1, 1) else None,
             "dimension_numbers": py_text(("NCHW", "IOHW", "NCHW"))}
    return f"lax.conv_transpose({_arguments(['x', 'w'], named)})"


def _flax_text(t: Translation) -> str:
    kw = to_flax(t).kwargs
    named = {"strides": py_text(kw["strides"], False) if t.stride != (1, 1) else None,
             "padding": py_text(kw["padding"], False),
             "kernel_dilation": py_text(t.dilation, False) if t.dilation != (1, 1) else None}
    return f"nn.ConvTranspose({_arguments(['C_out', py_text(t.kernel_size, False)], named)})"


def _onnx_text(t: Translation) -> str:
    kw = to_onnx(t).kwargs
    named = {"kernel_shape": py_text(kw["kernel_shape"]), "strides": py_text(kw["strides"]),
             "pads": py_text(kw["pads"]),
             "output_padding": py_text(kw["output_padding"]) if any(kw["output_padding"])
             else None,
             "dilations": py_text(kw["dilations"]) if kw["dilations"] != [1, 1] else None}
    return f"ConvTranspose({_arguments([], named)})"


_TEXTS = {"PyTorch": _torch_text, "Keras": _keras_text, "JAX": _jax_text, "Flax": _flax_text,
          "ONNX": _onnx_text}


def same_layer_calls(kernel_size, stride=1, padding=0, output_padding=0,
                     dilation=1) -> dict[str, CallText]:
    """PyTorch's ``ConvTranspose2d`` settings as each framework's call, by :data:`FRAMEWORKS`.

    The calls are :func:`to_torch`, :func:`to_keras`, :func:`to_jax`, :func:`to_flax` and
    :func:`to_onnx` of :func:`from_torch`'s translation (groups 1), written with each framework's
    own names and only the arguments that differ from its defaults (the padding always);
    a framework that cannot express the layer gets ``code=""`` and its rule as the note.
    Raises :func:`from_torch`'s errors for settings PyTorch refuses. The players' module
    (``player.js``) writes the same texts in the output-size calculator.
    """
    t = from_torch(kernel_size, stride, padding, output_padding, dilation)
    out = {}
    for name in FRAMEWORKS:
        try:
            out[name] = CallText(_TEXTS[name](t), CALL_NOTES[name])
        except ValueError as err:
            out[name] = CallText("", str(err))
    return out
