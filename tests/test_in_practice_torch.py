"""The closing chapter's PyTorch code, run for real (an optional oracle, skipped without it).

"In practice: reading a real decoder" shows what a PyTorch user writes for its two blocks, a
DCGAN generator and a U-Net up block, in fenced code the book does not run. Here that code is
taken from the chapter and run: every transposed convolution and convolution has the settings,
weight shapes and parameter counts of the chapter's ``tconv.nn`` tables, and given the same
weights the ``tconv`` layers compute the same numbers. It needs numpy, ``tconv`` and PyTorch
only (no ``tconv.book``, no matplotlib), so the framework stage's venv runs it too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import tconv
from tconv import nn

torch = pytest.importorskip("torch", reason="PyTorch not installed (optional oracle)")

CHAPTER = Path(__file__).resolve().parents[1] / "chapters" / "in-practice.ipynb"
# the generator's transposed convolutions as the chapter describes them: (C_in, C_out, k, s, p)
DCGAN = [(100, 512, 4, 1, 0), (512, 256, 4, 2, 1), (256, 128, 4, 2, 1), (128, 64, 4, 2, 1),
         (64, 3, 4, 2, 1)]


@pytest.fixture(scope="module")
def chapter_code() -> dict:
    """The names the chapter's two PyTorch blocks define, once run (seeded)."""
    cells = json.loads(CHAPTER.read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    blocks = [b for b in re.findall(r"^```python\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
              if "generator = nn.Sequential(" in b or "class Up(nn.Module):" in b]
    assert len(blocks) == 2, "the chapter should show the generator and the up block"
    torch.manual_seed(0)
    namespace: dict = {}
    for block in blocks:
        exec(block, namespace)  # noqa: S102 - the chapter's own code
    return namespace


def _same_weights(theirs, ours):
    """Copy a torch layer's weight (and bias) into the tconv.nn layer ``ours``; return it."""
    ours.weight.data[...] = theirs.weight.detach().double().numpy()
    if theirs.bias is not None:
        ours.bias.data[...] = theirs.bias.detach().double().numpy()
    return ours


def test_the_generator_is_the_chapters(chapter_code):
    generator = chapter_code["generator"]
    convs = [m for m in generator if isinstance(m, torch.nn.ConvTranspose2d)]
    norms = [m for m in generator if isinstance(m, torch.nn.BatchNorm2d)]
    assert [(m.in_channels, m.out_channels, m.kernel_size[0], m.stride[0], m.padding[0])
            for m in convs] == DCGAN
    assert all(m.bias is None for m in convs)
    assert [m.num_features for m in norms] == [c_out for _, c_out, *_ in DCGAN[:-1]]
    assert tuple(chapter_code["image"].shape) == (1, 3, 64, 64)
    # parameters: the transposed convolutions' weights, as tconv.nn holds them, plus a scale
    # and a shift per channel for each batch norm
    ours = [nn.ConvTranspose2d(*settings, bias=False, rng=0) for settings in DCGAN]
    assert [tuple(m.weight.shape) for m in convs] == [o.weight.data.shape for o in ours]
    weights = sum(o.weight.data.size for o in ours)
    assert weights == 3_574_784
    assert sum(p.numel() for p in generator.parameters()) == weights + 2 * sum(
        m.num_features for m in norms)


def test_each_transposed_convolution_computes_what_tconv_computes(chapter_code):
    rng = np.random.default_rng(0)
    size = 1
    for m in chapter_code["generator"]:
        if not isinstance(m, torch.nn.ConvTranspose2d):
            continue
        layer = nn.ConvTranspose2d(m.in_channels, m.out_channels, m.kernel_size, m.stride,
                                   m.padding, bias=False, rng=0, dtype=np.float64)
        _same_weights(m, layer)
        x = rng.standard_normal((2, m.in_channels, size, size))
        with torch.no_grad():
            want = m.double()(torch.from_numpy(x)).numpy()
        got = layer(x)
        np.testing.assert_allclose(got, want, atol=1e-10)
        size = tconv.conv_transpose_output_size(size, m.kernel_size[0], m.stride[0],
                                                m.padding[0])
        assert got.shape[-1] == size
    assert size == 64


def test_the_up_block_is_the_chapters(chapter_code):
    block = chapter_code["block"]
    assert tuple(chapter_code["y"].shape) == (1, 512, 52, 52)
    assert tuple(block.up.weight.shape) == (1024, 512, 2, 2)  # (C_in, C_out, k, k)
    assert tuple(block.convs[0].weight.shape) == (512, 1024, 3, 3)  # (C_out, C_in, k, k)
    ours = [nn.ConvTranspose2d(1024, 512, 2, stride=2, rng=0), nn.Conv2d(1024, 512, 3, rng=0),
            nn.Conv2d(512, 512, 3, rng=0)]
    ours_params = sum(p.data.size for layer in ours for p in layer.parameters())
    assert sum(p.numel() for p in block.parameters()) == ours_params == 9_176_576


def test_the_up_block_computes_what_tconv_computes(chapter_code):
    small = chapter_code["Up"](8).double()
    up = _same_weights(small.up, nn.ConvTranspose2d(8, 4, 2, stride=2, rng=0, dtype=np.float64))
    conv1 = _same_weights(small.convs[0], nn.Conv2d(8, 4, 3, rng=0, dtype=np.float64))
    conv2 = _same_weights(small.convs[2], nn.Conv2d(4, 4, 3, rng=0, dtype=np.float64))
    rng = np.random.default_rng(1)
    x, skip = rng.standard_normal((2, 8, 5, 5)), rng.standard_normal((2, 4, 14, 14))
    with torch.no_grad():
        want = small(torch.from_numpy(x), torch.from_numpy(skip)).numpy()
    upsampled = up(x)  # 10×10; the skip loses 2 cells on each side
    joined = np.concatenate([skip[:, :, 2:12, 2:12], upsampled], axis=1)
    got = np.maximum(conv2(np.maximum(conv1(joined), 0)), 0)
    assert got.shape == want.shape == (2, 4, 6, 6)
    np.testing.assert_allclose(got, want, atol=1e-10)
