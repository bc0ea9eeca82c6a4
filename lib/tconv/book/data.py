"""The data sets several chapters share: photographs, image patches and a shapes data set.

Nothing here is downloaded. The photographs come from the sample data that matplotlib ships
(``matplotlib.cbook.get_sample_data``), and the segmentation data set is drawn by numpy from a
seed. Pictures are float32 grey levels in ``[0, 1]``; batches are NCHW; label maps are int64
``(N, H, W)``.

- :func:`sample_image` loads one of the shipped pictures as a grey-level image;
- :func:`random_patches` cuts a batch of square patches from it;
- :func:`downsample_box` makes the low-resolution input of super-resolution (each output pixel
  the mean of an ``s×s`` block, a strided convolution with a constant kernel);
- :func:`shapes_dataset` draws noisy images of discs, squares and triangles whose class is
  their grey level, with a per-pixel label map (:func:`shape_mask` draws one shape).

May import: the operations (:mod:`tconv`), numpy, and matplotlib for its sample data.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_array, as_int, check_ndim
from ..conv import conv2d
from ..show.text import N_

# ---------------------------------------------------------------------------------------
# Pictures that ship with matplotlib
# ---------------------------------------------------------------------------------------

SAMPLE_IMAGES = ("grace_hopper", "mri", "gift")


def sample_image(name: str) -> np.ndarray:
    """A picture shipped with matplotlib as grey levels in [0, 1]: float32 (H, W).

    ``"grace_hopper"``: the portrait of Grace Hopper (600×512); ``"mri"``: a sagittal MRI
    slice of a head (256×256); ``"gift"``: a clip-art gift box (128×128) on white.
    """
    import matplotlib.pyplot as plt
    from matplotlib.cbook import get_sample_data

    if not isinstance(name, str):
        raise TypeError(f"name must be a string, one of {SAMPLE_IMAGES}, got {name!r}")
    if name == "grace_hopper":
        rgb = plt.imread(get_sample_data("grace_hopper.jpg")).astype(np.float64) / 255
    elif name == "mri":
        with get_sample_data("s1045.ima.gz") as f:  # 256×256 big-endian 16-bit integers
            raw = np.frombuffer(f.read(), dtype=">u2").reshape(256, 256).astype(np.float64)
        return (raw / raw.max()).astype(np.float32)
    elif name == "gift":
        rgba = plt.imread(get_sample_data("Minduka_Present_Blue_Pack.png")).astype(np.float64)
        alpha = rgba[..., 3:]
        rgb = rgba[..., :3] * alpha + (1 - alpha)  # composite on white
    else:
        raise ValueError(f"name must be one of {SAMPLE_IMAGES}, got {name!r}")
    # luma with the ITU-R BT.601 weights, the usual grey level of a colour photograph
    grey = rgb @ np.array([0.299, 0.587, 0.114])
    return np.clip(grey, 0, 1).astype(np.float32)


def random_patches(image, size, n, rng=None) -> np.ndarray:
    """``n`` random ``size×size`` patches of a 2-D ``image``: (H, W) -> (n, 1, size, size)."""
    image = as_array(image, "image")
    check_ndim(image, "image", (2,), "(H, W)")
    size = as_int(size, "size", minimum=1)
    n = as_int(n, "n", minimum=1)
    H, W = image.shape
    if size > min(H, W):
        raise ValueError(f"size ({size}) must fit in the image, shape {image.shape}")
    rng = np.random.default_rng(rng)
    top = rng.integers(0, H - size + 1, n)
    left = rng.integers(0, W - size + 1, n)
    rows = top[:, None] + np.arange(size)  # (n, size)
    cols = left[:, None] + np.arange(size)
    return image[rows[:, :, None], cols[:, None, :]][:, None]


def downsample_box(input, factor):
    """Mean of each f×f block, a strided box convolution: (N, C, H, W) -> (N, C, H/f, W/f)."""
    x = as_array(input, "input")
    check_ndim(x, "input", (4,), "(N, C, H, W)")
    f = as_int(factor, "factor", minimum=1)
    N, C, H, W = x.shape
    if H % f or W % f:
        raise ValueError(f"input height and width ({H}, {W}) must be divisible by factor ({f})")
    x = x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)
    box = np.full((C, 1, f, f), 1 / f**2, dtype=x.dtype)  # one averaging kernel per channel
    return conv2d(x, box, stride=f, groups=C)


# ---------------------------------------------------------------------------------------
# A segmentation data set of shapes
# ---------------------------------------------------------------------------------------

SHAPES = ("disc", "square", "triangle")
CLASS_NAMES = (N_("background"), N_("dim"), N_("medium"), N_("bright"))
LEVELS = (0.1, 0.35, 0.6, 0.85)  # the mean grey level of each class


def shape_mask(kind: str, size: int, centre, radius: float, angle: float) -> np.ndarray:
    """Pixels of one shape on a ``size×size`` grid: bool (size, size).

    ``kind`` is ``"disc"``, ``"square"`` or ``"triangle"``; ``centre`` is ``(row, col)`` and
    ``angle`` a rotation in radians. Every kind has the area of a disc of ``radius``.
    """
    if kind not in SHAPES:
        raise ValueError(f"kind must be one of {SHAPES}, got {kind!r}")
    r = np.arange(size) + 0.5 - centre[0]  # pixel centres relative to the shape's centre
    c = np.arange(size) + 0.5 - centre[1]
    r, c = np.meshgrid(r, c, indexing="ij")
    if kind == "disc":
        return r**2 + c**2 <= radius**2
    # rotate the pixel grid by -angle, so the shape can be tested in its own frame
    u = np.cos(angle) * c + np.sin(angle) * r
    v = -np.sin(angle) * c + np.cos(angle) * r
    if kind == "square":
        half = radius * np.sqrt(np.pi) / 2  # side² = π radius²
        return (np.abs(u) <= half) & (np.abs(v) <= half)
    # an equilateral triangle: inside its three edges, each at distance `inner` from the
    # centre; its area 3·√3·inner² equals π radius²
    inner = radius * np.sqrt(np.pi / (3 * np.sqrt(3)))
    inside = np.ones_like(u, dtype=bool)
    for k in range(3):
        t = 2 * np.pi * k / 3
        inside &= np.cos(t) * u + np.sin(t) * v <= inner
    return inside


def shapes_dataset(n, size=32, max_shapes=4, noise=0.2, rng=None):
    """``n`` noisy images of shapes and their per-pixel labels.

    Returns ``images`` float32 (n, 1, size, size) and ``labels`` int64 (n, size, size), the
    values indexing :data:`CLASS_NAMES`. Each image holds 1 to ``max_shapes`` shapes (discs,
    squares or triangles of random size, place and rotation) that do not overlap and stay
    inside the image. A shape's class is its grey level (:data:`LEVELS`, the background's
    too, each jittered by ±0.04), hidden under Gaussian noise of standard deviation ``noise``:
    with the default 0.2 a single pixel is often closer to a neighbouring level than to its
    own, so the class of a pixel is only clear from the pixels around it.
    """
    n = as_int(n, "n", minimum=1)
    size = as_int(size, "size", minimum=8)
    max_shapes = as_int(max_shapes, "max_shapes", minimum=1)
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or noise < 0:
        raise ValueError(f"noise must be a non-negative number, got {noise!r}")
    rng = np.random.default_rng(rng)
    images = np.empty((n, 1, size, size), dtype=np.float32)
    labels = np.zeros((n, size, size), dtype=np.int64)
    for i in range(n):
        image = np.full((size, size), LEVELS[0] + rng.uniform(-0.04, 0.04))
        wanted = rng.integers(1, max_shapes + 1)
        placed = []  # (centre, reach) of the shapes drawn so far
        for _ in range(50 * wanted):  # a few tries for each shape to find a free place
            if len(placed) == wanted:
                break
            radius = rng.uniform(0.14, 0.24) * size
            reach = 1.6 * radius  # the triangle's corners are the furthest: 1.56 radius
            centre = rng.uniform(reach, size - reach, 2)
            if any(np.hypot(*(centre - c)) < reach + r for c, r in placed):
                continue
            placed.append((centre, reach))
            mask = shape_mask(SHAPES[rng.integers(len(SHAPES))], size, centre, radius,
                              angle=rng.uniform(0, 2 * np.pi))
            label = int(rng.integers(1, len(CLASS_NAMES)))
            image[mask] = LEVELS[label] + rng.uniform(-0.04, 0.04)
            labels[i][mask] = label
        images[i, 0] = image + noise * rng.standard_normal((size, size))
    return images, labels
