"""Exercise answer checks moved out of chapters/in-practice.ipynb by scripts/check_cells.py.

Each function is a cell that sat under the exercises it names, checking that their worked
solutions stay true; tests/test_exercises.py runs every ``check_*`` function.
"""

import numpy as np


def check_ex_in_practice_5():
    """Worked solutions of ex-in-practice-5."""
    # ex-in-practice-5: the dropdown's answer, by tconv.frameworks, and by the checker
    from tconv import frameworks as fw
    from tconv.book.exercises import feedback

    pairs5 = {k: fw.from_keras(k, strides=2, padding="same").torch_pair for k in range(2, 9)}
    assert [k for k, pair in pairs5.items() if pair is not None] == [2, 4, 6, 8]
    assert pairs5[6] == ((2, 2), (0, 0))
    assert feedback("ex-in-practice-5", ([2, 4, 6, 8], (2, 0))).startswith("Correct")
    assert not feedback("ex-in-practice-5", ([2, 3, 4, 6, 8], (2, 0))).startswith("Correct")


def check_ex_in_practice_1():
    """Worked solutions of ex-in-practice-1."""
    # ex-in-practice-1: the dropdown's answer, by running the generator, and by the checker
    from tconv.book import in_practice
    from tconv.book.exercises import feedback

    G128 = in_practice.dcgan_generator(size=128, rng=0)
    _, rows128 = in_practice.run_layers(G128, np.zeros((1, 100, 1, 1)))
    fourth = [r for r in rows128 if r.weight_shape][3]
    assert fourth.out_shape == (128, 32, 32)
    assert fourth.params == 256 * 128 * 4 * 4 == 524_288
    assert feedback("ex-in-practice-1", ((128, 32, 32), 524_288)).startswith("Correct")


def check_ex_in_practice_2():
    """Worked solutions of ex-in-practice-2."""
    # ex-in-practice-2: every pair doubles; the overlap and short cells of the solution
    import tconv
    from tconv.book import checkerboard
    from tconv.book.exercises import feedback
    from tconv.roundtrip import padding_for_same

    pairs = [(1, 1), (2, 1), (2, 0)]
    for k, (p, a) in zip((3, 5, 6), pairs):
        assert all(tconv.conv_transpose_output_size(i, k, 2, p, a) == 2 * i for i in range(1, 20))
    assert [padding_for_same(k, 2) for k in (3, 5, 6)] == pairs
    assert [checkerboard.overlap_count(12, k, 2, p).even for k, (p, _) in zip((3, 5, 6), pairs)] \
        == [False, False, True]
    assert [checkerboard.short_border(k, 2, p) for k, (p, _) in zip((3, 5, 6), pairs)] == [0, 1, 2]
    assert feedback("ex-in-practice-2", pairs).startswith("Correct")


def check_ex_in_practice_3():
    """Worked solutions of ex-in-practice-3."""
    # ex-in-practice-3: the dropdown's shapes and counts
    from tconv import nn
    from tconv.book import in_practice
    from tconv.book.exercises import feedback

    up = nn.ConvTranspose2d(64, 32, 4, 2, 1, groups=32, rng=0)
    mix = nn.Conv2d(32, 32, 1, rng=0)
    assert (up.weight.data.shape, mix.weight.data.shape) == ((64, 1, 4, 4), (32, 32, 1, 1))
    assert in_practice.parameter_count(up) + in_practice.parameter_count(mix) == 2112
    assert in_practice.parameter_count(nn.ConvTranspose2d(64, 32, 4, 2, 1, rng=0)) == 32_800
    assert feedback("ex-in-practice-3", ((64, 1, 4, 4), (32, 32, 1, 1), 2112)).startswith(
        "Correct")


def check_ex_in_practice_4():
    """Worked solutions of ex-in-practice-4."""
    # ex-in-practice-4: the accepted sizes, the constant difference and crops, and the checker
    from tconv.book import in_practice
    from tconv.book.exercises import feedback

    accepted, differences, crops = [], set(), set()
    for n in range(400, 501):
        try:
            levels_n, out_n = in_practice.unet_sizes(n)
        except ValueError:
            continue
        accepted.append(n)
        differences.add(n - out_n)
        crops.add(tuple(level.crop for level in levels_n))
        b = (n - 124) // 16  # the bottom map
        assert n == 16 * b + 124 and out_n == 16 * b - 60
    assert accepted == [412, 428, 444, 460, 476, 492]
    assert differences == {184} and crops == {(4, 16, 40, 88)}
    assert feedback("ex-in-practice-4", (accepted, 184)).startswith("Correct")
