"""How sure a set's mean gain is: one route against the reference, box by box.

A set's mean DSC is the mean over its cases of each case's mean over its boxes, so a
set of three cases rests on a dozen boxes. ``paired_gain`` gives the gain in that mean,
how many boxes the route improved, and a 95% interval from a stratified bootstrap: each
replicate redraws every case's boxes with replacement (a case keeps its own number of
boxes, and a one-box case is the same in every replicate) and takes the set's mean
gain again. It says how much the mean rests on which boxes the cases happen to hold,
not how another subject would score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PairedGain:
    gain: float  # the set's mean score minus the reference's
    improved: int  # boxes whose score rose
    boxes: int
    low: float  # 2.5% and 97.5% quantiles of the bootstrap replicates of `gain`
    high: float


def paired_gain(
    cases: list[tuple[np.ndarray, np.ndarray]], replicates: int = 10000, seed: int = 0
) -> PairedGain:
    """``cases``: per case, the reference's and the route's scores, one per box in the
    same order. A box scored NaN by either (a label in neither mask) is left out, as
    ``LabelScores.mean`` leaves it out."""
    diffs = [_box_differences(reference, route) for reference, route in cases]
    if not diffs:
        raise ValueError("no cases to compare")
    rng = np.random.default_rng(seed)
    replicate_means = np.zeros(replicates)
    for d in diffs:
        drawn = rng.integers(0, d.size, size=(replicates, d.size))
        replicate_means += d[drawn].mean(axis=1)
    replicate_means /= len(diffs)
    low, high = np.quantile(replicate_means, [0.025, 0.975])
    return PairedGain(
        gain=float(np.mean([d.mean() for d in diffs])),
        improved=int(sum((d > 0).sum() for d in diffs)),
        boxes=int(sum(d.size for d in diffs)),
        low=float(low),
        high=float(high),
    )


def _box_differences(reference: np.ndarray, route: np.ndarray) -> np.ndarray:
    reference, route = np.asarray(reference, float), np.asarray(route, float)
    if reference.shape != route.shape or reference.ndim != 1 or reference.size == 0:
        raise ValueError(
            f"a case needs one score per box for both routes, got {reference.shape} and "
            f"{route.shape}"
        )
    d = route - reference
    d = d[~np.isnan(d)]
    if d.size == 0:
        raise ValueError("a case has no box scored by both routes")
    return d
