"""The Python face of the C++ core: a Segmenter routes each case to a model and a slice
strategy, and holds the ONNX sessions for reuse."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from .. import _core
from ..io.cases import Case, CaseError, check_case, label_dtype, load_case
from ..models import engines
from ..models.description import ModelDescription
from ..models.families import ModelFamily, family
from ..models.presets import fast_mode
from ..models.store import BUNDLED_MODEL, litemedsam_files, model_available, model_pair
from . import memory
from .memory import DEFAULT_MAX_MEMORY_GB
from .predictor import Predictor
from .routing import DEFAULT_TABLE, Route, load_table

log = logging.getLogger(__name__)


class Segmenter:
    """Box-prompted segmentation of 2D images and 3D volumes, routed by modality.

    Create once and reuse: ONNX sessions are created on first need and kept.

    ``strategy``: the routing table: ``"confidence"`` (default: the seed's table with
    CT and MR confidence-guided), ``"per_modality"`` (the seed entry's per-modality
    routing; ``"seed"`` names it too), ``"baseline"`` (the upstream
    LiteMedSAM rule), a TOML file, a dict, or a RoutingTable; see
    ``medsam_fast.segmentation.routing``.
    ``threads``: intra-op threads for the engine (0: one per physical core).
    ``engine``: ``"onnxruntime"`` (default) or ``"openvino"`` (the ``openvino`` extra).
    ``precision``: ``"fp32"`` (default), ``"bf16"`` (OpenVINO, on CPUs with native
    bf16) or ``"int8"`` (OpenVINO, an NNCF-quantized encoder); faster, masks differ
    slightly: see docs/performance.md, "Precision".
    ``fast``: the fastest mode measured accurate that this CPU runs natively, in place of
    ``engine`` and ``precision`` (``models.presets``; ``last_stats["preset"]`` says why).
    ``margin``: when given, overrides every propagation margin of the table.
    ``max_cached_embeddings``: slice embeddings (4 MiB each) kept while a volume runs.
    ``model_dir``: a folder with ``litemedsam_encoder.onnx`` and ``litemedsam_decoder.onnx``
    to use as the bundled model; by default the bundled checkpoint's conversion.
    ``max_memory_gb``: a case whose estimated peak exceeds this is refused with
    MemoryLimitError before any work (default 8, the challenge machine's memory; None
    disables the check).

    Messages (a model falling back, a first-use conversion) go to the ``medsam_fast``
    logger.
    """

    def __init__(
        self,
        strategy=DEFAULT_TABLE,
        threads: int = 0,
        margin: int | None = None,
        max_cached_embeddings: int = 64,
        model_dir: str | os.PathLike | None = None,
        max_memory_gb: float | None = DEFAULT_MAX_MEMORY_GB,
        engine: str = "onnxruntime",
        precision: str = "fp32",
        fast: bool = False,
    ):
        if threads < 0:
            raise ValueError("threads must be >= 0")
        self.preset = fast_mode() if fast else None
        if self.preset is not None:
            engine, precision = self.preset.engine, self.preset.precision
            log.debug("fast preset: engine %s, %s", engine, self.preset.reason)
        engines.ensure_engine(engine, precision)
        self.engine = engine
        self.precision = precision
        self.table = load_table(strategy)
        self.threads = threads
        self.margin = margin
        self.max_cached_embeddings = max_cached_embeddings
        self.max_memory_gb = max_memory_gb
        self._models: dict[str, tuple[ModelDescription, ModelFamily, object]] = {}
        self._fallbacks_logged: set[str] = set()
        self.files = litemedsam_files(model_dir)
        self.model = self._load_model(BUNDLED_MODEL)[2]
        self.last_stats: dict = {}
        self._predictor: Predictor | None = None

    def _load_model(self, name: str) -> tuple[ModelDescription, ModelFamily, object]:
        """(description, family, core model) for a route's model name, loaded once."""
        if name not in self._models:
            description, encoder, decoder = model_pair(name, self.files)
            kind = family(description.family)
            model = kind.build(
                encoder, decoder, description, self.threads, self.engine, self.precision
            )
            self._models[name] = (description, kind, model)
        return self._models[name]

    def strategy_for(self, modality: str | None) -> Route:
        """The table's route, with its fallback model when its own is not converted."""
        chosen = self.table.for_modality(modality)
        # A loaded model is available; only an unloaded one costs a look at its folder.
        if (
            chosen.fallback
            and chosen.model not in self._models
            and not model_available(chosen.model)
        ):
            if chosen.model not in self._fallbacks_logged:
                self._fallbacks_logged.add(chosen.model)
                log.info(
                    "model %r is not converted here; using %r instead "
                    "(see `medsam-fast convert --help`)",
                    chosen.model,
                    chosen.fallback,
                )
            chosen = replace(chosen, model=chosen.fallback)
        return chosen if self.margin is None else replace(chosen, margin=self.margin)

    # ---------------------------------------------------------------- whole cases
    def segment(self, case, modality: str | None = None) -> np.ndarray:
        """``case``: an npz path, a dict with ``imgs`` and ``boxes`` (and optionally
        ``name``/``modality``), or a Case.  The modality comes from ``modality``, else the
        dict's ``modality``, else the challenge file name."""
        if isinstance(case, (str, os.PathLike)):
            case = load_case(case)
        elif isinstance(case, dict):
            modality = modality or case.get("modality")
            case = check_case(
                case["imgs"], case["boxes"], case.get("name", "<array>"), case.get("spacing")
            )
        elif not isinstance(case, Case):
            raise TypeError("case must be a path, a dict with imgs/boxes, or a Case")
        modality = modality or case.modality
        return (self._segment_3d if case.is_3d else self._segment_2d)(case, modality)

    def estimated_peak_bytes(self, case: Case, modality: str | None = None) -> int:
        """A deliberate over-estimate of what segmenting ``case`` holds at its peak."""
        mode_3d = self.strategy_for(modality).mode_3d if case.is_3d else None
        return memory.estimated_peak_bytes(case, mode_3d, self.max_cached_embeddings)

    def _check_memory(self, case: Case, modality: str | None) -> None:
        if self.max_memory_gb is not None:
            memory.check_memory(case, self.estimated_peak_bytes(case, modality), self.max_memory_gb)

    def segment_2d(
        self, image: np.ndarray, boxes, modality: str | None = None, name: str = "<2D image>"
    ) -> np.ndarray:
        """image (H,W,3) or (H,W) uint8, boxes (N,4) -> labels (H,W)."""
        return self._segment_2d(check_case(image, boxes, name), modality)

    def _segment_2d(self, case: Case, modality: str | None) -> np.ndarray:
        self._check_memory(case, modality)
        route = self.strategy_for(modality)
        segs = np.zeros(case.imgs.shape[:2], dtype=label_dtype(len(case.boxes)))
        stats = {}
        if len(case.boxes):
            description, kind, model = self._load_model(route.model)
            stats = kind.segment_2d(model, description, case.imgs, case.boxes, segs)
        self.last_stats = {
            **stats,
            **self._mode_stats(),
            "modality": modality,
            "model": route.model,
            "strategy": "box",
        }
        return segs

    def segment_3d(
        self, volume: np.ndarray, boxes, modality: str | None = None, name: str = "3D<volume>"
    ) -> np.ndarray:
        """volume (D,H,W) uint8, boxes (N,6) -> labels (D,H,W), with the modality's route."""
        return self._segment_3d(check_case(volume, boxes, name), modality)

    def _segment_3d(self, case: Case, modality: str | None) -> np.ndarray:
        self._check_memory(case, modality)
        route = self.strategy_for(modality)
        description, kind, model = self._load_model(route.model)
        if not kind.segments_3d and route.fallback:
            route = replace(route, model=route.fallback)
            description, kind, model = self._load_model(route.model)
        if not kind.segments_3d:
            raise CaseError(
                case.name,
                f"model {route.model!r} ({description.family}) segments 2D "
                "images only; route 3D modalities to a LiteMedSAM model",
            )
        segs = np.zeros(case.imgs.shape, dtype=label_dtype(len(case.boxes)))
        stats = {}
        if len(case.boxes) and route.mode_3d in ("propagate", "confidence"):
            stats = model.segment_3d(
                case.imgs,
                case.boxes,
                segs,
                route.margin,
                self.max_cached_embeddings,
                confident=route.mode_3d == "confidence",
            )
        elif len(case.boxes) and route.mode_3d == "box_every_slice":
            stats = model.segment_slices(case.imgs, case.boxes, segs, 0)
        elif len(case.boxes):
            stats = self._three_views(model, case, segs)
        self.last_stats = {
            **stats,
            **self._mode_stats(),
            "modality": modality,
            "model": route.model,
            "strategy": route.mode_3d,
            "margin": route.margin,
        }
        return segs

    def _mode_stats(self) -> dict:
        """The engine and precision that ran, and why, when the fast preset chose them."""
        stats = {"engine": self.engine, "precision": self.precision}
        if self.preset is not None:
            stats["preset"] = self.preset.reason
        return stats

    @staticmethod
    def _three_views(model, case: Case, segs: np.ndarray) -> dict:
        """box_every_slice along each axis, then the per-voxel majority vote into segs."""
        views = [np.zeros_like(segs) for _ in range(3)]
        per_view = [
            model.segment_slices(case.imgs, case.boxes, views[axis], axis) for axis in range(3)
        ]
        _core.majority_vote(*views, segs)
        return {k: sum(v[k] for v in per_view) for k in per_view[0]}

    # ------------------------------------------------ SamPredictor-style interface
    @property
    def predictor(self) -> Predictor:
        """A Predictor on this Segmenter's bundled model (made on first use)."""
        if self._predictor is None:
            self._predictor = Predictor(self.model)
        return self._predictor

    def set_image(self, image: np.ndarray) -> None:
        """Encodes one 2D image (H,W,3) or (H,W) uint8; predict() then reuses it."""
        self.predictor.set_image(image)

    @property
    def embedding(self) -> np.ndarray:
        """The (1,256,64,64) embedding of the image given to set_image()."""
        return self.predictor.embedding

    def predict(self, boxes) -> np.ndarray:
        """Boolean masks (N,H,W) for boxes (N,4) in pixels of the image given to set_image()."""
        return self.predictor.predict(boxes)


_default: dict[tuple, Segmenter] = {}


def segment(
    case,
    strategy: str = DEFAULT_TABLE,
    threads: int = 0,
    model_dir=None,
    modality: str | None = None,
    engine: str = "onnxruntime",
    precision: str = "fp32",
) -> np.ndarray:
    """Segments one case (npz path, dict or Case) with a process-wide Segmenter."""
    key = (
        str(strategy),
        threads,
        None if model_dir is None else str(Path(model_dir)),
        engine,
        precision,
    )
    if key not in _default:
        _default[key] = Segmenter(
            strategy=strategy,
            threads=threads,
            model_dir=model_dir,
            engine=engine,
            precision=precision,
        )
    return _default[key].segment(case, modality)
