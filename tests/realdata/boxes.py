"""Box prompts derived from label masks, as the challenge derives them, and 3D cases
built from such masks."""

from __future__ import annotations

import numpy as np


def mask_box(mask: np.ndarray) -> list[int]:
    """The tight box of a mask's non-zero voxels: [x0, y0, x1, y1] for 2D,
    [x0, y0, z0, x1, y1, z1] for 3D (bounds inclusive)."""
    idx = np.nonzero(mask)
    return [int(i.min()) for i in idx][::-1] + [int(i.max()) for i in idx][::-1]


def largest_components(mask: np.ndarray, count: int = 1) -> list[np.ndarray]:
    """The ``count`` largest 3D components of a mask (face-connected), largest first.
    Needs scipy."""
    from scipy import ndimage

    labels, found = ndimage.label(mask)
    if found < count:
        raise ValueError(f"the mask has {found} components, not {count}")
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return [labels == k for k in np.argsort(-sizes, kind="stable")[:count]]


def case_from_masks(imgs: np.ndarray, masks: list, spacing: np.ndarray) -> dict:
    """A 3D case of one structure per mask: imgs cropped in z to the masks' extent, boxes
    (N,6) their tight boxes, spacing, gts (label i is mask i; a later mask wins where
    they overlap)."""
    zs = np.nonzero(np.any(masks, axis=0).any(axis=(1, 2)))[0]
    z0, z1 = int(zs.min()), int(zs.max())
    gts = np.zeros((z1 - z0 + 1, *imgs.shape[1:]), dtype=np.uint8)
    for i, mask in enumerate(masks, start=1):
        gts[mask[z0 : z1 + 1]] = i
    return {
        "imgs": np.ascontiguousarray(imgs[z0 : z1 + 1]),
        "boxes": np.array([mask_box(mask[z0 : z1 + 1]) for mask in masks], dtype=np.int64),
        "spacing": np.asarray(spacing, dtype=np.float64).copy(),
        "gts": gts,
    }
