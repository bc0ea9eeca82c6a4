"""Exercise answer checks moved out of chapters/segmentation.ipynb by scripts/check_cells.py.

Each function is a cell that sat under the exercises it names, checking that their worked
solutions stay true; tests/test_exercises.py runs every ``check_*`` function.
"""

import numpy as np
import tconv
from tconv import nn
from tconv.book import data


def check_ex_segmentation_1():
    """Worked solutions of ex-segmentation-1."""
    pred = np.array([[0, 1, 1, 2], [0, 1, 2, 2]])
    true = np.array([[0, 1, 2, 2], [1, 1, 2, 2]])
    assert np.allclose(nn.iou_per_class(pred, true, 3), [0.5, 0.5, 0.75])
    assert np.isclose(nn.mean_iou(pred, true, 3), (0.5 + 0.5 + 0.75) / 3)


def check_ex_segmentation_2():
    """Worked solutions of ex-segmentation-2."""
    import tconv

    assert tconv.conv_transpose_output_size(8, 8, 4, 2) == 32
    assert tconv.conv_transpose_output_size(4, 16, 8, 4) == 32
    s8 = np.random.default_rng(0).random((1, 2, 4, 4))
    up8 = tconv.conv_transpose2d(s8, nn.bilinear_weight(2, 16), stride=8, padding=4)
    assert np.allclose(up8[..., 8:-8, 8:-8], tconv.upsample_bilinear(s8, 8)[..., 8:-8, 8:-8])


def check_ex_segmentation_4():
    """Worked solutions of ex-segmentation-3, ex-segmentation-4."""
    def pixel_rule(images):
        return np.abs(images[:, 0, :, :, None] - np.array(data.LEVELS)).argmin(axis=-1)


    by_noise = []
    for noise in (0.1, 0.2, 0.3):
        xs, ys = data.shapes_dataset(200, noise=noise, rng=1)
        by_noise.append(nn.mean_iou(pixel_rule(xs), ys, 4))
    assert by_noise[0] > by_noise[1] + 0.1 > by_noise[2] + 0.1
    xs, ys = data.shapes_dataset(200, noise=0.2, rng=1)
    smooth = tconv.conv2d(xs, np.ones((1, 1, 3, 3)) / 9, padding=1)
    assert nn.mean_iou(pixel_rule(smooth), ys, 4) > by_noise[1] + 0.2
