"""The challenge's accuracy metrics, computed in the C++ core.

DSC per label 1..gt.max(): 2|A∩B| / (|A|+|B|), NaN for a label absent from both (left out
of the mean).  NSD: DeepMind surface-distance's surface Dice at a tolerance (2 mm):
surfels from 2x2x2 neighbour codes weighted by their area at the voxel spacing, exact
Euclidean distances with that spacing.  The per-code surface areas are surface-distance's
own table (``pip install 'medsam-fast[metrics]'``), so the numbers are the same.

Spacing is applied positionally to the array axes, as the challenge applies the npz's
``spacing``; pass ``spacing_order="reversed"`` for a spacing stored as (x, y, z) with a
(z, y, x) array.  A 2D array is scored as the challenge does: as an (H, W, 1) volume with
spacing (1, 1, 1), tolerance in pixels.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import _core


@dataclass(frozen=True)
class LabelScores:
    per_label: dict[int, float]

    @property
    def mean(self) -> float:
        values = [v for v in self.per_label.values() if not math.isnan(v)]
        return float(np.mean(values)) if values else float("nan")


@lru_cache(maxsize=1)
def _lookup_tables():
    spec = importlib.util.find_spec("surface_distance")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "NSD uses surface-distance's surfel table: pip install 'medsam-fast[metrics]'"
        )
    path = Path(spec.submodule_search_locations[0]) / "lookup_tables.py"
    # Only the table module: the package's own metrics import scipy and break on NumPy 2.
    module_spec = importlib.util.spec_from_file_location("_surface_distance_tables", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def surface_area_table(spacing) -> np.ndarray:
    """Area of each of the 256 2x2x2 neighbour codes at this spacing (surface-distance's)."""
    spacing = [float(s) for s in spacing]
    return np.asarray(
        _lookup_tables().create_table_neighbour_code_to_surface_area(spacing), dtype=np.float64
    )


def _as_volumes(gt, seg, spacing, spacing_order):
    gt, seg = np.asarray(gt), np.asarray(seg)
    if gt.shape != seg.shape:
        raise ValueError(f"gt {gt.shape} and seg {seg.shape} differ in shape")
    for name, a in (("gt", gt), ("seg", seg)):
        if a.dtype == np.bool_:
            continue
        if a.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integer labels, got {a.dtype}")
        if a.dtype.kind == "i" and a.size and a.min() < 0:
            raise ValueError(f"{name} holds negative labels")
    if gt.ndim == 2:
        gt, seg, spacing = gt[:, :, None], seg[:, :, None], (1.0, 1.0, 1.0)
    elif gt.ndim != 3:
        raise ValueError(f"labels must be 2D or 3D, got {gt.ndim}D")
    if spacing is None:
        spacing = (1.0, 1.0, 1.0)
    spacing = [float(s) for s in np.asarray(spacing, dtype=np.float64).ravel()]
    if len(spacing) != 3:
        raise ValueError(f"spacing must have 3 values, got {spacing}")
    if spacing_order == "reversed":
        spacing = spacing[::-1]
    elif spacing_order != "array":
        raise ValueError("spacing_order must be 'array' or 'reversed'")

    def ready(a):
        a = a.view(np.uint8) if a.dtype == np.bool_ else a
        if not a.dtype.isnative:  # the core reads native byte order
            a = a.astype(a.dtype.newbyteorder("="))
        return np.ascontiguousarray(a)

    return ready(gt), ready(seg), spacing


# Label ids scored by default run 1..gt.max(); a map holding larger ids is refused rather
# than scored label by label through millions of absent ids.
MAX_LABEL_ID = 1_000_000


def _labels(gt, labels):
    if labels is None:
        top = int(gt.max()) if gt.size else 0
        if top > MAX_LABEL_ID:
            raise ValueError(
                f"gt holds label {top}; label ids above {MAX_LABEL_ID} are not "
                "supported (pass labels= to score chosen ids)"
            )
        return list(range(1, top + 1))
    # Scores are keyed by label: a repeated id is scored once (the core refuses repeats).
    return list(dict.fromkeys(int(label) for label in labels))


def _evaluate(gt, seg, spacing, tolerance, labels, threads, spacing_order, with_nsd):
    gt, seg, spacing = _as_volumes(gt, seg, spacing, spacing_order)
    labels = _labels(gt, labels)
    if not labels:
        return labels, {"gt": [], "seg": [], "both": [], "nsd": []}
    table = surface_area_table(spacing) if with_nsd else np.zeros(256)
    return labels, _core.evaluate_labels(
        gt,
        seg,
        labels,
        spacing,
        table.tolist(),
        float(tolerance),
        int(threads) or _default_threads(),
        with_nsd,
    )


def _default_threads() -> int:
    import os

    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def _dice(g, s, b) -> float:
    return float("nan") if g + s == 0 else 2.0 * b / (g + s)


def _dsc_scores(labels, counts) -> LabelScores:
    return LabelScores(
        {
            label: _dice(g, s, b)
            for label, g, s, b in zip(
                labels, counts["gt"], counts["seg"], counts["both"], strict=True
            )
        }
    )


def _nsd_scores(labels, counts) -> LabelScores:
    return LabelScores(dict(zip(labels, counts["nsd"], strict=True)))


def dsc(gt, seg, labels=None) -> LabelScores:
    """DSC per label (default 1..gt.max()) and, as ``.mean``, their mean ignoring NaN."""
    return _dsc_scores(*_evaluate(gt, seg, None, 0.0, labels, 1, "array", False))


def nsd(
    gt,
    seg,
    spacing=None,
    tolerance: float = 2.0,
    labels=None,
    threads: int = 0,
    spacing_order: str = "array",
) -> LabelScores:
    """NSD (surface Dice at ``tolerance`` mm) per label, and their mean ignoring NaN."""
    return _nsd_scores(
        *_evaluate(gt, seg, spacing, tolerance, labels, threads, spacing_order, True)
    )


def case_scores(
    gt, seg, spacing=None, tolerance: float = 2.0, threads: int = 0, spacing_order: str = "array"
) -> tuple[float, float]:
    """The challenge's case values: mean DSC, and mean NSD only where the DSC > 0.2 (else 0)."""
    # One pass gives both: the NSD pass counts the voxels the DSC needs.
    labels, r = _evaluate(gt, seg, spacing, tolerance, None, threads, spacing_order, True)
    case_dsc = _dsc_scores(labels, r).mean
    if not case_dsc > 0.2:
        return case_dsc, 0.0
    return case_dsc, _nsd_scores(labels, r).mean
