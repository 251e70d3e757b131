"""Overlay figures: each case's image with its labels in a colour-blind-safe palette, its
box outlines, the case name and the label numbers, as a deterministic PNG.

``blend`` and ``palette`` are numpy only; ``figure`` draws the text and encodes the PNG
with Pillow (the ``overlay`` extra), imported only when a figure is made.

    from medsam_fast.visualize import overlay
    overlay("2DBox_MR_x.npz", segs, "x.png")  # also returns the figure as an array
"""

from __future__ import annotations

import os

import numpy as np

from ..io.cases import Case, check_case, load_case
from .blend import compose
from .figure import render, write_overlay, write_png
from .folder import OverlayWriter, overlay_folder
from .palette import OKABE_ITO, label_colour


def overlay(case, segs, path: str | os.PathLike | None = None) -> np.ndarray:
    """The overlay figure (H,W,3) uint8 of ``case`` (an npz path, a dict with ``imgs``
    and ``boxes``, or a Case) with labels ``segs``; also written as a PNG to ``path``."""
    if isinstance(case, (str, os.PathLike)):
        case = load_case(case)
    elif isinstance(case, dict):
        case = check_case(case["imgs"], case["boxes"], case.get("name", "<array>"))
    elif not isinstance(case, Case):
        raise TypeError("case must be a path, a dict with imgs/boxes, or a Case")
    rgb = render(case, np.asarray(segs))
    if path is not None:
        write_png(path, rgb)
    return rgb


__all__ = [
    "OKABE_ITO",
    "OverlayWriter",
    "compose",
    "label_colour",
    "overlay",
    "overlay_folder",
    "render",
    "write_overlay",
]
