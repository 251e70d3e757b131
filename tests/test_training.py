"""medsam_fast.training, the fast parts: samples equal what inference sees, jitter stays in
its bounds, workers change nothing, the loss is the upstream loss, bad input is refused
with the file's name.  (Whole runs: tests/test_training_runs.py.)"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from medsam_fast import _core  # noqa: E402
from medsam_fast.io.cases import CaseError  # noqa: E402
from medsam_fast.training import boxes as box_rules  # noqa: E402
from medsam_fast.training.cases import find_cases, load_cached, split_by_case  # noqa: E402
from medsam_fast.training.dataset import (  # noqa: E402
    GlobalBatchSampler,
    SliceDataset,
    index_slices,
)
from medsam_fast.training.frame import labels_to_frame  # noqa: E402
from medsam_fast.training.loss import upstream_loss  # noqa: E402
from training_data import deep_grey_halves, write_case  # noqa: E402


@pytest.fixture(scope="module")
def deep_grey(tmp_path_factory):
    """The Colin27 deep grey structures, 6 even slices, as a cached training case."""
    root = tmp_path_factory.mktemp("deep_grey")
    even, _ = deep_grey_halves(limit=6)
    path = write_case(root / "data", "3DBox_MR_even.npz", **even)
    return load_cached(path, root / "cache"), even


def dataset_of(case, **options):
    return SliceDataset([case], index_slices([case]), **options)


def test_sample_image_is_the_cores_encoder_input(deep_grey):
    case, arrays = deep_grey
    data = dataset_of(case, flips=False)
    for index, ref in enumerate(data.refs):
        sample = data[(0, index)]
        expected, resized = _core.prepare_encoder_input(arrays["imgs"][ref.index])
        np.testing.assert_array_equal(sample["image"], expected[0])
        assert set(np.unique(sample["mask"]).tolist()) == {0.0, 1.0}  # one label, binary
        assert sample["mask"][0, resized[0] :].sum() == 0  # padding holds no label


def test_framed_labels_are_opencv_nearest_then_padded(deep_grey):
    cv2 = pytest.importorskip("cv2")
    _, arrays = deep_grey
    gts = arrays["gts"][3]
    _, (h, w) = _core.prepare_encoder_input(arrays["imgs"][3])
    expected = np.zeros((256, 256), np.uint8)
    expected[:h, :w] = cv2.resize(gts, (w, h), interpolation=cv2.INTER_NEAREST)
    np.testing.assert_array_equal(labels_to_frame(gts, (h, w)), expected)


def test_flipped_sample_is_the_flipped_frame(deep_grey):
    case, arrays = deep_grey
    data = dataset_of(case, flips=True, bbox_shift=0)
    seen = set()
    for epoch in range(6):
        for index, ref in enumerate(data.refs):
            sample = data[(epoch, index)]
            _, _, _, horizontal, vertical = sample["key"].tolist()
            seen.add((horizontal, vertical))
            plain = _core.prepare_encoder_input(arrays["imgs"][ref.index])[0][0]
            if horizontal:
                plain = plain[..., ::-1]
            if vertical:
                plain = plain[..., ::-1, :]
            np.testing.assert_array_equal(sample["image"], plain)
            # With no jitter the box is the flipped mask's tight box.
            tight = box_rules.tight_box(sample["mask"][0] > 0)
            np.testing.assert_array_equal(sample["box"], tight)
    assert len(seen) == 4


def test_jitter_stays_within_its_bounds(deep_grey):
    case, _ = deep_grey
    shift = 5
    data = dataset_of(case, flips=False, bbox_shift=shift)
    pushes = []
    for epoch in range(20):
        for index in range(len(data)):
            sample = data[(epoch, index)]
            tight = box_rules.tight_box(sample["mask"][0] > 0)
            box = sample["box"].astype(np.float64)
            outward = np.array(
                [tight[0] - box[0], tight[1] - box[1], box[2] - tight[2], box[3] - tight[3]]
            )
            limit = np.array(
                [
                    min(shift, tight[0]),
                    min(shift, tight[1]),
                    min(shift, 256 - tight[2]),
                    min(shift, 256 - tight[3]),
                ]
            )
            assert np.all(outward >= 0) and np.all(outward <= limit), (box, tight)
            assert box.min() >= 0 and box.max() <= 256
            pushes.append(outward)
    pushes = np.array(pushes)
    assert set(np.unique(pushes).astype(int)) == set(range(shift + 1))  # every value drawn


def test_projection_box_is_the_3d_box_on_every_slice(deep_grey):
    case, arrays = deep_grey
    data = dataset_of(case, flips=False, box_source="projection")
    boxes_of_label = {}
    for index, ref in enumerate(data.refs):
        sample = data[(0, index)]
        resized = _core.prepare_encoder_input(arrays["imgs"][ref.index])[1]
        framed = labels_to_frame(arrays["gts"][ref.index], resized)
        (label,) = [v for v in ref.labels if np.array_equal(framed == v, sample["mask"][0] > 0)]
        zs, ys, xs = np.nonzero(arrays["gts"] == label)
        expected = _core.box_to_frame(xs.min(), ys.min(), xs.max(), ys.max(), 217, 181)
        np.testing.assert_array_equal(sample["box"], np.array(expected, np.float32))
        boxes_of_label.setdefault(label, set()).add(tuple(sample["box"].tolist()))
    assert len(boxes_of_label) > 1


def test_samples_identical_with_0_and_2_workers(deep_grey):
    case, _ = deep_grey
    data = dataset_of(case, flips=True, bbox_shift=5, seed=3)

    def collect(workers):
        sampler = GlobalBatchSampler(len(data), 2, seed=3, epoch=1)
        loader = torch.utils.data.DataLoader(data, batch_sampler=sampler, num_workers=workers)
        return [{k: v.clone() for k, v in batch.items()} for batch in loader]

    serial, parallel = collect(0), collect(2)
    assert len(serial) == len(parallel) == 3
    for a, b in zip(serial, parallel, strict=True):
        for key in a:
            assert torch.equal(a[key], b[key]), key


def test_the_global_batch_is_split_over_ranks_without_overlap():
    full = list(GlobalBatchSampler(10, 4, seed=1, epoch=2))
    halves = [list(GlobalBatchSampler(10, 4, seed=1, epoch=2, rank=r, world=2)) for r in (0, 1)]
    assert len(full) == 2  # the incomplete last batch is dropped
    for step, batch in enumerate(full):
        assert sorted(halves[0][step] + halves[1][step]) == sorted(batch)
    micro = list(GlobalBatchSampler(10, 4, seed=1, epoch=2, accumulate=2))
    assert [i for m in micro for i in m] == [i for b in full for i in b]
    assert list(GlobalBatchSampler(10, 4, seed=1, epoch=3)) != full
    with pytest.raises(ValueError, match="divide"):
        GlobalBatchSampler(10, 3, seed=1, epoch=0, world=2)


def _reference_loss(logits, iou_pred, target):
    """The upstream loss written out sample by sample in float64."""
    logits, target = logits.double(), target.double()
    total = 0.0
    dice_terms, bce_terms, mse_terms = [], [], []
    for x, y, q in zip(logits, target, iou_pred.double(), strict=True):
        p = 1.0 / (1.0 + torch.exp(-x))
        dice_terms.append(1 - (2 * (p * y).sum() + 1e-5) / ((p**2).sum() + (y**2).sum() + 1e-5))
        bce_terms.append(-(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean())
        predicted, truth = (p > 0.5).numpy(), (y > 0.5).numpy()
        iou = (predicted & truth).sum() / (predicted | truth).sum()
        mse_terms.append((q[0] - iou) ** 2)
    dice, bce, mse = (torch.stack(t).mean() for t in (dice_terms, bce_terms, mse_terms))
    total = dice + bce + mse
    return total, dice, bce, mse


def test_loss_equals_an_independent_formulation(rng):
    logits = torch.from_numpy(rng.normal(0, 3, (3, 1, 256, 256)).astype(np.float32))
    target = torch.from_numpy((rng.random((3, 1, 256, 256)) < 0.3).astype(np.float32))
    iou_pred = torch.from_numpy(rng.random((3, 1)).astype(np.float32))
    parts = upstream_loss(logits, iou_pred, target)
    expected = _reference_loss(logits, iou_pred, target)
    for got, want in zip(
        (parts.total, parts.dice, parts.bce, parts.iou_mse), expected, strict=True
    ):
        assert float(got) == pytest.approx(float(want), rel=1e-5, abs=1e-6)


def test_dice_part_equals_monai_when_installed(rng):
    monai = pytest.importorskip("monai.losses", reason="MONAI is optional")
    logits = torch.from_numpy(rng.normal(0, 3, (3, 1, 64, 64)).astype(np.float32))
    target = torch.from_numpy((rng.random((3, 1, 64, 64)) < 0.3).astype(np.float32))
    parts = upstream_loss(logits, torch.zeros(3, 1), target)
    dice = monai.DiceLoss(sigmoid=True, squared_pred=True, reduction="mean")(logits, target)
    assert float(parts.dice) == pytest.approx(float(dice), rel=1e-5)


def test_split_is_by_case_and_seeded(tmp_path):
    files = [tmp_path / f"3DBox_MR_{i}.npz" for i in range(10)]
    train, val = split_by_case(files, 0.2, seed=0)
    assert len(val) == 2 and not set(train) & set(val) and set(train) | set(val) == set(files)
    assert split_by_case(files, 0.2, seed=0) == (train, val)
    assert split_by_case(files, 0.0, seed=0) == (files, [])


# ------------------------------------------------------------------------ bad input
def test_a_folder_without_npz_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no .npz"):
        find_cases(tmp_path)
    write_case(
        tmp_path,
        "3DBox_CT_a.npz",
        imgs=np.zeros((2, 4, 4), np.uint8),
        gts=np.zeros((2, 4, 4), np.uint8),
    )
    with pytest.raises(FileNotFoundError, match="modality 'PET'"):
        find_cases(tmp_path, modality="PET")
    assert len(find_cases(tmp_path, modality="ct")) == 1


def test_an_npz_without_gts_names_the_file(tmp_path):
    path = write_case(tmp_path, "3DBox_MR_nogts.npz", imgs=np.zeros((2, 8, 8), np.uint8))
    with pytest.raises(CaseError, match=r"3DBox_MR_nogts.npz: missing key\(s\) \['gts'\]"):
        load_cached(path, tmp_path / "cache")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.npy"))


def test_shape_mismatch_names_the_file(tmp_path):
    path = write_case(
        tmp_path,
        "3DBox_MR_bad.npz",
        imgs=np.zeros((2, 8, 8), np.uint8),
        gts=np.zeros((2, 8, 9), np.uint8),
    )
    with pytest.raises(CaseError, match="3DBox_MR_bad.npz: imgs .* and gts .* differ in shape"):
        load_cached(path, tmp_path / "cache")


def test_labels_absent_everywhere_is_refused(tmp_path):
    path = write_case(
        tmp_path,
        "3DBox_MR_empty.npz",
        imgs=np.ones((2, 8, 8), np.uint8),
        gts=np.zeros((2, 8, 8), np.uint8),
    )
    case = load_cached(path, tmp_path / "cache")
    with pytest.raises(ValueError, match="3DBox_MR_empty.npz"):
        SliceDataset([case], index_slices([case]))


def test_a_checkpoint_with_other_keys_is_refused(tmp_path):
    from medsam_fast.training.model import CheckpointKeyError, load_model

    path = tmp_path / "other.pth"
    torch.save({"model": {"encoder.weight": torch.zeros(2)}}, path)
    with pytest.raises(CheckpointKeyError, match="other.pth: not a LiteMedSAM checkpoint"):
        load_model(path)


def test_without_torch_the_error_names_the_train_extra(monkeypatch):
    import sys

    from medsam_fast.train import require_torch

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"medsam-fast\[train\]"):
        require_torch()


def test_more_processes_than_cores_is_refused(tmp_path, capsys):
    import os

    from medsam_fast.cli import main

    write_case(
        tmp_path,
        "3DBox_MR_a.npz",
        imgs=np.ones((2, 8, 8), np.uint8),
        gts=np.ones((2, 8, 8), np.uint8),
    )
    cores = len(os.sched_getaffinity(0))
    code = main(
        [
            "train",
            "--data",
            str(tmp_path),
            "--work-dir",
            str(tmp_path / "w"),
            "--device",
            "cpu",
            "--nproc-per-node",
            str(cores + 1),
        ]
    )
    assert code == 2
    assert f"--nproc-per-node {cores + 1} is more than this machine's {cores} CPU cores" in (
        capsys.readouterr().err
    )


def test_sam_steps_from_the_gradient_at_the_perturbed_weights():
    from medsam_fast.training.sam import SAM

    torch.manual_seed(0)
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    model = torch.nn.Linear(3, 1)
    start = [p.detach().clone() for p in model.parameters()]
    rho, lr = 0.05, 0.1
    optimizer = SAM(model.parameters(), torch.optim.SGD, rho=rho, lr=lr)

    def loss_at(params):
        return ((x @ params[0].T + params[1] - y) ** 2).mean()

    torch.nn.functional.mse_loss(model(x), y).backward()
    optimizer.first_step()
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    optimizer.second_step()
    # By hand: climb rho along the normalised gradient, take the gradient there, step from
    # the original weights.
    params = [p.clone().requires_grad_(True) for p in start]
    grads = torch.autograd.grad(loss_at(params), params)
    norm = torch.sqrt(sum((g**2).sum() for g in grads))
    climbed = [
        (p + rho * g / norm).detach().requires_grad_(True)
        for p, g in zip(start, grads, strict=True)
    ]
    sharp = torch.autograd.grad(loss_at(climbed), climbed)
    for p, s0, g in zip(model.parameters(), start, sharp, strict=True):
        torch.testing.assert_close(p.detach(), s0 - lr * g)
    with pytest.raises(RuntimeError, match="two passes"):
        optimizer.step()


def test_each_mode_trains_only_its_part():
    from medsam_fast.training.model import build_model, set_trainable

    model = build_model()
    for part, prefix in (("decoder", ("prompt_", "mask_")), ("encoder", ("image_",))):
        trained = set_trainable(model, part)
        assert trained and all(name.startswith(prefix) for name in trained)
        assert not any("mask_downscaling" in n or "hypernetworks_mlps.1" in n for n in trained)
    assert any(
        n.startswith("mask_decoder.iou_prediction_head") for n in set_trainable(model, "all")
    )


def test_the_training_forward_computes_the_positional_encoding_once(monkeypatch):
    from medsam_fast.training.model import TrainingForward, build_model

    model = build_model()
    forward = TrainingForward(model, from_embeddings=True)
    pe_layer = model.prompt_encoder.pe_layer
    expected_pe = pe_layer.dense()
    assert torch.equal(forward.image_pe, expected_pe)
    assert "image_pe" not in forward.state_dict()  # checkpoints keep the model's keys
    generator = torch.Generator().manual_seed(5)
    embeddings = torch.randn(2, 256, 64, 64, generator=generator)
    boxes = torch.tensor([[30.0, 40.0, 120.0, 150.0], [10.0, 12.0, 60.0, 200.0]])
    sparse, dense = model.prompt_encoder(boxes)
    with torch.no_grad():
        logits, iou = model.mask_decoder.forward_with_iou(embeddings, expected_pe, sparse, dense)

    def computed_again(*args, **kwargs):
        raise AssertionError("the training forward computed the encoding again")

    monkeypatch.setattr(pe_layer, "dense", computed_again)
    with torch.no_grad():
        got_logits, got_iou = forward(embeddings, boxes)
    assert torch.equal(got_logits, logits) and torch.equal(got_iou, iou)


def test_2d_case_with_npz_boxes(deep_grey, tmp_path):
    _, arrays = deep_grey
    image = np.repeat(arrays["imgs"][2][:, :, None], 3, axis=2)
    gts = arrays["gts"][2]
    labels = [int(v) for v in np.unique(gts) if v]
    boxes = np.zeros((max(labels), 4))
    for v in labels:
        ys, xs = np.nonzero(gts == v)
        boxes[v - 1] = [xs.min() - 2, ys.min() - 2, xs.max() + 2, ys.max() + 2]  # looser
    path = write_case(tmp_path, "2DBox_MR_slice.npz", imgs=image, gts=gts, boxes=boxes)
    case = load_cached(path, tmp_path / "cache")
    data = dataset_of(case, flips=False, box_source="npz")
    assert len(data) == 1 and data.refs[0].labels == tuple(labels)
    seen = set()
    for epoch in range(12):
        sample = data[(epoch, 0)]
        np.testing.assert_array_equal(sample["image"], _core.prepare_encoder_input(image)[0][0])
        framed = labels_to_frame(gts, _core.prepare_encoder_input(image)[1])
        (label,) = [v for v in labels if np.array_equal(framed == v, sample["mask"][0] > 0)]
        expected = _core.box_to_frame(*boxes[label - 1], *gts.shape)
        np.testing.assert_array_equal(sample["box"], np.array(expected, np.float32))
        seen.add(label)
    assert len(seen) > 1
