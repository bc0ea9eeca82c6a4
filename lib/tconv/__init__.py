"""tconv: transposed convolution and upsampling as small, tested numpy code.

The public API mirrors ``torch.nn.functional``: the same names, argument order, defaults and
NCHW layout, so what the book teaches transfers directly to PyTorch.
"""

# Each module owns one line (or block) below; add your exports on your own line only.
# [shapes]
from .shapes import conv_output_size, conv_transpose_output_size  # noqa: F401
# [conv]
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
# [grad]
from .grad import conv2d_backward  # noqa: F401
# [views]
from .views import (  # noqa: F401
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
# [upsample]
from .upsample import (  # noqa: F401
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
# [pool]
from .pool import max_pool2d, max_pool2d_loop, max_unpool2d, max_unpool2d_loop  # noqa: F401
# [placements]
from .placements import Crop, Placement, Placements, Term, gather, placements  # noqa: F401
# [widgets]
from .widgets import ChooserView, SequenceView, Stepper  # noqa: F401
# [frameworks] the layer in PyTorch, Keras, JAX, Flax and ONNX; the rest as tconv.frameworks.*
from . import frameworks  # noqa: F401
from .frameworks import (Cut, Kept, Translation, conv_transpose2d_translated,  # noqa: F401
                         crop_full_output, kept_cells)
