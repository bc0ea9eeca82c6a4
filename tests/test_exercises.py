"""tconv.exercises: the checkers accept the right answers and say what is wrong with others."""

from __future__ import annotations

import numpy as np
import pytest
from tconv.conv import conv_transpose2d
from tconv.exercises import EXERCISES, check, expected, feedback


def test_step_by_step_1_matches_the_worked_solution_in_the_chapter():
    assert np.array_equal(expected("ex-step-by-step-1"), [[1, 3, 2], [4, 10, 6], [3, 7, 4]])


def test_step_by_step_2_is_twice_the_input():
    assert expected("ex-step-by-step-2") == (6, 6)


def test_step_by_step_3_centre_gets_nine_corners_one():
    counts = expected("ex-step-by-step-3")
    assert counts.shape == (5, 5) and counts[2, 2] == 9 and counts[0, 0] == 1


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_the_expected_answer_is_accepted(label, capsys):
    assert check(label, expected(label)) is True
    assert capsys.readouterr().out.startswith("Correct")


def test_wrong_shape_names_both_shapes():
    message = feedback("ex-step-by-step-1", [[1, 3], [4, 10]])
    assert "2×2" in message and "3×3" in message


def test_wrong_cell_names_the_first_one_and_both_values():
    answer = np.array(expected("ex-step-by-step-1"))
    answer[1, 1] = 9
    message = feedback("ex-step-by-step-1", answer)
    assert "1 of 9 cells" in message and "(1, 1)" in message and "9" in message
    assert check("ex-step-by-step-1", answer) is False


def test_a_common_slip_is_caught():
    """Forgetting the overlap (keeping the last block written) is reported as wrong."""
    x = np.array([[1, 2], [3, 4]])
    kept = conv_transpose2d(x, np.ones((2, 2), dtype=int), stride=2)[:3, :3]
    assert not feedback("ex-step-by-step-1", kept).startswith("Correct")


def test_wrong_size_says_the_right_one():
    assert feedback("ex-step-by-step-2", (5, 5)) == "Your size is 5×5; the output size is 6×6."
    assert "not a size" in feedback("ex-step-by-step-2", "six")


def test_unknown_label_and_bad_type():
    with pytest.raises(ValueError, match="label 'ex-nope-1' has no checker"):
        expected("ex-nope-1")
    with pytest.raises(TypeError, match="label must be a string"):
        expected(3)
