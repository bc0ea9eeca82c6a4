"""Mean squared error and PSNR.

Oracles: the definitions evaluated on errors chosen so the answer is known in closed form
(a constant error e gives mse e² and PSNR -20·log10(e) for data_range 1), the scaling laws
of the formula, and PyTorch's ``F.mse_loss`` when it is installed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tconv.metrics as M
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

EXAMPLES = settings(max_examples=40, deadline=None)
images = st.tuples(st.integers(1, 6), st.integers(1, 6)).flatmap(
    lambda s: arrays(np.float64, s, elements=st.floats(0, 1))
)


def test_constant_error_gives_known_mse_and_psnr():
    x = np.zeros((4, 5))
    assert M.mse(x + 0.1, x) == pytest.approx(0.01)
    assert M.psnr(x + 0.1, x) == pytest.approx(20.0)  # 10·log10(1 / 0.01)
    assert M.psnr(x + 0.01, x) == pytest.approx(40.0)


def test_one_wrong_pixel_among_n():
    t = np.zeros((10, 10), dtype=np.int64)
    x = t.copy()
    x[3, 4] = 255
    assert M.mse(x, t) == pytest.approx(255**2 / 100)
    assert M.psnr(x, t, data_range=255) == pytest.approx(20.0)  # 10·log10(100)


def test_identical_arrays_have_infinite_psnr_and_zero_mse():
    x = np.arange(12.0).reshape(3, 4)
    assert M.mse(x, x) == 0.0
    assert M.psnr(x, x) == math.inf


@EXAMPLES
@given(t=images, data=st.data())
def test_mse_is_symmetric_and_psnr_falls_as_error_grows(t, data):
    noise = data.draw(arrays(np.float64, t.shape, elements=st.floats(0.01, 0.5)))
    x = t + noise
    assert M.mse(x, t) == pytest.approx(M.mse(t, x))
    # doubling every error quadruples the mse: PSNR drops by 10·log10(4) ≈ 6.02 dB
    assert M.psnr(t + 2 * noise, t) == pytest.approx(M.psnr(x, t) - 10 * math.log10(4))


@EXAMPLES
@given(t=images, data=st.data(), r=st.floats(0.5, 300))
def test_scaling_data_range_and_images_together_keeps_psnr(t, data, r):
    x = data.draw(arrays(np.float64, t.shape, elements=st.floats(0, 1)))
    if np.array_equal(x, t):
        return
    assert M.psnr(r * x, r * t, data_range=r) == pytest.approx(M.psnr(x, t), rel=1e-9, abs=1e-9)


def test_mse_matches_torch_mse_loss():
    torch = pytest.importorskip("torch", reason="PyTorch not installed (optional oracle)")
    rng = np.random.default_rng(0)
    x, t = rng.random((2, 3, 7, 5)), rng.random((2, 3, 7, 5))
    want = torch.nn.functional.mse_loss(torch.from_numpy(x), torch.from_numpy(t)).item()
    assert M.mse(x, t) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("fn", [M.mse, M.psnr])
def test_shape_mismatch_is_a_value_error_naming_both(fn):
    with pytest.raises(ValueError, match=r"input must have the shape of target \(2, 2\)"):
        fn(np.zeros((2, 3)), np.zeros((2, 2)))


@pytest.mark.parametrize("fn", [M.mse, M.psnr])
def test_empty_arrays_are_rejected(fn):
    with pytest.raises(ValueError, match="target must not be empty"):
        fn(np.zeros((0, 3)), np.zeros((0, 3)))


@pytest.mark.parametrize("fn", [M.mse, M.psnr])
def test_non_numeric_inputs_are_type_errors(fn):
    with pytest.raises(TypeError, match="input must be a numeric array"):
        fn(np.array([["a"]]), np.zeros((1, 1)))
    with pytest.raises(TypeError, match="target must be a numeric array"):
        fn(np.zeros((1, 1)), np.array([[True]]))


@pytest.mark.parametrize("bad", [0, -1.0, math.inf, math.nan])
def test_data_range_must_be_positive_and_finite(bad):
    with pytest.raises(ValueError, match="data_range must be positive and finite"):
        M.psnr(np.zeros(3), np.ones(3), data_range=bad)


@pytest.mark.parametrize("bad", ["1", None, True])
def test_data_range_must_be_a_number(bad):
    with pytest.raises(TypeError, match="data_range must be a number"):
        M.psnr(np.zeros(3), np.ones(3), data_range=bad)
