"""Exercise answer checks moved out of chapters/many-names.ipynb by scripts/check_cells.py.

Each function is a cell that sat under the exercises it names, checking that their worked
solutions stay true; tests/test_exercises.py runs every ``check_*`` function.
"""

import numpy as np
import tconv
from tconv.views import conv_matrix


def check_ex_many_names_4():
    """Worked solutions of ex-many-names-1, ex-many-names-2, ex-many-names-3,
    ex-many-names-4."""
    # the exercise answers, checked so the solutions stay true
    C1 = conv_matrix((1, 4), [[1, 2]], stride=2)
    assert C1.tolist() == [[1, 2, 0, 0], [0, 0, 1, 2]]
    assert (C1.T @ [3, 5]).tolist() == [3, 6, 5, 10]
    assert tconv.conv_transpose1d(np.array([3, 5]), np.array([1, 2]), stride=2).tolist() == [3, 6, 5, 10]

    assert tconv.conv_transpose1d(np.array([1, 2]), np.array([1, 2, 3]), stride=2).tolist() == [
        1, 2, 5, 4, 6]
    assert tconv.conv1d(np.array([0, 0, 1, 0, 2, 0, 0]), np.array([3, 2, 1])).tolist() == [
        1, 2, 5, 4, 6]

    centre = np.zeros((3, 3), int)
    centre[1, 1] = 1
    shift = np.zeros((3, 3), int)
    shift[0, 1] = 1
    Cc, Cs = conv_matrix((4, 4), centre, padding=1), conv_matrix((4, 4), shift, padding=1)
    assert np.array_equal(Cc.T @ Cc, np.eye(16))
    expected = np.eye(16)
    expected[12:, 12:] = 0                       # the last row of the 4x4 input is lost
    assert np.array_equal(Cs.T @ Cs, expected)

    for m, same in [(np.array([[5, 1], [0, 2]]), True), (np.array([[1, 5], [0, 2]]), False)]:
        pooled, idx = tconv.max_pool2d(m, 2, return_indices=True)
        agree = np.array_equal(tconv.max_unpool2d(pooled, idx, 2), tconv.bed_of_nails(pooled, 2))
        assert agree == same
