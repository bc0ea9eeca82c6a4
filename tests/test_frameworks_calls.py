"""tconv.frameworks.same_layer_calls: PyTorch's settings as each framework's call, as text.

The texts are the output-size calculator's "same layer in ..." view (player.js writes the same
strings; tests/test_browser_players.py compares them) and the cells of the "in practice"
chapter's translation table. Here: the cases of issue #22, that every text says what the
translation functions say, and the rules of the frameworks that refuse a layer.
"""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest
from tconv import frameworks as fw


def test_kernel_3_stride_2_padding_1_output_padding_1_needs_a_crop_in_keras_and_pairs_in_jax():
    calls = fw.same_layer_calls(3, 2, 1, 1)
    assert list(calls) == list(fw.FRAMEWORKS)
    assert calls["PyTorch"].code == (
        "nn.ConvTranspose2d(C_in, C_out, 3, stride=2, padding=1, output_padding=1)")
    assert calls["Keras"].code == ('layers.Conv2DTranspose(C_out, 3, strides=2, padding="valid")\n'
                                   "layers.Cropping2D(((1, 0), (1, 0)))")
    assert calls["JAX"].code == ('lax.conv_transpose(x, w, strides=(2, 2), padding=((1, 2), '
                                 '(1, 2)), dimension_numbers=("NCHW", "IOHW", "NCHW"))')
    assert calls["Flax"].code == "nn.ConvTranspose(C_out, (3, 3), strides=(2, 2), " \
                                 "padding=((1, 2), (1, 2)))"
    assert calls["ONNX"].code == ("ConvTranspose(kernel_shape=[3, 3], strides=[2, 2], "
                                  "pads=[1, 1, 1, 1], output_padding=[1, 1])")
    assert "flipped" in calls["JAX"].note and "transpose_kernel=True" in calls["JAX"].note


def test_kernel_4_stride_2_padding_1_is_keras_same():
    calls = fw.same_layer_calls(4, 2, 1)
    assert calls["Keras"].code == 'layers.Conv2DTranspose(C_out, 4, strides=2, padding="same")'
    assert 'padding="SAME"' in calls["JAX"].code and 'padding="SAME"' in calls["Flax"].code
    assert calls["PyTorch"].code == "nn.ConvTranspose2d(C_in, C_out, 4, stride=2, padding=1)"


def test_valid_is_padding_0_everywhere():
    calls = fw.same_layer_calls(3, 2)
    assert 'padding="valid"' in calls["Keras"].code and "Cropping2D" not in calls["Keras"].code
    assert 'padding="VALID"' in calls["JAX"].code and 'padding="VALID"' in calls["Flax"].code
    assert "pads=[0, 0, 0, 0]" in calls["ONNX"].code
    assert calls["PyTorch"].code == "nn.ConvTranspose2d(C_in, C_out, 3, stride=2)"


def test_a_framework_that_cannot_write_the_layer_gets_its_rule_not_a_call():
    calls = fw.same_layer_calls(3, 2, 1, 1, dilation=2)
    with pytest.raises(ValueError) as keras:
        fw.to_keras(fw.from_torch(3, 2, 1, 1, 2))
    assert calls["Keras"] == fw.CallText("", str(keras.value))
    assert "does not allow strides > 1 with dilation_rate > 1" in calls["Keras"].note
    assert "rhs_dilation=(2, 2)" in calls["JAX"].code and "dilations=[2, 2]" in calls["ONNX"].code
    # output_padding 1 at stride 1 (allowed by dilation 2): Keras and onnxruntime refuse it
    calls = fw.same_layer_calls(3, 1, 0, 1, dilation=2)
    assert calls["Keras"].code == "" and calls["ONNX"].code == ""
    assert calls["Keras"].note.startswith("Keras cannot add 1 zero cells at the end along H")
    assert calls["ONNX"].note.startswith("ONNX (onnxruntime) cannot add 1 zero cells")
    assert calls["JAX"].code and calls["PyTorch"].code.endswith("output_padding=1, dilation=2)")


