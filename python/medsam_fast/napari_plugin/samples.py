"""The bundled demo cases as napari sample data: the image and its boxes as rectangles."""

from __future__ import annotations

from ..cli.demo import DEMO_DIR
from ..io.cases import load_case
from .layers import Z_FEATURES, rectangles_from_boxes


def _sample(name: str, rgb: bool) -> list[tuple]:
    case = load_case(DEMO_DIR / "imgs" / name)
    shapes = {
        "name": "boxes",
        "shape_type": "rectangle",
        "edge_width": 1,
        "face_color": "transparent",
    }
    if case.is_3d:
        shapes["features"] = {
            Z_FEATURES[0]: case.boxes[:, 2].astype(float),
            Z_FEATURES[1]: case.boxes[:, 5].astype(float),
        }
    return [
        (case.imgs, {"name": case.name, "rgb": rgb}, "image"),
        (rectangles_from_boxes(case.boxes), shapes, "shapes"),
    ]


def deep_grey_2d() -> list[tuple]:
    """Colin27's axial slice 80 (RGB) with the boxes of six deep grey structures."""
    return _sample("2DBox_MR_colin27-deepgrey.npz", rgb=True)


def thalamus_3d() -> list[tuple]:
    """Colin27's slices 69-91 with the left and right thalamus boxes (their z-ranges as
    the rectangles' z_from / z_to features)."""
    return _sample("3DBox_MR_colin27-thalamus.npz", rgb=False)


__all__ = ["deep_grey_2d", "thalamus_3d"]
