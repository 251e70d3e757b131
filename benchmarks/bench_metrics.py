"""NSD on the whole AAL atlas (116 labels, 181x217x181) against DeepMind's surface-distance.

    pytest benchmarks/bench_metrics.py --benchmark-only [--rounds 3]

Both run on the same label maps (the atlas against itself shifted by one voxel), 2 threads
for medsam_fast, interleaved (interleave.py): each round runs surface-distance (the
reference) once and medsam_fast 5 times in a row.
``extra_info['medsam_fast']['speedup_per_call']`` is surface-distance's time over one
medsam_fast call (its step over 5) within each round (``median``, ``min``, ``max``);
``per_call_seconds`` is the median of those calls.
"""

import numpy as np
import pytest
from interleave import Interleaved, ratio_summary, record

from medsam_fast import metrics
from realdata import colin27

SPACING = (1.0, 1.0, 1.0)
CALLS = 5


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


def test_nsd_whole_aal_atlas(benchmark, label_maps, rounds):
    gt, seg = label_maps
    runs = Interleaved(reference="surface-distance")
    runs.add("surface-distance", lambda: reference_nsd(gt, seg))
    runs.add(
        "medsam_fast", lambda: [metrics.nsd(gt, seg, SPACING, threads=2).mean for _ in range(CALLS)]
    )
    benchmark.pedantic(runs.round, rounds=rounds, iterations=1)
    assert runs.outputs["medsam_fast"][0] == pytest.approx(
        runs.outputs["surface-distance"], abs=1e-6
    )
    per_call = [s / CALLS for s in runs.seconds["medsam_fast"]]
    runs.add_ratio(
        "speedup_per_call", "medsam_fast", ratio_summary(runs.seconds["surface-distance"], per_call)
    )
    info = runs.summary()
    info["medsam_fast"]["calls_per_round"] = CALLS
    info["medsam_fast"]["per_call_seconds"] = round(float(np.median(per_call)), 4)
    benchmark.extra_info.update(info)
    record(f"whole AAL atlas NSD (medsam_fast: {CALLS} calls per step)", runs)
