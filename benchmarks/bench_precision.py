"""What bf16 costs in accuracy: DSC against the ground truth, fp32 vs bf16, on real cases.

    pytest benchmarks/bench_precision.py --benchmark-only

Every case runs with ONNX Runtime fp32 (the default) and OpenVINO bf16, both with the
baseline rule and 2 threads.  Per case, ``extra_info`` holds the mean DSC against the
ground truth and, for bf16, its change against fp32 and the DSC between the two
segmentations.  ``test_bf16_mean_dsc_change`` records the mean change over all cases
(the issue's rule: bf16 may become a default only if the mean drop is <= 0.005).
"""

import importlib.util

import numpy as np
import pytest

from medsam_fast import metrics
from realdata import colin27, itk_t1
from shared_fixtures import THREADS

CASES = {
    **{f"2d-colin-z{z}": (lambda z=z: colin27.case_2d(z)) for z in range(60, 96, 5)},
    **{f"2d-itk-coronal-{i}": (lambda i=i: itk_t1.case_2d(i)) for i in range(15, 46, 5)},
    "3d-colin-deepgrey-8": lambda: colin27.case_3d(tuple(colin27.DEEP_GREY)),
    "3d-colin-hippocampus": lambda: colin27.case_3d((37, 38)),
    "3d-colin-amygdala": lambda: colin27.case_3d((41, 42)),
    "3d-itk-brain": itk_t1.case_3d,
}
CONFIGS = ["onnxruntime-fp32", "openvino-bf16"]
_dsc: dict = {}
_segs: dict = {}


@pytest.fixture(scope="module")
def segmenters():
    from medsam_fast import Segmenter

    if importlib.util.find_spec("openvino") is None:
        pytest.skip("openvino is not installed (pip install 'medsam-fast[openvino]')")
    return {
        config: Segmenter(
            strategy="baseline",
            threads=THREADS,
            engine=config.split("-")[0],
            precision=config.split("-")[1],
        )
        for config in CONFIGS
    }


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("config", CONFIGS)
def test_precision_dsc(benchmark, case, config, segmenters):
    data = CASES[case]()
    segs = benchmark.pedantic(lambda: segmenters[config].segment(data), rounds=1, iterations=1)
    dsc = float(metrics.dsc(data["gts"], segs).mean)
    _dsc[(case, config)] = dsc
    _segs[(case, config)] = segs
    benchmark.extra_info["dsc_vs_truth"] = round(dsc, 4)
    if config == "openvino-bf16" and (case, "onnxruntime-fp32") in _dsc:
        fp32 = _segs[(case, "onnxruntime-fp32")]
        benchmark.extra_info["dsc_change_vs_fp32"] = round(
            dsc - _dsc[(case, "onnxruntime-fp32")], 4
        )
        benchmark.extra_info["dsc_between_segs"] = round(float(metrics.dsc(fp32, segs).mean), 4)


def test_bf16_mean_dsc_change(benchmark):
    changes = [
        _dsc[(c, "openvino-bf16")] - _dsc[(c, "onnxruntime-fp32")]
        for c in CASES
        if (c, "openvino-bf16") in _dsc and (c, "onnxruntime-fp32") in _dsc
    ]
    if not changes:
        pytest.skip("run with the per-case benchmarks")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    benchmark.extra_info.update(
        {
            "cases": len(changes),
            "mean_dsc_change": round(float(np.mean(changes)), 4),
            "std_dsc_change": round(float(np.std(changes)), 4),
            "worst_dsc_change": round(float(np.min(changes)), 4),
            "best_dsc_change": round(float(np.max(changes)), 4),
        }
    )
