"""Answer checkers for the chapters' exercises: ``check(label, answer)`` says what is wrong.

The expected answers are computed by tconv from each exercise's settings, never typed in.
"""

from __future__ import annotations

import numpy as np

from .conv import conv_transpose2d
from .placements import placements
from .shapes import conv_transpose_output_size


def _step_by_step_1():
    x = np.array([[1, 2], [3, 4]])
    return conv_transpose2d(x, np.ones((2, 2), dtype=int)), "the transposed convolution"


def _step_by_step_2():
    size = conv_transpose_output_size((3, 3), (3, 3), stride=2, padding=1, output_padding=1)
    return tuple(size), "the output size"


def _step_by_step_3():
    return placements(np.ones((3, 3)), np.ones((3, 3))).overlap, "the overlap counts"


EXERCISES = {
    "ex-step-by-step-1": _step_by_step_1,
    "ex-step-by-step-2": _step_by_step_2,
    "ex-step-by-step-3": _step_by_step_3,
}


def expected(label: str):
    """The answer to exercise ``label``, computed by tconv."""
    if not isinstance(label, str):
        raise TypeError(f"label must be a string such as 'ex-step-by-step-1', got {label!r}")
    if label not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        raise ValueError(f"label {label!r} has no checker; labels with one: {known}")
    return EXERCISES[label]()[0]


def _shape_text(shape) -> str:
    return "×".join(str(n) for n in shape)


def feedback(label: str, answer) -> str:
    """One sentence: what is right or wrong about ``answer`` to exercise ``label``."""
    want = expected(label)
    what = EXERCISES[label]()[1]
    if isinstance(want, tuple):
        try:
            got = tuple(int(n) for n in answer)
        except (TypeError, ValueError):
            return f"Your answer {answer!r} is not a size; {what} is a pair (height, width)."
        if got == want:
            return f"Correct: {what} is {_shape_text(want)}."
        return f"Your size is {_shape_text(got)}; {what} is {_shape_text(want)}."
    got = np.asarray(answer)
    if got.shape != want.shape:
        return (f"Your array has shape {_shape_text(got.shape) or 'scalar'}, but {what} has "
                f"shape {_shape_text(want.shape)}.")
    if not np.issubdtype(got.dtype, np.number):
        return f"Your array holds {got.dtype} values; {what} holds numbers."
    wrong = np.argwhere(~np.isclose(got, want))
    if len(wrong) == 0:
        return "Correct: every cell matches."
    cell = tuple(int(i) for i in wrong[0])
    return (f"{len(wrong)} of {want.size} cells differ, first at {cell}: you have "
            f"{got[cell]} where the answer has {want[cell]}.")


def check(label: str, answer) -> bool:
    """Print the feedback on ``answer`` to exercise ``label``; return whether it is right."""
    message = feedback(label, answer)
    print(message)
    return message.startswith("Correct")
