"""The overlay's pixels, in numpy alone: labels blended over the image in the palette's
colours at partial opacity, and each box's outline at full colour on top.

Integer arithmetic throughout (opacity in 256ths, rounded half up), so a figure is the
same on every machine and a test can recompute it exactly.
"""

from __future__ import annotations

import numpy as np

from .palette import label_colours

# 0.4 of the label colour, 0.6 of the image: the anatomy stays readable under the mask.
OPACITY_256 = 102


def as_rgb(image: np.ndarray) -> np.ndarray:
    """(H,W) or (H,W,3) uint8 -> a new (H,W,3) uint8 array."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"image must be (H,W) or (H,W,3) uint8, got {image.dtype} {image.shape}")
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.shape[2] != 3:
        raise ValueError(f"image must have 3 channels, got {image.shape}")
    return image.copy()


def blend_labels(rgb: np.ndarray, labels: np.ndarray, opacity_256: int = OPACITY_256) -> None:
    """Blends each labelled pixel of ``rgb`` (H,W,3) uint8 with its label's colour, in place."""
    if labels.shape != rgb.shape[:2]:
        raise ValueError(f"labels {labels.shape} do not match the image {rgb.shape[:2]}")
    inside = labels > 0
    if not inside.any():
        return
    colours = label_colours(int(labels.max())).astype(np.uint32)[labels[inside]]
    under = rgb[inside].astype(np.uint32)
    rgb[inside] = (under * (256 - opacity_256) + colours * opacity_256 + 128) >> 8


def pixel_box(box) -> tuple[int, int, int, int]:
    """A box [x0,y0,x1,y1] (inclusive, maybe fractional) as whole pixels, floored."""
    x0, y0, x1, y1 = (int(np.floor(v)) for v in box[:4])
    return x0, y0, x1, y1


def draw_outline(rgb: np.ndarray, box, colour) -> None:
    """The 1-pixel outline of the inclusive box [x0,y0,x1,y1] in ``colour``, in place;
    the parts outside the image are left out."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = pixel_box(box)
    cx0, cx1 = max(x0, 0), min(x1, w - 1)
    cy0, cy1 = max(y0, 0), min(y1, h - 1)
    if cx0 > cx1 or cy0 > cy1:
        return
    for y in {y0, y1}:
        if 0 <= y < h:
            rgb[y, cx0 : cx1 + 1] = colour
    for x in {x0, x1}:
        if 0 <= x < w:
            rgb[cy0 : cy1 + 1, x] = colour


def compose(image: np.ndarray, labels: np.ndarray, boxes=(), box_labels=None) -> np.ndarray:
    """The overlay of one 2D image: (H,W,3) uint8.

    ``labels`` (H,W) are blended in; ``boxes`` (N,4) ``[x0,y0,x1,y1]`` are outlined in the
    colour of their label, ``box_labels[i]`` (default i + 1, the challenge's rule).
    """
    rgb = as_rgb(image)
    blend_labels(rgb, np.asarray(labels))
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    numbers = np.arange(1, len(boxes) + 1) if box_labels is None else np.asarray(box_labels)
    colours = label_colours(int(numbers.max()) if len(numbers) else 0)
    for box, label in zip(boxes, numbers, strict=True):
        draw_outline(rgb, box, colours[label])
    return rgb
