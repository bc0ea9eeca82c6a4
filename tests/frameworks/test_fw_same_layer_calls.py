"""The output-size calculator's "same layer in ..." texts, executed in the frameworks they name.

``tconv.frameworks.same_layer_calls`` writes PyTorch's settings as a call per framework, and a
note saying what its weight is (the first clause of the note is code too). Here each text is
run as it is printed: evaluated with the framework's module under the name the text uses
(``nn``, ``layers``, ``lax``), the weight made by the note's own expression from PyTorch's
weight, and the output compared with tconv's ``conv_transpose2d`` for the PyTorch settings.
"""

from __future__ import annotations

import numpy as np
import pytest
import tconv
from framework_runners import (  # release_compiled_code: an autouse fixture
    TOL,
    keras,
    need,
    need_all,
    release_compiled_code,  # noqa: F401
    run_onnx,
)
from tconv import frameworks as fw

torch, jax = need_all()

C_IN, C_OUT, SIZE = 2, 3, 5
SETTINGS = [(3, 2, 1, 1, 1), (4, 2, 1, 0, 1), (3, 2, 1, 0, 1), (3, 1, 1, 0, 1), (2, 2, 0, 0, 1),
            (5, 3, 2, 2, 1), (3, 1, 2, 0, 2), (2, 1, 0, 2, 3), (3, 2, 1, 1, 2), (4, 3, 0, 1, 1)]


def _data(k, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (1, C_IN, SIZE, SIZE)).astype(np.float32)
    weight = rng.uniform(-1, 1, (C_IN, C_OUT, k, k)).astype(np.float32)
    return x, weight


def _made(note: str, weight) -> np.ndarray:
    """The note's first clause ("kernel = weight...", "w = weight..."): its value."""
    name, expression = note.split(";")[0].split(", flipped")[0].split(" = ")
    return np.ascontiguousarray(eval(expression, {"weight": weight}), dtype=np.float32)


@pytest.mark.parametrize("settings", SETTINGS, ids=str)
def test_each_printed_call_runs_and_gives_pytorchs_layer(settings):
    k, s, p, a, d = settings
    x, weight = _data(k)
    want = tconv.conv_transpose2d(x.astype(np.float64), weight.astype(np.float64), None, s, p,
                                  a, 1, d)
    calls = fw.same_layer_calls(k, s, p, a, d)
    got = {}

    code = calls["PyTorch"].code
    layer = eval(code, {"nn": torch.nn, "C_in": C_IN, "C_out": C_OUT})
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight))
        layer.bias.zero_()
        got["PyTorch"] = layer(torch.from_numpy(x)).numpy()

    if calls["Keras"].code:
        layers = keras().layers
        y = fw.relayout(x, "NCHW", "NHWC")
        for i, line in enumerate(calls["Keras"].code.splitlines()):
            layer = eval(line, {"layers": layers, "C_out": C_OUT})
            layer.build(y.shape)
            if i == 0:
                layer.set_weights([_made(calls["Keras"].note, weight), np.zeros(C_OUT, "f4")])
            y = np.asarray(layer(y))
        got["Keras"] = fw.relayout(y, "NHWC", "NCHW")

    code = calls["JAX"].code
    got["JAX"] = np.asarray(eval(code, {"lax": jax.lax, "x": x,
                                        "w": _made(calls["JAX"].note, weight)}))
    # the note's other way: PyTorch's weight as it is, read as "OIHW", with transpose_kernel
    assert calls["JAX"].note.endswith('or w = weight with "OIHW" and transpose_kernel=True')
    other = code.replace('"IOHW"', '"OIHW"')[:-1] + ", transpose_kernel=True)"
    got["JAX, transpose_kernel"] = np.asarray(eval(other, {"lax": jax.lax, "x": x, "w": weight}))

    flax = need("flax.linen")
    module = eval(calls["Flax"].code, {"nn": flax, "C_out": C_OUT})
    y = module.apply({"params": {"kernel": _made(calls["Flax"].note, weight),
                                 "bias": np.zeros(C_OUT, "f4")}}, fw.relayout(x, "NCHW", "NHWC"))
    got["Flax"] = fw.relayout(np.asarray(y), "NHWC", "NCHW")

    if calls["ONNX"].code:
        attrs = eval(calls["ONNX"].code, {"ConvTranspose": dict})
        assert calls["ONNX"].note.startswith("W = weight as it is")
        got["ONNX"] = run_onnx(x, weight, None, attrs, "ort")

    assert set(got) >= {"PyTorch", "JAX", "Flax"}
    for name, y in got.items():
        assert y.shape == want.shape, name
        np.testing.assert_allclose(np.asarray(y, dtype=np.float64), want, **TOL, err_msg=name)
    refused = {name for name, c in calls.items() if not c.code}
    assert refused == ({"Keras"} if (s > 1 and d > 1) else set()) | (
        {"Keras", "ONNX"} if a >= s else set())
