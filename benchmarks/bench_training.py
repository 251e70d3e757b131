"""Fine-tuning cost and effect on this CPU (not run by CI).

- ``test_step``: seconds per training step at batch 4, whole model (``--train all``) and
  decoder only on cached embeddings (``--train decoder``), with 1 and 2 processes (gloo,
  torchrun sets one thread per process), and each run's peak memory (rank 0's peak RSS).
  Each configuration runs ``python -m medsam_fast.train`` in a fresh process and reads
  the per-step seconds from its metrics.jsonl; the first step (warm-up) is left out.
- ``test_finetune_dsc``: the Colin27 deep grey fine-tune: decoder only on the even slices,
  then DSC on the odd slices (tight box of each label on each slice) through a routing
  table, for the structures trained on and for others, before and after.

    pytest benchmarks/bench_training.py --benchmark-only -s
    MEDSAM_BENCH_STEPS=3 MEDSAM_BENCH_FT="10,30,4,1e-4" pytest benchmarks/bench_training.py ...
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from training_data import deep_grey_halves, held_out_scores, write_case  # noqa: E402

STEPS = int(os.environ.get("MEDSAM_BENCH_STEPS", "3"))
LIMIT, FT_STEPS, FT_BATCH, FT_LR = os.environ.get("MEDSAM_BENCH_FT", "10,30,4,1e-4").split(",")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bench_training")
    even, _ = deep_grey_halves(8)
    write_case(root / "train", "3DBox_MR_colin27-even.npz", **even)
    return root


def train(folder: Path, work: str, part: str, nproc: int, steps: int, threads: int) -> list[dict]:
    command = [
        sys.executable, "-m", "medsam_fast.train", "--data", str(folder / "train"),
        "--work-dir", str(folder / work), "--cache-dir", str(folder / "cache"),
        "--val-fraction", "0", "--batch-size", "4", "--max-steps", str(steps), "--no-flips",
        "--train", part, "--nproc-per-node", str(nproc), "--device", "cpu", "--quiet",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    subprocess.run(command, env=env, check=True, capture_output=True)
    lines = (folder / work / "metrics.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("nproc", [1, 2])
@pytest.mark.parametrize("part", ["decoder", "all"])
def test_step(benchmark, folder, part, nproc):
    steps = STEPS if part == "decoder" else 2
    if part == "decoder":  # fill the embedding cache first (every slice the steps draw)
        train(folder, f"warm-{part}-{nproc}", part, 1, steps, 2)
    records = benchmark.pedantic(
        train, args=(folder, f"{part}-{nproc}", part, nproc, steps, 2 // nproc), rounds=1
    )
    seconds = [r["seconds"] for r in records if "seconds" in r][1:]
    final = records[-1]
    benchmark.extra_info.update(
        seconds_per_step=statistics.median(seconds),
        steps_timed=len(seconds),
        peak_rss_mib_rank0=final["peak_rss_mib"],
        processes=final["ranks"],
    )
    print(f"\n{part} x{nproc}: {statistics.median(seconds):.2f} s/step (batch 4), "
          f"peak RSS rank 0 {final['peak_rss_mib']:.0f} MiB")  # fmt: skip


def test_finetune_dsc(benchmark, tmp_path):
    from medsam_fast.training.loop import run
    from medsam_fast.training.options import TrainConfig

    limit = int(LIMIT) if LIMIT != "all" else None
    even, _ = deep_grey_halves(limit)
    write_case(tmp_path / "data", "3DBox_MR_colin27-even.npz", **even)
    before = held_out_scores("per_modality", limit)
    config = TrainConfig(
        data=str(tmp_path / "data"),
        work_dir=str(tmp_path / "work"),
        max_steps=int(FT_STEPS),
        batch_size=int(FT_BATCH),
        lr=float(FT_LR),
        flips=False,
        val_fraction=0.0,
        modality="MR",
        export=str(tmp_path / "model"),
        progress=False,
    )
    result = benchmark.pedantic(run, args=(config,), rounds=1)
    after = held_out_scores(str(result.work_dir / "routing.toml"), limit)
    benchmark.extra_info.update(
        slices_each=len(even["imgs"]), before=before, after=after, steps=result.step
    )
    print(f"\ndeep grey on held-out slices: {before['held_in']:.3f} -> {after['held_in']:.3f}; "
          f"other structures: {before['others']:.3f} -> {after['others']:.3f}")  # fmt: skip
