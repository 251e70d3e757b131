#!/usr/bin/env python3
"""Fuzz target over the C++ core's entry points, the npz reader and the 2D pipeline.

    pip install atheris
    python tests/fuzz_core.py CORPUS_DIR -max_total_time=300 -rss_limit_mb=3000

The bytes pick an entry point and then build valid arguments from the rest (plausible
shapes, dtypes and contents; a real npz file), so most inputs reach the computation; a
small share of inputs is made invalid on purpose.  Every result is checked against
invariants (shapes, dtypes, ranges, and numpy oracles where one is cheap).  Each entry
point accepts only the clear errors it documents; any other exception, a failed
invariant, a crash or a hang is a finding.  STATS counts per entry point how many inputs
reached the computation and how many were rejected; tests/test_fuzz_regressions.py
replays a seeded corpus, asserts on those shares, and replays the stored findings.
"""

from __future__ import annotations

import io
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from medsam_fast import _core, metrics
from medsam_fast.io.cases import CaseError, load_case

INTS = [np.uint8, np.int16, np.uint16, np.int32, np.int64, np.uint32, np.bool_]
INTENSITY = [np.uint8, np.int16, np.uint16, np.int32, np.float32, np.float64]
STATS: dict[str, Counter] = defaultdict(Counter)
LAST_REJECTION: list[str] = []  # [entry point, message] of the last rejected input


class Rejected(Exception):
    """Raised by a target when its arguments were refused with an accepted error."""


