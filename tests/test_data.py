"""tconv.book.data: the pictures load as grey levels, patches are real windows, the shapes data set
has the labels, levels, areas and randomness it promises."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tconv.book import data


@pytest.mark.parametrize("name, shape", [("grace_hopper", (600, 512)), ("mri", (256, 256)),
                                         ("gift", (128, 128))])
def test_sample_images_are_grey_levels_in_unit_range(name, shape):
    image = data.sample_image(name)
    assert image.shape == shape and image.dtype == np.float32
    assert 0 <= image.min() and image.max() <= 1
    assert image.std() > 0.05  # a picture, not a flat field


def test_unknown_sample_image_is_named():
    with pytest.raises(ValueError, match="name must be one of"):
        data.sample_image("lena")
    with pytest.raises(TypeError, match="name must be a string"):
        data.sample_image(3)


def test_random_patches_are_windows_of_the_image_and_seeded():
    image = np.arange(20 * 30, dtype=np.float32).reshape(20, 30)  # every value says where
    patches = data.random_patches(image, 5, 7, rng=0)
    assert patches.shape == (7, 1, 5, 5)
    for p in patches[:, 0]:
        top, left = divmod(int(p[0, 0]), 30)
        np.testing.assert_array_equal(p, image[top:top + 5, left:left + 5])
    np.testing.assert_array_equal(patches, data.random_patches(image, 5, 7, rng=0))
    assert not np.array_equal(patches, data.random_patches(image, 5, 7, rng=1))


def test_random_patches_check_their_size():
    with pytest.raises(ValueError, match="size \\(11\\) must fit in the image"):
        data.random_patches(np.zeros((10, 12)), 11, 2)
    with pytest.raises(ValueError, match="image must have shape"):
        data.random_patches(np.zeros((1, 10, 12)), 3, 2)


@settings(max_examples=20, deadline=None)
@given(f=st.integers(1, 4), h=st.integers(1, 4), w=st.integers(1, 4), c=st.integers(1, 3))
def test_downsample_box_is_the_block_mean(f, h, w, c):
    x = np.random.default_rng(0).random((2, c, h * f, w * f))
    expected = x.reshape(2, c, h, f, w, f).mean(axis=(3, 5))
    np.testing.assert_allclose(data.downsample_box(x, f), expected, atol=1e-12)


def test_downsample_box_needs_divisible_sizes():
    with pytest.raises(ValueError, match="divisible by factor"):
        data.downsample_box(np.zeros((1, 1, 5, 4)), 2)


@pytest.mark.parametrize("kind", ["disc", "square", "triangle"])
def test_every_kind_of_shape_has_the_area_of_its_disc(kind):
    radius = 20.0
    mask = data.shape_mask(kind, 64, (32, 32), radius, angle=0.3)
    assert mask.sum() == pytest.approx(np.pi * radius**2, rel=0.03)


def test_shape_masks_differ_by_kind():
    masks = [data.shape_mask(k, 32, (16, 16), 10, 0.0) for k in ("disc", "square", "triangle")]
    for a in range(3):
        for b in range(a + 1, 3):
            assert np.sum(masks[a] != masks[b]) > 20


def test_shapes_dataset_labels_and_images_agree():
    images, labels = data.shapes_dataset(40, size=32, rng=0)
    assert images.shape == (40, 1, 32, 32) and images.dtype == np.float32
    assert labels.shape == (40, 32, 32) and labels.dtype == np.int64
    assert set(np.unique(labels)) == {0, 1, 2, 3}
    for k, level in enumerate(data.LEVELS):  # each class sits at its grey level, under noise
        assert abs(images[:, 0][labels == k].mean() - level) < 0.03
    for label in labels:
        assert (label > 0).any()  # at least one shape in every image
        # shapes stay inside the image: no label on the outermost ring of pixels
        ring = np.concatenate([label[0], label[-1], label[:, 0], label[:, -1]])
        assert (ring == 0).all()


def test_shapes_dataset_noise_has_the_asked_size():
    images, labels = data.shapes_dataset(20, noise=0.2, rng=0)
    background = images[:, 0][labels == 0]
    # the background's level is jittered by at most 0.04 per image; the rest is the noise
    assert 0.19 < background.std() < 0.21
    clean, _ = data.shapes_dataset(5, noise=0, rng=0)
    assert len(np.unique(clean[0])) <= 5  # background plus at most four flat shapes


def test_shapes_dataset_is_seeded():
    a = data.shapes_dataset(5, rng=3)
    b = data.shapes_dataset(5, rng=3)
    c = data.shapes_dataset(5, rng=4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_shapes_dataset_classes_are_balanced():
    _, labels = data.shapes_dataset(300, rng=0)
    counts = np.bincount(labels.ravel(), minlength=4)[1:]
    assert counts.min() > 0.7 * counts.max()  # equal areas and equally likely kinds


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n": 0}, ValueError, "n must be positive"),
    ({"n": 2, "size": 4}, ValueError, "size must be at least 8"),
    ({"n": 2, "noise": -1}, ValueError, "noise must be a non-negative number"),
    ({"n": 2, "max_shapes": 1.5}, TypeError, "max_shapes must be an integer"),
])
def test_shapes_dataset_checks_its_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.shapes_dataset(**kwargs)


def test_unknown_shape_kind_is_named():
    with pytest.raises(ValueError, match="kind must be one of"):
        data.shape_mask("hexagon", 8, (4, 4), 2, 0)
    assert data.SHAPES == ("disc", "square", "triangle")
