"""Training folders built from the real Colin27 deep grey structures (8 AAL labels):
the even axial slices to train on and the odd ones held out, as two challenge-format
cases, and cases with one thing wrong for the error tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from realdata import colin27


def deep_grey_halves(labels=tuple(colin27.DEEP_GREY), step: int = 2, limit: int | None = None):
    """(even, odd): cases with imgs, gts (labels 1..N) and spacing, from alternate slices
    of the labels' z-range; ``limit`` keeps that many slices of each, from the middle."""
    case = colin27.case_3d(labels=labels)
    halves = []
    for start in range(step):
        imgs, gts = case["imgs"][start::step], case["gts"][start::step]
        if limit is not None:
            middle = len(imgs) // 2
            lo = max(0, middle - limit // 2)
            imgs, gts = imgs[lo : lo + limit], gts[lo : lo + limit]
        spacing = np.array([float(step), 1.0, 1.0])
        halves.append({"imgs": np.ascontiguousarray(imgs), "gts": gts, "spacing": spacing})
    return halves


def write_case(folder: Path, name: str, **arrays) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    np.savez_compressed(path, **arrays)
    return path
