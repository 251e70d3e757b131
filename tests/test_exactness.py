"""medsam_fast gives exactly the labels of the plain Python pipeline on the same ONNX files.

The plain pipeline (``reference_pipeline.OnnxBaseline``) is the upstream inference loop on
ONNX Runtime's Python API, cv2 and torch's bilinear upsampling; it never calls
``medsam_fast._core``.  Same model files, same threads: every comparison is
``np.array_equal``, label for label.
"""

import numpy as np
import pytest

from medsam_fast import Segmenter, _core
from reference_pipeline import majority_vote


def boxes_overlap(a, b) -> bool:
    """Whether two boxes [lo..., hi...] (bounds inclusive) share a pixel or voxel."""
    k = len(a) // 2
    return all(max(a[i], b[i]) <= min(a[i + k], b[i + k]) for i in range(k))


def overlapping_pairs(boxes) -> int:
    return sum(
        boxes_overlap(boxes[i], boxes[j])
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
    )


def test_2d_deep_grey_slice_equals_plain_pipeline(segmenter, plain, colin):
    case = colin.case_2d(80)
    ours = segmenter.segment(case)
    expected = plain.segment_2d(case["imgs"], case["boxes"])
    assert len(np.unique(expected)) == len(case["boxes"]) + 1  # every box found something
    assert np.array_equal(ours, expected)


@pytest.mark.slow
def test_many_boxes_over_several_decoder_batches_equal_plain_pipeline(segmenter, plain, colin):
    """Every AAL label on one Colin27 slice: at least three decoder batches of overlapping
    boxes; label i is box i and later boxes win, so the order of the masks matters."""
    case = colin.case_2d_atlas(80)
    boxes = case["boxes"]
    assert len(boxes) > 2 * _core.DECODE_BATCH  # spans at least three decoder batches
    assert overlapping_pairs(boxes) >= len(boxes)
    ours = segmenter.segment(case)
    assert segmenter.last_stats["masks_decoded"] == len(boxes)
    plain.overwrites = 0
    expected = plain.segment_2d(case["imgs"], case["boxes"])
    assert plain.overwrites > 0  # later boxes did take pixels from earlier ones
    assert np.array_equal(ours, expected)


@pytest.mark.slow
@pytest.mark.parametrize("labels", [(77, 78), (75, 76)], ids=["thalamus", "pallidum"])
def test_3d_propagation_equals_plain_pipeline(segmenter, plain, colin, labels):
    case = colin.case_3d(labels)
    ours = segmenter.segment(case)
    expected = plain.segment_3d(case["imgs"], case["boxes"])
    assert len(np.unique(expected)) == len(labels) + 1
    assert np.array_equal(ours, expected)


# --------------------------------------------------- box on every slice, three views
# The left basal ganglia and thalamus, cropped small: caudate, putamen, pallidum and
# thalamus boxes overlap on every axial slice, and each view encodes a few dozen slices.
CROP = (slice(70, 80), slice(78, 119), slice(56, 93))
LEFT_DEEP_GREY = (73, 75, 71, 77)  # putamen, then the pallidum inside its box


@pytest.fixture(scope="module")
def crop_case(colin):
    from realdata.boxes import mask_box

    t1, atlas = colin.load()
    imgs, labels = np.ascontiguousarray(t1[CROP]), atlas[CROP]
    boxes = np.array([mask_box(labels == label) for label in LEFT_DEEP_GREY], np.float64)
    # The last box reaches two slices past the crop's top: its range is clipped.
    boxes[-1, 5] = imgs.shape[0] + 1
    return {"imgs": imgs, "boxes": boxes}


def test_crop_case_has_several_overlapping_boxes_on_every_axial_slice(crop_case):
    boxes = crop_case["boxes"]
    for z in range(crop_case["imgs"].shape[0]):
        on_slice = [b for b in boxes if b[2] <= z <= b[5]]
        assert len(on_slice) >= 3 and overlapping_pairs(on_slice) >= 2, z


@pytest.fixture(scope="module")
def plain_views(plain, crop_case):
    plain.overwrites = 0
    views = [plain.segment_slices(crop_case["imgs"], crop_case["boxes"], a) for a in range(3)]
    return views, plain.overwrites


@pytest.mark.slow
def test_box_every_slice_equals_plain_pipeline(crop_case, plain_views):
    views, overwrites = plain_views
    assert overwrites > 0  # later boxes took voxels from earlier ones
    segmenter = Segmenter(strategy={"default": {"mode_3d": "box_every_slice"}}, threads=2)
    ours = segmenter.segment(crop_case)
    assert segmenter.last_stats["strategy"] == "box_every_slice"
    assert len(np.unique(views[0])) == len(crop_case["boxes"]) + 1
    assert np.array_equal(ours, views[0])


@pytest.mark.slow
def test_three_view_equals_plain_pipeline_with_vote_ties(crop_case, plain_views):
    views, _ = plain_views
    a, b, c = views
    ties = (a != b) & (a != c) & (b != c)
    assert ties.sum() > 0  # voxels where all three views disagree
    expected = majority_vote(views)
    # At some ties the smallest label is not the axial one: "axial wins" would fail here.
    assert np.any(expected[ties] != a[ties])
    segmenter = Segmenter(strategy={"default": {"mode_3d": "three_view"}}, threads=2)
    ours = segmenter.segment(crop_case)
    assert segmenter.last_stats["strategy"] == "three_view"
    assert np.array_equal(ours, expected)


def test_majority_vote_reference_takes_two_of_three_else_the_smallest():
    views = [np.array([1, 2, 3, 0, 5], np.uint8), np.array([1, 4, 2, 7, 6], np.uint8)]
    views.append(np.array([4, 4, 1, 7, 4], np.uint8))
    assert majority_vote(views).tolist() == [1, 4, 1, 7, 4]
