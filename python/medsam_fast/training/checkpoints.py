"""What a run writes, by rank 0 only and always atomically (temporary file, then rename):
- ``last.pt``: model, optimizer, scheduler, epoch, step, config and history, plain types
  only, so ``torch.load(..., weights_only=True)`` reads it on any device and any number
  of processes;
- ``model.pth`` (the latest weights) and ``best.pth`` (the best validation DSC): plain
  state dicts with exactly the upstream checkpoint's keys, which ``medsam-fast convert
  --checkpoint`` and the upstream scripts both load.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch

from ..io.atomic import replacing

LAST = "last.pt"
BEST = "best.pth"
LATEST_WEIGHTS = "model.pth"


def cpu_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def state_hash(module: torch.nn.Module) -> str:
    """sha256 over the names and bytes of a module's state."""
    digest = hashlib.sha256()
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def save(path: Path, payload) -> None:
    with replacing(path) as tmp:
        torch.save(payload, tmp)


def save_weights(path: Path, model: torch.nn.Module) -> None:
    save(path, cpu_state(model))


def load_last(path: Path) -> dict:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no checkpoint to resume from") from None
    except Exception as exc:
        raise ValueError(f"{path}: not a readable training checkpoint ({exc})") from None
    needed = {"model", "optimizer", "scheduler", "epoch", "step", "config"}
    if not isinstance(state, dict) or not needed <= set(state):
        found = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"{path}: not a medsam-fast training checkpoint (found {found})")
    return state


def resume_path(work_dir: Path, resume: str | None) -> Path | None:
    """``--resume auto``: work-dir/last.pt when it exists; a path: that file."""
    if resume is None:
        return None
    if resume == "auto":
        candidate = Path(work_dir) / LAST
        return candidate if candidate.is_file() else None
    path = Path(resume)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no checkpoint to resume from")
    return path
