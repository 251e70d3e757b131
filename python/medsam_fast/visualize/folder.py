"""Overlays for whole folders: beside a segmentation run (``segment --overlay DIR``) or
afterwards from the images and segmentations on disk (``medsam-fast overlay``)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.cases import Case, CaseError, load_case
from .figure import require_pillow, write_overlay

log = logging.getLogger(__name__)


def overlay_path(output_dir: Path, case_name: str) -> Path:
    """``2DBox_MR_x.npz`` -> ``output_dir/2DBox_MR_x.png``."""
    return Path(output_dir) / (Path(case_name).stem + ".png")


class OverlayWriter:
    """Called with (case, segs) after each case of a folder run; writes its PNG."""

    def __init__(self, output_dir: str | os.PathLike):
        require_pillow()
        self.output_dir = Path(output_dir)
        self.output_dir.mkdir(parents=True, exist_ok=True)

    def __call__(self, case: Case, segs: np.ndarray) -> None:
        write_overlay(overlay_path(self.output_dir, case.name), case, segs)


@dataclass
class OverlayResult:
    written: list[Path] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # case -> message


def load_segs(path: Path) -> np.ndarray:
    if not path.is_file():
        raise CaseError(path.name, f"no segmentation at {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            if "segs" not in data:
                raise CaseError(path.name, f"{path} has no 'segs' key")
            return data["segs"]
    except (OSError, ValueError) as exc:
        if isinstance(exc, CaseError):
            raise
        raise CaseError(path.name, f"cannot read {path}: {exc}") from exc


def overlay_folder(imgs_dir, segs_dir, output_dir) -> OverlayResult:
    """One PNG per case of ``imgs_dir`` with its same-named npz (key ``segs``) from
    ``segs_dir``; a bad or missing case is reported and skipped."""
    imgs_dir, segs_dir = Path(imgs_dir), Path(segs_dir)
    for folder in (imgs_dir, segs_dir):
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder}: not a folder")
    writer = OverlayWriter(output_dir)
    result = OverlayResult()
    for path in sorted(p for p in imgs_dir.iterdir() if p.suffix == ".npz" and p.is_file()):
        try:
            case = load_case(path)
            writer(case, load_segs(segs_dir / path.name))
        except (CaseError, ValueError, OSError) as exc:
            message = str(exc) if isinstance(exc, CaseError) else f"{path.name}: {exc}"
            result.failures[path.name] = message
            log.error("FAILED %s", message)
            continue
        result.written.append(overlay_path(writer.output_dir, path.name))
        log.info("%s", result.written[-1])
    return result
