"""A second real T1 MRI with a brain mask, from Debian's ``insighttoolkit5-examples``
(ITK's k-means test subject, 128x128x62 at 2x2x3 mm, with its skull-strip mask).
Used by the tests and the benchmarks; needs ``nibabel`` and
``apt-get install insighttoolkit5-examples``.

The volume is stored L-S-A, so its third axis runs anterior: we stack it as coronal
slices (D,H,W) = (anterior, superior, left).  The brain is everything the skull-strip
mask labels non-zero.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from .boxes import mask_box

DATA = Path("/usr/share/doc/insighttoolkit5-examples/examples/Data")
T1_FILE = DATA / "KmeansTest_T1UCharRaw.nii.gz"
MASK_FILE = DATA / "KmeansTest_T1RawSkullStrip.nii.gz"


def _coronal_stack(path: Path) -> np.ndarray:
    import nibabel as nib

    if not path.exists():
        raise FileNotFoundError(f"{path}: install Debian's insighttoolkit5-examples")
    data = np.asanyarray(nib.load(str(path)).dataobj)  # (L, S, A)
    return np.ascontiguousarray(data.transpose(2, 1, 0)[:, ::-1, :])


@lru_cache(maxsize=1)
def load() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T1 uint8, brain mask uint8 0/1, spacing of the stacked axes in mm)."""
    t1 = _coronal_stack(T1_FILE)
    if t1.min() < 0 or t1.max() > 255:
        raise ValueError(f"{T1_FILE}: expected intensities within 0..255")
    brain = (_coronal_stack(MASK_FILE) > 0).astype(np.uint8)
    return t1.astype(np.uint8), brain, np.array([3.0, 2.0, 2.0])


def case_3d() -> dict:
    """The whole brain as one 3D box: imgs, boxes (1,6), spacing, gts."""
    t1, brain, spacing = load()
    return {
        "imgs": t1,
        "boxes": np.array([mask_box(brain)], dtype=np.int64),
        "spacing": spacing,
        "gts": brain.copy(),
    }


def case_2d(slice_index: int = 31) -> dict:
    """One coronal slice as an RGB image with the brain's box: imgs, boxes (1,4), gts."""
    t1, brain, _ = load()
    gts = np.ascontiguousarray(brain[slice_index])
    if not gts.any():
        raise ValueError(f"slice {slice_index} holds no brain")
    imgs = np.repeat(t1[slice_index][:, :, None], 3, axis=2)
    return {"imgs": imgs, "boxes": np.array([mask_box(gts)], dtype=np.int64), "gts": gts}
