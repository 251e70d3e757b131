"""The folder runner: segments every challenge case in a folder; one bad case never
stops the run.

Progress goes to the ``medsam_fast`` logger: a failed case at ERROR (``FAILED ...``),
each case's time at INFO (with its modality, strategy and work done when DEBUG is on).
``medsam_fast.distributed`` runs the same cases on a Dask cluster through the same
:func:`~medsam_fast.runners.case.segment_case` and :class:`FolderResult`.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .case import CaseOutcome, segment_case
from .efficiency import merge_times, remove_stale_temporaries
from .selection import Selection, Shard, select_cases

log = logging.getLogger(__name__)


STAGES = ("load", "preprocess", "encode", "decode", "postprocess", "write")


@dataclass
class FolderResult:
    times: dict[str, float] = field(default_factory=dict)  # case -> seconds
    failures: dict[str, str] = field(default_factory=dict)  # case -> message
    stages: dict[str, dict[str, float]] = field(default_factory=dict)  # case -> stage -> s
    skipped: list[str] = field(default_factory=list)  # outputs already there (--skip-existing)

    @property
    def ok(self) -> bool:
        return not self.failures

    def record(self, outcome: CaseOutcome) -> None:
        """Adds one case's outcome and logs it."""
        if outcome.status != "ok":
            self.failures[outcome.case] = outcome.error
            log.error("FAILED %s", outcome.error)
            return
        self.times[outcome.case] = outcome.seconds
        self.stages[outcome.case] = outcome.stages
        detail = f" ({outcome.detail})" if log.isEnabledFor(logging.DEBUG) else ""
        log.info("%s: %.2f s%s", outcome.case, outcome.seconds, detail)


def progress_bar(items, enabled: bool, total: int | None = None):
    """A progress bar on an interactive stderr; the plain iterable anywhere else."""
    if not enabled or not sys.stderr.isatty():
        return items
    try:
        from tqdm import tqdm
    except ImportError:
        return items
    return tqdm(items, unit="case", file=sys.stderr, total=total)


def start_run(
    input_dir, output_dir, shard: Shard | None, skip_existing: bool
) -> tuple[Path, Path, Selection]:
    """Checks the folders, creates the output one and picks the run's cases."""
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    selection = select_cases(input_dir, output_dir, shard, skip_existing)
    output_dir.mkdir(parents=True, exist_ok=True)
    if selection.skipped:
        log.info("%d cases already have an output; skipped", len(selection.skipped))
    if not selection.todo and not selection.skipped:
        log.info("no .npz cases in %s%s", input_dir, f" (shard {shard})" if shard else "")
    return input_dir, output_dir, selection


def finish_run(output_dir: Path, selection: Selection, result: FolderResult) -> FolderResult:
    """Writes efficiency.csv (earlier rows kept) and clears what killed writers left."""
    result.skipped = selection.skipped
    remove_stale_temporaries(output_dir, (p.name for p in selection.todo))
    merge_times(output_dir, result.times)
    return result


def segment_folder(
    segmenter,
    input_dir,
    output_dir,
    progress: bool = True,
    shard: Shard | None = None,
    skip_existing: bool = False,
    after_case=None,
) -> FolderResult:
    """Writes ``segs`` npz files (same names) and ``efficiency.csv`` into ``output_dir``.

    ``shard``: only that share of the cases (:mod:`~medsam_fast.runners.selection`).
    ``skip_existing``: leave out the cases whose output already loads.
    ``after_case(case, segs)``: runs after each case is written (the overlay figures)."""
    input_dir, output_dir, selection = start_run(input_dir, output_dir, shard, skip_existing)
    result = FolderResult()
    for path in progress_bar(selection.todo, progress):
        result.record(segment_case(segmenter, path, output_dir, after_case))
    return finish_run(output_dir, selection, result)


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
