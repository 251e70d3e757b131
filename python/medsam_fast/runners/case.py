"""One case of a folder run: read it, segment it, write its ``segs`` atomically.

Both folder runners call :func:`segment_case`: the serial one in its own process, the
Dask one on a worker.  It returns only a small :class:`CaseOutcome`, never the arrays, so
a Dask task sends back a few bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..io.atomic import write_npz_atomic
from ..io.cases import CaseError, load_case

# What bad input raises; anything else (a bug) propagates.
CASE_ERRORS = (CaseError, ValueError, TypeError, RuntimeError, MemoryError, OSError)

ENGINE_STAGES = ("preprocess", "encode", "decode", "postprocess")


@dataclass
class CaseOutcome:
    """What became of one case: ``status`` is "ok" (written) or "failed" (``error`` says
    why, naming the file); ``stages`` holds seconds per stage of a written case."""

    case: str
    seconds: float
    status: str
    error: str = ""
    stages: dict[str, float] = field(default_factory=dict)
    detail: str = ""  # modality, strategy and work done, for --verbose


def segment_case(
    segmenter, input_path: str | Path, output_dir: str | Path, after_case=None
) -> CaseOutcome:
    """Segments ``input_path`` into ``output_dir / input_path.name``; a bad case becomes a
    "failed" outcome instead of an exception, so one case never stops a batch.
    ``after_case(case, segs)``, when given, runs after the write (the overlay figure); its
    time counts in the case's, and its failure fails the case."""
    path = Path(input_path)
    started = time.perf_counter()
    try:
        case = load_case(path)
        loaded = time.perf_counter()
        segs = segmenter.segment(case)
        segmented = time.perf_counter()
        write_npz_atomic(Path(output_dir) / path.name, segs=segs)
        if after_case is not None:
            after_case(case, segs)
    except CASE_ERRORS as exc:
        message = str(exc) if isinstance(exc, CaseError) else f"{path.name}: {exc}"
        return CaseOutcome(path.name, time.perf_counter() - started, "failed", message)
    finished = time.perf_counter()
    stats = getattr(segmenter, "last_stats", {}) or {}
    stages = {
        "load": loaded - started,
        "write": finished - segmented,
        **{stage: float(stats.get(f"{stage}_seconds", 0.0)) for stage in ENGINE_STAGES},
    }
    detail = (
        f"modality {stats.get('modality')}, {stats.get('strategy')}, "
        f"{stats.get('slices_encoded', 0)} slices encoded, {stats.get('masks_decoded', 0)} masks"
    )
    return CaseOutcome(path.name, finished - started, "ok", stages=stages, detail=detail)
