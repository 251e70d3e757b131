"""The napari plugin in a real viewer (Qt under an Xvfb started here): boxes drawn
as rectangles on scaled layers give the library's labels, Ctrl+Z undoes them, a
screenshot shows their colours; the manifest validates; ``import medsam_fast`` stays
free of Qt.

Each test's click-to-labels seconds and the screenshots go to $MEDSAM_TEST_ARTIFACTS
(default: the test's tmp folder); docs/images/ holds copies of the screenshots.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from medsam_fast import Segmenter, load_case
from medsam_fast.cli.demo import DEMO_DIR
from medsam_fast.segmentation.routing import DEFAULT_TABLE, load_table
from medsam_fast.visualize import label_colour

CASE_2D = "2DBox_MR_colin27-deepgrey.npz"
CASE_3D = "3DBox_MR_colin27-thalamus.npz"
THREADS = 2


@pytest.fixture(scope="session")
def x_display():
    """A private X server (Debian's xvfb) for Qt and vispy's GL context; offscreen Qt has
    no GL.  Started on first use, before napari's session QApplication.  The application
    lives until the interpreter exits and Qt exits the process when its X server goes, so
    the server is started with -terminate: it stops when its last client disconnects."""
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"]
        + ["-terminate"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    display = server.stdout.readline().decode().strip()
    assert display.isdigit(), "Xvfb did not start (scripts/test.sh installs xvfb)"
    saved = {k: os.environ.get(k) for k in ("DISPLAY", "QT_QPA_PLATFORM")}
    os.environ.update(DISPLAY=f":{display}", QT_QPA_PLATFORM="xcb")
    yield os.environ["DISPLAY"]
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    from qtpy.QtWidgets import QApplication

    if QApplication.instance() is None:  # no client ever came: -terminate would not fire
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def viewer_of(x_display, make_napari_viewer):
    """make_napari_viewer on the private X server."""
    return make_napari_viewer


@pytest.fixture
def artifacts(tmp_path):
    folder = Path(os.environ.get("MEDSAM_TEST_ARTIFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def record_timing(folder: Path, key: str, seconds: float) -> None:
    path = folder / "napari_timings.json"
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings[key] = round(seconds, 3)
    path.write_text(json.dumps(timings, indent=1, sort_keys=True))


def test_import_medsam_fast_loads_neither_qt_nor_napari():
    code = (
        "import sys, medsam_fast, medsam_fast.cli, medsam_fast.visualize; "
        "bad = [m for m in sys.modules if m.split('.')[0].lower().startswith("
        "('pyqt', 'pyside', 'qtpy', 'napari', 'magicgui', 'vispy'))]; "
        "print(bad); assert not bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_manifest_validates():
    from npe2 import PluginManifest

    manifest = PluginManifest.from_distribution("medsam-fast")
    assert manifest.name == "medsam-fast"
    assert [w.display_name for w in manifest.contributions.widgets] == ["Box segmentation"]
    npe2 = Path(sys.executable).with_name("npe2")
    result = subprocess.run([str(npe2), "validate", "medsam-fast"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout + result.stderr


def world_rectangles(boxes, scale, translate):
    """Rectangles in world coordinates for boxes in pixels, on an image layer with this
    scale and translate (a Shapes layer left at scale 1 then draws them in place)."""
    from medsam_fast.napari_plugin.layers import rectangles_from_boxes

    scale, translate = np.asarray(scale, float), np.asarray(translate, float)
    return [r * scale + translate for r in rectangles_from_boxes(boxes)]


def add_boxes(viewer, boxes, scale, translate, **style):
    """A Shapes layer (itself unscaled) with the boxes as rectangles in world coordinates."""
    style = {"face_color": "transparent", "edge_width": 1, **style}
    rectangles = world_rectangles(boxes, scale, translate)
    return viewer.add_shapes(rectangles, shape_type="rectangle", name="boxes", **style)


def open_widget(viewer):
    from medsam_fast.napari_plugin.widget import BoxSegmentWidget

    widget = BoxSegmentWidget(viewer)
    viewer.window.add_dock_widget(widget, name="medsam_fast")
    widget.threads.value = THREADS
    widget.modality.value = "MR"  # the cases are MR (the default is no modality)
    return widget


def click_and_wait(widget, qtbot, timeout_ms=300_000) -> float:
    widget.last_click_to_labels = None
    widget.run_button.native.click()
    qtbot.waitUntil(lambda: not widget.running, timeout=timeout_ms)
    assert widget.last_click_to_labels is not None, widget.status.value
    return widget.last_click_to_labels


@pytest.fixture
def segmenter_2():
    return Segmenter(threads=THREADS)


@pytest.mark.slow
def test_2d_rectangles_on_scaled_layers_give_the_segmenter_labels_and_undo(
    viewer_of, qtbot, segmenter_2, artifacts
):
    case = load_case(DEMO_DIR / "imgs" / CASE_2D)
    expected = segmenter_2.segment(case)
    viewer = viewer_of()
    scale, translate = (0.8, 1.25), (10.0, -4.0)
    image = viewer.add_image(case.imgs, rgb=True, scale=scale, translate=translate, name="T1")
    shapes = add_boxes(viewer, case.boxes, scale, translate, edge_color="white")
    from medsam_fast.napari_plugin.widget import BoxSegmentWidget

    defaults = BoxSegmentWidget(viewer).settings()
    assert (defaults.strategy, defaults.engine, defaults.precision, defaults.threads) == (
        DEFAULT_TABLE,
        "onnxruntime",
        "fp32",
        0,
    )
    assert defaults.modality is None
    widget = open_widget(viewer)
    assert widget.image.value is image and widget.shapes.value is shapes

    first = click_and_wait(widget, qtbot)
    labels = viewer.layers["medsam_fast labels"]
    np.testing.assert_array_equal(labels.data, expected)
    assert widget.progress.max == widget.progress.value == len(case.boxes)
    assert widget.session.last.encoded
    assert tuple(labels.scale) == scale and tuple(labels.translate) == translate

    # A second click on the same image: no encode, only the decodes.
    shapes.data = shapes.data[:-1]
    second = click_and_wait(widget, qtbot)
    assert not widget.session.last.encoded
    np.testing.assert_array_equal(labels.data, segmenter_2.segment_2d(case.imgs, case.boxes[:-1]))
    record_timing(artifacts, "2d_first_box_set_seconds", first)
    record_timing(artifacts, "2d_second_click_seconds", second)

    labels.undo()  # Ctrl+Z: back to the six-box result
    np.testing.assert_array_equal(labels.data, expected)
    labels.undo()  # and to the empty layer
    assert not labels.data.any()
    labels.redo()
    labels.redo()
    np.testing.assert_array_equal(labels.data, segmenter_2.segment_2d(case.imgs, case.boxes[:-1]))


@pytest.mark.slow
def test_one_2d_box_first_and_second_click(viewer_of, qtbot, artifacts):
    case = load_case(DEMO_DIR / "imgs" / CASE_2D)
    viewer = viewer_of()
    viewer.add_image(case.imgs, rgb=True, name="T1")
    shapes = add_boxes(viewer, case.boxes[:1], (1, 1), (0, 0))
    widget = open_widget(viewer)
    first = click_and_wait(widget, qtbot)
    assert widget.session.last.encoded
    shapes.data = world_rectangles(case.boxes[1:2], (1, 1), (0, 0))
    second = click_and_wait(widget, qtbot)
    assert not widget.session.last.encoded
    assert viewer.layers["medsam_fast labels"].data.max() == 1
    record_timing(artifacts, "2d_one_box_first_seconds", first)
    record_timing(artifacts, "2d_one_box_second_seconds", second)


def colour_pixels(rgb: np.ndarray, colour, tolerance: int = 12) -> np.ndarray:
    return (np.abs(rgb[..., :3].astype(int) - np.asarray(colour[:3])) <= tolerance).all(axis=2)


@pytest.mark.slow
def test_screenshot_shows_the_label_colours_inside_the_boxes(viewer_of, qtbot, artifacts):
    from PIL import Image

    case = load_case(DEMO_DIR / "imgs" / CASE_2D)
    viewer = viewer_of(show=True)  # a hidden canvas draws nothing
    viewer.add_image(case.imgs, rgb=True, name=case.name)
    add_boxes(viewer, case.boxes, (1, 1), (0, 0), edge_color="yellow")
    widget = open_widget(viewer)
    viewer.window.resize(1200, 700)
    viewer.reset_view()
    before = viewer.screenshot(canvas_only=True, flash=False)
    click_and_wait(widget, qtbot)
    labels = viewer.layers["medsam_fast labels"]
    labels.opacity = 1.0
    viewer.layers["boxes"].visible = False
    after = viewer.screenshot(canvas_only=True, flash=False)
    Image.fromarray(after).save(artifacts / "napari_canvas_deepgrey.png")
    viewer.layers["boxes"].visible = True
    labels.opacity = 0.6
    Image.fromarray(viewer.screenshot(canvas_only=False, flash=False)).save(
        artifacts / "napari_plugin_deepgrey.png"
    )
    centres = []
    for label in range(1, len(case.boxes) + 1):
        colour = np.round(np.asarray(labels.get_color(label)) * 255).astype(int)
        assert tuple(colour[:3]) == label_colour(label)  # the overlays' palette
        shown, was = colour_pixels(after, colour), colour_pixels(before, colour)
        assert shown.sum() > 20 * max(was.sum(), 1), f"label {label} colour not shown"
        ys, xs = np.nonzero(shown)
        centres.append(xs.mean())
    # On screen as in the image: left-hemisphere boxes (odd labels) left of their pairs.
    box_centres = (case.boxes[:, 0] + case.boxes[:, 2]) / 2
    assert np.array_equal(np.argsort(centres), np.argsort(box_centres))


@pytest.mark.slow
def test_3d_rectangles_with_z_ranges_on_a_scaled_volume_give_segment_3d(
    viewer_of, qtbot, segmenter_2, artifacts
):
    from medsam_fast.napari_plugin.layers import Z_FEATURES

    case = load_case(DEMO_DIR / "imgs" / CASE_3D)
    viewer = viewer_of()
    scale, translate = (2.0, 0.9, 1.1), (5.0, 0.0, -3.0)
    viewer.add_image(case.imgs, scale=scale, translate=translate, name="T1 volume")
    z_features = {Z_FEATURES[0]: case.boxes[:, 2], Z_FEATURES[1]: case.boxes[:, 5]}
    shapes = add_boxes(
        viewer, case.boxes[:1], scale, translate, features={k: v[:1] for k, v in z_features.items()}
    )
    widget = open_widget(viewer)
    first = click_and_wait(widget, qtbot)
    labels = viewer.layers["medsam_fast labels"]
    assert set(np.unique(labels.data)) == {0, 1}
    # open_widget sets the modality to MR: the default table's MR route ran.
    assert (
        widget.session.last.stats["strategy"]
        == load_table(DEFAULT_TABLE).for_modality("MR").mode_3d
    )

    # The second box: both run again (see session.py), as segment_3d would.
    shapes.data = world_rectangles(case.boxes, scale, translate)
    shapes.features = z_features
    second = click_and_wait(widget, qtbot)
    assert widget.progress.max == widget.progress.value == 1
    expected = segmenter_2.segment_3d(case.imgs, case.boxes, modality="MR")
    np.testing.assert_array_equal(labels.data, expected)
    assert tuple(labels.scale) == scale
    record_timing(artifacts, "3d_thalamus_first_box_seconds", first)
    record_timing(artifacts, "3d_thalamus_both_boxes_after_the_first_seconds", second)
    labels.undo()
    assert set(np.unique(labels.data)) == {0, 1}
    labels.undo()
    assert not labels.data.any()
