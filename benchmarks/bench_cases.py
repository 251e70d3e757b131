"""Per-case latency of medsam_fast against the upstream baseline run in torch, interleaved.

    pytest benchmarks/bench_cases.py --benchmark-only [--rounds 3]

One benchmark per case; each round runs the torch baseline (the reference,
tests/reference_pipeline.py: TorchBaseline) and medsam_fast (baseline rule, ONNX Runtime
fp32, 2 threads) back to back (interleave.py).  ``extra_info[config]`` holds its
``seconds`` per round, ``median_seconds`` and, for medsam_fast, ``speedup``: torch's time
over medsam_fast's within each round (``median``, ``min``, ``max``).  Also:
``agreement_dsc_per_label`` (medsam_fast's segs against torch's, per label) and each
side's ``dsc_vs_truth`` (mean DSC against the AAL atlas).
"""

import numpy as np
import pytest
from cases import TORCH_CASES as CASES
from cases import warm_up
from interleave import Interleaved, record

from reference_pipeline import per_label_dice


@pytest.mark.parametrize("case", list(CASES))
def test_case(benchmark, case, segmenter, reference, rounds):
    data = CASES[case]()
    warm_up(segmenter)
    reference.segment(np.zeros((64, 64), np.uint8) + 9, np.array([[8, 8, 40, 40]]))
    runs = Interleaved(reference="torch")
    runs.add("torch", lambda: reference.segment(data["imgs"], data["boxes"]))
    runs.add("medsam_fast", lambda: segmenter.segment(data))
    benchmark.pedantic(runs.round, rounds=rounds, iterations=1)
    info = runs.summary()
    ours, torch = runs.outputs["medsam_fast"], runs.outputs["torch"]
    labels = len(data["boxes"])
    info["agreement_dsc_per_label"] = [
        round(float(v), 4) for v in per_label_dice(torch, ours, labels)
    ]
    for name, segs in [("medsam_fast", ours), ("torch", torch)]:
        info[name]["dsc_vs_truth"] = round(
            float(np.mean(per_label_dice(data["gts"], segs, labels))), 4
        )
    benchmark.extra_info.update(info)
    record(case, runs)
