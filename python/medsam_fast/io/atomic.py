"""Writing files so that a reader never sees half of one: write beside, then rename."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from pathlib import Path

import numpy as np


def _read_umask() -> int:
    # os.umask can only be read by setting it.  Done once, at import, so no thread of ours
    # creates a file in the moment the mask is 0.
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


@contextlib.contextmanager
def replacing(path: str | os.PathLike, suffix: str = ".tmp"):
    """Yields a temporary path beside ``path`` to write; renames it onto ``path`` when the
    block succeeds and removes it when the block fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private (0600); give it the mode a plain open() would,
        # so outputs on shared storage stay readable by whoever the umask allows.
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Writes text under a temporary name, then renames it into place."""
    with replacing(path) as tmp:
        tmp.write_text(text)


def write_npz_atomic(path: str | os.PathLike, **arrays) -> None:
    """Writes a compressed npz under a temporary name, then renames it into place."""
    with replacing(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)


def csv_text(header, rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
