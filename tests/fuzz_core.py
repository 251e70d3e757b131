#!/usr/bin/env python3
"""Fuzz target over the C++ core's entry points and the npz reader (atheris).

    pip install atheris
    python tests/fuzz_core.py -atheris_runs=200000      # or -max_total_time=120

Each input picks an entry point and builds arrays of fuzzed shape, dtype and content.
Clear Python exceptions (ValueError, TypeError, CaseError, ...) are expected; a crash, a
hang or any other exception is a finding. tests/test_fuzz_regressions.py replays a fixed
corpus through the same function on every test run.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from medsam_fast import _core, metrics
from medsam_fast.io.cases import CaseError, load_case

EXPECTED = (ValueError, TypeError, CaseError, OverflowError, MemoryError, IndexError)
DTYPES = [np.uint8, np.int16, np.uint16, np.int32, np.int64, np.float32, np.float64, np.bool_]


class Bytes:
    """A tiny FuzzedDataProvider that works without atheris (for the regression test)."""

    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def int(self, lo: int, hi: int) -> int:
        if self.at >= len(self.data):
            return lo
        value = self.data[self.at] | (self.data[(self.at + 1) % len(self.data)] << 8)
        self.at += 2
        return lo + value % (hi - lo + 1)

    def array(self, shape, dtype) -> np.ndarray:
        n = int(np.prod(shape)) * np.dtype(dtype).itemsize
        chunk = self.data[self.at : self.at + n]
        self.at += n
        raw = (chunk * (n // max(len(chunk), 1) + 1))[:n] if chunk else bytes(n)
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()

    def shape(self, rank: int, biggest: int) -> tuple:
        return tuple(self.int(0, biggest) for _ in range(rank))


def _resize(f: Bytes):
    rank = f.int(1, 4)
    image = f.array(f.shape(rank, 40), DTYPES[f.int(0, len(DTYPES) - 1)])
    _core.resize_area(image, f.int(-2, 300), f.int(-2, 300))


def _encoder_input(f: Bytes):
    image = f.array(f.shape(f.int(1, 4), 60), DTYPES[f.int(0, 1)])
    _core.prepare_encoder_input(image)


def _logits(f: Bytes):
    logits = f.array((f.int(0, 256), f.int(0, 256)), np.float32)
    _core.logits_to_mask(logits, f.int(-1, 300), f.int(-1, 300), f.int(-1, 90), f.int(-1, 90))


def _propagation(f: Bytes):
    mask = f.array(f.shape(2, 80), np.uint8)
    _core.propagation_box(mask, f.int(0, 255), f.int(-5, 300))


def _metrics(f: Bytes):
    shape = f.shape(f.int(1, 4), 12)
    dtype = DTYPES[f.int(0, len(DTYPES) - 1)]
    gt, seg = f.array(shape, dtype), f.array(shape, dtype)
    spacing = [f.int(0, 40) / 8 for _ in range(3)]
    labels = [f.int(-2, 70000) for _ in range(f.int(0, 4))] or None
    metrics.nsd(gt, seg, spacing, tolerance=f.int(0, 30) / 4, labels=labels, threads=f.int(0, 3))
    metrics.dsc(gt, seg, labels=labels)


def _vote(f: Bytes):
    shape = f.shape(f.int(1, 3), 9)
    dtype = DTYPES[f.int(0, 2)]
    a, b, c = (f.array(shape, dtype) for _ in range(3))
    _core.majority_vote(a, b, c, np.zeros(f.shape(len(shape), 9), dtype))


def _intensity(f: Bytes):
    volume = f.array(f.shape(f.int(1, 3), 20), DTYPES[f.int(0, len(DTYPES) - 1)])
    lo, hi = f.int(-3000, 3000), f.int(-3000, 3000)
    _core.window_to_uint8(volume, float(lo), float(hi), bool(f.int(0, 1)))
    _core.nonzero_percentiles(volume, f.int(-5, 105), f.int(-5, 105))


def _npz(f: Bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("3DBox_CT_x.npz" if f.int(0, 1) else "2DBox_US_x.npz")
        path.write_bytes(f.data[f.at :])
        load_case(path)


def _torch_resample(f: Bytes):
    plane = f.array(f.shape(f.int(1, 3), 40), DTYPES[f.int(0, len(DTYPES) - 1)])
    _core.torch_resize(
        plane, f.int(-2, 300), f.int(-2, 300), ("bilinear", "bicubic", "area")[f.int(0, 2)]
    )


def _stretched_input(f: Bytes):
    image = f.array(f.shape(f.int(1, 4), 60), DTYPES[f.int(0, 1)])
    mean = [f.int(-3, 3) / 2 for _ in range(3)]
    std = [f.int(-1, 3) / 2 for _ in range(f.int(2, 4))]
    _core.prepare_stretched_input(image, f.int(-5, 80), bool(f.int(0, 1)), mean, std)


def _point_prompts(f: Bytes):
    boxes = f.array(f.shape(f.int(1, 3), 6), np.float64)
    _core.point_prompts(boxes, f.int(-2, 500), f.int(-2, 500), f.int(-2, 2000), bool(f.int(0, 1)))


TARGETS = [
    _resize,
    _encoder_input,
    _logits,
    _propagation,
    _metrics,
    _vote,
    _intensity,
    _npz,
    _torch_resample,
    _stretched_input,
    _point_prompts,
]


def one_input(data: bytes) -> None:
    f = Bytes(data)
    target = TARGETS[f.int(0, len(TARGETS) - 1)]
    try:
        target(f)
    except EXPECTED:
        pass


def main() -> None:
    import atheris

    # Python-side coverage guides the search (the C++ is not built with sanitizer
    # coverage, so inside it this is random testing with structure-aware inputs).
    atheris.instrument_all()
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
