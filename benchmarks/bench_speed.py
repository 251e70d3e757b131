"""medsam_fast against a plain Python pipeline on the same ONNX files, same run.

    pytest benchmarks/bench_speed.py --benchmark-only --benchmark-group-by=param:case

"plain-onnx" is the challenge's Python way (ONNX Runtime's Python API + numpy + cv2/torch
upsampling): every slice encoded for every box, one box per decoder call, masks
upsampled over the whole image.  Both use 2 threads.  ``extra_info`` records how many
slices each encoded, medsam_fast's time per stage, and whether the segmentations are
identical.  ``test_encoder_floor`` times the encoder alone (per slice).
"""

import numpy as np
import pytest
from cases import CASES, covered_slices, reference_slice_input

_results = {}


def _distinct_slices(data):
    if data["boxes"].shape[1] == 4:
        return 1
    return len(covered_slices(data["boxes"], len(data["imgs"])))


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("engine", ["medsam_fast", "plain-onnx"])
def test_case_latency(benchmark, case, engine, segmenter, plain):
    data = CASES[case]()
    if engine == "medsam_fast":
        run = lambda: segmenter.segment(data)  # noqa: E731
    else:
        plain.slices_encoded = 0
        run = lambda: plain.segment(data["imgs"], data["boxes"])  # noqa: E731
    segs = benchmark.pedantic(run, rounds=1, iterations=1)
    _results[(case, engine)] = segs
    benchmark.extra_info["distinct_slices"] = _distinct_slices(data)
    if engine == "medsam_fast":
        benchmark.extra_info.update(
            {k: round(v, 3) if isinstance(v, float) else v for k, v in segmenter.last_stats.items()}
        )
    else:
        benchmark.extra_info["slices_encoded"] = plain.slices_encoded
    other = _results.get((case, "medsam_fast" if engine != "medsam_fast" else "plain-onnx"))
    if other is not None:
        benchmark.extra_info["identical_segs"] = bool(np.array_equal(other, segs))
        benchmark.extra_info["differing_voxels"] = int((other != segs).sum())


@pytest.mark.parametrize("case", ["encoder-one-slice"])
def test_encoder_floor(benchmark, segmenter, case):
    """The encoder alone on one real slice: the floor is this times the distinct slices."""
    x = reference_slice_input()
    segmenter.model.encode(x)
    benchmark.pedantic(lambda: segmenter.model.encode(x), rounds=5, iterations=1)
