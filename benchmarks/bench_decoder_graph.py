"""The decoder graph step by step (convert/shared_image_decoder.py), interleaved.

    pytest benchmarks/bench_decoder_graph.py --benchmark-only [--rounds 3] [-k "bf16 and n16"]

Exports the plain graph (the image expanded to the box batch first, conversion format 2)
and the shared-image graph with its steps switched on one by one (1: constant token-major
positional encoding; 2: image + no-mask embedding transposed at batch 1, then expanded;
3: the image left at batch 1, so the first block's image-side projections run once), then
times the core's decoder calls on one real slice's embedding for each engine and box count.
``extra_info[graph]['per_call_seconds']`` is the median step over its calls; ``speedup``
is plain's time over the graph's within each round.  On OpenVINO every graph also gets the
core's one-box compilation, so n=1 measures both together.
"""

import importlib.util
import warnings

import numpy as np
import pytest
import torch
from cases import reference_slice_input
from interleave import Interleaved, record

from medsam_fast import _core
from medsam_fast.convert import export
from medsam_fast.convert.shared_image_decoder import ALL_STEPS, SharedImageBoxDecoder
from medsam_fast.models import engines, litemedsam_files
from shared_fixtures import THREADS
from test_decoder_graph import PlainBoxDecoder

MODES = ["onnxruntime-fp32"]
if importlib.util.find_spec("openvino") is not None:
    MODES += ["openvino-fp32", "openvino-bf16"]
GRAPHS = ["plain", *(f"steps{s}" for s in range(1, ALL_STEPS + 1))]
BOX_COUNTS = (1, 2, 16)


@pytest.fixture(scope="module")
def graphs(tmp_path_factory, torch_model) -> dict:
    folder = tmp_path_factory.mktemp("decoder-graphs")
    paths = {name: folder / f"{name}.onnx" for name in GRAPHS}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export.export_box_decoder(torch, PlainBoxDecoder(torch_model).eval(), paths["plain"])
        for steps in range(1, ALL_STEPS + 1):
            decoder = SharedImageBoxDecoder(torch_model, steps).eval()
            export.export_box_decoder(torch, decoder, paths[f"steps{steps}"])
    return paths


@pytest.mark.parametrize("n", BOX_COUNTS, ids=[f"n{n}" for n in BOX_COUNTS])
@pytest.mark.parametrize("mode", MODES)
def test_decoder_graph_steps(benchmark, graphs, mode, n, rounds):
    engine, precision = mode.split("-")
    engines.ensure_engine(engine)
    encoder = str(litemedsam_files().encoder)
    boxes = np.array([[60 + i, 70, 140, 150 + i] for i in range(n)], np.float32)
    calls = max(2, 20 // n)
    runs = Interleaved(reference="plain")
    models = {
        name: _core.LiteMedSAMModel(encoder, str(graphs[name]), THREADS, engine, precision)
        for name in GRAPHS
    }
    embedding = models["plain"].encode(reference_slice_input())
    for name, model in models.items():
        model.decode(embedding, boxes)  # warm-up

        def run(model=model):
            for _ in range(calls):
                model.decode(embedding, boxes)

        runs.add(name, run)
    benchmark.pedantic(runs.round, rounds=rounds, iterations=1)
    info = runs.summary()
    for name in GRAPHS:
        info[name]["per_call_seconds"] = round(info[name]["median_seconds"] / calls, 4)
        info[name]["min_per_call_seconds"] = round(min(info[name]["seconds"]) / calls, 4)
    benchmark.extra_info.update(info)
    record(f"decoder graph, {mode}, {n} boxes ({calls} calls per step)", runs)
