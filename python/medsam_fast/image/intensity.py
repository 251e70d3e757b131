"""The challenge's intensity preparation, done in the C++ core.

CT: clip to a window (level/width; default soft tissue, level 40 width 400).
MR, PET and others: clip to the 0.5-99.5 percentiles of the non-zero voxels, and keep
zero voxels at 0.  Both then rescale the clipped range to 0-255 and truncate to uint8,
as the organisers' preprocessing did.
"""

from __future__ import annotations

import numpy as np

from .. import _core

# (level, width) in Hounsfield units.
CT_WINDOWS = {
    "soft_tissue": (40.0, 400.0),
    "lung": (-600.0, 1500.0),
    "bone": (400.0, 1800.0),
    "brain": (40.0, 80.0),
    "liver": (60.0, 150.0),
}


def _ready(volume) -> np.ndarray:
    volume = np.asarray(volume)
    if volume.dtype == np.bool_ or volume.dtype.kind not in "iuf":
        raise TypeError(f"volume must be numeric, got {volume.dtype}")
    if not volume.dtype.isnative:  # NIfTI files are often big-endian
        volume = volume.astype(volume.dtype.newbyteorder("="))
    if volume.dtype not in (np.uint8, np.int16, np.uint16, np.int32, np.float32, np.float64):
        volume = volume.astype(np.float64)
    return np.ascontiguousarray(volume)


def prepare_ct(
    volume, level: float | None = None, width: float | None = None, window: str = "soft_tissue"
) -> np.ndarray:
    """Window a CT volume (HU) to uint8: ``window`` names a preset, level/width override it."""
    if window not in CT_WINDOWS:
        raise ValueError(f"unknown CT window {window!r}; presets: {sorted(CT_WINDOWS)}")
    preset_level, preset_width = CT_WINDOWS[window]
    level = preset_level if level is None else float(level)
    width = preset_width if width is None else float(width)
    if not width > 0:
        raise ValueError("window width must be positive")
    return _core.window_to_uint8(_ready(volume), level - width / 2, level + width / 2, False)


def prepare_percentile(volume, low: float = 0.5, high: float = 99.5) -> np.ndarray:
    """Clip to the percentiles of the non-zero voxels and scale to uint8 (MR, PET, ...)."""
    volume = _ready(volume)
    bounds = _core.nonzero_percentiles(volume, float(low), float(high))
    if bounds is None:
        return np.zeros(volume.shape, np.uint8)
    return _core.window_to_uint8(volume, bounds[0], bounds[1], True)


def prepare(volume, modality: str | None, **ct_window) -> np.ndarray:
    """CT windowing for ``CT``, percentile clipping for every other modality."""
    if modality is not None and modality.strip().upper() == "CT":
        return prepare_ct(volume, **ct_window)
    return prepare_percentile(volume)
