"""Exercise variants per student: every seed gives a well-posed exercise with its own numbers,
and its checker accepts that seed's answer, rejects near misses, and never gives the answer."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tconv import conv_transpose_output_size
from tconv.book.exercises import (
    EXERCISES,
    LIMITS,
    VARIANTS,
    check,
    feedback,
    seed_for,
    variant,
)

LABELS = list(VARIANTS)
seeds = st.integers(0, 2**31 - 1)


def _wrong(part):
    """A near miss for one part: one off, one item short, or one cell changed."""
    value = part.value
    if part.kind == "int":
        return value + 1
    if part.kind == "size":
        return tuple(int(v) + 1 for v in np.atleast_1d(value))
    if part.kind == "set":
        items = list(value)
        return items[1:] if len(items) > 1 else items + [(99, 99)]
    wrong = np.array(value, dtype=np.float64)
    wrong.flat[-1] += 1
    return wrong


def _answer(v, i=None, replace=None):
    given = [p.value for p in v.parts]
    if i is not None:
        given[i] = replace
    return given[0] if len(given) == 1 else tuple(given)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def test_every_variant_is_an_exercise_with_a_book_checker():
    assert len(VARIANTS) >= 8
    assert set(VARIANTS) <= set(EXERCISES)


@settings(max_examples=150, deadline=None)
@given(label=st.sampled_from(LABELS), seed=seeds)
def test_a_variant_is_well_posed_and_within_the_books_sizes(label, seed):
    v = variant(label, seed)
    s = v.settings
    assert s.get("input", 1) <= LIMITS["input"] and s.get("stride", 1) <= LIMITS["stride"]
    assert s.get("kernel_size", 1) <= LIMITS["kernel"] + 5  # ×s upsamplers use k = 2s or 3s
    for key in ("x", "kernel"):
        if key in s:
            assert max(np.shape(s[key])) <= LIMITS["kernel"]
    if {"input", "kernel_size", "stride"} <= set(s):
        # tconv accepts the setting (it raises on illegal padding and output_padding)
        size = conv_transpose_output_size(s["input"], s["kernel_size"], s["stride"],
                                          s.get("padding", 0), s.get("output_padding", 0))
        assert 1 <= size <= LIMITS["output"]
    for part in v.parts:
        assert np.size(part.value) >= 1
        if part.kind in ("int", "size"):
            assert 0 <= np.max(part.value) <= LIMITS["output"]
    # every number of the settings is stated in the question
    stated = _words(v.question)
    for value in s.values():
        assert {str(n) for n in np.ravel(value)} <= stated, (s, v.question)


@settings(max_examples=150, deadline=None)
@given(label=st.sampled_from(LABELS), seed=seeds)
def test_the_checker_accepts_the_seeds_solution_and_rejects_near_misses(label, seed):
    v = variant(label, seed)
    assert feedback(label, v.expected(), seed=seed).startswith("Correct")
    for i, part in enumerate(v.parts):
        miss = _wrong(part)
        message = feedback(label, _answer(v, i, miss), seed=seed)
        assert not message.startswith("Correct"), message
        assert "where the answer has" not in message and "1 short" not in message
        assert "1 too" not in message and "factor of" not in message
        if part.kind in ("int", "size"):
            right = {str(n) for n in np.ravel(part.value)}
            allowed = _words(str(miss)) | _words(v.question) | _words(part.what)
            said = re.sub(r"^Answer \d+ of \d+ \([^)]*\): ", "", message)
            assert not (right & _words(said)) - allowed, message


@settings(max_examples=100, deadline=None)
@given(a=seeds, b=seeds)
def test_two_seeds_give_different_numbers(a, b):
    if a != b:
        assert [variant(label, a).settings for label in LABELS] != \
               [variant(label, b).settings for label in LABELS]


@pytest.mark.parametrize("label", LABELS)
def test_a_class_of_forty_gets_many_different_versions(label):
    versions = {repr(variant(label, seed_for(f"student{n}")).settings) for n in range(40)}
    assert len(versions) >= 10, (label, len(versions))


def test_the_same_seed_gives_the_same_numbers():
    for label in LABELS:
        assert variant(label, 7).settings == variant(label, np.int64(7)).settings
        assert variant(label, 7).question == variant(label, 7.0).question


def test_seed_for_is_fixed_for_an_id_and_a_salt():
    """A change here would renumber a class mid-term: the derivation is sha256, pinned."""
    assert seed_for("alice") == seed_for(" alice ") == 859792209
    assert seed_for("alice", salt="2027") != seed_for("alice")
    assert 0 <= seed_for("bob") < 2**31
    with pytest.raises(ValueError, match="student must be a non-empty id"):
        seed_for("  ")
    with pytest.raises(TypeError, match="salt must be a string"):
        seed_for("alice", salt=3)


def test_bad_labels_and_seeds_are_refused():
    with pytest.raises(ValueError, match="has no variants"):
        variant("ex-checkerboard-1", 1)
    with pytest.raises(TypeError, match="label must be a string"):
        variant(3, 1)
    for seed in (-1, 1.5, "one", True, None):
        with pytest.raises(ValueError, match="seed must be a whole number >= 0"):
            variant("ex-step-by-step-2", seed)


def test_the_checker_with_a_seed_says_right_or_wrong_with_a_hint(capsys):
    v = variant("ex-stride-padding-1", 11)
    size, extra = v.expected()
    assert check("ex-stride-padding-1", (size, extra), seed=11)
    assert capsys.readouterr().out.startswith("Correct")
    message = feedback("ex-stride-padding-1", (size, size), seed=11)
    assert "too small" in message and "Did you forget output_padding?" in message
    assert str(extra) not in _words(message) - {str(size)} - _words(v.question)
    # the book's own exercise is unchanged without a seed
    assert check("ex-stride-padding-1", (10, 11))
