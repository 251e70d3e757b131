"""The training loop: data, model, optimizer and schedule from a TrainConfig; steps over
global batches; validation, checkpoints and metrics.jsonl at each epoch's end (and when
--max-steps stops it); the agreement check and the export at the end."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from ..convert.export import find_bundled_checkpoint
from ..io.atomic import write_text_atomic
from . import checkpoints, distributed
from .cases import find_cases, load_cached, split_by_case
from .dataset import GlobalBatchSampler, SliceDataset, index_slices
from .embeddings import EmbeddingCache
from .export import export_checkpoint
from .loss import upstream_loss
from .model import TrainingForward, load_model, set_modes, set_trainable
from .options import TrainConfig
from .sam import SAM
from .validation import validate

log = logging.getLogger(__name__)
METRICS = "metrics.jsonl"
ROUTING = "routing.toml"  # the lines that route --modality to the --export folder


def peak_rss_mib() -> float:
    """This process's peak resident memory."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


@dataclass
class RunResult:
    work_dir: Path
    step: int
    epoch: int
    best_dsc: float
    weights_hash: str
    history: list[dict] = field(default_factory=list)
    routing: str | None = None


@dataclass
class Progress:
    step: int = 0
    epoch: int = 0
    epoch_loss_sum: float = 0.0
    epoch_loss_count: int = 0
    best_dsc: float = -math.inf
    stale_epochs: int = 0
    history: list[dict] = field(default_factory=list)


def run(config: TrainConfig) -> RunResult:
    """Trains as configured in this process (one rank of many under torchrun)."""
    ctx = distributed.setup(config.device)
    try:
        return Trainer(config, ctx).fit()
    finally:
        distributed.teardown(ctx)


