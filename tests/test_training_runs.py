"""Whole training runs on real MRI (Colin27 deep grey structures): resume, two processes
over gloo, train -> export -> segment through a routing table.  Slow: each trains a
few steps of the decoder on cached embeddings."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from medsam_fast import _core  # noqa: E402
from medsam_fast.convert import find_bundled_checkpoint  # noqa: E402
from medsam_fast.training.checkpoints import state_hash  # noqa: E402
from medsam_fast.training.loop import run  # noqa: E402
from medsam_fast.training.model import load_model  # noqa: E402
from medsam_fast.training.options import TrainConfig  # noqa: E402
from training_data import (  # noqa: E402
    deep_grey_halves,
    held_out_scores,
    write_case,
)

pytestmark = pytest.mark.slow
SLICES = 6  # even slices trained on, odd slices held out


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("training")
    even, odd = deep_grey_halves(SLICES)
    write_case(root / "train", "3DBox_MR_colin27-even.npz", **even)
    write_case(root / "val", "3DBox_MR_colin27-odd.npz", **odd)
    return root


def config(root, work, **options) -> TrainConfig:
    values = dict(
        data=str(root / "train"),
        work_dir=str(root / work),
        cache_dir=str(root / "cache"),  # embeddings encoded once for every run here
        val_fraction=0.0,
        batch_size=2,
        lr=1e-4,
        flips=False,
        progress=False,
        device="cpu",
    )
    values.update(options)
    return TrainConfig(**values)


def weights(path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)


def changes(state: dict, start: dict) -> dict:
    return {k: state[k] - start[k] for k in start if start[k].is_floating_point()}


def relative_distance(a: dict, b: dict) -> float:
    """|a - b| / |b| over every tensor together."""
    num = sum(float(((a[k] - b[k]) ** 2).sum()) for k in b)
    return (num / sum(float((b[k] ** 2).sum()) for k in b)) ** 0.5


def test_resume_two_plus_two_steps_equals_four(root):
    run(config(root, "four", max_steps=4))
    run(config(root, "resumed", max_steps=2))
    resumed = run(config(root, "resumed", max_steps=4, resume="auto"))
    assert resumed.step == 4
    four, again = weights(root / "four/model.pth"), weights(root / "resumed/model.pth")
    start = weights(find_bundled_checkpoint())
    moved = max(float((four[k] - start[k]).abs().max()) for k in four)
    assert moved > 1e-4  # the steps changed the weights
    for key in four:
        torch.testing.assert_close(again[key], four[key], rtol=0, atol=1e-6)
    # last.pt loads with weights_only; best.pth has exactly the upstream keys.
    last = torch.load(root / "four/last.pt", map_location="cpu", weights_only=True)
    assert last["step"] == 4 and last["config"]["max_steps"] == 4
    assert set(weights(root / "four/best.pth")) == set(start)
    steps = [json.loads(line) for line in (root / "four/metrics.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps if "total" in s] == [1, 2, 3, 4]


def test_two_gloo_processes_match_one_with_the_same_global_batch(root):
    single = run(config(root, "one", max_steps=2, batch_size=4))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable, "-m", "medsam_fast.train",
        "--data", str(root / "train"), "--work-dir", str(root / "two"),
        "--cache-dir", str(root / "cache"), "--val-fraction", "0", "--batch-size", "4",
        "--lr", "1e-4", "--max-steps", "2", "--no-flips", "--quiet", "--device", "cpu",
        "--nproc-per-node", "2",
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    records = [json.loads(x) for x in (root / "two/metrics.jsonl").read_text().splitlines()]
    final = records[-1]
    # Every rank's hash was gathered and compared before this record was written.
    assert final["final"] and final["ranks"] == 2 and final["step"] == 2
    two = load_model(root / "two/model.pth")
    assert final["weights"] == state_hash(two)
    start = weights(find_bundled_checkpoint())
    two_change = changes(two.state_dict(), start)
    one_change = changes(weights(root / "one/model.pth"), start)
    # Compared as a whole: AdamW turns the rounding noise of gradients that are exactly 0
    # in theory (attention key biases, which softmax cancels) into lr-sized steps.
    assert relative_distance(two_change, one_change) < 1e-2
    if not (root / "four/model.pth").is_file():
        run(config(root, "four", max_steps=4))
    other = changes(weights(root / "four/model.pth"), start)  # other batches, same data
    assert relative_distance(other, one_change) > 0.3
    assert single.step == 2


@pytest.fixture(scope="module")
def exported(root):
    """A short decoder fine-tune on the even slices, exported with --export."""
    result = run(
        config(
            root, "export", max_steps=10, batch_size=4, modality="MR", export=str(root / "model")
        )
    )
    return result, root / "model"


def test_exported_onnx_reproduces_the_trained_model(root, exported, colin):
    result, model_dir = exported
    assert f'model = "{model_dir.resolve()}"' in result.routing
    assert (root / "export/routing.toml").read_text() == result.routing + "\n"
    trained = load_model(root / "export/best.pth").eval()
    _, odd = deep_grey_halves(SLICES)
    image, gts = odd["imgs"][2], odd["gts"][2]
    encoder_input, _ = _core.prepare_encoder_input(image)
    ys, xs = np.nonzero(gts == 1)
    box = _core.box_to_frame(xs.min(), ys.min(), xs.max(), ys.max(), *gts.shape)
    boxes = np.array([box], np.float32)
    with torch.no_grad():
        embedding = trained.image_encoder(torch.from_numpy(encoder_input))
        expected = trained.decode(embedding, torch.from_numpy(boxes)).numpy()
    from medsam_fast import Segmenter

    ours = Segmenter(model_dir=model_dir, threads=2).model
    logits = ours.decode(ours.encode(encoder_input), boxes)
    np.testing.assert_allclose(logits, expected, atol=1e-3)
    bundled = Segmenter(threads=2).model
    before = bundled.decode(bundled.encode(encoder_input), boxes)
    assert np.abs(before - logits).max() > 0.05  # the fine-tune changed the output


def test_fine_tune_raises_held_out_dsc_through_a_routing_table(root, exported):
    result, _ = exported
    before = held_out_scores("per_modality", SLICES)
    after = held_out_scores(str(result.work_dir / "routing.toml"), SLICES)
    print(f"held-out slices DSC: deep grey {before['held_in']:.3f} -> {after['held_in']:.3f}, "
          f"other structures {before['others']:.3f} -> {after['others']:.3f}")  # fmt: skip
    assert after["held_in"] > before["held_in"] + 0.02


def test_encoder_sam_recipe_changes_only_the_encoder(root):
    run(
        config(
            root, "encoder-sam", max_steps=1, batch_size=1, train="encoder", recipe="encoder-sam"
        )
    )
    after, start = weights(root / "encoder-sam/model.pth"), weights(find_bundled_checkpoint())
    changed = {k for k in start if not torch.equal(after[k], start[k])}
    assert changed and all(k.startswith("image_encoder.") for k in changed)
    # BatchNorm stays in eval mode: its running statistics are the checkpoint's.
    assert not any(k.endswith(("running_mean", "running_var")) for k in changed)
