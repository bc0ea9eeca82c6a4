"""The convolutions and conv2d_backward against PyTorch (an optional oracle, skipped without it).

Same arguments, same numbers: torch.nn.functional.conv2d / conv_transpose2d / conv1d /
conv_transpose1d with groups, dilation and output_padding, and torch.autograd for the
gradients. Integer-valued float64 data, so the comparison is exact.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from conftest import conv_cases, pair
from hypothesis import given, settings
from hypothesis import strategies as st
from tconv.conv import conv2d_loop, conv_transpose2d_loop

torch = pytest.importorskip("torch", reason="PyTorch not installed (optional oracle)")
F = torch.nn.functional
torch.set_num_threads(1)  # tiny arrays: threads only add overhead

EXAMPLES = settings(max_examples=50, deadline=None)


def t(a):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))


def test_article_examples_match_torch():
    # the worked examples asserted in test_conv.py, confirmed by PyTorch
    X = t([[0, 1], [2, 3]])[None, None]
    K = t([[0, 1], [2, 3]])[None, None]
    for kw in (dict(), dict(stride=2), dict(padding=1)):
        np.testing.assert_array_equal(
            tconv.conv_transpose2d(X.numpy()[0, 0], K.numpy()[0, 0], **kw),
            F.conv_transpose2d(X, K, **kw).numpy()[0, 0])


@EXAMPLES
@given(conv_cases(dtype=np.float64))
def test_conv2d_matches_torch(case):
    want = F.conv2d(t(case.x), t(case.w), t(case.b), **case.kwargs).numpy()
    np.testing.assert_array_equal(tconv.conv2d(case.x, case.w, case.b, **case.kwargs), want)
    np.testing.assert_array_equal(conv2d_loop(case.x, case.w, case.b, **case.kwargs), want)


@EXAMPLES
@given(conv_cases(transposed=True, dtype=np.float64))
def test_conv_transpose2d_matches_torch(case):
    want = F.conv_transpose2d(t(case.x), t(case.w), t(case.b), **case.kwargs).numpy()
    got = tconv.conv_transpose2d(case.x, case.w, case.b, **case.kwargs)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(
        conv_transpose2d_loop(case.x, case.w, case.b, **case.kwargs), want)


FLOAT32 = st.booleans().flatmap(
    lambda tr: conv_cases(transposed=tr, dtype=np.float32).map(lambda case: (tr, case)))


@EXAMPLES
@given(FLOAT32)
def test_float32_matches_torch(transposed_case):
    transposed, case = transposed_case
    ours, theirs = ((tconv.conv_transpose2d, F.conv_transpose2d) if transposed
                    else (tconv.conv2d, F.conv2d))
    got = ours(case.x, case.w, case.b, **case.kwargs)
    want = theirs(*map(torch.from_numpy, (case.x, case.w, case.b)), **case.kwargs).numpy()
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)  # small integers: exact in float32 too


@EXAMPLES
@given(conv_cases(dtype=np.float64), conv_cases(transposed=True, dtype=np.float64))
def test_1d_versions_match_torch(case, tcase):
    x, w = case.x[:, :, 0, :], case.w[:, :, 0, :]
    kw = {k: (pair(v)[1] if k != "groups" else v) for k, v in case.kwargs.items()}
    try:
        want = F.conv1d(t(x), t(w), t(case.b), **kw).numpy()
    except RuntimeError:
        want = None
    if want is not None:
        np.testing.assert_array_equal(tconv.conv1d(x, w, case.b, **kw), want)
    x, w = tcase.x[:, :, 0, :], tcase.w[:, :, 0, :]
    kw = {k: (pair(v)[1] if k != "groups" else v) for k, v in tcase.kwargs.items()}
    np.testing.assert_array_equal(tconv.conv_transpose1d(x, w, tcase.b, **kw),
                                  F.conv_transpose1d(t(x), t(w), t(tcase.b), **kw).numpy())


@EXAMPLES
@given(conv_cases(dtype=np.float64), st.integers(0, 2**32 - 1))
def test_conv2d_backward_matches_autograd(case, seed):
    x = t(case.x).requires_grad_()
    w = t(case.w).requires_grad_()
    b = t(case.b).requires_grad_()
    y = F.conv2d(x, w, b, **case.kwargs)
    gy = np.random.default_rng(seed).integers(-5, 6, tuple(y.shape)).astype(np.float64)
    y.backward(torch.from_numpy(gy))
    gx, gw, gb = tconv.conv2d_backward(gy, case.x, case.w, **case.kwargs)
    np.testing.assert_array_equal(gx, x.grad.numpy())
    np.testing.assert_array_equal(gw, w.grad.numpy())
    np.testing.assert_array_equal(gb, b.grad.numpy())
