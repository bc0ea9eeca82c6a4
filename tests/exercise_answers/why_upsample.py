"""Exercise answer checks moved out of chapters/why-upsample.ipynb by scripts/check_cells.py.

Each function is a cell that sat under the exercises it names, checking that their worked
solutions stay true; tests/test_exercises.py runs every ``check_*`` function.
"""

from tconv import arch
from tconv.book.exercises import feedback
from tconv.book.why_upsample import encoder_decoder, same_padding_net


def check_ex_why_upsample_1():
    """Worked solutions of ex-why-upsample-1."""
    macs = arch.step(arch.Conv2d(64, 3, padding=1), (64, 56, 56)).macs
    assert macs == 64 * 56 * 56 * 64 * 3 * 3 == 115_605_504
    # the dropdown's answer is the one the checker accepts
    assert feedback("ex-why-upsample-1", 115_605_504).startswith("Correct")


def check_ex_why_upsample_2():
    """Worked solutions of ex-why-upsample-2."""
    ratios = []
    for n in range(2, 6):
        w = (16, 32, 64, 128, 256)[:n]
        ratios.append(arch.total_macs(arch.trace(encoder_decoder(w, 4), (3, 128, 128)))
                      / arch.total_macs(arch.trace(same_padding_net(w, 4), (3, 128, 128))))
    assert all(a > b > 0 for a, b in zip(ratios, ratios[1:]))


def check_ex_why_upsample_3():
    """Worked solutions of ex-why-upsample-3."""
    same = [h for h in range(100, 121)
            if arch.trace(encoder_decoder((8, 16, 32, 64), 2), (1, h, h))[-1].out_shape[1] == h]
    assert same == [104, 112, 120]
    assert feedback("ex-why-upsample-3", [104, 112, 120]).startswith("Correct")
