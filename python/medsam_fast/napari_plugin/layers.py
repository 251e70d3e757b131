"""napari layers to medsam_fast's arrays and back, without Qt.

A rectangle's corners are the box's corners in the image's pixel indices (napari puts
pixel i at coordinate i): each vertex goes from the Shapes layer's data to the world and
from the world to the Image layer's data, so scaled, translated or otherwise transformed
layers line up.  A 3D box takes its rows and columns from a rectangle and its slices from
the rectangle's ``z_from`` and ``z_to`` features (image slice indices), or else from the
range the widget gives.
"""

from __future__ import annotations

import numpy as np

from ..visualize.palette import label_colours

# Shapes layers hold float32 vertices, so a corner that went through the transforms is off
# by up to ~1e-7 of the world coordinate's size; rounding to 1/1000 pixel keeps a corner at
# pixel 50 from being read as 49.99999 (which the 256 frame would floor).
DECIMALS = 3
Z_FEATURES = ("z_from", "z_to")


def image_array(image_layer) -> np.ndarray:
    """The layer's pixels as the core takes them: (H,W), (H,W,3) or (D,H,W) uint8."""
    data = np.asarray(image_layer.data)
    if data.dtype != np.uint8:
        raise ValueError(
            f"image layer {image_layer.name!r} is {data.dtype}; medsam_fast segments uint8 "
            "intensities 0-255 (prepare them with medsam_fast.intensity.prepare)"
        )
    spatial = data.ndim - (1 if image_layer.rgb else 0)
    if spatial not in (2, 3) or (image_layer.rgb and spatial != 2):
        raise ValueError(
            f"image layer {image_layer.name!r} has shape {data.shape}: a 2D image "
            "(grey or RGB) or a 3D volume is needed"
        )
    return np.ascontiguousarray(data)


def spatial_ndim(image_layer) -> int:
    return image_layer.data.ndim - (1 if image_layer.rgb else 0)


def _to_image_data(vertices: np.ndarray, shapes_layer, image_layer) -> np.ndarray:
    """Shapes-layer data coordinates (V, d) to image-layer data coordinates (V, n)."""
    n = spatial_ndim(image_layer)
    out = []
    for vertex in vertices:
        world = np.asarray(shapes_layer.data_to_world(vertex), dtype=np.float64)
        world = world[-image_layer.ndim :] if len(world) >= image_layer.ndim else world
        data = np.asarray(image_layer.world_to_data(world), dtype=np.float64)
        out.append(data[-n:])
    return np.round(np.array(out), DECIMALS)


def rectangles(shapes_layer) -> list[int]:
    """The indices of the layer's rectangles (other shapes are not boxes)."""
    return [i for i, kind in enumerate(shapes_layer.shape_type) if kind == "rectangle"]


def boxes_from_shapes(shapes_layer, image_layer, z_range: tuple[int, int] | None = None):
    """Boxes (N,4) ``[x0,y0,x1,y1]`` for a 2D image, or (N,6) ``[x0,y0,z0,x1,y1,z1]`` for
    a volume, from the layer's rectangles in order (label i = rectangle i)."""
    n = spatial_ndim(image_layer)
    depth = image_layer.data.shape[0]
    boxes = []
    for i in rectangles(shapes_layer):
        corners = _to_image_data(np.asarray(shapes_layer.data[i]), shapes_layer, image_layer)
        rows, cols = corners[:, -2], corners[:, -1]
        xy = [cols.min(), rows.min(), cols.max(), rows.max()]
        if n == 2:
            boxes.append(xy)
            continue
        z0, z1 = _z_range(shapes_layer, i, corners[:, 0], z_range, depth)
        boxes.append([xy[0], xy[1], z0, xy[2], xy[3], z1])
    return np.array(boxes, dtype=np.float64).reshape(-1, 4 if n == 2 else 6)


def _z_range(shapes_layer, i: int, slices: np.ndarray, z_range, depth: int) -> tuple[int, int]:
    """A rectangle's slices: its features, else the widget's range, else its own slice."""
    features = shapes_layer.features
    if all(name in features for name in Z_FEATURES):
        z0, z1 = (features[name].iloc[i] for name in Z_FEATURES)
        if np.isfinite(z0) and np.isfinite(z1):
            return int(z0), int(z1)
    if z_range is not None:
        return int(z_range[0]), int(z_range[1])
    z = int(np.clip(np.round(slices.mean()), 0, depth - 1))
    return z, z


def rectangles_from_boxes(boxes: np.ndarray) -> list[np.ndarray]:
    """Rectangles (the Shapes layer's data) for boxes (N,4), or for (N,6) on each box's
    middle slice; the inverse of boxes_from_shapes on untransformed layers."""
    out = []
    for box in np.asarray(boxes, dtype=np.float64):
        if len(box) == 4:
            x0, y0, x1, y1 = box
            out.append(np.array([[y0, x0], [y0, x1], [y1, x1], [y1, x0]]))
        else:
            x0, y0, z0, x1, y1, z1 = box
            z = int((z1 - z0) / 2 + z0)
            out.append(np.array([[z, y0, x0], [z, y0, x1], [z, y1, x1], [z, y1, x0]]))
    return out


def apply_labels(labels_layer, labels: np.ndarray) -> int:
    """Writes ``labels`` into the layer through its undo-aware edit path (one undo step:
    Ctrl+Z restores what was there); returns the number of pixels changed."""
    if labels_layer.data.shape != labels.shape:
        raise ValueError(
            f"labels layer {labels_layer.name!r} is {labels_layer.data.shape}, "
            f"the result {labels.shape}"
        )
    changed = np.nonzero(np.asarray(labels_layer.data) != labels)
    if changed[0].size:
        labels_layer.data_setitem(changed, labels[changed])
    return int(changed[0].size)


def palette_colormap(max_label: int):
    """The overlays' colour-blind-safe palette as a Labels colormap for labels 1..max_label
    (0 and any other value transparent)."""
    from napari.utils.colormaps import DirectLabelColormap

    rgb = label_colours(max_label) / 255.0
    colours = {None: (0, 0, 0, 0), 0: (0, 0, 0, 0)}
    colours.update({i: (*rgb[i], 1.0) for i in range(1, max_label + 1)})
    return DirectLabelColormap(color_dict=colours)
