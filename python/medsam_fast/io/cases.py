"""The challenge's npz data contract: reading and checking cases.

Input npz: ``imgs`` (H,W,3) or (H,W) uint8 with ``boxes`` (N,4) ``[x0,y0,x1,y1]`` for
2D; ``imgs`` (D,H,W) uint8 with ``boxes`` (N,6) ``[x0,y0,z0,x1,y1,z1]`` for 3D; bounds
inclusive.  Output npz: the same file name with one key, ``segs``.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class CaseError(ValueError):
    """A case that cannot be segmented; the message names the file and the problem."""

    def __init__(self, source: str, problem: str):
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


@dataclass
class Case:
    name: str  # file name (or "<array>")
    imgs: np.ndarray  # uint8, C-contiguous
    boxes: np.ndarray  # float64 (N,4) or (N,6), C-contiguous
    spacing: np.ndarray | None = None

    @property
    def is_3d(self) -> bool:
        return self.boxes.shape[1] == 6

    @property
    def modality(self) -> str | None:
        return modality_from_name(self.name)


def modality_from_name(name: str) -> str | None:
    """``2DBox_US_x.npz`` -> ``US``; None for a name outside the challenge's pattern."""
    parts = Path(name).stem.split("_")
    return parts[1] if len(parts) > 2 and parts[0] in ("2DBox", "3DBox") else None


def label_dtype(num_boxes: int) -> np.dtype:
    """uint8 while the labels fit, uint16 beyond 255 boxes (the Python entries overflowed)."""
    if num_boxes > np.iinfo(np.uint16).max:
        raise ValueError(f"{num_boxes} boxes: at most 65535 are supported")
    return np.dtype(np.uint8 if num_boxes <= 255 else np.uint16)


def _kind_from_name(name: str) -> str | None:
    stem = Path(name).name
    if stem.startswith("2D"):
        return "2D"
    if stem.startswith("3D"):
        return "3D"
    return None


def check_case(imgs, boxes, name: str = "<array>", spacing=None) -> Case:
    """Validates arrays against the data contract; returns them ready for the core."""
    imgs = np.asarray(imgs)
    boxes = np.asarray(boxes)
    if imgs.dtype != np.uint8:
        raise CaseError(name, f"imgs must be uint8 (challenge intensities 0-255), got {imgs.dtype}")
    if boxes.dtype.kind not in "iuf" or boxes.dtype == np.bool_:
        raise CaseError(name, f"boxes must be numeric, got {boxes.dtype}")
    if boxes.ndim == 1 and boxes.size in (4, 6):
        boxes = boxes[None, :]
    kind = _kind_from_name(name)
    if kind is None:
        kind = "3D" if (boxes.ndim == 2 and boxes.shape[1] == 6) else "2D"
    width = 6 if kind == "3D" else 4
    if boxes.ndim != 2 or boxes.shape[1] != width:
        raise CaseError(name, f"a {kind} case needs boxes of shape (N, {width}), got {boxes.shape}")
    if kind == "3D" and imgs.ndim != 3:
        raise CaseError(name, f"a 3D case needs imgs of shape (D, H, W), got {imgs.shape}")
    if kind == "2D" and not (imgs.ndim == 2 or (imgs.ndim == 3 and imgs.shape[2] == 3)):
        raise CaseError(
            name, f"a 2D case needs imgs of shape (H, W, 3) or (H, W), got {imgs.shape}"
        )
    if 0 in imgs.shape:
        raise CaseError(name, f"imgs is empty, shape {imgs.shape}")
    boxes = np.ascontiguousarray(boxes, dtype=np.float64)
    non_finite = np.nonzero(~np.all(np.isfinite(boxes), axis=1))[0]
    if non_finite.size:
        raise CaseError(
            name,
            f"box {non_finite[0] + 1} has a NaN or infinite coordinate: "
            f"{boxes[non_finite[0]].tolist()}",
        )
    lo, hi = (boxes[:, :2], boxes[:, 2:]) if width == 4 else (boxes[:, :3], boxes[:, 3:])
    inverted = np.nonzero(np.any(hi < lo, axis=1))[0]
    if inverted.size:
        raise CaseError(
            name,
            f"box {inverted[0] + 1} is inverted (a max below its min): "
            f"{boxes[inverted[0]].tolist()}",
        )
    extent = np.array(
        imgs.shape[1::-1] if kind == "2D" else (imgs.shape[2], imgs.shape[1], imgs.shape[0]),
        dtype=np.float64,
    )
    outside = np.nonzero(np.any(hi < 0, axis=1) | np.any(lo > extent - 1, axis=1))[0]
    if outside.size:
        raise CaseError(
            name, f"box {outside[0] + 1} lies outside the image {boxes[outside[0]].tolist()}"
        )
    label_dtype(len(boxes))
    return Case(
        name,
        np.ascontiguousarray(imgs),
        boxes,
        None if spacing is None else np.asarray(spacing, dtype=np.float64),
    )


ZIP_MAGIC = b"PK\x03\x04"


def load_case(path: str | os.PathLike) -> Case:
    """Reads and checks one npz case; refuses pickled objects."""
    path = Path(path)
    name = path.name
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
        if magic != ZIP_MAGIC:
            raise CaseError(name, "not a readable npz (not a zip archive)")
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in ("imgs", "boxes") if k not in data.files]
            if missing:
                raise CaseError(name, f"missing key(s) {missing}; found {data.files}")
            imgs, boxes = data["imgs"], data["boxes"]
            spacing = data["spacing"] if "spacing" in data.files else None
    except CaseError:
        raise
    except FileNotFoundError:
        raise CaseError(name, "file not found") from None
    except ValueError as exc:
        if "pickle" in str(exc).lower() or "object" in str(exc).lower():
            raise CaseError(name, "holds pickled objects, which are refused") from None
        raise CaseError(name, f"not a readable npz ({exc})") from None
    # A damaged deflate stream surfaces as zlib.error, an unknown compression method as
    # NotImplementedError: both are unreadable files, not crashes.
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError) as exc:
        raise CaseError(name, f"not a readable npz ({type(exc).__name__}: {exc})") from None
    return check_case(imgs, boxes, name, spacing)
