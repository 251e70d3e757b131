"""Time and DSC (against the AAL atlas) of each 3D strategy on real MR cases, interleaved.

    pytest benchmarks/bench_strategies.py --benchmark-only [--rounds 3]

The strategy is chosen through the seed table's routing by naming the modality:
CT -> propagate (7 px), US -> box on every slice, PET -> three views with a vote;
"baseline" is the upstream rule (propagate, 3 px) and the reference.

One benchmark per case; each round runs every strategy once, back to back
(interleave.py).  ``extra_info[route]`` holds its ``seconds`` per round,
``median_seconds``, ``speedup`` (baseline's time over this strategy's within each round:
``median``, ``min``, ``max``; below 1 is slower), ``dsc`` and ``dsc_per_label`` against
the atlas, ``slices_encoded`` and ``strategy``.
"""

import numpy as np
import pytest
from cases import warm_up
from interleave import record
from routes import select_routes, time_routes

from medsam_fast import Segmenter
from realdata import colin27
from reference_pipeline import per_label_dice
from shared_fixtures import THREADS

CASES = {"thalamus": (77, 78), "pallidum": (75, 76)}
ROUTES = {
    "baseline-propagate-3px": ("baseline", None),
    "seed-propagate-7px": ("seed", "CT"),
    "seed-box-every-slice": ("seed", "US"),
    "seed-three-view": ("seed", "PET"),
}


@pytest.fixture(scope="module")
def segmenters():
    made = {table: Segmenter(strategy=table, threads=THREADS) for table in {"baseline", "seed"}}
    for segmenter in made.values():
        warm_up(segmenter)
    return made


@pytest.mark.parametrize("case", list(CASES))
def test_strategies(benchmark, case, segmenters, rounds, route_names):
    data = colin27.case_3d(CASES[case])
    reference = "baseline-propagate-3px"
    runs, stats = time_routes(
        benchmark,
        rounds,
        select_routes(ROUTES, route_names, reference),
        segmenters,
        lambda segmenter, modality: segmenter.segment(data, modality=modality),
        reference=reference,
    )
    info = runs.summary()
    for route in runs.outputs:
        dsc = per_label_dice(data["gts"], runs.outputs[route], len(data["boxes"]))
        info[route].update(
            {
                "dsc": round(float(np.mean(dsc)), 4),
                "dsc_per_label": [round(float(v), 4) for v in dsc],
                "slices_encoded": stats[route]["slices_encoded"],
                "strategy": stats[route]["strategy"],
            }
        )
    benchmark.extra_info.update(info)
    record(case, runs)
