"""Exercise answer checks moved out of chapters/checkerboard.ipynb by scripts/check_cells.py.

Each function is a cell that sat under the exercises it names, checking that their worked
solutions stay true; tests/test_exercises.py runs every ``check_*`` function.
"""

import numpy as np
import tconv
from tconv import nn
from tconv.book import checkerboard


def check_ex_checkerboard_2():
    """Worked solutions of ex-checkerboard-2."""
    assert checkerboard.overlap_count(40, 5, 2).interior_levels == (2, 3)
    assert checkerboard.overlap_count((20, 20), 5, 2).interior_levels == (4, 6, 9)
    assert checkerboard.short_border(5, 2, 0) == 3
    assert checkerboard.short_border(5, 2, 2) == 1
    assert checkerboard.check_overlap_rule(5, 2, 0).short == (3, 3)
    assert checkerboard.check_overlap_rule(5, 2, 2).short == (1, 1)


def check_ex_checkerboard_4():
    """Worked solutions of ex-checkerboard-4."""
    # ICNR weights with a random bias per channel: a pattern on a constant
    conv = nn.Conv2d(1, 4, 3, padding=1, rng=0)
    conv.weight.data = nn.icnr(conv.weight.data, 2)
    ones = np.ones((1, 1, 8, 8))
    y = tconv.pixel_shuffle(conv(ones), 2)[0, 0, 2:-2, 2:-2]
    assert not np.allclose(y[::2, ::2], y[1::2, ::2])
    # one bias per group of s² channels: no pattern
    conv.bias.data = np.repeat(conv.bias.data[::4], 4)
    y = tconv.pixel_shuffle(conv(ones), 2)[0, 0, 2:-2, 2:-2]
    assert np.allclose(y, y[0, 0])
