"""Tiny neural networks built on tconv's operations: layers with forward and backward.

There is no autograd engine here. Every layer is a small object with two methods:

- ``forward(x)`` computes the output and keeps what the backward pass will need;
- ``backward(grad_output)`` receives dL/d(output), adds dL/d(parameter) into each
  parameter's ``.grad`` and returns dL/d(input) for the layer before it.

A network runs its layers' ``forward`` in order and their ``backward`` in reverse order, once
each per training step. The convolutions call :func:`tconv.conv2d`,
:func:`tconv.conv_transpose2d` and :func:`tconv.conv2d_backward`, so training a network here
exercises the same code the book explains. Layers take batched ``(N, C, H, W)`` arrays and use
PyTorch's names, argument order and initialisation, so the code transfers to ``torch.nn``.
NaN travels as it does there: a NaN input gives NaN outputs (ReLU keeps it) and a NaN loss at
once, rather than weights quietly spoilt while the loss still falls.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, as_int, as_real, as_tuple, check_ndim, check_size, quiet
from .conv import _landing, conv2d, conv_transpose2d
from .grad import conv2d_backward
from .shapes import check_output_padding
from .upsample import (
    _out_size,
    _scale,
    _scale_pair,
    pixel_shuffle,
    pixel_unshuffle,
    upsample_bilinear,
    upsample_nearest,
)

BATCH = "(N, C, H, W)"

# ---------------------------------------------------------------------------------------
# Parameters and modules
# ---------------------------------------------------------------------------------------


class Parameter:
    """A learnable array ``data`` and the gradient ``grad`` accumulated into it (same shape)."""

    def __init__(self, data):
        self.data = np.array(data)
        self.grad = np.zeros_like(self.data)

    def __repr__(self):
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """A layer or a network: ``forward`` then ``backward``, and the parameters it owns."""

    def __call__(self, *inputs):
        return self.forward(*inputs)

    def parameters(self) -> list[Parameter]:
        """Every Parameter of this module and of the modules it holds, in definition order."""
        found = []
        for value in vars(self).values():
            items = value if isinstance(value, (list, tuple)) else [value]
            for item in items:
                if isinstance(item, Parameter):
                    found.append(item)
                elif isinstance(item, Module):
                    found.extend(item.parameters())
        return found

    def zero_grad(self):
        """Set every parameter's gradient to zero (gradients add up until then)."""
        for p in self.parameters():
            p.grad[...] = 0

    def _saved(self, name: str):
        """What ``forward`` kept for ``backward``; a clear error if forward has not run."""
        value = getattr(self, name, None)
        if value is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return value


def _check_input(x, channels: int | None, layer: str) -> np.ndarray:
    """Check a layer's input is a numeric (N, C, H, W) batch with ``channels`` channels."""
    x = as_array(x, "input")
    check_ndim(x, "input", (4,), f"{BATCH} (a batch; use x[None] for one image)")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"input of {layer} must have {channels} channels, got shape {x.shape}")
    return x


def _check_grad(grad_output, shape: tuple, layer: str) -> np.ndarray:
    """Check ``grad_output`` has the shape of the layer's last output."""
    g = as_array(grad_output, "grad_output")
    if g.shape != shape:
        raise ValueError(f"grad_output of {layer} must have the shape of its output, {shape}, "
                         f"got {g.shape}")
    return g


# ---------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------


def _uniform(shape, fan_in: int, rng, dtype) -> np.ndarray:
    """PyTorch's default initialisation: uniform in ±1/sqrt(fan_in)."""
    check_size(np.atleast_1d(shape), np.float64, "the layer's weight", lambda: (
        f"its shape {shape} follows from in_channels, out_channels and kernel_size: use "
        f"smaller ones"))
    bound = 1 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(dtype)


