"""What a stack of layers costs: shapes, multiply-adds, parameters and activation memory.

A network here is a list of layer descriptions (:class:`Conv2d`, :class:`MaxPool2d`,
:class:`Upsample`, :class:`ConvTranspose2d`, named and configured like their ``torch.nn``
counterparts, with no weights). :func:`trace` walks an input shape ``(C, H, W)`` through them
with the output-size formulas of :mod:`tconv.shapes` and counts, per layer,

- multiply-adds: one per kernel weight per output value of a convolution
  (``C_out·H_out·W_out·C_in·kH·kW``); one per kernel weight per *input* value of a transposed
  convolution (``C_in·H·W·C_out·kH·kW``); none for max pooling and nearest upsampling, which
  only compare or copy; four per output value for bilinear upsampling (a weighted sum of four
  neighbours);
- parameters: the kernel weights and one bias per output channel;
- activations: the values of the layer's output, which training keeps for the backward pass.

:func:`receptive_field` gives, for a stack of convolutions and max pooling, which input cells
one output position depends on.

An operation of the library: it follows the sizes a network's layers give, as
``torchinfo`` or ``fvcore`` count them, and imports only :mod:`tconv.shapes` and the checks (no
numpy, no drawing). The two designs the chapter "Why upsample?" compares are built from these
descriptions in :mod:`tconv.book.why_upsample`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._checks import as_int, as_tuple
from .shapes import check_output_padding, conv_output_size, conv_transpose_output_size

# --- layer descriptions -------------------------------------------------------------------


@dataclass(frozen=True)
class Conv2d:
    """A convolution with ``out_channels`` kernels of ``kernel_size`` (no dilation, groups 1)."""

    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0

    def __post_init__(self):
        as_int(self.out_channels, "out_channels", minimum=1)
        as_tuple(self.kernel_size, "kernel_size", 2, minimum=1)
        as_tuple(self.stride, "stride", 2, minimum=1)
        as_tuple(self.padding, "padding", 2, minimum=0)

    def describe(self) -> str:
        """A short label, e.g. ``"conv 3×3, 32"``."""
        kh, kw = as_tuple(self.kernel_size, "kernel_size", 2)
        s = as_tuple(self.stride, "stride", 2)
        extra = f", stride {s[0] if s[0] == s[1] else s}" if s != (1, 1) else ""
        return f"conv {kh}×{kw}, {self.out_channels}{extra}"


@dataclass(frozen=True)
class ConvTranspose2d:
    """A transposed convolution with ``out_channels`` kernels (no dilation, groups 1)."""

    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    output_padding: int | tuple[int, int] = 0

    def __post_init__(self):
        as_int(self.out_channels, "out_channels", minimum=1)
        as_tuple(self.kernel_size, "kernel_size", 2, minimum=1)
        as_tuple(self.padding, "padding", 2, minimum=0)
        stride = as_tuple(self.stride, "stride", 2, minimum=1)
        check_output_padding(self.output_padding, stride, (1, 1))

    def describe(self) -> str:
        """A short label, e.g. ``"tconv 2×2, 64, stride 2"``."""
        kh, kw = as_tuple(self.kernel_size, "kernel_size", 2)
        s = as_tuple(self.stride, "stride", 2)
        extra = f", stride {s[0] if s[0] == s[1] else s}" if s != (1, 1) else ""
        return f"tconv {kh}×{kw}, {self.out_channels}{extra}"


@dataclass(frozen=True)
class MaxPool2d:
    """Max pooling over ``kernel_size`` windows; ``stride`` defaults to ``kernel_size``."""

    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] | None = None
    padding: int | tuple[int, int] = 0

    def __post_init__(self):
        as_tuple(self.kernel_size, "kernel_size", 2, minimum=1)
        if self.stride is not None:
            as_tuple(self.stride, "stride", 2, minimum=1)
        as_tuple(self.padding, "padding", 2, minimum=0)

    def describe(self) -> str:
        """A short label, e.g. ``"max pool 2×2"``."""
        kh, kw = as_tuple(self.kernel_size, "kernel_size", 2)
        return f"max pool {kh}×{kw}"


UPSAMPLE_MODES = ("nearest", "bilinear")


@dataclass(frozen=True)
class Upsample:
    """Fixed upsampling by an integer ``scale_factor`` (``mode`` nearest or bilinear)."""

    scale_factor: int | tuple[int, int]
    mode: str = "nearest"

    def __post_init__(self):
        as_tuple(self.scale_factor, "scale_factor", 2, minimum=1)
        if self.mode not in UPSAMPLE_MODES:
            raise ValueError(f"mode must be one of {UPSAMPLE_MODES}, got {self.mode!r}")

    def describe(self) -> str:
        """A short label, e.g. ``"nearest ×2"``."""
        sh, sw = as_tuple(self.scale_factor, "scale_factor", 2)
        return f"{self.mode} ×{sh if sh == sw else (sh, sw)}"


LAYERS = (Conv2d, ConvTranspose2d, MaxPool2d, Upsample)


# --- tracing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One layer of a trace: its input and output shapes ``(C, H, W)`` and what it costs."""

    layer: Conv2d | ConvTranspose2d | MaxPool2d | Upsample
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    macs: int
    params: int

    @property
    def activations(self) -> int:
        """Values in this layer's output: ``C·H·W``."""
        c, h, w = self.out_shape
        return c * h * w


