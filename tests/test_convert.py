"""Checkpoint conversion: the manifest, the ONNX shapes, byte-identical repeats, and the
missing-extra message."""

import builtins
import hashlib
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from medsam_fast import _core
from medsam_fast.convert import export
from medsam_fast.models import LITEMEDSAM, MANIFEST_FILE, engines, read_description


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "litemedsam"
    export.convert_litemedsam(out)
    return out


@pytest.mark.slow
def test_conversion_writes_the_pair_and_a_manifest(converted):
    manifest = json.loads((converted / "manifest.json").read_text())
    checkpoint = export.find_bundled_checkpoint()
    assert manifest["checkpoint_sha256"] == export.sha256(checkpoint)
    assert manifest["opset"] == export.OPSET
    assert manifest["decoder"]["outputs"]["low_res_logits"] == ["boxes", 1, 256, 256]
    assert sorted(p.name for p in converted.iterdir()) == sorted(
        [LITEMEDSAM.encoder, LITEMEDSAM.decoder, MANIFEST_FILE, "model.json"]
    )
    assert read_description(converted) == LITEMEDSAM
    assert not [p for p in converted.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_converted_models_take_dynamic_batches_and_box_counts(converted):
    engines.ensure_loaded()  # the core model needs ONNX Runtime, whichever test runs first
    model = _core.LiteMedSAMModel(
        str(converted / LITEMEDSAM.encoder), str(converted / LITEMEDSAM.decoder), 2
    )
    images = np.zeros((2, 3, 256, 256), np.float32)
    assert model.encode(images).shape == (2, 256, 64, 64)
    embedding = np.zeros((1, 256, 64, 64), np.float32)
    boxes = np.array([[0, 0, 10, 10]] * 5, np.float32)
    assert model.decode(embedding, boxes).shape == (5, 1, 256, 256)


@pytest.mark.slow
def test_two_conversions_in_two_processes_write_byte_identical_models(tmp_path):
    """One with one torch thread, one with two: the threads must not change a bit."""
    digests = []
    for threads in ("1", "2"):
        out = tmp_path / f"threads{threads}"
        env = {**os.environ, "OMP_NUM_THREADS": threads}
        convert = "from medsam_fast.convert import export; import sys; "
        convert += "export.convert_litemedsam(__import__('pathlib').Path(sys.argv[1]))"
        subprocess.run([sys.executable, "-c", convert, str(out)], env=env, check=True)
        digests.append(
            {
                name: hashlib.sha256((out / name).read_bytes()).hexdigest()
                for name in (LITEMEDSAM.encoder, LITEMEDSAM.decoder)
            }
        )
    assert digests[0] == digests[1]


def test_the_image_positional_encoding_is_the_exact_one_rounded_once():
    """Against sin and cos in float64, element by element; the encoding torch computes in
    float32 is off by a few ulps in most elements."""
    torch = pytest.importorskip("torch")
    from medsam_fast.convert.litemedsam_torch import RandomPositionEmbedding

    layer = RandomPositionEmbedding()
    matrix = torch.randn(
        layer.positional_encoding_gaussian_matrix.shape, generator=torch.Generator().manual_seed(3)
    )
    layer.positional_encoding_gaussian_matrix.copy_(matrix)
    size = 16
    encoding = layer.dense(size).numpy()
    g = layer.positional_encoding_gaussian_matrix.double().numpy()
    features = g.shape[1]
    assert encoding.shape == (1, 2 * features, size, size)
    expected = np.empty_like(encoding)
    for i in range(size):
        for j in range(size):
            x, y = 2 * (j + 0.5) / size - 1, 2 * (i + 0.5) / size - 1
            for f in range(features):
                angle = 2 * math.pi * (x * g[0, f] + y * g[1, f])
                expected[0, f, i, j] = math.sin(angle)
                expected[0, features + f, i, j] = math.cos(angle)
    # float64 sines from two libraries may differ in the last bit, and such a difference
    # can, rarely, round to another float32: allow one ulp in a few elements.
    np.testing.assert_array_max_ulp(encoding, expected, maxulp=1)
    assert np.count_nonzero(encoding != expected) <= 2


def test_missing_torch_names_the_convert_extra(monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'", name="torch")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(export.ConversionUnavailable, match=r"medsam-fast\[convert\]"):
        export.convert_litemedsam(tmp_path / "m")


def test_a_file_that_is_not_a_litemedsam_checkpoint_is_refused(tmp_path):
    import torch

    bogus = tmp_path / "other.pth"
    torch.save({"layer.weight": torch.zeros(3)}, bogus)
    with pytest.raises(ValueError, match="not a LiteMedSAM checkpoint"):
        export.convert_litemedsam(tmp_path / "m", checkpoint=bogus)
    assert not (tmp_path / "m").exists()
