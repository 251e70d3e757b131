"""The EfficientSAM family: its preprocessing equals torch's, its prompts are labelled
corner points in the stretched frame, the best-IoU mask is kept, and the seed strategy
routes 2D Microscopy and X-Ray to it once converted.  A tiny ONNX pair built here stands
in for weights nobody here has (tiny_efficientsam.py)."""

import json
import logging
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from medsam_fast import CaseError, Segmenter, _core, metrics
from medsam_fast.models import EFFICIENTSAM, read_description
from medsam_fast.models.description import IMAGENET_MEAN, IMAGENET_STD
from shared_fixtures import THREADS
from tiny_efficientsam import write_tiny_pair


def torch_reference_input(image: np.ndarray, size: int) -> np.ndarray:
    """The seed's EfficientSAM input: image / its max, bilinear to size^2, ImageNet mean/std."""
    rgb = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
    x = torch.tensor(rgb / max(rgb.max(), 1), dtype=torch.float32).permute(2, 0, 1)[None]
    x = F.interpolate(x, (size, size), mode="bilinear", align_corners=False)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return ((x - mean) / std).numpy()


@pytest.mark.parametrize("shape", [(37, 53, 3), (300, 200, 3), (64, 64), (1200, 1500, 3)])
def test_stretched_input_equals_torch_bilinear_and_imagenet_normalisation(shape):
    image = np.random.default_rng(1).integers(0, 200, shape, dtype=np.uint8)
    ours = _core.prepare_stretched_input(
        image, 1024 if shape[0] > 1000 else 64, True, IMAGENET_MEAN, IMAGENET_STD
    )
    expected = torch_reference_input(image, ours.shape[-1])
    np.testing.assert_allclose(ours, expected, atol=2e-5)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("size", [(300, 517), (256, 256), (97, 130), (1024, 768)])
def test_torch_resize_equals_f_interpolate(mode, size):
    logits = np.random.default_rng(2).normal(0, 5, (256, 256)).astype(np.float32)
    ours = _core.torch_resize(logits, *size, mode=mode)
    expected = F.interpolate(
        torch.tensor(logits)[None, None], size, mode=mode, align_corners=False
    )[0, 0].numpy()
    # float rounding only: a handful of values differ by ~1e-4 on logits of size ~10
    np.testing.assert_allclose(ours, expected, atol=5e-4)
    assert np.abs(ours - expected).mean() < 1e-5


def test_box_becomes_corner_points_labelled_2_and_3_and_its_centre_labelled_1():
    boxes = np.array([[10, 20, 110, 60], [0, 0, 199, 99]], dtype=np.float64)
    coords, labels = _core.point_prompts(boxes, 100, 200, 1024, True)
    sx, sy = 1024 / 200, 1024 / 100  # each axis scaled on its own: the image is stretched
    np.testing.assert_allclose(
        coords[0], [[10 * sx, 20 * sy], [110 * sx, 60 * sy], [60 * sx, 40 * sy]], rtol=1e-6
    )
    np.testing.assert_array_equal(labels, [[2, 3, 1], [2, 3, 1]])
    coords, labels = _core.point_prompts(boxes, 100, 200, 1024, False)
    assert coords.shape == (2, 2, 2) and labels.tolist() == [[2, 3], [2, 3]]


@pytest.fixture
def tiny_segmenter(tmp_path, segmenter):
    def make(**description_changes):
        folder = write_tiny_pair(
            tmp_path / f"tiny{len(list(tmp_path.iterdir()))}", **description_changes
        )
        table = {"modality": {"microscopy": {"model": str(folder)}}}
        return Segmenter(strategy=table, threads=THREADS, model_dir=segmenter.files.directory)

    return make


def box_region(shape, box):
    region = np.zeros(shape, dtype=bool)
    region[box[1] : box[3] + 1, box[0] : box[2] + 1] = True
    return region


