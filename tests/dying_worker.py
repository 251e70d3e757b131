"""A Dask worker plugin for the tests: the worker process exits whenever it starts one
chosen case, as a worker that runs out of memory on that case would."""

from __future__ import annotations

import os

from distributed import WorkerPlugin


class DieOnCase(WorkerPlugin):
    """Ends the worker's process (no cleanup, as the kernel's OOM killer would) the moment
    it starts the medsam-fast task of ``case``, on every attempt and every worker."""

    name = "test-die-on-case"

    def __init__(self, case: str):
        self.case = case

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and isinstance(key, str):
            if key.startswith(f"medsam-fast-{self.case}-"):
                os._exit(1)
