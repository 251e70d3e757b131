"""SamPredictor-style use of the bundled LiteMedSAM: encode an image once, then decode
as many box prompts against it as needed."""

from __future__ import annotations

import os

import numpy as np

from .. import _core
from ..models import engines
from ..models.families import FAMILIES, LITEMEDSAM
from ..models.store import litemedsam_files


class Predictor:
    """``set_image`` once, ``predict`` many times, ``embedding`` to read the encoding.

    ``model``: a LiteMedSAM core model to reuse (a Segmenter's ``model``); by default one
    is built from ``model_dir`` (see Segmenter) with ``threads``, ``engine`` and
    ``precision``.  LiteMedSAM only: the 256 frame and its box prompts.
    """

    def __init__(
        self,
        model=None,
        *,
        threads: int = 0,
        model_dir: str | os.PathLike | None = None,
        engine: str = "onnxruntime",
        precision: str = "fp32",
    ):
        if model is None:
            engines.ensure_engine(engine, precision)
            files = litemedsam_files(model_dir)
            model = FAMILIES[LITEMEDSAM.family].build(
                files.encoder, files.decoder, LITEMEDSAM, threads, engine, precision
            )
        self.model = model
        self._embedding = None

    def set_image(self, image: np.ndarray) -> None:
        """Encodes one 2D image (H,W,3) or (H,W) uint8; predict() then reuses it."""
        image = np.ascontiguousarray(image)
        encoder_input, resized = _core.prepare_encoder_input(image)
        self._embedding = (self.model.encode(encoder_input), resized, image.shape[:2])

    @property
    def embedding(self) -> np.ndarray:
        """The (1,256,64,64) embedding of the image given to set_image()."""
        if self._embedding is None:
            raise RuntimeError("call set_image() first")
        return self._embedding[0]

    def predict(self, boxes) -> np.ndarray:
        """Boolean masks (N,H,W) for boxes (N,4) in pixels of the image given to set_image()."""
        if self._embedding is None:
            raise RuntimeError("call set_image() first")
        embedding, (rh, rw), (h, w) = self._embedding
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        frame = np.array([_core.box_to_frame(*b, h, w) for b in boxes], dtype=np.float32)
        logits = self.model.decode(embedding, frame.reshape(-1, 4))
        return (
            np.stack([_core.logits_to_mask(m[0], rh, rw, h, w).astype(bool) for m in logits])
            if len(boxes)
            else np.zeros((0, h, w), dtype=bool)
        )
