"""One process or many: the process group, the launcher and the agreement check.

Under ``torchrun`` (or ``--nproc-per-node N``, which launches ``torch.distributed.run
--standalone``) the environment names the rank and world size; the backend is nccl when
CUDA is available and gloo otherwise, each rank on its own GPU (``LOCAL_RANK``).  One
process needs no launcher and no process group.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import torch
import torch.distributed as dist

from .checkpoints import state_hash


@dataclass(frozen=True)
class Context:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")
    backend: str | None = None

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1


def under_launcher() -> bool:
    return "LOCAL_RANK" in os.environ and "WORLD_SIZE" in os.environ


def _device(preference: str, local_rank: int) -> torch.device:
    if preference == "cuda" or (preference == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise ValueError("--device cuda: no CUDA device is available")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    return torch.device("cpu")


def setup(preference: str = "auto") -> Context:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = _device(preference, local_rank)
    if world == 1:
        return Context(device=device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return Context(rank, world, local_rank, device, backend)


def teardown(ctx: Context) -> None:
    if ctx.distributed and dist.is_initialized():
        dist.destroy_process_group()


def barrier(ctx: Context) -> None:
    if ctx.distributed:
        dist.barrier()


def sum_over_ranks(ctx: Context, values: list[float]) -> list[float]:
    """Element-wise sums over every rank (float64)."""
    tensor = torch.tensor(values, dtype=torch.float64, device=ctx.device)
    if ctx.distributed:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor.cpu().tolist()


def check_ranks_agree(ctx: Context, model: torch.nn.Module) -> str:
    """The weights' hash, after checking every rank holds the same; raises if not."""
    digest = state_hash(model)
    if not ctx.distributed:
        return digest
    hashes: list[str | None] = [None] * ctx.world
    dist.all_gather_object(hashes, digest)
    if len(set(hashes)) != 1:
        raise RuntimeError(f"ranks ended with different weights: {hashes}")
    return digest


def available_slots(device: str) -> tuple[int, str]:
    """How many processes this machine can run one per: GPUs, or CPU cores."""
    if device == "cuda" or (device == "auto" and torch.cuda.is_available()):
        return torch.cuda.device_count(), "GPUs"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return int(cores or 1), "CPU cores"


def check_nproc(nproc: int, device: str) -> None:
    slots, kind = available_slots(device)
    if nproc < 1:
        raise ValueError(f"--nproc-per-node must be at least 1, got {nproc}")
    if nproc > slots:
        raise ValueError(f"--nproc-per-node {nproc} is more than this machine's {slots} {kind}")


def launch(nproc: int, module_args: list[str]) -> int:
    """Runs ``python -m medsam_fast.train ARGS`` in ``nproc`` processes on this machine
    through ``torch.distributed.run --standalone``; returns its exit code."""
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc-per-node={nproc}",
        "-m",
        "medsam_fast.train",
        *module_args,
    ]
    return subprocess.call(command)
