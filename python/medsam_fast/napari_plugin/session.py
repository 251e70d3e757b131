"""What the widget keeps between clicks, without Qt: one Segmenter per choice of
settings, and for 2D the image's encoding, so that a second box on the same image costs
only its decode.

3D runs ``Segmenter.segment_3d`` on all the boxes at every click, so within a run each
slice is encoded once for every box that covers it; slice embeddings are not kept from
one run to the next (the core's cache lives for one call).  Results are not reused
either: as in the upstream script, propagation draws a box's mask with its label number
before resizing it, so the same box gives slightly different voxels as label 1 and as
label 2, and the labels must equal ``segment_3d``'s over all the boxes.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ..io.cases import check_case, label_dtype
from ..models.store import BUNDLED_MODEL
from ..segmentation import Segmenter
from ..segmentation.routing import DEFAULT_TABLE


@dataclass(frozen=True)
class Settings:
    """The widget's choices; the defaults are the library's."""

    strategy: str = DEFAULT_TABLE
    engine: str = "onnxruntime"
    precision: str = "fp32"
    threads: int = 0
    modality: str | None = None


@dataclass
class RunInfo:
    """What the last run did: boxes, whether the image was encoded, seconds."""

    boxes: int = 0
    encoded: bool = False
    seconds: float = 0.0
    stats: dict = field(default_factory=dict)


def image_key(image: np.ndarray) -> tuple:
    """Identifies an image's content (a layer's data may be replaced or edited in place)."""
    return image.shape, str(image.dtype), zlib.crc32(memoryview(np.ascontiguousarray(image)))


class BoxSession:
    def __init__(self) -> None:
        self._segmenters: dict[tuple, Segmenter] = {}
        self._encoded_key: tuple | None = None
        self.last = RunInfo()

    def segmenter(self, settings: Settings) -> Segmenter:
        key = (settings.strategy, settings.engine, settings.precision, settings.threads)
        if key not in self._segmenters:
            self._segmenters[key] = Segmenter(
                strategy=settings.strategy,
                engine=settings.engine,
                precision=settings.precision,
                threads=settings.threads,
            )
            self._encoded_key = None
        return self._segmenters[key]

    def run(self, image: np.ndarray, boxes: np.ndarray, settings: Settings) -> Iterator:
        """Yields (done, total) as boxes finish, total 0 while the count is unknown; returns
        the labels (StopIteration.value).

        A generator, so napari's ``thread_worker`` reports progress from it."""
        started = time.perf_counter()
        segmenter = self.segmenter(settings)
        is_3d = boxes.shape[1] == 6
        name = "3D<layer>" if is_3d else "2D<layer>"
        case = check_case(image, boxes, name)
        self.last = RunInfo(boxes=len(case.boxes))
        if is_3d:
            yield 0, 0  # one core call: a busy bar (no count of slices reaches Python)
            labels = segmenter.segment_3d(case.imgs, case.boxes, modality=settings.modality)
            self.last.stats = dict(segmenter.last_stats)
            yield 1, 1
        elif segmenter.strategy_for(settings.modality).model != BUNDLED_MODEL:
            # Another model family (EfficientSAM): the Segmenter's own 2D path.
            yield 0, 1
            labels = segmenter.segment_2d(case.imgs, case.boxes, modality=settings.modality)
            yield 1, 1
        else:
            labels = yield from self._predict_2d(segmenter, case.imgs, case.boxes)
        self.last.seconds = time.perf_counter() - started
        return labels

    def _predict_2d(self, segmenter: Segmenter, image: np.ndarray, boxes: np.ndarray):
        key = image_key(image)
        if key != self._encoded_key:
            segmenter.set_image(image)
            self._encoded_key = key
            self.last.encoded = True
        labels = np.zeros(image.shape[:2], dtype=label_dtype(len(boxes)))
        for i, box in enumerate(boxes):
            yield i, len(boxes)
            # A later box wins where boxes overlap, as in Segmenter.segment.
            labels[segmenter.predict(box[None])[0]] = i + 1
        yield len(boxes), len(boxes)
        return labels
