"""The worker side: one :class:`~medsam_fast.segmentation.Segmenter` per Dask worker,
built by a ``WorkerPlugin`` from the run's options (so no Segmenter or engine session is
ever pickled), and the task that segments one case with it."""

from __future__ import annotations

import threading

from distributed import WorkerPlugin, get_worker

from ..runners.case import CaseOutcome, segment_case

PLUGIN_NAME = "medsam-fast-segmenter"


def check_options(options: dict) -> None:
    """Refuses, on the client and before any worker starts, what the workers' Segmenter
    would refuse: an unknown routing table, engine or precision, a missing model pair."""
    from ..models.engines import ensure_engine
    from ..models.store import litemedsam_files
    from ..segmentation.routing import DEFAULT_TABLE, load_table

    load_table(options.get("strategy", DEFAULT_TABLE))
    ensure_engine(options.get("engine", "onnxruntime"), options.get("precision", "fp32"))
    # Converts the bundled checkpoint once here, not on every worker at the same time.
    litemedsam_files(options.get("model_dir"))


class SegmenterPlugin(WorkerPlugin):
    """Builds the worker's Segmenter with ``options`` (``Segmenter``'s keyword arguments).

    ``threads`` 0 (or absent) means the worker's own thread count.  A worker runs one case
    at a time (a lock), with all those threads inside the engine.  A worker that dies and
    restarts runs ``setup`` again and builds its own Segmenter."""

    name = PLUGIN_NAME

    def __init__(self, options: dict | None = None):
        self.options = dict(options or {})
        self.segmenter = None
        self.lock = threading.Lock()

    def __getstate__(self):
        return {"options": self.options}

    def __setstate__(self, state):
        self.__init__(state["options"])

    def setup(self, worker) -> None:
        from ..segmentation import Segmenter

        options = dict(self.options)
        if not options.get("threads"):
            options["threads"] = worker.state.nthreads
        self.segmenter = Segmenter(**options)

    def teardown(self, worker) -> None:
        self.segmenter = None


def segment_on_worker(input_path: str, output_dir: str) -> CaseOutcome:
    """The Dask task: segments one case with this worker's Segmenter."""
    plugin = get_worker().plugins[PLUGIN_NAME]
    if plugin.segmenter is None:
        raise RuntimeError("this worker has no Segmenter: register SegmenterPlugin first")
    with plugin.lock:
        return segment_case(plugin.segmenter, input_path, output_dir)
