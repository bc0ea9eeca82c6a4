"""tconv.frameworks against PyTorch itself: F.conv_transpose2d and nn.ConvTranspose2d.

Both directions on random settings (groups, dilation, output_padding, rectangular kernels):
PyTorch's arguments -> Translation -> tconv gives PyTorch's numbers, and any window ->
``to_torch`` (padding, output_padding and a crop when needed) -> nn.ConvTranspose2d gives
tconv's numbers. Oracle tests of tconv's own conv_transpose2d are in tests/test_torch_oracle*.
"""

from __future__ import annotations

import pytest
from framework_runners import (
    EXAMPLES,
    arrays,
    check_layer,
    need,
    random_torch_settings,
    rng_for,
    run_torch,
    run_torch_layer,
)
from tconv import frameworks as fw

torch = need("torch")
torch.set_num_threads(1)  # tiny arrays: threads only add overhead


@pytest.mark.parametrize("seed", range(EXAMPLES))
def test_torch_arguments_translate_exactly(seed):
    rng = rng_for("torch-forward", seed)
    st = random_torch_settings(rng)
    x, w, b = arrays(rng, st["c_in"], st["c_out_g"], st["groups"], st["size"], st["kernel_size"])
    kwargs = {k: st[k] for k in ("stride", "padding", "output_padding", "dilation", "groups")}
    t = fw.from_torch(st["kernel_size"], **kwargs)
    assert t.torch_pair == (st["padding"], st["output_padding"])
    check_layer(run_torch(x, w, b, **kwargs), x, w, b, t, st["size"])


def random_window(rng):
    """A layer with any cut PyTorch can reach with a crop: begin >= 0, zeros only at the end."""
    while True:
        kernel, stride, dilation = (random_torch_settings(rng)[k]
                                    for k in ("kernel_size", "stride", "dilation"))
        cut = tuple((int(rng.integers(0, fw.span(k, d) + 1)),
                     int(rng.integers(1 - max(s, d), fw.span(k, d) + 1)))
                    for k, s, d in zip(kernel, stride, dilation, strict=True))
        groups = int(rng.integers(1, 3))
        t = fw.Translation(kernel, stride, dilation, groups, cut)
        size = (int(rng.integers(1, 7)), int(rng.integers(1, 7)))
        try:
            fw.output_size(t, size)
        except ValueError:
            continue
        return t, size


@pytest.mark.parametrize("seed", range(EXAMPLES))
def test_any_window_runs_in_pytorch_with_a_crop(seed):
    rng = rng_for("torch-reverse", seed)
    t, size = random_window(rng)
    x, w, b = arrays(rng, t.groups * int(rng.integers(1, 3)), int(rng.integers(1, 3)), t.groups,
                     size, t.kernel_size)
    call = fw.to_torch(t)
    assert (call.crop is None) == (t.torch_pair is not None)
    check_layer(run_torch_layer(x, w, b, call), x, w, b, t, size)
