"""NIfTI volumes, DICOM series and box files, for data held outside the challenge's npz.

Axis convention: a NIfTI array (i, j, k) is used as (D, H, W) = (k, j, i), so a box
``[x0, y0, z0, x1, y1, z1]`` is ``[i0, j0, k0, i1, j1, k1]`` in the file's own voxel
indices (inclusive), and ``spacing`` is (dk, dj, di).  A DICOM series is stacked along
its slice normal (slices sorted by position), so (D, H, W) = (slice, row, column) and a
box's x is the column, y the row, z the slice.  Results are written as NIfTI in the
source's own axis order with its affine (computed from the DICOM geometry for a series),
so viewers overlay them on the image.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .atomic import replacing
from .cases import CaseError

NIFTI_SUFFIXES = (".nii", ".nii.gz")


@dataclass
class Volume:
    array: np.ndarray  # (D, H, W), the file's dtype
    spacing: tuple  # (dz, dy, dx) in mm, in the array's axis order
    affine: np.ndarray  # 4x4 voxel (i, j, k) -> world
    header: object  # the source header, reused when writing results
    source: Path


def _nibabel(path):
    try:
        import nibabel
    except ImportError:
        raise CaseError(
            Path(path).name, "reading NIfTI needs nibabel: pip install 'medsam-fast[nifti]'"
        ) from None
    return nibabel


def is_nifti(path) -> bool:
    return str(path).endswith(NIFTI_SUFFIXES)


def load_volume(path) -> Volume:
    """A NIfTI file or a DICOM series folder as a (D, H, W) array with spacing and the
    geometry to write results back."""
    path = Path(path)
    if path.is_dir():
        return load_dicom_series(path)
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
    return Volume(
        np.ascontiguousarray(data.transpose(2, 1, 0)),
        tuple(zooms[::-1]),
        np.asarray(image.affine),
        image.header,
        path,
    )


def load_dicom_series(folder) -> Volume:
    """A folder holding one DICOM series (uncompressed or with a pydicom pixel handler)."""
    folder = Path(folder)
    try:
        import pydicom
    except ImportError:
        raise CaseError(
            folder.name, "reading DICOM needs pydicom: pip install 'medsam-fast[dicom]'"
        ) from None
    slices = []
    for file in sorted(p for p in folder.iterdir() if p.is_file()):
        try:
            ds = pydicom.dcmread(str(file))
        except pydicom.errors.InvalidDicomError:
            continue  # not DICOM: a README, a DICOMDIR sidecar, ...
        if "PixelData" in ds:
            slices.append(ds)
    if not slices:
        raise CaseError(folder.name, "no DICOM image files in this folder")
    series = {str(getattr(ds, "SeriesInstanceUID", "")) for ds in slices}
    if len(series) > 1:
        raise CaseError(
            folder.name, f"holds {len(series)} DICOM series; give one series per folder"
        )
    try:
        orientation = np.array(slices[0].ImageOrientationPatient, dtype=np.float64)
        row_dir, col_dir = orientation[:3], orientation[3:]
        normal = np.cross(row_dir, col_dir)
        slices.sort(key=lambda ds: float(np.dot(np.array(ds.ImagePositionPatient, float), normal)))
        positions = np.array([ds.ImagePositionPatient for ds in slices], dtype=np.float64)
        dy, dx = (float(v) for v in slices[0].PixelSpacing)
        shape = (int(slices[0].Rows), int(slices[0].Columns))
        if any(
            (int(ds.Rows), int(ds.Columns)) != shape
            or not np.allclose(np.array(ds.ImageOrientationPatient, float), orientation, atol=1e-4)
            for ds in slices
        ):
            raise CaseError(folder.name, "slices differ in size or orientation")
        steps = np.diff(positions @ normal)
        dz = (
            float(np.median(steps))
            if len(steps)
            else float(getattr(slices[0], "SliceThickness", 1.0))
        )
        if len(steps) and (dz <= 0 or np.any(np.abs(steps - dz) > 0.01 * dz + 1e-3)):
            raise CaseError(
                folder.name, "slices are not evenly spaced (missing or duplicated slices?)"
            )
        array = np.stack(
            [
                ds.pixel_array.astype(np.float64) * float(getattr(ds, "RescaleSlope", 1.0))
                + float(getattr(ds, "RescaleIntercept", 0.0))
                for ds in slices
            ]
        )
    except CaseError:
        raise
    except (AttributeError, KeyError, ValueError, TypeError) as exc:
        raise CaseError(
            folder.name, f"incomplete DICOM geometry or pixels ({type(exc).__name__}: {exc})"
        ) from None
    if np.all(array == np.round(array)) and array.min() >= -32768 and array.max() <= 32767:
        array = array.astype(np.int16)
    # Voxel (column i, row j, slice k) -> patient LPS, then to the RAS that NIfTI uses.
    affine = np.eye(4)
    affine[:3, 0], affine[:3, 1], affine[:3, 2] = row_dir * dx, col_dir * dy, normal * dz
    affine[:3, 3] = positions[0]
    affine = np.diag([-1.0, -1.0, 1.0, 1.0]) @ affine
    return Volume(np.ascontiguousarray(array), (dz, dy, dx), affine, None, folder)


def save_labels_like(volume: Volume, segs: np.ndarray, path) -> None:
    """Writes (D, H, W) labels as NIfTI in the source's axis order, affine and header."""
    path = Path(path)
    nib = _nibabel(path)
    data = np.ascontiguousarray(segs.transpose(2, 1, 0))
    if volume.header is None:  # a DICOM series: nibabel derives zooms from the affine
        image = nib.Nifti1Image(data, volume.affine)
    else:
        header = volume.header.copy()
        header.set_data_dtype(segs.dtype)
        header["scl_slope"], header["scl_inter"] = 1.0, 0.0
        image = nib.Nifti1Image(data, volume.affine, header)
    suffix = ".nii.gz" if str(path).endswith(".nii.gz") else ".nii"
    with replacing(path, suffix) as tmp:  # nibabel picks the format from the suffix
        nib.save(image, str(tmp))


def load_boxes(path) -> np.ndarray:
    """Boxes ``[x0, y0, z0, x1, y1, z1]`` (voxels, inclusive) from JSON (a list of boxes or
    ``{"boxes": [...]}``) or CSV (columns x0,y0,z0,x1,y1,z1, one box per row)."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".csv":
            with open(path, newline="") as f:
                rows = [
                    [float(r[k]) for k in ("x0", "y0", "z0", "x1", "y1", "z1")]
                    for r in csv.DictReader(f)
                ]
        else:
            data = json.loads(path.read_text())
            rows = data["boxes"] if isinstance(data, dict) else data
        boxes = np.asarray(rows, dtype=np.float64)
    except FileNotFoundError:
        raise CaseError(path.name, "file not found") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise CaseError(
            path.name,
            f"not a box file ({type(exc).__name__}: {exc}); expected "
            "[[x0, y0, z0, x1, y1, z1], ...]",
        ) from None
    if boxes.ndim != 2 or boxes.shape[1] != 6:
        raise CaseError(
            path.name, f"boxes must be (N, 6) [x0, y0, z0, x1, y1, z1], got {boxes.shape}"
        )
    return boxes
