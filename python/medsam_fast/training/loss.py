"""The upstream LiteMedSAM loss, weights 1/1/1, over the padded 256x256 frame:
- Dice on sigmoid probabilities with squared denominators, per sample, then the mean
  (MONAI's ``DiceLoss(sigmoid=True, squared_pred=True, reduction="mean")``, smoothing 1e-5);
- binary cross-entropy with logits, mean over every pixel;
- MSE between the predicted IoU and the IoU of (sigmoid > 0.5) with the ground truth.
Every part is a mean of per-sample terms of equal size, so the loss of a batch split over
processes, averaged, is the loss of the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

SMOOTH = 1e-5


@dataclass
class LossParts:
    total: torch.Tensor
    dice: torch.Tensor
    bce: torch.Tensor
    iou_mse: torch.Tensor

    def values(self) -> dict[str, float]:
        return {k: float(getattr(self, k).detach()) for k in ("total", "dice", "bce", "iou_mse")}


def dice_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    probs = torch.sigmoid(logits)
    dims = tuple(range(2, logits.ndim))
    intersection = (probs * target).sum(dims)
    denominator = (probs * probs).sum(dims) + (target * target).sum(dims)
    return (1.0 - (2.0 * intersection + SMOOTH) / (denominator + SMOOTH)).mean()


def mask_iou(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(B, 1): IoU of the thresholded prediction with the target (no gradient)."""
    with torch.no_grad():
        predicted = torch.sigmoid(logits) > 0.5
        truth = target > 0.5
        dims = tuple(range(1, logits.ndim))
        intersection = (predicted & truth).sum(dims).float()
        union = (predicted | truth).sum(dims).float().clamp_min(1.0)
        return (intersection / union).unsqueeze(1)


def upstream_loss(logits: torch.Tensor, iou_pred: torch.Tensor, target: torch.Tensor) -> LossParts:
    """``logits`` and ``target`` (B, 1, 256, 256), ``iou_pred`` (B, 1)."""
    dice = dice_loss(logits, target)
    bce = F.binary_cross_entropy_with_logits(logits, target)
    iou_mse = F.mse_loss(iou_pred, mask_iou(logits, target))
    return LossParts(dice + bce + iou_mse, dice, bce, iou_mse)
