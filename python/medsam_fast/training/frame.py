"""A slice and its labels in LiteMedSAM's 256 frame: the image through the core's own
preprocessing (the encoder input inference computes), the labels resized as OpenCV's
INTER_NEAREST does and zero-padded the same way, and the upstream flips."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _core

FRAME = 256


@dataclass
class FramedSlice:
    image: np.ndarray  # (3, 256, 256) float32, the encoder input
    labels: np.ndarray  # (256, 256) uint8, the slice's labels in the frame
    resized: tuple[int, int]  # (h, w) of the image inside the frame
    shape: tuple[int, int]  # the slice's own (H, W)


def take_slice(array: np.ndarray, axis: int, index: int) -> np.ndarray:
    """One plane of a (D, H, W) array along ``axis``, as a contiguous copy."""
    return np.ascontiguousarray(np.take(array, index, axis=axis))


def nearest_indices(source: int, target: int) -> np.ndarray:
    """OpenCV's INTER_NEAREST source index for each output index (floor(i * src/dst))."""
    inverse_scale = 1.0 / (target / source)
    idx = np.floor(np.arange(target, dtype=np.float64) * inverse_scale).astype(np.int64)
    return np.minimum(idx, source - 1)


def labels_to_frame(labels: np.ndarray, resized: tuple[int, int]) -> np.ndarray:
    """(H, W) labels -> (256, 256): nearest-resized to ``resized``, zero-padded."""
    h, w = resized
    rows = nearest_indices(labels.shape[0], h)
    cols = nearest_indices(labels.shape[1], w)
    framed = np.zeros((FRAME, FRAME), dtype=np.uint8)
    framed[:h, :w] = labels[np.ix_(rows, cols)]
    return framed


def frame_slice(image: np.ndarray, labels: np.ndarray) -> FramedSlice:
    """The encoder input and the framed labels of one (H, W) or (H, W, 3) uint8 image."""
    encoder_input, resized = _core.prepare_encoder_input(np.ascontiguousarray(image))
    resized = (int(resized[0]), int(resized[1]))
    return FramedSlice(
        image=encoder_input[0],
        labels=labels_to_frame(np.asarray(labels), resized),
        resized=resized,
        shape=(int(labels.shape[0]), int(labels.shape[1])),
    )


def flip(array: np.ndarray, horizontal: bool, vertical: bool) -> np.ndarray:
    """Flips the last two axes of a framed array (after padding, as upstream does)."""
    if horizontal:
        array = array[..., ::-1]
    if vertical:
        array = array[..., ::-1, :]
    return np.ascontiguousarray(array)
