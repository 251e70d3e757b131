"""Segmentation: the Segmenter (routing -> model -> 2D/3D), the SamPredictor-style
Predictor, the routing tables (``routing``) and the memory estimate (``memory``)."""

from .memory import MemoryLimitError
from .predictor import Predictor
from .segmenter import Segmenter, segment

__all__ = ["MemoryLimitError", "Predictor", "Segmenter", "segment"]
