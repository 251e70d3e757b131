"""3D propagation on a few real slices, against a walk written here from the core's parts.

The walk: each box's middle slice is prompted by the box itself, then each slice up to
its last and down to its first by the previous slice's mask box grown by the margin
(``_core.propagation_box``); a later box wins where boxes overlap.  The embeddings and
masks come from the encoder, decoder and upsampling alone, so a change to the margin,
the walk or the label order in the C++ pass shows here.  Also the options that reach
that pass: ``--margin``, ``--max-cached`` and ``--strategy FILE.toml``.
"""

import numpy as np
import pytest

import medsam_fast.segmentation
from medsam_fast import _core
from medsam_fast.cli import main
from medsam_fast.cli.demo import DEMO_DIR

NAME = "3DBox_MR_few-slices.npz"


@pytest.fixture(scope="module")
def small_case():
    """Two axial slices through both thalami (real MRI), three boxes: the two thalami
    and a copy of the left one on the second slice only, so its walk has another middle
    slice and overlaps box 1's propagated mask (label 3 must win there).  Two slices keep
    it fast: every run encodes each slice once."""
    with np.load(DEMO_DIR / "imgs" / "3DBox_MR_colin27-thalamus.npz") as data:
        imgs = np.ascontiguousarray(data["imgs"][11:13])
        boxes = data["boxes"].copy()
    boxes[:, 2], boxes[:, 5] = 0, 1
    late = boxes[0].copy()
    late[2] = 1
    return imgs, np.vstack([boxes, late])


class ReferenceWalk:
    def __init__(self, model, imgs):
        self.model, self.imgs = model, imgs
        self.h, self.w = imgs.shape[1:]
        self.resized = None
        self.embeddings = []
        for z in range(len(imgs)):
            encoder_input, self.resized = _core.prepare_encoder_input(imgs[z])
            self.embeddings.append(model.encode(encoder_input))
        self._masks = {}

    def mask(self, z, frame_box):
        key = (z, tuple(frame_box))
        if key not in self._masks:
            logits = self.model.decode(self.embeddings[z], np.array([frame_box], np.float32))
            self._masks[key] = _core.logits_to_mask(logits[0, 0], *self.resized, self.h, self.w)
        return self._masks[key]

    def propagate(self, boxes, margin):
        segs = np.zeros(self.imgs.shape, np.uint8)
        for label, (x0, y0, z0, x1, y1, z1) in enumerate(boxes, start=1):
            box = _core.box_to_frame(x0, y0, x1, y1, self.h, self.w)
            first, last = max(0, int(z0)), min(len(self.imgs) - 1, int(z1))
            mid = first + (last - first) // 2
            masks = {mid: self.mask(mid, box)}
            for direction, stop in ((1, last + 1), (-1, first - 1)):
                previous = masks[mid]
                for z in range(mid + direction, stop, direction):
                    prompt = _core.propagation_box(previous, min(label, 255), margin) or box
                    masks[z] = previous = self.mask(z, prompt)
            for z, m in masks.items():
                segs[z][m.astype(bool)] = label
        return segs

    def box_every_slice(self, boxes):
        segs = np.zeros(self.imgs.shape, np.uint8)
        for label, (x0, y0, z0, x1, y1, z1) in enumerate(boxes, start=1):
            box = _core.box_to_frame(x0, y0, x1, y1, self.h, self.w)
            for z in range(max(0, int(z0)), min(len(self.imgs) - 1, int(z1)) + 1):
                segs[z][self.mask(z, box).astype(bool)] = label
        return segs


@pytest.fixture(scope="module")
def reference(segmenter, small_case):
    imgs, boxes = small_case
    walk = ReferenceWalk(segmenter.model, imgs)
    by_margin = {m: walk.propagate(boxes, m) for m in (0, 3, 4)}
    # The margins must matter on this case, or the tests below could not see one ignored
    # (or one pixel too many).
    assert not np.array_equal(by_margin[0], by_margin[3])
    assert not np.array_equal(by_margin[3], by_margin[4])
    return walk, by_margin


def test_propagation_equals_the_reference_walk_with_the_tables_margin(
    segmenter, small_case, reference
):
    imgs, boxes = small_case
    _, by_margin = reference
    segs = segmenter.segment_3d(imgs, boxes, modality="MR")  # baseline table: 3 px
    assert segmenter.last_stats["margin"] == 3
    np.testing.assert_array_equal(segs, by_margin[3])
    assert set(np.unique(segs)) == {0, 1, 2, 3}
    # Encoding ahead kept more than one slice embedding at a time.
    assert segmenter.last_stats["peak_cached_embeddings"] > 1


class Spy(medsam_fast.segmentation.Segmenter):
    """The CLI's Segmenter, kept for a look at its last_stats."""

    made: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        Spy.made.append(self)


def segment_cli(tmp_path, imgs, boxes, monkeypatch, *options):
    folder, out = tmp_path / "imgs", tmp_path / "segs"
    folder.mkdir()
    np.savez(folder / NAME, imgs=imgs, boxes=boxes, spacing=np.ones(3))
    Spy.made = []
    monkeypatch.setattr(medsam_fast.segmentation, "Segmenter", Spy)
    assert main(["segment", "-i", str(folder), "-o", str(out), "--threads", "2", *options]) == 0
    (segmenter,) = Spy.made
    with np.load(out / NAME) as data:
        return data["segs"], segmenter.last_stats


def test_cli_margin_overrides_the_tables_margin(tmp_path, small_case, reference, monkeypatch):
    imgs, boxes = small_case
    segs, stats = segment_cli(
        tmp_path, imgs, boxes, monkeypatch, "--margin", "0", "--strategy", "seed"
    )
    assert stats["strategy"] == "propagate" and stats["margin"] == 0  # MR's own is 7
    np.testing.assert_array_equal(segs, reference[1][0])


def test_cli_max_cached_1_holds_one_embedding_and_segments_the_same(
    tmp_path, small_case, reference, monkeypatch
):
    imgs, boxes = small_case
    segs, stats = segment_cli(
        tmp_path, imgs, boxes, monkeypatch, "--max-cached", "1", "--strategy", "baseline"
    )
    assert stats["peak_cached_embeddings"] == 1
    np.testing.assert_array_equal(segs, reference[1][3])


def test_cli_strategy_toml_routes_the_modality(tmp_path, small_case, reference, monkeypatch):
    imgs, boxes = small_case
    table = tmp_path / "mine.toml"
    table.write_text(
        '[default]\nmode_3d = "propagate"\n\n[modality.MR]\nmode_3d = "box_every_slice"\n'
    )
    segs, stats = segment_cli(tmp_path, imgs, boxes, monkeypatch, "--strategy", str(table))
    assert stats["strategy"] == "box_every_slice"
    expected = reference[0].box_every_slice(boxes)
    assert not np.array_equal(expected, reference[1][3])
    np.testing.assert_array_equal(segs, expected)
