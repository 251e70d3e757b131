"""How much memory a case needs at its peak, and refusing a case that would need more
than the limit (``max_memory_gb`` / ``--max-memory``) before any work."""

from __future__ import annotations

import numpy as np

from ..io.cases import Case, CaseError, label_dtype

DEFAULT_MAX_MEMORY_GB = 8.0
EMBEDDING_BYTES = 256 * 64 * 64 * 4
# The ONNX sessions with their arenas: about 0.6 GB, plus about 0.3 GB for the
# half-threaded pair 3D propagation encodes ahead with (bench_memory.py); rounded up.
MODEL_OVERHEAD_BYTES = 1200 * 1024**2


class MemoryLimitError(CaseError):
    """A case that would need more memory than the Segmenter's limit."""


def estimated_peak_bytes(case: Case, mode_3d: str, max_cached_embeddings: int) -> int:
    """A deliberate over-estimate of what segmenting ``case`` holds at its peak, for a 3D
    case segmented with the slice strategy ``mode_3d``."""
    labels = case.imgs.shape[:3] if case.is_3d else case.imgs.shape[:2]
    label_bytes = int(np.prod(labels)) * label_dtype(len(case.boxes)).itemsize
    embeddings = 1
    if case.is_3d:
        label_bytes *= 4 if mode_3d == "three_view" else 1
        if mode_3d in ("propagate", "confidence"):
            embeddings = max_cached_embeddings
    return case.imgs.nbytes + label_bytes + embeddings * EMBEDDING_BYTES + MODEL_OVERHEAD_BYTES


def check_memory(case: Case, need_bytes: int, max_memory_gb: float | None) -> None:
    """Raises MemoryLimitError when ``need_bytes`` exceeds the limit (None: no limit)."""
    if max_memory_gb is not None and need_bytes > max_memory_gb * 1024**3:
        raise MemoryLimitError(
            case.name,
            f"needs an estimated {need_bytes / 1024**3:.1f} GiB, "
            f"above the limit of {max_memory_gb:g} GiB "
            "(max_memory_gb / --max-memory)",
        )
