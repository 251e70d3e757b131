"""The OpenVINO engine behind the same core: fp32 gives ONNX Runtime's segs, bf16 is
really bf16 and stays close, and every misuse is a clear Python error."""

import numpy as np
import pytest

from medsam_fast import Segmenter, _core, metrics
from medsam_fast.models import engines
from realdata import colin27
from shared_fixtures import THREADS
from test_runtime import run_python

pytest.importorskip("openvino", reason="the openvino extra is part of the test extra")


@pytest.fixture(scope="module")
def openvino_fp32():
    return Segmenter(strategy="baseline", threads=THREADS, engine="openvino")


@pytest.fixture(scope="module")
def openvino_bf16():
    return Segmenter(strategy="baseline", threads=THREADS, engine="openvino", precision="bf16")


@pytest.fixture(scope="module")
def slice_input():
    t1, _ = colin27.load()
    x, _ = _core.prepare_encoder_input(np.ascontiguousarray(t1[80]))
    return x


def test_openvino_fp32_embeddings_match_onnx_runtime(segmenter, openvino_fp32, slice_input):
    ours = openvino_fp32.model.encode(slice_input)
    reference = segmenter.model.encode(slice_input)
    assert np.abs(ours - reference).max() < 1e-4 * np.abs(reference).max()


@pytest.mark.slow
def test_openvino_fp32_segs_equal_onnx_runtime_on_real_2d_and_3d_cases(segmenter, openvino_fp32):
    for case in (colin27.case_2d(80), colin27.case_3d((75,))):
        expected = segmenter.segment(case)
        assert expected.any()
        np.testing.assert_array_equal(openvino_fp32.segment(case), expected)


def test_single_box_decodes_agree_with_batched_ones(segmenter, openvino_fp32, slice_input):
    """OpenVINO runs one-box decodes on a second compilation fixed at one box (the 3D
    strategies' calls); it must decode each box as the dynamic-batch one does."""
    embedding = segmenter.model.encode(slice_input)
    boxes = np.array([[60, 70, 120, 140], [10, 10, 250, 250]], np.float32)
    together, together_iou = openvino_fp32.model.decode_with_iou(embedding, boxes)
    for i in range(len(boxes)):
        alone, alone_iou = openvino_fp32.model.decode_with_iou(embedding, boxes[i : i + 1])
        assert alone.shape == (1, 1, 256, 256) and alone_iou.shape == (1,)
        assert np.abs(alone[0] - together[i]).max() < 1e-4 * np.abs(together[i]).max()
        assert abs(alone_iou[0] - together_iou[i]) < 1e-4
    assert np.abs(together[0] - together[1]).max() > 1.0  # the two boxes differ


def test_bf16_changes_the_embeddings_but_keeps_the_masks(segmenter, openvino_bf16, slice_input):
    reference = segmenter.model.encode(slice_input)
    bf16 = openvino_bf16.model.encode(slice_input)
    relative = np.linalg.norm(bf16 - reference) / np.linalg.norm(reference)
    # bf16 keeps 8 mantissa bits: an error this size shows the hint took effect.
    assert 1e-3 < relative < 0.2
    case = colin27.case_2d(80)
    assert metrics.dsc(segmenter.segment(case), openvino_bf16.segment(case)).mean > 0.95


def test_bf16_on_onnx_runtime_is_refused():
    with pytest.raises(ValueError, match="bf16 needs engine 'openvino'"):
        Segmenter(engine="onnxruntime", precision="bf16")


def test_unknown_engine_and_precision_are_refused():
    with pytest.raises(ValueError, match="engine must be one of"):
        Segmenter(engine="tensorrt")
    with pytest.raises(ValueError, match="precision must be one of"):
        Segmenter(engine="openvino", precision="int4")


def test_core_refuses_unknown_engine_names(segmenter):
    files = segmenter.files
    with pytest.raises(ValueError, match="unknown engine 'tvm'"):
        _core.LiteMedSAMModel(str(files.encoder), str(files.decoder), 1, "tvm", "fp32")


def test_the_openvino_c_library_is_found_in_the_wheel():
    assert engines.find_openvino_library().name.startswith("libopenvino_c.so")


def test_a_missing_openvino_override_is_named():
    result = run_python(
        "from medsam_fast import Segmenter; Segmenter(engine='openvino')",
        MEDSAM_FAST_OPENVINO_LIBRARY="/nonexistent/libopenvino_c.so",
    )
    assert result.returncode != 0
    assert "/nonexistent/libopenvino_c.so: no such file" in result.stderr


def test_a_library_that_is_not_openvino_raises_runtime_load_error():
    code = (
        "from medsam_fast import _core\n"
        f"try:\n    _core.load_openvino({_core.__file__!r})\n"
        "except _core.RuntimeLoadError as e:\n    print('refused:', e)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert "does not export ov_core_create" in result.stdout


def test_a_corrupt_model_raises_openvino_error_naming_the_file(tmp_path):
    engines.ensure_engine("openvino")
    bad = tmp_path / "broken_encoder.onnx"
    bad.write_bytes(b"not an onnx model")
    with pytest.raises(_core.OpenVinoError, match="broken_encoder.onnx"):
        _core.LiteMedSAMModel(str(bad), str(bad), 1, "openvino", "fp32")


def test_wrongly_shaped_input_is_an_error_not_a_crash(openvino_fp32):
    with pytest.raises(ValueError, match=r"\(B, 3, 256, 256\)"):
        openvino_fp32.model.encode(np.zeros((1, 3, 128, 128), np.float32))


def test_cli_segments_with_openvino_bf16(tmp_path, segmenter):
    from medsam_fast.cli import main

    case = colin27.case_2d(80)
    inputs = tmp_path / "imgs"
    inputs.mkdir()
    np.savez(inputs / "2DBox_MR_slice80.npz", imgs=case["imgs"], boxes=case["boxes"])
    out = tmp_path / "segs"
    assert (
        main(
            [
                "segment",
                "-i",
                str(inputs),
                "-o",
                str(out),
                "--engine",
                "openvino",
                "--precision",
                "bf16",
                "--strategy",
                "baseline",
                "--threads",
                str(THREADS),
                "--quiet",
            ]
        )
        == 0
    )
    segs = np.load(out / "2DBox_MR_slice80.npz")["segs"]
    assert metrics.dsc(segmenter.segment(case), segs).mean > 0.95


def test_cli_refuses_bf16_on_onnx_runtime(tmp_path, capsys):
    from medsam_fast.cli import main

    assert (
        main(["segment", "-i", str(tmp_path), "-o", str(tmp_path / "o"), "--precision", "bf16"])
        == 2
    )
    assert "bf16 needs engine 'openvino'" in capsys.readouterr().err
