"""medsam_fast: box-prompted medical image segmentation with LiteMedSAM on a CPU.

    import medsam_fast
    segs = medsam_fast.segment("2DBox_US_case.npz")

The package by role: ``segmentation`` (Segmenter, Predictor, routing tables, memory),
``models`` (model families, model folders, engines), ``io`` (npz cases, NIfTI/DICOM,
atomic writes), ``image`` (intensity preparation), ``evaluation`` (metrics, scoring a
folder), ``runners`` (segmenting a folder), ``cli`` (the ``medsam-fast`` command),
``convert`` (checkpoints to ONNX), ``demo`` (the demo cases' data).
"""

from ._version import __version__
from .evaluation import metrics
from .image import intensity
from .io.cases import Case, CaseError, check_case, load_case
from .segmentation import MemoryLimitError, Predictor, Segmenter, segment

__all__ = [
    "Case",
    "CaseError",
    "MemoryLimitError",
    "Predictor",
    "Segmenter",
    "__version__",
    "check_case",
    "intensity",
    "load_case",
    "metrics",
    "segment",
]
