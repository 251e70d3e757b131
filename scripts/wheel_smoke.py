"""A smoke test of an installed wheel that needs no model and no data: it loads ONNX Runtime
from the onnxruntime wheel through the core, and runs the core's preprocessing and metrics
on arrays whose answers are known.  cibuildwheel runs it in each wheel's environment."""

from __future__ import annotations

import numpy as np

import medsam_fast
from medsam_fast import _core
from medsam_fast.models import engines


def main() -> None:
    version = engines.ensure_loaded()
    major, minor = (int(part) for part in version.split(".")[:2])
    assert (major, minor) >= (1, _core.ORT_API_VERSION), version

    image = np.zeros((100, 200, 3), np.uint8)
    image[:, 100:] = 255
    tensor, (h, w) = _core.prepare_encoder_input(image)
    assert tensor.shape == (1, 3, 256, 256) and (h, w) == (128, 256), (tensor.shape, h, w)

    gt = np.zeros((8, 32, 32), np.uint8)
    gt[2:6, 8:24, 8:24] = 1
    seg = gt.copy()
    seg[2:6, 8:24, 8:16] = 0  # half of the object
    scores = medsam_fast.metrics.dsc(gt, seg)
    assert abs(scores.per_label[1] - 2 / 3) < 1e-9, scores
    print(f"medsam_fast {medsam_fast.__version__}: ONNX Runtime {version}, core OK")


if __name__ == "__main__":
    main()
