"""The dock widget: pick an Image and a Shapes layer, press Segment, get a Labels layer.

Segmentation runs in napari's ``thread_worker`` (the core releases the GIL), so the
window stays responsive; the progress bar counts boxes in 2D, and is a busy bar during a
3D run (one core call).  Labels go in through ``Labels.data_setitem``, so Ctrl+Z undoes a
whole segmentation.
"""

from __future__ import annotations

import time

import napari
import numpy as np
from magicgui.widgets import ComboBox, Container, Label, ProgressBar, PushButton, SpinBox
from napari.qt.threading import thread_worker

from ..models.engines import ENGINES, PRECISIONS
from ..segmentation.routing import DEFAULT_TABLE
from .layers import (
    Z_FEATURES,
    apply_labels,
    boxes_from_shapes,
    image_array,
    palette_colormap,
    spatial_ndim,
)
from .session import BoxSession, Settings

LABELS_NAME = "medsam_fast labels"
# The first entry is no modality: the routing table's default route, as in the library.
MODALITIES = ("(none)", "CT", "MR", "PET", "US", "X-Ray", "Endoscopy", "Microscopy")


class BoxSegmentWidget(Container):
    def __init__(self, viewer: napari.viewer.Viewer):
        super().__init__()
        self.viewer = viewer
        self.session = BoxSession()
        self.image = ComboBox(label="image", choices=self._choices(napari.layers.Image))
        self.shapes = ComboBox(label="boxes", choices=self._choices(napari.layers.Shapes))
        self.modality = ComboBox(label="modality", choices=MODALITIES, value=MODALITIES[0])
        self.strategy = ComboBox(
            label="strategy",
            choices=list(dict.fromkeys([DEFAULT_TABLE, "per_modality", "baseline"])),
            value=DEFAULT_TABLE,
        )
        self.engine = ComboBox(label="engine", choices=ENGINES, value="onnxruntime")
        self.precision = ComboBox(label="precision", choices=PRECISIONS, value="fp32")
        self.threads = SpinBox(label="threads (0: all cores)", value=0, min=0, max=256)
        # -1: the slice the rectangle is drawn on.
        self.z_from = SpinBox(label="3D: z from (-1: drawn slice)", value=-1, min=-1, max=100000)
        self.z_to = SpinBox(label="3D: z to (-1: drawn slice)", value=-1, min=-1, max=100000)
        self.set_z = PushButton(text="Set z-range on selected boxes")
        self.run_button = PushButton(text="Segment")
        self.progress = ProgressBar(label="progress", value=0, min=0, max=1)
        self.status = Label(value="")
        self.extend(
            [
                self.image,
                self.shapes,
                self.modality,
                self.strategy,
                self.engine,
                self.precision,
                self.threads,
                self.z_from,
                self.z_to,
                self.set_z,
                self.run_button,
                self.progress,
                self.status,
            ]
        )
        self.run_button.changed.connect(self.segment)
        self.set_z.changed.connect(self.set_z_range_on_selected)
        viewer.layers.events.inserted.connect(self._refresh_choices)
        viewer.layers.events.removed.connect(self._refresh_choices)
        self.worker = None
        self.running = False
        self.last_click_to_labels: float | None = None

    def _choices(self, kind):
        return lambda _widget: [la for la in self.viewer.layers if isinstance(la, kind)]

    def _refresh_choices(self, _event=None) -> None:
        self.image.reset_choices()
        self.shapes.reset_choices()

    def settings(self) -> Settings:
        modality = None if self.modality.value == MODALITIES[0] else self.modality.value
        return Settings(
            strategy=self.strategy.value,
            engine=self.engine.value,
            precision=self.precision.value,
            threads=int(self.threads.value),
            modality=modality,
        )

    def z_range(self) -> tuple[int, int] | None:
        """The fields' slice range, or None (each rectangle's own slice) while one is unset."""
        z0, z1 = int(self.z_from.value), int(self.z_to.value)
        return None if min(z0, z1) < 0 else (z0, z1)

    def set_z_range_on_selected(self, _value=None) -> None:
        """Gives the selected rectangles the widget's z-range (their z_from/z_to features)."""
        shapes = self.shapes.value
        if shapes is None:
            return
        features = shapes.features
        for name in Z_FEATURES:
            if name not in features:
                features[name] = np.nan
        z_range = self.z_range() or (np.nan, np.nan)
        for i in shapes.selected_data:
            for name, z in zip(Z_FEATURES, z_range, strict=True):
                features.loc[i, name] = float(z)
        shapes.features = features

    def labels_layer(self, image_layer, shape) -> napari.layers.Labels:
        """The result layer, created on the image's grid when missing or mismatched."""
        name = LABELS_NAME
        if name in self.viewer.layers and self.viewer.layers[name].data.shape == shape:
            return self.viewer.layers[name]
        if name in self.viewer.layers:
            self.viewer.layers.remove(name)
        return self.viewer.add_labels(
            np.zeros(shape, dtype=np.uint16),
            name=name,
            scale=image_layer.scale[-len(shape) :],
            translate=image_layer.translate[-len(shape) :],
            rotate=image_layer.rotate,
            shear=image_layer.shear,
        )

    def segment(self, _value=None):
        """Starts a run on the chosen layers; returns the worker (tests wait on it)."""
        clicked = time.perf_counter()
        image_layer, shapes_layer = self.image.value, self.shapes.value
        try:
            if image_layer is None or shapes_layer is None:
                raise ValueError("choose an image layer and a shapes layer")
            image = image_array(image_layer)
            z_range = self.z_range() if spatial_ndim(image_layer) == 3 else None
            boxes = boxes_from_shapes(shapes_layer, image_layer, z_range)
            if not len(boxes):
                raise ValueError(f"shapes layer {shapes_layer.name!r} has no rectangles")
        except ValueError as exc:
            self.status.value = str(exc)
            return None
        settings = self.settings()
        labels_layer = self.labels_layer(image_layer, image.shape[: spatial_ndim(image_layer)])
        self.run_button.enabled = False
        self.status.value = f"segmenting {len(boxes)} box(es) ..."

        @thread_worker
        def work():
            return (yield from self.session.run(image, boxes, settings))

        worker = work()

        def on_progress(step):
            done, total = step  # total 0: Qt's busy bar
            self.progress.value = 0  # first, so value never exceeds a lowered max
            self.progress.max = total
            self.progress.value = done

        def on_result(labels):
            labels_layer.colormap = palette_colormap(max(len(boxes), 1))
            apply_labels(labels_layer, labels)
            self.last_click_to_labels = time.perf_counter() - clicked
            info = self.session.last
            encoded = ", encoded" if info.encoded else ""
            self.status.value = f"{info.boxes} box(es): {self.last_click_to_labels:.2f} s{encoded}"

        def on_error(exc):
            self.status.value = f"failed: {exc}"

        def on_finished():
            self.run_button.enabled = True
            self.running = False

        worker.yielded.connect(on_progress)
        worker.returned.connect(on_result)
        worker.errored.connect(on_error)
        worker.finished.connect(on_finished)
        self.worker = worker
        self.running = True
        worker.start()
        return worker
