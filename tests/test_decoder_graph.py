"""The exported decoder graph (convert/shared_image_decoder.py: the box-independent image
work once per call) against the plain forward it replaced, on a real Colin27 embedding."""

import warnings

import numpy as np
import pytest
import torch

from medsam_fast import _core
from medsam_fast.convert import export
from medsam_fast.convert.shared_image_decoder import ALL_STEPS, SharedImageBoxDecoder
from medsam_fast.models import engines, litemedsam_files
from reference_pipeline import encoder_input

BOX_COUNTS = (1, 2, 5, 16)
# torch's plain forward is slow at 16 boxes; the ONNX Runtime test covers them.
TORCH_BOX_COUNTS = (1, 2, 5)


class PlainBoxDecoder(torch.nn.Module):
    """The decoder as exported up to conversion format 2: the image expanded to the box
    batch before anything else."""

    def __init__(self, lite):
        super().__init__()
        self.prompt_encoder = lite.prompt_encoder
        self.mask_decoder = lite.mask_decoder
        self.register_buffer("image_pe", lite.prompt_encoder.pe_layer.dense())

    def forward(self, image_embeddings, boxes):
        sparse, dense = self.prompt_encoder(boxes)
        return self.mask_decoder.forward_with_iou(image_embeddings, self.image_pe, sparse, dense)


def boxes_256(n: int) -> np.ndarray:
    """n different boxes in the 256 frame, some overlapping, some touching the border."""
    rng = np.random.default_rng(n)
    lo = rng.integers(0, 200, (n, 2))
    hi = np.minimum(lo + rng.integers(4, 120, (n, 2)), 255)
    return np.concatenate([lo, hi], axis=1).astype(np.float32)


@pytest.fixture(scope="module")
def embedding(segmenter, colin):
    t1, _ = colin.load()
    tensor, _ = encoder_input(np.repeat(t1[80][:, :, None], 3, axis=2))
    return segmenter.model.encode(np.ascontiguousarray(tensor.numpy()))


# Only the full graph is shipped; the partial ones exist to measure each step's effect.
PARTIAL_STEPS = [pytest.param(s, marks=pytest.mark.slow) for s in range(ALL_STEPS)]


@pytest.mark.parametrize("steps", [ALL_STEPS, *PARTIAL_STEPS])
def test_torch_forward_equals_the_plain_forward(torch_model, embedding, steps):
    plain = PlainBoxDecoder(torch_model).eval()
    shared = SharedImageBoxDecoder(torch_model, steps).eval()
    image = torch.from_numpy(embedding)
    for n in TORCH_BOX_COUNTS:
        boxes = torch.from_numpy(boxes_256(n))
        with torch.no_grad():
            expected, ours = plain(image, boxes), shared(image, boxes)
        for a, b in zip(expected, ours, strict=True):
            assert a.shape == b.shape
            # The rewrite sums in another order wherever torch picks other kernels for
            # its shapes: usually the same bits, once 4.7e-5 of the largest logit (a CI
            # run's wheel step).  A wrong step is off by whole logits.  The shipped ONNX
            # graph is held to the same bits below.
            assert torch.abs(a - b).max() <= 1e-4 * torch.abs(a).max()


@pytest.fixture(scope="module")
def core_decoders(tmp_path_factory, torch_model):
    """The plain and the shipped decoder graphs, each in the core's ONNX Runtime model."""
    folder = tmp_path_factory.mktemp("decoders")
    plain_path, shipped_path = folder / "plain.onnx", folder / "shipped.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export.export_box_decoder(torch, PlainBoxDecoder(torch_model).eval(), plain_path)
        export._export_decoder(torch, torch_model, shipped_path)
    engines.ensure_loaded()
    encoder = str(litemedsam_files().encoder)
    return tuple(_core.LiteMedSAMModel(encoder, str(p), 2) for p in (plain_path, shipped_path))


def test_onnx_runtime_outputs_are_bit_identical(core_decoders, embedding):
    plain, shipped = core_decoders
    for n in BOX_COUNTS:
        boxes = boxes_256(n)
        logits, iou = shipped.decode_with_iou(embedding, boxes)
        expected_logits, expected_iou = plain.decode_with_iou(embedding, boxes)
        assert logits.shape == (n, 1, 256, 256) and iou.shape == (n,)
        assert np.array_equal(logits, expected_logits)
        assert np.array_equal(iou, expected_iou)
