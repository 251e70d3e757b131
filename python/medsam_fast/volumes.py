"""NIfTI volumes and box files, for data held outside the challenge's npz format.

Axis convention: a NIfTI array (i, j, k) is used as (D, H, W) = (k, j, i), so a box
``[x0, y0, z0, x1, y1, z1]`` is ``[i0, j0, k0, i1, j1, k1]`` in the file's own voxel
indices (inclusive), and ``spacing`` is (dk, dj, di).  Results are written back in the
file's own axis order with its affine and header, so viewers overlay them on the image.
"""
from __future__ import annotations

import csv
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cases import CaseError

NIFTI_SUFFIXES = (".nii", ".nii.gz")


@dataclass
class Volume:
    array: np.ndarray        # (D, H, W), the file's dtype
    spacing: tuple           # (dz, dy, dx) in mm, in the array's axis order
    affine: np.ndarray       # 4x4 voxel (i, j, k) -> world
    header: object           # the source header, reused when writing results
    source: Path


def _nibabel(path):
    try:
        import nibabel
    except ImportError:
        raise CaseError(Path(path).name, "reading NIfTI needs nibabel: pip install 'medsam-fast[nifti]'") from None
    return nibabel


def is_nifti(path) -> bool:
    return str(path).endswith(NIFTI_SUFFIXES)


def load_volume(path) -> Volume:
    """A NIfTI file as a (D, H, W) array with spacing and the geometry to write back."""
    path = Path(path)
    nib = _nibabel(path)
    try:
        image = nib.load(str(path))
        data = np.asanyarray(image.dataobj)
    except FileNotFoundError:
        raise CaseError(path.name, "file not found") from None
    except Exception as exc:  # nibabel raises many types for truncated or foreign files
        raise CaseError(path.name, f"not a readable NIfTI ({type(exc).__name__}: {exc})") from None
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise CaseError(path.name, f"expected a 3D volume, got shape {data.shape}")
    if data.dtype.kind not in "iuf":
        raise CaseError(path.name, f"voxels must be numeric, got {data.dtype}")
    if data.dtype.kind == "f" and not np.all(np.isfinite(data)):
        raise CaseError(path.name, "voxels contain NaN or infinite values")
    zooms = [float(z) for z in image.header.get_zooms()[:3]]
    return Volume(np.ascontiguousarray(data.transpose(2, 1, 0)), tuple(zooms[::-1]),
                  np.asarray(image.affine), image.header, path)


def save_labels_like(volume: Volume, segs: np.ndarray, path) -> None:
    """Writes (D, H, W) labels as NIfTI in the source's axis order, affine and header."""
    path = Path(path)
    nib = _nibabel(path)
    header = volume.header.copy()
    header.set_data_dtype(segs.dtype)
    header["scl_slope"], header["scl_inter"] = 1.0, 0.0
    image = nib.Nifti1Image(np.ascontiguousarray(segs.transpose(2, 1, 0)), volume.affine, header)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = ".nii.gz" if str(path).endswith(".nii.gz") else ".nii"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        nib.save(image, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_boxes(path) -> np.ndarray:
    """Boxes ``[x0, y0, z0, x1, y1, z1]`` (voxels, inclusive) from JSON (a list of boxes or
    ``{"boxes": [...]}``) or CSV (columns x0,y0,z0,x1,y1,z1, one box per row)."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".csv":
            with open(path, newline="") as f:
                rows = [[float(r[k]) for k in ("x0", "y0", "z0", "x1", "y1", "z1")]
                        for r in csv.DictReader(f)]
        else:
            data = json.loads(path.read_text())
            rows = data["boxes"] if isinstance(data, dict) else data
        boxes = np.asarray(rows, dtype=np.float64)
    except FileNotFoundError:
        raise CaseError(path.name, "file not found") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise CaseError(path.name, f"not a box file ({type(exc).__name__}: {exc}); expected "
                                   "[[x0, y0, z0, x1, y1, z1], ...]") from None
    if boxes.ndim != 2 or boxes.shape[1] != 6:
        raise CaseError(path.name, f"boxes must be (N, 6) [x0, y0, z0, x1, y1, z1], got {boxes.shape}")
    return boxes
