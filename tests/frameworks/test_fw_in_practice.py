"""The closing chapter's framework tables, run on the real frameworks.

"In practice" shows, computed by ``tconv.book.in_practice`` from ``tconv.frameworks``, which
window of the full output each framework's call keeps (k = 3, s = 2 on a 4×4 input) and the
Keras, JAX and ONNX calls for the chapter's PyTorch layers. Here each of those calls is run on
the framework it names: the window is measured by search, and each translated call must give
PyTorch's numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from framework_runners import (  # release_compiled_code: an autouse fixture
    TOL,
    full_output,
    measured_cuts,
    need,
    need_all,
    release_compiled_code,  # noqa: F401
    run_flax,
    run_jax,
    run_keras,
    run_onnx,
    run_torch,
)
from tconv import frameworks as fw
from tconv.book import in_practice

torch, jax = need_all()

SIZE, K, S = 4, 3, 2
ONNX = {"kernel_shape": [K, K], "strides": [S, S]}
# each row of the chapter's window table, as the real call it names
CALLS = {
    "PyTorch p=1, a=1": lambda x, w: run_torch(x, w, stride=S, padding=1, output_padding=1),
    "PyTorch p=1": lambda x, w: run_torch(x, w, stride=S, padding=1),
    "PyTorch p=0": lambda x, w: run_torch(x, w, stride=S),
    'Keras "same"': lambda x, w: run_keras(x, w, None, kernel_size=K, strides=S, padding="same"),
    'Keras "valid"': lambda x, w: run_keras(x, w, None, kernel_size=K, strides=S,
                                            padding="valid"),
    'JAX "SAME"': lambda x, w: run_jax(x, w, strides=(S, S), padding="SAME"),
    "Flax": lambda x, w: run_flax(x, w, None, kernel_size=(K, K), strides=(S, S),
                                  padding=need("flax.linen").ConvTranspose.padding),
    "ONNX SAME_UPPER": lambda x, w: run_onnx(x, w, None, ONNX | {"auto_pad": "SAME_UPPER"},
                                             "ort"),
    "ONNX SAME_LOWER": lambda x, w: run_onnx(x, w, None, ONNX | {"auto_pad": "SAME_LOWER"},
                                             "ort"),
    "ONNX output_shape": lambda x, w: run_onnx(x, w, None,
                                               ONNX | {"output_shape": [SIZE * S, SIZE * S]},
                                               "ort"),
}


def _data(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (1, 2, SIZE, SIZE)).astype(np.float32)
    w = rng.uniform(-1, 1, (2, 3, K, K)).astype(np.float32)
    return x, w


def test_flax_default_padding_is_same():
    assert need("flax.linen").ConvTranspose.padding == "SAME"


@pytest.mark.parametrize("row", in_practice.window_rows(SIZE, K, S), ids=lambda r: r.short)
def test_window_table_rows_are_what_the_frameworks_keep(row):
    x, w = _data(0)
    y = CALLS[row.short](x, w)
    cuts = measured_cuts(full_output(x, w, (S, S), (1, 1)), y)
    kept = ((row.kept.start, row.kept.full - row.kept.stop),) * 2
    assert cuts == [kept]
    assert y.shape[2:] == (row.out, row.out)


@pytest.mark.parametrize("layer", [(4, 2, 1, 0), (2, 2, 0, 0), (3, 2, 1, 1), (3, 2, 1, 0),
                                   (3, 1, 1, 0)], ids=str)
def test_translation_table_calls_give_pytorchs_numbers(layer):
    k, s, p, a = layer
    assert any(row[0] == f"`{fw.same_layer_calls(k, s, p, a)['PyTorch'].code}`"
               for row in in_practice.translation_rows())
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (1, 2, 5, 5)).astype(np.float32)
    w = rng.uniform(-1, 1, (2, 3, k, k)).astype(np.float32)
    want = run_torch(x, w, stride=s, padding=p, output_padding=a)
    t = fw.from_torch(k, s, p, a)
    keras_call, jax_call, onnx_call = fw.to_keras(t), fw.to_jax(t), fw.to_onnx(t)
    got = {
        "keras": run_keras(x, w, None, cropping=keras_call.crop, **keras_call.kwargs),
        "jax": run_jax(x, w, strides=jax_call.kwargs["strides"],
                       padding=jax_call.kwargs["padding"],
                       rhs_dilation=jax_call.kwargs["rhs_dilation"]),
        "onnx": run_onnx(x, w, None, onnx_call.kwargs, "ort"),
    }
    for name, y in got.items():
        assert y.shape == want.shape, name
        np.testing.assert_allclose(y, want, **TOL, err_msg=name)


def test_grouped_layer_as_separate_layers_in_keras():
    # the chapter's port of groups to Keras: one Conv2DTranspose per group, concatenated
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (1, 4, 3, 3)).astype(np.float32)
    w = rng.uniform(-1, 1, (4, 3, 4, 4)).astype(np.float32)
    want = run_torch(x, w, stride=2, padding=1, groups=2)
    call = fw.to_keras(fw.from_torch(4, 2, 1))
    parts = [run_keras(x[:, 2 * j:2 * j + 2], w[2 * j:2 * j + 2], None, cropping=call.crop,
                       **call.kwargs) for j in range(2)]
    np.testing.assert_allclose(np.concatenate(parts, axis=1), want, **TOL)
    np.testing.assert_allclose(in_practice.grouped_as_separate(x, w, 2, stride=2, padding=1),
                               want, **TOL)
