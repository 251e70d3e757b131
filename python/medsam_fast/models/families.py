"""The model families the C++ core runs, one object each, in FAMILIES.

A family knows its description defaults (the ``model.json`` a converted folder starts
from, and what a folder without one is), which description fields its models cannot
change, how to build its core model, how to segment a 2D image with it, and whether it
segments 3D volumes.  Adding a family means adding one object here (and its C++ model).
"""

from __future__ import annotations

from pathlib import Path

from .. import _core
from .description import ModelDescription

LITEMEDSAM = ModelDescription(
    family="litemedsam",
    encoder="litemedsam_encoder.onnx",
    decoder="litemedsam_decoder.onnx",
    input_size=256,
    resize="longest_side",
    normalize="minmax",
    prompt="box",
)

# EfficientSAM as the seed entry ran it: the whole image divided by its maximum,
# stretched to 1024x1024, ImageNet mean/std; the box as two corner points (labels 2, 3)
# plus one foreground point (the seed drew a random point inside the box; we take the
# centre, so runs repeat); three masks, the one with the highest predicted IoU kept;
# logits upsampled bicubically as EfficientSAM's own predict_masks does.
EFFICIENTSAM = ModelDescription(
    family="efficientsam",
    encoder="efficientsam_encoder.onnx",
    decoder="efficientsam_decoder.onnx",
    input_size=1024,
    resize="stretch",
    normalize="mean_std",
    scale="max",
    prompt="points",
    center_point=True,
    num_masks=3,
    mask_output="best_iou",
    upsample="bicubic",
)


class ModelFamily:
    name: str
    defaults: ModelDescription
    fixed: tuple[str, ...]  # description fields the core implements one way only
    segments_3d: bool

    def check(self, description: ModelDescription, where: str) -> ModelDescription:
        for name in self.fixed:
            if getattr(description, name) != getattr(self.defaults, name):
                raise ValueError(
                    f"{where}: {self.name} models need {name} = "
                    f"{getattr(self.defaults, name)!r}, got {getattr(description, name)!r}"
                )
        return description.check_fields(where)

    def build(
        self,
        encoder: Path,
        decoder: Path,
        description: ModelDescription,
        threads: int,
        engine: str,
        precision: str,
    ):
        """The core model for an ONNX pair."""
        raise NotImplementedError

    def segment_2d(self, model, description: ModelDescription, imgs, boxes, segs) -> dict:
        """Writes labels 1..N for ``boxes`` into ``segs``; returns the core's stats."""
        raise NotImplementedError


class LiteMedSAMFamily(ModelFamily):
    name = "litemedsam"
    defaults = LITEMEDSAM
    fixed = ("input_size", "resize", "normalize", "prompt")
    segments_3d = True

    def build(self, encoder, decoder, description, threads, engine, precision):
        if precision == "int8":
            encoder = _int8_encoder(Path(encoder))
        return _core.LiteMedSAMModel(str(encoder), str(decoder), threads, engine, precision)

    def segment_2d(self, model, description, imgs, boxes, segs):
        return model.segment_2d(imgs, boxes, segs)


class EfficientSAMFamily(ModelFamily):
    name = "efficientsam"
    defaults = EFFICIENTSAM
    fixed = ("resize", "normalize", "prompt")
    segments_3d = False

    def build(self, encoder, decoder, description, threads, engine, precision):
        if precision == "int8":
            raise ValueError(f"{encoder}: int8 is made for LiteMedSAM encoders only")
        return _core.EfficientSAMModel(
            str(encoder),
            str(decoder),
            threads,
            engine,
            precision,
            description.input_size,
            description.num_masks,
        )

    def segment_2d(self, model, description, imgs, boxes, segs):
        d = description
        return model.segment_2d(
            imgs,
            boxes,
            segs,
            d.scale == "max",
            d.mean,
            d.std,
            d.center_point,
            d.mask_index,
            d.upsample,
        )


FAMILIES: dict[str, ModelFamily] = {f.name: f for f in (LiteMedSAMFamily(), EfficientSAMFamily())}


def family(name: str, where: str = "model") -> ModelFamily:
    if name not in FAMILIES:
        runs = " and ".join(repr(n) for n in FAMILIES)
        raise ValueError(f"{where}: unknown model family {name!r} (medsam_fast runs {runs})")
    return FAMILIES[name]


def check_description(description: ModelDescription, where: str = "model") -> ModelDescription:
    """The description checked against its family: refused when read, not halfway
    through a case."""
    return family(description.family, where).check(description, where)


def _int8_encoder(encoder: Path) -> Path:
    """The int8 IR beside ``encoder``; the bundled model's is made on first use."""
    from .quantize import int8_encoder
    from .store import default_model_dir

    return int8_encoder(encoder, quantize_missing=encoder.parent == default_model_dir())
