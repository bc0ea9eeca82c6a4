"""Shared hypothesis strategies for the convolution tests: small, always-valid settings.

Also: under ``make test-frameworks`` (``TCONV_REQUIRE_FRAMEWORKS=1``) a test skipped because
a framework is "not installed" fails instead, so that stage cannot pass by testing nothing.

Tests don't time (benchmarks/ measure): hypothesis' per-example deadline (200 ms by default)
is off for every test, so a loaded machine cannot fail one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import assume, settings
from hypothesis import strategies as st

settings.register_profile("tconv", deadline=None)
settings.load_profile("tconv")


@dataclass
class ConvCase:
    """Arrays and keyword arguments of one valid (transposed) convolution call."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    kwargs: dict


def _int_or_pair(draw, lo: int, hi: int):
    """An int, or a pair of ints, in [lo, hi] (PyTorch accepts both)."""
    pair = (draw(st.integers(lo, hi)), draw(st.integers(lo, hi)))
    return pair[0] if draw(st.booleans()) else pair


def pair(value) -> tuple[int, int]:
    """``value`` as a pair."""
    return tuple(value) if isinstance(value, tuple) else (value, value)


@st.composite
def conv_cases(draw, transposed: bool = False, dtype=np.int64, max_side: int = 6) -> ConvCase:
    """A batched (N, C, H, W) case with groups, stride, padding, dilation (+ output_padding)."""
    groups = draw(st.integers(1, 3))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride, padding = _int_or_pair(draw, 1, 3), _int_or_pair(draw, 0, 2)
    dilation = _int_or_pair(draw, 1, 2)
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    size = (draw(st.integers(1, max_side)), draw(st.integers(1, max_side)))
    if transposed:
        kwargs["output_padding"] = tuple(draw(st.integers(0, max(s, d) - 1))
                                         for s, d in zip(pair(stride), pair(dilation), strict=True))
        for i, s, p, d, k, op in zip(size, pair(stride), pair(padding), pair(dilation), kernel,
                                     kwargs["output_padding"], strict=True):
            assume((i - 1) * s - 2 * p + d * (k - 1) + op + 1 > 0)
        w_shape = (c_in, c_out // groups, *kernel)
    else:
        for i, p, d, k in zip(size, pair(padding), pair(dilation), kernel, strict=True):
            assume(d * (k - 1) + 1 <= i + 2 * p)
        w_shape = (c_out, c_in // groups, *kernel)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # small integers: every sum is exact in int64 and float64 alike
    x = rng.integers(-5, 6, (draw(st.integers(1, 2)), c_in, *size)).astype(dtype)
    w = rng.integers(-5, 6, w_shape).astype(dtype)
    b = rng.integers(-5, 6, c_out).astype(dtype)
    return ConvCase(x, w, b, kwargs)


def _missing_but_required(report) -> bool:
    """A skip for a framework that is "not installed", in a run that requires them all."""
    return (os.environ.get("TCONV_REQUIRE_FRAMEWORKS") == "1" and report.skipped
            and "not installed" in str(report.longrepr))


def _fail(report) -> None:
    report.outcome = "failed"
    report.longrepr = f"a required framework is missing (TCONV_REQUIRE_FRAMEWORKS=1): " \
                      f"{report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if _missing_but_required(report):
        _fail(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    report = (yield).get_result()
    if _missing_but_required(report):
        _fail(report)
