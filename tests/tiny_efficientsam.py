"""A tiny EfficientSAM-format ONNX pair the tests build themselves (no weights exist here).

encoder: the normalised input padded from 3 to 256 channels, so the embedding holds the
core's preprocessing.  decoder: from the box corners (points labelled 2 and 3) it draws
three masks in the 256 logit frame: mask 0 = the box grown by 1000 (everything), mask 1 =
the box exactly, mask 2 = nothing; the box masks are pushed 1000 below zero when the
corner labels are not 2 and 3.  Predicted IoUs are 0.2, 0.9, 0.1, so "best_iou" keeps
mask 1.  Logits are the signed distance (in the S frame) to the box's nearest edge, a
linear field, so bilinear and bicubic upsampling reproduce it away from the corners.
"""

from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from medsam_fast.models import EFFICIENTSAM

SIZE = 64
IOU = np.array([[0.2, 0.9, 0.1]], dtype=np.float32)


def _const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def _encoder() -> onnx.ModelProto:
    pads = _const("pads", np.array([0, 0, 0, 0, 0, 253, 0, 0], dtype=np.int64))
    graph = helper.make_graph(
        [helper.make_node("Pad", ["image", "pads"], ["embeddings"], mode="constant")],
        "tiny_encoder",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, [1, 256, 64, 64])],
        [pads],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _decoder() -> onnx.ModelProto:
    centres = (np.arange(256, dtype=np.float32) + 0.5) * SIZE / 256
    inits = [
        _const("grid_x", np.broadcast_to(centres[None, None, :], (1, 256, 256)).copy()),
        _const("grid_y", np.broadcast_to(centres[None, :, None], (1, 256, 256)).copy()),
        _const("iou_base", IOU),
        _const("two", np.float32(2)),
        _const("three", np.float32(3)),
        _const("big", np.float32(1000)),
        _const("zero", np.float32(0)),
        _const("axes12", np.array([1, 2], dtype=np.int64)),
        _const("axis1", np.array([1], dtype=np.int64)),
    ]
    for name, (start, end) in {
        "x0": ([0, 0], [1, 1]),
        "y0": ([0, 1], [1, 2]),
        "x1": ([1, 0], [2, 1]),
        "y1": ([1, 1], [2, 2]),
    }.items():
        inits += [
            _const(f"{name}_s", np.array(start, np.int64)),
            _const(f"{name}_e", np.array(end, np.int64)),
        ]
    inits += [
        _const("l0_s", np.array([0], np.int64)),
        _const("l0_e", np.array([1], np.int64)),
        _const("l1_s", np.array([1], np.int64)),
        _const("l1_e", np.array([2], np.int64)),
    ]
    n = helper.make_node
    nodes = [
        n("Slice", ["point_coords", f"{c}_s", f"{c}_e", "axes12"], [c])
        for c in ("x0", "y0", "x1", "y1")
    ]
    nodes += [
        n("Sub", ["grid_x", "x0"], ["dl"]),
        n("Sub", ["x1", "grid_x"], ["dr"]),
        n("Sub", ["grid_y", "y0"], ["dt"]),
        n("Sub", ["y1", "grid_y"], ["db"]),
        n("Min", ["dl", "dr", "dt", "db"], ["inside"]),
        n("Slice", ["point_labels", "l0_s", "l0_e", "axis1"], ["l0"]),
        n("Slice", ["point_labels", "l1_s", "l1_e", "axis1"], ["l1"]),
        n("Sub", ["l0", "two"], ["e0"]),
        n("Abs", ["e0"], ["a0"]),
        n("Sub", ["l1", "three"], ["e1"]),
        n("Abs", ["e1"], ["a1"]),
        n("Add", ["a0", "a1"], ["label_error"]),
        n("Mul", ["label_error", "big"], ["penalty2d"]),
        n("Unsqueeze", ["penalty2d", "axis1"], ["penalty"]),
        n("Sub", ["inside", "penalty"], ["box_mask"]),
        n("Add", ["box_mask", "big"], ["all_mask"]),
        n("Sub", ["box_mask", "big"], ["none_mask"]),
        n("Unsqueeze", ["all_mask", "axis1"], ["m0"]),
        n("Unsqueeze", ["box_mask", "axis1"], ["m1"]),
        n("Unsqueeze", ["none_mask", "axis1"], ["m2"]),
        n("Concat", ["m0", "m1", "m2"], ["low_res_logits"], axis=1),
        n("Mul", ["l0", "zero"], ["no_iou"]),
        n("Add", ["no_iou", "iou_base"], ["iou_predictions"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_decoder",
        [
            helper.make_tensor_value_info("image_embeddings", TensorProto.FLOAT, [1, 256, 64, 64]),
            helper.make_tensor_value_info("point_coords", TensorProto.FLOAT, ["n", "p", 2]),
            helper.make_tensor_value_info("point_labels", TensorProto.FLOAT, ["n", "p"]),
        ],
        [
            helper.make_tensor_value_info("low_res_logits", TensorProto.FLOAT, ["n", 3, 256, 256]),
            helper.make_tensor_value_info("iou_predictions", TensorProto.FLOAT, ["n", 3]),
        ],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def write_tiny_pair(folder: Path, **description_changes) -> Path:
    """The pair plus its model.json (EfficientSAM's description at input size 64)."""
    folder.mkdir(parents=True, exist_ok=True)
    description = replace(EFFICIENTSAM, input_size=SIZE, **description_changes)
    for model, file in ((_encoder(), description.encoder), (_decoder(), description.decoder)):
        onnx.checker.check_model(model)
        onnx.save(model, str(folder / file))
    (folder / "model.json").write_text(description.to_json())
    return folder
