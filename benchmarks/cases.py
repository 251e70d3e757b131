"""Real cases for the benchmarks (Debian's mricron-data, scikit-image's bundled data)."""

import numpy as np

from realdata import colin27, itk_t1


def microscopy_many_boxes(scale: int = 4) -> dict:
    """scikit-image's immunohistochemistry slide enlarged to 2048x2048, one box per nucleus
    (hematoxylin above its 90th percentile, opened, components over 30 px): 113 boxes."""
    import cv2
    import scipy.ndimage as ndi
    from skimage import data
    from skimage.color import rgb2hed

    image = data.immunohistochemistry()
    hematoxylin = rgb2hed(image)[..., 0]
    nuclei = ndi.binary_opening(hematoxylin > np.percentile(hematoxylin, 90), iterations=2)
    labels, count = ndi.label(nuclei)
    boxes = []
    for i, found in enumerate(ndi.find_objects(labels), start=1):
        if found is not None and (labels[found] == i).sum() > 30:
            ys, xs = found
            boxes.append([xs.start, ys.start, xs.stop - 1, ys.stop - 1])
    big = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    return {"imgs": big, "boxes": np.array(boxes, dtype=np.int64) * scale}


def covered_slices(boxes, depth: int) -> list[int]:
    """The distinct slices, within a volume of `depth`, that 3D boxes (N,6) cover."""
    return sorted(
        {z for b in boxes for z in range(max(0, int(b[2])), min(depth - 1, int(b[5])) + 1)}
    )


def reference_slice_input() -> np.ndarray:
    """The encoder input of one real slice (Colin27 axial 80), for timing model calls alone."""
    from medsam_fast import _core

    t1, _ = colin27.load()
    return _core.prepare_encoder_input(np.ascontiguousarray(t1[80]))[0]


def warm_up(segmenter) -> None:
    """Create every session a case can need (the second pair for 3D propagation and for
    many 2D boxes) before any timing, so no round pays for it."""
    rng = np.random.default_rng(0)
    volume = rng.integers(0, 255, (3, 64, 64), dtype=np.uint8)
    segmenter.segment({"imgs": volume, "boxes": np.array([[8, 8, 0, 40, 40, 2]] * 2)})
    segmenter.segment({"imgs": volume[0], "boxes": np.array([[8, 8, 40, 40]] * 9)})


CASES = {
    "3d-deepgrey-8": lambda: colin27.case_3d(tuple(colin27.DEEP_GREY)),
    "2d-deepgrey-6": lambda: colin27.case_2d(80),
    "2d-microscopy-113": microscopy_many_boxes,
}

# Small enough to run the torch baseline on (bench_cases.py).
TORCH_CASES = {
    "2d-deepgrey": lambda: colin27.case_2d(80),
    "3d-thalamus": lambda: colin27.case_3d((77, 78)),
    "3d-pallidum": lambda: colin27.case_3d((75, 76)),
}

# Real cases with ground truth for the engine and precision comparison (bench_engines.py):
# Colin27's AAL structures and ITK's second T1 with its brain mask.
LABELLED_CASES = {
    "3d-deepgrey-8": lambda: colin27.case_3d(tuple(colin27.DEEP_GREY)),
    "2d-deepgrey-z70": lambda: colin27.case_2d(70),
    "2d-deepgrey-z80": lambda: colin27.case_2d(80),
    "2d-deepgrey-z90": lambda: colin27.case_2d(90),
    "3d-itk-brain": itk_t1.case_3d,
    "2d-itk-brain": itk_t1.case_2d,
}
