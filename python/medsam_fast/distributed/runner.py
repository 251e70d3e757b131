"""The client side: a folder run on a Dask cluster.

Tasks carry only file paths; the workers read the cases and write the outputs (atomically)
on storage they share with the client, and send back a small ``CaseOutcome``.  The client
writes ``efficiency.csv`` and reports as the serial runner does.

Bad input comes back as a "failed" outcome, so Dask never retries it.  A worker that dies
mid-case (killed, out of memory) makes the scheduler run that case again on another
worker, up to ``distributed.scheduler.allowed-failures`` times (Dask's default 3); past
that the case is reported as failed.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import dask
from distributed import Client, KilledWorker, LocalCluster, as_completed

from ..runners.case import CaseOutcome
from ..runners.folder import FolderResult, finish_run, progress_bar, start_run
from ..runners.selection import Shard
from .plugin import PLUGIN_NAME, SegmenterPlugin, check_options, segment_on_worker

log = logging.getLogger(__name__)


@contextlib.contextmanager
def connect(scheduler: str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A client of the scheduler at ``scheduler`` (``tcp://host:port``), or of a new
    ``LocalCluster`` of ``workers`` single-threaded worker processes."""
    if scheduler:
        try:
            client = Client(scheduler)
        except OSError as exc:
            raise ValueError(f"{scheduler}: no Dask scheduler answered ({exc})") from exc
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: 8787 may be another cluster's
        ) as cluster,
        Client(cluster) as client,
    ):
        log.info("Dask dashboard: %s", client.dashboard_link)
        yield client


def _outcome(future, name: str) -> CaseOutcome:
    if future.status != "error":
        return future.result()
    exc = future.exception()
    if isinstance(exc, KilledWorker):
        allowed = dask.config.get("distributed.scheduler.allowed-failures")
        message = (
            f"{name}: the workers segmenting it died {allowed + 1} times "
            "(killed, or out of memory?)"
        )
    else:
        message = f"{name}: {type(exc).__name__}: {exc}"
    return CaseOutcome(name, 0.0, "failed", message)


def segment_folder(
    client: Client,
    input_dir: str | Path,
    output_dir: str | Path,
    segmenter_options: dict | None = None,
    progress: bool = True,
    shard: Shard | None = None,
    skip_existing: bool = False,
) -> FolderResult:
    """Segments the folder's cases on ``client``'s workers, each with a Segmenter built
    from ``segmenter_options`` (``Segmenter``'s keyword arguments); same outputs, same
    ``efficiency.csv`` and same result as :func:`medsam_fast.runners.segment_folder`.

    The largest files are submitted first, so a long case does not start last."""
    input_dir, output_dir, selection = start_run(input_dir, output_dir, shard, skip_existing)
    options = dict(segmenter_options or {})
    check_options(options)
    result = FolderResult()
    client.register_plugin(SegmenterPlugin(options), name=PLUGIN_NAME)
    try:
        for outcome in _run_cases(client, selection.todo, output_dir, progress):
            result.record(outcome)
    finally:
        # The Segmenters leave the workers with the run, so a long-lived cluster gets
        # their memory back.
        client.unregister_worker_plugin(PLUGIN_NAME)
    return finish_run(output_dir, selection, result)


def _run_cases(client: Client, todo: list[Path], output_dir: Path, progress: bool):
    """Submits every case, largest file first; yields outcomes as they complete."""
    run = uuid.uuid4().hex[:8]
    largest_first = sorted(todo, key=lambda p: p.stat().st_size, reverse=True)
    futures = {
        client.submit(
            segment_on_worker,
            str(path),
            str(output_dir),
            key=f"medsam-fast-{path.name}-{run}",
            priority=len(largest_first) - i,
        ): path.name
        for i, path in enumerate(largest_first)
    }
    for future in progress_bar(as_completed(futures), progress, total=len(futures)):
        yield _outcome(future, futures[future])
