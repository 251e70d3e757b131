"""Prompt boxes for training, in the 256 frame as ``[x0, y0, x1, y1]``:
- ``tight``: the framed mask's bounding box, each side pushed out by its own
  ``randint(0, shift)`` and kept inside [0, 256] (the upstream recipe);
- ``projection``: the label's 3D box projected on the slice (how PET and box_every_slice
  prompt), or the 2D image's tight box, mapped to the frame as inference maps boxes;
- ``npz``: the file's own box for that label (label i is box i), mapped the same way.
"""

from __future__ import annotations

import numpy as np

from .. import _core
from .frame import FRAME


def tight_box(mask: np.ndarray) -> np.ndarray:
    """[x0, y0, x1, y1] (inclusive) of a non-empty boolean mask."""
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        raise ValueError("the mask is empty: no box")
    return np.array([xs.min(), ys.min(), xs.max(), ys.max()], dtype=np.float64)


def jitter_box(box: np.ndarray, shift: int, rng: np.random.Generator) -> np.ndarray:
    """Each side moved outwards by an independent integer in [0, shift], clipped to the frame."""
    pushed = rng.integers(0, shift + 1, size=4) if shift > 0 else np.zeros(4, dtype=np.int64)
    x0, y0, x1, y1 = box
    return np.array(
        [
            max(0.0, x0 - pushed[0]),
            max(0.0, y0 - pushed[1]),
            min(float(FRAME), x1 + pushed[2]),
            min(float(FRAME), y1 + pushed[3]),
        ],
        dtype=np.float64,
    )


def box_to_frame(box_xyxy, shape: tuple[int, int]) -> np.ndarray:
    """A box in the slice's own pixels -> the 256 frame, by the core's rule (as inference)."""
    x0, y0, x1, y1 = (float(v) for v in box_xyxy)
    return np.array(_core.box_to_frame(x0, y0, x1, y1, shape[0], shape[1]), dtype=np.float64)


def plane_box_of_3d(box6: np.ndarray, axis: int) -> np.ndarray:
    """The in-plane [x0, y0, x1, y1] of a 3D box ``[x0, y0, z0, x1, y1, z1]`` seen along
    ``axis`` (0: z, the slice's columns are x and rows y; 1: y -> (x, z); 2: x -> (y, z))."""
    lo, hi = box6[:3], box6[3:]  # (x, y, z)
    keep = {0: (0, 1), 1: (0, 2), 2: (1, 2)}[axis]
    return np.array([lo[keep[0]], lo[keep[1]], hi[keep[0]], hi[keep[1]]], dtype=np.float64)


def box_3d_of_label(gts: np.ndarray, label: int) -> np.ndarray:
    """The tight 3D box ``[x0, y0, z0, x1, y1, z1]`` of a label in a (D, H, W) volume."""
    zs, ys, xs = np.nonzero(gts == label)
    return np.array([xs.min(), ys.min(), zs.min(), xs.max(), ys.max(), zs.max()], np.float64)


def flip_box(box: np.ndarray, horizontal: bool, vertical: bool) -> np.ndarray:
    """The frame box after the frame is flipped (pixel i goes to 255 - i)."""
    x0, y0, x1, y1 = box
    if horizontal:
        x0, x1 = FRAME - 1 - x1, FRAME - 1 - x0
    if vertical:
        y0, y1 = FRAME - 1 - y1, FRAME - 1 - y0
    return np.array([x0, y0, x1, y1], dtype=np.float64)
