"""The plugin's layer logic without a window: rectangles to boxes through the layers'
transforms, 3D z-ranges, refusals, and labels written as one undo step."""

import numpy as np
import pytest

napari_layers = pytest.importorskip("napari.layers", reason="the napari extra")
from medsam_fast.napari_plugin.layers import (  # noqa: E402
    Z_FEATURES,
    apply_labels,
    boxes_from_shapes,
    image_array,
    palette_colormap,
    rectangles_from_boxes,
)
from medsam_fast.visualize import label_colour  # noqa: E402

BOXES_2D = np.array([[10, 20, 40, 50], [3.5, 7.25, 9, 30]])
BOXES_3D = np.array([[10, 20, 2, 40, 50, 8], [5, 6, 0, 30, 31, 3]])


@pytest.mark.parametrize(
    "scale, translate", [((1, 1), (0, 0)), ((0.8, 1.25), (10, -4)), ((3, 0.7), (-2.5, 100))]
)
def test_rectangles_in_world_coordinates_give_the_image_pixel_boxes(scale, translate):
    image = napari_layers.Image(np.zeros((64, 80), np.uint8), scale=scale, translate=translate)
    world = [r * np.asarray(scale) + np.asarray(translate) for r in rectangles_from_boxes(BOXES_2D)]
    shapes = napari_layers.Shapes(world, shape_type="rectangle")
    np.testing.assert_array_equal(boxes_from_shapes(shapes, image), BOXES_2D)


def test_a_shapes_layer_with_its_own_transform_is_read_through_the_world():
    image = napari_layers.Image(np.zeros((64, 80), np.uint8), scale=(2, 2))
    # Data coordinates of a layer scaled by 4 and shifted by 6: world = 4 * data + 6.
    rects = [(r * 2 - 6) / 4 for r in rectangles_from_boxes(BOXES_2D)]
    shapes = napari_layers.Shapes(rects, shape_type="rectangle", scale=(4, 4), translate=(6, 6))
    np.testing.assert_array_equal(boxes_from_shapes(shapes, image), BOXES_2D)


def test_3d_z_ranges_come_from_features_then_the_widget_then_the_drawn_slice():
    image = napari_layers.Image(np.zeros((10, 64, 80), np.uint8), scale=(2.5, 1, 1))
    world = [r * np.array([2.5, 1, 1]) for r in rectangles_from_boxes(BOXES_3D)]
    features = {Z_FEATURES[0]: BOXES_3D[:, 2], Z_FEATURES[1]: BOXES_3D[:, 5]}
    shapes = napari_layers.Shapes(world, shape_type="rectangle", features=features)
    np.testing.assert_array_equal(boxes_from_shapes(shapes, image, (1, 9)), BOXES_3D)
    shapes.features = {Z_FEATURES[0]: [np.nan, 0.0], Z_FEATURES[1]: [np.nan, 3.0]}
    got = boxes_from_shapes(shapes, image, (1, 9))
    np.testing.assert_array_equal(got[:, [2, 5]], [[1, 9], [0, 3]])
    drawn = [int((b[5] - b[2]) / 2 + b[2]) for b in BOXES_3D]
    got = boxes_from_shapes(napari_layers.Shapes(world, shape_type="rectangle"), image)
    np.testing.assert_array_equal(got[:, [2, 5]], np.c_[drawn, drawn])


def test_other_shapes_are_not_boxes():
    image = napari_layers.Image(np.zeros((64, 80), np.uint8))
    shapes = napari_layers.Shapes(
        [*rectangles_from_boxes(BOXES_2D[:1]), np.array([[1, 1], [5, 9], [9, 2]])],
        shape_type=["rectangle", "polygon"],
    )
    np.testing.assert_array_equal(boxes_from_shapes(shapes, image), BOXES_2D[:1])


def test_a_float_image_is_refused_with_the_layer_name():
    layer = napari_layers.Image(np.zeros((8, 8), np.float32), name="CT in HU")
    with pytest.raises(ValueError, match="'CT in HU' is float32.*intensity.prepare"):
        image_array(layer)


def test_labels_are_written_as_one_undo_step():
    layer = napari_layers.Labels(np.zeros((6, 7), np.uint16))
    first = np.zeros((6, 7), np.uint16)
    first[1:3, 2:5] = 1
    second = first.copy()
    second[2:5, 0:2] = 2
    second[1, 2] = 0
    assert apply_labels(layer, first) == 6
    assert apply_labels(layer, second) == 7  # six pixels of label 2, one cleared
    np.testing.assert_array_equal(layer.data, second)
    layer.undo()
    np.testing.assert_array_equal(layer.data, first)
    layer.undo()
    assert not layer.data.any()
    layer.redo()
    np.testing.assert_array_equal(layer.data, first)
    with pytest.raises(ValueError, match="labels layer"):
        apply_labels(layer, np.zeros((2, 2), np.uint16))


def test_the_labels_colormap_is_the_overlay_palette():
    layer = napari_layers.Labels(np.zeros((4, 4), np.uint16))
    layer.colormap = palette_colormap(9)
    for label in range(1, 10):
        got = np.round(np.asarray(layer.get_color(label))[:3] * 255).astype(int)
        assert tuple(got) == label_colour(label)
    background = layer.get_color(0)
    assert background is None or background[3] == 0