class Conv2d(Module):
    """Convolution layer, ``torch.nn.Conv2d``: (N, C_in, H, W) -> (N, C_out, H_out, W_out)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, *, rng=None, dtype=np.float32):
        self.in_channels = as_int(in_channels, "in_channels", minimum=1)
        self.out_channels = as_int(out_channels, "out_channels", minimum=1)
        kernel_size = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
        self.stride = as_tuple(stride, "stride", 2, minimum=1)
        self.padding = _conv_padding(padding, self.stride)
        self.dilation = as_tuple(dilation, "dilation", 2, minimum=1)
        self.groups = _check_groups(groups, self.in_channels, self.out_channels)
        rng = np.random.default_rng(rng)
        fan_in = self.in_channels // self.groups * kernel_size[0] * kernel_size[1]
        shape = (self.out_channels, self.in_channels // self.groups, *kernel_size)
        self.weight = Parameter(_uniform(shape, fan_in, rng, dtype))
        self.bias = Parameter(_uniform(self.out_channels, fan_in, rng, dtype)) if bias else None

    @quiet
    def forward(self, x):
        self._x = _check_input(x, self.in_channels, "Conv2d")
        y = conv2d(self._x, self.weight.data, _data(self.bias), self.stride, self.padding,
                   self.dilation, self.groups)
        self._y_shape = y.shape
        return y

    @quiet
    def backward(self, grad_output):
        x = self._saved("_x")
        g = _check_grad(grad_output, self._y_shape, "Conv2d")
        grad_x, grad_w, grad_b = conv2d_backward(g, x, self.weight.data, self.stride,
                                                 self.padding, self.dilation, self.groups)
        self.weight.grad += grad_w
        if self.bias is not None:
            self.bias.grad += grad_b
        return grad_x


def _conv_padding(padding, stride):
    """Conv2d's padding: a pair, or "valid"/"same" ("same" with stride 1 only, as in PyTorch)."""
    if not isinstance(padding, str):
        return as_tuple(padding, "padding", 2, minimum=0)
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be an integer, a pair of integers, 'valid' or 'same', "
                         f"got {padding!r}")
    if padding == "same" and stride != (1, 1):
        raise ValueError(f"padding='same' needs stride 1, got stride {stride}")
    return padding


