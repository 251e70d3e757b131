"""The folder runner: segments every challenge case in a folder; one bad case never
stops the run.

Progress goes to the ``medsam_fast`` logger: a failed case at ERROR (``FAILED ...``),
each case's time at INFO (with its modality, strategy and work done when DEBUG is on).
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..io.atomic import csv_text, write_npz_atomic, write_text_atomic
from ..io.cases import CaseError, load_case

log = logging.getLogger(__name__)


STAGES = ("load", "preprocess", "encode", "decode", "postprocess", "write")


@dataclass
class FolderResult:
    times: dict[str, float] = field(default_factory=dict)  # case -> seconds
    failures: dict[str, str] = field(default_factory=dict)  # case -> message
    stages: dict[str, dict[str, float]] = field(default_factory=dict)  # case -> stage -> s

    @property
    def ok(self) -> bool:
        return not self.failures


def _progress(paths, enabled: bool):
    """A progress bar on an interactive stderr; the plain list anywhere else."""
    if not enabled or not sys.stderr.isatty():
        return paths
    try:
        from tqdm import tqdm
    except ImportError:
        return paths
    return tqdm(paths, unit="case", file=sys.stderr)


def segment_folder(
    segmenter, input_dir, output_dir, progress: bool = True, after_case=None
) -> FolderResult:
    """Writes ``segs`` npz files (same names) and ``efficiency.csv`` into ``output_dir``.

    ``after_case(case, segs)``, when given, runs after each case is written (the overlay
    figures); its time counts in the case's.
    """
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    if not input_dir.is_dir():
        raise NotADirectoryError(f"{input_dir}: not a folder")
    output_dir.mkdir(parents=True, exist_ok=True)
    result = FolderResult()
    paths = sorted(p for p in input_dir.iterdir() if p.suffix == ".npz" and p.is_file())
    if not paths:
        log.info("no .npz cases in %s", input_dir)
    for path in _progress(paths, progress):
        started = time.perf_counter()
        try:
            case = load_case(path)
            loaded = time.perf_counter()
            segs = segmenter.segment(case)
            segmented = time.perf_counter()
            write_npz_atomic(output_dir / path.name, segs=segs)
            if after_case is not None:
                after_case(case, segs)
        except (CaseError, ValueError, TypeError, RuntimeError, MemoryError, OSError) as exc:
            message = str(exc) if isinstance(exc, CaseError) else f"{path.name}: {exc}"
            result.failures[path.name] = message
            log.error("FAILED %s", message)
            continue
        finished = time.perf_counter()
        result.times[path.name] = finished - started
        stats = getattr(segmenter, "last_stats", {}) or {}
        result.stages[path.name] = {
            "load": loaded - started,
            "write": finished - segmented,
            **{
                stage: float(stats.get(f"{stage}_seconds", 0.0))
                for stage in ("preprocess", "encode", "decode", "postprocess")
            },
        }
        detail = ""
        if log.isEnabledFor(logging.DEBUG):
            detail = (
                f" (modality {stats.get('modality')}, {stats.get('strategy')}, "
                f"{stats.get('slices_encoded', 0)} slices encoded, "
                f"{stats.get('masks_decoded', 0)} masks)"
            )
        log.info("%s: %.2f s%s", path.name, result.times[path.name], detail)
    write_text_atomic(
        output_dir / "efficiency.csv",
        csv_text(
            ["case", "time"], [[name, f"{seconds:.4f}"] for name, seconds in result.times.items()]
        ),
    )
    return result


def profile_table(result: FolderResult) -> str:
    """Seconds per stage for each case and in total (what --profile prints)."""
    rows = [["case", *STAGES, "total"]]
    totals = dict.fromkeys(STAGES, 0.0)
    for name, stages in result.stages.items():
        for stage in STAGES:
            totals[stage] += stages[stage]
        rows.append([name, *(f"{stages[s]:.3f}" for s in STAGES), f"{result.times[name]:.3f}"])
    rows.append(["all", *(f"{totals[s]:.3f}" for s in STAGES), f"{sum(result.times.values()):.3f}"])
    width = max(len(r[0]) for r in rows) + 2
    return "\n".join(r[0].ljust(width) + "".join(c.rjust(12) for c in r[1:]) for r in rows)
