"""Encoder input, boxes and propagation prompts against the reference pipeline."""

import numpy as np
import pytest

from medsam_fast import _core
from reference_pipeline import box_from_previous_mask, box_to_256, encoder_input


@pytest.mark.parametrize("shape", [(217, 181, 3), (300, 5, 3), (64, 100, 3), (1000, 700, 3)])
def test_encoder_input_matches_reference(shape, rng):
    img = rng.integers(0, 256, shape, dtype=np.uint8)
    ours, resized = _core.prepare_encoder_input(img)
    expected, expected_resized = encoder_input(img)
    assert resized == expected_resized
    np.testing.assert_allclose(ours, expected.numpy(), atol=1e-7)


def test_grey_image_is_repeated_to_three_channels(rng):
    grey = rng.integers(0, 256, (120, 90), dtype=np.uint8)
    a, _ = _core.prepare_encoder_input(grey)
    b, _ = _core.prepare_encoder_input(np.repeat(grey[:, :, None], 3, axis=2))
    np.testing.assert_array_equal(a, b)


def test_normalisation_is_per_image_min_max_with_zero_padding(rng):
    img = rng.integers(40, 90, (128, 256), dtype=np.uint8)
    x, (h, w) = _core.prepare_encoder_input(img)
    assert (h, w) == (128, 256)
    assert x[..., :h, :].min() == 0.0 and x[..., :h, :].max() == 1.0
    assert not x[..., h:, :].any()


def test_constant_image_normalises_to_zero():
    x, _ = _core.prepare_encoder_input(np.full((50, 50), 77, dtype=np.uint8))
    assert not x.any()


@pytest.mark.parametrize(
    "box,h,w",
    [
        ((10, 20, 100, 200), 217, 181),
        ((0, 0, 2999, 1999), 2000, 3000),
        ((3, 4, 40, 45), 50, 60),
        ((1, 1, 4, 4), 5, 300),
    ],
)
def test_box_to_frame_truncates_like_reference(box, h, w):
    assert _core.box_to_frame(*box, h, w) == tuple(box_to_256(box, h, w))


@pytest.mark.parametrize("label", [1, 7, 255])
@pytest.mark.parametrize("margin", [0, 3, 7])
def test_propagation_box_matches_reference(label, margin, rng):
    for _ in range(20):
        h, w = rng.integers(20, 600, size=2)
        mask = np.zeros((h, w), dtype=np.uint8)
        y0, x0 = rng.integers(0, h), rng.integers(0, w)
        mask[y0 : y0 + rng.integers(1, 40), x0 : x0 + rng.integers(1, 40)] = 1
        ours = _core.propagation_box(mask, label, margin)
        expected = box_from_previous_mask(mask * np.uint8(label), margin)
        if expected is None:
            assert ours is None
        else:
            assert ours == tuple(expected)


def test_thin_structure_survives_the_256_resize_only_with_a_bright_label_value():
    # The reference resizes its label image, not a binary mask: a 1 px line in a 1024 px
    # image averages to label/4, which rounds to 0 for label 1 but not for label 255.
    mask = np.zeros((1024, 1024), dtype=np.uint8)
    mask[500, 100:900] = 1
    assert _core.propagation_box(mask, 1, 3) is None
    assert _core.propagation_box(mask, 255, 3) is not None