class ConvTranspose2d(Module):
    """Transposed convolution layer, ``torch.nn.ConvTranspose2d``: (N, C_in, H, W) -> (N, C_out, …).

    Its backward pass runs the convolution views of the book in the other direction: the
    gradient for the input is an ordinary convolution of ``grad_output`` with the same weight
    (the transpose of a transpose), and the gradient for the weight is that of a convolution
    whose input and output swap roles.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, *, rng=None,
                 dtype=np.float32):
        self.in_channels = as_int(in_channels, "in_channels", minimum=1)
        self.out_channels = as_int(out_channels, "out_channels", minimum=1)
        kernel_size = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
        self.stride = as_tuple(stride, "stride", 2, minimum=1)
        self.padding = as_tuple(padding, "padding", 2, minimum=0)
        self.dilation = as_tuple(dilation, "dilation", 2, minimum=1)
        self.output_padding = check_output_padding(output_padding, self.stride, self.dilation)
        self.groups = _check_groups(groups, self.in_channels, self.out_channels)
        rng = np.random.default_rng(rng)
        # PyTorch computes the fan-in of a transposed convolution from weight.shape[1]
        fan_in = self.out_channels // self.groups * kernel_size[0] * kernel_size[1]
        shape = (self.in_channels, self.out_channels // self.groups, *kernel_size)
        self.weight = Parameter(_uniform(shape, fan_in, rng, dtype))
        self.bias = Parameter(_uniform(self.out_channels, fan_in, rng, dtype)) if bias else None

    @quiet
    def forward(self, x):
        self._x = _check_input(x, self.in_channels, "ConvTranspose2d")
        y = conv_transpose2d(self._x, self.weight.data, _data(self.bias), self.stride,
                             self.padding, self.output_padding, self.groups, self.dilation)
        self._y_shape = y.shape
        return y

    @quiet
    def backward(self, grad_output):
        x = self._saved("_x")
        g = _check_grad(grad_output, self._y_shape, "ConvTranspose2d")
        w = self.weight.data
        settings = (self.stride, self.padding, self.dilation, self.groups)
        # dL/dx: convolve grad_output with the same weight. With
        # output_padding ≥ stride (allowed when dilation > stride) the
        # convolution has extra rows and columns at the bottom and right
        # that no input cell fed: crop them.
        H, W = x.shape[2:]
        grad_x = conv2d(g, w, None, *settings)[:, :, :H, :W]
        # dL/dw: every product x[n, ci, i, j] * w[ci, co, kh, kw] landed on
        # one output cell; its gradient is x times the grad_output found
        # there, summed over n, i, j
        self.weight.grad += conv_transpose2d_weight_grad(
            x, g, w.shape, self.stride, self.padding, self.output_padding,
            self.groups, self.dilation)
        if self.bias is not None:
            self.bias.grad += g.sum(axis=(0, 2, 3))
        return np.ascontiguousarray(grad_x)


def conv_transpose2d_weight_grad(input, grad_output, weight_shape, stride,
                                 padding, output_padding, groups,
                                 dilation) -> np.ndarray:
    """dL/dw of conv_transpose2d(x, w): x, dL/dy -> (C_in, C_out/g, kH, kW).

    The same numbers as ``conv2d_backward(x, dL/dy, w)[1]`` (a convolution
    with input and output swapped: y plays the input, x the output), without
    computing that call's unused input gradient. x is (N, C_in, H, W).
    Arguments are those of a :class:`ConvTranspose2d` layer, already checked.
    """
    x, g = input, grad_output
    N, C_in, H, W = x.shape
    _, C_out_g, kH, kW = weight_shape
    G, (Ho, Wo) = groups, g.shape[2:]
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    grad_w = np.zeros((C_in, C_out_g, kH, kW), np.result_type(x, g))
    for kh in range(kH):
        for kw in range(kW):
            # input cell (i, j) times kernel cell (kh, kw) landed on output
            # cell (i*sh + kh*dh - ph, j*sw + kw*dw - pw): the rows i, n_i
            # of them from i, whose cell is inside the output (not cropped)
            i, n_i, r = _landing(kh * dh - ph, sh, H, Ho)
            j, n_j, c = _landing(kw * dw - pw, sw, W, Wo)
            if not (n_i and n_j):
                continue  # every such product was cropped away
            cells = x[:, :, i:i + n_i, j:j + n_j]
            landed = g[:, :, r:r + sh * (n_i - 1) + 1:sh,
                       c:c + sw * (n_j - 1) + 1:sw]
            # one matrix product per group sums x * grad over the batch
            # and the input cells
            xg = cells.reshape(N, G, C_in // G, n_i * n_j)
            xg = xg.transpose(1, 2, 0, 3).reshape(G, C_in // G, N * n_i * n_j)
            gg = landed.reshape(N, G, C_out_g, n_i * n_j)
            gg = gg.transpose(1, 2, 0, 3).reshape(G, C_out_g, N * n_i * n_j)
            grad = np.matmul(xg, gg.swapaxes(1, 2))
            grad_w[:, :, kh, kw] = grad.reshape(C_in, C_out_g)
    return grad_w


class ReLU(Module):
    """``max(x, 0)`` elementwise, NaN kept (as in PyTorch); its gradient passes where the input
    was not ≤ 0: the positive cells, and NaN's."""

    @quiet
    def forward(self, x):
        x = as_array(x, "input")
        self._passes = ~(x <= 0)  # NaN compares False, so it passes, as in PyTorch
        return np.where(self._passes, x, 0).astype(x.dtype, copy=False)

    @quiet
    def backward(self, grad_output):
        passes = self._saved("_passes")
        g = _check_grad(grad_output, passes.shape, "ReLU")
        return np.where(passes, g, 0).astype(g.dtype, copy=False)


class Upsample(Module):
    """Fixed upsampling, ``torch.nn.Upsample`` (``"nearest"`` or ``"bilinear"``): no weights."""

    MODES = ("nearest", "bilinear")

    def __init__(self, scale_factor, mode="nearest"):
        self.scale = _scale_pair(scale_factor)  # ints for whole numbers (2 or 2.0), or floats
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        self.mode = mode

    @quiet
    def forward(self, x):
        x = _check_input(x, None, "Upsample")
        self._in_shape = x.shape
        if self.mode == "nearest":
            return upsample_nearest(x, self.scale)
        return upsample_bilinear(x, self.scale)

    @quiet
    def backward(self, grad_output):
        N, C, H, W = self._saved("_in_shape")
        sh, sw = self.scale
        g = _check_grad(grad_output, (N, C, _out_size(H, sh), _out_size(W, sw)), "Upsample")
        if self.mode == "nearest" and isinstance(sh, int) and isinstance(sw, int):
            # each input pixel was copied into an sh×sw block: its gradient is the block's sum
            return g.reshape(N, C, H, sh, W, sw).sum(axis=(3, 5))
        # y = A_h x A_w^T with fixed interpolation matrices, so dx = A_h^T g A_w
        A_h = interpolation_matrix(H, sh, self.mode).astype(g.dtype)
        A_w = interpolation_matrix(W, sw, self.mode).astype(g.dtype)
        return A_h.T @ g @ A_w


