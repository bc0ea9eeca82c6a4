"""Exercise answer checks moved out of chapters/super-resolution.ipynb by scripts/check_cells.py.

Each function is a cell that sat under the exercises it names, checking that their worked
solutions stay true; tests/test_exercises.py runs every ``check_*`` function.
"""

import numpy as np
import tconv
from tconv import nn
from tconv.book import checkerboard


def check_ex_super_resolution_2():
    """Worked solutions of ex-super-resolution-2."""
    k = np.zeros((6, 6))
    k[2:4, 2:4] = [[1.0, 0.5], [0.5, 0.25]]
    out = tconv.conv_transpose2d(np.ones((10, 10)), k, stride=2, padding=2)
    assert np.allclose(out[4:-4, 4:-4], np.tile([[1.0, 0.5], [0.5, 0.25]], (6, 6)))
    assert np.allclose(checkerboard.phase_sums(k, 2), [[1.0, 0.5], [0.5, 0.25]])


def check_ex_super_resolution_1():
    """Worked solutions of ex-super-resolution-1."""
    assert tconv.conv_transpose_output_size(20, 9, 3, 3) == 60
    assert all(tconv.conv_transpose_output_size(n, 3 * s, s, s) == n * s
               for n in (5, 20) for s in (2, 3, 4))


def check_ex_super_resolution_3():
    """Worked solutions of ex-super-resolution-3."""
    w3 = np.random.default_rng(0).standard_normal((9, 1, 3, 3))
    x3 = np.random.default_rng(1).standard_normal((1, 1, 8, 8))
    K3 = nn.subpixel_as_transposed(w3, 3)
    assert K3.shape == (1, 1, 9, 9) and K3.size == w3.size == 81
    assert np.allclose(tconv.conv_transpose2d(x3, K3, stride=3, padding=3),
                       tconv.pixel_shuffle(tconv.conv2d(x3, w3, padding=1), 3))
