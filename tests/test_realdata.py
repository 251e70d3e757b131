"""The real cases that choose and judge the 3D strategies keep their sets apart, and each
case's boxes are the tight boxes of its ground truth (docs/strategies.md)."""

import numpy as np
import pytest

from realdata import colin27_structures, inia19, invesalius_ct, mni152
from realdata.boxes import mask_box


def _labels(sets: dict) -> set:
    """Every AAL label the sets' structures use, and BRAIN when one is the whole brain."""
    found = set()
    for structures in sets.values():
        for s in structures:
            found |= {s} if s == colin27_structures.BRAIN else set(s)
    return found


def test_tuning_held_out_and_fresh_structures_share_no_label():
    tuning, held_out = _labels(colin27_structures.TUNING), _labels(colin27_structures.HELD_OUT)
    fresh = _labels(colin27_structures.FRESH)
    assert colin27_structures.BRAIN in tuning and len(held_out) == 12 and len(fresh) == 4
    assert not tuning & held_out and not (tuning | held_out) & fresh


@pytest.mark.parametrize("name", list(inia19.RANKS))
def test_inia19_structures_are_both_sides_of_four_pairs(name):
    structures = inia19.structures(name)
    assert len(structures) == 8
    sides = [s[0] for s in structures]
    assert sides[1::2] == [n + inia19.SIDE for n in sides[0::2]]


def test_inia19_pairs_are_ranked_by_size_and_the_cases_are_disjoint():
    _, labels, _ = inia19.load()
    sizes = [np.count_nonzero(np.isin(labels, pair)) for pair in inia19.pairs_by_size(labels)]
    assert sizes == sorted(sizes, reverse=True)
    cases = [set(inia19.structures(name)) for name in inia19.RANKS]
    assert len(set().union(*cases)) == sum(len(c) for c in cases)
    scoring_sets = [set(inia19.FRESH), set(inia19.SEALED), set(inia19.CONFIRM)]
    assert all(names <= set(inia19.RANKS) for names in scoring_sets)
    assert sum(len(names) for names in scoring_sets) == len(set().union(*scoring_sets))


@pytest.mark.parametrize("name", [*inia19.RANKS, "brain"])
def test_inia19_boxes_are_the_tight_boxes_of_the_labels(name):
    case = inia19.case_3d(name)
    d = case["imgs"].shape[0]
    assert case["imgs"].dtype == np.uint8 and case["imgs"].shape == case["gts"].shape
    assert len(case["boxes"]) == len(inia19.structures(name))
    for i, box in enumerate(case["boxes"], start=1):
        # NeuroMaps labels do not overlap, so every structure keeps all its voxels.
        assert box.tolist() == mask_box(case["gts"] == i)
    # Cropped in z to the structures: the first and last slices hold some of them.
    assert case["gts"][0].any() and case["gts"][d - 1].any()


def test_invesalius_ct_masks_are_the_thresholds_they_were_drawn_with():
    ct, masks, spacing = invesalius_ct.load()
    assert ct.shape == (108, 256, 256) and ct.dtype == np.int16
    assert spacing.tolist() == pytest.approx([1.5, 0.957, 0.957], abs=1e-3)
    np.testing.assert_array_equal(masks[invesalius_ct.MASKS["skull"]], ct >= 226)
    np.testing.assert_array_equal(masks[invesalius_ct.MASKS["head"]], ct >= -142)


@pytest.mark.parametrize("name", list(invesalius_ct.MASKS))
def test_invesalius_ct_structures_are_one_component_without_the_head_holder(name):
    from scipy import ndimage

    case = invesalius_ct.case_3d(name)
    gts = case["gts"]
    assert case["imgs"].dtype == np.uint8 and case["imgs"].shape == gts.shape
    assert ndimage.label(gts)[1] == 1
    assert case["boxes"].tolist() == [mask_box(gts)]
    assert gts[0].any() and gts[-1].any()
    # The holder's arcs are separate components of the same mask, and are left out.
    _, masks, _ = invesalius_ct.load()
    assert np.count_nonzero(gts) < np.count_nonzero(masks[invesalius_ct.MASKS[name]])


def test_mni152_structures_are_the_maps_brain_cut_at_the_middle_and_its_ventricles():
    t1, masks = mni152.load()
    assert t1.shape == (189, 233, 197) and t1.dtype == np.uint8
    brain, left, right = masks["brain"], masks["left"], masks["right"]
    assert not (left & right).any() and np.array_equal(left | right, brain)
    # The template is symmetric: the two halves differ by under 1% of their voxels.
    assert abs(int(left.sum()) - int(right.sum())) < 0.01 * brain.sum()
    ventricles = masks["left_ventricle"] | masks["right_ventricle"]
    # The ventricles are inside the brain's box, dark on T1, and outside the brain mask.
    assert 10_000 < ventricles.sum() < 30_000 and not (ventricles & brain).any()
    assert t1[ventricles].mean() < t1[brain].mean()
    (x,) = np.nonzero(ventricles.any(axis=(0, 1)))
    assert x.min() < t1.shape[2] // 2 < x.max()


@pytest.mark.parametrize("name", mni152.CASES)
def test_mni152_boxes_are_the_tight_boxes_of_the_structures(name):
    case = mni152.case_3d(name)
    assert case["imgs"].shape == case["gts"].shape
    assert len(case["boxes"]) == len(mni152.structures(name))
    for i, box in enumerate(case["boxes"], start=1):
        assert box.tolist() == mask_box(case["gts"] == i)
    assert case["gts"][0].any() and case["gts"][-1].any()