class Bytes:
    """A small FuzzedDataProvider that works without atheris (for the regression test)."""

    def __init__(self, data: bytes):
        # Choices read from the front, array contents from the back, so a large array
        # never starves the choices that follow it.
        self.data, self.at, self.end = data, 0, len(data)

    def int(self, lo: int, hi: int) -> int:
        if self.at + 2 > self.end:
            return lo
        value = self.data[self.at] | (self.data[self.at + 1] << 8)
        self.at += 2
        return lo + value % (hi - lo + 1)

    def chance(self, one_in: int) -> bool:
        """True about once in one_in inputs; False once the bytes run out."""
        return self.at + 2 <= self.end and self.int(0, one_in - 1) == 0

    def pick(self, options):
        return options[self.int(0, len(options) - 1)]

    def real(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.int(0, 1000) / 1000

    def raw(self, shape, dtype) -> np.ndarray:
        """Array of the fuzz bytes themselves (any bit pattern: NaN, inf, huge values)."""
        n = int(np.prod(shape)) * np.dtype(dtype).itemsize
        take = min(n, (self.end - self.at) // 2)
        chunk = self.data[self.end - take : self.end]
        self.end -= take
        raw = (chunk * (n // max(len(chunk), 1) + 1))[:n] if chunk else bytes(n)
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()

    def small(self, shape, dtype, top: int) -> np.ndarray:
        """Array of values 0..top (labels, intensities) built from the fuzz bytes."""
        return (self.raw(shape, np.uint8).astype(np.int64) % (top + 1)).astype(dtype)

    def shape(self, rank: int, lo: int, hi: int) -> tuple:
        return tuple(self.int(lo, hi) for _ in range(rank))

    def box(self, h: int, w: int) -> list[float]:
        x0, x1 = sorted((self.int(0, w - 1), self.int(0, w - 1)))
        y0, y1 = sorted((self.int(0, h - 1), self.int(0, h - 1)))
        return [x0, y0, x1, y1]


def expect(errors, call, *args, **kwargs):
    """Runs call; an accepted error with a message becomes Rejected, anything else escapes."""
    try:
        return call(*args, **kwargs)
    except errors as exc:
        assert str(exc), f"{type(exc).__name__} without a message"
        raise Rejected(type(exc).__name__) from exc


CLEAR = (ValueError, TypeError)


def _image(f: Bytes, lo: int, hi: int, channels=(None, 3)) -> np.ndarray:
    c = f.pick(channels)
    shape = f.shape(2, lo, hi) + (() if c is None else (c,))
    return f.raw(shape, np.uint8)


def _spoil(f: Bytes, a: np.ndarray) -> np.ndarray:
    """An invalid variant of an argument array: dtype, rank, emptiness or memory order."""
    kind = f.int(0, 3)
    if kind == 0:
        return a.astype(f.pick([np.float32, np.int32, np.bool_]))
    if kind == 1:
        return a.reshape(a.shape + (1, 1))
    if kind == 2:
        return a[:0]
    return np.asfortranarray(a) if a.ndim > 1 and a.shape[0] > 1 and a.shape[1] > 1 else a[:0]


def _resize(f: Bytes):
    image = _image(f, 1, 40, (None, 1, 2, 3, 4))
    out_h, out_w = f.int(1, 64), f.int(1, 64)
    if f.chance(16):
        image, out_h = _spoil(f, image), f.int(-2, 64)
    out = expect(CLEAR, _core.resize_area, image, out_h, out_w)
    assert out.dtype == np.uint8 and out.shape == (out_h, out_w) + image.shape[2:]
    lo, hi = image.min(axis=(0, 1)), image.max(axis=(0, 1))
    assert np.all(out.min(axis=(0, 1)) >= lo) and np.all(out.max(axis=(0, 1)) <= hi)
    if (out_h, out_w) == image.shape[:2]:
        assert np.array_equal(out, image)


def _encoder_input(f: Bytes):
    image = _image(f, 1, 60)
    if f.chance(16):
        image = _spoil(f, image)
    x, (h, w) = expect(CLEAR, _core.prepare_encoder_input, image)
    assert x.dtype == np.float32 and x.shape == (1, 3, 256, 256)
    assert (h, w) == _core.longest_side_extent(*image.shape[:2]) and max(h, w) == 256
    assert np.all(np.isfinite(x)) and x.min() >= 0 and x.max() <= 1 + 1e-6
    assert not x[:, :, h:].any() and not x[:, :, :, w:].any()


def _logits(f: Bytes):
    rh, rw, h, w = f.int(1, 256), f.int(1, 256), f.int(1, 300), f.int(1, 300)
    fill = f.int(0, 2)  # fuzz floats (NaN, inf), all negative, all positive
    logits = np.full((256, 256), 1.0 if fill == 2 else -1.0, np.float32)
    if fill == 0:
        logits = f.raw((256, 256), np.float32)
    if f.chance(16):
        logits, rh = _spoil(f, logits), f.int(-1, 300)
    mask = expect(CLEAR, _core.logits_to_mask, logits, rh, rw, h, w)
    assert mask.dtype == np.uint8 and mask.shape == (h, w) and mask.max(initial=0) <= 1
    if fill:
        assert np.all(mask == (fill == 2))


def _propagation(f: Bytes):
    mask = f.small(f.shape(2, 1, 80), np.uint8, f.int(1, 3)) * f.int(0, 1)
    label, margin = f.int(1, 255), f.int(0, 20)
    if f.chance(16):
        mask, margin = (_spoil(f, mask), margin) if f.chance(2) else (mask, f.int(-5, 300))
    box = expect(CLEAR, _core.propagation_box, mask, label, margin)
    if not mask.any():
        assert box is None
    if box is not None:
        x0, y0, x1, y1 = box
        assert 0 <= x0 <= x1 <= 256 and 0 <= y0 <= y1 <= 256, box


def _box_to_frame(f: Bytes):
    h, w = f.int(1, 2000), f.int(1, 2000)
    x0, y0, x1, y1 = f.box(h, w)
    b = _core.box_to_frame(x0, y0, x1, y1, h, w)
    assert all(0 <= v <= 256 for v in b) and b[0] <= b[2] and b[1] <= b[3], b


def _vote(f: Bytes):
    shape, dtype = f.shape(3, 1, 9), f.pick([np.uint8, np.uint16])
    a, b, c = (f.small(shape, dtype, f.int(0, 4)) for _ in range(3))
    out = np.zeros(shape, dtype)
    if f.chance(16):
        out = _spoil(f, out)
    expect(CLEAR, _core.majority_vote, a, b, c, out)
    want = np.where((a == b) | (a == c), a, np.where(b == c, b, np.minimum(np.minimum(a, b), c)))
    assert np.array_equal(out, want)


def _label_maps(f: Bytes):
    shape = f.shape(f.int(2, 3), 1, 10)
    dtype, top = f.pick(INTS), f.int(0, 5)
    gt, seg = f.small(shape, dtype, top), f.small(shape, dtype, top)
    if f.chance(4):  # seg a copy of gt with a few voxels changed: high scores
        seg = gt.copy()
        seg.flat[f.int(0, seg.size - 1)] = f.int(0, top)
    return gt, seg


def _metrics(f: Bytes):
    gt, seg = _label_maps(f)
    labels = None if f.chance(2) else [f.int(1, 8) for _ in range(f.int(1, 4))]
    spacing, tolerance = [f.real(0.25, 4) for _ in range(3)], f.real(0, 6)
    which, huge = f.int(0, 2), f.chance(24) and gt.dtype.itemsize >= 4 and gt.dtype != np.bool_
    if huge:  # an id beyond MAX_LABEL_ID: scoring 1..id would allocate a counter per id
        gt.flat[f.int(0, gt.size - 1)] = 1_000_001 + f.int(0, 65535) * f.int(1, 32767)
        labels = None
    elif labels is not None and f.chance(8):
        labels.append(2**40)  # absent: NaN, never a huge allocation
    if f.chance(16):
        bad = f.int(0, 3)
        if bad == 0:
            seg = seg[:1]
        elif bad == 1:
            gt = gt.astype(np.float32)
        elif bad == 2:
            spacing = [0.0, 1.0, -1.0]
        else:
            labels = [0, -1]
    if which == 0:
        scores = expect(CLEAR, metrics.dsc, gt, seg, labels=labels).per_label
    elif which == 1:
        scores = expect(CLEAR, metrics.nsd, gt, seg, spacing, tolerance, labels, threads=1)
        scores = scores.per_label
    else:
        d, n = expect(CLEAR, metrics.case_scores, gt, seg, spacing, tolerance, threads=1)
        assert (np.isnan(d) or 0 <= d <= 1) and (np.isnan(n) or 0 <= n <= 1), (d, n)
        if not d > 0.2:
            assert n == 0.0
        return
    assert not huge, "a huge label id was scored instead of refused"
    want = labels if labels is not None else range(1, int(gt.max(initial=0)) + 1)
    assert list(scores) == list(dict.fromkeys(int(x) for x in want))
    for label, value in scores.items():
        g, s = gt == label, seg == label
        if not (g.any() or s.any()):
            assert np.isnan(value), (label, value)
            continue
        assert 0 <= value <= 1, (label, value)
        if which == 0:
            assert abs(value - 2 * (g & s).sum() / (g.sum() + s.sum())) < 1e-12
        elif np.array_equal(g, s):
            assert abs(value - 1) < 1e-9, (label, value)


def _window(f: Bytes):
    volume = _intensity_volume(f)
    lo, hi = sorted((f.real(-3000, 3000), f.real(-3000, 3000)))
    keep_zero = f.chance(2)
    if f.chance(16):
        lo, hi = hi + 1, lo
    out = expect(CLEAR, _core.window_to_uint8, volume, lo, hi, keep_zero)
    assert out.dtype == np.uint8 and out.shape == volume.shape
    if keep_zero:
        assert not out[volume == 0].any()
    v = np.clip(volume.astype(np.float64), lo, hi)  # NaN stays NaN and must become 0
    known = ~np.isnan(v)
    if known.any():
        span = v[known].max() - v[known].min()
        want = (v - v[known].min()) / span * 255 if span > 0 else np.zeros_like(v)
        want[((volume == 0) & keep_zero) | ~known] = 0
        assert np.array_equal(out, np.clip(want, 0, 255).astype(np.uint8))
    else:
        assert not out.any()


def _percentiles(f: Bytes):
    volume = _intensity_volume(f)
    p_lo, p_hi = sorted((f.real(0, 100), f.real(0, 100)))
    if f.chance(16):
        p_lo, p_hi = f.pick([(p_hi + 1, p_lo), (-1.0, p_hi), (p_lo, 101.0)])
    got = expect(CLEAR, _core.nonzero_percentiles, volume, p_lo, p_hi)
    values = volume[(volume != 0) & np.isfinite(volume)].astype(np.float64)
    if values.size == 0:
        assert got is None
        return
    assert got is not None and got[0] <= got[1], got
    assert values.min() <= got[0] and got[1] <= values.max(), got
    want = np.percentile(values, [p_lo, p_hi])
    assert np.allclose(got, want, rtol=1e-9, atol=1e-9), (got, want)


def _intensity_volume(f: Bytes) -> np.ndarray:
    shape, dtype = f.shape(f.int(1, 3), 1, 16), f.pick(INTENSITY)
    if f.chance(3):  # any bit pattern: NaN, inf, extremes
        volume = f.raw(shape, dtype)
    else:  # sparse, CT-like values
        volume = (f.small(shape, np.int64, 255) - 64) * f.int(1, 12)
        volume = (
            volume.astype(dtype) if np.dtype(dtype).kind != "u" else np.abs(volume).astype(dtype)
        )
    if f.chance(16):
        volume = _spoil(f, volume)
    return volume


def _npz_bytes(f: Bytes, name: str) -> tuple[bytes, np.ndarray, np.ndarray]:
    is_3d = name.startswith("3D")
    if is_3d:
        imgs = f.raw(f.shape(3, 1, 10), np.uint8)
        d, h, w = imgs.shape
        boxes = []
        for _ in range(f.int(0, 3)):
            x0, y0, x1, y1 = f.box(h, w)
            z0, z1 = sorted((f.int(0, d - 1), f.int(0, d - 1)))
            boxes.append([x0, y0, z0, x1, y1, z1])
    else:
        imgs = _image(f, 1, 12)
        boxes = [f.box(*imgs.shape[:2]) for _ in range(f.int(0, 3))]
    boxes = np.array(boxes, dtype=f.pick([np.float64, np.int64, np.int16])).reshape(
        -1, 6 if is_3d else 4
    )
    if len(boxes) == 1 and f.chance(4):
        boxes = boxes[0]  # a single box stored flat
    arrays = {"imgs": imgs, "boxes": boxes}
    if f.chance(2):
        arrays["spacing"] = np.array([f.real(0.1, 5) for _ in range(3)])
    spoil = f.int(0, 23)  # 20-23: one invalid change, else a valid case
    if spoil == 20:
        arrays.pop(f.pick(["imgs", "boxes"]))
    elif spoil == 21:
        arrays["imgs"] = imgs.astype(f.pick([np.float32, np.int16, np.uint16]))
    elif spoil == 22:
        arrays["boxes"] = np.array([[5.0, 5.0, 1.0, 1.0, 1.0, 0.0][: 6 if is_3d else 4]])
    elif spoil == 23:
        arrays["boxes"] = np.array([object()] * 4, dtype=object)
    buffer = io.BytesIO()
    (np.savez_compressed if f.chance(2) else np.savez)(buffer, **arrays)
    data = bytearray(buffer.getvalue())
    for _ in range(f.pick([0] * 9 + [1, 2, 8])):  # now and then a few corrupted bytes
        data[f.int(0, len(data) - 1)] = f.int(0, 255)
    if f.chance(16):
        data = data[: f.int(0, len(data))]
    return bytes(data), imgs, boxes


def _npz(f: Bytes):
    name = f.pick(["2DBox_US_x.npz", "3DBox_CT_x.npz"])
    if f.chance(16):  # the raw fuzz bytes as a file
        data, imgs, boxes = f.data[f.at : f.end], None, None
    else:
        data, imgs, boxes = _npz_bytes(f, name)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            case = load_case(path)
        except CaseError as exc:
            STATS["npz"]["not a zip" if "not a zip" in str(exc) else "past zip check"] += 1
            raise Rejected("CaseError") from exc
    STATS["npz"]["past zip check"] += 1
    assert case.imgs.dtype == np.uint8 and case.imgs.flags.c_contiguous
    assert case.boxes.dtype == np.float64 and case.boxes.shape[1] == (6 if case.is_3d else 4)
    assert np.all(np.isfinite(case.boxes))
    if imgs is not None and zipfile.is_zipfile(io.BytesIO(data)):
        assert np.array_equal(case.imgs, imgs) and np.array_equal(case.boxes.ravel(), boxes.ravel())


def _torch_resize(f: Bytes):
    fill = f.int(0, 3)
    shape = f.shape(2, 1, 40)
    if fill == 0:
        plane = f.raw(shape, np.float32)
    elif fill == 1:
        plane = np.full(shape, f.real(-50, 50), np.float32)
    else:
        plane = ((f.small(shape, np.float32, 255) - 128) / 8).astype(np.float32)
    h, w, mode = f.int(1, 300), f.int(1, 300), f.pick(["bilinear", "bicubic"])
    if f.chance(16):
        plane, mode = _spoil(f, plane), f.pick([mode, "area", "nearest"])
    out = expect(CLEAR, _core.torch_resize, plane, h, w, mode)
    assert out.dtype == np.float32 and out.shape == (h, w)
    if not np.all(np.isfinite(plane)) or not np.all(np.abs(plane) < 1e30):
        return
    assert np.all(np.isfinite(out))
    lo, hi = float(plane.min()), float(plane.max())
    tol = 1e-5 * max(1.0, abs(lo), abs(hi))
    if mode == "bilinear" or fill == 1:
        assert lo - tol <= out.min() and out.max() <= hi + tol, (lo, hi, out.min(), out.max())


def _stretched_input(f: Bytes):
    image, size = _image(f, 1, 40), f.int(16, 96)
    mean = [f.real(-1, 1) for _ in range(3)]
    std = [f.real(0.1, 2) for _ in range(3)]
    if f.chance(16):
        size, std = f.pick([(size, [1.0, 0.0, 1.0]), (f.int(-2, 15), std), (size, std[:2])])
    x = expect(CLEAR, _core.prepare_stretched_input, image, size, f.chance(2), mean, std)
    assert x.dtype == np.float32 and x.shape == (1, 3, size, size) and np.all(np.isfinite(x))
    for c in range(3):  # inputs are scaled into [0, 1] before the mean and std
        a, b = sorted(((0 - mean[c]) / std[c], (1 - mean[c]) / std[c]))
        assert a - 1e-4 <= x[0, c].min() and x[0, c].max() <= b + 1e-4


def _point_prompts(f: Bytes):
    h, w, size, centre = f.int(1, 500), f.int(1, 500), f.int(1, 2000), f.chance(2)
    boxes = np.array([f.box(h, w) for _ in range(f.int(1, 5))], np.float64)
    spoiled = f.chance(16)
    if spoiled:
        boxes, h = _spoil(f, boxes), f.int(-2, 500)
    coords, labels = expect(CLEAR, _core.point_prompts, boxes, h, w, size, centre)
    p = 3 if centre else 2
    assert coords.shape == (len(boxes), p, 2) and labels.shape == (len(boxes), p)
    assert np.array_equal(labels, np.tile([2, 3, 1][:p], (len(boxes), 1)))
    scale = np.array([size / w, size / h])
    assert np.allclose(coords[:, 0], boxes[:, :2] * scale, rtol=1e-5)
    assert np.allclose(coords[:, 1], boxes[:, 2:] * scale, rtol=1e-5)
    assert spoiled or (coords.min() >= 0 and coords.max() <= size)  # boxes in the image


# The 2D pipeline: the tiny EfficientSAM pair (tests/tiny_efficientsam.py) costs about a
# millisecond a call; the LiteMedSAM encoder ~0.5 s, so it gets 1 in 16 pipeline inputs.
PIPELINE: dict = {}


def configure_pipeline(model_dir=None) -> None:
    """Builds the Segmenter the pipeline target uses (model_dir: the LiteMedSAM pair)."""
    from medsam_fast import Segmenter
    from tiny_efficientsam import write_tiny_pair

    tiny = write_tiny_pair(Path(tempfile.mkdtemp(prefix="fuzz_tiny_")) / "tiny")
    table = {"modality": {"microscopy": {"model": str(tiny)}}}
    PIPELINE["segmenter"] = Segmenter(strategy=table, threads=1, model_dir=model_dir)


def _segment_2d(f: Bytes):
    if "segmenter" not in PIPELINE:
        configure_pipeline()
    image = _image(f, 1, 8)
    h, w = image.shape[:2]
    boxes = np.array([f.box(h, w) for _ in range(f.int(1, 3))], np.float64)
    if f.chance(8):
        boxes[f.int(0, len(boxes) - 1), f.int(0, 3)] = f.pick([-5.0, w + 5.0, np.nan])
    modality = "CT" if f.chance(16) else "Microscopy"
    segs = expect(CaseError, PIPELINE["segmenter"].segment_2d, image, boxes, modality)
    assert segs.shape == (h, w) and segs.dtype == np.uint8 and segs.max() <= len(boxes)


TARGETS = [
    _resize,
    _encoder_input,
    _logits,
    _propagation,
    _box_to_frame,
    _vote,
    _metrics,
    _window,
    _percentiles,
    _npz,
    _torch_resize,
    _stretched_input,
    _point_prompts,
    _segment_2d,
]


def one_input(data: bytes) -> None:
    f = Bytes(data)
    target = TARGETS[f.int(0, len(TARGETS) - 1)]
    name = target.__name__.lstrip("_")
    try:
        with np.errstate(all="ignore"):  # NaN and overflow are part of the inputs
            target(f)
    except Rejected as exc:
        STATS[name]["rejected"] += 1
        LAST_REJECTION[:] = [name, str(exc.__cause__)]
    else:
        STATS[name]["reached"] += 1


def summary() -> str:
    rows = [f"{'entry point':16} {'inputs':>7} {'reached':>8}"]
    for name in sorted(STATS):
        s = STATS[name]
        n = s["reached"] + s["rejected"]
        rows.append(f"{name:16} {n:7d} {s['reached'] / max(n, 1):8.0%}")
    total = sum(s["reached"] + s["rejected"] for s in STATS.values())
    reached = sum(s["reached"] for s in STATS.values())
    rows.append(f"{'all':16} {total:7d} {reached / max(total, 1):8.0%}")
    return "\n".join(rows)


def main() -> None:
    import atheris

    sys.path.insert(0, str(Path(__file__).parent))
    runs = [0]

    def counted(data: bytes) -> None:
        one_input(data)
        runs[0] += 1
        if runs[0] % 1000 == 0:  # libFuzzer leaves without running atexit handlers
            print(summary(), file=sys.stderr, flush=True)

    # Python-side coverage guides the search; the C++ is not built with coverage
    # instrumentation, so inside it this is random testing with structured inputs.
    atheris.instrument_all()
    atheris.Setup(sys.argv, counted)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
