"""2D training samples and the order they are drawn in.

A sample is one (case, view, slice) holding at least one label.  Everything random about
it (which label, the flips, the box jitter) is drawn from a generator seeded by
(seed, epoch, index), and the order of an epoch from (seed, epoch): the same seed gives
the same samples whatever the number of processes or data workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import boxes as box_rules
from .cases import TrainCase
from .frame import flip, frame_slice, take_slice


@dataclass(frozen=True)
class SliceRef:
    case: int
    axis: int  # 0 for a 2D image
    index: int  # slice index along axis (0 for a 2D image)
    labels: tuple[int, ...]  # labels present on the slice


def index_slices(cases: list[TrainCase], views: str = "axial") -> list[SliceRef]:
    """Every slice holding a label, along z (or z, y and x with ``views="all"``)."""
    refs: list[SliceRef] = []
    for c, case in enumerate(cases):
        if not case.is_3d:
            present = tuple(int(v) for v in np.unique(case.gts) if v)
            if present:
                refs.append(SliceRef(c, 0, 0, present))
            continue
        gts = np.asarray(case.gts)
        for axis in (0, 1, 2) if views == "all" else (0,):
            for i in range(gts.shape[axis]):
                present = tuple(int(v) for v in np.unique(np.take(gts, i, axis=axis)) if v)
                if present:
                    refs.append(SliceRef(c, axis, i, present))
    return refs


def sample_rng(seed: int, epoch: int, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, epoch, index])


class SliceDataset:
    """Map-style dataset: item ``(epoch, index)`` -> dict of numpy arrays."""

    def __init__(
        self,
        cases: list[TrainCase],
        refs: list[SliceRef],
        seed: int = 0,
        bbox_shift: int = 5,
        box_source: str = "tight",
        flips: bool = True,
    ):
        if not refs:
            names = ", ".join(c.name for c in cases[:5])
            raise ValueError(f"no labelled slice in the training cases ({names}): gts are empty")
        self.cases, self.refs = cases, refs
        self.seed, self.bbox_shift = seed, bbox_shift
        self.box_source, self.flips = box_source, flips
        self._boxes_3d: dict[tuple[int, int], np.ndarray] = {}
        if box_source == "npz":
            missing = [c.name for c in cases if c.boxes is None]
            if missing:
                raise ValueError(f"{missing[0]}: --box-source npz needs the key 'boxes'")

    def __len__(self) -> int:
        return len(self.refs)

    def plane(self, ref: SliceRef) -> tuple[np.ndarray, np.ndarray]:
        case = self.cases[ref.case]
        if not case.is_3d:
            return np.asarray(case.imgs), np.asarray(case.gts)
        return take_slice(case.imgs, ref.axis, ref.index), take_slice(case.gts, ref.axis, ref.index)

    def _box_3d(self, case_index: int, label: int) -> np.ndarray:
        key = (case_index, label)
        if key not in self._boxes_3d:
            self._boxes_3d[key] = box_rules.box_3d_of_label(self.cases[case_index].gts, label)
        return self._boxes_3d[key]

    def frame_box(self, ref, label, framed, shape, rng, horizontal, vertical) -> np.ndarray:
        case = self.cases[ref.case]
        if self.box_source == "tight":
            return box_rules.jitter_box(box_rules.tight_box(framed == label), self.bbox_shift, rng)
        if self.box_source == "npz":
            box = np.asarray(case.boxes[label - 1], dtype=np.float64)
            own = box_rules.plane_box_of_3d(box, ref.axis) if box.size == 6 else box
        elif case.is_3d:
            own = box_rules.plane_box_of_3d(self._box_3d(ref.case, label), ref.axis)
        else:
            own = box_rules.tight_box(np.asarray(case.gts) == label)
        return box_rules.flip_box(box_rules.box_to_frame(own, shape), horizontal, vertical)

    def __getitem__(self, item: tuple[int, int]) -> dict:
        epoch, index = item
        ref = self.refs[index]
        rng = sample_rng(self.seed, epoch, index)
        label = int(ref.labels[rng.integers(len(ref.labels))])
        horizontal, vertical = (bool(v) for v in rng.random(2) < 0.5) if self.flips else (0, 0)
        image, labels = self.plane(ref)
        framed = frame_slice(image, labels)
        picture = flip(framed.image, horizontal, vertical)
        mask = flip(framed.labels, horizontal, vertical)
        box = self.frame_box(ref, label, mask, labels.shape, rng, horizontal, vertical)
        return {
            "image": picture,
            "mask": (mask == label).astype(np.float32)[None],
            "box": box.astype(np.float32),
            # What the frozen encoder's embedding depends on: the slice and its flips.
            "key": np.array([ref.case, ref.axis, ref.index, horizontal, vertical], np.int64),
            "index": np.int64(index),
        }


class GlobalBatchSampler:
    """Yields this process's micro-batches of ``(epoch, index)`` for one epoch.

    Step s takes positions [s*B, (s+1)*B) of the epoch's permutation; rank r of W takes
    its B/W of them, split into ``accumulate`` micro-batches.  The last incomplete global
    batch is dropped so every step has the same size on every rank.
    """

    def __init__(self, size, batch_size, seed, epoch, rank=0, world=1, accumulate=1, skip=0):
        if batch_size % (world * accumulate):
            raise ValueError(
                f"--batch-size {batch_size} must divide by processes x --accumulate "
                f"({world} x {accumulate})"
            )
        if size < batch_size:
            raise ValueError(f"{size} training samples: fewer than one batch of {batch_size}")
        self.size, self.batch_size, self.seed, self.epoch = size, batch_size, seed, epoch
        self.rank, self.world, self.accumulate, self.skip = rank, world, accumulate, skip

    @staticmethod
    def steps_per_epoch(size: int, batch_size: int) -> int:
        return size // batch_size

    def __len__(self) -> int:
        return (self.steps_per_epoch(self.size, self.batch_size) - self.skip) * self.accumulate

    def __iter__(self):
        order = np.random.default_rng([self.seed, self.epoch, 1]).permutation(self.size)
        share = self.batch_size // self.world
        micro = share // self.accumulate
        for step in range(self.skip, self.steps_per_epoch(self.size, self.batch_size)):
            start = step * self.batch_size + self.rank * share
            mine = order[start : start + share]
            for k in range(self.accumulate):
                yield [(self.epoch, int(i)) for i in mine[k * micro : (k + 1) * micro]]
