"""NSD on the whole AAL atlas (116 labels, 181x217x181) against DeepMind's surface-distance.

    pytest benchmarks/bench_metrics.py --benchmark-only

Both run in the same session on the same label maps (the atlas against itself shifted
by one voxel), 2 threads for medsam_fast.
"""

import numpy as np
import pytest

from medsam_fast import metrics
from realdata import colin27

SPACING = (1.0, 1.0, 1.0)


@pytest.fixture(scope="module")
def label_maps():
    _, atlas = colin27.load()
    return atlas, np.roll(atlas, 1, axis=2)


def reference_nsd(gt, seg):
    np.Inf = np.inf  # surface-distance predates NumPy 2
    from surface_distance import metrics as sdm

    values = []
    for label in range(1, int(gt.max()) + 1):
        d = sdm.compute_surface_distances(gt == label, seg == label, list(SPACING))
        values.append(sdm.compute_surface_dice_at_tolerance(d, 2.0))
    return float(np.nanmean(values))


@pytest.mark.parametrize("implementation", ["medsam_fast", "surface-distance"])
def test_nsd_whole_aal_atlas(benchmark, label_maps, implementation):
    gt, seg = label_maps
    if implementation == "medsam_fast":
        run = lambda: metrics.nsd(gt, seg, SPACING, threads=2).mean  # noqa: E731
        rounds = 5
    else:
        run = lambda: reference_nsd(gt, seg)  # noqa: E731
        rounds = 1
    value = benchmark.pedantic(run, rounds=rounds, iterations=1)
    assert value == pytest.approx(
        reference_nsd(gt, seg)
        if implementation == "medsam_fast"
        else metrics.nsd(gt, seg, SPACING).mean,
        abs=1e-6,
    )
