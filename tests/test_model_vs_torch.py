"""The ONNX models run by the C++ core against the torch model they were converted from."""

import numpy as np
import pytest
import torch

from reference_pipeline import box_to_256, dice, encoder_input

SLICES = (60, 80, 100)


@pytest.fixture(scope="module")
def real_inputs(colin):
    t1, _ = colin.load()
    return [encoder_input(np.repeat(t1[z][:, :, None], 3, axis=2)) for z in SLICES]


@pytest.mark.slow
def test_onnx_embeddings_match_torch_on_real_slices(segmenter, torch_model, real_inputs):
    for tensor, _ in real_inputs:
        ours = segmenter.model.encode(np.ascontiguousarray(tensor.numpy()))
        with torch.no_grad():
            expected = torch_model.image_encoder(tensor).numpy()
        # Observed ~3e-6; the embeddings span about +-1.
        assert np.abs(ours - expected).max() < 1e-4


def test_batched_encoding_equals_one_at_a_time(segmenter, real_inputs):
    batch = np.ascontiguousarray(np.concatenate([t.numpy() for t, _ in real_inputs[:2]]))
    together = segmenter.model.encode(batch)
    for i in range(2):
        alone = segmenter.model.encode(np.ascontiguousarray(batch[i : i + 1]))
        assert np.abs(together[i] - alone[0]).max() < 1e-5


def test_onnx_decoder_logits_match_torch(segmenter, torch_model, real_inputs):
    tensor, _ = real_inputs[1]
    with torch.no_grad():
        embedding = torch_model.image_encoder(tensor)
    boxes = np.array(
        [[60, 70, 120, 140], [10, 10, 250, 250], [100, 90, 110, 130]], dtype=np.float32
    )
    ours = segmenter.model.decode(embedding.numpy(), boxes)
    with torch.no_grad():
        expected = torch_model.decode(embedding, torch.from_numpy(boxes)).numpy()
    assert ours.shape == (3, 1, 256, 256)
    assert np.abs(ours - expected).max() < 1e-3 * np.abs(expected).max()


@pytest.mark.slow
def test_single_slice_masks_agree_with_torch(segmenter, reference, colin):
    """Same slice, same prompts: the full C++ path (preprocess, ONNX, upsample) against torch."""
    case = colin.case_2d(80)
    image, boxes = case["imgs"], case["boxes"]
    h, w = image.shape[:2]
    segmenter.set_image(image)
    ours = segmenter.predict(boxes)
    embedding, newsize = reference.embed(image)
    for box, mask in zip(boxes, ours, strict=True):
        expected = reference.mask(embedding, box_to_256(box, h, w), newsize, (h, w))
        assert dice(expected, mask) >= 0.99
