"""Both engines, fp32 and bf16, beside the plain Python pipeline, interleaved.

    pytest benchmarks/bench_engines.py --benchmark-only [--rounds 3] [-k 2d-]

Configurations: ``plain-onnx`` (the challenge's Python way on ONNX Runtime, the
reference), ``onnxruntime-fp32`` (the default), ``openvino-fp32``, ``openvino-bf16``,
``openvino-int8`` and ``fast`` (the fast preset: ``Segmenter(fast=True)``, whatever mode
it picks on this CPU).  OpenVINO needs the ``openvino`` extra and int8 the ``quantize``
extra; without them those configurations are left out.
Every configuration runs the baseline rule on the same real cases.

One benchmark per case; each of its rounds runs every configuration once, back to back
(interleave.py).  ``extra_info[config]`` holds:
- ``seconds`` (one per round) and ``median_seconds``;
- ``speedup``: plain-onnx's time over this configuration's, within each round, as
  ``median``, ``min``, ``max`` and ``rounds``;
- on 3D cases, ``vs_encoder_floor``: the case's time over ``<config> floor``, the encoder
  alone on the case's distinct slices, timed just before the case in the same round;
- on 2D cases, ``ceiling_vs_plain``: plain-onnx's time over this configuration's encoder
  and decoder seconds, the speed-up left if nothing else took time (one decoder run per
  box is the same work in both pipelines, so it bounds the many-box ratio);
- ``dsc_vs_truth`` (mean DSC against the ground truth), ``identical_to_plain`` and
  ``dsc_vs_plain`` (from the last round's segs), and the median preprocess, encode,
  decode and postprocess seconds; plain-onnx's entry holds its median encode, decode and
  upsample seconds.

``test_encoder_one_slice`` (2 calls per step) and ``test_decoder_one_box`` (10 calls per
step) time each configuration's model calls alone, interleaved the same way (reference:
onnxruntime-fp32); ``extra_info[config]['per_call_seconds']`` is the median step over
its calls.  ``test_two_single_threaded_encoders`` times two single-threaded models of each
configuration encoding side by side against one alone: the pair should use both cores.
"""

import importlib.util
import statistics
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from cases import (
    LABELLED_CASES,
    covered_slices,
    microscopy_many_boxes,
    reference_slice_input,
    warm_up,
)
from interleave import Interleaved, ratio_summary, record

from medsam_fast import metrics
from shared_fixtures import THREADS

CONFIGS = ["onnxruntime-fp32"]
if importlib.util.find_spec("openvino") is not None:
    CONFIGS += ["openvino-fp32", "openvino-bf16"]
    if importlib.util.find_spec("nncf") is not None:
        CONFIGS += ["openvino-int8"]
    CONFIGS += ["fast"]
CASES = {**LABELLED_CASES, "2d-microscopy-113": microscopy_many_boxes}


def _segmenter(config: str, threads: int = THREADS):
    from medsam_fast import Segmenter

    if config == "fast":
        return Segmenter(strategy="baseline", threads=threads, fast=True)
    engine, precision = config.split("-")
    return Segmenter(strategy="baseline", threads=threads, engine=engine, precision=precision)


@pytest.fixture(scope="module")
def segmenters():
    made = {}
    for config in CONFIGS:
        made[config] = _segmenter(config)
        warm_up(made[config])
    return made


def _encoder_floor(model, data):
    """The encoder alone on every distinct slice the case's boxes cover."""
    from medsam_fast import _core

    imgs = data["imgs"]
    inputs = [
        _core.prepare_encoder_input(np.ascontiguousarray(imgs[z]))[0]
        for z in covered_slices(data["boxes"], len(imgs))
    ]

    def run():
        for x in inputs:
            model.encode(x)

    return run


def _mean_dsc(reference, segs):
    if reference.max() == 0:
        return float("nan")
    return round(float(metrics.dsc(reference, segs).mean), 4)


def _median(values):
    return round(statistics.median(values), 3)


