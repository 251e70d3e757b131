"""DSC and NSD against DeepMind's surface-distance, the challenge's reference."""

import numpy as np
import pytest
import scipy.ndimage as ndi

from medsam_fast import metrics


@pytest.fixture
def surface_distance(monkeypatch):
    # The reference predates NumPy 2 (np.Inf); restore the alias for it only.
    monkeypatch.setattr(np, "Inf", np.inf, raising=False)
    from surface_distance import metrics as sdm

    return sdm


def reference_nsd(sdm, gt, seg, spacing, tolerance=2.0):
    d = sdm.compute_surface_distances(gt.astype(bool), seg.astype(bool), list(spacing))
    return sdm.compute_surface_dice_at_tolerance(d, tolerance)


def blob(rng, shape, sigma=2.0, level=0.5):
    return ndi.gaussian_filter(rng.random(shape), sigma) > level


def test_nsd_equals_surface_distance_on_random_shapes(rng, surface_distance):
    for _ in range(25):
        shape = tuple(int(v) for v in rng.integers(4, 28, 3))
        spacing = tuple(float(v) for v in rng.uniform(0.3, 3.0, 3))
        tolerance = float(rng.choice([0.5, 1.0, 2.0, 3.7]))
        gt, seg = blob(rng, shape), blob(rng, shape)
        ours = metrics.nsd(gt, seg, spacing, tolerance).per_label[1]
        expected = reference_nsd(surface_distance, gt, seg, spacing, tolerance)
        assert ours == pytest.approx(expected, abs=1e-6)


def test_nsd_with_a_large_tolerance_uses_the_distance_transform_and_still_agrees(
    rng, surface_distance
):
    # 40 mm at 0.5 mm spacing spans far more grid offsets than the neighbour search takes.
    for _ in range(5):
        gt, seg = blob(rng, (30, 40, 35), sigma=3), blob(rng, (30, 40, 35), sigma=3)
        seg = np.roll(seg, 12, axis=1)
        spacing = (0.5, 0.6, 0.55)
        for tolerance in (4.0, 40.0):
            ours = metrics.nsd(gt, seg, spacing, tolerance).per_label[1]
            expected = reference_nsd(surface_distance, gt, seg, spacing, tolerance)
            assert ours == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (2.5, 0.9, 0.7)])
def test_nsd_equals_surface_distance_on_perturbed_atlas_labels(colin, surface_distance, spacing):
    _, atlas = colin.load()
    perturbed = {
        "shifted": np.roll(atlas, 2, axis=1),
        "eroded": np.where(ndi.binary_erosion(atlas > 0, iterations=2), atlas, 0).astype(np.uint8),
        "relabelled": np.where(atlas == 37, 38, atlas).astype(np.uint8),
    }
    labels = [1, 17, 37, 38, 71, 77, 95, 116]
    for seg in perturbed.values():
        ours = metrics.nsd(atlas, seg, spacing, labels=labels, threads=2).per_label
        for label in labels:
            expected = reference_nsd(surface_distance, atlas == label, seg == label, spacing)
            assert ours[label] == pytest.approx(expected, abs=1e-6, nan_ok=True)


def test_2d_is_scored_as_one_slice_with_unit_spacing(rng, surface_distance):
    gt, seg = blob(rng, (60, 70)), blob(rng, (60, 70))
    ours = metrics.nsd(gt.astype(np.uint8), seg.astype(np.uint8)).per_label[1]
    expected = reference_nsd(surface_distance, gt[:, :, None], seg[:, :, None], (1.0, 1.0, 1.0))
    assert ours == pytest.approx(expected, abs=1e-6)


def test_single_voxel_and_empty_masks(surface_distance):
    gt = np.zeros((9, 9, 9), np.uint8)
    seg = np.zeros_like(gt)
    gt[4, 4, 4] = 1
    seg[4, 4, 5] = 1
    assert metrics.nsd(gt, seg, (1, 1, 1)).per_label[1] == pytest.approx(
        reference_nsd(surface_distance, gt, seg, (1, 1, 1)), abs=1e-6
    )
    assert metrics.nsd(gt, np.zeros_like(gt), (1, 1, 1)).per_label[1] == 0.0
    assert np.isnan(metrics.nsd(gt, seg, (1, 1, 1), labels=[2]).per_label[2])


def test_dsc_per_label_with_absent_labels_left_out_of_the_mean():
    gt = np.array([[1, 1, 0], [3, 3, 0]], np.uint8)[None]
    seg = np.array([[1, 0, 0], [3, 3, 3]], np.uint8)[None]
    scores = metrics.dsc(gt, seg)
    assert scores.per_label[1] == pytest.approx(2 * 1 / 3)
    assert np.isnan(scores.per_label[2])
    assert scores.per_label[3] == pytest.approx(2 * 2 / 5)
    assert scores.mean == pytest.approx((2 / 3 + 4 / 5) / 2)


