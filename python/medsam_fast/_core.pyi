"""medsam_fast's C++ core (the ``_core`` extension module built from src/cpp/bindings).

Arrays are checked by the core (dtype, rank, C order) and used in place: a wrong array
raises TypeError or ValueError.  Label outputs (``out``) are uint8 or uint16 arrays the
caller allocates and zeroes.  Generated with pybind11-stubgen, then edited for reading;
tests/test_core_stub.py keeps it in step with the module (mypy.stubtest).
"""

from collections.abc import Sequence
from typing import Any

import numpy
from numpy.typing import NDArray

_Array = numpy.ndarray[Any, numpy.dtype[Any]]  # any dtype: the core checks it
# What a segment_* call did: slices_encoded, decoder_runs, decoder_runs_beside_helper,
# masks_decoded and peak_cached_embeddings (int), preprocess/encode/decode/postprocess_seconds
# (float).
_Stats = dict[str, int | float]

# ----------------------------------------------------------------------------- engine
class OrtError(RuntimeError):
    """ONNX Runtime reported an error; carries its message."""

class OpenVinoError(RuntimeError):
    """OpenVINO reported an error; carries its message."""

class RuntimeLoadError(ImportError):
    """A runtime library could not be loaded, or is too old."""

ORT_API_VERSION: int  # the ONNX Runtime C API version the core asks the loaded library for
DECODE_BATCH: int  # boxes per decoder call at most

def load_runtime(library_path: str) -> str:
    """Load libonnxruntime from `library_path` (once per process); returns its version."""

def load_openvino(library_path: str) -> str:
    """Load libopenvino_c from `library_path` (once per process); returns the path loaded."""

# ------------------------------------------------------------------------------ image
def longest_side_extent(h: int, w: int, target: int = 256) -> tuple[int, int]: ...
def resize_area(image: _Array, out_h: int, out_w: int) -> NDArray[numpy.uint8]:
    """cv2.resize(image, (out_w, out_h), interpolation=cv2.INTER_AREA) for uint8 images."""

def prepare_encoder_input(image: _Array) -> tuple[NDArray[numpy.float32], tuple[int, int]]:
    """Encoder input (1,3,256,256) float32 and the resized (h, w) for a uint8 image."""

def box_to_frame(
    x0: float, y0: float, x1: float, y1: float, h: int, w: int
) -> tuple[float, float, float, float]: ...
def logits_to_mask(
    logits: _Array, resized_h: int, resized_w: int, h: int, w: int
) -> NDArray[numpy.uint8]: ...
def propagation_box(
    mask: _Array, label_value: int, margin: int
) -> tuple[float, float, float, float] | None:
    """Prompt box (256 frame) derived from a slice mask, or None when it vanishes at 256."""

def torch_resize(src: _Array, h: int, w: int, mode: str = "bilinear") -> NDArray[numpy.float32]:
    """A float32 plane resized as torch's F.interpolate(align_corners=False) does."""

# ------------------------------------------------------------------ metrics, intensity
def evaluate_labels(
    gt: _Array,
    seg: _Array,
    labels: Sequence[int],
    spacing: Sequence[float],  # 3 values
    area_table: Sequence[float],  # 256 values
    tolerance: float,
    threads: int,
    nsd: bool = True,
) -> dict[str, list[int] | list[float]]:
    """Voxel counts (gt, seg, both) and, with nsd, the surface Dice of each label."""

def window_to_uint8(
    volume: _Array, lo: float, hi: float, zero_stays_zero: bool = False
) -> NDArray[numpy.uint8]: ...
def nonzero_percentiles(volume: _Array, p_lo: float, p_hi: float) -> tuple[float, float] | None: ...

# ------------------------------------------------------------------------- LiteMedSAM
def majority_vote(a: _Array, b: _Array, c: _Array, out: _Array) -> None:
    """Per-voxel majority of three label volumes; the smallest label where all differ."""

class LiteMedSAMModel:
    def __init__(
        self,
        encoder: str,
        decoder: str,
        threads: int = 0,
        engine: str = "onnxruntime",
        precision: str = "fp32",
    ) -> None: ...
    def encode(self, images: _Array) -> NDArray[numpy.float32]: ...
    def decode(self, embedding: _Array, boxes: _Array) -> NDArray[numpy.float32]: ...
    def segment_2d(self, image: _Array, boxes: _Array, out: _Array) -> _Stats: ...
    def segment_slices(
        self, volume: _Array, boxes: _Array, out: _Array, axis: int = 0
    ) -> _Stats: ...
    def segment_3d(
        self,
        volume: _Array,
        boxes: _Array,
        out: _Array,
        margin: int = 3,
        max_cached: int = 64,
        confident: bool = False,
    ) -> _Stats: ...
    def decode_with_iou(
        self, embedding: _Array, boxes: _Array
    ) -> tuple[NDArray[numpy.float32], NDArray[numpy.float32]]: ...
    def has_iou(self) -> bool: ...

# ----------------------------------------------------------------------- EfficientSAM
def prepare_stretched_input(
    image: _Array,
    size: int,
    scale_by_max: bool,
    mean: Sequence[float],  # 3 values
    std: Sequence[float],  # 3 values
) -> NDArray[numpy.float32]:
    """EfficientSAM-family encoder input (1,3,size,size) for a uint8 image."""

def point_prompts(
    boxes: _Array, h: int, w: int, size: int, center_point: bool
) -> tuple[NDArray[numpy.float32], NDArray[numpy.float32]]:
    """The decoder's point coordinates (N,P,2) in the size frame and labels (N,P)."""

class EfficientSAMModel:
    def __init__(
        self,
        encoder: str,
        decoder: str,
        threads: int = 0,
        engine: str = "onnxruntime",
        precision: str = "fp32",
        input_size: int = 1024,
        num_masks: int = 3,
    ) -> None: ...
    def segment_2d(
        self,
        image: _Array,
        boxes: _Array,
        out: _Array,
        scale_by_max: bool,
        mean: Sequence[float],  # 3 values
        std: Sequence[float],  # 3 values
        center_point: bool,
        mask_output: int,
        upsample: str,
    ) -> _Stats: ...
