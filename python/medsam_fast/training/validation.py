"""Validation by case: each held-out case segmented slice by slice with the model being
trained, post-processed by the core exactly as inference does (crop, bilinear upsample,
threshold), and scored with the library's own DSC and NSD.  Cases are shared out over
the ranks and the sums added up, so every rank gets the same numbers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from .. import _core
from ..evaluation import metrics
from .cases import TrainCase
from .dataset import SliceDataset, SliceRef, index_slices
from .distributed import Context, sum_over_ranks
from .frame import frame_slice

# (framed image (3,256,256) float32, key (5,), boxes (N,4)) -> logits (N,1,256,256)
Predict = Callable[[np.ndarray, np.ndarray, np.ndarray], torch.Tensor]


def segment_case(case: TrainCase, case_index: int, predict: Predict, box_source: str):
    """The case's labels predicted on every slice (along z) that holds them."""
    boxes = SliceDataset(
        [case], [SliceRef(0, 0, 0, (1,))], bbox_shift=0, box_source=box_source, flips=False
    )
    seg = np.zeros(case.gts.shape, dtype=np.uint8)
    for ref in index_slices([case], "axial"):
        image, labels = boxes.plane(ref)
        framed = frame_slice(image, labels)
        # Validation prompts with the box itself, no jitter: the score of a clean prompt.
        rng = np.random.default_rng(0)
        frame_boxes = np.stack(
            [
                boxes.frame_box(ref, label, framed.labels, labels.shape, rng, False, False)
                for label in ref.labels
            ]
        ).astype(np.float32)
        key = np.array([case_index, 0, ref.index, 0, 0], dtype=np.int64)
        logits = predict(framed.image, key, frame_boxes).float().cpu().numpy()
        plane = seg[ref.index] if case.is_3d else seg
        h, w = framed.resized
        for label, one in zip(ref.labels, logits, strict=True):
            mask = _core.logits_to_mask(np.ascontiguousarray(one[0]), h, w, *framed.shape)
            plane[mask.astype(bool)] = label
    return seg


def validate(
    ctx: Context,
    cases: list[TrainCase],
    predict: Predict,
    box_source: str,
) -> dict[str, float]:
    """Mean case DSC and NSD over ``cases`` (the challenge's case values), every rank
    scoring its share; NaN without cases."""
    dsc_sum = nsd_sum = count = 0.0
    for i in range(ctx.rank, len(cases), ctx.world):
        case = cases[i]
        seg = segment_case(case, i, predict, box_source)
        gts = np.asarray(case.gts)
        dsc, nsd = metrics.case_scores(gts, seg, spacing=case.spacing if case.is_3d else None)
        if not np.isnan(dsc):
            dsc_sum, nsd_sum, count = dsc_sum + dsc, nsd_sum + nsd, count + 1
    dsc_sum, nsd_sum, count = sum_over_ranks(ctx, [dsc_sum, nsd_sum, count])
    if count == 0:
        return {"dsc": float("nan"), "nsd": float("nan"), "cases": 0}
    return {"dsc": dsc_sum / count, "nsd": nsd_sum / count, "cases": int(count)}
