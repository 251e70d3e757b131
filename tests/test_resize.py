"""The C++ resampling against cv2 (INTER_AREA) and torch (bilinear)."""

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from medsam_fast import _core

SIZES = [
    (5, 300),
    (300, 5),
    (2000, 3000),
    (217, 181),
    (513, 257),
    (256, 256),
    (100, 50),
    (3, 7),
    (37, 41),
    (200, 13),
    (129, 255),
    (250, 1),
    (1, 1),
    (512, 256),  # whole-number scales: OpenCV's block-sum shortcut, 2x2 ...
    (1024, 512),  # ... and 4x4, where sums land on .5 and the rounding rule shows
]


def assert_matches_cv2(ours, theirs):
    # Bit-exact, as the docs promise: not one grey level on one pixel.
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.array_equal(ours, theirs), f"{np.count_nonzero(ours != theirs)} pixels differ"


@pytest.mark.parametrize("h,w", SIZES)
@pytest.mark.parametrize("channels", [1, 3])
def test_longest_side_resize_matches_cv2_inter_area(h, w, channels, rng):
    shape = (h, w, channels) if channels == 3 else (h, w)
    img = rng.integers(0, 256, shape, dtype=np.uint8)
    nh, nw = _core.longest_side_extent(h, w)
    assert max(nh, nw) == 256
    ours = _core.resize_area(img, nh, nw)
    assert_matches_cv2(ours, cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA))


@pytest.mark.parametrize(
    "src,dst",
    [
        ((40, 60), (17, 90)),
        ((90, 17), (40, 60)),
        ((64, 64), (32, 32)),
        ((30, 30), (90, 90)),
        ((7, 300), (7, 256)),
    ],
)
def test_arbitrary_resize_matches_cv2_including_mixed_directions(src, dst, rng):
    img = rng.integers(0, 256, src + (3,), dtype=np.uint8)
    ours = _core.resize_area(img, *dst)
    assert_matches_cv2(ours, cv2.resize(img, dst[::-1], interpolation=cv2.INTER_AREA))


def test_resize_of_a_real_slice_is_exact(colin):
    t1, _ = colin.load()
    img = np.ascontiguousarray(t1[80])
    nh, nw = _core.longest_side_extent(*img.shape)
    expected = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA)
    assert_matches_cv2(_core.resize_area(img, nh, nw), expected)


@pytest.mark.parametrize("h,w", [(10, 1000), (1000, 10), (217, 181), (1, 300)])
def test_longest_side_extent_follows_reference_rounding(h, w):
    scale = 256 / max(h, w)
    expected = (max(1, int(h * scale + 0.5)), max(1, int(w * scale + 0.5)))
    assert _core.longest_side_extent(h, w) == expected


@pytest.mark.parametrize(
    "resized,size",
    [
        ((256, 214), (217, 181)),
        ((171, 256), (2000, 3000)),
        ((256, 128), (100, 50)),
        ((256, 256), (256, 256)),
    ],
)
def test_logits_to_mask_matches_torch_bilinear_threshold(resized, size, rng):
    coarse = rng.normal(size=(1, 1, 16, 16)).astype(np.float32)
    logits = F.interpolate(torch.from_numpy(coarse), size=(256, 256), mode="bicubic").numpy()[0, 0]
    ours = _core.logits_to_mask(np.ascontiguousarray(logits), *resized, *size)
    up = F.interpolate(
        torch.from_numpy(logits)[None, None, : resized[0], : resized[1]],
        size=size,
        mode="bilinear",
        align_corners=False,
    )[0, 0].numpy()
    differ = ours.astype(bool) != (up > 0)
    # Only pixels whose logit is within float rounding of 0 may fall either way.
    assert np.all(np.abs(up[differ]) < 1e-5)
    assert differ.mean() < 1e-3


@pytest.mark.parametrize("resized,size", [((171, 256), (2000, 3000)), ((256, 128), (100, 50))])
def test_mask_upsampled_only_near_positive_logits_equals_full_upsampling(resized, size, rng):
    logits = np.full((256, 256), -4.0, np.float32)
    for _ in range(3):
        y, x = rng.integers(0, resized[0] - 6), rng.integers(0, resized[1] - 6)
        logits[y : y + 5, x : x + 4] = rng.uniform(0.1, 3.0)
    logits[resized[0] - 1, resized[1] - 1] = 1.0  # a positive logit on the crop's corner
    ours = _core.logits_to_mask(logits, *resized, *size)
    up = F.interpolate(
        torch.from_numpy(logits)[None, None, : resized[0], : resized[1]],
        size=size,
        mode="bilinear",
        align_corners=False,
    )[0, 0].numpy()
    np.testing.assert_array_equal(ours.astype(bool), up > 0)
