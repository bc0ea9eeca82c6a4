"""tconv.book.exercises: the checkers accept the right answers and say what is wrong with others."""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path

import numpy as np
import pytest
from tconv.book import exercises
from tconv.book.exercises import (
    EXERCISES,
    KERNEL,
    SCATTER_CASES,
    X,
    chapter_of,
    check,
    expected,
    feedback,
    parts,
)
from tconv.conv import conv_transpose2d

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}[^\n]*\n(?P<body>.*?)^\1\s*$",
                      re.MULTILINE | re.DOTALL)
SNIPPET = re.compile(r"""check\(\s*["'](ex-[\w-]+)["']""")
# the chapters' answer checks that need only the library, moved here by scripts/check_cells.py
ANSWER_CHECKS = sorted((Path(__file__).resolve().parent / "exercise_answers").glob("*.py"))


def markdown(slug: str) -> str:
    cells = json.loads((CHAPTERS / f"{slug}.ipynb").read_text())["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def chapter_exercises(slug: str) -> dict[str, str]:
    """label -> body of every ``{exercise}`` directive of a chapter."""
    found = {}
    for match in EXERCISE.finditer(markdown(slug)):
        label = re.search(r"^:label:\s*(\S+)", match["body"], re.MULTILINE)
        if label:
            found[label[1]] = match["body"]
    return found


SLUGS = sorted(p.stem for p in CHAPTERS.glob("*.ipynb"))
ALL_CHAPTER_LABELS = {label: slug for slug in SLUGS for label in chapter_exercises(slug)}


# ---------------------------------------------------------------- every label


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_the_label_is_an_exercise_of_its_chapter(label):
    assert label in chapter_exercises(chapter_of(label))


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_the_expected_answer_is_accepted(label, capsys):
    assert check(label, expected(label)) is True
    assert capsys.readouterr().out.startswith("Correct")


def _wrong(part):
    """A perturbed answer for one part, and words the feedback must use to say what is wrong."""
    value = part.value
    if part.kind in ("int", "number"):
        bump = 2 * abs(value) + 1 if part.rtol else 1 if part.kind == "int" else 100 * part.atol
        return value + bump, r"too (large|small)|factor|1 too"
    if part.kind == "size":
        return tuple(np.atleast_1d(value) + 1), r"1 too many"
    if part.kind == "shape":
        return tuple(value[:-1]) + (value[-1] + 1,), r"(?i)axis \d+ of your shape"
    if part.kind == "set":
        items = list(value)
        return items[1:], r"missing"
    if part.kind == "function":
        def off_by_one(*args):
            return np.asarray(value(*args), dtype=np.float64) + 1
        return off_by_one, r"(?i)\d+ of \d+ output cells differ, first at"
    wrong = np.array(value, dtype=np.float64)
    wrong.flat[-1] += 1
    return wrong, r"(?i)1 of \d+ cells? .* differs?, first at"


def _with_part_wrong(label, i):
    answers = parts(label)
    given = [p.value for p in answers]
    given[i], words = _wrong(answers[i])
    return (given[0] if len(given) == 1 else tuple(given)), words


CASES = [(label, i) for label in sorted(EXERCISES) for i in range(len(parts(label)))]


@pytest.mark.parametrize(("label", "i"), CASES, ids=[f"{lbl}-part{i + 1}" for lbl, i in CASES])
def test_a_perturbed_answer_fails_saying_what_is_wrong(label, i, capsys):
    answer, words = _with_part_wrong(label, i)
    assert check(label, answer) is False
    message = capsys.readouterr().out.strip()
    assert re.search(words, message), message
    if len(parts(label)) > 1:
        assert message.startswith(f"Answer {i + 1} of {len(parts(label))} ({parts(label)[i].key})")


@pytest.mark.parametrize(("label", "i"), CASES, ids=[f"{lbl}-part{i + 1}" for lbl, i in CASES])
def test_an_answer_of_the_wrong_type_fails_saying_so(label, i):
    answers = parts(label)
    given = [p.value for p in answers]
    given[i] = "seven"
    message = feedback(label, given[0] if len(given) == 1 else tuple(given))
    assert re.search(r"is not (a|an) ", message), message


@pytest.mark.parametrize("label", sorted(lbl for lbl in EXERCISES
                                         if any(p.kind == "array" for p in parts(lbl))))
def test_an_array_of_the_wrong_shape_names_both_shapes(label):
    answers = parts(label)
    i = next(i for i, p in enumerate(answers) if p.kind == "array")
    want = np.asarray(answers[i].value)
    given = [p.value for p in answers]
    given[i] = np.zeros(want.shape + (2,))
    message = feedback(label, given[0] if len(given) == 1 else tuple(given))
    shape = "×".join(map(str, want.shape))
    assert f"has shape {shape}×2" in message and f"has shape {shape}." in message


# ---------------------------------------------------------------- the chapters


def test_chapter_check_snippets_name_labels_with_a_checker():
    named = {label for slug in SLUGS for label in SNIPPET.findall(markdown(slug))}
    assert named, "no chapter shows how to check an answer"
    assert named <= set(EXERCISES), sorted(named - set(EXERCISES))


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_every_checked_exercise_shows_how_to_check_it(label):
    body = chapter_exercises(chapter_of(label))[label]
    assert SNIPPET.findall(body) == [label]


def test_every_chapter_exercise_is_checked_or_listed_as_not_checkable():
    unchecked = set(ALL_CHAPTER_LABELS) - set(EXERCISES)
    missing = [label for label in sorted(unchecked) if f"``{label}``" not in exercises.__doc__]
    assert not missing, f"neither checked nor listed as not checkable: {missing}"
    listed = set(re.findall(r"``(ex-[\w-]+)``", exercises.__doc__))
    assert not listed & set(EXERCISES), "a label is both checked and listed as not checkable"
    assert listed <= set(ALL_CHAPTER_LABELS), sorted(listed - set(ALL_CHAPTER_LABELS))


# ---------------------------------------------------------------- the worked solutions


def _answer_checks() -> list[tuple[Path, str]]:
    return [(path, name) for path in ANSWER_CHECKS
            for name in re.findall(r"^def (check_\w+)\(", path.read_text(encoding="utf-8"),
                                   re.MULTILINE)]


@pytest.mark.parametrize(("path", "name"), _answer_checks(),
                         ids=[f"{p.stem}-{n}" for p, n in _answer_checks()])
def test_the_worked_solutions_hold(path, name):
    """An answer check moved out of its chapter still runs, and passes."""
    runpy.run_path(str(path))[name]()


def test_moved_answer_checks_name_exercises_of_their_chapter():
    for path in ANSWER_CHECKS:
        text = path.read_text(encoding="utf-8")
        labels = set(re.findall(r"ex-[\w-]*\w", text))
        assert labels, f"{path.name} names no exercise"
        chapter = path.stem.replace("_", "-")
        assert labels <= set(chapter_exercises(chapter)), sorted(labels - set(ALL_CHAPTER_LABELS))


# ---------------------------------------------------------------- feedback details


def test_step_by_step_1_matches_the_worked_solution_in_the_chapter():
    assert np.array_equal(expected("ex-step-by-step-1"), [[1, 3, 2], [4, 10, 6], [3, 7, 4]])


def test_wrong_cell_names_the_first_one_and_both_values():
    answer = np.array(expected("ex-step-by-step-1"))
    answer[1, 1] = 9
    message = feedback("ex-step-by-step-1", answer)
    assert "1 of 9 cells" in message and "(1, 1)" in message and "you have 9" in message
    assert check("ex-step-by-step-1", answer) is False


def test_a_common_slip_is_caught():
    """Forgetting the overlap (keeping the last block written) is reported as wrong."""
    x = np.array([[1, 2], [3, 4]])
    kept = conv_transpose2d(x, np.ones((2, 2), dtype=int), stride=2)[:3, :3]
    assert not feedback("ex-step-by-step-1", kept).startswith("Correct")


def test_sizes_one_short_suggest_output_padding():
    h, w = expected("ex-step-by-step-2")
    message = feedback("ex-step-by-step-2", (h - 1, w - 1))
    assert "1 short" in message and "output_padding" in message
    message = feedback("ex-stride-padding-1", (expected("ex-stride-padding-1")[0],) * 2)
    assert message.startswith("Answer 2 of 2") and "forget output_padding" in message
    assert "not a size" in feedback("ex-step-by-step-2", "six")


def test_a_square_size_may_be_written_as_one_number_or_a_pair():
    size, extra = expected("ex-stride-padding-1")
    assert check("ex-stride-padding-1", ((size, size), extra))
    assert check("ex-step-by-step-2", expected("ex-step-by-step-2")[0])
    assert "not square" in feedback("ex-stride-padding-1", ((size, size + 1), extra))
    assert not check("ex-stride-padding-1", ((size, size + 1), extra))


def test_a_whole_factor_off_is_named():
    macs = expected("ex-why-upsample-1")
    assert "a factor of 64 too small" in feedback("ex-why-upsample-1", macs // 64)
    assert check("ex-why-upsample-1", round(macs, -5))  # a rounded count is accepted


def test_hints_computed_from_the_answer():
    assert "clamped to 0" in feedback(
        "ex-fixed-upsampling-2", (np.array(expected("ex-fixed-upsampling-2")[0]) - 0.25,
                                  *expected("ex-fixed-upsampling-2")[1:]))
    C, cty = expected("ex-many-names-1")
    assert "That is Cᵀ" in feedback("ex-many-names-1", (C.T, cty))
    padding = expected("ex-super-resolution-1")
    assert "gives 62×62, not 60×60" in feedback("ex-super-resolution-1", padding - 1)
    heights = expected("ex-why-upsample-3")
    assert "100 comes back as 96" in feedback("ex-why-upsample-3", [100, *heights])
    assert "divide out_channels by groups" in feedback("ex-stride-padding-4", (6, 4, 3, 3))


def test_several_answers_as_a_dict_or_a_tuple():
    nearest = expected("ex-fixed-upsampling-1")[0]
    message = feedback("ex-fixed-upsampling-1", {"nearest": nearest})
    assert message.startswith("So far so good") and "bilinear, bed_of_nails" in message
    assert not check("ex-fixed-upsampling-1", {"nearest": nearest})
    assert "no answer called 'nearst'" in feedback("ex-fixed-upsampling-1", {"nearst": 1})
    assert "asks for 3 answers" in feedback("ex-fixed-upsampling-1", nearest)
    assert check("ex-fixed-upsampling-1", dict(zip(("nearest", "bilinear", "bed_of_nails"),
                                                   expected("ex-fixed-upsampling-1"),
                                                   strict=True)))


def _loop(x, kernel, stride, *, add=True, size=None):
    """A reader's scatter loop, with the slips the checker should name."""
    (h, w), (kh, kw) = x.shape, kernel.shape
    oh, ow = size or ((h - 1) * stride + kh, (w - 1) * stride + kw)
    y = np.zeros((oh, ow), dtype=np.result_type(x, kernel))
    for u in range(h):
        for v in range(w):
            block = y[u * stride:u * stride + kh, v * stride:v * stride + kw]
            block[...] = block + x[u, v] * kernel if add else x[u, v] * kernel
    return y


def test_the_scatter_loop_exercise_runs_the_readers_function():
    assert check("ex-step-by-step-6", _loop) is True
    message = feedback("ex-step-by-step-6", lambda x, k, s: _loop(x, k, s, add=False))
    assert "5 of 9 output cells differ" in message and "+=, not =" in message
    message = feedback("ex-step-by-step-6", lambda x, k, s: _loop(x, k[::-1, ::-1], s))
    assert "not turned by 180°" in message
    message = feedback("ex-step-by-step-6", lambda x, k, s: _loop(x, k, 1))
    assert "stride 2 your function returns shape 3×3, but the output has shape 4×4" in message
    message = feedback("ex-step-by-step-6", lambda x, k, s: 1 / 0)
    assert message.startswith("Your function raised ZeroDivisionError")
    assert "is not a function" in feedback("ex-step-by-step-6", _loop(*SCATTER_CASES[0]))


def test_the_scatter_cases_cover_what_a_loop_gets_wrong():
    strides = {s for _, _, s in SCATTER_CASES}
    assert {1, 2, 3} <= strides  # overlap, tiles, gaps
    assert any(np.shape(x)[0] != np.shape(x)[1] for x, _, _ in SCATTER_CASES)
    assert any(np.asarray(x).dtype.kind == "f" for x, _, _ in SCATTER_CASES)
    assert (X.tolist(), KERNEL.tolist()) == ([[1, 2], [3, 4]], [[1, 3], [4, 2]])


def test_sets_ignore_order_and_name_extras():
    pairs = expected("ex-step-by-step-4")
    assert check("ex-step-by-step-4", pairs[::-1])
    message = feedback("ex-step-by-step-4", [pairs[0], ((0, 0), (0, 0))])
    assert "((0, 0), (0, 0)) is not among them" in message and "1 is missing" in message


def test_close_numbers_ask_for_more_decimals():
    miou = expected("ex-segmentation-1")[1]
    message = feedback("ex-segmentation-1", (expected("ex-segmentation-1")[0], round(miou, 2)))
    assert "close" in message and "more decimals" in message


def test_unknown_label_and_bad_type():
    with pytest.raises(ValueError, match="label 'ex-nope-1' has no checker") as info:
        check("ex-nope-1", 3)
    assert all(label in str(info.value) for label in EXERCISES)
    with pytest.raises(TypeError, match="label must be a string"):
        expected(3)


def test_in_practice_hints_name_the_usual_slips():
    shape, weights = expected("ex-in-practice-1")
    assert "shape after layer 3" in feedback("ex-in-practice-1", ((256, 16, 16), weights))
    assert "no bias" in feedback("ex-in-practice-1", (shape, weights + shape[0]))
    message = feedback("ex-in-practice-2", [(1, 1), (2, 0), (2, 0)])
    assert "With k = 5, (p, a) = (2, 0) makes 5 into 9, not 10." in message
    assert "is not allowed" in feedback("ex-in-practice-2", [(1, 1), (2, 1), (3, 2)])
    up, mix, params = expected("ex-in-practice-3")
    assert (up, mix, params) == ((64, 1, 4, 4), (32, 32, 1, 1), 2112)
    assert "divide out_channels by groups" in feedback("ex-in-practice-3",
                                                       ((64, 32, 4, 4), mix, params))
    assert "convolution's layout" in feedback("ex-in-practice-3", ((32, 2, 4, 4), mix, params))
    assert "Count the biases" in feedback("ex-in-practice-3", (up, mix, 2048))
    sizes, difference = expected("ex-in-practice-4")
    assert (sizes, difference) == ([412, 428, 444, 460, 476, 492], 184)
    message = feedback("ex-in-practice-4", ([*sizes, 420], difference))
    assert "420 is not accepted" in message and "odd size" in message
