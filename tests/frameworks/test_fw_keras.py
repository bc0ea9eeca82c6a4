"""tconv.frameworks against Keras 3's Conv2DTranspose (JAX backend), both directions.

Keras' arguments -> Translation -> tconv gives Keras' numbers and its documented shape;
PyTorch's arguments -> ``to_keras`` (Keras' own padding/output_padding, or "valid" plus a
Cropping2D) -> Keras gives PyTorch's numbers. Random settings: strides, "same"/"valid",
output_padding None or set, dilation_rate (Keras allows it only at stride 1), rectangular
kernels, channels_last and channels_first.
"""

from __future__ import annotations

import pytest
from framework_runners import (  # release_compiled_code: an autouse fixture
    EXAMPLES,
    TOL,
    arrays,
    check_layer,
    keras,
    pair_of,
    random_torch_settings,
    release_compiled_code,  # noqa: F401
    rng_for,
    run_keras,
    run_torch,
)
from tconv import frameworks as fw

keras()  # Keras on the JAX backend, or skip (error under make test-frameworks)


def random_keras_settings(rng) -> dict:
    """A Conv2DTranspose setting whose output is not empty, with sizes."""
    while True:
        kernel_size, strides = pair_of(rng, 1, 5), pair_of(rng, 1, 4)
        if rng.random() < 0.25:
            strides = (1, 1)
        dilation_rate = pair_of(rng, 1, 3) if strides == (1, 1) else (1, 1)
        padding = str(rng.choice(["same", "valid", "SAME", "Valid"]))
        output_padding = (None if rng.random() < 0.5
                          else tuple(int(rng.integers(0, s)) for s in strides))
        args = dict(kernel_size=kernel_size, strides=strides, padding=padding,
                    output_padding=output_padding, dilation_rate=dilation_rate)
        size = pair_of(rng, 1, 7)
        if min(fw.keras_output_size(size, **args)) > 0:
            return args, size


@pytest.mark.parametrize("seed", range(EXAMPLES))
def test_keras_arguments_translate_exactly(seed):
    rng = rng_for("keras-forward", seed)
    args, size = random_keras_settings(rng)
    x, w, b = arrays(rng, int(rng.integers(1, 4)), int(rng.integers(1, 4)), 1, size,
                     args["kernel_size"])
    data_format = str(rng.choice(["channels_last", "channels_first"]))
    got = run_keras(x, w, b, data_format=data_format, **args)
    assert got.shape[2:] == fw.keras_output_size(size, **args)
    check_layer(got, x, w, b, fw.from_keras(**args), size)


@pytest.mark.parametrize("seed", range(EXAMPLES))
def test_pytorch_layers_run_in_keras(seed):
    rng = rng_for("keras-reverse", seed)
    st = random_torch_settings(rng, groups=False, keras_rules=True)
    x, w, b = arrays(rng, st["c_in"], st["c_out_g"], 1, st["size"], st["kernel_size"])
    kwargs = {k: st[k] for k in ("stride", "padding", "output_padding", "dilation")}
    t = fw.from_torch(st["kernel_size"], **kwargs)
    zeros_at_end = [a - p for a, p in zip(st["output_padding"], st["padding"], strict=True)]
    if any(z >= s for z, s in zip(zeros_at_end, st["stride"], strict=True)):
        # PyTorch allows output_padding < dilation at stride 1; Keras only < strides
        with pytest.raises(ValueError, match="output_padding must be smaller than strides"):
            fw.to_keras(t)
        return
    call = fw.to_keras(t)
    got = run_keras(x, w, b, cropping=call.crop, **call.kwargs)
    assert got.shape == run_torch(x, w, b, **kwargs).shape
    assert abs(got - run_torch(x, w, b, **kwargs)).max() <= TOL["atol"] + 1e-5
    check_layer(got, x, w, b, t, st["size"])
