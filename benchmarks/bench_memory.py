"""Peak memory of a CT-sized case: 300x512x512 with 10 boxes, in a fresh process, for
every engine and precision and the fast preset.

    pytest benchmarks/bench_memory.py --benchmark-only

The volume is synthetic (ellipsoids on noise): memory does not depend on the anatomy.
``extra_info`` holds ``peak_rss`` (bytes, the whole process) and ``rss_before_model``.
The int8 model is quantized before the measured process starts, so its peak is the
run's, not NNCF's.
"""

import importlib.util
import json
import subprocess
import sys

import pytest

LIMIT_BYTES = 2 * 1024**3

SCRIPT = r"""
import json, resource, sys, time
import numpy as np
import medsam_fast

rng = np.random.default_rng(0)
d, h, w = 300, 512, 512
vol = rng.integers(0, 40, (d, h, w), dtype=np.uint8)
boxes = []
for i in range(10):
    cz, cy, cx = 30 + 25 * i, 120 + 25 * i, 140 + 20 * i
    rz, ry, rx = 6, 30, 40
    # Drawn inside the box only, so no full-volume temporaries inflate the peak.
    zz, yy, xx = np.ogrid[-rz:rz + 1, -ry:ry + 1, -rx:rx + 1]
    inside = (zz / rz) ** 2 + (yy / ry) ** 2 + (xx / rx) ** 2 <= 1
    vol[cz - rz:cz + rz + 1, cy - ry:cy + ry + 1, cx - rx:cx + rx + 1][inside] = 200
    boxes.append([cx - rx, cy - ry, cz - rz, cx + rx, cy + ry, cz + rz])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
if sys.argv[1] == "fast":
    seg = medsam_fast.Segmenter(strategy="baseline", threads=2, fast=True)
else:
    seg = medsam_fast.Segmenter(
        strategy="baseline", threads=2, engine=sys.argv[1], precision=sys.argv[2]
    )
start = time.perf_counter()
segs = seg.segment({"imgs": vol, "boxes": np.array(boxes)})
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"peak_rss": peak, "rss_before_model": before, "seconds": elapsed,
                  "stats": seg.last_stats, "labels": int(segs.max())}))
"""


@pytest.mark.parametrize("case", ["ct-300x512x512-10"])
@pytest.mark.parametrize(
    "config", ["onnxruntime-fp32", "openvino-fp32", "openvino-bf16", "openvino-int8", "fast"]
)
def test_ct_sized_case_peak_memory(benchmark, case, config):
    if config != "onnxruntime-fp32" and importlib.util.find_spec("openvino") is None:
        pytest.skip("openvino is not installed")
    if config == "openvino-int8":
        if importlib.util.find_spec("nncf") is None:
            pytest.skip("nncf is not installed (the quantize extra)")
        import medsam_fast

        medsam_fast.Segmenter(engine="openvino", precision="int8")  # quantizes once, cached

    def run():
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT, *config.split("-")],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    result = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    assert result["labels"] == 10
    assert result["peak_rss"] < LIMIT_BYTES
