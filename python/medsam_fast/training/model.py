"""LiteMedSAM for training: the project's torch model plus the two parts inference never
runs (the IoU prediction head, which the upstream loss trains, and the prompt encoder's
mask branch, kept so a saved state dict has exactly the upstream checkpoint's keys), and
which parameters train in each mode.

Parameters that get no gradient from a box prompt with a single mask output (the point
embeddings other than the box corners, the mask branch, the hypernetwork MLPs of mask
tokens 1-3) are frozen, so DDP needs no search for unused parameters.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..convert.litemedsam_torch import PROMPT_DIM, LayerNorm2d, LiteMedSAM

MASK_IN_CHANNELS = 16
# Never reached from a box prompt with multimask_output=False.
NO_GRADIENT_PREFIXES = (
    "prompt_encoder.point_embeddings.0.",
    "prompt_encoder.point_embeddings.1.",
    "prompt_encoder.not_a_point_embed.",
    "prompt_encoder.mask_downscaling.",
    "mask_decoder.output_hypernetworks_mlps.1.",
    "mask_decoder.output_hypernetworks_mlps.2.",
    "mask_decoder.output_hypernetworks_mlps.3.",
)
TRAINED_PREFIXES = {
    "decoder": ("prompt_encoder.", "mask_decoder."),
    "encoder": ("image_encoder.",),
    "all": ("image_encoder.", "prompt_encoder.", "mask_decoder."),
}


class CheckpointKeyError(ValueError):
    """A checkpoint whose keys are not LiteMedSAM's."""


def _mask_downscaling() -> nn.Sequential:
    c = MASK_IN_CHANNELS
    return nn.Sequential(
        nn.Conv2d(1, c // 4, kernel_size=2, stride=2),
        LayerNorm2d(c // 4),
        nn.GELU(),
        nn.Conv2d(c // 4, c, kernel_size=2, stride=2),
        LayerNorm2d(c),
        nn.GELU(),
        nn.Conv2d(c, PROMPT_DIM, kernel_size=1),
    )


def build_model() -> LiteMedSAM:
    """LiteMedSAM with the prompt encoder's mask branch too, keyed as the upstream checkpoint."""
    model = LiteMedSAM()
    model.prompt_encoder.mask_downscaling = _mask_downscaling()
    return model


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """A plain state dict from an upstream checkpoint ({"model": ...} or plain), with
    DDP's ``module.`` prefix removed."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: checkpoint not found") from None
    except Exception as exc:  # torch raises many types for a damaged or foreign file
        raise CheckpointKeyError(f"{path}: not a readable torch checkpoint ({exc})") from None
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise CheckpointKeyError(f"{path}: not a state dict")
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module.") :]: v for k, v in state.items()}
    return state


def load_model(path: str | Path) -> LiteMedSAM:
    """The trainable model with every key of ``path`` loaded; refuses other keys."""
    model = build_model()
    state = read_state_dict(path)
    expected = set(model.state_dict())
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        raise CheckpointKeyError(
            f"{path}: not a LiteMedSAM checkpoint (missing {len(missing)} key(s) "
            f"{missing[:3]}, unexpected {len(unexpected)} {unexpected[:3]})"
        )
    model.load_state_dict(state, strict=True)
    return model


def set_trainable(model: LiteMedSAM, part: str) -> list[str]:
    """Freezes everything but ``part`` (minus the parameters no gradient reaches);
    returns the names that train."""
    trained = []
    for name, parameter in model.named_parameters():
        train = name.startswith(TRAINED_PREFIXES[part]) and not name.startswith(
            NO_GRADIENT_PREFIXES
        )
        parameter.requires_grad_(train)
        if train:
            trained.append(name)
    return trained


def set_modes(model: LiteMedSAM, part: str, train_batchnorm: bool) -> None:
    """Training mode, except BatchNorm (eval unless asked: the ONNX model's statistics,
    and a gradient that does not depend on how the batch is split over processes) and a
    frozen encoder."""
    model.train()
    if part == "decoder":
        model.image_encoder.eval()
    if not train_batchnorm:
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()


class TrainingForward(nn.Module):
    """What DDP wraps: (encoder input or cached embeddings, frame boxes) -> (low-res
    logits (B, 1, 256, 256), predicted IoU (B, 1))."""

    def __init__(self, model: LiteMedSAM, from_embeddings: bool):
        super().__init__()
        self.model = model
        self.from_embeddings = from_embeddings
        # The image positional encoding depends only on a buffer no step changes, and
        # it is computed in float64 on the CPU (as the conversion does, for the same
        # bits): once here, on the model's device, and moved with the module.
        self.register_buffer("image_pe", model.prompt_encoder.pe_layer.dense(), persistent=False)

    def forward(self, inputs: torch.Tensor, boxes: torch.Tensor):
        lite = self.model
        embeddings = inputs if self.from_embeddings else lite.image_encoder(inputs)
        sparse, dense = lite.prompt_encoder(boxes)
        return lite.mask_decoder.forward_with_iou(embeddings, self.image_pe, sparse, dense)