def interpolation_matrix(size, scale_factor, mode="bilinear") -> np.ndarray:
    """The matrix of 1-D upsampling (bilinear with align_corners=False, or nearest): (out, size).

    Built by upsampling the unit vectors with :func:`tconv.upsample_bilinear` or
    :func:`tconv.upsample_nearest`: column ``j`` is what the ``j``-th unit vector becomes, as
    for any linear map. ``out`` is size·scale, or floor(size·scale) for a fractional factor.
    """
    size = as_int(size, "size", minimum=1)
    scale = _scale(scale_factor, "scale_factor")
    if mode not in Upsample.MODES:
        raise ValueError(f"mode must be one of {Upsample.MODES}, got {mode!r}")
    check_size((size, max(size, _out_size(size, scale))), np.float64,
               "the interpolation matrix", lambda: (
                   f"it has size × size·scale_factor entries, size {size} and scale_factor "
                   f"{scale}: use smaller ones"))
    units = np.eye(size)[:, None, :, None]  # size images of shape (1, size, 1), one per column
    upsample = upsample_nearest if mode == "nearest" else upsample_bilinear
    return upsample(units, (scale, 1))[:, 0, :, 0].T


def bilinear_matrix(size, scale_factor) -> np.ndarray:
    """The matrix of 1-D bilinear upsampling (align_corners=False): (size·scale, size)."""
    return interpolation_matrix(size, scale_factor, "bilinear")


class PixelShuffle(Module):
    """Sub-pixel rearrangement, ``torch.nn.PixelShuffle``: (N, C·r², H, W) -> (N, C, H·r, W·r)."""

    def __init__(self, upscale_factor):
        self.r = as_int(upscale_factor, "upscale_factor", minimum=1)

    @quiet
    def forward(self, x):
        x = _check_input(x, None, "PixelShuffle")
        y = pixel_shuffle(x, self.r)
        self._y_shape = y.shape
        return y

    @quiet
    def backward(self, grad_output):
        shape = self._saved("_y_shape")
        # a permutation of the values: its gradient is the inverse permutation
        return pixel_unshuffle(_check_grad(grad_output, shape, "PixelShuffle"), self.r)


class Sequential(Module):
    """Layers run one after the other; backward runs them in reverse order."""

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"layer {i} must be a tconv.nn Module, got {type(layer).__name__}")
        self.layers = list(layers)

    @quiet
    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    @quiet
    def backward(self, grad_output):
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)


class Concat(Module):
    """Stack two batches along the channels, the skip connection of U-Net: -> (N, C1+C2, H, W)."""

    @quiet
    def forward(self, a, b):
        a = _check_input(a, None, "Concat")
        b = _check_input(b, None, "Concat")
        if a.shape[0] != b.shape[0] or a.shape[2:] != b.shape[2:]:
            raise ValueError(f"Concat inputs must share batch size and image size, got shapes "
                             f"{a.shape} and {b.shape}")
        self._split = a.shape[1]
        self._y_shape = (a.shape[0], a.shape[1] + b.shape[1], *a.shape[2:])
        return np.concatenate([a, b], axis=1)

    @quiet
    def backward(self, grad_output):
        """The gradient splits back along the channels: returns (grad_a, grad_b)."""
        split = self._saved("_split")
        g = _check_grad(grad_output, self._y_shape, "Concat")
        return g[:, :split], g[:, split:]


def _data(p: Parameter | None):
    """The array of an optional parameter."""
    return None if p is None else p.data


def _check_groups(groups, in_channels: int, out_channels: int) -> int:
    """groups must divide both channel counts."""
    groups = as_int(groups, "groups", minimum=1)
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"in_channels ({in_channels}) and out_channels ({out_channels}) must "
                         f"both be divisible by groups ({groups})")
    return groups


