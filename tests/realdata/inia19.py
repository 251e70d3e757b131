"""A third real T1 MRI, of another species: the INIA19 rhesus macaque template (0.5 mm,
168x206x128, brain-extracted) with its NeuroMaps labels, from Debian's ``mricron-data``.
Needs ``nibabel``.

It is the set of cases the confidence-guided strategy's rule never saw, neither while it
was chosen nor while it was checked (docs/strategies.md): the structures below were
fixed by a rule on label sizes before any strategy ran on them.

NeuroMaps numbers a structure's two sides ``n`` and ``1000 + n``; a pair's size is its
two sides' voxels together.  The cases:
- ``large``: the 4 largest pairs, 8 boxes (one per side), like the AAL lobes;
- ``mid``: the pairs ranked 13th to 16th, 8 boxes;
- ``brain``: the whole brain (every voxel of the brain-extracted T1 above 0), one box.

``FRESH`` names the cases for scoring only: fixed by the same kind of rule before any
strategy ran on them, and no rule is chosen on them (docs/strategies.md, "The fresh set"):
- ``ranks_5_8``, ``ranks_9_12`` and ``ranks_17_20``: the pairs so ranked, 8 boxes each.

``SEALED`` names the cases a rule chosen after the fresh set was scored is scored on, once:
fixed by the same kind of rule before any strategy ran on them (docs/strategies.md, "The
sealed set"):
- ``ranks_21_24``, ``ranks_25_28`` and ``ranks_29_32``: the pairs so ranked, 8 boxes each.

``CONFIRM`` names the cases that score the adopted rule as it stands, once, to check the
sealed set's estimate of its gain; no rule is chosen or changed on them (docs/strategies.md,
"The confirming set"):
- ``ranks_33_36``, ``ranks_37_40`` and ``ranks_41_44``: the pairs so ranked, 8 boxes each.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from medsam_fast import intensity

from . import colin27
from .boxes import case_from_masks

T1_FILE = colin27.TEMPLATES / "inia19-t1-brain.nii.gz"
LABELS_FILE = colin27.TEMPLATES / "inia19-NeuroMaps.nii.gz"
SPACING = np.array([0.5, 0.5, 0.5])
SIDE = 1000  # NeuroMaps: the other side of structure n is n + SIDE
RANKS = {
    "large": range(0, 4),
    "mid": range(12, 16),
    "ranks_5_8": range(4, 8),
    "ranks_9_12": range(8, 12),
    "ranks_17_20": range(16, 20),
    "ranks_21_24": range(20, 24),
    "ranks_25_28": range(24, 28),
    "ranks_29_32": range(28, 32),
    "ranks_33_36": range(32, 36),
    "ranks_37_40": range(36, 40),
    "ranks_41_44": range(40, 44),
}
FRESH = ("ranks_5_8", "ranks_9_12", "ranks_17_20")
SEALED = ("ranks_21_24", "ranks_25_28", "ranks_29_32")
CONFIRM = ("ranks_33_36", "ranks_37_40", "ranks_41_44")


@lru_cache(maxsize=1)
def load() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T1 uint8 by the library's MR preparation, NeuroMaps labels int16, brain mask
    bool: the brain-extracted T1 above 0), each (D,H,W) axial."""
    t1 = colin27.axial_volume(T1_FILE).astype(np.float32)
    return intensity.prepare(t1, "MR"), colin27.axial_volume(LABELS_FILE).astype(np.int16), t1 > 0


def pairs_by_size(labels: np.ndarray) -> list[tuple[int, int]]:
    """(n, n + SIDE) for every structure present on both sides, largest pair first."""
    values, counts = np.unique(labels[labels > 0], return_counts=True)
    size = dict(zip(values.tolist(), counts.tolist(), strict=True))
    pairs = [(n, n + SIDE) for n in size if n < SIDE and n + SIDE in size]
    return sorted(pairs, key=lambda p: (-(size[p[0]] + size[p[1]]), p[0]))


def structures(name: str) -> list[tuple[int, ...]]:
    """The structures of case ``name`` (a key of ``RANKS``, or "brain") as label tuples; the
    brain is ``("brain",)``."""
    if name == "brain":
        return [("brain",)]
    pairs = pairs_by_size(load()[1])
    return [(side,) for rank in RANKS[name] for side in pairs[rank]]


def case_3d(name: str) -> dict:
    """imgs cropped in z to the structures' extent, boxes (N,6), spacing, gts (label i is
    structure i)."""
    t1, labels, brain = load()
    masks = [brain if s == ("brain",) else np.isin(labels, s) for s in structures(name)]
    return case_from_masks(t1, masks, SPACING)