def test_case_scores_skip_nsd_when_dsc_is_at_most_0_2():
    gt = np.zeros((5, 20, 20), np.uint8)
    gt[1:4, 2:8, 2:8] = 1
    far = np.zeros_like(gt)
    far[1:4, 12:18, 12:18] = 1
    assert metrics.case_scores(gt, far, (1, 1, 1)) == (0.0, 0.0)
    dsc, nsd = metrics.case_scores(gt, gt, (1, 1, 1))
    assert dsc == 1.0 and nsd == 1.0


def thin_line_pair(overlap: int):
    """A 10-voxel line and a second one: shifted a row (overlap 0) or along itself."""
    gt = np.zeros((3, 20, 20), np.uint8)
    seg = np.zeros_like(gt)
    gt[1, 5, 0:10] = 1
    if overlap == 0:
        seg[1, 6, 0:10] = 1  # beside it: no voxel shared, every surface within 1 mm
    else:
        seg[1, 5, 10 - overlap : 20 - overlap] = 1
    return gt, seg


@pytest.mark.parametrize("overlap,expected_dsc", [(0, 0.0), (2, 0.2)])
def test_case_nsd_is_0_where_the_dsc_is_at_most_0_2_though_the_surfaces_agree(
    overlap, expected_dsc
):
    # The challenge's rule, not a property of the shapes: the raw NSD is well above 0.
    gt, seg = thin_line_pair(overlap)
    assert metrics.dsc(gt, seg).mean == expected_dsc
    assert metrics.nsd(gt, seg, (1, 1, 1)).mean > 0.4
    assert metrics.case_scores(gt, seg, (1, 1, 1)) == (expected_dsc, 0.0)
    # Just above the threshold the NSD counts.
    gt2, seg2 = thin_line_pair(3)
    dsc, nsd = metrics.case_scores(gt2, seg2, (1, 1, 1))
    assert dsc == pytest.approx(0.3) and nsd == metrics.nsd(gt2, seg2, (1, 1, 1)).mean > 0


def test_case_scores_are_the_means_of_dsc_and_nsd_computed_apart(rng):
    gt = blob(rng, (10, 20, 30)).astype(np.uint8)
    gt[blob(rng, gt.shape)] = 2
    seg = np.roll(gt, 1, axis=2)
    spacing = (2.0, 1.0, 0.5)
    dsc, nsd = metrics.case_scores(gt, seg, spacing)
    assert dsc > 0.2
    assert dsc == metrics.dsc(gt, seg).mean
    assert nsd == metrics.nsd(gt, seg, spacing).mean


def test_reversed_spacing_order_reverses_the_spacing(rng):
    gt, seg = blob(rng, (10, 20, 30)), blob(rng, (10, 20, 30))
    a = metrics.nsd(gt, seg, (3.0, 1.0, 0.5), spacing_order="reversed").mean
    b = metrics.nsd(gt, seg, (0.5, 1.0, 3.0)).mean
    c = metrics.nsd(gt, seg, (3.0, 1.0, 0.5)).mean
    assert a == b and a != c


def test_threads_do_not_change_the_result(colin):
    _, atlas = colin.load()
    seg = np.roll(atlas, 3, axis=0)
    one = metrics.nsd(atlas, seg, (1, 1, 1), threads=1).per_label
    two = metrics.nsd(atlas, seg, (1, 1, 1), threads=2).per_label
    assert one == two and len(one) == 116


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="differ in shape"):
        metrics.nsd(np.zeros((3, 3, 3), np.uint8), np.zeros((3, 3, 4), np.uint8))
    with pytest.raises(TypeError, match="integer labels"):
        metrics.dsc(np.zeros((3, 3), np.float32), np.zeros((3, 3), np.float32))
    with pytest.raises(ValueError, match="spacing must be positive"):
        metrics.nsd(np.ones((3, 3, 3), np.uint8), np.ones((3, 3, 3), np.uint8), (1, 0, 1))


def test_big_endian_labels_score_like_native_ones(rng):
    gt = rng.integers(0, 3, (6, 7, 8)).astype(np.int16)
    seg = rng.integers(0, 3, (6, 7, 8)).astype(np.int16)
    assert (
        metrics.nsd(gt.astype(">i2"), seg.astype(">i2"), (1, 1, 1)).per_label
        == metrics.nsd(gt, seg, (1, 1, 1)).per_label
    )
    assert metrics.dsc(gt.astype(">i2"), seg).per_label == metrics.dsc(gt, seg).per_label
