"""The label colours of every overlay: Okabe and Ito's colour-blind-safe palette.

Okabe-Ito's eight colours without black (which would vanish on dark MR background);
label i takes colour ``(i - 1) % 7``, so the same label always has the same colour.
"""

from __future__ import annotations

import numpy as np

OKABE_ITO = np.array(
    [
        (230, 159, 0),  # orange
        (86, 180, 233),  # sky blue
        (0, 158, 115),  # bluish green
        (240, 228, 66),  # yellow
        (0, 114, 178),  # blue
        (213, 94, 0),  # vermillion
        (204, 121, 167),  # reddish purple
    ],
    dtype=np.uint8,
)


def label_colour(label: int) -> tuple[int, int, int]:
    """The RGB colour of label ``label`` (1-based)."""
    if label < 1:
        raise ValueError(f"label {label}: labels start at 1 (0 is the background)")
    r, g, b = OKABE_ITO[(label - 1) % len(OKABE_ITO)]
    return int(r), int(g), int(b)


def label_colours(max_label: int) -> np.ndarray:
    """(max_label + 1, 3) uint8: row i is label i's colour, row 0 black (unused)."""
    rows = np.zeros((max_label + 1, 3), dtype=np.uint8)
    if max_label:
        rows[1:] = OKABE_ITO[np.arange(max_label) % len(OKABE_ITO)]
    return rows