@pytest.mark.parametrize("case", list(CASES))
def test_engines(benchmark, case, segmenters, plain, rounds):
    data = CASES[case]()
    is_3d = data["boxes"].shape[1] == 6
    runs = Interleaved(reference="plain-onnx")
    stages = {name: [] for name in ["plain-onnx", *CONFIGS]}

    def run_plain():
        plain.seconds.clear()
        segs = plain.segment(data["imgs"], data["boxes"])
        stages["plain-onnx"].append(dict(plain.seconds))
        return segs

    def run_config(config):
        def run():
            segs = segmenters[config].segment(data)
            stages[config].append(dict(segmenters[config].last_stats))
            return segs

        return run

    runs.add("plain-onnx", run_plain)
    for config in CONFIGS:
        floor = (
            {f"{config} floor": _encoder_floor(segmenters[config].model, data)} if is_3d else None
        )
        runs.add(config, run_config(config), before=floor)

    plain.segment(np.zeros((64, 64), np.uint8) + 9, np.array([[8, 8, 40, 40]]))  # warm-up
    benchmark.pedantic(runs.round, rounds=rounds, iterations=1)

    for config in CONFIGS:
        if is_3d:
            runs.add_ratio("vs_encoder_floor", config, runs.ratio(config, f"{config} floor"))
        else:
            model_seconds = [s["encode_seconds"] + s["decode_seconds"] for s in stages[config]]
            runs.add_ratio(
                "ceiling_vs_plain", config, ratio_summary(runs.seconds["plain-onnx"], model_seconds)
            )
    info = runs.summary()
    plain_segs = runs.outputs["plain-onnx"]
    for name in ["plain-onnx", *CONFIGS]:
        segs = runs.outputs[name]
        entry = info[name]
        # plain-onnx's stages are encode, decode and upsample; medsam_fast's come from
        # last_stats (preprocess, encode, decode, postprocess, which includes upsampling).
        for stage in ["preprocess", "encode", "decode", "upsample", "postprocess"]:
            key = stage if name == "plain-onnx" else f"{stage}_seconds"
            values = [s[key] for s in stages[name] if key in s]
            if values:
                entry[f"{stage}_seconds"] = _median(values)
        if name != "plain-onnx":
            entry["slices_encoded"] = stages[name][-1].get("slices_encoded")
            entry["identical_to_plain"] = bool(np.array_equal(plain_segs, segs))
            entry["dsc_vs_plain"] = _mean_dsc(plain_segs, segs)
        if "gts" in data:
            entry["dsc_vs_truth"] = _mean_dsc(data["gts"], segs)
    benchmark.extra_info.update(info)
    record(case, runs)


def _model_calls(benchmark, rounds, title, make_call, calls):
    """Each configuration's step is `calls` calls in a row; `per_call_seconds` is the
    median step over `calls`."""
    runs = Interleaved(reference="onnxruntime-fp32")
    for config in CONFIGS:
        call = make_call(config)
        call()  # warm-up

        def run(call=call):
            for _ in range(calls):
                call()

        runs.add(config, run)
    benchmark.pedantic(runs.round, rounds=rounds, iterations=1)
    info = runs.summary()
    for config in CONFIGS:
        info[config]["calls_per_round"] = calls
        info[config]["per_call_seconds"] = round(info[config]["median_seconds"] / calls, 4)
    benchmark.extra_info.update(info)
    record(f"{title} ({calls} calls per step)", runs)


def test_encoder_one_slice(benchmark, segmenters, rounds):
    """The encoder alone on one real slice (Colin27 axial 80)."""
    x = reference_slice_input()

    def make_run(config):
        model = segmenters[config].model
        return lambda: model.encode(x)

    _model_calls(benchmark, rounds, "encoder-one-slice", make_run, calls=2)


def test_decoder_one_box(benchmark, segmenters, rounds):
    """The decoder alone, one box per call on one real slice's embedding: the per-box cost
    both pipelines pay on a many-box image however the rest is arranged."""
    x = reference_slice_input()
    box = np.array([[60, 70, 140, 150]], dtype=np.float32)

    def make_run(config):
        model = segmenters[config].model
        embedding = model.encode(x)
        return lambda: model.decode(embedding, box)

    _model_calls(benchmark, rounds, "decoder-one-box", make_run, calls=10)


def test_two_single_threaded_encoders(benchmark, rounds):
    """Two single-threaded models of one configuration, each encoding in its own thread,
    against one of them alone (2 calls each).  ``side_by_side_throughput`` is twice the
    lone model's time over the pair's: 2 when the pair uses both cores, 1 when its two
    models take turns on one core (as OpenVINO's pinned streams made them)."""
    x = reference_slice_input()
    runs = Interleaved(reference="onnxruntime-fp32")
    pool = ThreadPoolExecutor(max_workers=2)
    for config in CONFIGS:
        pair = [_segmenter(config, threads=1).model for _ in range(2)]
        for model in pair:
            model.encode(x)  # warm-up

        def alone(model=pair[0]):
            for _ in range(2):
                model.encode(x)

        def side_by_side(pair=pair, alone=alone):
            for done in [pool.submit(alone, model) for model in pair]:
                done.result()

        runs.add(config, side_by_side, before={f"{config} alone": alone})
    benchmark.pedantic(runs.round, rounds=rounds, iterations=1)
    pool.shutdown()
    for config in CONFIGS:
        twice_alone = [2 * s for s in runs.seconds[f"{config} alone"]]
        runs.add_ratio(
            "side_by_side_throughput", config, ratio_summary(twice_alone, runs.seconds[config])
        )
    benchmark.extra_info.update(runs.summary())
    record("two-single-threaded-encoders (2 calls each)", runs)
