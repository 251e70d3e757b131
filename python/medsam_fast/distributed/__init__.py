"""Many cases on a Dask cluster (a ``LocalCluster``, ``dask ssh``, or SLURM/PBS through
``dask-jobqueue``), with one Segmenter held per worker.  Needs the ``distributed`` extra
(``jobqueue`` too for :func:`job_script`).

``runner``: :func:`segment_folder` and :func:`connect` (the client side); ``plugin``:
the worker side; ``jobqueue``: the batch-system job script that starts workers.
"""

try:
    import distributed as _distributed  # noqa: F401
except ImportError as exc:
    raise ImportError(
        "running on Dask needs the distributed extra: pip install 'medsam-fast[distributed]'"
    ) from exc

from .jobqueue import job_script  # noqa: E402
from .plugin import SegmenterPlugin, segment_on_worker  # noqa: E402
from .runner import connect, segment_folder  # noqa: E402

__all__ = ["SegmenterPlugin", "connect", "job_script", "segment_folder", "segment_on_worker"]
