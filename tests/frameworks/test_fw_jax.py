"""tconv.frameworks against jax.lax.conv_transpose and flax.linen.ConvTranspose, both directions.

JAX's and Flax's arguments -> Translation -> tconv gives their numbers and output sizes;
PyTorch's arguments -> ``to_jax`` / ``to_flax`` -> JAX / Flax gives PyTorch's numbers. Random
settings: "SAME", "VALID" and explicit (low, high) pairs (negative ones too, and
``use_consistent_padding``), rhs_dilation, ``transpose_kernel`` True and False with the kernel
converted accordingly, several dimension_numbers, rectangular kernels.
"""

from __future__ import annotations

import pytest
from framework_runners import (  # release_compiled_code: an autouse fixture
    EXAMPLES,
    TOL,
    arrays,
    check_layer,
    need,
    pair_of,
    random_torch_settings,
    release_compiled_code,  # noqa: F401
    rng_for,
    run_flax,
    run_jax,
    run_torch,
)
from tconv import frameworks as fw

need("jax")
need("flax.linen")

LAYOUTS = [("NCHW", "OIHW", "NCHW"), ("NHWC", "HWIO", "NHWC"), ("NHWC", "HWOI", "NCHW"),
           ("NCHW", "IOHW", "NHWC"), ("NHWC", "OHWI", "NHWC")]


def random_padding(rng, kernel_size, dilation, ints: bool = False):
    """"SAME", "VALID", or two (low, high) pairs from -1 to the kernel's span (Flax: or ints)."""
    choice = rng.integers(0, 4 if ints else 3)
    if choice < 2:
        return ["SAME", "VALID"][choice]
    spans = [fw.span(k, d) for k, d in zip(kernel_size, dilation, strict=True)]
    if choice == 3:  # Flax: one int for both sides, or one per axis
        ps = [int(rng.integers(0, n)) for n in spans]
        return ps[0] if rng.random() < 0.5 else tuple(ps)
    return tuple((int(rng.integers(-1, n + 1)), int(rng.integers(-1, n + 1))) for n in spans)


def random_jax_settings(rng, flax: bool = False):
    """kernel_size, strides, padding, dilation and size, with a non-empty output."""
    while True:
        kernel_size, strides, dilation = pair_of(rng, 1, 5), pair_of(rng, 1, 4), pair_of(rng, 1, 3)
        padding = random_padding(rng, kernel_size, dilation, ints=flax)
        consistent = (not flax) and not isinstance(padding, str) and rng.random() < 0.3
        size = pair_of(rng, 1, 7)
        if flax:
            t = fw.from_flax(kernel_size, strides, padding, dilation)
        else:
            t = fw.from_jax(kernel_size, strides, padding, dilation, consistent)
        try:
            fw.output_size(t, size)
        except ValueError:
            continue
        return kernel_size, strides, padding, dilation, consistent, size, t


@pytest.mark.parametrize("seed", range(EXAMPLES))
def test_jax_arguments_translate_exactly(seed):
    rng = rng_for("jax-forward", seed)
    kernel_size, strides, padding, dilation, consistent, size, t = random_jax_settings(rng)
    x, w, _ = arrays(rng, int(rng.integers(1, 4)), int(rng.integers(1, 4)), 1, size,
                     kernel_size, bias=False)
    got = run_jax(x, w, strides=strides, padding=padding, rhs_dilation=dilation,
                  transpose_kernel=bool(rng.random() < 0.5),
                  dimension_numbers=LAYOUTS[rng.integers(len(LAYOUTS))],
                  use_consistent_padding=consistent)
    assert got.shape[2:] == fw.jax_output_size(size, kernel_size, strides, padding, dilation,
                                               consistent)
    check_layer(got, x, w, None, t, size)


@pytest.mark.parametrize("seed", range(EXAMPLES))
def test_pytorch_layers_run_in_jax(seed):
    rng = rng_for("jax-reverse", seed)
    st = random_torch_settings(rng, groups=False)
    x, w, _ = arrays(rng, st["c_in"], st["c_out_g"], 1, st["size"], st["kernel_size"],
                     bias=False)
    kwargs = {k: st[k] for k in ("stride", "padding", "output_padding", "dilation")}
    t = fw.from_torch(st["kernel_size"], **kwargs)
    call = fw.to_jax(t)
    assert call.crop is None
    got = run_jax(x, w, transpose_kernel=bool(rng.random() < 0.5),
                  dimension_numbers=LAYOUTS[rng.integers(len(LAYOUTS))], **call.kwargs)
    want = run_torch(x, w, None, **kwargs)
    assert got.shape == want.shape
    assert abs(got - want).max() <= TOL["atol"] + 1e-5
    check_layer(got, x, w, None, t, st["size"])


@pytest.mark.parametrize("seed", range(EXAMPLES))
def test_flax_arguments_translate_exactly(seed):
    rng = rng_for("flax-forward", seed)
    kernel_size, strides, padding, dilation, _, size, t = random_jax_settings(rng, flax=True)
    x, w, b = arrays(rng, int(rng.integers(1, 4)), int(rng.integers(1, 4)), 1, size,
                     kernel_size)
    got = run_flax(x, w, b, kernel_size=kernel_size, strides=strides, padding=padding,
                   kernel_dilation=dilation, transpose_kernel=bool(rng.random() < 0.5))
    check_layer(got, x, w, b, t, size)


@pytest.mark.parametrize("seed", range(EXAMPLES))
def test_pytorch_layers_run_in_flax(seed):
    rng = rng_for("flax-reverse", seed)
    st = random_torch_settings(rng, groups=False)
    x, w, b = arrays(rng, st["c_in"], st["c_out_g"], 1, st["size"], st["kernel_size"])
    kwargs = {k: st[k] for k in ("stride", "padding", "output_padding", "dilation")}
    t = fw.from_torch(st["kernel_size"], **kwargs)
    call = fw.to_flax(t)
    got = run_flax(x, w, b, transpose_kernel=bool(rng.random() < 0.5), **call.kwargs)
    want = run_torch(x, w, b, **kwargs)
    assert got.shape == want.shape
    assert abs(got - want).max() <= TOL["atol"] + 1e-5
    check_layer(got, x, w, b, t, st["size"])
