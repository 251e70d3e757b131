"""What a model folder holds, and ``model.json``: the description of its ONNX pair.

A folder written by ``medsam-fast convert`` carries ``model.json``, a ModelDescription:
the ONNX pair's file names, the encoder's input (square side, resize, normalisation),
the prompt format and which mask output to keep, plus ``manifest.json`` (where the
checkpoint came from).  Which combinations the C++ core runs is each family's business
(``families``); this module knows the format alone.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

DESCRIPTION_FILE = "model.json"
MANIFEST_FILE = "manifest.json"
# The manifest's "format" of a current LiteMedSAM conversion; the model cache converts an
# older one again.  2: the decoder also outputs ``iou_predictions``.  3: the decoder does
# its box-independent image work once per call (convert/shared_image_decoder.py).  4: the
# image positional encoding is computed in float64 and rounded once, so a conversion
# gives the same bytes every time.
CONVERSION_FORMAT = 4
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ModelDescription:
    family: str  # a key of families.FAMILIES: "litemedsam" or "efficientsam"
    encoder: str  # file names inside the folder
    decoder: str
    input_size: int  # the encoder's square input side
    resize: str  # "longest_side" (INTER_AREA, zero pad) or "stretch" (bilinear)
    normalize: str  # "minmax" (per image) or "mean_std"
    scale: str = "max"  # mean_std: divide by the image's "max" or by "255" first
    mean: tuple = IMAGENET_MEAN
    std: tuple = IMAGENET_STD
    prompt: str = "box"  # "box" (x0,y0,x1,y1) or "points" (corners labelled 2 and 3)
    center_point: bool = False  # points: add the box centre as a foreground point
    num_masks: int = 1
    mask_output: str | int = 0  # an index, or "best_iou" (highest predicted IoU)
    upsample: str = "bilinear"  # logits to the image: "bilinear" or "bicubic"
    # The int8 encoder `medsam-fast convert --precision int8` made (models.quantize): its
    # file, NNCF and OpenVINO versions, settings and calibration slices.
    int8: dict | None = None

    def check_fields(self, where: str = "model") -> ModelDescription:
        """The checks every family shares (``families.check_description`` adds the
        family's own)."""
        if self.scale not in ("max", "255"):
            raise ValueError(f"{where}: scale must be 'max' or '255', got {self.scale!r}")
        if self.upsample not in ("bilinear", "bicubic"):
            raise ValueError(
                f"{where}: upsample must be 'bilinear' or 'bicubic', got {self.upsample!r}"
            )
        if not (
            self.mask_output == "best_iou"
            or (isinstance(self.mask_output, int) and 0 <= self.mask_output < self.num_masks)
        ):
            raise ValueError(
                f"{where}: mask_output must be 'best_iou' or an index below "
                f"num_masks={self.num_masks}, got {self.mask_output!r}"
            )
        if len(self.mean) != 3 or len(self.std) != 3 or min(self.std) <= 0:
            raise ValueError(f"{where}: mean and std need three values, std positive")
        return self

    @property
    def mask_index(self) -> int:
        """The core's encoding of mask_output: -1 for the best predicted IoU."""
        return -1 if self.mask_output == "best_iou" else int(self.mask_output)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def parse_description(path: str | Path, base: ModelDescription) -> ModelDescription:
    """A model.json read over ``base`` (the fields it leaves out keep base's values);
    not yet checked."""
    path = Path(path)
    try:
        description = replace(base, **json.loads(path.read_text()))
    except (json.JSONDecodeError, TypeError) as exc:
        raise ValueError(f"{path}: not a model description ({exc})") from None
    return replace(description, mean=tuple(description.mean), std=tuple(description.std))
