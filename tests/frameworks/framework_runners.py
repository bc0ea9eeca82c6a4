"""The real frameworks, called the way a user calls them, for the translation tests.

Each ``run_*`` takes the NCHW input ``x``, PyTorch's weight ``w`` (C_in, C_out/g, kH, kW) and
bias, converts them to the framework's own layout with ``tconv.frameworks``' converters, runs
the framework and returns its output as NCHW float64. :func:`measured_cuts` reads off which
window of the full output a result is, independently of any translation.

``make test-frameworks`` sets ``TCONV_REQUIRE_FRAMEWORKS=1``: a missing framework is then a
failure, not a skip (tests/conftest.py), so the stage cannot pass by testing nothing.
"""

from __future__ import annotations

import itertools
import os
import sys
import zlib

import numpy as np
import pytest
import tconv
from tconv import frameworks as fw

os.environ.setdefault("KERAS_BACKEND", "jax")  # before Keras is imported: never TensorFlow
TOL = dict(rtol=1e-5, atol=1e-5)  # float32 data, compared in float64
EXAMPLES = 300  # random settings per framework pair and direction


def need(module: str):
    """Import ``module``, or skip: tests/conftest.py fails the skip under make test-frameworks."""
    return pytest.importorskip(module, reason=f"{module} not installed (make test-frameworks)")


_tests_run = itertools.count(1)


@pytest.fixture(autouse=True)
def release_compiled_code():
    """Every 25 tests, drop JAX's compiled code and Keras' global state (import it to use it).

    Each random setting compiles anew and is never reused; kept, they cost ~7 MB a test.
    """
    yield
    if next(_tests_run) % 25 == 0:
        if "jax" in sys.modules:
            sys.modules["jax"].clear_caches()
        if "keras" in sys.modules:
            sys.modules["keras"].backend.clear_session()


# ---------------------------------------------------------------------------------------
# The runners
# ---------------------------------------------------------------------------------------


def run_torch(x, w, b=None, **kwargs) -> np.ndarray:
    """torch.nn.functional.conv_transpose2d in float32."""
    torch = need("torch")
    x, w, b = (None if a is None else torch.from_numpy(np.ascontiguousarray(a)) for a in (x, w, b))
    with torch.no_grad():
        y = torch.nn.functional.conv_transpose2d(x, w, b, **kwargs)
    return y.numpy().astype(np.float64)


def run_torch_layer(x, w, b, call: fw.Call) -> np.ndarray:
    """nn.ConvTranspose2d built from a :class:`tconv.frameworks.Call`, then its crop."""
    torch = need("torch")
    kw = dict(call.kwargs)
    layer = torch.nn.ConvTranspose2d(w.shape[0], w.shape[1] * kw["groups"], bias=b is not None,
                                     **kw)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(w))
        if b is not None:
            layer.bias.copy_(torch.from_numpy(b))
        y = layer(torch.from_numpy(x)).numpy().astype(np.float64)
    return _crop(y, call.crop)


def _crop(y, crop) -> np.ndarray:
    """Slice a non-negative crop (H, W) off an NCHW output."""
    if crop is None:
        return y
    (bh, eh), (bw, ew) = crop
    assert min(bh, eh, bw, ew) >= 0, crop
    return y[:, :, bh:y.shape[2] - eh, bw:y.shape[3] - ew]


def keras():
    """Keras 3 on the JAX backend."""
    k = need("keras")
    assert k.backend.backend() == "jax", k.backend.backend()
    return k


def need_all():
    """Every framework the cross-framework modules compare (or skip): (torch, jax)."""
    torch, jax = need("torch"), need("jax")
    keras()
    need("onnxruntime")
    return torch, jax


