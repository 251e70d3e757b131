"""The Python API: segment(), Segmenter, and the SamPredictor-style set_image/predict."""

import numpy as np
import pytest

import medsam_fast
from medsam_fast import _core
from medsam_fast.cli.demo import DEMO_DIR


def test_segment_accepts_a_path_and_writes_labels_per_box(segmenter):
    path = DEMO_DIR / "imgs" / "2DBox_MR_colin27-deepgrey.npz"
    segs = medsam_fast.segment(path, threads=2)
    with np.load(path) as data:
        assert segs.shape == data["imgs"].shape[:2]
        assert set(np.unique(segs)) <= set(range(len(data["boxes"]) + 1))
        assert len(np.unique(segs)) == len(data["boxes"]) + 1


def test_later_boxes_win_overlaps(segmenter, colin):
    case = colin.case_2d(80)
    box = case["boxes"][0]
    segs = segmenter.segment_2d(case["imgs"], np.stack([box, box]))
    assert not np.any(segs == 1) and np.any(segs == 2)


def test_predict_after_set_image_matches_segment_2d(segmenter, colin):
    case = colin.case_2d(80)
    segs = segmenter.segment_2d(case["imgs"], case["boxes"])
    segmenter.set_image(case["imgs"])
    masks = segmenter.predict(case["boxes"])
    assert masks.shape == (len(case["boxes"]),) + segs.shape
    rebuilt = np.zeros_like(segs)
    for i, m in enumerate(masks, start=1):
        rebuilt[m] = i
    np.testing.assert_array_equal(rebuilt, segs)
    assert segmenter.embedding.shape == (1, 256, 64, 64)


