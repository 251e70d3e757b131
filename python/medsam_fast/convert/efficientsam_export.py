"""Export a user's EfficientSAM checkpoint (ViT-T or ViT-S) to the ONNX pair the core runs.

No EfficientSAM weights ship with medsam_fast, nor a copy of its model code: the user
brings both, the checkpoint file and EfficientSAM's own ``efficient_sam`` package
(its repository's folder on PYTHONPATH).  We build the network with its
``build_efficient_sam`` and export two thin wrappers around it:

- encoder: ``image`` (1,3,S,S), already stretched and normalised by the core ->
  ``embeddings`` (1,256,64,64): EfficientSAM's ``image_encoder`` alone, so the resize and
  normalisation run once, in C++, where they are tested;
- decoder: ``image_embeddings`` (1,256,64,64), ``point_coords`` (N,P,2) in the S frame,
  ``point_labels`` (N,P) -> ``low_res_logits`` (N,3,256,256), ``iou_predictions`` (N,3):
  EfficientSAM's ``predict_masks`` with input size S (so it rescales nothing) and no
  upsampling (the core upsamples only the mask it keeps).
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from dataclasses import replace
from pathlib import Path

from ..models.description import DESCRIPTION_FILE, MANIFEST_FILE
from ..models.families import EFFICIENTSAM
from .export import OPSET, import_torch, sha256, staged_folder

log = logging.getLogger(__name__)

# (patch embedding width, attention heads) of EfficientSAM's two published sizes.
VARIANTS = {"vitt": (192, 3), "vits": (384, 6)}


def _build_efficient_sam():
    try:
        from efficient_sam.efficient_sam import build_efficient_sam
    except ImportError as exc:
        raise ImportError(
            "converting EfficientSAM needs its model code, which medsam-fast does not ship: "
            "put the folder holding EfficientSAM's `efficient_sam` package on PYTHONPATH "
            f"({exc})"
        ) from exc
    return build_efficient_sam


def guess_variant(torch, checkpoint: Path) -> str:
    """vitt or vits, from the width of the checkpoint's patch embedding."""
    state = torch.load(str(checkpoint), map_location="cpu", weights_only=True)
    weights = state.get("model", state)
    for name, tensor in weights.items():
        if name.endswith("patch_embed.proj.weight"):
            for variant, (width, _) in VARIANTS.items():
                if tensor.shape[0] == width:
                    return variant
            raise ValueError(
                f"{checkpoint}: patch embedding width {tensor.shape[0]} is "
                f"neither ViT-T ({VARIANTS['vitt'][0]}) nor ViT-S ({VARIANTS['vits'][0]})"
            )
    raise ValueError(
        f"{checkpoint}: no image_encoder.patch_embed.proj.weight; not an EfficientSAM checkpoint"
    )


def _wrappers(torch, model):
    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.image_encoder = model.image_encoder

        def forward(self, image):
            return self.image_encoder(image)

    class PointDecoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model
            self.size = int(model.image_encoder.img_size)

        def forward(self, image_embeddings, point_coords, point_labels):
            masks, iou = self.model.predict_masks(
                image_embeddings,
                point_coords[None],
                point_labels[None],
                multimask_output=True,
                input_h=self.size,
                input_w=self.size,
            )
            return masks[0], iou[0]

    return Encoder().eval(), PointDecoder().eval()


def convert_efficientsam(checkpoint: Path, out_dir: Path, variant: str | None = None) -> Path:
    """Writes the ONNX pair, model.json and a manifest to ``out_dir`` (atomically)."""
    torch = import_torch()
    checkpoint = Path(checkpoint)
    if not checkpoint.is_file():
        raise FileNotFoundError(f"{checkpoint}: checkpoint not found")
    variant = variant or guess_variant(torch, checkpoint)
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {sorted(VARIANTS)}, got {variant!r}")
    width, heads = VARIANTS[variant]
    model = _build_efficient_sam()(
        encoder_patch_embed_dim=width, encoder_num_heads=heads, checkpoint=str(checkpoint)
    ).eval()
    size = int(model.image_encoder.img_size)
    description = replace(EFFICIENTSAM, input_size=size)
    log.info("converting EfficientSAM %s %s to ONNX in %s", variant, checkpoint, out_dir)
    started = time.perf_counter()
    encoder, decoder = _wrappers(torch, model)
    with staged_folder(Path(out_dir)) as staging:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                encoder,
                (torch.zeros(1, 3, size, size),),
                str(staging / description.encoder),
                input_names=["image"],
                output_names=["embeddings"],
                opset_version=OPSET,
                dynamo=False,
            )
            coords = torch.tensor([[[10.0, 20.0], [300.0, 400.0], [155.0, 210.0]]] * 2)
            labels = torch.tensor([[2.0, 3.0, 1.0]] * 2)
            torch.onnx.export(
                decoder,
                (torch.zeros(1, 256, 64, 64), coords, labels),
                str(staging / description.decoder),
                input_names=["image_embeddings", "point_coords", "point_labels"],
                output_names=["low_res_logits", "iou_predictions"],
                dynamic_axes={
                    "point_coords": {0: "prompts", 1: "points"},
                    "point_labels": {0: "prompts", 1: "points"},
                    "low_res_logits": {0: "prompts"},
                    "iou_predictions": {0: "prompts"},
                },
                opset_version=OPSET,
                dynamo=False,
            )
        manifest = {
            "model": "efficientsam",
            "variant": variant,
            "checkpoint": str(checkpoint),
            "checkpoint_sha256": sha256(checkpoint),
            "opset": OPSET,
            "torch_version": torch.__version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
        (staging / DESCRIPTION_FILE).write_text(description.to_json())
    log.info("converted in %.1f s", time.perf_counter() - started)
    return Path(out_dir)
