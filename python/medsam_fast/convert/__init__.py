"""One-time conversion of the LiteMedSAM checkpoint to ONNX (needs the ``convert`` extra)."""

from .export import convert_litemedsam, find_bundled_checkpoint

__all__ = ["convert_litemedsam", "find_bundled_checkpoint"]
