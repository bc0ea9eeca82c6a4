"""tconv: transposed convolution and upsampling as small, tested numpy code.

The public API mirrors ``torch.nn.functional``: the same names, argument order, defaults and
NCHW layout, so what the book teaches transfers directly to PyTorch. This package holds the
operations only and imports numpy only (and threadpoolctl, to size conv's thread pool): it
loads where matplotlib and anywidget are absent. Beside the operations:

- :mod:`tconv.nn`: layers with forward and backward passes built on them;
- :mod:`tconv.show`: the drawing and playing toolkit (figures, HTML players, widgets), which
  imports the operations and never the reverse;
- :mod:`tconv.book`: one companion module per chapter, which may import both.
"""

from . import frameworks
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .frameworks import (
    Cut,
    Kept,
    Translation,
    conv_transpose2d_translated,
    crop_full_output,
    kept_cells,
)
from .grad import conv2d_backward
from .placements import Crop, Placement, Placements, Term, gather, placements
from .pool import max_pool2d, max_pool2d_loop, max_unpool2d, max_unpool2d_loop
from .shapes import conv_output_size, conv_transpose_output_size
from .upsample import (
    bed_of_nails,
    bilinear_source_coords,
    pixel_shuffle,
    pixel_shuffle_loop,
    pixel_unshuffle,
    upsample_bilinear,
    upsample_bilinear_loop,
    upsample_nearest,
    upsample_nearest_loop,
)
from .views import (
    conv_matrix,
    conv_transpose2d_gradient,
    conv_transpose2d_matrix,
    conv_transpose2d_scatter,
    conv_transpose2d_zero_insertion,
    deconvolve_least_squares,
    insert_zeros,
    rotate180,
    zero_insertion_input,
)

__all__ = [
    # sizes
    "conv_output_size", "conv_transpose_output_size",
    # convolution and transposed convolution
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
    # the gradient
    "conv2d_backward",
    # one operation, four views
    "conv_transpose2d_scatter", "conv_transpose2d_zero_insertion", "insert_zeros", "rotate180",
    "zero_insertion_input", "conv_matrix", "conv_transpose2d_matrix",
    "conv_transpose2d_gradient", "deconvolve_least_squares",
    # fixed upsampling
    "upsample_nearest", "upsample_nearest_loop", "upsample_bilinear", "upsample_bilinear_loop",
    "bilinear_source_coords", "bed_of_nails", "pixel_shuffle", "pixel_shuffle_loop",
    "pixel_unshuffle",
    # pooling and unpooling
    "max_pool2d", "max_pool2d_loop", "max_unpool2d", "max_unpool2d_loop",
    # the scatter as data
    "placements", "gather", "Placements", "Placement", "Crop", "Term",
    # the same layer in PyTorch, Keras, JAX, Flax and ONNX (the rest as tconv.frameworks.*)
    "frameworks", "Cut", "Kept", "Translation", "conv_transpose2d_translated",
    "crop_full_output", "kept_cells",
]