def test_settings_pytorch_refuses_raise_its_error():
    with pytest.raises(ValueError, match="output_padding"):
        fw.same_layer_calls(3, 2, 1, 2)
    with pytest.raises(ValueError, match="padding"):
        fw.same_layer_calls(3, 2, -1)
    with pytest.raises(TypeError, match="kernel_size"):
        fw.same_layer_calls(2.5)


def _arguments(code: str) -> tuple[list, dict]:
    """The positional (as source) and keyword (as values) arguments of one call's source."""
    call = ast.parse(code).body[0].value
    return ([ast.unparse(a) for a in call.args],
            {k.arg: ast.literal_eval(k.value) for k in call.keywords})


def _settings(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    while n:
        k, s, d = (int(v) for v in rng.integers(1, 5, 3))
        p, a = int(rng.integers(0, 4)), int(rng.integers(0, max(s, d)))
        n -= 1
        yield k, s, p, a, d


@pytest.mark.parametrize("settings", list(_settings(200)), ids=str)
def test_every_call_is_the_translation_it_writes(settings):
    k, s, p, a, d = settings
    t = fw.from_torch(k, s, p, a, d)
    calls = fw.same_layer_calls(k, s, p, a, d)
    args, kw = _arguments(calls["PyTorch"].code)
    assert args == ["C_in", "C_out", str(k)]
    assert fw.from_torch(k, kw.get("stride", 1), kw.get("padding", 0),
                         kw.get("output_padding", 0), kw.get("dilation", 1)) == t
    args, kw = _arguments(calls["JAX"].code)
    assert args == ["x", "w"] and kw.pop("dimension_numbers") == ("NCHW", "IOHW", "NCHW")
    assert fw.jax_cut(k, kw["strides"], kw["padding"], kw.get("rhs_dilation")) == t.cut
    args, kw = _arguments(calls["Flax"].code)
    assert fw.flax_cut(ast.literal_eval(args[1]), kw.get("strides", 1), kw["padding"],
                       kw.get("kernel_dilation", 1)) == t.cut
    if calls["ONNX"].code:
        _, kw = _arguments(calls["ONNX"].code)
        assert fw.from_onnx(**kw) == t
    else:
        with pytest.raises(ValueError, match=re.escape(calls["ONNX"].note)):
            fw.to_onnx(t)
    if not calls["Keras"].code:
        with pytest.raises(ValueError, match=re.escape(calls["Keras"].note)):
            fw.to_keras(t)
        return
    layer, *crop = calls["Keras"].code.split("\n")
    args, kw = _arguments(layer)
    cut = fw.keras_cut(int(args[1]), kw.get("strides", 1), kw["padding"],
                       kw.get("output_padding"), kw.get("dilation_rate", 1))
    if crop:
        (cropping,), _ = _arguments(crop[0])
        cut = tuple(fw.Cut(b + cb, e + ce)
                    for (b, e), (cb, ce) in zip(cut, ast.literal_eval(cropping), strict=True))
    assert cut == t.cut


def test_py_text_writes_python_source():
    assert fw.py_text((2, 2)) == "2" and fw.py_text((2, 2), False) == "(2, 2)"
    assert fw.py_text([1, 0, 1, 0]) == "[1, 0, 1, 0]" and fw.py_text("same") == '"same"'
    assert fw.py_text(((1, 2), (1, 2))) == "((1, 2), (1, 2))"


def test_the_calculators_words_are_listed_for_translation():
    # every message player.js passes to tw(...) is in a Python list of its words, and the
    # notes it writes are tconv.frameworks.CALL_NOTES
    from tconv.show import player
    from test_player import module_messages

    said = set(module_messages(player.module_text()))
    assert set(player.FRAMEWORK_WORDS) <= said and set(player.FRAMEWORK_WORDS) <= set(
        player.MODULE_WORDS)
    assert set(fw.CALL_NOTES.values()) <= set(player.FRAMEWORK_WORDS)
    for rule in [c.note for c in fw.same_layer_calls(3, 1, 0, 1, 2).values() if not c.code]:
        assert any(re.fullmatch(re.sub(r"\\\{\w+\\\}", ".+", re.escape(w)), rule)
                   for w in player.FRAMEWORK_WORDS), rule