def run_keras(x, w, b, data_format="channels_last", cropping=None, **layer_kwargs) -> np.ndarray:
    """keras.layers.Conv2DTranspose (+ Cropping2D) with PyTorch's weight as Keras' kernel."""
    k = keras()
    last = data_format == "channels_last"
    layers = [k.layers.Conv2DTranspose(w.shape[1], use_bias=b is not None,
                                       data_format=data_format, **layer_kwargs)]
    if cropping is not None:
        layers.append(k.layers.Cropping2D(cropping=tuple(map(tuple, cropping)),
                                          data_format=data_format))
    xin = fw.relayout(x, "NCHW", "NHWC") if last else x
    layers[0].build(xin.shape)
    layers[0].set_weights([fw.keras_kernel(w)] + ([b] if b is not None else []))
    y = xin
    for layer in layers:
        y = layer(y)
    y = np.asarray(y, dtype=np.float64)
    return fw.relayout(y, "NHWC", "NCHW") if last else y


def run_jax(x, w, *, strides, padding, rhs_dilation=None, transpose_kernel=False,
            dimension_numbers=("NCHW", "OIHW", "NCHW"), use_consistent_padding=False):
    """jax.lax.conv_transpose with the kernel laid out for ``transpose_kernel``/rhs spec."""
    jax = need("jax")
    lhs, rhs, out = dimension_numbers
    y = jax.lax.conv_transpose(fw.relayout(x, "NCHW", lhs),
                               fw.jax_kernel(w, transpose_kernel, rhs), tuple(strides),
                               padding, rhs_dilation=None if rhs_dilation is None
                               else tuple(rhs_dilation), dimension_numbers=dimension_numbers,
                               transpose_kernel=transpose_kernel,
                               use_consistent_padding=use_consistent_padding)
    return fw.relayout(np.asarray(y, dtype=np.float64), out, "NCHW")


def run_flax(x, w, b, *, kernel_size, strides, padding, kernel_dilation=1,
             transpose_kernel=False):
    """flax.linen.ConvTranspose on NHWC, its kernel from PyTorch's weight."""
    nn = need("flax.linen")
    layer = nn.ConvTranspose(features=w.shape[1], kernel_size=tuple(kernel_size),
                             strides=strides, padding=padding, kernel_dilation=kernel_dilation,
                             use_bias=b is not None, transpose_kernel=transpose_kernel)
    params = {"kernel": fw.flax_kernel(w, transpose_kernel)}
    if b is not None:
        params["bias"] = b
    y = layer.apply({"params": params}, fw.relayout(x, "NCHW", "NHWC"))
    return fw.relayout(np.asarray(y, dtype=np.float64), "NHWC", "NCHW")


