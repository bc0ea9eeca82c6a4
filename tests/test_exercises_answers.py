"""The exercise checkers take any reasonable answer and answer anything with a sentence.

Numbers, lists, tuples, numpy arrays and scalars, and objects with ``__array__`` or
``.item()`` (a PyTorch tensor; here a small stand-in, torch is not installed in make test)
are read alike; inf, NaN, 1e-320, 10**400, text, None and ragged lists get a sentence that
says what is wrong, never a traceback; a hint never contradicts itself.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from tconv.book.exercises import EXERCISES, check, expected, feedback, parts

LABELS = sorted(EXERCISES)
CONTRADICTION = re.compile(r"(?<![\w.])([\w.×-]+),? not \1(?![\w×])")
HOSTILE = [float("inf"), float("-inf"), float("nan"), 1e-320, -1e-320, 10**400, -(10**400),
           10**5000, "seven", "3", "", None, True, 1 + 2j, [[1, 2], [3]], [1, [2, [3]]],
           [None, None], {"a": {1, 2}}, [{1}, {2}], np.array([]), np.zeros((0, 3)),
           [float("nan")] * 3, [10**400, 1], object(), b"12"]


class Tensor:
    """What a student's PyTorch tensor offers the checker: ``__array__``, ``item``, iteration."""

    def __init__(self, data):
        self._data = np.asarray(data)

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def item(self):
        return self._data.item()

    def __len__(self):
        return len(self._data)

    def __iter__(self):
        return (Tensor(row) for row in self._data)

    def __repr__(self):
        return f"tensor({self._data.tolist()})"


class ItemOnly:
    """A scalar that only offers ``.item()`` (no ``__array__``, no ``__float__``)."""

    def __init__(self, value):
        self._value = value

    def item(self):
        return self._value


def assert_one_clear_sentence(message: str) -> None:
    assert isinstance(message, str) and message
    assert "\n" not in message and len(message) < 400, message
    assert message[-1] in ".?", message
    assert "could not read" not in message, message  # the last-resort fallback is never needed
    assert not CONTRADICTION.search(message), message


def _per_part(label, make):
    """The expected answer with ``make`` applied to each part's value."""
    values = [make(p.value) for p in parts(label)]
    return values[0] if len(values) == 1 else tuple(values)


def _tensor(value):
    return value if callable(value) else Tensor(value)


def _item_only(value):
    if callable(value) or np.ndim(value) > 0:
        return _tensor(value)
    return ItemOnly(np.asarray(value).item())


def _numpy(value):
    return value if callable(value) else np.asarray(value)


def _numpy_scalars(value):
    """Lists of numpy scalars, as a loop that appends ``x[i, j]`` builds them."""
    if callable(value):
        return value
    array = np.asarray(value)
    return array[()] if array.ndim == 0 else [_numpy_scalars(row) for row in array]


@pytest.mark.parametrize("make", [_tensor, _item_only, _numpy, _numpy_scalars],
                         ids=["tensor", "item-only", "numpy", "numpy-scalars"])
@pytest.mark.parametrize("label", LABELS)
def test_the_expected_answer_is_accepted_in_any_container(label, make):
    message = feedback(label, _per_part(label, make))
    assert message.startswith("Correct"), message


def test_a_tensor_of_the_whole_answer_is_split_into_its_parts():
    answer = Tensor(expected("ex-super-resolution-3"))  # four ints in one tensor
    assert check("ex-super-resolution-3", answer)
    assert check("ex-step-by-step-2", Tensor(expected("ex-step-by-step-2")))
    assert check("ex-super-resolution-1", np.int64(expected("ex-super-resolution-1")))
    assert check("ex-super-resolution-1", np.array(expected("ex-super-resolution-1")))


@pytest.mark.parametrize("bad", HOSTILE, ids=[f"bad{i}" for i in range(len(HOSTILE))])
@pytest.mark.parametrize("label", LABELS)
def test_a_hostile_answer_to_any_part_gets_a_sentence(label, bad):
    for i in range(len(parts(label))):
        given = [p.value for p in parts(label)]
        given[i] = bad
        message = feedback(label, given[0] if len(given) == 1 else tuple(given))
        assert_one_clear_sentence(message)
        assert not message.startswith("Correct"), message