def test_tiny_pair_segments_each_box_in_a_stretched_non_square_image(tiny_segmenter):
    image = np.random.default_rng(3).integers(0, 255, (120, 300, 3), dtype=np.uint8)
    boxes = np.array([[20, 10, 120, 70], [150, 40, 280, 110]])
    segs = tiny_segmenter().segment(
        {"imgs": image, "boxes": boxes, "name": "2DBox_Microscopy_t.npz"}, modality="Microscopy"
    )
    for label, box in enumerate(boxes, start=1):
        assert (
            metrics.dsc(
                box_region(segs.shape, box).astype(np.uint8), (segs == label).astype(np.uint8)
            ).mean
            > 0.95
        )
    assert segs[0, 0] == 0 and segs[119, 0] == 0


def test_best_iou_keeps_mask_1_and_a_fixed_index_keeps_that_mask(tiny_segmenter):
    image = np.full((80, 80, 3), 100, dtype=np.uint8)
    case = {"imgs": image, "boxes": np.array([[10, 10, 40, 40]])}
    best = tiny_segmenter().segment(case, modality="Microscopy")
    assert 0.9 < best.sum() / box_region(best.shape, [10, 10, 40, 40]).sum() < 1.1
    everything = tiny_segmenter(mask_output=0).segment(case, modality="Microscopy")
    assert everything.all()
    nothing = tiny_segmenter(mask_output=2).segment(case, modality="Microscopy")
    assert not nothing.any()


def test_bilinear_upsampling_option_gives_the_same_box(tiny_segmenter):
    image = np.full((90, 70), 30, dtype=np.uint8)
    case = {"imgs": image, "boxes": np.array([[5, 8, 50, 60]])}
    cubic = tiny_segmenter().segment(case, modality="Microscopy")
    linear = tiny_segmenter(upsample="bilinear").segment(case, modality="Microscopy")
    assert metrics.dsc(cubic, linear).mean > 0.97


def test_efficientsam_model_refuses_3d_cases(tiny_segmenter):
    volume = np.zeros((4, 32, 32), dtype=np.uint8)
    seg = tiny_segmenter()
    with pytest.raises(CaseError, match="segments 2D images only"):
        seg.segment(
            {"imgs": volume, "boxes": np.array([[1, 1, 0, 20, 20, 3]])}, modality="Microscopy"
        )


def test_seed_sends_microscopy_to_efficientsam_once_converted_else_to_litemedsam(
    tmp_path, monkeypatch, segmenter, caplog
):
    monkeypatch.setenv("MEDSAM_FAST_HOME", str(tmp_path))
    image = np.full((64, 64, 3), 90, dtype=np.uint8)
    case = {"imgs": image, "boxes": np.array([[10, 10, 40, 40]])}
    before = Segmenter(threads=THREADS, model_dir=segmenter.files.directory)
    with caplog.at_level(logging.INFO, logger="medsam_fast"):
        before.segment(case, modality="Microscopy")
    messages = [r.getMessage() for r in caplog.records]
    assert before.last_stats["model"] == "litemedsam"
    assert any("'efficientsam' is not converted" in m for m in messages)
    write_tiny_pair(tmp_path / "models" / "efficientsam")
    after = Segmenter(threads=THREADS, model_dir=segmenter.files.directory)
    after.segment(case, modality="X-Ray")
    assert after.last_stats["model"] == "efficientsam"
    after.segment(case, modality="US")
    assert after.last_stats["model"] == "litemedsam"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"family": "medsam2"}, "unknown model family"),
        ({"resize": "longest_side"}, "resize = 'stretch'"),
        ({"mask_output": 3}, "mask_output must be"),
        ({"upsample": "nearest"}, "upsample must be"),
    ],
)
def test_unsupported_model_descriptions_are_refused_when_read(tmp_path, change, message):
    from dataclasses import asdict

    (tmp_path / "model.json").write_text(json.dumps({**asdict(EFFICIENTSAM), **change}))
    with pytest.raises(ValueError, match=message):
        read_description(tmp_path)


def test_folders_without_description_are_litemedsam(tmp_path):
    assert read_description(tmp_path).family == "litemedsam"


