"""What ``segment --overlay`` adds to a folder run: a 300-box 2D case on a real MR slice,
run with the overlay off and on, interleaved (interleave.py).

    pytest benchmarks/bench_overlay.py --benchmark-only [--rounds 3]

``extra_info``: each configuration's seconds per round, ``speedup`` of "overlay on"
against "overlay off" (below 1: slower; 0.97 means 3% slower), ``overlay_seconds`` (the
figure alone, timed separately) and ``pillow_imported_when_off``.
"""

import subprocess
import sys
import time

import numpy as np
from cases import warm_up
from interleave import Interleaved, record

from medsam_fast.cli.demo import DEMO_DIR
from medsam_fast.io.cases import load_case
from medsam_fast.runners.folder import segment_folder
from medsam_fast.visualize.folder import OverlayWriter

BOXES = 300


def many_boxes(tmp_path):
    """The bundled deep grey slice with 300 boxes of 8-40 px, seeded, in a folder."""
    case = load_case(DEMO_DIR / "imgs" / "2DBox_MR_colin27-deepgrey.npz")
    h, w = case.imgs.shape[:2]
    rng = np.random.default_rng(300)
    x0, y0 = rng.integers(0, w - 41, BOXES), rng.integers(0, h - 41, BOXES)
    size = rng.integers(8, 41, (BOXES, 2))
    boxes = np.stack([x0, y0, x0 + size[:, 0], y0 + size[:, 1]], axis=1)
    folder = tmp_path / "imgs"
    folder.mkdir()
    np.savez(folder / "2DBox_MR_many-boxes.npz", imgs=case.imgs, boxes=boxes)
    return folder


def test_overlay_on_a_300_box_case(benchmark, segmenter, rounds, tmp_path):
    imgs = many_boxes(tmp_path)
    warm_up(segmenter)
    writer = OverlayWriter(tmp_path / "png")
    runs = Interleaved(reference="overlay off")
    runs.add("overlay off", lambda: segment_folder(segmenter, imgs, tmp_path / "off", False))
    runs.add(
        "overlay on",
        lambda: segment_folder(segmenter, imgs, tmp_path / "on", False, after_case=writer),
    )
    benchmark.pedantic(runs.round, rounds=rounds, iterations=1)
    info = runs.summary()
    case = load_case(next(imgs.iterdir()))
    with np.load(tmp_path / "on" / case.name) as s:
        segs = s["segs"]
    started = time.perf_counter()
    writer(case, segs)
    info["overlay_seconds"] = round(time.perf_counter() - started, 4)
    info["labels"] = int(segs.max())
    code = (
        "import sys; from medsam_fast.runners.folder import segment_folder; "
        "import medsam_fast; print(any(m.split('.')[0] == 'PIL' for m in sys.modules))"
    )
    info["pillow_imported_when_off"] = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    benchmark.extra_info.update(info)
    record("2d-300-boxes overlay", runs)
