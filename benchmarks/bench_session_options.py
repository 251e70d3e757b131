"""The engines' session settings, measured on the encoder (which dominates every case).

    pytest benchmarks/bench_session_options.py --benchmark-only

Each row times one real slice through the LiteMedSAM encoder under one setting, through
the engines' own Python APIs on the same ONNX file and the same shared libraries the core
dlopens.  What the core sets (src/cpp/engine/onnx_session.cpp, openvino_session.cpp) is the
fastest row of each engine that gives fp32 results: ORT_ENABLE_ALL, intra-op threads =
the user's `threads`, one inter-op thread, sequential execution, the default arena;
OpenVINO's LATENCY hint with an explicit f32 precision.
"""

import functools
import importlib.util

import numpy as np
import pytest

from shared_fixtures import THREADS

ORT_SETTINGS = {
    "ort-all-2threads (ours)": dict(level="ORT_ENABLE_ALL", intra=THREADS),
    "ort-basic-2threads": dict(level="ORT_ENABLE_BASIC", intra=THREADS),
    "ort-extended-2threads": dict(level="ORT_ENABLE_EXTENDED", intra=THREADS),
    "ort-disabled-2threads": dict(level="ORT_DISABLE_ALL", intra=THREADS),
    "ort-all-1thread": dict(level="ORT_ENABLE_ALL", intra=1),
    "ort-all-2threads-no-arena": dict(level="ORT_ENABLE_ALL", intra=THREADS, arena=False),
    "ort-all-parallel-2x1": dict(level="ORT_ENABLE_ALL", intra=1, inter=THREADS, parallel=True),
    "ort-all-2threads-no-spinning": dict(level="ORT_ENABLE_ALL", intra=THREADS, spinning=False),
}
OPENVINO_SETTINGS = {
    "openvino-latency-f32 (ours)": {
        "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_PRECISION_HINT": "f32",
    },
    "openvino-throughput-f32": {
        "PERFORMANCE_HINT": "THROUGHPUT",
        "INFERENCE_PRECISION_HINT": "f32",
    },
    "openvino-latency-bf16 (ours, bf16)": {
        "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_PRECISION_HINT": "bf16",
    },
}


@pytest.fixture(scope="module")
def slice_input(segmenter):
    from medsam_fast import _core
    from realdata import colin27

    t1, _ = colin27.load()
    x, _ = _core.prepare_encoder_input(np.ascontiguousarray(t1[80]))
    return x


@pytest.fixture(scope="module")
def core_embedding(segmenter, slice_input):
    # Computed once, before any timing: the core's own thread pool must be idle while
    # another session is timed (ORT's workers spin for a while after each run).
    return segmenter.model.encode(slice_input)


@pytest.mark.parametrize("setting", list(ORT_SETTINGS))
def test_onnxruntime_setting(benchmark, setting, segmenter, slice_input, core_embedding):
    import onnxruntime as ort

    s = ORT_SETTINGS[setting]
    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, s["level"])
    options.intra_op_num_threads = s["intra"]
    options.inter_op_num_threads = s.get("inter", 1)
    options.enable_cpu_mem_arena = s.get("arena", True)
    if not s.get("spinning", True):
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if s.get("parallel"):
        options.execution_mode = ort.ExecutionMode.ORT_PARALLEL
    session = ort.InferenceSession(
        str(segmenter.files.encoder), options, providers=["CPUExecutionProvider"]
    )
    run = functools.partial(session.run, None, {"image": slice_input})
    out = run()[0]
    benchmark.extra_info["max_abs_diff_vs_core"] = float(np.abs(out - core_embedding).max())
    benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)
    del run, session  # its thread pool must not compete with the next setting's


@pytest.mark.parametrize("setting", list(OPENVINO_SETTINGS))
def test_openvino_setting(benchmark, setting, segmenter, slice_input, core_embedding):
    if importlib.util.find_spec("openvino") is None:
        pytest.skip("openvino is not installed")
    import openvino as ov

    config = {**OPENVINO_SETTINGS[setting], "INFERENCE_NUM_THREADS": THREADS}
    compiled = ov.Core().compile_model(str(segmenter.files.encoder), "CPU", config)
    request = compiled.create_infer_request()
    run = functools.partial(request.infer, {0: slice_input})
    out = run()[0]
    reference = core_embedding
    benchmark.extra_info["relative_error_vs_core"] = float(
        np.linalg.norm(out - reference) / np.linalg.norm(reference)
    )
    benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)
    del run, request, compiled
