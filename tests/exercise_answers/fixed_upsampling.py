"""Exercise answer checks moved out of chapters/fixed-upsampling.ipynb by scripts/check_cells.py.

Each function is a cell that sat under the exercises it names, checking that their worked
solutions stay true; tests/test_exercises.py runs every ``check_*`` function.
"""

import numpy as np
import tconv
from tconv.book.exercises import feedback


def check_ex_fixed_upsampling_1():
    """Worked solutions of ex-fixed-upsampling-1."""
    g = np.array([[0, 4], [8, 12]])
    assert np.array_equal(tconv.upsample_nearest(g, 2),
                          [[0, 0, 4, 4], [0, 0, 4, 4], [8, 8, 12, 12], [8, 8, 12, 12]])
    assert np.array_equal(tconv.bed_of_nails(g, 2),
                          [[0, 0, 4, 0], [0, 0, 0, 0], [8, 0, 12, 0], [0, 0, 0, 0]])
    assert np.allclose(tconv.upsample_bilinear(g, 2),
                       [[0, 1, 3, 4], [2, 3, 5, 6], [6, 7, 9, 10], [8, 9, 11, 12]])
    # the dropdown's answers, in the order the exercise asks for them, are the checker's
    assert feedback("ex-fixed-upsampling-1", (
        [[0, 0, 4, 4], [0, 0, 4, 4], [8, 8, 12, 12], [8, 8, 12, 12]],
        [[0, 1, 3, 4], [2, 3, 5, 6], [6, 7, 9, 10], [8, 9, 11, 12]],
        [[0, 0, 4, 0], [0, 0, 0, 0], [8, 0, 12, 0], [0, 0, 0, 0]])).startswith("Correct")


def check_ex_fixed_upsampling_2():
    """Worked solutions of ex-fixed-upsampling-2."""
    assert np.allclose(tconv.bilinear_source_coords(3, 6), [0, 0.25, 0.75, 1.25, 1.75, 2.25])
    assert np.allclose(tconv.bilinear_source_coords(3, 6, align_corners=True),
                       [0, 0.4, 0.8, 1.2, 1.6, 2.0])
    assert feedback("ex-fixed-upsampling-2", ([0, 0.25, 0.75, 1.25, 1.75, 2.25],
                                              [0, 0.4, 0.8, 1.2, 1.6, 2], [0, 5])
                    ).startswith("Correct")


def check_ex_fixed_upsampling_3():
    """Worked solutions of ex-fixed-upsampling-3."""
    p, i = tconv.max_pool2d(np.array([[2, 2], [1, 0]]), 2, return_indices=True)
    assert i.item() == 0
    assert np.array_equal(tconv.max_unpool2d(p, i, 2), [[2, 0], [0, 0]])
    assert feedback("ex-fixed-upsampling-3", (0, [[2, 0], [0, 0]])).startswith("Correct")


def check_ex_fixed_upsampling_4():
    """Worked solutions of ex-fixed-upsampling-4."""
    x = np.array([[1, 2], [3, 4]])
    nails = tconv.bed_of_nails(x, 2)
    filled = tconv.conv2d(nails, np.ones((2, 2), dtype=np.int64), padding=1)[:-1, :-1]
    assert np.array_equal(filled, tconv.upsample_nearest(x, 2))
    assert feedback("ex-fixed-upsampling-4", ([[1, 1], [1, 1]], 1)).startswith("Correct")