# ---------------------------------------------------------------------------------------
# Losses: forward(prediction, target) -> a number; backward() -> dL/d(prediction)
# ---------------------------------------------------------------------------------------


class MSELoss(Module):
    """Mean squared error over every element, ``torch.nn.MSELoss``."""

    @quiet
    def forward(self, prediction, target):
        p, t = as_array(prediction, "prediction"), as_array(target, "target")
        if p.shape != t.shape:
            raise ValueError(f"prediction and target must have the same shape, got {p.shape} "
                             f"and {t.shape}")
        self._diff = p - t
        return float(np.mean(self._diff**2))

    @quiet
    def backward(self):
        diff = self._saved("_diff")
        return 2 * diff / diff.size


class CrossEntropyLoss(Module):
    """Softmax cross-entropy per pixel, ``nn.CrossEntropyLoss``: (N, K, H, W).

    ``logits`` is (N, K, H, W); ``target`` holds class indices, shape
    (N, H, W); the loss is the mean over the pixels of
    ``-log softmax(logits)[target]``.
    """

    @quiet
    def forward(self, logits, target):
        z = as_array(logits, "logits")
        t = as_array(target, "target")
        check_ndim(z, "logits", (4,), "(N, K, H, W)")
        if not np.issubdtype(t.dtype, np.integer):
            raise TypeError(
                f"target must hold integer class indices, got dtype {t.dtype}"
            )
        K = z.shape[1]
        nhw = (z.shape[0], *z.shape[2:])
        if t.shape != nhw:
            raise ValueError(
                f"target must have shape (N, H, W) = {nhw} "
                f"for logits of shape {z.shape}, got {t.shape}"
            )
        if t.size and (t.min() < 0 or t.max() >= K):
            raise ValueError(
                f"target values must be class indices in [0, {K - 1}], "
                f"got values from {t.min()} to {t.max()}"
            )
        # one row of K scores per pixel
        z = np.moveaxis(z, 1, -1).reshape(-1, K)
        # the same softmax, without overflow
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        rows = np.arange(len(log_p))
        self._p, self._rows, self._t = np.exp(log_p), rows, t.ravel()
        self._shape = logits.shape
        return float(-log_p[rows, t.ravel()].mean())

    @quiet
    def backward(self):
        p = self._saved("_p")
        g = p.copy()
        # softmax minus the one-hot target, per pixel
        g[self._rows, self._t] -= 1
        g /= len(p)
        N, K, H, W = self._shape
        g = np.moveaxis(g.reshape(N, H, W, K), -1, 1)
        return np.ascontiguousarray(g)


# ---------------------------------------------------------------------------------------
# Optimisers: step() moves every parameter against its gradient
# ---------------------------------------------------------------------------------------


def _check_params(params) -> list[Parameter]:
    """A non-empty list of Parameters."""
    params = list(params)
    if not params:
        raise ValueError("params must hold at least one Parameter, got none")
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            raise TypeError(f"params[{i}] must be a tconv.nn.Parameter, got {type(p).__name__}")
    return params


def _check_positive(value, name: str) -> float:
    """A positive, finite real number."""
    value = as_real(value, name)
    if not 0 < value < np.inf:
        raise ValueError(f"{name} must be positive and finite, got {value}")
    return value


def _check_fraction(value, name: str) -> float:
    """A number in [0, 1)."""
    value = as_real(value, name)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


