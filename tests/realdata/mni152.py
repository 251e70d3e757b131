"""A fourth real T1 MRI: the MNI ICBM152 2009a symmetric template (1 mm, 197x233x189, an
average of 152 adults' T1 scans, brain-extracted) with its grey- and white-matter
probability maps, as the ``nilearn`` wheel carries them (``nilearn/datasets/data``; the
test extra installs it).  Needs ``nibabel`` and ``scipy``.

The set the confidence-guided strategy is judged on last: every rule was adopted before
it was found, and nothing is chosen on it (docs/strategies.md, "MNI152: a set found
after the rule was fixed").  The structures were fixed from the maps alone, before any
strategy ran on the template:
- ``brain``: grey plus white matter probability above one half, its largest 3D
  component, one box;
- ``hemispheres``: that brain cut at the mid-sagittal plane (the template is symmetric),
  one box a side;
- ``ventricles``: the lateral ventricles, one box a side: inside the brain-extracted
  image, where grey plus white matter probability is at most one half, the second
  largest 3D component (the largest is the CSF around the brain), cut at the same plane.

The maps are probabilities from the 152 subjects' tissue classes, not a hand-drawn
outline: a boundary is where half the subjects had the tissue.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from medsam_fast import intensity

from . import colin27
from .boxes import case_from_masks, largest_components

SPACING = np.array([1.0, 1.0, 1.0])
HALF = 127  # the maps hold probability x 255
CASES = ("brain", "hemispheres", "ventricles")


def data_folder() -> Path:
    try:
        import nilearn
    except ImportError as exc:
        raise ImportError("the MNI152 cases need nilearn: pip install nilearn") from exc
    return Path(nilearn.__file__).parent / "datasets" / "data"


def axial_volume(name: str) -> np.ndarray:
    """The template's ``name`` volume ("t1", "gm" or "wm") as an axial stack (D,H,W),
    anterior at the top."""
    return colin27.axial_volume(
        data_folder() / f"mni_icbm152_{name}_tal_nlin_sym_09a_converted.nii.gz",
        provider="a nilearn that carries the MNI152 2009a template (0.10 or later)",
    )


@lru_cache(maxsize=1)
def load() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(T1 uint8 by the library's MR preparation, {structure: bool mask} with "brain",
    "left", "right", "left_ventricle", "right_ventricle"), each (D,H,W)."""
    t1 = axial_volume("t1")
    tissue = axial_volume("gm").astype(np.int32) + axial_volume("wm")
    brain = largest_components(tissue > HALF)[0]
    ventricles = largest_components((t1 > 0) & (tissue <= HALF), 2)[1]
    left, right = hemisphere_masks(t1.shape)
    masks = {
        "brain": brain,
        "left": brain & left,
        "right": brain & right,
        "left_ventricle": ventricles & left,
        "right_ventricle": ventricles & right,
    }
    return intensity.prepare(t1.astype(np.float32), "MR"), masks


def hemisphere_masks(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(left, right) halves of an axial stack of a RAS volume, whose x runs from the
    subject's left to right: the columns up to the middle one, and the rest."""
    x = np.arange(shape[2])
    left = np.broadcast_to(x <= (shape[2] - 1) // 2, shape)
    return left, ~left


def structures(name: str) -> list[str]:
    return {
        "brain": ["brain"],
        "hemispheres": ["left", "right"],
        "ventricles": ["left_ventricle", "right_ventricle"],
    }[name]


def case_3d(name: str) -> dict:
    """imgs cropped in z to the structures' extent, boxes (N,6), spacing, gts (label i is
    structure i)."""
    t1, masks = load()
    return case_from_masks(t1, [masks[s] for s in structures(name)], SPACING)
