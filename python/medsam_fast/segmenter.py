"""The Python face of the C++ core: a Segmenter holds the ONNX sessions for reuse."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import _core, runtime
from .cases import Case, check_case, label_dtype, load_case
from .models import litemedsam_files


class Segmenter:
    """LiteMedSAM box-prompted segmentation of 2D images and 3D volumes.

    Create once and reuse: the sessions are created here and every call reuses them.

    ``threads``: intra-op threads for ONNX Runtime (0: one per physical core).
    ``margin``: px (256 frame) added around the previous slice's mask box in 3D.
    ``max_cached_embeddings``: slice embeddings (4 MiB each) kept while a volume runs.
    ``model_dir``: a folder with ``litemedsam_encoder.onnx`` and ``litemedsam_decoder.onnx``;
    by default the bundled checkpoint's conversion, made on first use.
    """

    def __init__(self, threads: int = 0, margin: int = 3, max_cached_embeddings: int = 64,
                 model_dir: str | os.PathLike | None = None, log=print):
        if threads < 0:
            raise ValueError("threads must be >= 0")
        runtime.ensure_loaded()
        self.files = litemedsam_files(model_dir, log=log)
        self.model = _core.LiteMedSAMModel(str(self.files.encoder), str(self.files.decoder), threads)
        self.threads = threads
        self.margin = margin
        self.max_cached_embeddings = max_cached_embeddings
        self.last_stats: dict = {}
        self._embedding = None

    # ---------------------------------------------------------------- whole cases
    def segment(self, case) -> np.ndarray:
        """``case``: an npz path, a dict with ``imgs`` and ``boxes``, or a Case."""
        if isinstance(case, (str, os.PathLike)):
            case = load_case(case)
        elif isinstance(case, dict):
            case = check_case(case["imgs"], case["boxes"], case.get("name", "<array>"),
                              case.get("spacing"))
        elif not isinstance(case, Case):
            raise TypeError("case must be a path, a dict with imgs/boxes, or a Case")
        if case.is_3d:
            return self.segment_3d(case.imgs, case.boxes)
        return self.segment_2d(case.imgs, case.boxes)

    def segment_2d(self, image: np.ndarray, boxes) -> np.ndarray:
        """image (H,W,3) or (H,W) uint8, boxes (N,4) -> labels (H,W)."""
        case = check_case(image, boxes, "<2D image>")
        segs = np.zeros(case.imgs.shape[:2], dtype=label_dtype(len(case.boxes)))
        if len(case.boxes):
            self.last_stats = self.model.segment_2d(case.imgs, case.boxes, segs)
        return segs

    def segment_3d(self, volume: np.ndarray, boxes) -> np.ndarray:
        """volume (D,H,W) uint8, boxes (N,6) -> labels (D,H,W)."""
        case = check_case(volume, boxes, "3D<volume>")
        segs = np.zeros(case.imgs.shape, dtype=label_dtype(len(case.boxes)))
        if len(case.boxes):
            self.last_stats = self.model.segment_3d(case.imgs, case.boxes, segs, self.margin,
                                                    self.max_cached_embeddings)
        return segs

    # ------------------------------------------------ SamPredictor-style interface
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
        return np.stack([_core.logits_to_mask(l[0], rh, rw, h, w).astype(bool) for l in logits]) \
            if len(boxes) else np.zeros((0, h, w), dtype=bool)


_default: dict[tuple, Segmenter] = {}


def segment(case, threads: int = 0, margin: int = 3, model_dir=None) -> np.ndarray:
    """Segments one case (npz path, dict or Case) with a process-wide Segmenter."""
    key = (threads, margin, None if model_dir is None else str(Path(model_dir)))
    if key not in _default:
        _default[key] = Segmenter(threads=threads, margin=margin, model_dir=model_dir)
    return _default[key].segment(case)
