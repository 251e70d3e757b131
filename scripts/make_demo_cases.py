#!/usr/bin/env python3
"""Rebuild the bundled demo cases from Debian's mricron-data (needs nibabel)."""

import sys
from pathlib import Path

import numpy as np

from medsam_fast.io.atomic import write_npz_atomic

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the realdata case builders live with the tests

from realdata import colin27  # noqa: E402

DEMO = ROOT / "python" / "medsam_fast" / "demo"

CASES = {
    "3DBox_MR_colin27-thalamus.npz": lambda: colin27.case_3d((77, 78)),
    "2DBox_MR_colin27-deepgrey.npz": lambda: colin27.case_2d(80),
}

for name, make in CASES.items():
    case = make()
    gts = case.pop("gts")
    write_npz_atomic(DEMO / "imgs" / name, **case)
    write_npz_atomic(DEMO / "gts" / name, gts=gts)
    print(name, {k: np.shape(v) for k, v in case.items()})
