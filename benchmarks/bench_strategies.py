"""Time and DSC (against the AAL atlas) of each 3D strategy on real MR cases.

    pytest benchmarks/bench_strategies.py --benchmark-only --benchmark-group-by=param:case

The strategy is chosen through the seed table's routing by naming the modality:
CT -> propagate (7 px), US -> box on every slice, PET -> three views with a vote;
"baseline" is the upstream rule (propagate, 3 px).
"""

import numpy as np
import pytest

from medsam_fast import Segmenter
from realdata import colin27
from reference_pipeline import per_label_dice

CASES = {"thalamus": (77, 78), "pallidum": (75, 76)}
ROUTES = {
    "baseline-propagate-3px": ("baseline", None),
    "seed-propagate-7px": ("seed", "CT"),
    "seed-box-every-slice": ("seed", "US"),
    "seed-three-view": ("seed", "PET"),
}
_segmenters = {}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("route", list(ROUTES))
def test_strategy(benchmark, case, route):
    table, modality = ROUTES[route]
    if table not in _segmenters:
        _segmenters[table] = Segmenter(strategy=table, threads=2)
    segmenter = _segmenters[table]
    data = colin27.case_3d(CASES[case])
    segs = benchmark.pedantic(
        lambda: segmenter.segment(data, modality=modality), rounds=1, iterations=1
    )
    dsc = per_label_dice(data["gts"], segs, len(data["boxes"]))
    benchmark.extra_info.update(
        {
            "dsc": round(float(np.mean(dsc)), 4),
            "dsc_per_label": [round(float(v), 4) for v in dsc],
            "slices_encoded": segmenter.last_stats["slices_encoded"],
            "strategy": segmenter.last_stats["strategy"],
        }
    )
