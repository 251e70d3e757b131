"""Training cases: the challenge's npz files (``imgs`` and ``gts``; ``boxes`` optional),
each decompressed once into a memory-mapped cache so an epoch never re-inflates a volume,
and split into training and validation by case, never by slice."""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io.atomic import replacing, write_text_atomic
from ..io.cases import CaseError, modality_from_name
from ..segmentation.routing import normalise_modality


@dataclass(frozen=True)
class TrainCase:
    """One case's arrays, memory-mapped from the cache. 2D images are (H, W, 3) or
    (H, W) with gts (H, W); 3D volumes (D, H, W) with gts (D, H, W)."""

    name: str
    imgs: np.ndarray
    gts: np.ndarray
    boxes: np.ndarray | None
    spacing: tuple[float, float, float]
    cache_id: str = ""  # the cache folder's name: file stem and a key of its content

    @property
    def is_3d(self) -> bool:
        return self.gts.ndim == 3


def find_cases(folder: str | Path, modality: str | None = None) -> list[Path]:
    """The npz files of a folder (sorted), kept to one modality when given."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder}: training data folder not found")
    files = sorted(folder.glob("*.npz"))
    if not files:
        raise FileNotFoundError(f"{folder}: no .npz files (expected the challenge's format)")
    if modality is None:
        return files
    wanted = normalise_modality(modality)
    kept = [f for f in files if normalise_modality(modality_from_name(f.name)) == wanted]
    if not kept:
        raise FileNotFoundError(
            f"{folder}: no npz of modality {modality!r} (names like 3DBox_{modality}_x.npz)"
        )
    return kept


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    name = path.name
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in ("imgs", "gts") if k not in data.files]
            if missing:
                raise CaseError(name, f"missing key(s) {missing} for training; found {data.files}")
            return {k: data[k] for k in ("imgs", "gts", "boxes", "spacing") if k in data.files}
    except CaseError:
        raise
    except ValueError as exc:
        raise CaseError(name, f"not a readable npz ({exc})") from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError) as exc:
        raise CaseError(name, f"not a readable npz ({type(exc).__name__}: {exc})") from None


def check_arrays(name: str, arrays: dict[str, np.ndarray]) -> None:
    """Refuses what training cannot use, naming the file and the problem."""
    imgs, gts = arrays["imgs"], arrays["gts"]
    if imgs.dtype != np.uint8:
        raise CaseError(name, f"imgs must be uint8, got {imgs.dtype}")
    if gts.dtype.kind not in "iub":
        raise CaseError(name, f"gts must hold integer labels, got {gts.dtype}")
    image_plane = imgs.shape[:2] if (imgs.ndim == 3 and imgs.shape[2] == 3) else imgs.shape
    if gts.ndim == 2:
        if imgs.ndim not in (2, 3) or tuple(image_plane) != gts.shape:
            raise CaseError(name, f"imgs {imgs.shape} and gts {gts.shape} differ in shape")
    elif gts.ndim == 3:
        if imgs.shape != gts.shape:
            raise CaseError(name, f"imgs {imgs.shape} and gts {gts.shape} differ in shape")
    else:
        raise CaseError(name, f"gts must be 2D or 3D, got shape {gts.shape}")
    if gts.dtype.kind == "i" and gts.size and gts.min() < 0:
        raise CaseError(name, "gts holds negative labels")
    if gts.size and gts.max() > 255:
        raise CaseError(name, "gts holds labels above 255")


def _cache_key(path: Path) -> str:
    stat = path.stat()
    text = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _write_npy(path: Path, array: np.ndarray) -> None:
    with replacing(path) as tmp, open(tmp, "wb") as f:
        np.save(f, np.ascontiguousarray(array))


def load_cached(path: Path, cache_dir: Path) -> TrainCase:
    """The case's arrays from the cache, decompressing the npz there on first use."""
    folder = cache_dir / f"{path.stem}-{_cache_key(path)}"
    meta_file = folder / "meta.json"
    if not meta_file.is_file():
        arrays = _read_npz(path)
        check_arrays(path.name, arrays)
        gts = arrays["gts"].astype(np.uint8, copy=False)
        _write_npy(folder / "imgs.npy", arrays["imgs"])
        _write_npy(folder / "gts.npy", gts)
        if "boxes" in arrays:
            _write_npy(folder / "boxes.npy", np.asarray(arrays["boxes"], dtype=np.float64))
        spacing = arrays.get("spacing")
        spacing = [1.0, 1.0, 1.0] if spacing is None else [float(s) for s in spacing][:3]
        meta = {"source": str(path), "spacing": spacing, "boxes": "boxes" in arrays}
        write_text_atomic(meta_file, json.dumps(meta))  # written last: marks the cache whole
    meta = json.loads(meta_file.read_text())
    boxes = np.load(folder / "boxes.npy") if meta["boxes"] else None
    return TrainCase(
        name=path.name,
        imgs=np.load(folder / "imgs.npy", mmap_mode="r"),
        gts=np.load(folder / "gts.npy", mmap_mode="r"),
        boxes=boxes,
        spacing=tuple(meta["spacing"]),
        cache_id=folder.name,
    )


def split_by_case(
    files: list[Path], val_fraction: float, seed: int
) -> tuple[list[Path], list[Path]]:
    """Whole cases to validation (at least one when the fraction is above 0 and there are
    two or more cases), chosen by the seed alone."""
    if val_fraction <= 0 or len(files) < 2:
        return list(files), []
    count = min(len(files) - 1, max(1, round(len(files) * val_fraction)))
    order = np.random.default_rng([seed, 7]).permutation(len(files))
    held = set(order[:count].tolist())
    train = [f for i, f in enumerate(files) if i not in held]
    val = [f for i, f in enumerate(files) if i in held]
    return train, val
