"""Round trips: the transposed convolution that gives a convolution's input size back.

A convolution with stride ``s`` rounds down: ``floor((i + 2p - d(k-1) - 1) / s) + 1``, so up to
``s`` neighbouring input lengths share one output length. The transposed convolution with the
same kernel_size, stride, padding and dilation therefore cannot know which of them to return;
``output_padding`` (``0 .. s-1``) tells it. In the notation of Dumoulin & Visin's *guide to
convolution arithmetic* that number is ``a = (i + 2p - k) mod s`` (for dilation 1).

Sizes are one length (an int) or a pair ``(H, W)``, as in :mod:`tconv.shapes`; with a pair,
every setting may be an int or a pair and the answer is a pair.
"""

from __future__ import annotations

from typing import NamedTuple

from ._checks import as_int, as_tuple, is_sequence
from .shapes import (
    as_answer,
    conv_lengths,
    conv_output_size,
    conv_settings,
    conv_transpose_output_size,
)


def conv_input_sizes(output_size, kernel_size, stride=1, padding=0, dilation=1) -> tuple[int, ...]:
    """Every input length a convolution maps to ``output_size``, smallest first (≤ stride of them).

    Empty when no input length gives that output (e.g. padding so large that even one input
    cell gives a longer output).
    """
    o = as_int(output_size, "output_size", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    s = as_int(stride, "stride", minimum=1)
    p = as_int(padding, "padding", minimum=0)
    d = as_int(dilation, "dilation", minimum=1)
    span = d * (k - 1) + 1
    # floor((i + 2p - span) / s) = o - 1  <=>  (o-1)s <= i + 2p - span <= (o-1)s + s - 1
    lowest = (o - 1) * s + span - 2 * p
    sizes = range(max(lowest, 1), lowest + s)
    if len(sizes) > MAX_LISTED:
        raise ValueError(f"stride {s} makes {len(sizes)} input lengths share the output "
                         f"{o}: more than the {MAX_LISTED} conv_input_sizes lists; use a "
                         f"smaller stride")
    return tuple(sizes)


MAX_LISTED = 10**6  # input lengths conv_input_sizes lists at most (one per stride step)


def output_padding_for(size, kernel_size, stride=1, padding=0, dilation=1):
    """The output_padding that maps a convolution's output back to ``size``: int or pair.

    ``conv_transpose_output_size(conv_output_size(size, ...), ..., output_padding=that) ==
    size`` with the same kernel_size, stride, padding and dilation. It is the remainder the
    convolution's floor dropped, ``(size + 2p - d(k-1) - 1) mod stride``, so always < stride.
    """
    sizes, ks, ss, ps, ds = conv_settings(size, kernel_size, stride, padding, dilation)
    conv_lengths(sizes, ks, ss, ps, ds)  # raises if the convolution itself is invalid
    ops = [(i + 2 * p - d * (k - 1) - 1) % s
           for i, k, s, p, d in zip(sizes, ks, ss, ps, ds, strict=True)]
    return as_answer(ops, size)


class RoundTrip(NamedTuple):
    """One row of a round-trip table: conv maps ``size`` to ``conv_size``; back to ``restored``."""

    size: int
    kernel_size: int
    stride: int
    padding: int
    dilation: int
    conv_size: int
    output_padding: int
    restored: int


def round_trip(size, kernel_size, stride=1, padding=0, dilation=1) -> RoundTrip:
    """Convolve a length, then transpose back with :func:`output_padding_for`: one RoundTrip.

    ``restored`` is computed by :func:`tconv.conv_transpose_output_size`, independently of how
    the output_padding was found, so ``restored == size`` is a real check.
    """
    i = as_int(size, "size", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    s = as_int(stride, "stride", minimum=1)
    p = as_int(padding, "padding", minimum=0)
    d = as_int(dilation, "dilation", minimum=1)
    o = conv_output_size(i, k, s, p, d)
    op = output_padding_for(i, k, s, p, d)
    restored = conv_transpose_output_size(o, k, s, p, op, d)
    return RoundTrip(i, k, s, p, d, o, op, restored)


def padding_for_same(kernel_size, stride=1, dilation=1):
    """(padding, output_padding) making a transposed conv's output exactly size·stride, any size.

    What Keras' ``padding="same"`` and ONNX's ``auto_pad="SAME_*"`` promise for the output
    size, expressed with PyTorch's symmetric ``padding`` and one-sided ``output_padding``.
    Raises ValueError when no such pair exists: the length to remove, ``d(k-1) + 1 - s``, is
    odd and output_padding must be 0 (stride = dilation = 1, e.g. an even kernel at stride 1).
    Ints give ints; if any setting is a pair, both answers are pairs.
    """
    n = 2 if any(is_sequence(v) for v in (kernel_size, stride, dilation)) else 1
    ks = as_tuple(kernel_size, "kernel_size", n, minimum=1)
    ss = as_tuple(stride, "stride", n, minimum=1)
    ds = as_tuple(dilation, "dilation", n, minimum=1)
    pads, ops = [], []
    for k, s, d in zip(ks, ss, ds, strict=True):
        # (i-1)s - 2p + d(k-1) + op + 1 = i·s  <=>  2p - op = d(k-1) + 1 - s =: excess
        excess = d * (k - 1) + 1 - s
        p = max(0, (excess + 1) // 2)  # crop half of the excess, rounding up ...
        op = 2 * p - excess  # ... and give back the odd row (or fill a short kernel's gap)
        if op >= max(s, d):
            raise ValueError(
                f"no padding gives an output of size*stride with kernel_size {k}, stride {s} "
                f"and dilation {d}: the kernel spans {d * (k - 1) + 1}, one more than an even "
                f"number of cells to crop, and output_padding must be smaller than stride ({s}) "
                f"or dilation ({d})")
        pads.append(p)
        ops.append(op)
    if n == 1:
        return pads[0], ops[0]
    return tuple(pads), tuple(ops)
