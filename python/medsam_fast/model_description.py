"""What a model folder holds and how its family prepares images and prompts.

A folder written by ``medsam-fast convert`` carries ``model.json``, a ModelDescription:
the ONNX pair's file names, the encoder's input (square side, resize, normalisation),
the prompt format and which mask output to keep.  Folders without one (older LiteMedSAM
conversions) are LiteMedSAM.  The C++ core implements exactly the two families below;
any other combination is refused when the folder is read, not halfway through a case.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

DESCRIPTION_FILE = "model.json"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ModelDescription:
    family: str             # "litemedsam" or "efficientsam"
    encoder: str            # file names inside the folder
    decoder: str
    input_size: int         # the encoder's square input side
    resize: str             # "longest_side" (INTER_AREA, zero pad) or "stretch" (bilinear)
    normalize: str          # "minmax" (per image) or "mean_std"
    scale: str = "max"      # mean_std: divide by the image's "max" or by "255" first
    mean: tuple = IMAGENET_MEAN
    std: tuple = IMAGENET_STD
    prompt: str = "box"     # "box" (x0,y0,x1,y1) or "points" (corners labelled 2 and 3)
    center_point: bool = False  # points: add the box centre as a foreground point
    num_masks: int = 1
    mask_output: str | int = 0  # an index, or "best_iou" (highest predicted IoU)
    upsample: str = "bilinear"  # logits to the image: "bilinear" or "bicubic"

    def check(self, where: str = "model") -> "ModelDescription":
        expected = {"litemedsam": LITEMEDSAM, "efficientsam": EFFICIENTSAM}.get(self.family)
        if expected is None:
            raise ValueError(f"{where}: unknown model family {self.family!r} "
                             "(medsam_fast runs 'litemedsam' and 'efficientsam')")
        fixed = ("input_size", "resize", "normalize", "prompt") if self.family == "litemedsam" \
            else ("resize", "normalize", "prompt")
        for name in fixed:
            if getattr(self, name) != getattr(expected, name):
                raise ValueError(f"{where}: {self.family} models need {name} = "
                                 f"{getattr(expected, name)!r}, got {getattr(self, name)!r}")
        if self.scale not in ("max", "255"):
            raise ValueError(f"{where}: scale must be 'max' or '255', got {self.scale!r}")
        if self.upsample not in ("bilinear", "bicubic"):
            raise ValueError(f"{where}: upsample must be 'bilinear' or 'bicubic', got {self.upsample!r}")
        if not (self.mask_output == "best_iou" or
                (isinstance(self.mask_output, int) and 0 <= self.mask_output < self.num_masks)):
            raise ValueError(f"{where}: mask_output must be 'best_iou' or an index below "
                             f"num_masks={self.num_masks}, got {self.mask_output!r}")
        if len(self.mean) != 3 or len(self.std) != 3 or min(self.std) <= 0:
            raise ValueError(f"{where}: mean and std need three values, std positive")
        return self

    @property
    def mask_index(self) -> int:
        """The core's encoding of mask_output: -1 for the best predicted IoU."""
        return -1 if self.mask_output == "best_iou" else int(self.mask_output)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


LITEMEDSAM = ModelDescription(
    family="litemedsam", encoder="litemedsam_encoder.onnx", decoder="litemedsam_decoder.onnx",
    input_size=256, resize="longest_side", normalize="minmax", prompt="box")

# EfficientSAM as the seed entry ran it: the whole image divided by its maximum,
# stretched to 1024x1024, ImageNet mean/std; the box as two corner points (labels 2, 3)
# plus one foreground point (the seed drew a random point inside the box; we take the
# centre, so runs repeat); three masks, the one with the highest predicted IoU kept;
# logits upsampled bicubically as EfficientSAM's own predict_masks does.
EFFICIENTSAM = ModelDescription(
    family="efficientsam", encoder="efficientsam_encoder.onnx",
    decoder="efficientsam_decoder.onnx", input_size=1024, resize="stretch",
    normalize="mean_std", scale="max", prompt="points", center_point=True, num_masks=3,
    mask_output="best_iou", upsample="bicubic")


def read_description(directory: str | Path) -> ModelDescription:
    """The folder's model.json, checked; LiteMedSAM when the folder has none."""
    path = Path(directory) / DESCRIPTION_FILE
    if not path.exists():
        return LITEMEDSAM
    try:
        fields = json.loads(path.read_text())
        description = replace(LITEMEDSAM, **fields)
    except (json.JSONDecodeError, TypeError) as exc:
        raise ValueError(f"{path}: not a model description ({exc})") from None
    description = replace(description, mean=tuple(description.mean), std=tuple(description.std))
    return description.check(str(path))
