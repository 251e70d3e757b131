"""The upstream LiteMedSAM inference loop, written plainly in torch + numpy + cv2.

This is the trusted answer the C++ pipeline is checked against: the same steps as the
challenge's baseline script (resize the longest side with INTER_AREA, min-max normalise,
pad, encode every slice for every box, decode one box at a time, bilinear upsample,
threshold; 3D propagation from the middle slice with the previous mask's box), with
the z bounds inclusive as the data contract states.
"""

from __future__ import annotations

import time
from collections import defaultdict

import cv2
import numpy as np
import torch
import torch.nn.functional as F


def resize_longest_side(image: np.ndarray, target: int = 256) -> np.ndarray:
    h, w = image.shape[:2]
    scale = target * 1.0 / max(h, w)
    newh, neww = int(h * scale + 0.5), int(w * scale + 0.5)
    return cv2.resize(image, (neww, newh), interpolation=cv2.INTER_AREA)


def pad_to_256(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    pad = ((0, 256 - h), (0, 256 - w)) + (((0, 0),) if image.ndim == 3 else ())
    return np.pad(image, pad)


def encoder_input(img3c: np.ndarray) -> tuple[torch.Tensor, tuple[int, int]]:
    img256 = resize_longest_side(img3c)
    newh, neww = img256.shape[:2]
    norm = (img256 - img256.min()) / np.clip(img256.max() - img256.min(), a_min=1e-8, a_max=None)
    tensor = torch.tensor(pad_to_256(norm)).float().permute(2, 0, 1).unsqueeze(0)
    return tensor, (newh, neww)


def box_to_256(box, h: int, w: int) -> np.ndarray:
    ratio = 256 / max(h, w)
    return np.array([int(v * ratio) for v in box], dtype=np.float64)


def box_from_previous_mask(labelled_mask: np.ndarray, margin: int) -> np.ndarray | None:
    small = resize_longest_side(labelled_mask)
    if small.max() == 0:
        return None
    small = pad_to_256(small)
    ys, xs = np.nonzero(small > 0)
    hh, ww = small.shape
    return np.array(
        [
            max(0, xs.min() - margin),
            max(0, ys.min() - margin),
            min(ww, xs.max() + margin),
            min(hh, ys.max() + margin),
        ],
        dtype=np.float64,
    )


def walk_plan(box, d: int, h: int, w: int) -> tuple[np.ndarray, int, list[int]]:
    """A 3D box's propagation walk: its xy box in the 256 frame, its middle slice, and
    the slices in walk order (the middle, up to the last, down to the first)."""
    x0, y0, z0, x1, y1, z1 = (int(v) for v in box)
    z0, z1 = max(z0, 0), min(z1, d - 1)
    mid = z0 + (z1 - z0) // 2
    order = [mid] + list(range(mid + 1, z1 + 1)) + list(range(mid - 1, z0 - 1, -1))
    return box_to_256([x0, y0, x1, y1], h, w), mid, order


class BaselinePipeline:
    """The upstream loop over pluggable model calls.

    ``encode(x)``: x (1,3,256,256) float32 numpy -> an embedding (any type ``decode`` takes);
    ``decode(embedding, box256)``: box (4,) -> low-res logits (1,1,256,256) as torch or numpy.
    """

    def __init__(self, encode, decode, margin: int = 3):
        self.encode = encode
        self.decode = decode
        self.margin = margin
        self.slices_encoded = 0
        # Pixels a later box took from an earlier one: shows a case exercises the order.
        self.overwrites = 0
        self.propagated_chosen = 0  # slices where segment_confidence kept the propagated box
        self.area_guarded = 0  # slices where it passed over the most confident candidate
        self.seconds = defaultdict(float)  # model calls and mask upsampling, for benchmarks

    def embed(self, img3c: np.ndarray):
        tensor, newsize = encoder_input(img3c)
        self.slices_encoded += 1
        start = time.perf_counter()
        embedding = self.encode(tensor)
        self.seconds["encode"] += time.perf_counter() - start
        return embedding, newsize

    @torch.no_grad()
    def mask(self, embedding, box256, newsize, size) -> np.ndarray:
        start = time.perf_counter()
        low = torch.as_tensor(self.decode(embedding, np.asarray(box256, dtype=np.float64)))
        self.seconds["decode"] += time.perf_counter() - start
        return self.upsampled_mask(low, newsize, size)

    @torch.no_grad()
    def upsampled_mask(self, low, newsize, size, threshold: float | None = None) -> np.ndarray:
        """Low-res logits (1,1,256,256) -> the (h, w) 0/1 mask: sigmoid above 0.5, or the
        logits above ``threshold`` when one is given."""
        start = time.perf_counter()
        low = torch.as_tensor(low)[..., : newsize[0], : newsize[1]]
        up = F.interpolate(low, size=size, mode="bilinear", align_corners=False)
        above = torch.sigmoid(up) > 0.5 if threshold is None else up > threshold
        mask = above.squeeze().numpy().astype(np.uint8)
        self.seconds["upsample"] += time.perf_counter() - start
        return mask

    def segment(self, imgs: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """A 2D case (boxes (N,4)) or a 3D one (boxes (N,6))."""
        return (self.segment_3d if boxes.shape[1] == 6 else self.segment_2d)(imgs, boxes)

    def segment_2d(self, imgs: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        img3c = imgs if imgs.ndim == 3 else np.repeat(imgs[:, :, None], 3, axis=-1)
        h, w = img3c.shape[:2]
        segs = np.zeros((h, w), dtype=np.uint16 if len(boxes) > 255 else np.uint8)
        embedding, newsize = self.embed(img3c)
        for idx, box in enumerate(boxes, start=1):
            mask = self.mask(embedding, box_to_256(box, h, w), newsize, (h, w))
            self._paint(segs, mask, idx)
        return segs

    def _paint(self, segs: np.ndarray, mask: np.ndarray, label: int) -> None:
        """Later boxes win: label ``label`` wherever ``mask`` is set."""
        self.overwrites += int(np.count_nonzero((mask > 0) & (segs != 0) & (segs != label)))
        segs[mask > 0] = label

    def segment_slices(self, imgs: np.ndarray, boxes: np.ndarray, axis: int) -> np.ndarray:
        """The box on every slice along ``axis`` of a (D,H,W) volume, each slice a 2D case.

        Boxes are [x0, y0, z0, x1, y1, z1], bounds inclusive.  Along axis 0 the slices are
        the z planes (H,W) with the box [x0, y0, x1, y1]; along axis 1 the y planes (D,W)
        with [x0, z0, x1, z1]; along axis 2 the x planes (D,H) with [y0, z0, y1, z1].  A
        box's slice range is clipped to the volume; on each slice the boxes covering it
        are decoded in box order and later boxes win.
        """
        # Box columns giving each view's (column, row, slice) lower bounds.
        col, row, across = {0: (0, 1, 2), 1: (0, 2, 1), 2: (1, 2, 0)}[axis]
        view = np.moveaxis(imgs, axis, 0)
        count, h, w = view.shape
        segs = np.zeros(view.shape, dtype=np.uint16 if len(boxes) > 255 else np.uint8)
        covering = defaultdict(list)
        for idx, box in enumerate(boxes, start=1):
            first = int(max(0.0, float(box[across])))
            last = int(min(float(count - 1), float(box[across + 3])))
            for i in range(first, last + 1):
                covering[i].append(idx)
        for i in sorted(covering):
            embedding, newsize = self.embed(np.repeat(view[i][:, :, None], 3, axis=-1))
            for idx in covering[i]:
                b = boxes[idx - 1]
                box2d = [b[col], b[row], b[col + 3], b[row + 3]]
                mask = self.mask(embedding, box_to_256(box2d, h, w), newsize, (h, w))
                self._paint(segs[i], mask, idx)
        return np.ascontiguousarray(np.moveaxis(segs, 0, axis))

    def segment_three_view(self, imgs: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """The box on every slice along z, y and x, then the per-voxel majority vote."""
        return majority_vote([self.segment_slices(imgs, boxes, axis) for axis in range(3)])

    def segment_3d(self, imgs: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        d, h, w = imgs.shape
        segs = np.zeros(imgs.shape, dtype=np.uint8)
        for idx, box in enumerate(boxes, start=1):
            tmp = np.zeros(imgs.shape, dtype=np.uint8)
            box2d, mid, order = walk_plan(box, d, h, w)
            for z in order:
                embedding, newsize = self.embed(np.repeat(imgs[z][:, :, None], 3, axis=-1))
                if z == mid:
                    prompt = box2d
                else:
                    prev = tmp[z - 1] if z > mid else tmp[z + 1]
                    prompt = box_from_previous_mask(prev, self.margin)
                    prompt = box2d if prompt is None else prompt
                tmp[z, self.mask(embedding, prompt, newsize, (h, w)) > 0] = idx
            self._paint(segs, tmp, idx)
        return segs


def confidence_candidates(original: np.ndarray, propagated: np.ndarray | None) -> list:
    """The original box, then the propagated one clipped to the original's footprint when
    that is non-empty and differs from the original."""
    prompts = [original]
    if propagated is None:
        return prompts
    clipped = np.concatenate(
        [np.maximum(propagated[:2], original[:2]), np.minimum(propagated[2:], original[2:])]
    )
    if (
        clipped[2] >= clipped[0]
        and clipped[3] >= clipped[1]
        and not np.array_equal(clipped, original)
    ):
        prompts.append(clipped)
    return prompts


def small_box_prompts(original: np.ndarray) -> list:
    """The box shrunk by SMALL_BOX_JITTER on every side (left out when that leaves no
    width or height) and grown by it, both clipped to the 256 frame."""
    prompts = []
    for by in (-SMALL_BOX_JITTER, SMALL_BOX_JITTER):
        moved = np.clip(np.concatenate([original[:2] - by, original[2:] + by]), 0, 256)
        if moved[2] > moved[0] and moved[3] > moved[1]:
            prompts.append(moved.astype(np.float32))
    return prompts


# The confidence-guided strategy's rules (src/cpp/segment/confident_prompts.hpp).
SMALL_BOX_SIDE = 32.0  # shorter xy side in the 256 frame under which the box is small
CONFIDENT_THRESHOLD = -1.0  # the logit its masks are cut at
SMALL_BOX_JITTER = 2.0  # a small box's two prompts: the box shrunk and grown by this
SMALL_BOX_THRESHOLD = -2.0  # the logit a small box's averaged masks are cut at
CONFIDENT_DRAWN_VALUE = 1  # its walks draw every box's masks with 1, not the label
AREA_JUMP_LIMIT = 1.5  # a large box passes over candidates this much larger than the last
NEIGHBOUR_WEIGHT = 0.5  # each neighbour's weight in a slice's smoothed logits
OUTSIDE_LOGIT = -4.0  # a neighbour outside the box's z range (neighbour_smoothing.hpp)


def is_small_box(box, h: int, w: int) -> bool:
    """A 3D box [x0, y0, z0, x1, y1, z1] whose shorter xy side, in the 256 frame, is
    under SMALL_BOX_SIDE."""
    x0, y0, _, x1, y1, _ = (float(v) for v in box)
    return min(x1 - x0 + 1, y1 - y0 + 1) * 256 / max(h, w) < SMALL_BOX_SIDE


def segment_confidence(
    pipeline: BaselinePipeline,
    decode_with_iou,
    imgs,
    boxes,
    margin=7,
    area_jump_limit=AREA_JUMP_LIMIT,
    neighbour_weight=NEIGHBOUR_WEIGHT,
    outside_logit=OUTSIDE_LOGIT,
):
    """The confidence-guided walk, plainly: propagation's slice order, but every slice after
    the middle decodes the candidates in one call and keeps the highest predicted IoU
    (the first on a tie) among those whose area in the 256 frame is at most
    ``area_jump_limit`` times the previous slice's (the smallest when none is), its masks cut
    at CONFIDENT_THRESHOLD; a small box decodes its two jittered prompts on every slice,
    their mean logits cut at SMALL_BOX_THRESHOLD. Masks are drawn with
    CONFIDENT_DRAWN_VALUE, and propagated from as they are; the masks written are cut from
    each slice's kept logits smoothed along z (smoothed_along_z). Later boxes win.
    ``decode_with_iou(embedding, boxes (n,4))`` -> (logits (n,1,256,256), iou (n,))."""
    d, h, w = imgs.shape
    segs = np.zeros(imgs.shape, dtype=np.uint8)
    for idx, box in enumerate(boxes, start=1):
        tmp = np.zeros(imgs.shape, dtype=np.uint8)
        original, mid, order = walk_plan(box, d, h, w)
        small = is_small_box(box, h, w)
        threshold = SMALL_BOX_THRESHOLD if small else CONFIDENT_THRESHOLD
        areas = {}  # each slice's kept mask area in the 256 frame
        kept = {}  # each slice's kept logits (1,1,256,256), before smoothing
        for z in order:
            embedding, newsize = pipeline.embed(np.repeat(imgs[z][:, :, None], 3, axis=-1))
            if small:
                prompts = np.array(small_box_prompts(original), dtype=np.float32)
                logits, _ = decode_with_iou(embedding, prompts)
                chosen = logits.sum(axis=0, keepdims=True) / np.float32(len(prompts))
            else:
                propagated, previous_area = None, 0
                if z != mid:
                    prev = z - 1 if z > mid else z + 1
                    propagated = box_from_previous_mask(tmp[prev], margin)
                    previous_area = areas[prev]
                prompts = confidence_candidates(original, propagated)
                logits, iou = decode_with_iou(embedding, np.array(prompts, dtype=np.float32))
                crop = logits[:, 0, : newsize[0], : newsize[1]]
                area = (crop > CONFIDENT_THRESHOLD).sum(axis=(1, 2))
                allowed = [
                    k
                    for k in range(len(prompts))
                    if not previous_area or area[k] <= area_jump_limit * previous_area
                ]
                best = max(allowed, key=lambda k: (iou[k], -k)) if allowed else int(np.argmin(area))
                pipeline.area_guarded += best != int(np.argmax(iou))
                pipeline.propagated_chosen += best
                areas[z] = int(area[best])
                chosen = logits[best : best + 1]
                # The next slice's prompt comes from this unsmoothed mask; a small box
                # never propagates, so it needs none.
                mask = pipeline.upsampled_mask(chosen, newsize, (h, w), threshold)
                tmp[z, mask > 0] = CONFIDENT_DRAWN_VALUE
            kept[z] = chosen
        written = np.zeros(imgs.shape, dtype=np.uint8)
        for z, low in smoothed_along_z(kept, neighbour_weight, outside_logit).items():
            mask = pipeline.upsampled_mask(low, newsize, (h, w), threshold)
            written[z, mask > 0] = CONFIDENT_DRAWN_VALUE
        pipeline._paint(segs, written, idx)
    return segs


def smoothed_along_z(kept: dict, neighbour_weight: float, outside_logit: float) -> dict:
    """Each slice's logits {z: (1,1,256,256)} as the weighted mean of its own and its two
    neighbours' (``neighbour_weight`` each); a neighbour the walk did not reach, outside
    the box, counts as ``outside_logit``."""
    weight, outside = np.float32(neighbour_weight), np.float32(outside_logit)
    out = {}
    for z, centre in kept.items():
        below, above = kept.get(z - 1, outside), kept.get(z + 1, outside)
        total = (weight * below + centre).astype(np.float32)
        total = (total + weight * above).astype(np.float32)
        out[z] = total / (np.float32(1) + np.float32(2) * weight)
    return out


def TorchBaseline(model, margin: int = 3) -> BaselinePipeline:
    """The upstream baseline with the torch model (the conversion-time definition)."""

    @torch.no_grad()
    def encode(tensor):
        return model.image_encoder(tensor)

    @torch.no_grad()
    def decode(embedding, box256):
        boxes = torch.as_tensor(box256[None], dtype=torch.float)
        return model.decode(embedding, boxes)

    return BaselinePipeline(encode, decode, margin)


def onnx_decode_with_iou(decoder_path, threads: int):
    """``decode_with_iou`` for segment_confidence on ONNX Runtime's Python API."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    decoder = ort.InferenceSession(str(decoder_path), options, providers=["CPUExecutionProvider"])

    def decode(embedding, boxes):
        logits, iou = decoder.run(None, {"image_embeddings": embedding, "boxes": boxes})
        return logits, iou[:, 0]

    return decode


def OnnxBaseline(encoder_path, decoder_path, threads: int, margin: int = 3) -> BaselinePipeline:
    """The same loop on ONNX Runtime's Python API, as the challenge's Python entries ran it."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    encoder = ort.InferenceSession(str(encoder_path), options, providers=["CPUExecutionProvider"])
    decoder = ort.InferenceSession(str(decoder_path), options, providers=["CPUExecutionProvider"])

    def encode(tensor):
        return encoder.run(None, {"image": np.ascontiguousarray(tensor.numpy())})[0]

    def decode(embedding, box256):
        boxes = np.asarray(box256, dtype=np.float32)[None]
        return decoder.run(None, {"image_embeddings": embedding, "boxes": boxes})[0]

    return BaselinePipeline(encode, decode, margin)


def majority_vote(views: list[np.ndarray]) -> np.ndarray:
    """Per voxel, the label at least two of the three views give; where all three differ,
    the smallest of the three (numpy's bincount argmax: the first of the tied counts)."""
    stacked = np.stack(views, axis=-1).reshape(-1, 3).astype(np.int64)
    votes = np.array([np.bincount(v).argmax() for v in stacked], dtype=views[0].dtype)
    return votes.reshape(views[0].shape)


def dice(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(bool), b.astype(bool)
    total = a.sum() + b.sum()
    return 1.0 if total == 0 else 2.0 * np.logical_and(a, b).sum() / total


def per_label_dice(reference: np.ndarray, test: np.ndarray, num_labels: int) -> list[float]:
    return [dice(reference == i, test == i) for i in range(1, num_labels + 1)]
