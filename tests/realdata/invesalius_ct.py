"""A real head CT with labels, from Debian's ``invesalius-examples``: InVesalius's
``Cranium.inv3`` project ("ProMED CT 0051", 108 axial slices of 256x256 at
0.957x0.957x1.5 mm, in Hounsfield units).  Needs ``apt-get install invesalius-examples``.

The project holds two masks, made in InVesalius by thresholds: bone (226 HU and up) and
the head's tissue (-142 HU and up); each equals its threshold voxel for voxel.  A mask
also catches the head holder, so a structure is its mask's largest 3D component:
- ``head``: the head's tissue, in the soft-tissue window (level 40, width 400);
- ``skull``: the bone (skull, mandible and upper spine, joined), in the bone window
  (level 400, width 1800).
Both are whole-organ boxes, the only kind these labels give; they were fixed before any
strategy ran on them.  The project file is a gzipped tar of plists and raw arrays, read
with the standard library at test time; it is never copied into the project (Debian's
copyright file gives the package as GPL-2).
"""

from __future__ import annotations

import plistlib
import tarfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from medsam_fast import intensity

from .boxes import case_from_masks, largest_components

PROJECT_FILE = Path("/usr/share/doc/invesalius-examples/examples/Cranium.inv3")
MASKS = {"skull": "Máscara 1", "head": "Máscara 2"}  # structure -> the project's mask name
WINDOWS = {"skull": "bone", "head": "soft_tissue"}


def _members(path: Path) -> dict[str, bytes]:
    if not path.exists():
        raise FileNotFoundError(f"{path}: install Debian's invesalius-examples")
    with tarfile.open(path, "r:gz") as archive:
        return {Path(m.name).name: archive.extractfile(m).read() for m in archive if m.isfile()}


@lru_cache(maxsize=1)
def load() -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(CT int16 in HU (D,H,W), {mask name: bool (D,H,W)}, spacing (D,H,W) in mm)."""
    files = _members(PROJECT_FILE)
    main = plistlib.loads(files["main.plist"])
    matrix = main["matrix"]
    ct = np.frombuffer(files[matrix["filename"]], dtype=matrix["dtype"]).reshape(matrix["shape"])
    masks = {}
    for name in main["masks"].values():
        info = plistlib.loads(files[name])
        raw = np.frombuffer(files[info["mask_file"]], dtype=np.uint8)
        # InVesalius keeps a bookkeeping plane before each axis: the voxels start at 1.
        masks[info["name"]] = raw.reshape(info["mask_shape"])[1:, 1:, 1:] > 127
    x, y, z = main["spacing"]
    return ct, masks, np.array([z, y, x])


def largest_component(mask: np.ndarray) -> np.ndarray:
    return largest_components(mask)[0]


def case_3d(name: str) -> dict:
    """One structure as one 3D box: imgs (the CT in the structure's window, cropped in z
    to it), boxes (1,6), spacing, gts."""
    ct, masks, spacing = load()
    structure = largest_component(masks[MASKS[name]])
    imgs = intensity.prepare_ct(ct, window=WINDOWS[name])
    return case_from_masks(imgs, [structure], spacing)
