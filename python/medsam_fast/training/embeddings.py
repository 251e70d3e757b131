"""The frozen encoder's embeddings, computed once per (slice, flips) and kept on disk.

With the encoder frozen and BatchNorm in eval mode, an embedding is a pure function of
the encoder's weights and the framed slice, so a decoder-only run encodes each slice it
needs once and then trains at the decoder's speed.  The folder is named by a hash of the
encoder's weights: another starting checkpoint never reads stale embeddings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..io.atomic import replacing
from .checkpoints import state_hash


class EmbeddingCache:
    def __init__(self, encoder: torch.nn.Module, folder: Path, case_ids: list[str], device="cpu"):
        self.encoder = encoder
        self.folder = Path(folder) / state_hash(encoder)[:16]
        self.case_ids = case_ids
        self.device = torch.device(device)
        self.encoded = 0  # slices this process encoded (the rest came from disk)

    def _path(self, key) -> Path:
        case, axis, index, horizontal, vertical = (int(v) for v in key)
        name = f"{self.case_ids[case]}-a{axis}-s{index}-h{horizontal}v{vertical}.npy"
        return self.folder / name

    @torch.no_grad()
    def get(self, keys: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        """(B, 256, 64, 64) embeddings of the framed ``images`` whose keys are ``keys``
        (B, 5); encodes in one batch those not yet on disk."""
        paths = [self._path(k) for k in keys.tolist()]
        missing = [i for i, p in enumerate(paths) if not p.is_file()]
        fresh = {}
        if missing:
            was_training = self.encoder.training
            self.encoder.eval()
            out = self.encoder(images[missing].to(self.device)).float().cpu().numpy()
            self.encoder.train(was_training)
            for i, embedding in zip(missing, out, strict=True):
                with replacing(paths[i], suffix=".npy") as tmp, open(tmp, "wb") as f:
                    np.save(f, embedding)
                fresh[i] = embedding
            self.encoded += len(missing)
        stacked = np.stack([fresh[i] if i in fresh else np.load(p) for i, p in enumerate(paths)])
        return torch.from_numpy(stacked).to(self.device)
