"""Output sizes of a convolution and of a transposed convolution.

Both take one spatial size (an int) or a pair ``(H, W)``; with pairs every setting may be
an int or a pair, and the answer is a pair. The formulas are PyTorch's ``Conv2d`` and
``ConvTranspose2d`` ones (Dumoulin & Visin, *A guide to convolution arithmetic*).
"""

from __future__ import annotations

from ._checks import as_tuple, is_sequence


def conv_settings(size, kernel_size, stride=1, padding=0, dilation=1):
    """Check a convolution's settings; each as an n-tuple (n = 1 for an int ``size``)."""
    n = len(size) if is_sequence(size) else 1
    return (as_tuple(size, "size", n, minimum=1),
            as_tuple(kernel_size, "kernel_size", n, minimum=1),
            as_tuple(stride, "stride", n, minimum=1),
            as_tuple(padding, "padding", n, minimum=0),
            as_tuple(dilation, "dilation", n, minimum=1))


def as_answer(values: list[int], size):
    """One value for an int ``size``, a tuple for a pair."""
    return tuple(values) if is_sequence(size) else values[0]


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """Output length of a convolution: ``floor((size + 2p - d(k-1) - 1) / s) + 1``, int or pair."""
    sizes, ks, ss, ps, ds = conv_settings(size, kernel_size, stride, padding,
                                          dilation)
    return as_answer(conv_lengths(sizes, ks, ss, ps, ds), size)


def conv_lengths(sizes, ks, ss, ps, ds) -> tuple[int, ...]:
    """:func:`conv_output_size` of settings already checked, each an n-tuple: the n lengths."""
    out = []
    for i, k, s, p, d in zip(sizes, ks, ss, ps, ds, strict=True):
        span = d * (k - 1) + 1
        if span > i + 2 * p:
            raise ValueError(
                f"kernel_size ({k}, spanning {span} with dilation {d}) is larger than the "
                f"padded input ({i} + 2*{p} = {i + 2 * p})"
            )
        out.append((i + 2 * p - span) // s + 1)
    return tuple(out)


def check_output_padding(output_padding, stride, dilation, n: int = 2) -> tuple[int, ...]:
    """Validate ``output_padding < max(stride, dilation)`` per dimension; return the n-tuple.

    ``stride`` and ``dilation`` are n-tuples already checked (:func:`tconv._checks.as_tuple`).
    """
    ops = as_tuple(output_padding, "output_padding", n, minimum=0)
    for op, s, d in zip(ops, stride, dilation, strict=True):
        if op >= max(s, d):
            raise ValueError(
                f"output_padding ({op}) must be smaller than stride ({s}) or dilation ({d})"
            )
    return ops


def conv_transpose_output_size(size, kernel_size, stride=1, padding=0,
                               output_padding=0, dilation=1):
    """Transposed-conv output length: ``(size-1)s - 2p + d(k-1) + op + 1``."""
    sizes, ks, ss, ps, ds = conv_settings(size, kernel_size, stride, padding,
                                          dilation)
    ops = check_output_padding(output_padding, ss, ds, len(sizes))
    return as_answer(conv_transpose_lengths(sizes, ks, ss, ps, ops, ds), size)


def conv_transpose_lengths(sizes, ks, ss, ps, ops, ds) -> tuple[int, ...]:
    """:func:`conv_transpose_output_size` of settings already checked, each an n-tuple."""
    out = []
    for i, k, s, p, op, d in zip(sizes, ks, ss, ps, ops, ds, strict=True):
        o = (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        if o <= 0:
            raise ValueError(
                f"padding ({p}) crops away the whole output: "
                f"(size-1)*stride - 2*padding + dilation*(kernel_size-1) "
                f"+ output_padding + 1 = {o}, which must be positive"
            )
        out.append(o)
    return tuple(out)