FAKE_EFFICIENT_SAM = '''
import torch

class _Encoder(torch.nn.Module):
    img_size = 64
    def __init__(self, width):
        super().__init__()
        self.patch_embed = torch.nn.Module()
        self.patch_embed.proj = torch.nn.Conv2d(3, width, 1)
        self.neck = torch.nn.Conv2d(width, 256, 1)
    def forward(self, x):
        return self.neck(self.patch_embed.proj(x))

class FakeEfficientSam(torch.nn.Module):
    """EfficientSAM's interface (image_encoder, predict_masks) over a box-distance decoder."""
    def __init__(self, width):
        super().__init__()
        self.image_encoder = _Encoder(width)
    def predict_masks(self, image_embeddings, batched_points, batched_point_labels,
                      multimask_output, input_h, input_w, output_h=-1, output_w=-1):
        pts = batched_points * self.image_encoder.img_size / torch.tensor([input_w, input_h])
        grid = (torch.arange(256, dtype=torch.float32) + 0.5) * self.image_encoder.img_size / 256
        x0, y0 = pts[..., 0, 0, None, None], pts[..., 0, 1, None, None]
        x1, y1 = pts[..., 1, 0, None, None], pts[..., 1, 1, None, None]
        gx, gy = grid.view(1, 1, 1, 256), grid.view(1, 1, 256, 1)
        inside = torch.minimum(torch.minimum(gx - x0, x1 - gx), torch.minimum(gy - y0, y1 - gy))
        labels = batched_point_labels
        wrong_labels = (labels[..., 0] - 2).abs() + (labels[..., 1] - 3).abs()
        inside = inside - 1000 * wrong_labels[..., None, None] + 0 * image_embeddings.mean()
        masks = torch.stack([inside + 1000, inside, inside - 1000], dim=2)
        iou = torch.tensor([0.2, 0.9, 0.1]).expand(masks.shape[0], masks.shape[1], 3)
        return masks, iou

def build_efficient_sam(encoder_patch_embed_dim, encoder_num_heads, checkpoint=None):
    model = FakeEfficientSam(encoder_patch_embed_dim)
    if checkpoint is not None:
        model.load_state_dict(torch.load(checkpoint, map_location="cpu")["model"])
    return model
'''


def test_convert_exports_a_users_efficientsam_through_its_own_code(
    tmp_path, monkeypatch, segmenter
):
    package = tmp_path / "code" / "efficient_sam"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "efficient_sam.py").write_text(FAKE_EFFICIENT_SAM)
    monkeypatch.syspath_prepend(str(tmp_path / "code"))
    sys.modules.pop("efficient_sam", None)
    sys.modules.pop("efficient_sam.efficient_sam", None)
    from efficient_sam.efficient_sam import build_efficient_sam

    checkpoint = tmp_path / "efficient_sam_vitt.pt"
    torch.save({"model": build_efficient_sam(192, 3).state_dict()}, checkpoint)
    from medsam_fast.cli import main

    out = tmp_path / "converted"
    assert (
        main(
            [
                "convert",
                "--family",
                "efficientsam",
                "--checkpoint",
                str(checkpoint),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert json.loads((out / "manifest.json").read_text())["variant"] == "vitt"
    assert read_description(out).input_size == 64
    seg = Segmenter(
        strategy={"default": {"model": str(out)}},
        threads=THREADS,
        model_dir=segmenter.files.directory,
    )
    image = np.random.default_rng(4).integers(0, 255, (100, 160, 3), dtype=np.uint8)
    boxes = np.array([[10, 10, 70, 50], [90, 30, 150, 95], [5, 60, 40, 90]])
    segs = seg.segment({"imgs": image, "boxes": boxes})
    for label, box in enumerate(boxes, start=1):
        assert (
            metrics.dsc(
                box_region(segs.shape, box).astype(np.uint8), (segs == label).astype(np.uint8)
            ).mean
            > 0.9
        )


def test_convert_efficientsam_needs_a_checkpoint(capsys):
    from medsam_fast.cli import main

    assert main(["convert", "--family", "efficientsam"]) == 2
    assert "needs --checkpoint" in capsys.readouterr().err
