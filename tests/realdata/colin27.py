"""Real challenge-format cases from Debian's ``mricron-data``: the Colin27 T1 MRI with
the AAL atlas on its grid (1 mm isotropic).  Used by the tests, the benchmarks and to
build the bundled demo; needs ``nibabel`` (test extra) and ``apt-get install mricron-data``.

Arrays are axial stacks (D,H,W) = (z, y, x), with anterior at the top of each slice.
Boxes are the tight bounding boxes of the atlas labels, as the challenge derives them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from medsam_fast import intensity

from .boxes import mask_box

TEMPLATES = Path("/usr/share/mricron/templates")
T1_FILE = TEMPLATES / "ch2.nii.gz"
ATLAS_FILE = TEMPLATES / "aal.nii.gz"

DEEP_GREY = {
    71: "Caudate_L",
    72: "Caudate_R",
    73: "Putamen_L",
    74: "Putamen_R",
    75: "Pallidum_L",
    76: "Pallidum_R",
    77: "Thalamus_L",
    78: "Thalamus_R",
}


def axial_volume(path: Path, provider: str = "Debian's mricron-data") -> np.ndarray:
    """A RAS NIfTI volume as an axial stack (D,H,W), anterior at the top; ``provider``
    is what to install when the file is missing."""
    try:
        import nibabel as nib
    except ImportError as exc:
        raise ImportError(f"reading {path.name} needs nibabel: pip install nibabel") from exc
    if not path.exists():
        raise FileNotFoundError(f"{path}: install {provider}")
    data = np.asanyarray(nib.load(str(path)).dataobj)  # (x, y, z), RAS
    return np.ascontiguousarray(data.transpose(2, 1, 0)[:, ::-1, :])


@lru_cache(maxsize=1)
def load() -> tuple[np.ndarray, np.ndarray]:
    """(T1 uint8 prepared as the challenge's MR by the library's own preparation,
    ``medsam_fast.intensity.prepare(t1, "MR")``; AAL labels uint8), both (181, 217, 181)."""
    return intensity.prepare(axial_volume(T1_FILE), "MR"), axial_volume(ATLAS_FILE)


def case_3d(labels=(77, 78), pad_slices: int = 0) -> dict:
    """A 3D case cropped in z to the labels' extent: imgs, boxes (N,6), spacing, gts."""
    t1, atlas = load()
    present = np.isin(atlas, labels)
    zs = np.nonzero(present.any(axis=(1, 2)))[0]
    z0, z1 = max(0, zs.min() - pad_slices), min(atlas.shape[0] - 1, zs.max() + pad_slices)
    imgs = np.ascontiguousarray(t1[z0 : z1 + 1])
    crop = atlas[z0 : z1 + 1]
    gts = np.zeros(crop.shape, dtype=np.uint8)
    boxes = []
    for i, label in enumerate(labels, start=1):
        gts[crop == label] = i
        boxes.append(mask_box(crop == label))
    return {
        "imgs": imgs,
        "boxes": np.array(boxes, dtype=np.int64),
        "spacing": np.array([1.0, 1.0, 1.0]),
        "gts": gts,
    }


def case_2d(z: int = 80, labels=tuple(DEEP_GREY)) -> dict:
    """One axial slice as an RGB image with a box per label present: imgs, boxes (N,4), gts."""
    t1, atlas = load()
    slice_labels = atlas[z]
    present = [label for label in labels if np.any(slice_labels == label)]
    gts = np.zeros(slice_labels.shape, dtype=np.uint8)
    boxes = []
    for i, label in enumerate(present, start=1):
        gts[slice_labels == label] = i
        boxes.append(mask_box(slice_labels == label))
    imgs = np.repeat(t1[z][:, :, None], 3, axis=2)
    return {"imgs": imgs, "boxes": np.array(boxes, dtype=np.int64).reshape(-1, 4), "gts": gts}


def case_2d_atlas(z: int = 80) -> dict:
    """Every AAL label present on one axial slice, in label order: dozens of boxes,
    many of them overlapping (neighbouring gyri, deep grey inside the lobes' boxes)."""
    _, atlas = load()
    return case_2d(z, labels=tuple(int(label) for label in np.unique(atlas[z]) if label))