class SGD:
    """Stochastic gradient descent with momentum, PyTorch's form: v = μv + g, p -= lr·v."""

    def __init__(self, params, lr, momentum=0.0):
        self.params = _check_params(params)
        self.lr = _check_positive(lr, "lr")
        self.momentum = _check_fraction(momentum, "momentum")
        self.velocity = [np.zeros_like(p.data) for p in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad[...] = 0

    @quiet
    def step(self):
        for p, v in zip(self.params, self.velocity, strict=True):
            v *= self.momentum
            v += p.grad
            p.data -= self.lr * v


class Adam:
    """Adam (Kingma & Ba): steps scaled by running averages of the gradient and its square."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = _check_params(params)
        self.lr = _check_positive(lr, "lr")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair of numbers in [0, 1), got {betas!r}")
        self.betas = (_check_fraction(betas[0], "betas[0]"), _check_fraction(betas[1], "betas[1]"))
        self.eps = _check_positive(eps, "eps")
        self.m = [np.zeros_like(p.data) for p in self.params]  # running mean of the gradient
        self.v = [np.zeros_like(p.data) for p in self.params]  # ... and of its square
        self.t = 0

    def zero_grad(self):
        for p in self.params:
            p.grad[...] = 0

    @quiet
    def step(self):
        self.t += 1
        b1, b2 = self.betas
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            m *= b1
            m += (1 - b1) * p.grad
            v *= b2
            v += (1 - b2) * p.grad**2
            m_hat = m / (1 - b1**self.t)  # undo the bias towards the zero start
            v_hat = v / (1 - b2**self.t)
            p.data -= (self.lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(p.data.dtype)


# ---------------------------------------------------------------------------------------
# Initialisers
# ---------------------------------------------------------------------------------------


def kaiming_normal(layer, rng=None):
    """He initialisation for a layer followed by a ReLU: weight ~ N(0, 2/fan_in), bias 0.

    ``fan_in`` counts the products summed into one output value: ``C_in/groups·kH·kW`` for a
    :class:`Conv2d`, and ``C_in/groups·kH·kW/(sH·sW)`` on average for a
    :class:`ConvTranspose2d`, whose kernel copies overlap about ``kH·kW/(sH·sW)`` times. The
    variance 2/fan_in keeps the size of the activations steady through a stack of ReLU
    layers (He et al. 2015). Changes ``layer`` in place and returns it.
    """
    if not isinstance(layer, (Conv2d, ConvTranspose2d)):
        raise TypeError(f"layer must be a Conv2d or ConvTranspose2d, got {type(layer).__name__}")
    rng = np.random.default_rng(rng)
    w = layer.weight.data
    kH, kW = w.shape[2:]
    fan_in = layer.in_channels // layer.groups * kH * kW
    if isinstance(layer, ConvTranspose2d):
        fan_in = max(fan_in / (layer.stride[0] * layer.stride[1]), 1.0)
    w[...] = rng.normal(0.0, np.sqrt(2 / fan_in), w.shape)
    if layer.bias is not None:
        layer.bias.data[...] = 0
    return layer


def _square_kernel_size(kernel_size) -> int:
    """A positive int whose k×k kernel fits in memory."""
    k = as_int(kernel_size, "kernel_size", minimum=1)
    check_size((k, k), np.float64, "the kernel", "it is kernel_size × kernel_size: use a "
               "smaller kernel_size")
    return k


def bilinear_kernel(kernel_size) -> np.ndarray:
    """The kernel that makes a transposed conv upsample bilinearly: (k, k).

    With ``stride = s``, ``kernel_size = 2s`` and ``padding = s // 2``
    (even ``s``), a transposed convolution with this kernel equals bilinear
    upsampling by ``s`` away from the border: a tent ``1 - |distance| / s``
    in each direction (the FCN initialisation).
    """
    k = _square_kernel_size(kernel_size)
    factor = (k + 1) // 2
    centre = factor - 1 if k % 2 == 1 else factor - 0.5
    tent = 1 - np.abs(np.arange(k) - centre) / factor
    return np.outer(tent, tent)


def bilinear_weight(channels, kernel_size) -> np.ndarray:
    """ConvTranspose2d weight that upsamples each channel bilinearly on its own: (C, C, k, k)."""
    c = as_int(channels, "channels", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    check_size((c, c, k, k), np.float64, "the weight", lambda: (
        f"it has channels² × kernel_size² entries ({c}² × {k}²): use smaller ones"))
    w = np.zeros((c, c, k, k))
    w[np.arange(c), np.arange(c)] = bilinear_kernel(k)  # channel i feeds channel i only
    return w


def icnr(weight, upscale_factor) -> np.ndarray:
    """ICNR (Aitken et al.), r² phases start equal: (C·r², C_in, k, k).

    Each group of r² output channels that ``pixel_shuffle`` spreads over one
    r×r cell gets the same kernel (the group's first), so at the start the
    layer equals a convolution followed by nearest-neighbour upsampling: no
    checkerboard.
    """
    w = as_array(weight, "weight")
    check_ndim(w, "weight", (4,), "(C_out, C_in, kH, kW)")
    r = as_int(upscale_factor, "upscale_factor", minimum=1)
    if w.shape[0] % (r * r):
        raise ValueError(
            f"weight's output channels ({w.shape[0]}) must be divisible by "
            f"upscale_factor² ({r}² = {r * r})"
        )
    return np.repeat(w[:: r * r], r * r, axis=0)


def subpixel_as_transposed(weight, upscale_factor) -> np.ndarray:
    """Transposed-conv kernel of a sub-pixel conv: -> (C_in, C, r·kH, r·kW).

    ``weight`` (C·r², C_in, kH, kW) is a convolution followed by
    ``pixel_shuffle(·, r)``. The same map is one transposed convolution with
    stride r, this kernel and padding ``r·(k - 1 - p)`` (p the convolution's
    padding): ``pixel_shuffle(conv2d(x, w, padding=p), r) ==
    conv_transpose2d(x, K, stride=r, padding=r*(k-1-p))``. Output phase
    (a, b) of the shuffle reads kernel cells ``a + r·i, b + r·j``, with the
    small kernel turned by 180°.
    """
    w = as_array(weight, "weight")
    check_ndim(w, "weight", (4,), "(C·r², C_in, kH, kW)")
    r = as_int(upscale_factor, "upscale_factor", minimum=1)
    if w.shape[0] % (r * r):
        raise ValueError(
            f"weight's output channels ({w.shape[0]}) must be divisible by "
            f"upscale_factor² ({r}² = {r * r})"
        )
    C, (C_in, kH, kW) = w.shape[0] // (r * r), w.shape[1:]
    # axes (c, a, b, ci, i, j), the small kernel turned by 180°
    phases = w.reshape(C, r, r, C_in, kH, kW)[..., ::-1, ::-1]
    phases = phases.transpose(3, 0, 4, 1, 5, 2)
    return phases.reshape(C_in, C, kH * r, kW * r)


# ---------------------------------------------------------------------------------------
# A tiny encoder–decoder for segmentation, with a choice of decoder
# ---------------------------------------------------------------------------------------


class SegmentationNet(Module):
    """Encoder–decoder for per-pixel classes: (N, C_in, H, W) -> (N, K, H, W).

    The encoder halves the resolution twice with strided convolutions
    (H -> H/2 -> H/4) and scores every class at H/4 with a 1×1 convolution.
    The decoder brings the scores back to H×W; ``decoder`` picks how (the
    designs of FCN, Long et al. 2015):

    - ``"nearest"`` / ``"bilinear"``: fixed upsampling by 4, nothing to
      learn;
    - ``"transposed"``: a learned transposed convolution (kernel 8,
      stride 4), initialised to bilinear upsampling of each class's scores;
    - ``"skip"``: two learned ×2 transposed convolutions (kernel 4,
      stride 2, initialised bilinear); after each, the scores are
      concatenated with the encoder's features of the same resolution and
      a 1×1 convolution mixes them back into K scores. It starts as
      bilinear upsampling of the scores (the features' weights start at
      zero) and learns how much of the sharper, earlier features to use.

    Layers followed by a ReLU start from :func:`kaiming_normal`. H and W
    must be divisible by 4.
    """

    DECODERS = ("nearest", "bilinear", "transposed", "skip")

    def __init__(self, decoder, in_channels=1, num_classes=4, width=8, *,
                 rng=None, dtype=np.float32):
        if decoder not in self.DECODERS:
            raise ValueError(
                f"decoder must be one of {self.DECODERS}, got {decoder!r}"
            )
        self.decoder = decoder
        c = as_int(width, "width", minimum=1)
        K = as_int(num_classes, "num_classes", minimum=1)
        rng = np.random.default_rng(rng)
        kw = {"rng": rng, "dtype": dtype}
        self.enc1 = Sequential(
            Conv2d(in_channels, c, 3, padding=1, **kw), ReLU())
        self.enc2 = Sequential(
            Conv2d(c, 2 * c, 3, stride=2, padding=1, **kw), ReLU())
        self.enc3 = Sequential(
            Conv2d(2 * c, 4 * c, 3, stride=2, padding=1, **kw), ReLU(),
            Conv2d(4 * c, 4 * c, 3, padding=1, **kw), ReLU())
        relu_fed = (self.enc1[0], self.enc2[0], self.enc3[0], self.enc3[2])
        for layer in relu_fed:
            kaiming_normal(layer, rng)
        # class scores at a quarter of the resolution
        self.score = Conv2d(4 * c, K, 1, **kw)
        if decoder in ("nearest", "bilinear"):
            self.up = Upsample(4, decoder)
        elif decoder == "transposed":
            self.up = ConvTranspose2d(K, K, 8, stride=4, padding=2,
                                      bias=False, **kw)
            self.up.weight.data[...] = bilinear_weight(K, 8)
        else:
            self.up2 = ConvTranspose2d(K, K, 4, stride=2, padding=1,
                                       bias=False, **kw)
            self.up1 = ConvTranspose2d(K, K, 4, stride=2, padding=1,
                                       bias=False, **kw)
            self.cat2, self.cat1 = Concat(), Concat()
            self.mix2 = Conv2d(K + 2 * c, K, 1, **kw)
            self.mix1 = Conv2d(K + c, K, 1, **kw)
            for up, mix in ((self.up2, self.mix2), (self.up1, self.mix1)):
                up.weight.data[...] = bilinear_weight(K, 4)
                # pass the scores through, ignore the features ...
                mix.weight.data[...] = 0
                mix.weight.data[np.arange(K), np.arange(K)] = 1
                # ... until training finds them useful
                mix.bias.data[...] = 0

    @quiet
    def forward(self, x):
        x = _check_input(x, self.enc1[0].in_channels, "SegmentationNet")
        if x.shape[2] % 4 or x.shape[3] % 4:
            raise ValueError(
                "input height and width must be divisible by 4, "
                f"got {x.shape}"
            )
        e1 = self.enc1.forward(x)  # (N, c, H, W)
        e2 = self.enc2.forward(e1)  # (N, 2c, H/2, W/2)
        # (N, K, H/4, W/4)
        scores = self.score.forward(self.enc3.forward(e2))
        if self.decoder != "skip":
            return self.up.forward(scores)
        up2 = self.up2.forward(scores)  # H/2
        s2 = self.mix2.forward(self.cat2.forward(up2, e2))
        up1 = self.up1.forward(s2)  # H
        return self.mix1.forward(self.cat1.forward(up1, e1))

    @quiet
    def backward(self, grad_output):
        if self.decoder != "skip":
            g = self.score.backward(self.up.backward(grad_output))
            g = self.enc2.backward(self.enc3.backward(g))
            return self.enc1.backward(g)
        g, g_e1 = self.cat1.backward(self.mix1.backward(grad_output))
        g, g_e2 = self.cat2.backward(self.mix2.backward(self.up1.backward(g)))
        g = self.enc3.backward(self.score.backward(self.up2.backward(g)))
        # e2 fed two paths: their gradients add up
        g = self.enc2.backward(g + g_e2)
        return self.enc1.backward(g + g_e1)


# ---------------------------------------------------------------------------------------
# Measuring segmentations (PSNR for images is in tconv.metrics)
# ---------------------------------------------------------------------------------------


def iou_per_class(prediction, target, num_classes) -> np.ndarray:
    """IoU of each class's pixels: (num_classes,), nan where it is absent.

    ``prediction`` and ``target`` are label maps of the same shape.
    """
    p, t = as_array(prediction, "prediction"), as_array(target, "target")
    k = as_int(num_classes, "num_classes", minimum=1)
    if p.shape != t.shape:
        raise ValueError(
            "prediction and target must have the same shape, "
            f"got {p.shape} and {t.shape}"
        )
    if k > 2**16:  # one pass over the maps per class
        raise ValueError(f"num_classes must be at most 65536, got {k}")
    iou = np.full(k, np.nan)
    for c in range(k):
        union = np.sum((p == c) | (t == c))
        if union:
            iou[c] = np.sum((p == c) & (t == c)) / union
    return iou


def mean_iou(prediction, target, num_classes) -> float:
    """Mean of :func:`iou_per_class` over the classes present in either map."""
    return float(np.nanmean(iou_per_class(prediction, target, num_classes)))
