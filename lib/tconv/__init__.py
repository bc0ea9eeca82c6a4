"""tconv: transposed convolution and upsampling as small, tested numpy code.

The public API mirrors ``torch.nn.functional``: the same names, argument order, defaults and
NCHW layout, so what the book teaches transfers directly to PyTorch.
"""

from .shapes import conv_output_size, conv_transpose_output_size

__all__ = ["conv_output_size", "conv_transpose_output_size"]