@pytest.mark.parametrize(("bad", "words"), [
    (float("inf"), "is infinity; the padding is a finite number"),
    (float("nan"), "is NaN (not a number)"),
    (1e-320, "1e-320 is not a whole number"),
    (10**400, "a number of about 401 digits is far too large for the padding"),
    ("3", "is not a number but text; the padding is a whole number: write it without quotes"),
    (None, "you gave no answer (None)"),
    (3.5, "3.5 is not a whole number"),
    (np.array([3]), "array of shape 1, not a number; the padding is a single number: take its "
                    "single value (.item())"),
])
def test_what_is_wrong_with_a_strange_number_is_said(bad, words):
    assert words.lower() in feedback("ex-super-resolution-1", bad).lower()


def test_a_hint_never_contradicts_itself():
    """Once "gives 60×60, not 60×60": text or a fraction of the right padding got a hint."""
    for bad in ("3", 3.5, "3.0", 2.9999):
        assert_one_clear_sentence(feedback("ex-super-resolution-1", bad))
    kernel, padding = expected("ex-segmentation-2")[1:]
    for k, p in ((kernel + 2, padding + 1), (str(kernel), padding), (kernel, float(padding) + .5)):
        assert_one_clear_sentence(feedback("ex-segmentation-2", {"kernel_size": k,
                                                                 "padding": p}))


def test_a_size_with_a_huge_side_says_so():
    message = feedback("ex-step-by-step-2", (10**400, 6))
    assert message == ("Your size has a side of a number of about 401 digits, far too large "
                       "for the output size.")


def test_ragged_rows_and_huge_numbers_in_an_array_answer():
    assert "not a rectangular array" in feedback("ex-step-by-step-1", [[1, 2], [3]])
    assert "too large for a float" in feedback("ex-step-by-step-1", [[10**400] * 3] * 3)
    assert "is a single number, but" in feedback("ex-step-by-step-1", 7)
    message = feedback("ex-step-by-step-1", np.full((3, 3), np.nan))
    assert "9 of 9 cells" in message and "you have NaN" in message


# ---------------------------------------------------------------- random answers

scalars = st.one_of(
    st.integers(), st.integers(-(10**400), 10**400), st.just(10**400),
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
    st.just(1e-320), st.complex_numbers(), st.text(max_size=8), st.none(), st.booleans(),
    st.just(Ellipsis),
    st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.floats(width=32).map(np.float32),
)
arrays = hnp.arrays(st.sampled_from([np.int64, np.float64, np.bool_, np.uint8]),
                    hnp.array_shapes(min_dims=0, max_dims=3, max_side=5))
answers = st.recursive(
    st.one_of(scalars, arrays),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.tuples(inner, inner),
                            st.tuples(inner, inner, inner, inner),
                            arrays.map(Tensor), scalars.map(ItemOnly),
                            st.dictionaries(st.sampled_from(["size", "padding", "x", "y"]),
                                            inner, max_size=2)),
    max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label=st.sampled_from(LABELS), answer=answers)
def test_any_answer_gets_one_clear_sentence(label, answer):
    assert_one_clear_sentence(feedback(label, answer))


@settings(max_examples=200, deadline=None)
@given(label=st.sampled_from(LABELS), data=st.data())
def test_a_random_answer_to_one_part_is_judged_alone(label, data):
    """Only the part given a random answer can be wrong; the message names it."""
    answers = parts(label)
    i = data.draw(st.integers(0, len(answers) - 1))
    given = [p.value for p in answers]
    given[i] = data.draw(answers_strategy_for(answers[i]))
    message = feedback(label, given[0] if len(given) == 1 else tuple(given))
    assert_one_clear_sentence(message)
    if len(answers) > 1 and not message.startswith("Correct"):
        assert message.startswith(f"Answer {i + 1} of {len(answers)}"), message


def answers_strategy_for(part):
    """Random answers near the right kind for ``part``: numbers, sizes, arrays of its shape."""
    value = part.value
    if part.kind == "function":
        return st.just(lambda x, k, s: x)
    shape = np.shape(value) if part.kind == "array" else (2,)
    near = hnp.arrays(np.float64, shape, elements=st.floats(allow_nan=True,
                                                             allow_infinity=True))
    return st.one_of(scalars, near, near.map(Tensor), near.map(lambda a: a.tolist()), answers)