class Trainer:
    def __init__(self, config: TrainConfig, ctx: distributed.Context):
        self.config, self.ctx = config, ctx
        self.work_dir = Path(config.work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._load_data()
        self._build_model()
        self.progress = Progress()
        self._maybe_resume()

    # ----------------------------------------------------------------------- set-up
    def _load_data(self) -> None:
        c = self.config
        files = find_cases(c.data, c.modality)
        if c.val:
            train_files, val_files = files, find_cases(c.val, c.modality)
        else:
            train_files, val_files = split_by_case(files, c.val_fraction, c.seed)
        self.cache_dir = Path(c.cache_dir) if c.cache_dir else self.work_dir / "cache"
        cache = self.cache_dir / "cases"
        self.train_cases = [load_cached(f, cache) for f in train_files]
        self.val_cases = [load_cached(f, cache) for f in val_files]
        refs = index_slices(self.train_cases, c.views)
        self.dataset = SliceDataset(
            self.train_cases, refs, c.seed, c.bbox_shift, c.box_source, c.flips
        )
        self.steps_per_epoch = GlobalBatchSampler.steps_per_epoch(len(self.dataset), c.batch_size)
        GlobalBatchSampler(  # checks the batch against the data and the processes now
            len(self.dataset), c.batch_size, c.seed, 0, 0, self.ctx.world, c.accumulate
        )

    def _build_model(self) -> None:
        c, device = self.config, self.ctx.device
        self.checkpoint = Path(c.checkpoint) if c.checkpoint else find_bundled_checkpoint()
        self.model = load_model(self.checkpoint).to(device)
        trained = set_trainable(self.model, c.train)
        set_modes(self.model, c.train, c.train_batchnorm)
        self.forward = TrainingForward(self.model, from_embeddings=c.train == "decoder")
        self.wrapped = self.forward
        if self.ctx.distributed:
            self.wrapped = torch.nn.parallel.DistributedDataParallel(
                self.forward,
                device_ids=[device.index] if device.type == "cuda" else None,
                broadcast_buffers=False,
                find_unused_parameters=False,
            )
        params = [p for p in self.model.parameters() if p.requires_grad]
        lr = c.learning_rate(self.ctx.world)
        adamw = dict(lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=c.weight_decay)
        if c.recipe == "encoder-sam":
            self.optimizer = SAM(params, torch.optim.AdamW, rho=c.rho, **adamw)
            self.base_optimizer = self.optimizer.base_optimizer
        else:
            self.optimizer = self.base_optimizer = torch.optim.AdamW(params, **adamw)
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            self.base_optimizer, mode="min", factor=0.9, patience=5
        )
        self.embeddings = self.val_embeddings = None
        if c.train == "decoder":
            folder = self.cache_dir / "embeddings"
            ids = [case.cache_id for case in self.train_cases]
            val_ids = [case.cache_id for case in self.val_cases]
            self.embeddings = EmbeddingCache(self.model.image_encoder, folder, ids, device)
            self.val_embeddings = EmbeddingCache(self.model.image_encoder, folder, val_ids, device)
        if self.ctx.is_main:
            log.info(
                "training %s (%d tensors) on %d slices of %d cases, validating on %d cases; "
                "%d process(es) on %s",
                c.train,
                len(trained),
                len(self.dataset),
                len(self.train_cases),
                len(self.val_cases),
                self.ctx.world,
                self.ctx.device,
            )

    def _maybe_resume(self) -> None:
        path = checkpoints.resume_path(self.work_dir, self.config.resume)
        if path is None:
            return
        state = checkpoints.load_last(path)
        self.model.load_state_dict(state["model"])
        self.base_optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        p = self.progress
        p.step, p.epoch = int(state["step"]), int(state["epoch"])
        p.epoch_loss_sum = float(state.get("epoch_loss_sum", 0.0))
        p.epoch_loss_count = int(state.get("epoch_loss_count", 0))
        p.best_dsc = float(state.get("best_dsc", -math.inf))
        p.stale_epochs = int(state.get("stale_epochs", 0))
        p.history = list(state.get("history", []))
        if self.ctx.is_main:
            log.info("resumed from %s at step %d (epoch %d)", path, p.step, p.epoch)

    # ----------------------------------------------------------------------- a step
    def _inputs(self, batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        device = self.ctx.device
        if self.embeddings is not None:
            inputs = self.embeddings.get(batch["key"], batch["image"])
        else:
            inputs = batch["image"].to(device)
        return inputs, batch["box"].to(device), batch["mask"].to(device)

    def _backward(self, prepared) -> dict[str, float]:
        """Forward and backward over the micro-batches of one step; the gradient is the
        mean over the global batch (DDP averages over ranks at the last micro-batch)."""
        totals = dict.fromkeys(("total", "dice", "bce", "iou_mse"), 0.0)
        k = len(prepared)
        for i, (inputs, boxes, target) in enumerate(prepared):
            sync = not self.ctx.distributed or i == k - 1
            with contextlib.nullcontext() if sync else self.wrapped.no_sync():
                logits, iou = self.wrapped(inputs, boxes)
                parts = upstream_loss(logits, iou, target)
                (parts.total / k).backward()
            for name, value in parts.values().items():
                totals[name] += value / k
        return totals

    def _step(self, micro_batches) -> dict[str, float]:
        prepared = [self._inputs(b) for b in micro_batches]
        self.optimizer.zero_grad(set_to_none=True)
        values = self._backward(prepared)
        if isinstance(self.optimizer, SAM):
            self.optimizer.first_step()
            self.optimizer.zero_grad(set_to_none=True)
            self._backward(prepared)
            self.optimizer.second_step()
        else:
            self.optimizer.step()
        names = list(values)
        summed = distributed.sum_over_ranks(self.ctx, [values[n] for n in names])
        return {n: v / self.ctx.world for n, v in zip(names, summed, strict=True)}

    # ----------------------------------------------------------- validation, saving
    @torch.no_grad()
    def _predict(self, image, key, boxes) -> torch.Tensor:
        device = self.ctx.device
        image_t = torch.from_numpy(image[None])
        if self.val_embeddings is not None:
            inputs = self.val_embeddings.get(torch.from_numpy(key[None]), image_t)
        else:
            inputs = image_t.to(device)
        logits, _ = self.forward(inputs, torch.from_numpy(boxes).to(device))
        return logits

    def _validate(self) -> dict[str, float]:
        if not self.val_cases:
            return {"dsc": float("nan"), "nsd": float("nan"), "cases": 0}
        self.model.eval()
        try:
            return validate(self.ctx, self.val_cases, self._predict, self.config.box_source)
        finally:
            set_modes(self.model, self.config.train, self.config.train_batchnorm)

    def _record(self, entry: dict) -> None:
        if self.ctx.is_main:
            with open(self.work_dir / METRICS, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def _save(self, improved: bool) -> None:
        if self.ctx.is_main:
            p = self.progress
            checkpoints.save_weights(self.work_dir / checkpoints.LATEST_WEIGHTS, self.model)
            if improved or not self.val_cases:
                checkpoints.save_weights(self.work_dir / checkpoints.BEST, self.model)
            checkpoints.save(
                self.work_dir / checkpoints.LAST,
                {
                    "model": checkpoints.cpu_state(self.model),
                    "optimizer": self.base_optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict(),
                    "epoch": p.epoch,
                    "step": p.step,
                    "epoch_loss_sum": p.epoch_loss_sum,
                    "epoch_loss_count": p.epoch_loss_count,
                    "best_dsc": p.best_dsc,
                    "stale_epochs": p.stale_epochs,
                    "config": self.config.to_dict(),
                    "history": p.history,
                },
            )
        distributed.barrier(self.ctx)

    # ------------------------------------------------------------------------ loop
    def _total_steps(self) -> int:
        if self.config.max_steps is not None:
            return self.config.max_steps
        return self.config.epochs * self.steps_per_epoch

    def _epoch_batches(self):
        c, p = self.config, self.progress
        sampler = GlobalBatchSampler(
            len(self.dataset),
            c.batch_size,
            c.seed,
            p.epoch,
            self.ctx.rank,
            self.ctx.world,
            c.accumulate,
            skip=p.step - p.epoch * self.steps_per_epoch,
        )
        return DataLoader(self.dataset, batch_sampler=sampler, num_workers=c.workers)

    def _run_epoch(self, total: int) -> None:
        from tqdm.auto import tqdm

        c, p = self.config, self.progress
        remaining = min(self.steps_per_epoch * (p.epoch + 1), total) - p.step
        bar = tqdm(
            total=remaining,
            desc=f"epoch {p.epoch}",
            disable=not (self.ctx.is_main and c.progress),
            leave=False,
        )
        micro = []
        for batch in self._epoch_batches():
            micro.append(batch)
            if len(micro) < c.accumulate:
                continue
            started = time.perf_counter()
            values = self._step(micro)
            seconds = time.perf_counter() - started
            micro = []
            p.step += 1
            p.epoch_loss_sum += values["total"]
            p.epoch_loss_count += 1
            lr = self.base_optimizer.param_groups[0]["lr"]
            self._record({"step": p.step, "epoch": p.epoch, **values, "lr": lr, "seconds": seconds})
            bar.update(1)
            bar.set_postfix(
                loss=f"{values['total']:.4f}",
                dice=f"{values['dice']:.4f}",
                bce=f"{values['bce']:.4f}",
                iou=f"{values['iou_mse']:.4f}",
                val_dsc=f"{p.history[-1]['val_dsc']:.4f}" if p.history else "-",
                lr=f"{lr:.2g}",
            )
            if p.step >= total:
                break
        bar.close()

    def _end_of_period(self, epoch_done: bool) -> bool:
        """Validation, schedule and checkpoints; True when early stopping says stop."""
        p, c = self.progress, self.config
        scores = self._validate()
        improved = not math.isnan(scores["dsc"]) and scores["dsc"] > p.best_dsc
        if improved:
            p.best_dsc = scores["dsc"]
        mean_loss = p.epoch_loss_sum / max(1, p.epoch_loss_count)
        entry = {
            "epoch": p.epoch,
            "step": p.step,
            "train_loss": mean_loss,
            "val_dsc": scores["dsc"],
            "val_nsd": scores["nsd"],
            "lr": self.base_optimizer.param_groups[0]["lr"],
        }
        p.history.append(entry)
        self._record({"validation": True, **entry})
        if self.ctx.is_main:
            log.info(
                "epoch %d step %d: loss %.4f, val DSC %.4f NSD %.4f",
                p.epoch,
                p.step,
                mean_loss,
                scores["dsc"],
                scores["nsd"],
            )
        stop = False
        if epoch_done:
            self.scheduler.step(mean_loss)
            p.stale_epochs = 0 if improved or not self.val_cases else p.stale_epochs + 1
            stop = bool(self.val_cases) and p.stale_epochs >= c.patience
            p.epoch += 1
            p.epoch_loss_sum, p.epoch_loss_count = 0.0, 0
        self._save(improved)
        return stop

    def fit(self) -> RunResult:
        p, total = self.progress, self._total_steps()
        while p.step < total:
            self._run_epoch(total)
            epoch_done = p.step == self.steps_per_epoch * (p.epoch + 1)
            if self._end_of_period(epoch_done):
                break
        digest = distributed.check_ranks_agree(self.ctx, self.model)
        self._record(
            {
                "final": True,
                "step": p.step,
                "ranks": self.ctx.world,
                "weights": digest,
                "peak_rss_mib": peak_rss_mib(),
            }
        )
        routing = None
        if self.config.export and self.ctx.is_main:
            best = self.work_dir / checkpoints.BEST
            if not best.is_file():
                raise FileNotFoundError(f"{best}: no checkpoint to export (no step was run)")
            routing = export_checkpoint(best, self.config.export, self.config.modality)
            write_text_atomic(self.work_dir / ROUTING, routing + "\n")
        distributed.barrier(self.ctx)
        return RunResult(self.work_dir, p.step, p.epoch, p.best_dsc, digest, p.history, routing)
