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
# [upsample]
# [pool]
# [placements]
# [widgets]
