"""The bundled demo: real MRI cases segmented with the bundled LiteMedSAM."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .batch import segment_folder

DEMO_DIR = Path(__file__).parent / "demo"


def dice_per_label(gts: np.ndarray, segs: np.ndarray) -> list[float]:
    values = []
    for label in range(1, int(gts.max()) + 1):
        a, b = gts == label, segs == label
        total = a.sum() + b.sum()
        values.append(float("nan") if total == 0 else 2.0 * np.logical_and(a, b).sum() / total)
    return values


def run_demo(segmenter, output_dir, log=print) -> int:
    result = segment_folder(segmenter, DEMO_DIR / "imgs", output_dir, log=log)
    for name in result.times:
        with np.load(DEMO_DIR / "gts" / name) as g, np.load(Path(output_dir) / name) as s:
            dsc = dice_per_label(g["gts"], s["segs"])
        log(f"{name}: DSC against the atlas labels {np.nanmean(dsc):.3f} "
            f"(per label: {', '.join(f'{v:.3f}' for v in dsc)})")
    log(f"segmentations and efficiency.csv in {output_dir}")
    return 0 if result.ok else 1
