"""Box prompts derived from label masks, as the challenge derives them."""

from __future__ import annotations

import numpy as np


def mask_box(mask: np.ndarray) -> list[int]:
    """The tight box of a mask's non-zero voxels: [x0, y0, x1, y1] for 2D,
    [x0, y0, z0, x1, y1, z1] for 3D (bounds inclusive)."""
    idx = np.nonzero(mask)
    return [int(i.min()) for i in idx][::-1] + [int(i.max()) for i in idx][::-1]