def step(layer, in_shape) -> Step:
    """Shape and cost of one layer applied to an input of shape (C, H, W)."""
    c, h, w = as_tuple(in_shape, "in_shape", 3, minimum=1)
    if isinstance(layer, Conv2d):
        k = as_tuple(layer.kernel_size, "kernel_size", 2)
        ho, wo = conv_output_size((h, w), k, layer.stride, layer.padding)
        co = layer.out_channels
        macs = co * ho * wo * c * k[0] * k[1]
        params = co * c * k[0] * k[1] + co
    elif isinstance(layer, ConvTranspose2d):
        k = as_tuple(layer.kernel_size, "kernel_size", 2)
        ho, wo = conv_transpose_output_size(
            (h, w), k, layer.stride, layer.padding, layer.output_padding
        )
        co = layer.out_channels
        # every input value times a whole kernel
        macs = c * h * w * co * k[0] * k[1]
        params = c * co * k[0] * k[1] + co
    elif isinstance(layer, MaxPool2d):
        k = as_tuple(layer.kernel_size, "kernel_size", 2)
        p = as_tuple(layer.padding, "padding", 2)
        if p[0] > k[0] // 2 or p[1] > k[1] // 2:
            raise ValueError(
                f"padding {p} must be at most half of kernel_size {k}"
            )
        stride = k if layer.stride is None else layer.stride
        ho, wo = conv_output_size((h, w), k, stride, p)
        co, macs, params = c, 0, 0
    elif isinstance(layer, Upsample):
        sh, sw = as_tuple(layer.scale_factor, "scale_factor", 2)
        co, ho, wo, params = c, h * sh, w * sw, 0
        macs = 0 if layer.mode == "nearest" else 4 * co * ho * wo
    else:
        names = ", ".join(t.__name__ for t in LAYERS)
        raise TypeError(
            f"layer must be one of {names}, got {type(layer).__name__}"
        )
    return Step(layer, (c, h, w), (co, ho, wo), macs, params)


def trace(layers, input_shape) -> list[Step]:
    """Walk ``input_shape`` ``(C, H, W)`` through ``layers``: one :class:`Step` per layer."""
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"layers must be a list of layers, got {type(layers).__name__}")
    if not layers:
        raise ValueError("layers must hold at least one layer")
    shape = as_tuple(input_shape, "input_shape", 3, minimum=1)
    steps = []
    for i, layer in enumerate(layers):
        try:
            s = step(layer, shape)
        except (TypeError, ValueError) as err:
            raise type(err)(f"layer {i} ({layer!r}) on input {shape}: {err}") from None
        steps.append(s)
        shape = s.out_shape
    return steps


def total_macs(steps) -> int:
    """Multiply-adds of a whole trace."""
    return sum(s.macs for s in steps)


def total_params(steps) -> int:
    """Parameters (weights and biases) of a whole trace."""
    return sum(s.params for s in steps)


def total_activations(steps) -> int:
    """Values of every layer's output in a trace (what training stores for the backward pass)."""
    return sum(s.activations for s in steps)


# --- what one output position sees ----------------------------------------------------------


@dataclass(frozen=True)
class ReceptiveField:
    """What one position of a stack's output sees of its input, per axis ``(H, W)``.

    Output position ``(r, c)`` sees input rows ``start + r·stride`` to
    ``start + r·stride + size - 1`` (and columns alike). Where they all lie inside the input,
    it depends on every one of them when no layer's stride exceeds its kernel size, else on
    the first, the last and some between. Near the border, rows outside the input are
    padding, and some inside may be reached only through padding.
    """

    size: tuple[int, int]
    stride: tuple[int, int]
    start: tuple[int, int]


def receptive_field(layers) -> ReceptiveField:
    """Receptive field of the last layer of a stack of :class:`Conv2d` and :class:`MaxPool2d`."""
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"layers must be a list of layers, got {type(layers).__name__}")
    if not layers:
        raise ValueError("layers must hold at least one layer")
    size, stride, start = [1, 1], [1, 1], [0, 0]
    for i, layer in enumerate(layers):
        if not isinstance(layer, (Conv2d, MaxPool2d)):
            raise TypeError(f"layer {i} ({layer!r}): receptive_field follows convolutions "
                            "and max pooling only")
        k = as_tuple(layer.kernel_size, "kernel_size", 2)
        s = k if layer.stride is None else as_tuple(layer.stride, "stride", 2)
        p = as_tuple(layer.padding, "padding", 2)
        for axis in (0, 1):
            # k - 1 more positions of this layer's input, each `stride` input cells apart
            size[axis] += (k[axis] - 1) * stride[axis]
            start[axis] -= p[axis] * stride[axis]
            stride[axis] *= s[axis]
    return ReceptiveField(tuple(size), tuple(stride), tuple(start))
