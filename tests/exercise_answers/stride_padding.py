"""Exercise answer checks moved out of chapters/stride-padding.ipynb by scripts/check_cells.py.

Each function is a cell that sat under the exercises it names, checking that their worked
solutions stay true; tests/test_exercises.py runs every ``check_*`` function.
"""

import numpy as np
import tconv
from tconv.roundtrip import conv_input_sizes, output_padding_for


def check_ex_stride_padding_4():
    """Worked solutions of ex-stride-padding-1, ex-stride-padding-2, ex-stride-padding-3,
    ex-stride-padding-4."""
    # the exercise answers, checked so the solutions stay true
    assert tconv.conv_transpose_output_size(5, 4, stride=2, padding=1) == 10
    assert tconv.conv_transpose_output_size(5, 4, stride=2, padding=1, output_padding=1) == 11
    assert conv_input_sizes(4, 5, 3, 2) == (10, 11, 12)
    assert [output_padding_for(i, 5, 3, 2) for i in (10, 11, 12)] == [0, 1, 2]
    assert tconv.conv_transpose_output_size(16, 3, stride=2, padding=1) == 31
    assert tconv.conv_transpose_output_size(16, 3, stride=2, padding=1, output_padding=1) == 32
    assert tconv.conv_transpose_output_size(16, 4, stride=2, padding=1) == 32
    wt = np.zeros((6, 2, 3, 3))
    assert tconv.conv2d(np.zeros((4, 8, 8)), wt, groups=2).shape[0] == 6
    assert tconv.conv_transpose2d(np.zeros((6, 8, 8)), wt, groups=2).shape[0] == 4
