"""LiteMedSAM's box decoder with the box-independent work done once per call.

Every box of a call decodes against the same image embedding, and the image side of the
decoder stays the same for every box until the first block's image-to-token attention
mixes the box's tokens in.  The plain forward (``MaskDecoder.forward_with_iou``) expands
the image to the box batch first, so that work runs N times, and the positional encoding
is expanded to the dynamic batch before it is transposed, so the ONNX graph cannot fold
it.  This forward, with the same weights and the same arithmetic per element:

1. keeps the positional encoding as a constant already token-major, (1, 4096, 256);
2. adds the no-mask embedding to the image and transposes it to token-major at batch 1;
3. leaves that image at batch 1 instead of expanding it: the first block's image-side
   projections (token-to-image k/v, image-to-token q) then run once, and its attention
   matmuls broadcast them over the boxes.

``steps`` (0-3) switches the steps on in that order; anything below 3 exists only to
measure each step's effect (benchmarks/bench_decoder_graph.py).
"""

from __future__ import annotations

from torch import nn

from .litemedsam_torch import EMBED_SIZE, LiteMedSAM

ALL_STEPS = 3


class SharedImageBoxDecoder(nn.Module):
    """One image embedding (1, 256, 64, 64) and N boxes (256 frame) -> N low-resolution
    logit maps (N, 1, 256, 256) and the predicted IoU of each (N, 1)."""

    def __init__(self, lite: LiteMedSAM, steps: int = ALL_STEPS):
        super().__init__()
        if not 0 <= steps <= ALL_STEPS:
            raise ValueError(f"steps must be 0..{ALL_STEPS}, got {steps}")
        self.steps = steps
        self.prompt_encoder = lite.prompt_encoder
        self.mask_decoder = lite.mask_decoder
        image_pe = lite.prompt_encoder.pe_layer.dense()
        self.register_buffer("image_pe", image_pe)
        self.register_buffer("image_pe_tokens", image_pe.flatten(2).permute(0, 2, 1).contiguous())

    def forward(self, image_embeddings, boxes):
        sparse, dense = self.prompt_encoder(boxes)
        decoder = self.mask_decoder
        n = sparse.shape[0]
        tokens = decoder.output_tokens(sparse)
        image, pe = self._image_tokens(image_embeddings, dense, n)
        hs, keys = decoder.transformer.forward_tokens(image, pe, tokens)
        src = keys.transpose(1, 2).reshape(n, -1, EMBED_SIZE, EMBED_SIZE)
        return decoder.masks_and_iou(hs, src)

    def _image_tokens(self, image_embeddings, dense, n):
        """The image (plus the no-mask embedding) and its positional encoding, token-major.
        At batch 1 the first block's image-side projections run once and its attention
        matmuls broadcast over the boxes; the block's keys become per-box only when the
        image-to-token attention adds the boxes' tokens in."""
        if self.steps >= 1:
            pe = self.image_pe_tokens
        else:
            pe = self.image_pe.expand(n, -1, -1, -1).flatten(2).permute(0, 2, 1)
        if self.steps == 0 or self.steps == 1:
            src = (image_embeddings.expand(n, -1, -1, -1) + dense).flatten(2).permute(0, 2, 1)
        else:
            no_mask = self.prompt_encoder.no_mask_embed.weight.reshape(1, -1, 1, 1)
            src = (image_embeddings + no_mask).flatten(2).permute(0, 2, 1)
            if self.steps == 2:
                src = src.expand(n, -1, -1)
        return src, pe
