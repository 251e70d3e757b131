"""int8: the encoder quantized by NNCF at convert time, recorded in model.json, and used by
OpenVINO's int8 mode.  Quantizing takes a minute or more on two cores, so one module-wide
quantization (on four calibration slices) serves every test here."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from medsam_fast import Segmenter, _core, metrics
from medsam_fast.models import quantize
from medsam_fast.models.families import LITEMEDSAM
from medsam_fast.models.store import litemedsam_files
from realdata import colin27

pytest.importorskip("openvino", reason="the openvino extra is part of the test extra")
pytest.importorskip("nncf", reason="the quantize extra is part of the test extra")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_copy(tmp_path_factory):
    """The bundled fp32 pair copied to a folder of its own, with its model.json."""
    folder = tmp_path_factory.mktemp("litemedsam")
    bundled = litemedsam_files()
    for path in (bundled.encoder, bundled.decoder):
        shutil.copy(path, folder / path.name)
    (folder / "model.json").write_text(LITEMEDSAM.to_json())
    return folder


@pytest.fixture(scope="module")
def quantized(model_copy, tmp_path_factory, monkeypatch_module):
    calibration = tmp_path_factory.mktemp("calibration")
    case = colin27.case_3d((77, 78))
    np.savez(calibration / "3DBox_MR_calibration.npz", imgs=case["imgs"][::6], boxes=case["boxes"])
    monkeypatch_module.setattr(quantize, "SLICES_PER_VOLUME", 4)
    return quantize.quantize_encoder(model_copy / LITEMEDSAM.encoder, [calibration])


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_a_folder_without_an_int8_encoder_says_how_to_make_one(model_copy):
    if quantize.int8_file(model_copy / LITEMEDSAM.encoder).exists():
        pytest.skip("already quantized by an earlier test")
    with pytest.raises(FileNotFoundError, match="medsam-fast convert --precision int8 --out"):
        Segmenter(engine="openvino", precision="int8", model_dir=model_copy)


def test_the_int8_encoder_is_recorded_in_model_json(model_copy, quantized):
    import nncf

    assert quantized == model_copy / "litemedsam_encoder_int8.xml"
    assert quantized.with_suffix(".bin").stat().st_size > 1_000_000
    record = json.loads((model_copy / "model.json").read_text())["int8"]
    assert record["file"] == quantized.name
    assert record["nncf"] == nncf.__version__
    assert record["settings"] == quantize.SETTINGS
    assert record["calibration"] == [f"3DBox_MR_calibration.npz:z{z}" for z in (0, 1, 2, 3)]
    # Nothing half-written is left behind.
    assert sorted(p.name for p in model_copy.iterdir() if p.name.startswith(".")) == []


def test_int8_runs_really_quantized_and_stays_close(model_copy, quantized):
    fp32 = Segmenter(strategy="baseline", threads=2, engine="openvino", model_dir=model_copy)
    int8 = Segmenter(
        strategy="baseline", threads=2, engine="openvino", precision="int8", model_dir=model_copy
    )
    case = colin27.case_2d(80)
    encoder_input = _core.prepare_encoder_input(case["imgs"])[0]
    reference = fp32.model.encode(encoder_input)
    ours = int8.model.encode(encoder_input)
    relative = np.linalg.norm(ours - reference) / np.linalg.norm(reference)
    # An int8 encoder moves the embedding by percents; fp32 by nothing near that.
    assert 0.02 < relative < 0.5
    segs_fp32, segs_int8 = fp32.segment(case), int8.segment(case)
    assert metrics.dsc(segs_fp32, segs_int8).mean > 0.8
    assert int8.last_stats["precision"] == "int8"
