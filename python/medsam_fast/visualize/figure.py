"""One case's overlay figure: panels of blended slices, the case name and the label
numbers, encoded as a PNG that is byte-identical on every run.

2D: one panel.  3D: one panel per distinct middle slice of the boxes' own z-ranges
(``int((z1 - z0) / 2 + z0)``, the slice the upstream propagation starts from), each with
the outlines of the boxes centred on it, laid out as a montage.  Pillow draws the text and
encodes the PNG; it is imported only here, so the overlays cost nothing when they are off.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io.atomic import replacing
from ..io.cases import Case
from .blend import compose, pixel_box
from .palette import label_colour

TITLE_HEIGHT = 14  # px: a line of Pillow's default font
MAX_PANELS = 36  # a 3D montage shows the first 36 middle slices (in z order)
BACKGROUND = (0, 0, 0)
TEXT = (255, 255, 255)


@dataclass
class Panel:
    title: str
    rgb: np.ndarray  # (H,W,3) uint8, blended and outlined
    boxes: list[tuple[int, tuple[float, float, float, float]]]  # (label, [x0,y0,x1,y1])


def middle_slice(box, depth: int) -> int:
    """The middle slice of a 3D box's z-range, clipped to the volume."""
    z0, z1 = float(box[2]), float(box[5])
    return min(max(int((z1 - z0) / 2 + z0), 0), depth - 1)


def panels_for(case: Case, segs: np.ndarray) -> list[Panel]:
    """The figure's panels: the whole image in 2D, the boxes' middle slices in 3D."""
    if segs.shape != case.imgs.shape[: segs.ndim] or segs.ndim != (3 if case.is_3d else 2):
        raise ValueError(f"{case.name}: segs {segs.shape} do not match imgs {case.imgs.shape}")
    if not case.is_3d:
        boxes = [(i + 1, tuple(b)) for i, b in enumerate(case.boxes)]
        return [Panel("", compose(case.imgs, segs, case.boxes), boxes)]
    by_slice: dict[int, list[int]] = {}
    for i, box in enumerate(case.boxes):
        by_slice.setdefault(middle_slice(box, case.imgs.shape[0]), []).append(i)
    panels = []
    for z in sorted(by_slice)[:MAX_PANELS]:
        rows = by_slice[z]
        boxes2d = case.boxes[rows][:, [0, 1, 3, 4]]
        labels = [i + 1 for i in rows]
        rgb = compose(case.imgs[z], segs[z], boxes2d, labels)
        title = f"z {z}: label{'s' if len(rows) > 1 else ''} " + ", ".join(map(str, labels))
        panels.append(Panel(title, rgb, list(zip(labels, map(tuple, boxes2d), strict=True))))
    return panels


def require_pillow() -> None:
    """Fails before any work, with the fix, when the ``overlay`` extra is missing."""
    try:
        import PIL  # noqa: F401
    except ImportError as exc:
        raise ImportError("overlays need Pillow: pip install 'medsam-fast[overlay]'") from exc


def _font():
    from PIL import ImageFont

    return ImageFont.load_default()


def _draw_numbers(draw, font, panel: Panel, left: int, top: int) -> None:
    """Each box's label number just inside its top-left corner, in its colour."""
    h, w = panel.rgb.shape[:2]
    for label, box in panel.boxes:
        x0, y0, _, _ = pixel_box(box)
        x = left + min(max(x0 + 2, 0), max(w - 8, 0))
        y = top + min(max(y0 + 1, 0), max(h - 12, 0))
        draw.text((x, y), str(label), fill=label_colour(label), font=font)


def render(case: Case, segs: np.ndarray, numbers: bool = True) -> np.ndarray:
    """The figure as an (H,W,3) uint8 array: the case name on top, then the panels."""
    from PIL import Image, ImageDraw

    panels = panels_for(case, segs)
    h, w = panels[0].rgb.shape[:2]
    titled = bool(panels[0].title)
    cell_h = h + (TITLE_HEIGHT if titled else 0)
    cols = math.ceil(math.sqrt(len(panels)))
    rows = math.ceil(len(panels) / cols)
    header = case.name
    if case.is_3d and len({middle_slice(b, case.imgs.shape[0]) for b in case.boxes}) > MAX_PANELS:
        header += f" (first {MAX_PANELS} middle slices)"
    figure = Image.new("RGB", (cols * w, TITLE_HEIGHT + rows * cell_h), BACKGROUND)
    draw = ImageDraw.Draw(figure)
    font = _font()
    draw.text((2, 1), header, fill=TEXT, font=font)
    for k, panel in enumerate(panels):
        left, top = (k % cols) * w, TITLE_HEIGHT + (k // cols) * cell_h
        if titled:
            draw.text((left + 2, top + 1), panel.title, fill=TEXT, font=font)
            top += TITLE_HEIGHT
        figure.paste(Image.fromarray(panel.rgb), (left, top))
        if numbers:
            _draw_numbers(draw, font, panel, left, top)
    return np.asarray(figure)


def png_bytes(rgb: np.ndarray) -> bytes:
    """PNG bytes with fixed encoder settings and no metadata chunks (no time, no text)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", compress_level=6, optimize=False)
    return buffer.getvalue()


def write_png(path: str | os.PathLike, rgb: np.ndarray) -> Path:
    """Writes ``rgb`` as a PNG to ``path`` (under a temporary name, then renamed)."""
    data = png_bytes(rgb)
    path = Path(path)
    with replacing(path, suffix=".png.tmp") as tmp:
        tmp.write_bytes(data)
    return path


def write_overlay(path: str | os.PathLike, case: Case, segs: np.ndarray) -> Path:
    """Writes the case's overlay PNG to ``path``."""
    return write_png(path, render(case, np.asarray(segs)))
