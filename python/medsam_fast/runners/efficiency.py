"""``efficiency.csv`` (``case,time``) across resumed and sharded runs: one row per case,
rows of earlier runs kept, this run's rows replacing theirs.

Shards of a job array may finish together on the same output folder, so the merge (read,
update, write beside and rename) holds an exclusive lock on the folder itself; where the
file system has no such locks the merge goes ahead without one.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import io
import logging
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..io.atomic import csv_text, write_text_atomic

log = logging.getLogger(__name__)

FILE_NAME = "efficiency.csv"


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            log.debug("%s: no folder lock (%s); merging %s without one", folder, exc, FILE_NAME)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read_times(path: Path) -> dict[str, str]:
    """case -> time as written, from an existing file (rows that do not parse are dropped)."""
    if not path.is_file():
        return {}
    rows = csv.reader(io.StringIO(path.read_text()))
    times = {}
    for row in rows:
        if len(row) != 2 or row == ["case", "time"]:
            continue
        try:
            float(row[1])
        except ValueError:
            continue
        times[row[0]] = row[1]
    return times


def merge_times(output_dir: Path, times: Mapping[str, float]) -> None:
    """Writes ``output_dir/efficiency.csv``: its earlier rows plus ``times``, sorted by case."""
    path = output_dir / FILE_NAME
    with _folder_lock(output_dir):
        merged = read_times(path)
        merged.update({case: f"{seconds:.4f}" for case, seconds in times.items()})
        write_text_atomic(path, csv_text(["case", "time"], sorted(merged.items())))


def remove_stale_temporaries(output_dir: Path, cases) -> None:
    """Removes what a killed writer left of these cases' outputs (``.NAME.*.tmp``, see
    ``io.atomic.replacing``): never read as outputs, but litter."""
    for name in cases:
        for stale in output_dir.glob(f".{glob.escape(name)}.*.tmp"):
            stale.unlink(missing_ok=True)