def onnx_model(x_shape, w_shape, with_bias: bool, attrs: dict):
    """A one-node ONNX model: ConvTranspose(x, w[, b]) with ``attrs``."""
    onnx = need("onnx")
    helper, T = onnx.helper, onnx.TensorProto
    inputs = [helper.make_tensor_value_info("x", T.FLOAT, list(x_shape)),
              helper.make_tensor_value_info("w", T.FLOAT, list(w_shape))]
    names = ["x", "w"]
    if with_bias:
        inputs.append(helper.make_tensor_value_info("b", T.FLOAT, [w_shape[1] *
                                                                   attrs.get("group", 1)]))
        names.append("b")
    node = helper.make_node("ConvTranspose", names, ["y"], **attrs)
    graph = helper.make_graph([node], "tconv", inputs,
                              [helper.make_tensor_value_info("y", T.FLOAT, [None] * 4)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    model.ir_version = 10
    onnx.checker.check_model(model)
    return model


def run_onnx(x, w, b, attrs: dict, runtime: str) -> np.ndarray:
    """ONNX ConvTranspose on onnxruntime ("ort") or onnx's ReferenceEvaluator ("reference")."""
    model = onnx_model(x.shape, w.shape, b is not None, attrs)
    feeds = {"x": x, "w": w} | ({"b": b} if b is not None else {})
    if runtime == "reference":
        evaluator = need("onnx.reference").ReferenceEvaluator(model)
        y = evaluator.run(None, feeds)[0]
    else:
        ort = need("onnxruntime")
        session = ort.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        y = session.run(None, feeds)[0]
    return np.asarray(y, dtype=np.float64)


# ---------------------------------------------------------------------------------------
# Reading a result
# ---------------------------------------------------------------------------------------


def full_output(x, w, stride, dilation, groups=1) -> np.ndarray:
    """tconv's full (padding=0) output, float64, no bias."""
    return tconv.conv_transpose2d(x.astype(np.float64), w.astype(np.float64), None, stride, 0,
                                  0, groups, dilation)


def measured_cuts(full, y, reach: int = 12) -> list:
    """Every cut (H, W) with ``crop_full_output(full, cut) == y`` (1e-5), reading y as a window.

    Searches every window of y's size up to ``reach`` cells of zeros beyond either end. With
    random data there is one, unless y is all zeros (a window inside the stride's gaps).
    """
    (fh, fw_), (nh, nw) = full.shape[2:], y.shape[2:]
    pad = reach
    z = np.pad(full, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    found = []
    for bh in range(-pad, fh + pad - nh + 1):
        for bw in range(-pad, fw_ + pad - nw + 1):
            window = z[:, :, pad + bh:pad + bh + nh, pad + bw:pad + bw + nw]
            if np.allclose(window, y, **TOL):
                found.append(((bh, fh - bh - nh), (bw, fw_ - bw - nw)))
    return found


def arrays(rng, c_in: int, c_out_g: int, groups: int, size, kernel, bias=True):
    """x (1, C_in, H, W), w (C_in, C_out/g, kH, kW), b (C_out,): float32 in [-1, 1)."""
    x = rng.uniform(-1, 1, (1, c_in, *size)).astype(np.float32)
    w = rng.uniform(-1, 1, (c_in, c_out_g, *kernel)).astype(np.float32)
    b = rng.uniform(-1, 1, c_out_g * groups).astype(np.float32) if bias else None
    return x, w, b


def expected(x, w, b, t: fw.Translation) -> np.ndarray:
    """What tconv says the layer gives, float64."""
    return fw.conv_transpose2d_translated(x.astype(np.float64), w.astype(np.float64),
                                          None if b is None else b.astype(np.float64),
                                          translation=t)


def check_layer(got, x, w, b, t: fw.Translation, size) -> None:
    """got equals tconv's translation: shape, values (1e-5), and the window it is of the full."""
    want = expected(x, w, b, t)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, **TOL)
    unbiased = got - (0 if b is None else b.astype(np.float64)[:, None, None])
    cuts = measured_cuts(full_output(x, w, t.stride, t.dilation, t.groups), unbiased)
    assert t.cut in cuts and (len(cuts) == 1 or not unbiased.any()), cuts
    assert fw.output_size(t, size) == got.shape[2:]


# ---------------------------------------------------------------------------------------
# Random settings
# ---------------------------------------------------------------------------------------


def rng_for(name: str, seed: int) -> np.random.Generator:
    """A generator fixed by the test's name and seed, so a failure can be re-run alone."""
    return np.random.default_rng([zlib.crc32(name.encode()), seed])


def pair_of(rng, lo: int, hi: int) -> tuple[int, int]:
    """Two independent integers in [lo, hi]: rectangular kernels, strides, ..."""
    return int(rng.integers(lo, hi + 1)), int(rng.integers(lo, hi + 1))


def random_torch_settings(rng, groups: bool = True, keras_rules: bool = False) -> dict:
    """A valid ConvTranspose2d setting plus sizes: kernel_size, stride, padding, ..., size."""
    while True:
        kernel = pair_of(rng, 1, 5)
        stride = pair_of(rng, 1, 4)
        dilation = pair_of(rng, 1, 3)
        if keras_rules and rng.random() < 0.7:
            dilation = (1, 1)
        if keras_rules and max(stride) > 1 and max(dilation) > 1:
            stride = (1, 1)
        padding = pair_of(rng, 0, 3)
        output_padding = tuple(int(rng.integers(0, max(s, d)))
                               for s, d in zip(stride, dilation, strict=True))
        size = pair_of(rng, 1, 7)
        g = int(rng.integers(1, 4)) if groups else 1
        t = fw.from_torch(kernel, stride, padding, output_padding, dilation, g)
        try:
            fw.output_size(t, size)
        except ValueError:
            continue  # the padding crops the whole output: draw again
        return dict(kernel_size=kernel, stride=stride, padding=padding,
                    output_padding=output_padding, dilation=dilation, groups=g, size=size,
                    c_in=g * int(rng.integers(1, 3)), c_out_g=int(rng.integers(1, 3)))
