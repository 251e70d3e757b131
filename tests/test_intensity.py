"""Intensity preparation against the organisers' numpy formulas."""

import numpy as np
import pytest

from medsam_fast import intensity


def reference_ct(volume, level, width):
    lo, hi = level - width / 2, level + width / 2
    clipped = np.clip(volume, lo, hi)
    return np.uint8((clipped - clipped.min()) / (clipped.max() - clipped.min()) * 255.0)


def reference_percentile(volume):
    lo, hi = np.percentile(volume[volume > 0], 0.5), np.percentile(volume[volume > 0], 99.5)
    clipped = np.clip(volume, lo, hi)
    out = (clipped - clipped.min()) / (clipped.max() - clipped.min()) * 255.0
    out[volume == 0] = 0
    return np.uint8(out)


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float32, np.float64])
def test_ct_window_matches_the_organisers_formula(dtype, rng):
    volume = rng.normal(0, 400, (7, 30, 40)).astype(dtype)
    for window, (level, width) in intensity.CT_WINDOWS.items():
        np.testing.assert_array_equal(
            intensity.prepare_ct(volume, window=window),
            reference_ct(volume.astype(np.float64), level, width),
        )
    np.testing.assert_array_equal(
        intensity.prepare_ct(volume, level=-100, width=300),
        reference_ct(volume.astype(np.float64), -100, 300),
    )


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16, np.float32])
def test_percentile_clipping_matches_numpy(dtype, rng):
    volume = rng.gamma(2.0, 300.0, (6, 40, 50)).astype(dtype)
    volume[:, :5] = 0
    np.testing.assert_array_equal(
        intensity.prepare_percentile(volume), reference_percentile(volume.astype(np.float64))
    )


def test_real_mri_percentile_clipping_matches_numpy(colin):
    from realdata.colin27 import T1_FILE, axial_volume

    raw = axial_volume(T1_FILE)
    np.testing.assert_array_equal(
        intensity.prepare(raw, "MR"), reference_percentile(raw.astype(np.float64))
    )


def test_empty_and_constant_volumes_become_zero():
    assert not intensity.prepare_percentile(np.zeros((3, 4, 5), np.float32)).any()
    assert not intensity.prepare_ct(np.full((3, 4, 5), 50, np.int16)).any()


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="unknown CT window"):
        intensity.prepare_ct(np.zeros((2, 2, 2)), window="heart")
    with pytest.raises(TypeError, match="numeric"):
        intensity.prepare_ct(np.zeros((2, 2, 2), bool))
    with pytest.raises(ValueError, match="width must be positive"):
        intensity.prepare_ct(np.zeros((2, 2, 2)), width=0)


def test_big_endian_volumes_are_read_correctly(rng):
    volume = rng.normal(0, 400, (4, 20, 30)).astype(np.int16)
    np.testing.assert_array_equal(
        intensity.prepare_ct(volume.astype(">i2")), intensity.prepare_ct(volume)
    )
