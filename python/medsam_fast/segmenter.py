"""The Python face of the C++ core: a Segmenter holds the ONNX sessions for reuse."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import _core, runtime
from .cases import Case, CaseError, check_case, label_dtype, load_case
from .model_description import LITEMEDSAM, ModelDescription, read_description
from .models import litemedsam_files, model_available, model_folder
from .strategies import BUNDLED_MODEL, Strategy, load_table

DEFAULT_MAX_MEMORY_GB = 8.0
EMBEDDING_BYTES = 256 * 64 * 64 * 4
# The ONNX sessions with their arenas: about 0.6 GB, plus about 0.3 GB for the
# half-threaded pair 3D propagation encodes ahead with (bench_memory.py); rounded up.
MODEL_OVERHEAD_BYTES = 1200 * 1024 ** 2


class Segmenter:
    """Box-prompted segmentation of 2D images and 3D volumes, routed by modality.

    Create once and reuse: ONNX sessions are created on first need and kept.

    ``strategy``: ``"seed"`` (default: the seed entry's per-modality routing),
    ``"baseline"`` (the upstream LiteMedSAM rule), a TOML file, a dict, or a
    StrategyTable; see ``medsam_fast.strategies``.
    ``threads``: intra-op threads for the engine (0: one per physical core).
    ``engine``: ``"onnxruntime"`` (default) or ``"openvino"`` (the ``openvino`` extra).
    ``precision``: ``"fp32"`` (default) or ``"bf16"`` (OpenVINO, on CPUs with native
    bf16; faster, masks differ slightly: see the README's precision table).
    ``margin``: when given, overrides every propagation margin of the table.
    ``max_cached_embeddings``: slice embeddings (4 MiB each) kept while a volume runs.
    ``model_dir``: a folder with ``litemedsam_encoder.onnx`` and ``litemedsam_decoder.onnx``
    to use as the bundled model; by default the bundled checkpoint's conversion.
    ``max_memory_gb``: a case whose estimated peak exceeds this is refused with
    MemoryLimitError before any work (default 8, the challenge machine's memory; None
    disables the check).
    """

    def __init__(self, strategy="seed", threads: int = 0, margin: int | None = None,
                 max_cached_embeddings: int = 64, model_dir: str | os.PathLike | None = None,
                 log=print, max_memory_gb: float | None = DEFAULT_MAX_MEMORY_GB,
                 engine: str = "onnxruntime", precision: str = "fp32"):
        if threads < 0:
            raise ValueError("threads must be >= 0")
        runtime.ensure_engine(engine, precision)
        self.engine = engine
        self.precision = precision
        self.table = load_table(strategy)
        self.threads = threads
        self.margin = margin
        self.max_cached_embeddings = max_cached_embeddings
        self.max_memory_gb = max_memory_gb
        self._log = log
        self._models: dict[str, tuple[ModelDescription, object]] = {}
        self._fallbacks_logged: set[str] = set()
        self.files = litemedsam_files(model_dir, log=log)
        self.model = self._load_model(BUNDLED_MODEL)[1]
        self.last_stats: dict = {}
        self._embedding = None

    def _load_model(self, name: str) -> tuple[ModelDescription, object]:
        """(description, core model) for a strategy's model name, loaded once."""
        if name not in self._models:
            engine = (self.threads, self.engine, self.precision)
            if name == BUNDLED_MODEL:
                description = LITEMEDSAM
                encoder, decoder = self.files.encoder, self.files.decoder
            else:
                folder = model_folder(name)
                description = read_description(folder)
                encoder, decoder = folder / description.encoder, folder / description.decoder
                for path in (encoder, decoder):
                    if not path.is_file():
                        raise FileNotFoundError(f"{path}: model file not found (model {name!r})")
            if description.family == "efficientsam":
                model = _core.EfficientSAMModel(str(encoder), str(decoder), *engine,
                                                description.input_size, description.num_masks)
            else:
                model = _core.LiteMedSAMModel(str(encoder), str(decoder), *engine)
            self._models[name] = (description, model)
        return self._models[name]

    def strategy_for(self, modality: str | None) -> Strategy:
        """The table's strategy, with its fallback model when its own is not converted."""
        chosen = self.table.for_modality(modality)
        # A loaded model is available; only an unloaded one costs a look at its folder.
        if (chosen.fallback and chosen.model not in self._models
                and not model_available(chosen.model)):
            if chosen.model not in self._fallbacks_logged:
                self._fallbacks_logged.add(chosen.model)
                self._log(f"model {chosen.model!r} is not converted here; using "
                          f"{chosen.fallback!r} instead (see `medsam-fast convert --help`)")
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
            case = check_case(case["imgs"], case["boxes"], case.get("name", "<array>"),
                              case.get("spacing"))
        elif not isinstance(case, Case):
            raise TypeError("case must be a path, a dict with imgs/boxes, or a Case")
        modality = modality or case.modality
        return (self._segment_3d if case.is_3d else self._segment_2d)(case, modality)

    def estimated_peak_bytes(self, case: Case, modality: str | None = None) -> int:
        """A deliberate over-estimate of what segmenting ``case`` holds at its peak."""
        labels = case.imgs.shape[:3] if case.is_3d else case.imgs.shape[:2]
        label_bytes = int(np.prod(labels)) * label_dtype(len(case.boxes)).itemsize
        embeddings = 1
        if case.is_3d:
            mode = self.strategy_for(modality).mode_3d
            label_bytes *= 4 if mode == "three_view" else 1
            if mode == "propagate":
                embeddings = self.max_cached_embeddings
        return case.imgs.nbytes + label_bytes + embeddings * EMBEDDING_BYTES + MODEL_OVERHEAD_BYTES

    def _check_memory(self, case: Case, modality: str | None) -> None:
        if self.max_memory_gb is None:
            return
        need = self.estimated_peak_bytes(case, modality)
        if need > self.max_memory_gb * 1024 ** 3:
            raise MemoryLimitError(case.name, f"needs an estimated {need / 1024 ** 3:.1f} GiB, above "
                                              f"the limit of {self.max_memory_gb:g} GiB "
                                              "(max_memory_gb / --max-memory)")

    def segment_2d(self, image: np.ndarray, boxes, modality: str | None = None,
                   name: str = "<2D image>") -> np.ndarray:
        """image (H,W,3) or (H,W) uint8, boxes (N,4) -> labels (H,W)."""
        return self._segment_2d(check_case(image, boxes, name), modality)

    def _segment_2d(self, case: Case, modality: str | None) -> np.ndarray:
        self._check_memory(case, modality)
        strategy = self.strategy_for(modality)
        segs = np.zeros(case.imgs.shape[:2], dtype=label_dtype(len(case.boxes)))
        stats = {}
        if len(case.boxes):
            description, model = self._load_model(strategy.model)
            if description.family == "efficientsam":
                stats = model.segment_2d(case.imgs, case.boxes, segs, description.scale == "max",
                                         description.mean, description.std,
                                         description.center_point, description.mask_index,
                                         description.upsample)
            else:
                stats = model.segment_2d(case.imgs, case.boxes, segs)
        self.last_stats = {**stats, "modality": modality, "model": strategy.model, "strategy": "box"}
        return segs

    def segment_3d(self, volume: np.ndarray, boxes, modality: str | None = None,
                   name: str = "3D<volume>") -> np.ndarray:
        """volume (D,H,W) uint8, boxes (N,6) -> labels (D,H,W), with the modality's strategy."""
        return self._segment_3d(check_case(volume, boxes, name), modality)

    def _segment_3d(self, case: Case, modality: str | None) -> np.ndarray:
        self._check_memory(case, modality)
        strategy = self.strategy_for(modality)
        description, model = self._load_model(strategy.model)
        if description.family != "litemedsam" and strategy.fallback:
            strategy = replace(strategy, model=strategy.fallback)
            description, model = self._load_model(strategy.model)
        if description.family != "litemedsam":
            raise CaseError(case.name, f"model {strategy.model!r} ({description.family}) segments 2D "
                                  "images only; route 3D modalities to a LiteMedSAM model")
        segs = np.zeros(case.imgs.shape, dtype=label_dtype(len(case.boxes)))
        stats = {}
        if len(case.boxes) and strategy.mode_3d == "propagate":
            stats = model.segment_3d(case.imgs, case.boxes, segs, strategy.margin,
                                     self.max_cached_embeddings)
        elif len(case.boxes) and strategy.mode_3d == "box_every_slice":
            stats = model.segment_slices(case.imgs, case.boxes, segs, 0)
        elif len(case.boxes):
            views = [np.zeros_like(segs) for _ in range(3)]
            per_view = [model.segment_slices(case.imgs, case.boxes, views[axis], axis)
                        for axis in range(3)]
            _core.majority_vote(*views, segs)
            stats = {k: sum(v[k] for v in per_view) for k in per_view[0]}
        self.last_stats = {**stats, "modality": modality, "model": strategy.model,
                           "strategy": strategy.mode_3d, "margin": strategy.margin}
        return segs

    # ------------------------------------------------ SamPredictor-style interface
    def set_image(self, image: np.ndarray) -> None:
        """Encodes one 2D image (H,W,3) or (H,W) uint8; predict() then reuses it."""
        image = np.ascontiguousarray(image)
        encoder_input, resized = _core.prepare_encoder_input(image)
        self._embedding = (self.model.encode(encoder_input), resized, image.shape[:2])

    @property
    def embedding(self) -> np.ndarray:
        """The (1,256,64,64) embedding of the image given to set_image()."""
        if self._embedding is None:
            raise RuntimeError("call set_image() first")
        return self._embedding[0]

    def predict(self, boxes) -> np.ndarray:
        """Boolean masks (N,H,W) for boxes (N,4) in pixels of the image given to set_image()."""
        if self._embedding is None:
            raise RuntimeError("call set_image() first")
        embedding, (rh, rw), (h, w) = self._embedding
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        frame = np.array([_core.box_to_frame(*b, h, w) for b in boxes], dtype=np.float32)
        logits = self.model.decode(embedding, frame.reshape(-1, 4))
        return np.stack([_core.logits_to_mask(l[0], rh, rw, h, w).astype(bool) for l in logits]) \
            if len(boxes) else np.zeros((0, h, w), dtype=bool)


class MemoryLimitError(CaseError):
    """A case that would need more memory than the Segmenter's limit."""


_default: dict[tuple, Segmenter] = {}


def segment(case, strategy: str = "seed", threads: int = 0, model_dir=None,
            modality: str | None = None, engine: str = "onnxruntime",
            precision: str = "fp32") -> np.ndarray:
    """Segments one case (npz path, dict or Case) with a process-wide Segmenter."""
    key = (str(strategy), threads, None if model_dir is None else str(Path(model_dir)),
           engine, precision)
    if key not in _default:
        _default[key] = Segmenter(strategy=strategy, threads=threads, model_dir=model_dir,
                                  engine=engine, precision=precision)
    return _default[key].segment(case, modality)
