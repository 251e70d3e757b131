"""The ``demo`` command: the bundled real MRI cases (``medsam_fast/demo``) segmented with
the bundled LiteMedSAM and scored against their atlas labels."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..evaluation import metrics
from ..runners.folder import segment_folder

DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"

log = logging.getLogger(__name__)


def run_demo(segmenter, output_dir) -> int:
    result = segment_folder(segmenter, DEMO_DIR / "imgs", output_dir)
    for name in result.times:
        with np.load(DEMO_DIR / "gts" / name) as g, np.load(Path(output_dir) / name) as s:
            scores = metrics.dsc(g["gts"], s["segs"])
        log.info(
            "%s: DSC against the atlas labels %.3f (per label: %s)",
            name,
            scores.mean,
            ", ".join(f"{v:.3f}" for v in scores.per_label.values()),
        )
    log.info("segmentations and efficiency.csv in %s", output_dir)
    return 0 if result.ok else 1
