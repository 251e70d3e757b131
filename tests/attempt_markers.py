"""A Dask worker plugin for the tests: one marker file per attempt at a case."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from distributed import WorkerPlugin


class AttemptMarkers(WorkerPlugin):
    """Leaves a file ``CASE@PID@UNIQUE`` in ``folder`` each time a worker starts a
    medsam-fast task, so a test sees every attempt at a case and which process ran it."""

    name = "test-attempt-markers"

    def __init__(self, folder):
        self.folder = str(folder)

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and isinstance(key, str) and key.startswith("medsam-fast-"):
            case = key[len("medsam-fast-") : key.rindex("-")]
            Path(self.folder, f"{case}@{os.getpid()}@{uuid.uuid4().hex}").touch()


def attempts(folder: Path) -> list[tuple[str, int]]:
    """(case, worker pid) of every attempt AttemptMarkers saw."""
    return [(p.name.split("@")[0], int(p.name.split("@")[1])) for p in folder.iterdir()]
