"""Both engines, fp32 and bf16, side by side with the plain Python pipeline, same run.

    pytest benchmarks/bench_engines.py --benchmark-only --benchmark-group-by=param:case

Configurations: ``onnxruntime-fp32`` (the default), ``openvino-fp32``, ``openvino-bf16``
(OpenVINO needs the ``openvino`` extra; those rows are skipped without it) and
``plain-onnx`` (the challenge's Python way on ONNX Runtime, see bench_speed.py).  Every
configuration runs the baseline rule on the same real cases.  ``extra_info`` holds the
case's mean DSC against its ground truth, its mean DSC against onnxruntime-fp32's segs
(the precision's own effect), whether the segs are identical to onnxruntime-fp32's, and
the speed-up over plain-onnx measured in this run; on 2D cases also ``ceiling_vs_plain``, the
speed-up left if everything but the encoder and decoder calls took no time (one decoder run
per box is the same work in both pipelines, so it bounds the many-box ratio); on 3D cases
``encoder_floor_seconds``, the encoder alone on the case's distinct slices timed just before
the case, and ``vs_encoder_floor``, the case's time over it.  The plain pipeline's rows hold
its own encode, decode and upsample seconds.
``test_encoder_floor`` times each configuration's encoder on one slice.
"""

import importlib.util
import time

import numpy as np
import pytest
from cases import CASES, LABELLED_CASES, covered_slices, reference_slice_input

from medsam_fast import metrics
from shared_fixtures import THREADS

CONFIGS = ["onnxruntime-fp32", "openvino-fp32", "openvino-bf16"]
ALL_CASES = {**CASES, **LABELLED_CASES}
_segs: dict = {}
_seconds: dict = {}


def _needs_openvino(config):
    if config.startswith("openvino") and importlib.util.find_spec("openvino") is None:
        pytest.skip("openvino is not installed (pip install 'medsam-fast[openvino]')")


@pytest.fixture(scope="module")
def segmenters():
    from medsam_fast import Segmenter

    made = {}

    def get(config):
        if config not in made:
            engine, precision = config.split("-")
            made[config] = Segmenter(
                strategy="baseline", threads=THREADS, engine=engine, precision=precision
            )
        return made[config]

    return get


def _encoder_floor_seconds(model, data) -> float:
    """The encoder alone on every distinct slice the case's boxes cover, timed just before
    the case itself: this machine's speed drifts, so the floor is measured beside the case."""
    from medsam_fast import _core

    imgs = data["imgs"]
    inputs = [
        _core.prepare_encoder_input(np.ascontiguousarray(imgs[z]))[0]
        for z in covered_slices(data["boxes"], len(imgs))
    ]
    start = time.perf_counter()
    for x in inputs:
        model.encode(x)
    return time.perf_counter() - start


def _mean_dsc(reference, segs):
    if reference.max() == 0:
        return float("nan")
    return round(float(metrics.dsc(reference, segs).mean), 4)


@pytest.mark.parametrize("case", list(ALL_CASES))
@pytest.mark.parametrize("config", ["plain-onnx"] + CONFIGS)
def test_engine_latency(benchmark, case, config, segmenters, plain):
    data = ALL_CASES[case]()
    floor = None
    if config == "plain-onnx":
        plain.seconds.clear()
        run = lambda: plain.segment(data["imgs"], data["boxes"])  # noqa: E731
    else:
        _needs_openvino(config)
        segmenter = segmenters(config)
        run = lambda: segmenter.segment(data)  # noqa: E731
        if data["boxes"].shape[1] == 6:
            floor = _encoder_floor_seconds(segmenter.model, data)
    start = time.perf_counter()
    segs = benchmark.pedantic(run, rounds=1, iterations=1)
    _seconds[(case, config)] = time.perf_counter() - start
    _segs[(case, config)] = segs
    info = benchmark.extra_info
    if config == "plain-onnx":
        info.update({f"{stage}_seconds": round(t, 3) for stage, t in plain.seconds.items()})
    if "gts" in data:
        info["dsc_vs_truth"] = _mean_dsc(data["gts"], segs)
    fp32 = _segs.get((case, "onnxruntime-fp32"))
    if fp32 is not None and config != "onnxruntime-fp32":
        info["identical_to_onnxruntime_fp32"] = bool(np.array_equal(fp32, segs))
        info["dsc_vs_onnxruntime_fp32"] = _mean_dsc(fp32, segs)
    if floor is not None:
        info["encoder_floor_seconds"] = round(floor, 2)
        info["vs_encoder_floor"] = round(_seconds[(case, config)] / floor, 2)
    if config != "plain-onnx" and (case, "plain-onnx") in _seconds:
        info["speedup_vs_plain"] = round(
            _seconds[(case, "plain-onnx")] / _seconds[(case, config)], 2
        )
    if config != "plain-onnx":
        stages = segmenters(config).last_stats
        info["slices_encoded"] = stages.get("slices_encoded")
        info["encode_seconds"] = round(stages.get("encode_seconds", 0.0), 3)
        info["decode_seconds"] = round(stages.get("decode_seconds", 0.0), 3)
        if data["boxes"].shape[1] == 4 and (case, "plain-onnx") in _seconds:
            # The speed-up this configuration could reach if nothing but its encoder and
            # decoder calls took time: every box needs its own decoder run in both pipelines.
            model_seconds = stages.get("encode_seconds", 0.0) + stages.get("decode_seconds", 0.0)
            info["ceiling_vs_plain"] = round(_seconds[(case, "plain-onnx")] / model_seconds, 2)


# The `case` parameters name the measurement, so --benchmark-group-by=param:case groups them.
@pytest.mark.parametrize("case", ["encoder-one-slice"])
@pytest.mark.parametrize("config", CONFIGS)
def test_encoder_floor(benchmark, config, case, segmenters):
    """The encoder alone on one real slice; a case's floor is this times its distinct slices."""
    _needs_openvino(config)
    model = segmenters(config).model
    x = reference_slice_input()
    model.encode(x)
    benchmark.pedantic(lambda: model.encode(x), rounds=5, iterations=1)


@pytest.mark.parametrize("case", ["decoder-one-box"])
@pytest.mark.parametrize("config", CONFIGS)
def test_decoder_per_box(benchmark, config, case, segmenters):
    """The decoder alone, one box per call on one real slice's embedding: the per-box cost
    both pipelines pay on a many-box image however the rest is arranged."""
    _needs_openvino(config)
    model = segmenters(config).model
    embedding = model.encode(reference_slice_input())
    box = np.array([[60, 70, 140, 150]], dtype=np.float32)
    model.decode(embedding, box)
    benchmark.pedantic(lambda: model.decode(embedding, box), rounds=10, iterations=1)
