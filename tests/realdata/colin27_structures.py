"""Colin27 cases of several structure sizes, for choosing and checking 3D strategies:
AAL deep grey nuclei, cerebellum, lobes, and the whole brain from the brain-extracted T1
(``ch2bet``, same package).  ``TUNING`` is the set the confidence-guided strategy's rule
was chosen on; ``HELD_OUT`` was never looked at while choosing it (docs/strategies.md).
``FRESH`` holds the last AAL cortical pairs no other case uses, for scoring only: fixed
before any strategy ran on them, and no rule is chosen on them.

Each structure is a tuple of AAL labels (their union is one box and one gt label) or
``BRAIN``.
"""

from __future__ import annotations

import numpy as np

from . import colin27
from .boxes import case_from_masks

BRAIN = "brain"
BET_FILE = colin27.TEMPLATES / "ch2bet.nii.gz"


def _lobe(first: int, last: int, left: bool) -> tuple[int, ...]:
    return tuple(label for label in range(first, last + 1) if label % 2 == (1 if left else 0))


# AAL numbering: frontal 1-28, occipital 43-54, parietal 57-70, temporal 79-90,
# cerebellar hemispheres 91-108 (odd left), vermis 109-116; left labels are odd.
LOBES = [_lobe(a, b, left) for a, b in ((1, 28), (43, 54), (57, 70), (79, 90)) for left in (1, 0)]
TUNING = {
    "deep_grey": [(label,) for label in colin27.DEEP_GREY],
    "cerebellum": [_lobe(91, 108, True), _lobe(91, 108, False), tuple(range(109, 117))],
    "lobes": LOBES,
    "whole_brain": [BRAIN],
}
HELD_OUT = {
    "hippocampus_amygdala": [(37,), (38,), (41,), (42,)],
    "insula_cingulum": [(label,) for label in range(29, 37)],
}
FRESH = {"parahippocampal_fusiform": [(39,), (40,), (55,), (56,)]}


def brain_mask() -> np.ndarray:
    return colin27.axial_volume(BET_FILE) > 0


def case_3d(structures) -> dict:
    """imgs cropped in z to the structures' extent, boxes (N,6), spacing, gts (label i is
    structure i; a later structure wins where they overlap)."""
    t1, atlas = colin27.load()
    masks = [brain_mask() if s == BRAIN else np.isin(atlas, s) for s in structures]
    return case_from_masks(t1, masks, np.array([1.0, 1.0, 1.0]))
