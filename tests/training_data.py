"""Training folders built from the real Colin27 deep grey structures (8 AAL labels):
alternate axial slices to train on and to hold out, written as challenge-format cases,
and the held-out score through a Segmenter (the tight box of each label on each slice)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medsam_fast.evaluation import metrics
from realdata import colin27
from realdata.boxes import mask_box

DEEP_GREY = tuple(colin27.DEEP_GREY)
# Other structures on the same slices, to see whether a fine-tune forgets them.
OTHERS = (29, 30, 37, 38, 41, 42, 55, 56)  # insula, hippocampus, amygdala, fusiform


def label_slices(labels=DEEP_GREY) -> np.ndarray:
    """The axial slices holding any of ``labels``."""
    _, atlas = colin27.load()
    return np.nonzero(np.isin(atlas, labels).any(axis=(1, 2)))[0]


def alternate_slices(limit: int | None = None, labels=DEEP_GREY) -> tuple[np.ndarray, np.ndarray]:
    """(even, odd) slices of the labels' z-range; ``limit`` keeps that many of each,
    from the middle of the range."""
    zs = label_slices(labels)
    even, odd = zs[::2], zs[1::2]
    if limit is not None:
        lo = max(0, len(even) // 2 - limit // 2)
        even, odd = even[lo : lo + limit], odd[lo : lo + limit]
    return even, odd


def volume_case(zs, labels=DEEP_GREY) -> dict:
    """imgs (the chosen slices), gts (labels renumbered 1..N) and spacing."""
    t1, atlas = colin27.load()
    crop = atlas[zs]
    gts = np.zeros(crop.shape, np.uint8)
    for i, label in enumerate(labels, start=1):
        gts[crop == label] = i
    spacing = np.array([2.0, 1.0, 1.0])
    return {"imgs": np.ascontiguousarray(t1[zs]), "gts": gts, "spacing": spacing}


def deep_grey_halves(limit: int | None = None):
    """(even, odd) deep grey cases from alternate slices."""
    even, odd = alternate_slices(limit)
    return volume_case(even), volume_case(odd)


def write_case(folder: Path, name: str, **arrays) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    np.savez_compressed(path, **arrays)
    return path


def per_slice_dsc(segmenter, case: dict, modality: str = "MR") -> float:
    """Mean DSC over labels of ``case`` segmented slice by slice, each label prompted
    with its tight box on that slice, routed by ``modality``."""
    seg = np.zeros_like(case["gts"])
    for z, (image, gts) in enumerate(zip(case["imgs"], case["gts"], strict=True)):
        labels = [int(v) for v in np.unique(gts) if v]
        if not labels:
            continue
        boxes = np.array([mask_box(gts == v) for v in labels], np.float64)
        out = segmenter.segment({"imgs": image, "boxes": boxes}, modality=modality)
        for i, label in enumerate(labels, start=1):
            seg[z][out == i] = label
    return metrics.dsc(case["gts"], seg).mean


def held_out_scores(strategy, limit: int | None, threads: int = 2) -> dict[str, float]:
    """DSC on the odd slices, for the deep grey structures and for the others, through
    the routing table ``strategy``."""
    from medsam_fast import Segmenter

    segmenter = Segmenter(strategy=strategy, threads=threads)
    _, odd = alternate_slices(limit)
    return {
        "held_in": per_slice_dsc(segmenter, volume_case(odd)),
        "others": per_slice_dsc(segmenter, volume_case(odd, OTHERS)),
    }