@pytest.mark.slow
def test_more_than_255_boxes_get_uint16_labels(segmenter, rng):
    image = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    x0 = rng.integers(0, 380, 260)
    y0 = rng.integers(0, 280, 260)
    boxes = np.stack([x0, y0, x0 + 15, y0 + 15], axis=1)
    segs = segmenter.segment_2d(image, boxes)
    assert segs.dtype == np.uint16 and segs.max() > 255
    assert segmenter.last_stats["masks_decoded"] == 260
    # batches of at most DECODE_BATCH boxes, each split over two threads (threads=2)
    batches = -(-260 // _core.DECODE_BATCH)
    assert batches > 1
    assert segmenter.last_stats["decoder_runs"] == 2 * batches


def test_no_boxes_gives_an_empty_segmentation(segmenter):
    segs = segmenter.segment_2d(np.zeros((30, 30, 3), np.uint8), np.zeros((0, 4)))
    assert segs.shape == (30, 30) and not segs.any()


@pytest.mark.slow
def test_3d_box_reaching_past_the_volume_is_clipped_to_it(segmenter, colin):
    case = colin.case_3d((75, 76))
    boxes = case["boxes"].copy()
    boxes[0, 5] = 10_000
    segs = segmenter.segment_3d(case["imgs"], boxes)
    assert segs.shape == case["imgs"].shape


def test_core_refuses_wrong_dtypes_without_crashing(segmenter):
    with pytest.raises(TypeError, match="uint8"):
        segmenter.model.segment_2d(
            np.zeros((10, 10), np.float32), np.zeros((1, 4)), np.zeros((10, 10), np.uint8)
        )
    with pytest.raises(ValueError, match="shape"):
        segmenter.model.encode(np.zeros((1, 3, 128, 128), np.float32))
    with pytest.raises(ValueError, match="out has the wrong shape"):
        segmenter.model.segment_3d(
            np.zeros((2, 10, 10), np.uint8), np.zeros((1, 6)), np.zeros((2, 10, 9), np.uint8)
        )
    # Boxes are numbered from 1 in messages, as their labels are.
    with pytest.raises(ValueError, match="box 2 lies outside the volume"):
        segmenter.model.segment_3d(
            np.zeros((2, 10, 10), np.uint8),
            np.array([[0, 0, 0, 5, 5, 1.0], [0, 0, 5, 5, 5, 9.0]]),
            np.zeros((2, 10, 10), np.uint8),
        )
    with pytest.raises(ValueError, match="box 1 is inverted"):
        segmenter.model.segment_3d(
            np.zeros((2, 10, 10), np.uint8),
            np.array([[0, 0, 1, 5, 5, 0.0]]),
            np.zeros((2, 10, 10), np.uint8),
        )


def test_a_case_above_the_memory_limit_is_refused_before_any_work():
    from medsam_fast import MemoryLimitError, Segmenter

    seg = Segmenter(strategy="seed", threads=1, max_memory_gb=1.0)
    volume = np.zeros((600, 1024, 1024), np.uint8)  # 0.6 GiB, never touched
    boxes = np.array([[10, 10, 0, 100, 100, 599]])
    with pytest.raises(
        MemoryLimitError, match=r"3DBox_PET_big.npz: needs an estimated .* above the limit of 1 GiB"
    ):
        seg.segment({"imgs": volume, "boxes": boxes, "name": "3DBox_PET_big.npz"})
    assert seg.estimated_peak_bytes(
        medsam_fast.check_case(volume, boxes, "3DBox_US_x.npz")
    ) < seg.estimated_peak_bytes(medsam_fast.check_case(volume, boxes, "3DBox_PET_x.npz"), "PET")


def test_constant_images_and_zero_size_boxes_segment_without_error(segmenter):
    image = np.full((40, 60, 3), 128, np.uint8)
    segs = segmenter.segment_2d(image, [[10, 10, 10, 10], [5, 5, 30, 20]])
    assert segs.shape == (40, 60) and segs.dtype == np.uint8


def grid_case(rows: int, cols: int, cell: int = 12):
    """Bright squares on a dark image, one box per grid cell, boxes not overlapping."""
    image = np.full((rows * cell, cols * cell), 20, np.uint8)
    boxes = []
    for r in range(rows):
        for c in range(cols):
            y, x = r * cell, c * cell
            image[y + 3 : y + cell - 3, x + 3 : x + cell - 3] = 220
            boxes.append([x + 1, y + 1, x + cell - 2, y + cell - 2])
    return np.repeat(image[:, :, None], 3, axis=2), np.array(boxes)


def test_many_boxes_in_batches_give_each_box_its_own_mask(segmenter):
    # 19 boxes: batches of DECODE_BATCH (8), each split over two threads, and a remainder.
    assert _core.DECODE_BATCH == 8
    image, boxes = grid_case(4, 5)
    boxes = boxes[:19]
    segs = segmenter.segment_2d(image, boxes)
    assert segmenter.last_stats["decoder_runs"] > 3
    segmenter.set_image(image)
    expected = np.zeros_like(segs)
    for label, box in enumerate(boxes, start=1):
        (mask,) = segmenter.predict([box])  # one box per decoder call
        expected[mask] = label
    assert set(np.unique(expected)) == set(range(20))
    np.testing.assert_array_equal(segs, expected)


def test_a_box_partly_outside_the_image_is_used_as_given_not_clipped(segmenter):
    from reference_pipeline import box_to_256

    with np.load(DEMO_DIR / "imgs" / "2DBox_MR_colin27-deepgrey.npz") as data:
        image, box = data["imgs"], data["boxes"][0].copy()
    h, w = image.shape[:2]
    box[0], box[3] = -60, h + 40  # past the left and the bottom edges
    segs = segmenter.segment_2d(image, [box])
    segmenter.set_image(image)
    embedding = segmenter.embedding
    encoder_input, resized = _core.prepare_encoder_input(image)

    def mask(box256):
        logits = segmenter.model.decode(embedding, np.array([box256], np.float32))
        return _core.logits_to_mask(logits[0, 0], *resized, h, w).astype(bool)

    as_given = mask(box_to_256(box, h, w))  # the reference's scaling, negative x0 and all
    clipped = mask(box_to_256(np.clip(box, 0, [w - 1, h - 1, w - 1, h - 1]), h, w))
    assert not np.array_equal(as_given, clipped)
    np.testing.assert_array_equal(segs == 1, as_given)


@pytest.mark.slow
def test_more_than_255_boxes_in_3d_get_uint16_labels_each_in_its_own_cell(segmenter):
    image, boxes = grid_case(16, 17)  # 272 boxes on one slice: 272 decodes
    volume = np.ascontiguousarray(image[None, :, :, 0])
    boxes3 = np.column_stack(
        [boxes[:, :2], np.zeros(len(boxes)), boxes[:, 2:], np.zeros(len(boxes))]
    )
    segs = segmenter.segment_3d(volume, boxes3)
    assert segs.dtype == np.uint16 and segmenter.last_stats["masks_decoded"] == 272
    for label, (x0, y0, x1, y1) in enumerate(boxes, start=1):
        cell = np.zeros(segs.shape[1:], bool)
        cell[y0 - 1 : y1 + 2, x0 - 1 : x1 + 2] = True
        # Each label lies inside its own box's cell, and no other label does.
        assert np.any(segs[0][cell] == label) and np.all(segs[0][~cell] != label), label
