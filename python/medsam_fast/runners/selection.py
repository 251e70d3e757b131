"""Which cases of a folder a run does: every ``.npz`` file, cut to one shard (``--shard
I/N``) and without the cases whose output already loads (``--skip-existing``).

A shard is chosen by a hash of the file name alone (the first 8 bytes of its SHA-1, modulo
N), not by its place in a listing: every task of a job array picks the same cases even
when it lists the folder at another moment, and shards 1..N together hold every case
exactly once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def holds(self, name: str) -> bool:
        digest = hashlib.sha1(name.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``"I/N"`` with 1 <= I <= N, as ``--shard`` takes it (SLURM: ``$((SLURM_ARRAY_TASK_ID
    + 1))/N`` for an array indexed from 0)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ValueError(f"shard {text!r}: expected I/N, e.g. 2/8")
    index, count = int(match[1]), int(match[2])
    if not 1 <= index <= count:
        raise ValueError(f"shard {text!r}: I must be between 1 and N")
    return Shard(index, count)


def output_loads(path: Path) -> bool:
    """True when ``path`` is a readable npz holding ``segs``."""
    try:
        with np.load(path, allow_pickle=False) as data:
            data["segs"]
    except Exception:  # any unreadable file counts as missing: the case is redone
        return False
    return True


@dataclass
class Selection:
    todo: list[Path]  # the inputs to segment, sorted by name
    skipped: list[str]  # names whose output already loads


def select_cases(
    input_dir: Path, output_dir: Path, shard: Shard | None = None, skip_existing: bool = False
) -> Selection:
    """The run's cases, in name order."""
    if not input_dir.is_dir():
        raise NotADirectoryError(f"{input_dir}: not a folder")
    paths = sorted(p for p in input_dir.iterdir() if p.suffix == ".npz" and p.is_file())
    if shard is not None:
        paths = [p for p in paths if shard.holds(p.name)]
    if not skip_existing:
        return Selection(paths, [])
    done = {p.name for p in paths if output_loads(output_dir / p.name)}
    return Selection([p for p in paths if p.name not in done], sorted(done))
