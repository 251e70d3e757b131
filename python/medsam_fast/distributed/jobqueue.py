"""The batch-system job script that starts Dask workers for ``medsam-fast segment
--scheduler``: rendered by ``dask-jobqueue`` (which needs no batch system to render it).

Each job runs one worker (or ``processes`` of them) that connects to a scheduler the user
started (``dask scheduler`` on a login node); submit the script N times, or as an array.
"""

from __future__ import annotations

# The job's own id keeps worker names unique across jobs (Dask refuses a duplicate name).
SYSTEMS = {
    "slurm": ("slurm", "SLURMJob", "$SLURM_JOB_ID"),
    "pbs": ("pbs", "PBSJob", "$PBS_JOBID"),
}


def job_script(
    system: str,
    scheduler: str,
    cores: int = 4,
    memory: str = "16GB",
    processes: int = 1,
    walltime: str = "02:00:00",
    queue: str | None = None,
    account: str | None = None,
    home: str | None = None,
    directives: list[str] | None = None,
    python: str = "python3",
) -> str:
    """The job script for ``system`` ("slurm" or "pbs").  A worker gets ``cores /
    processes`` threads, all of which its Segmenter uses on one case at a time (unless the
    run passes ``--threads``).  ``home``: ``MEDSAM_FAST_HOME`` on the nodes, where the
    converted models are (convert them once, e.g. with ``medsam-fast convert``)."""
    import importlib

    try:
        import dask_jobqueue  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "the job script needs dask-jobqueue: pip install 'medsam-fast[jobqueue]'"
        ) from exc
    if system not in SYSTEMS:
        raise ValueError(f"unknown batch system {system!r}: one of {', '.join(SYSTEMS)}")
    module, class_name, job_id = SYSTEMS[system]
    job_class = getattr(importlib.import_module(f"dask_jobqueue.{module}"), class_name)
    prologue = [f"export MEDSAM_FAST_HOME={home}"] if home else []
    job = job_class(
        scheduler=scheduler,
        name=f"medsam-fast-{job_id}",
        cores=cores,
        memory=memory,
        processes=processes,
        walltime=walltime,
        queue=queue,
        account=account,
        job_name="medsam-fast-worker",
        job_script_prologue=prologue,
        job_extra_directives=list(directives or []),
        python=python,
    )
    return job.job_script()
