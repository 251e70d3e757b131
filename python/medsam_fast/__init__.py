"""medsam_fast: box-prompted medical image segmentation with LiteMedSAM on a CPU.

    import medsam_fast
    segs = medsam_fast.segment("2DBox_US_case.npz")
"""
from .cases import Case, CaseError, check_case, load_case
from .segmenter import MemoryLimitError, Segmenter, segment

__version__ = "0.1.0"
__all__ = ["Case", "CaseError", "MemoryLimitError", "Segmenter", "check_case", "load_case", "segment", "__version__"]
