"""Exercise answer checks moved out of chapters/step-by-step.ipynb by scripts/check_cells.py.

Each function is a cell that sat under the exercises it names, checking that their worked
solutions stay true; tests/test_exercises.py runs every ``check_*`` function.
"""


def check_ex_step_by_step_6():
    """Worked solutions of ex-step-by-step-1, ex-step-by-step-2, ex-step-by-step-3,
    ex-step-by-step-4, ex-step-by-step-5, ex-step-by-step-6."""
    # the worked solutions give exactly what the answer checkers expect
    import numpy as np
    from tconv.book.exercises import check


    def my_conv_transpose2d(x, kernel, stride):
        (i_h, i_w), (k_h, k_w) = x.shape, kernel.shape
        y = np.zeros(((i_h - 1) * stride + k_h, (i_w - 1) * stride + k_w),
                     dtype=np.result_type(x, kernel))
        for u in range(i_h):
            for v in range(i_w):
                r, c = u * stride, v * stride
                y[r:r + k_h, c:c + k_w] += x[u, v] * kernel
        return y


    counts_3 = [[1, 2, 3, 2, 1], [2, 4, 6, 4, 2], [3, 6, 9, 6, 3], [2, 4, 6, 4, 2], [1, 2, 3, 2, 1]]
    counts_5 = [[1, 1, 2, 1, 1], [1, 1, 2, 1, 1], [2, 2, 4, 2, 2], [1, 1, 2, 1, 1], [1, 1, 2, 1, 1]]
    assert check("ex-step-by-step-1", [[1, 3, 2], [4, 10, 6], [3, 7, 4]])
    assert check("ex-step-by-step-2", (6, 6))
    assert check("ex-step-by-step-3", counts_3)
    assert check("ex-step-by-step-4", [((1, 0), (1, 1)), ((1, 1), (1, 0))])
    assert check("ex-step-by-step-5", (2, counts_5))
    assert check("ex-step-by-step-6", my_conv_transpose2d)
    x1, k1 = np.array([[1, 2], [3, 4]]), np.array([[1, 3], [4, 2]])
    assert my_conv_transpose2d(x1, k1, 1).tolist() == [[1, 5, 6], [7, 23, 16], [12, 22, 8]]
    # ex-step-by-step-2: k = 3, s = 2, p = 1, a = 1 doubles every size
    from tconv import conv_transpose_output_size
    assert all(conv_transpose_output_size(i, 3, stride=2, padding=1, output_padding=1) == 2 * i
               for i in range(1, 20))
